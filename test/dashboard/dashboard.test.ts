import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ADDRMAN_NEW_BUCKET_COUNT, ADDRMAN_TRIED_BUCKET_COUNT } from '../../src/addrman/constants.js';
import type { EntryPosition } from '../../src/addrman/types.js';
import type { BucketFill, DashboardSource, PeerRow, Summary } from '../../src/dashboard/api.js';
import { toJson } from '../../src/dashboard/api.js';
import { CHART_MAX_WIDTH_PX, CHART_MIN_WIDTH_PX } from '../../src/dashboard/charts.js';
import type { AddrmanComposition } from '../../src/dashboard/composition.js';
import { BUCKET_FILL_MIN_TTL_MS, CHART_CSP, createDashboardHandler, DASHBOARD_CHART_NAMES, type TrafficDocument } from '../../src/dashboard/handler.js';
import { startOperatorHttpServer } from '../../src/dashboard/server.js';
import {
  DEFAULT_TRAFFIC_HISTORY, MAX_TRAFFIC_HISTORY, RingBuffer, TRAFFIC_SAMPLE_INTERVAL_MS, TrafficSampler,
} from '../../src/dashboard/traffic.js';
import { VirtualClock } from '../../src/util/clock.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { Sim, svc } from '../../src/sim/network.js';
import { getJson, httpRequest } from './http-client.js';
import { HOSTILE_USER_AGENT, SCENARIO_ADDRESSES, SCENARIO_TRIED, startScenario } from './scenario.js';

test('/api/peers lists every peer with getpeerinfo fields, type, user agent and time connected', async () => {
  const { sim, me, peers } = await startScenario();
  const server = await startOperatorHttpServer({ dashboard: createDashboardHandler(me) });
  try {
    await sim.run(90_000);
    const rows = await getJson<PeerRow[]>(`${server.url}/api/peers`);
    assert.equal(rows.length, peers.length);
    assert.deepEqual(rows.map((r) => r.id), [...rows.map((r) => r.id)].sort((a, b) => a - b), 'ordered by id');
    for (const p of peers) {
      const row = rows.find((r) => r.addr.startsWith(`${p.ip}:`));
      assert.ok(row, `${p.ip} listed`);
      assert.equal(row.connection_type, p.type);
      assert.equal(row.inbound, p.type === 'inbound');
      assert.equal(row.subver, p.userAgent);
      assert.equal(row.network, 'ipv4');
      assert.equal(row.services, '0000000000000809', 'NETWORK | WITNESS | P2P_V2');
      assert.ok(row.bytessent > 0 && row.bytesrecv > 0);
      assert.ok(row.connected_for >= 90 && row.connected_for <= 95, `connected_for ${row.connected_for}`);
      assert.equal(row.handshake_done, true);
    }
    assert.ok(rows.some((r) => r.subver === HOSTILE_USER_AGENT), 'the API returns peer text verbatim; the page escapes it');
  } finally {
    await server.stop();
    await sim.stopAll();
  }
});

test('/api/summary counts connections by type and network and reports table sizes and counters', async () => {
  const { sim, me } = await startScenario();
  const server = await startOperatorHttpServer({ dashboard: createDashboardHandler(me) });
  try {
    const s = await getJson<Summary>(`${server.url}/api/summary`);
    assert.equal(s.chain, 'regtest');
    assert.deepEqual(s.connections, { total: 5, in: 3, out: 2 });
    assert.deepEqual(s.by_type, { 'inbound': 3, 'outbound-full-relay': 0, 'manual': 1, 'feeler': 0, 'block-relay-only': 1, 'addr-fetch': 0 });
    assert.equal(s.by_network.ipv4, 5);
    assert.equal(s.by_network.ipv6, 0, 'every reachable network is listed');
    assert.equal(s.by_type_network.inbound.ipv4, 3);
    assert.equal(s.by_type_network['block-relay-only'].ipv4, 1);
    assert.equal(s.addrman.new + s.addrman.tried, s.addrman.total);
    assert.equal(s.addrman.tried, me.addrman.size({ inNew: false }));
    assert.ok(s.addrman.tried > SCENARIO_TRIED / 2 && s.addrman.tried <= SCENARIO_TRIED, `tried ${s.addrman.tried}`); // some collide
    assert.equal(s.addrman.by_network.ipv4.new, me.addrman.size({ inNew: true }) - s.addrman.by_network.ipv6.new);
    assert.equal(s.totals.totalbytessent, me.totals().bytesSent);
    assert.equal(s.localservices, '0000000000000809');
    assert.equal(s.banned, 0);
    assert.equal(s.counters.inbound_rejected.banned, 0);
    assert.equal(s.running, true);
  } finally {
    await server.stop();
    await sim.stopAll();
  }
});

test('/api/addrman/buckets returns 1,024 new and 256 tried counts that match getEntries', async () => {
  const { sim, me } = await startScenario();
  const server = await startOperatorHttpServer({ dashboard: createDashboardHandler(me) });
  try {
    const b = await getJson<BucketFill>(`${server.url}/api/addrman/buckets`);
    assert.equal(b.bucket_size, 64);
    assert.equal(b.new.length, ADDRMAN_NEW_BUCKET_COUNT);
    assert.equal(b.tried.length, ADDRMAN_TRIED_BUCKET_COUNT);
    const newEntries = me.addrman.getEntries(false);
    assert.equal(b.new.reduce((s, n) => s + n, 0), newEntries.length, 'one count per occupied new cell');
    assert.equal(b.tried.reduce((s, n) => s + n, 0), me.addrman.size({ inNew: false }));
    const first = newEntries[0];
    assert.equal(b.new[first.bucket], newEntries.filter((e) => e.bucket === first.bucket).length);
    assert.ok(b.new.filter((n) => n > 0).length > 100, 'addresses from 30 sources spread over many buckets');
    assert.ok(Math.max(...b.new, ...b.tried) <= 64);
    assert.ok(me.addrman.size() <= SCENARIO_ADDRESSES);
  } finally {
    await server.stop();
    await sim.stopAll();
  }
});

test('/api/addrman/composition counts every entry once, by network and by source and address group', async () => {
  const { sim, me } = await startScenario();
  const server = await startOperatorHttpServer({ dashboard: createDashboardHandler(me) });
  try {
    const c = await getJson<AddrmanComposition>(`${server.url}/api/addrman/composition`);
    assert.equal(c.total, me.addrman.size());
    assert.equal(c.new, me.addrman.size({ inNew: true }));
    assert.equal(c.tried, me.addrman.size({ inNew: false }));
    assert.deepEqual(c.by_network.ipv4, { new: c.new, tried: c.tried });
    assert.equal(c.grouping, 'prefix');
    assert.ok(c.by_source_group.groups >= 30, 'the scenario adds from 30 source /16s');
    assert.ok(c.by_source_group.top1_share > 0.02 && c.by_source_group.top1_share < 0.1, `top source share ${c.by_source_group.top1_share}`);
    assert.ok(c.by_address_group.groups >= 150);
  } finally {
    await server.stop();
    await sim.stopAll();
  }
});

test('each chart is served as an SVG image at the width asked for, under a CSP that allows nothing else', async () => {
  const { sim, me } = await startScenario();
  const server = await startOperatorHttpServer({ dashboard: createDashboardHandler(me) });
  try {
    for (const name of DASHBOARD_CHART_NAMES) {
      const r = await httpRequest(`${server.url}/api/charts/${name}.svg?width=700&height=300`);
      assert.equal(r.status, 200, `${name}: ${r.body}`);
      assert.equal(r.headers['content-type'], 'image/svg+xml; charset=utf-8');
      assert.equal(r.headers['content-security-policy'], CHART_CSP);
      assert.match(r.body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" id="chart-[a-z-]+" width="(\d+)"/);
      const width = Number(/width="(\d+)"/.exec(r.body)![1]);
      assert.ok(width <= 700 && width >= 600, `${name}: ${width} px wide`);
      assert.ok(!/<script|\sstyle=/.test(r.body), `${name}: nothing but the drawing`);
    }
    const traffic = await httpRequest(`${server.url}/api/charts/traffic.svg?width=700&height=300`);
    assert.match(traffic.body, /width="700" height="300"/);
  } finally {
    await server.stop();
    await sim.stopAll();
  }
});

test('a chart width or height outside its bounds, or not a whole number, is a 400', async () => {
  const clock = new VirtualClock(0);
  const server = await startOperatorHttpServer({ dashboard: createDashboardHandler(countingSource(clock).source, { clock }) });
  try {
    for (const q of [`width=${CHART_MIN_WIDTH_PX - 1}`, `width=${CHART_MAX_WIDTH_PX + 1}`, 'width=abc', 'width=1e3', 'height=5', 'width=']) {
      const r = await httpRequest(`${server.url}/api/charts/traffic.svg?${q}`);
      assert.equal(r.status, 400, q);
      assert.match(r.body, /must be an integer in/);
    }
    assert.equal((await httpRequest(`${server.url}/api/charts/nope.svg`)).status, 404);
    assert.equal((await httpRequest(`${server.url}/api/charts/traffic.svg?width=${CHART_MIN_WIDTH_PX}`)).status, 200);
  } finally {
    await server.stop();
  }
});

/** A source with a counted, fake table for the caching tests. */
function countingSource(clock: VirtualClock): { source: DashboardSource; calls: () => number; entries: EntryPosition[] } {
  let calls = 0;
  const entries: EntryPosition[] = [];
  const source = {
    clock,
    peerDetails: () => [], peers: () => [], totals: () => ({ bytesSent: 0, bytesRecv: 0 }),
    addrman: { size: () => entries.length, getEntries: (tried: boolean) => { calls++; return tried ? [] : entries; } },
    listBanned: () => [], reachableNetworks: new Set(), networkActive: true, running: true, startTime: 0,
    network: { name: 'regtest' }, localServices: 0n,
    counters: { inboundEvictions: 0, inboundRejected: { banned: 0, discouraged: 0, full: 0, inactive: 0 }, handshakeFailures: 0, connectFailures: 0, misbehaving: 0, bansAdded: 0, bytesPerMsg: { sent: new Map(), recv: new Map() } },
  } as unknown as DashboardSource;
  return { source, calls: () => calls, entries };
}

test('the table scan behind bucket fill and composition runs at most once per BUCKET_FILL_MIN_TTL_MS on the clock, however often it is asked for', () => {
  const clock = new VirtualClock(1_000_000);
  const { source, calls, entries } = countingSource(clock);
  const d = createDashboardHandler(source, { clock });
  assert.deepEqual(d.api.buckets().new.slice(0, 3), [0, 0, 0]);
  const once = calls();
  entries.push({
    bucket: 2, position: 5, multiplicity: 1,
    info: { record: { service: svc('40.1.2.3') }, source: NetAddress.parse('50.1.1.1') },
  } as unknown as EntryPosition);
  for (let i = 0; i < 10; i++) d.api.buckets();
  assert.equal(calls(), once, 'served from the cache');
  assert.equal(d.api.buckets().new[2], 0, 'still the cached fill');
  clock.advance(BUCKET_FILL_MIN_TTL_MS);
  assert.equal(d.api.buckets().new[2], 1, 'recomputed after the TTL');
  assert.equal(calls(), once * 2);
  assert.equal(d.api.composition().total, 1, 'the composition comes from the same scan');
  d.api.chart('buckets-new');
  d.api.chart('source-groups');
  assert.equal(calls(), once * 2, 'charts reuse the scan too');
});

test('the traffic sampler records per-interval byte differences on the injected clock, only between start and stop', async () => {
  const sim = new Sim();
  const me = sim.node('33.0.0.1');
  const other = sim.node('33.1.0.1');
  await sim.startAll();
  const d = createDashboardHandler(me, { clock: sim.clock, historyLimit: 100 });
  await other.openConnection(sim.nodes[0].listenAddresses[0], 'manual');
  await sim.run(TRAFFIC_SAMPLE_INTERVAL_MS * 3);
  assert.equal(d.traffic.samples().length, 0, 'nothing before start()');
  d.start();
  d.start();
  const before = me.totals();
  for (let i = 0; i < 4; i++) {
    me.pingAll();
    await sim.run(TRAFFIC_SAMPLE_INTERVAL_MS);
  }
  const doc: TrafficDocument = d.api.traffic();
  assert.equal(doc.interval_ms, TRAFFIC_SAMPLE_INTERVAL_MS);
  assert.equal(doc.history_limit, 100);
  assert.equal(doc.samples.length, 4);
  for (const s of doc.samples) assert.equal(s.intervalMs, TRAFFIC_SAMPLE_INTERVAL_MS);
  assert.ok(doc.samples.every((s, i) => i === 0 || s.time - doc.samples[i - 1].time === TRAFFIC_SAMPLE_INTERVAL_MS));
  const after = me.totals();
  assert.equal(doc.samples.reduce((a, s) => a + s.bytesSent, 0), after.bytesSent - before.bytesSent);
  assert.equal(doc.samples.reduce((a, s) => a + s.bytesRecv, 0), after.bytesRecv - before.bytesRecv);
  assert.ok(doc.samples.every((s) => s.bytesSent > 0), 'each interval carried a ping');
  assert.equal(doc.samples[3].totalSent, after.bytesSent);
  d.stop();
  await sim.run(TRAFFIC_SAMPLE_INTERVAL_MS * 3);
  assert.equal(d.traffic.samples().length, 4, 'no samples after stop()');
  await sim.stopAll();
  await sim.run(10_000);
  assert.equal(sim.clock.pendingTimers, 0, 'the sampler leaves no timer behind');
});

test('the traffic history keeps only the newest historyLimit samples', () => {
  const clock = new VirtualClock(0);
  const totals = { bytesSent: 0, bytesRecv: 0 };
  const sampler = new TrafficSampler({ totals: () => totals }, clock, { historyLimit: 5, intervalMs: 1_000 });
  sampler.start();
  for (let i = 1; i <= 12; i++) {
    totals.bytesSent += i;
    clock.advance(1_000);
  }
  const s = sampler.samples();
  assert.equal(s.length, 5);
  assert.deepEqual(s.map((x) => x.bytesSent), [8, 9, 10, 11, 12]);
  assert.deepEqual(s.map((x) => x.time), [8_000, 9_000, 10_000, 11_000, 12_000]);
  sampler.stop();
});

test('a history limit outside 1..MAX_TRAFFIC_HISTORY or a too-short interval is refused', () => {
  const clock = new VirtualClock(0);
  const src = { totals: () => ({ bytesSent: 0, bytesRecv: 0 }) };
  assert.throws(() => new TrafficSampler(src, clock, { historyLimit: MAX_TRAFFIC_HISTORY + 1 }), { code: 'ERR_ARGUMENT' });
  assert.throws(() => new TrafficSampler(src, clock, { historyLimit: 0 }), { code: 'ERR_ARGUMENT' });
  assert.throws(() => new TrafficSampler(src, clock, { intervalMs: 1 }), { code: 'ERR_ARGUMENT' });
  assert.equal(new TrafficSampler(src, clock).historyLimit, DEFAULT_TRAFFIC_HISTORY);
});

test('a ring buffer drops its oldest element once full and returns the rest oldest first', () => {
  const r = new RingBuffer<number>(3);
  for (let i = 0; i < 3; i++) r.push(i);
  assert.deepEqual(r.toArray(), [0, 1, 2]);
  for (let i = 3; i < 10; i++) r.push(i);
  assert.equal(r.length, 3);
  assert.deepEqual(r.toArray(), [7, 8, 9]);
  assert.throws(() => new RingBuffer(0), { code: 'ERR_ARGUMENT' });
});

test('JSON bodies carry bigints as decimal strings', () => {
  assert.equal(toJson({ services: 2n ** 64n - 1n, n: 1 }), '{"services":"18446744073709551615","n":1}');
});

test('the handler leaves paths it does not serve to the caller', () => {
  const clock = new VirtualClock(0);
  const d = createDashboardHandler(countingSource(clock).source, { clock });
  const req = { url: '/nope', method: 'GET' } as IncomingMessage;
  const res = { writeHead: () => assert.fail('wrote a response'), end: () => assert.fail('ended') } as unknown as ServerResponse;
  assert.equal(d.handle(req, res), false);
});
