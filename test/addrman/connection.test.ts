/**
 * Peerbook's additions: per-address connection state, `selectForConnection` (feelers, required
 * services, exclusions), the service-bit index, and the bounds on every collection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan } from '../../src/addrman/index.js';
import { DETERMINISTIC_KEY } from '../../src/addrman/addrman.js';
import { Bucketer, GROUP_CACHE_LIMIT } from '../../src/addrman/bucketing.js';
import { ADDRMAN_SET_TRIED_COLLISION_SIZE, DEFAULT_FAILED_RETRY_MS, MAX_CONNECTION_SELECT_TRIES } from '../../src/addrman/constants.js';
import { ServiceIndex } from '../../src/addrman/service-index.js';
import { AddrTable } from '../../src/addrman/table.js';
import { tableOf } from '../../src/addrman/testing.js';
import { Subnet } from '../../src/address/subnet.js';
import { BanMan } from '../../src/connman/banman.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST_MAGIC, coreAddrman, ip, rec, svc } from './helpers.js';

const NODE_NETWORK = 1n;
const NODE_COMPACT_FILTERS = 1n << 6n;
const NODE_UTREEXO = 1n << 24n;

function populated(n: number, services = NODE_NETWORK): { man: AddrMan; clock: VirtualClock; all: NetService[] } {
  const clock = new VirtualClock();
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed(`pop${n}`) });
  const all: NetService[] = [];
  for (let i = 0; i < n; i++) {
    const s = new NetService(NetAddress.ipv4(Uint8Array.of(1 + (i % 200), (i * 13) & 0xff, i >> 8, i & 0xff)), 8333);
    if (man.add([{ service: s, services, time: clock.nowSeconds() }], NetAddress.ipv4(Uint8Array.of(5, i & 0xff, 1, 1)))) all.push(s);
  }
  return { man, clock, all };
}

test('a new entry is never-tried; mark* operations move it through connected, tried and failed', () => {
  const { man, clock } = coreAddrman();
  const s = svc('250.1.1.1', 8333);
  man.add([rec(s, 1n, clock.nowSeconds())], ip('252.2.2.2'));
  assert.deepEqual(man.stateOf(s), { kind: 'never-tried' });
  assert.equal(man.markConnected(s), true);
  assert.deepEqual(man.stateOf(s), { kind: 'connected' });
  assert.equal(man.markDisconnected(s), true);
  assert.deepEqual(man.stateOf(s), { kind: 'tried', at: clock.nowSeconds() });
  assert.equal(man.markFailed(s, 123), true);
  assert.deepEqual(man.stateOf(s), { kind: 'failed', at: 123 });
  assert.equal(man.stateOf(svc('250.9.9.9')), undefined);
  assert.equal(man.markConnected(svc('250.9.9.9')), false);
});

/** An addrman whose selection asks a real BanMan (banned or discouraged, as Core's OpenNetworkConnection). */
function withBanMan(): { man: AddrMan; banman: BanMan; clock: VirtualClock } {
  const clock = new VirtualClock();
  const banman = new BanMan(clock, ChaChaRandom.fromSeed('bans'));
  const man = new AddrMan({
    clock, random: ChaChaRandom.fromSeed('banned-selection'),
    isBanned: (addr) => banman.isBanned(addr) || banman.isDiscouraged(addr),
  });
  return { man, banman, clock };
}

test('a ban lives in BanMan, not in the table: selection skips the address while banned, its stored state untouched', () => {
  const { man, banman, clock } = withBanMan();
  const s = svc('250.1.1.1', 8333);
  man.add([rec(s, 1n, clock.nowSeconds())], ip('252.2.2.2'));
  banman.ban(Subnet.single(s.addr), { time: 3600 });
  assert.equal(man.selectForConnection(), undefined);
  assert.deepEqual(man.stateOf(s), { kind: 'never-tried' });
  banman.unban(Subnet.single(s.addr));
  assert.equal(man.selectForConnection()?.service.toString(), s.toString());
});

test('a ban given as a duration (86400 s) keeps the address out for 24 hours, not until an expiry in 1970', () => {
  const { man, banman, clock } = withBanMan();
  const s = svc('250.1.1.1', 8333);
  man.add([rec(s, 1n, clock.nowSeconds())], ip('252.2.2.2'));
  banman.ban(Subnet.single(s.addr), { time: 86400 });
  assert.equal(man.selectForConnection(), undefined);
  clock.advance(86399 * 1000);
  assert.equal(man.selectForConnection(), undefined);
  clock.advance(1000);
  assert.equal(man.selectForConnection()?.service.toString(), s.toString());
});

test('a banned subnet and a discouraged address are both skipped by selectForConnection', () => {
  const { man, banman, clock } = withBanMan();
  const a = svc('250.1.1.1', 8333);
  const b = svc('250.2.2.2', 8333);
  man.add([rec(a, 1n, clock.nowSeconds()), rec(b, 1n, clock.nowSeconds())], ip('252.2.2.2'));
  banman.ban(Subnet.parse('250.1.0.0/16'), { time: 3600 });
  assert.equal(man.selectForConnection()?.service.toString(), b.toString());
  banman.discourage(b.addr);
  assert.equal(man.selectForConnection(), undefined);
});

test('the ban system does not change Core\'s table: select() and getAddr() still return a banned address', () => {
  const clock = new VirtualClock();
  const man = new AddrMan({ clock, random: ChaChaRandom.deterministic(), deterministic: true, consistencyCheckRatio: 100, isBanned: () => true });
  const s = svc('250.1.1.1', 8333);
  man.add([rec(s, 1n, clock.nowSeconds())], ip('252.2.2.2'));
  assert.equal(man.select()!.record.service.toString(), '250.1.1.1:8333');
  assert.equal(man.getAddr({ maxAddresses: 0, maxPct: 0 }).length, 1);
  assert.equal(man.selectForConnection(), undefined);
});

test('connection state is memory only: it is not written to peers.dat', () => {
  const { man, clock } = coreAddrman();
  const s = svc('250.1.1.1', 8333);
  man.add([rec(s, 1n, clock.nowSeconds())], ip('252.2.2.2'));
  man.markConnected(s);
  const loaded = AddrMan.deserialize(man.serialize(REGTEST_MAGIC), REGTEST_MAGIC, { clock, random: ChaChaRandom.fromSeed(1) });
  assert.deepEqual(loaded.stateOf(s), { kind: 'never-tried' });
});

test('selectForConnection skips connected addresses', () => {
  const { man, all } = populated(50);
  for (const s of all.slice(10)) man.markConnected(s);
  const eligible = new Set(all.slice(0, 10).map(String));
  let found = 0;
  for (let i = 0; i < 50; i++) {
    const r = man.selectForConnection();
    if (r === undefined) continue; // bounded search: with 40 of 50 connected it may give up
    assert.ok(eligible.has(r.service.toString()), r.service.toString());
    found++;
  }
  assert.ok(found > 40, `found ${found}`);
});

test('a failed address is skipped until failedRetryMs has passed, then eligible again', () => {
  const { man, clock, all } = populated(4);
  for (const s of all.slice(1)) man.markConnected(s);
  man.markFailed(all[0]);
  assert.equal(man.selectForConnection(), undefined);
  clock.advance(DEFAULT_FAILED_RETRY_MS - 1000);
  assert.equal(man.selectForConnection(), undefined);
  clock.advance(1000);
  assert.equal(man.selectForConnection()?.service.toString(), all[0].toString());
});

test('a banned address is skipped until its expiry, then eligible again', () => {
  const { man, banman, clock } = withBanMan();
  const all: NetService[] = [];
  for (let i = 0; i < 4; i++) {
    const s = new NetService(NetAddress.ipv4(Uint8Array.of(1 + i, 13, 0, i)), 8333);
    if (man.add([{ service: s, services: NODE_NETWORK, time: clock.nowSeconds() }], NetAddress.ipv4(Uint8Array.of(5, i, 1, 1)))) all.push(s);
  }
  for (const s of all.slice(1)) man.markConnected(s);
  banman.ban(Subnet.single(all[0].addr), { time: clock.nowSeconds() + 3600, absolute: true });
  assert.equal(man.selectForConnection(), undefined);
  assert.equal(man.selectForConnection({ feeler: true }), undefined);
  clock.advance(3600 * 1000);
  assert.equal(man.selectForConnection()?.service.toString(), all[0].toString());
});

test('a feeler may pick a recently failed address; a regular connection may not', () => {
  const { man, all } = populated(4);
  for (const s of all.slice(1)) man.markConnected(s);
  man.markFailed(all[0]);
  assert.equal(man.selectForConnection(), undefined);
  assert.equal(man.selectForConnection({ feeler: true })?.service.toString(), all[0].toString());
});

test('excluded addresses are skipped, and the search gives up after a bounded number of candidates', () => {
  const { man, all } = populated(300);
  let calls = 0;
  const got = man.selectForConnection({ exclude: () => { calls++; return true; } });
  assert.equal(got, undefined);
  assert.ok(calls <= MAX_CONNECTION_SELECT_TRIES, `${calls} candidates examined`);
  const keep = all[7].toString();
  for (let i = 0; i < 5; i++) {
    const r = man.selectForConnection({ exclude: (s) => s.toString() !== keep });
    if (r) assert.equal(r.service.toString(), keep);
  }
});

test('a feeler tests the tried entry a newcomer wants to evict first (Core: SelectTriedCollision)', () => {
  const { man } = coreAddrman();
  const source = ip('252.2.2.2');
  for (let i = 1; i < 36; i++) {
    const a = svc(`250.1.1.${i}`);
    man.add([rec(a)], source);
    man.good(a);
  }
  man.add([rec(svc('250.1.1.36'))], source);
  assert.equal(man.good(svc('250.1.1.36')), false);
  assert.equal(man.selectForConnection({ feeler: true })?.service.toString(), '250.1.1.19:0');
  man.markConnected(svc('250.1.1.19'));
  const other = man.selectForConnection({ feeler: true });
  assert.ok(other);
  assert.notEqual(other.service.toString(), '250.1.1.19:0');
  assert.equal(man.getInfo(other.service)!.inTried, false, 'then a new-table entry');
});

test('a rare required service is found among thousands of entries without it', () => {
  const { man, clock } = populated(3000);
  const rare = [svc('77.1.1.1', 8333), svc('78.2.2.2', 8333), svc('79.3.3.3', 8333)];
  man.add(rare.map((s) => rec(s, NODE_NETWORK | NODE_COMPACT_FILTERS, clock.nowSeconds())), ip('9.9.9.9'));
  const names = new Set(rare.map(String));
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const r = man.selectForConnection({ requiredServices: NODE_COMPACT_FILTERS })!;
    assert.ok(names.has(r.service.toString()), r.service.toString());
    seen.add(r.service.toString());
  }
  assert.equal(seen.size, 3);
  assert.equal(man.countWithServices(NODE_COMPACT_FILTERS), 3);
});

test('when every holder of the required service is ineligible, selection falls back to any address', () => {
  const { man, clock } = populated(500);
  const u = svc('77.1.1.1', 8333);
  man.add([rec(u, NODE_NETWORK | NODE_UTREEXO, clock.nowSeconds())], ip('9.9.9.9'));
  assert.equal(man.selectForConnection({ requiredServices: NODE_UTREEXO })!.service.toString(), '77.1.1.1:8333');
  man.markConnected(u);
  const r = man.selectForConnection({ requiredServices: NODE_UTREEXO });
  assert.ok(r);
  assert.notEqual(r.service.toString(), '77.1.1.1:8333');
});

test('common required services are chosen through Core\'s select, all qualifying', () => {
  const { man, clock } = populated(400, NODE_NETWORK | (1n << 3n));
  man.add([rec(svc('77.1.1.1', 8333), NODE_NETWORK, clock.nowSeconds())], ip('9.9.9.9'));
  for (let i = 0; i < 30; i++) {
    const r = man.selectForConnection({ requiredServices: NODE_NETWORK | (1n << 3n) })!;
    assert.equal(r.services & (1n << 3n), 1n << 3n);
  }
});

test('setServices moves an entry between service-bit sets', () => {
  const { man, clock } = coreAddrman();
  const s = svc('250.1.1.1', 8333);
  man.add([rec(s, NODE_NETWORK, clock.nowSeconds())], ip('252.2.2.2'));
  assert.equal(man.countWithServices(NODE_UTREEXO), 0);
  man.setServices(s, NODE_UTREEXO);
  assert.equal(man.countWithServices(NODE_UTREEXO), 1);
  assert.equal(man.countWithServices(NODE_NETWORK), 0);
  assert.equal(man.selectForConnection({ requiredServices: NODE_UTREEXO })!.service.toString(), '250.1.1.1:8333');
});

test('the service index keeps each bit\'s list within 2 × live members + slack as entries toggle (bounded)', () => {
  const live = new Uint8Array(10);
  const lo = new Uint32Array(10);
  const idx = new ServiceIndex(10, { isLive: (s) => live[s] === 1, servicesLo: (s) => lo[s], servicesHi: () => 0 });
  for (let s = 0; s < 10; s++) live[s] = 1;
  for (let round = 0; round < 10_000; round++) {
    const s = round % 10;
    const next = lo[s] ^ 0b101;
    idx.update(s, lo[s], 0, next, 0);
    lo[s] = next;
    assert.ok(idx.listLength(0) <= 2 * idx.members[0] + 32 + 1);
  }
  let counted = 0;
  for (let s = 0; s < 10; s++) if (lo[s] & 1) counted++;
  assert.equal(idx.members[0], counted);
});

test('at most ADDRMAN_SET_TRIED_COLLISION_SIZE collisions are remembered', () => {
  const clock = new VirtualClock();
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed('collide'), consistencyCheckRatio: 0 });
  const source = ip('252.2.2.2');
  // Fill tried from one /16 (at most 8 tried buckets = 512 cells), then keep calling Good.
  for (let i = 0; i < 3000; i++) {
    const a = new NetService(NetAddress.ipv4(Uint8Array.of(250, 1, i >> 8, i & 0xff)), 8333);
    man.add([rec(a, 1n, clock.nowSeconds())], source);
    man.good(a);
  }
  const t = tableOf(man);
  assert.equal(t.collisions.length, ADDRMAN_SET_TRIED_COLLISION_SIZE);
  assert.equal(man.checkConsistency(), 0);
});

test('the bucket hash caches hold at most GROUP_CACHE_LIMIT groups', () => {
  const b = new Bucketer(DETERMINISTIC_KEY);
  const groups = new NetGroupManager();
  for (let i = 0; i < GROUP_CACHE_LIMIT + 10; i++) {
    const src = NetAddress.ipv4(Uint8Array.of(1 + (i >> 8), i & 0xff, 1, 1));
    b.newBucket(groups.getGroup(ip('250.1.1.1')), groups.getGroup(src));
  }
  assert.ok(b.cachedSourceGroups > 0 && b.cachedSourceGroups <= GROUP_CACHE_LIMIT, `${b.cachedSourceGroups} groups cached`);
});

test('entry ids past 2^31 neither wrap nor collide (CVE-2024-52919 was an int id overflow)', () => {
  const t = new AddrTable(DETERMINISTIC_KEY, new NetGroupManager(), ChaChaRandom.fromSeed('ids'), new Uint8Array(32));
  t.nextId = 2 ** 31 - 2;
  const now = 1_700_000_000;
  const slots: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = new NetService(NetAddress.ipv4(Uint8Array.of(250, 1, 1, i + 1)), 8333);
    assert.equal(t.addSingle({ service: s, services: 1n, time: now }, ip('252.2.2.2'), new NetGroupManager().getGroup(ip('252.2.2.2')), 0, now), true);
    slots.push(t.entries.find(s.addr, 8333));
  }
  assert.deepEqual(slots.map((s) => t.entries.id[s]), [2 ** 31 - 2, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 31 + 2]);
  t.insertCollision(slots[4]);
  t.insertCollision(slots[0]);
  assert.deepEqual(t.collisions.map((c) => c.id), [2 ** 31 - 2, 2 ** 31 + 2]);
});
