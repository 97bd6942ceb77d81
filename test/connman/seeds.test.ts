/**
 * Bootstrapping (Core ThreadDNSAddressSeed and the fixed-seed fallback in ThreadOpenConnections, as
 * exercised by p2p_dns_seeds.py and p2p_seednode.py) with an injected resolver on the simulated
 * network and virtual clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { Net } from '../../src/address/network.js';
import type { PeerManager } from '../../src/connman/manager.js';
import type { PeerManagerOptions } from '../../src/connman/options.js';
import { convertFixedSeeds, dnsSeedQueryName, MAX_IPS_PER_DNS_SEED } from '../../src/connman/seeds.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { customNetworkParams } from '../../src/wire/params.js';
import { FULL_NODE, RawPeer, records, settle, Sim, svc } from '../../src/sim/network.js';

const ME = '10.1.1.1';
const DAY_S = 24 * 3600;
const SEEDS = ['seed-a.example', 'seed-b.example', 'seed-c.example', 'seed-d.example', 'seed-e.example'];

/**
 * A resolver that answers from a table and records every query with its virtual time: `calls` are the
 * DNS-seed queries (x9.<seed>), `all` also the plain names the addr-fetch fallback resolves.
 */
function resolver(sim: Sim, answers: Record<string, string[]>) {
  const all: Array<{ host: string; at: number }> = [];
  const resolve = async (host: string): Promise<string[]> => {
    all.push({ host, at: sim.clock.now() });
    return answers[host] ?? [];
  };
  return {
    all, resolve,
    get calls() { return all.filter((c) => c.host.startsWith('x9.')); },
  };
}

function seedNode(sim: Sim, over: Partial<PeerManagerOptions> & { seeds?: string[]; fixed?: string[] } = {}): PeerManager {
  const { seeds = SEEDS, fixed = [], ...rest } = over;
  const network = customNetworkParams({ name: 'seedtest', magic: 'fabfb5da', defaultPort: 18444, dnsSeeds: seeds, fixedSeeds: fixed });
  return sim.node(ME, { network, connect: undefined, dnsSeed: true, fixedSeeds: false, connectTimeoutMs: 5_000, ...rest });
}

const ips = (prefix: number, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}.${i}.0.1`);

// ---- DNS seeds -----------------------------------------------------------------------------------

test('with an empty table every DNS seed is queried at once as x9.<seed>, results aged 3–7 days from an x9 source', async () => {
  const sim = new Sim();
  const dns = resolver(sim, { 'x9.seed-a.example': ips(150, 40), 'x9.seed-b.example': ips(151, 3) });
  const me = seedNode(sim, { resolver: dns.resolve });
  const t0 = sim.clock.now();
  await sim.startAll();
  await settle();
  assert.deepEqual(dns.calls.map((c) => c.host).sort(), SEEDS.map((s) => `x9.${s}`).sort());
  assert.ok(dns.calls.every((c) => c.at === t0), 'no waiting');
  const now = sim.clock.nowSeconds();
  const fromA = ips(150, 40).map((ip) => me.addrman.getInfo(svc(ip))).filter((i) => i !== undefined);
  assert.equal(fromA.length, MAX_IPS_PER_DNS_SEED, 'at most 32 addresses from one seed');
  for (const info of [...fromA, ...ips(151, 3).map((ip) => me.addrman.getInfo(svc(ip))!)]) {
    assert.equal(info.record.services, FULL_NODE);
    assert.equal(info.record.service.port, 18444, 'the network default port');
    assert.ok(info.record.time <= now - 3 * DAY_S && info.record.time > now - 7 * DAY_S, `aged ${(now - info.record.time) / DAY_S} days`);
  }
  assert.ok(fromA.every((i) => i!.source.equals(NetAddress.internal('x9.seed-a.example'))), 'source: the internal address of x9.<seed>');
  assert.equal(dnsSeedQueryName('seed-b.example'), 'x9.seed-b.example');
  await sim.stopAll();
});

test('with a few addresses known, DNS seeds wait 11 s and are then asked three at a time', async () => {
  const sim = new Sim();
  const dns = resolver(sim, {});
  const me = seedNode(sim, { resolver: dns.resolve });
  me.addrman.add(records(10, sim.clock.nowSeconds() - 3600, 0, 160), NetAddress.parse('9.9.9.9'));
  const t0 = sim.clock.now();
  await sim.startAll();
  await sim.run(10_900);
  assert.equal(dns.calls.length, 0);
  await sim.run(200);
  assert.equal(dns.calls.length, 3);
  await sim.run(10_700); // 21.8 s
  assert.equal(dns.calls.length, 3);
  await sim.run(400);
  assert.equal(dns.calls.length, 5);
  assert.deepEqual(dns.calls.map((c) => c.at - t0), [11_000, 11_000, 11_000, 22_000, 22_000]);
  assert.ok(sim.logs.get(me)!.has(/Waiting 11 seconds before querying DNS seeds/));
  await sim.stopAll();
});

test('the DNS-seed delay is logged once at info level, however many batches of three follow', async () => {
  const sim = new Sim();
  const dns = resolver(sim, {});
  const eight = Array.from({ length: 8 }, (_, i) => `seed-${i}.example`);
  const me = seedNode(sim, { resolver: dns.resolve, seeds: eight });
  me.addrman.add(records(10, sim.clock.nowSeconds() - 3600, 0, 160), NetAddress.parse('9.9.9.9'));
  await sim.startAll();
  await sim.run(40_000);
  assert.equal(dns.calls.length, 8, 'three batches ran');
  const waits = sim.logs.get(me)!.lines.filter((l) => /Waiting 11 seconds before querying DNS seeds/.test(l.message));
  assert.deepEqual(waits.map((l) => l.level), ['info', 'debug', 'debug']);
  await sim.stopAll();
});

test('with 1000 or more addresses known, DNS seeds wait 5 minutes', async () => {
  const sim = new Sim();
  const dns = resolver(sim, {});
  const me = seedNode(sim, { resolver: dns.resolve, maxConnections: 0 }); // no dialing: only the seeding timers matter
  const recs = records(3000, sim.clock.nowSeconds() - 3600, 0, 160);
  for (let i = 0; i < recs.length; i += 100) me.addrman.add(recs.slice(i, i + 100), NetAddress.parse(`9.${i / 100}.0.1`));
  assert.ok(me.addrman.size() >= 1000, `${me.addrman.size()} addresses`);
  await sim.startAll();
  await sim.run(5 * 60_000 - 1_000, 1_000);
  assert.equal(dns.calls.length, 0);
  await sim.run(2_000);
  assert.equal(dns.calls.length, 3);
  assert.ok(sim.logs.get(me)!.has(/Waiting 300 seconds before querying DNS seeds/));
  await sim.stopAll();
});

test('DNS seeding is skipped once two full-relay peers are connected', async () => {
  const sim = new Sim();
  const dns = resolver(sim, {});
  sim.node('20.0.0.1');
  sim.node('20.1.0.1');
  const me = seedNode(sim, { resolver: dns.resolve });
  me.addrman.add([svc('20.0.0.1'), svc('20.1.0.1')].map((service) => ({ service, services: FULL_NODE, time: sim.clock.nowSeconds() })),
    NetAddress.parse('9.9.9.9'));
  await sim.startAll();
  await sim.run(15_000);
  assert.equal(me.nodeCount('out', 'outbound-full-relay'), 2);
  assert.equal(dns.calls.length, 0);
  assert.ok(sim.logs.get(me)!.has(/P2P peers available\. Skipped DNS seeding\./));
  await sim.stopAll();
});

test('dials still in progress do not count as connected peers for DNS seeding', async () => {
  // Core GetFullOutboundConnCount counts only peers that completed the handshake.
  const sim = new Sim();
  const dns = resolver(sim, {});
  const me = seedNode(sim, { resolver: dns.resolve });
  const dead = records(20, sim.clock.nowSeconds() - 3600, 0, 160);
  for (const r of dead) sim.net.setUnreachable(r.service.addr, true); // dials hang until the 5 s timeout
  me.addrman.add(dead, NetAddress.parse('9.9.9.9'));
  await sim.startAll();
  await sim.run(11_500);
  assert.equal(me.nodeCount('out', 'outbound-full-relay'), 0);
  assert.equal(dns.calls.length, 3, 'the first three seeds were asked');
  await sim.stopAll();
});

test('a seed that gives no addresses is contacted through an addr-fetch connection instead', async () => {
  const sim = new Sim();
  const seedPeer = await RawPeer.listen(sim, '30.0.0.1');
  const dns = resolver(sim, { 'seed-a.example': ['30.0.0.1'] });
  const me = seedNode(sim, { resolver: dns.resolve, seeds: ['seed-a.example'] });
  await sim.startAll();
  await sim.run(2_000);
  assert.deepEqual(dns.all.map((c) => c.host), ['x9.seed-a.example', 'seed-a.example']);
  assert.equal(seedPeer.peers.length, 1);
  assert.equal(me.peers().find((p) => p.addr.equals(seedPeer.service))?.connType, 'addr-fetch');
  assert.equal(seedPeer.peers[0].messages('getaddr').length, 1);
  await sim.stopAll();
});

test('DNS seeding waits while the network is inactive', async () => {
  const sim = new Sim();
  const dns = resolver(sim, { 'x9.seed-a.example': ips(150, 3) });
  const me = seedNode(sim, { resolver: dns.resolve, networkActive: false });
  await sim.startAll();
  await sim.run(60_000, 1_000);
  assert.equal(dns.calls.length, 0);
  me.setNetworkActive(true);
  await sim.run(1_500);
  assert.equal(dns.calls.length, SEEDS.length);
  await sim.stopAll();
});

test('with -seednode, DNS seeds wait up to 30 s for the seed nodes to give us peers', async () => {
  const sim = new Sim();
  const dns = resolver(sim, {});
  const me = seedNode(sim, { resolver: dns.resolve, seedNode: ['31.0.0.1'] }); // nobody listens there
  await sim.startAll();
  await sim.run(29_500);
  assert.equal(dns.calls.length, 0);
  await sim.run(1_500);
  assert.equal(dns.calls.length, SEEDS.length, 'the table is still empty: every seed at once');
  assert.ok(sim.logs.get(me)!.has(/Handing fetch logic to the DNS seeds/));
  await sim.stopAll();
});

test('with -seednode and two peers found within 30 s, DNS seeds are skipped', async () => {
  const sim = new Sim();
  const dns = resolver(sim, {});
  sim.node('20.0.0.1');
  sim.node('20.1.0.1');
  const me = seedNode(sim, { resolver: dns.resolve, seedNode: ['31.0.0.1'] });
  me.addrman.add([svc('20.0.0.1'), svc('20.1.0.1')].map((service) => ({ service, services: FULL_NODE, time: sim.clock.nowSeconds() })),
    NetAddress.parse('9.9.9.9'));
  await sim.startAll();
  await sim.run(40_000, 1_000);
  assert.equal(dns.calls.length, 0);
  assert.ok(sim.logs.get(me)!.has(/P2P peers available\. Finished fetching data from seed nodes\./));
  assert.ok(sim.logs.get(me)!.has(/Skipping DNS seeds\. Enough peers have been found/));
  await sim.stopAll();
});

// ---- fixed seeds ---------------------------------------------------------------------------------

const FIXED = ['1.2.3.4', '5.6.7.8:1234', '[2001:4860::1]:18444', '[2001:4860::2]'];

test('fixed seeds are added after 60 s, for reachable networks without addresses only', async () => {
  const sim = new Sim();
  const dns = resolver(sim, { 'x9.seed-a.example': ips(150, 3) });
  const me = seedNode(sim, { resolver: dns.resolve, fixedSeeds: true, fixed: [...FIXED] });
  await sim.startAll();
  await sim.run(59_500);
  assert.equal(me.addrman.size({ network: Net.IPV6 }), 0);
  await sim.run(1_500);
  assert.equal(me.addrman.size({ network: Net.IPV6 }), 2, 'IPv6 had no addresses: its fixed seeds were added');
  assert.equal(me.addrman.getInfo(svc('1.2.3.4')), undefined, 'IPv4 had addresses from DNS: no fixed seeds');
  assert.equal(me.addrman.getInfo(svc('5.6.7.8', 1234)), undefined);
  const now = sim.clock.nowSeconds();
  for (const s of ['[2001:4860::1]:18444', '[2001:4860::2]:18444']) {
    const info = me.addrman.getInfo(svc(s.slice(1, s.indexOf(']')), 18444))!;
    assert.ok(info.source.equals(NetAddress.internal('fixedseeds')));
    assert.equal(info.record.services, FULL_NODE);
    assert.ok(info.record.time <= now - 7 * DAY_S + 61 && info.record.time > now - 14 * DAY_S, 'one to two weeks old');
  }
  assert.ok(sim.logs.get(me)!.has(/Added 2 fixed seeds from reachable networks/));
  await sim.stopAll();
});

test('with -dnsseed=0 and no -seednode or -addnode, fixed seeds are added at once', async () => {
  const sim = new Sim();
  const me = seedNode(sim, { dnsSeed: false, fixedSeeds: true, fixed: FIXED });
  await sim.startAll();
  await sim.run(500);
  assert.equal(me.addrman.size(), 4);
  assert.ok(me.addrman.getInfo(svc('5.6.7.8', 1234)));
  await sim.stopAll();
});

test('with -dnsseed=0 but an -addnode, fixed seeds still wait 60 s', async () => {
  const sim = new Sim();
  const me = seedNode(sim, { dnsSeed: false, fixedSeeds: true, fixed: FIXED, addNode: ['32.0.0.1'] });
  await sim.startAll();
  await sim.run(59_500);
  assert.equal(me.addrman.size(), 0);
  await sim.run(1_500);
  assert.equal(me.addrman.size(), 4);
  await sim.stopAll();
});

test('fixed seeds for unreachable networks are never added', async () => {
  const sim = new Sim();
  const me = seedNode(sim, { dnsSeed: false, fixedSeeds: true, fixed: FIXED, onlyNet: ['ipv6'] });
  await sim.startAll();
  await sim.run(500);
  assert.equal(me.addrman.size(), 2);
  assert.equal(me.addrman.size({ network: Net.IPV4 }), 0);
  await sim.stopAll();
});

test('convertFixedSeeds ages every seed between one and two weeks (Core ConvertSeeds)', () => {
  const now = 1_700_000_000;
  const seeds = FIXED.map((s) => svc(s.startsWith('[') ? s.slice(1, s.indexOf(']')) : s.split(':')[0]));
  const out = Array.from({ length: 200 }, (_, i) => convertFixedSeeds(seeds, now, ChaChaRandom.fromSeed(i))).flat();
  const ages = out.map((r) => now - r.time);
  assert.ok(ages.every((a) => a >= 7 * DAY_S && a < 14 * DAY_S));
  assert.ok(Math.min(...ages) < 7.1 * DAY_S && Math.max(...ages) > 13.9 * DAY_S, 'spread over the whole week');
  assert.ok(out.every((r) => r.services === FULL_NODE));
});
