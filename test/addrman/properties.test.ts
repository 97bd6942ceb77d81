/**
 * Property tests: long random operation sequences keep every invariant (checkConsistency() === 0), and
 * serialize ∘ deserialize preserves every entry and its position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan, type EntryPosition } from '../../src/addrman/index.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST_MAGIC } from './helpers.js';

/** A small address space, so that operations hit the same entries and buckets collide. */
function addressOf(n: number): NetService {
  const kind = n % 10;
  if (kind < 7) return new NetService(NetAddress.ipv4(Uint8Array.of(250, (n >> 4) & 3, (n >> 6) & 7, n & 0xff)), [0, 8333, 8334][n % 3]);
  if (kind < 9) {
    const b = new Uint8Array(16);
    b[0] = 0x20; b[1] = 0x01; b[2] = 0x48; b[3] = n & 0x0f; b[15] = n & 0xff;
    return new NetService(NetAddress.ipv6(b), 8333);
  }
  const k = new Uint8Array(32);
  k[0] = n & 0xff; k[1] = (n >> 8) & 0xff;
  return new NetService(n % 20 === 9 ? NetAddress.torV3(k) : NetAddress.i2p(k), 0);
}

const sourceOf = (n: number): NetAddress => NetAddress.ipv4(Uint8Array.of(251, n & 7, 1, 1));

type Op =
  | { op: 'add'; addrs: number[]; source: number; dt: number; services: number; penalty: number }
  | { op: 'good' | 'attempt' | 'connected' | 'markConnected' | 'markFailed' | 'markDisconnected' | 'ban' | 'unban'; addr: number; flag: boolean }
  | { op: 'setServices'; addr: number; services: number }
  | { op: 'select'; newOnly: boolean; nets: number }
  | { op: 'getAddr'; max: number; pct: number }
  | { op: 'resolve' | 'collision' }
  | { op: 'forConnection'; services: number; feeler: boolean }
  | { op: 'advance'; seconds: number };

const ADDRESS_SPACE = 600;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('add' as const), addrs: fc.array(fc.nat(ADDRESS_SPACE - 1), { minLength: 1, maxLength: 12 }), source: fc.nat(15), dt: fc.integer({ min: -40 * 86400, max: 3600 }), services: fc.nat(7), penalty: fc.constantFrom(0, 7200) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('good' as const, 'attempt' as const, 'connected' as const), addr: fc.nat(ADDRESS_SPACE - 1), flag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('markConnected' as const, 'markFailed' as const, 'markDisconnected' as const, 'ban' as const, 'unban' as const), addr: fc.nat(ADDRESS_SPACE - 1), flag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('setServices' as const), addr: fc.nat(ADDRESS_SPACE - 1), services: fc.nat(255) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('select' as const), newOnly: fc.boolean(), nets: fc.nat(63) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('getAddr' as const), max: fc.nat(50), pct: fc.nat(120) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('resolve' as const, 'collision' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('forConnection' as const), services: fc.nat(7), feeler: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 6 * 3600 }) }) },
);

/** Apply one operation; 'ban'/'unban' change the ban system's set, which `isBanned` of the addrman reads. */
function apply(man: AddrMan, clock: VirtualClock, o: Op, banned: Set<string> = new Set()): void {
  const now = clock.nowSeconds();
  switch (o.op) {
    case 'add':
      man.add(o.addrs.map((n) => ({ service: addressOf(n), services: BigInt(o.services) << BigInt(n % 5), time: now + o.dt })), sourceOf(o.source), o.penalty);
      break;
    case 'good': man.good(addressOf(o.addr)); break;
    case 'attempt': man.attempt(addressOf(o.addr), o.flag); break;
    case 'connected': man.connected(addressOf(o.addr)); break;
    case 'markConnected': man.markConnected(addressOf(o.addr)); break;
    case 'markFailed': man.markFailed(addressOf(o.addr)); break;
    case 'markDisconnected': man.markDisconnected(addressOf(o.addr)); break;
    case 'ban': banned.add(addressOf(o.addr).addr.key); break;
    case 'unban': banned.delete(addressOf(o.addr).addr.key); break;
    case 'setServices': man.setServices(addressOf(o.addr), BigInt(o.services) << 20n); break;
    case 'select': man.select({ newOnly: o.newOnly, networks: [1, 2, 3, 4, 5].filter((_, i) => (o.nets >> i) & 1) as (1 | 2 | 3 | 4 | 5)[] }); break;
    case 'getAddr': man.getAddr({ maxAddresses: o.max, maxPct: o.pct }); break;
    case 'resolve': man.resolveCollisions(); break;
    case 'collision': man.selectTriedCollision(); break;
    case 'forConnection': man.selectForConnection({ requiredServices: BigInt(o.services), feeler: o.feeler }); break;
    case 'advance': clock.advance(o.seconds * 1000); break;
  }
}

/** Comparable form of getEntries (fields stored in peers.dat only). */
function snapshot(entries: EntryPosition[]): string[] {
  return entries.map((p) => [
    p.bucket, p.position, p.multiplicity, p.info.record.service.toString(), p.info.record.services, p.info.record.time,
    p.info.source.toString(), p.info.lastSuccess, p.info.attempts, p.info.inTried,
  ].join('|'));
}

test('random operation sequences keep every invariant (checkConsistency() === 0 after each step)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), fc.array(opArb, { minLength: 20, maxLength: 120 }), (seed, ops) => {
      const clock = new VirtualClock();
      const banned = new Set<string>();
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed(seed), isBanned: (a) => banned.has(a.key) });
      for (const o of ops) {
        apply(man, clock, o, banned);
        const code = man.checkConsistency();
        if (code !== 0) assert.fail(`checkConsistency() = ${code} after ${JSON.stringify(o)}`);
      }
    }),
    { numRuns: 60 },
  );
});

test('serialize then deserialize preserves every entry, its statistics and its bucket position', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), fc.array(opArb, { minLength: 20, maxLength: 150 }), (seed, ops) => {
      const clock = new VirtualClock();
      const banned = new Set<string>();
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed(seed), isBanned: (a) => banned.has(a.key) });
      for (const o of ops) apply(man, clock, o, banned);
      const loaded = AddrMan.deserialize(man.serialize(REGTEST_MAGIC), REGTEST_MAGIC, { clock, random: ChaChaRandom.fromSeed(seed + 1) });
      assert.equal(loaded.checkConsistency(), 0);
      assert.equal(loaded.size(), man.size());
      assert.equal(loaded.size({ inNew: false }), man.size({ inNew: false }));
      assert.deepEqual(snapshot(loaded.getEntries(false)), snapshot(man.getEntries(false)));
      assert.deepEqual(snapshot(loaded.getEntries(true)), snapshot(man.getEntries(true)));
    }),
    { numRuns: 60 },
  );
});

test('Core\'s consistency-check cadence (ratio 1: check before and after every operation) never fires on valid use', () => {
  const clock = new VirtualClock();
  const banned = new Set<string>();
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed('cadence'), consistencyCheckRatio: 1, isBanned: (a) => banned.has(a.key) });
  const ops = fc.sample(opArb, { numRuns: 300, seed: 42 });
  for (const o of ops) apply(man, clock, o, banned);
  assert.equal(man.checkConsistency(), 0);
});

test('a long mixed run (5,000 operations) stays consistent and survives a save/load round trip', () => {
  const clock = new VirtualClock();
  const banned = new Set<string>();
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed('long-run'), isBanned: (a) => banned.has(a.key) });
  const ops = fc.sample(opArb, { numRuns: 5000, seed: 7 });
  ops.forEach((o, i) => {
    apply(man, clock, o, banned);
    if (i % 500 === 499) assert.equal(man.checkConsistency(), 0, `after operation ${i}`);
  });
  assert.ok(man.size({ inNew: false }) > 0 && man.size({ inNew: true }) > 0);
  const loaded = AddrMan.deserialize(man.serialize(REGTEST_MAGIC), REGTEST_MAGIC, { clock, random: ChaChaRandom.fromSeed(1) });
  assert.deepEqual(snapshot(loaded.getEntries(false)), snapshot(man.getEntries(false)));
  assert.deepEqual(snapshot(loaded.getEntries(true)), snapshot(man.getEntries(true)));
});

test('multiport: one IP with several ports is several entries, each with its own position, kept by peers.dat V4', () => {
  const clock = new VirtualClock();
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed('multiport'), consistencyCheckRatio: 1 });
  const ports = [8333, 8334, 18333, 0];
  const ip = NetAddress.ipv4(Uint8Array.of(250, 7, 1, 1));
  man.add(ports.map((p) => ({ service: new NetService(ip, p), services: 1n, time: clock.nowSeconds() })), NetAddress.ipv4(Uint8Array.of(252, 1, 1, 1)));
  assert.equal(man.size(), 4);
  assert.equal(man.good(new NetService(ip, 8334)), true);
  assert.equal(man.getInfo(new NetService(ip, 8334))!.inTried, true);
  assert.equal(man.getInfo(new NetService(ip, 8333))!.inTried, false);
  const loaded = AddrMan.deserialize(man.serialize(REGTEST_MAGIC), REGTEST_MAGIC, { clock, random: ChaChaRandom.fromSeed(2) });
  for (const p of ports) assert.deepEqual(loaded.findEntry(new NetService(ip, p)), man.findEntry(new NetService(ip, p)));
});
