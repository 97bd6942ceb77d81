import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { NetAddress } from '../../src/address/netaddress.js';
import { Subnet } from '../../src/address/subnet.js';
import type { ManagerCounters } from '../../src/connman/types.js';
import {
  createMetrics, MAX_MESSAGE_TYPE_LABELS, METRIC_NAMES, OTHER_MESSAGE_TYPE, type MetricsSource,
} from '../../src/metrics/metrics.js';
import { encodeFrame } from '../../src/wire/frame.js';
import { REGTEST } from '../../src/wire/params.js';
import { FULL_NODE, Sim, svc } from '../../src/sim/network.js';
import { parseExposition, type Exposition } from './exposition.js';

async function scrape(m: ReturnType<typeof createMetrics>): Promise<Exposition> {
  const { contentType, body } = await m.scrape();
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  return parseExposition(body);
}

function counters(): ManagerCounters {
  return {
    inboundEvictions: 0, inboundRejected: { banned: 0, discouraged: 0, full: 0, inactive: 0 }, handshakeFailures: 0,
    connectFailures: 0, misbehaving: 0, bansAdded: 0, addrProcessed: 0, addrRateLimited: 0, bytesPerMsg: { sent: new Map(), recv: new Map() },
    bytesByTransport: { sent: { v1: 0, v2: 0, detecting: 0 }, recv: { v1: 0, v2: 0, detecting: 0 } },
  };
}

/** A source with no peers and an empty table, for unit tests of the exporter itself. */
function fakeSource(c = counters(), totals = { bytesSent: 0, bytesRecv: 0 }): MetricsSource {
  return {
    peers: () => [], totals: () => totals, counters: c,
    addrman: { size: () => 0 }, listBanned: () => [], networkActive: true,
  };
}

test('the peers gauge counts live peers by direction, connection type and network, with empty combinations at 0', async () => {
  const sim = new Sim();
  const me = sim.node('20.0.0.1');
  const inbound = [sim.node('20.1.0.1'), sim.node('20.2.0.1')];
  sim.node('20.3.0.1');
  await sim.startAll();
  for (const n of inbound) assert.equal(await n.openConnection(svc('20.0.0.1'), 'manual'), true);
  assert.equal(await me.openConnection(svc('20.3.0.1'), 'block-relay-only'), true);
  await sim.run(2_000);
  const m = createMetrics(me);
  const x = await scrape(m);
  assert.equal(x.types.get('peerbook_peers'), 'gauge');
  assert.equal(x.value('peerbook_peers', { direction: 'inbound', type: 'inbound', network: 'ipv4' }), 2);
  assert.equal(x.value('peerbook_peers', { direction: 'outbound', type: 'block-relay-only', network: 'ipv4' }), 1);
  assert.equal(x.value('peerbook_peers', { direction: 'outbound', type: 'outbound-full-relay', network: 'onion' }), 0);
  assert.equal(x.all('peerbook_peers').filter((p) => p.labels.network === 'not_publicly_routable').length, 0, 'unroutable only appears when used');
  assert.equal(x.all('peerbook_peers').reduce((s, p) => s + p.value, 0), 3);
  inbound[0].disconnect({ address: '20.0.0.1:18444' });
  await sim.run(2_000);
  assert.equal((await scrape(m)).value('peerbook_peers', { type: 'inbound', network: 'ipv4' }), 1, 'the gauge follows a departure');
  await sim.stopAll();
});

test('message byte counters match the manager, keep departed peers\' traffic and never decrease', async () => {
  const sim = new Sim();
  const me = sim.node('11.0.0.1');
  const other = sim.node('11.1.0.1');
  await sim.startAll();
  assert.equal(await other.openConnection(svc('11.0.0.1'), 'manual'), true);
  await sim.run(2_000);
  const m = createMetrics(me);
  const before = await scrape(m);
  assert.equal(before.types.get('peerbook_message_bytes_total'), 'counter');
  const versionSent = before.value('peerbook_message_bytes_total', { direction: 'sent', message_type: 'version' });
  assert.ok(versionSent > 24, `version bytes ${versionSent}`);
  assert.equal(versionSent, me.counters.bytesPerMsg.sent.get('version'));
  assert.equal(before.value('peerbook_message_bytes_total', { direction: 'received', message_type: 'verack' }), me.counters.bytesPerMsg.recv.get('verack'));
  assert.equal(before.value('peerbook_bytes_total', { direction: 'sent' }), me.totals().bytesSent);
  assert.equal(before.value('peerbook_bytes_total', { direction: 'received' }), me.totals().bytesRecv);
  me.pingAll();
  await sim.run(1_000);
  me.disconnect({ subnet: Subnet.parse('11.1.0.1/32') });
  await sim.run(2_000);
  assert.equal(me.peers().length, 0);
  const after = await scrape(m);
  for (const s of before.all('peerbook_message_bytes_total')) {
    assert.ok(after.value('peerbook_message_bytes_total', s.labels) >= s.value, `${JSON.stringify(s.labels)} went down`);
  }
  assert.ok(after.value('peerbook_message_bytes_total', { direction: 'sent', message_type: 'ping' }) > 0, 'ping traffic of a departed peer is kept');
  await sim.stopAll();
});

test('a ban shows as active and added, and the banned peer reconnecting is rejected with reason banned', async () => {
  const sim = new Sim();
  const me = sim.node('12.0.0.1');
  const bad = sim.node('12.1.0.5');
  await sim.startAll();
  assert.equal(await bad.openConnection(svc('12.0.0.1'), 'manual'), true);
  await sim.run(1_000);
  const m = createMetrics(me);
  let x = await scrape(m);
  assert.equal(x.value('peerbook_bans_active'), 0);
  assert.equal(x.value('peerbook_bans_added_total'), 0);
  me.ban(Subnet.parse('12.1.0.0/16'));
  await sim.run(1_000);
  await bad.openConnection(svc('12.0.0.1'), 'manual');
  await sim.run(1_000);
  x = await scrape(m);
  assert.equal(x.value('peerbook_bans_active'), 1);
  assert.equal(x.value('peerbook_bans_added_total'), 1);
  assert.equal(x.value('peerbook_inbound_rejected_total', { reason: 'banned' }), 1);
  assert.equal(x.value('peerbook_inbound_rejected_total', { reason: 'full' }), 0);
  me.unban(Subnet.parse('12.1.0.0/16'));
  x = await scrape(m);
  assert.equal(x.value('peerbook_bans_active'), 0, 'unban lowers the gauge');
  assert.equal(x.value('peerbook_bans_added_total'), 1, 'the counter stays');
  await sim.stopAll();
});

test('inbound evictions and connections refused while networking is off are counted', async () => {
  const sim = new Sim();
  const me = sim.node('40.0.0.1', { maxConnections: 40 }); // 29 inbound slots
  const honest = Array.from({ length: 29 }, (_, i) => sim.node(`50.${i}.1.1`));
  const newcomers = Array.from({ length: 4 }, (_, i) => sim.node(`60.1.${i}.1`));
  await sim.startAll();
  for (const h of honest) void h.openConnection(svc('40.0.0.1'), 'manual');
  await sim.run(5_000);
  for (const a of newcomers) {
    void a.openConnection(svc('40.0.0.1'), 'manual');
    await sim.run(500);
  }
  await sim.run(2_000);
  const m = createMetrics(me);
  let x = await scrape(m);
  assert.equal(x.types.get('peerbook_inbound_evictions_total'), 'counter');
  assert.ok(me.counters.inboundEvictions >= 1, 'the scenario evicts');
  assert.equal(x.value('peerbook_inbound_evictions_total'), me.counters.inboundEvictions);
  me.setNetworkActive(false);
  await sim.run(1_000);
  await honest[0].openConnection(svc('40.0.0.1'), 'manual');
  await sim.run(1_000);
  x = await scrape(m);
  assert.equal(x.value('peerbook_inbound_rejected_total', { reason: 'inactive' }), 1);
  assert.equal(x.value('peerbook_network_active'), 0);
  await sim.stopAll();
});

test('a refused dial counts as a connect failure and a peer that hangs up before the handshake as a handshake failure', async () => {
  const sim = new Sim();
  const me = sim.node('13.0.0.1');
  const hostile = sim.node('13.1.0.1');
  await sim.startAll();
  hostile.ban(Subnet.parse('13.0.0.1/32'));
  assert.equal(await me.openConnection(svc('13.9.9.9'), 'manual'), false, 'nobody listens there');
  await me.openConnection(svc('13.1.0.1'), 'manual'); // accepted by the transport, dropped by the banning node
  await sim.run(2_000);
  const x = await scrape(createMetrics(me));
  assert.equal(x.value('peerbook_connect_failures_total'), 1);
  assert.equal(x.value('peerbook_handshake_failures_total'), 1);
  await sim.stopAll();
});

test('a peer sending an addr message with more than 1000 entries is counted as misbehaving', async () => {
  const sim = new Sim();
  // v1 only: a stream that does not start with `version` would be read as a BIP324 key by a v2 listener (as in Core).
  const me = sim.node('14.0.0.1', { v2transport: false });
  await sim.startAll();
  const conn = await sim.net.transport(NetAddress.parse('14.1.0.1')).connect(svc('14.0.0.1'));
  conn.write(encodeFrame(REGTEST.magic, 'addr', Uint8Array.of(0xfd, 0xe9, 0x03))); // CompactSize 1001
  await sim.run(1_000);
  const x = await scrape(createMetrics(me));
  assert.equal(x.value('peerbook_misbehaving_total'), 1);
  conn.destroy();
  await sim.stopAll();
});

test('addr processed and rate-limited counters add up every peer and survive disconnection', async () => {
  const sim = new Sim();
  const me = sim.node('15.0.0.1');
  const gossip = sim.node('15.1.0.1');
  await sim.startAll();
  assert.equal(await gossip.openConnection(svc('15.0.0.1'), 'manual'), true);
  await sim.run(2_000);
  const now = sim.clock.nowSeconds();
  const seen = (): number => me.peerDetails().reduce((s, d) => s + d.addrProcessed + d.addrRateLimited, 0);
  const seenBefore = seen(); // the peer's self-advertisement
  const addresses = Array.from({ length: 40 }, (_, i) => ({ service: svc(`16.${i}.0.1`), services: FULL_NODE, time: now - 60 }));
  assert.ok(gossip.send(gossip.peers()[0].id, { type: 'addr', addresses }));
  await sim.run(1_000);
  const details = me.peerDetails();
  const processed = details.reduce((s, d) => s + d.addrProcessed, 0);
  const limited = details.reduce((s, d) => s + d.addrRateLimited, 0);
  assert.equal(seen() - seenBefore, 40, 'the scenario delivers every address to the relay');
  assert.ok(processed > 0 && limited > 0, `processed ${processed}, rate-limited ${limited}`);
  const m = createMetrics(me);
  let x = await scrape(m);
  assert.equal(x.types.get('peerbook_addr_processed_total'), 'counter');
  assert.equal(x.value('peerbook_addr_processed_total'), processed);
  assert.equal(x.value('peerbook_addr_rate_limited_total'), limited);
  me.disconnect({ subnet: Subnet.parse('15.1.0.1/32') });
  await sim.run(1_000);
  x = await scrape(m);
  assert.equal(x.value('peerbook_addr_processed_total'), processed, 'a departed peer\'s addresses still count');
  assert.equal(x.value('peerbook_addr_rate_limited_total'), limited);
  await sim.stopAll();
});

test('addrman entries are reported per table and network', async () => {
  const sim = new Sim();
  const me = sim.node('17.0.0.1');
  const now = sim.clock.nowSeconds();
  const ips = ['18.1.0.1', '18.2.0.1', '18.3.0.1', '2a01:4f8::1'];
  me.addrman.add(ips.map((ip) => ({ service: svc(ip), services: FULL_NODE, time: now - 3600 })), NetAddress.parse('9.9.9.9'));
  me.addrman.good(svc('18.1.0.1'));
  const x = await scrape(createMetrics(me));
  assert.equal(x.value('peerbook_addrman_entries', { table: 'new', network: 'ipv4' }), 2);
  assert.equal(x.value('peerbook_addrman_entries', { table: 'tried', network: 'ipv4' }), 1);
  assert.equal(x.value('peerbook_addrman_entries', { table: 'new', network: 'ipv6' }), 1);
  assert.equal(x.value('peerbook_addrman_entries', { table: 'tried', network: 'onion' }), 0);
});

test('message types past MAX_MESSAGE_TYPE_LABELS are added to *other* instead of creating series', async () => {
  const c = counters();
  const total = MAX_MESSAGE_TYPE_LABELS + 36;
  for (let i = 0; i < total; i++) c.bytesPerMsg.sent.set(`cmd${i}`, 10);
  c.bytesPerMsg.sent.set(OTHER_MESSAGE_TYPE, 5);
  const m = createMetrics(fakeSource(c));
  let x = await scrape(m);
  const series = x.all('peerbook_message_bytes_total').filter((s) => s.labels.direction === 'sent');
  assert.equal(series.length, MAX_MESSAGE_TYPE_LABELS);
  assert.equal(series.reduce((s, v) => s + v.value, 0), total * 10 + 5, 'no byte is lost');
  assert.equal(x.value('peerbook_message_bytes_total', { direction: 'sent', message_type: 'cmd0' }), 10);
  assert.equal(x.value('peerbook_message_bytes_total', { direction: 'sent', message_type: OTHER_MESSAGE_TYPE }), (total - (MAX_MESSAGE_TYPE_LABELS - 1)) * 10 + 5);
  c.bytesPerMsg.sent.set('cmd0', 30);
  x = await scrape(m);
  assert.equal(x.value('peerbook_message_bytes_total', { direction: 'sent', message_type: 'cmd0' }), 30, 'a labelled type keeps its series');
});

test('exported counters never go down, even if the source does', async () => {
  const c = counters();
  const totals = { bytesSent: 1000, bytesRecv: 500 };
  c.connectFailures = 7;
  c.bytesPerMsg.recv.set('ping', 64);
  const m = createMetrics(fakeSource(c, totals));
  await scrape(m);
  c.connectFailures = 3;
  totals.bytesSent = 10;
  c.bytesPerMsg.recv.set('ping', 32);
  let x = await scrape(m);
  assert.equal(x.value('peerbook_connect_failures_total'), 7);
  assert.equal(x.value('peerbook_bytes_total', { direction: 'sent' }), 1000);
  assert.equal(x.value('peerbook_message_bytes_total', { direction: 'received', message_type: 'ping' }), 64);
  c.connectFailures = 9;
  x = await scrape(m);
  assert.equal(x.value('peerbook_connect_failures_total'), 9, 'it follows the source up again');
});

test('every documented metric is exported with the type its name promises', async () => {
  const x = await scrape(createMetrics(fakeSource()));
  for (const name of METRIC_NAMES) {
    const type = x.types.get(name);
    assert.ok(type, `${name} missing`);
    assert.equal(type, name.endsWith('_total') ? 'counter' : 'gauge', name);
    // Message types get series as traffic appears; everything else is exported from the first scrape.
    if (name !== 'peerbook_message_bytes_total') assert.ok(x.all(name).length >= 1, `${name} has no sample`);
  }
  assert.equal([...x.types.keys()].filter((n) => !METRIC_NAMES.includes(n)).length, 0, 'no process metrics unless asked');
});

test('process metrics are added under the peerbook_ prefix when asked', async () => {
  const x = await scrape(createMetrics(fakeSource(), { defaultMetrics: true }));
  assert.ok(x.types.has('peerbook_process_cpu_user_seconds_total'));
  assert.ok(x.types.has('peerbook_nodejs_heap_size_used_bytes'));
});

test('close() unregisters from a shared registry so another manager can register the same names', async () => {
  const registry = new Registry();
  const first = createMetrics(fakeSource(), { registry });
  assert.throws(() => createMetrics(fakeSource(), { registry }), /already been registered/);
  first.close();
  const second = createMetrics(fakeSource(), { registry });
  assert.ok((await second.scrape()).body.includes('peerbook_peers'));
  assert.equal((await registry.getMetricsAsJSON()).length, METRIC_NAMES.length);
});
