/**
 * getAddrInto: Core's GetAddr written into a reusable column batch — the same answer as getAddr (same
 * draws, same records), copies that later table changes do not touch, and objects only on request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import { Net } from '../../src/address/network.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan, AddressBatch } from '../../src/addrman/index.js';
import { SERVICES_CACHE_SLOTS, servicesBigInt } from '../../src/addrman/entries.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';

const NOW = 1_700_000_000;

/** Addresses of every network, with services that use the high word too. */
function addressOf(n: number): NetService {
  const k32 = Uint8Array.from({ length: 32 }, (_, j) => (j === 0 ? n & 0xff : j === 1 ? n >> 8 : 7));
  switch (n % 5) {
    case 0: return new NetService(NetAddress.ipv4(Uint8Array.of(250, n >> 8, n & 0xff, 1)), 8333);
    case 1: return new NetService(NetAddress.ipv6(Uint8Array.of(0x2a, 0x01, n >> 8, n & 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9)), 18333);
    case 2: return new NetService(NetAddress.torV3(k32), 9050);
    case 3: return new NetService(NetAddress.i2p(k32), 0);
    default: return new NetService(NetAddress.cjdns(Uint8Array.of(0xfc, n >> 8, n & 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)), 8333);
  }
}

function twin(seed: number, n: number): [AddrMan, AddrMan] {
  const make = (): AddrMan => {
    const man = new AddrMan({ clock: new VirtualClock(NOW * 1000), random: ChaChaRandom.fromSeed(seed) });
    for (let i = 0; i < n; i += 10) {
      const recs = [];
      for (let j = i; j < Math.min(n, i + 10); j++) recs.push({ service: addressOf(j), services: BigInt(j % 7) | (BigInt(j % 3) << 40n), time: NOW - (j % 40) * 86_400 });
      man.add(recs, NetAddress.ipv4(Uint8Array.of(251, i & 0xff, 1, 1)));
    }
    return man;
  };
  return [make(), make()];
}

const plain = (rs: ReturnType<AddrMan['getAddr']>): string[] => rs.map((r) => `${r.service.toString()}|${r.services}|${r.time}|${r.service.addr.networkType()}`);

test('getAddrInto gives the same records as getAddr, call after call, in a reused batch (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 400 }), fc.array(fc.tuple(fc.nat(300), fc.nat(120), fc.boolean()), { minLength: 1, maxLength: 6 }), (seed, n, calls) => {
      const [a, b] = twin(seed, n);
      const batch = new AddressBatch(4);
      for (const [max, pct, filtered] of calls) {
        const expected = plain(a.getAddr({ maxAddresses: max, maxPct: pct, filtered }));
        b.getAddrInto({ maxAddresses: max, maxPct: pct, filtered }, batch);
        assert.equal(batch.length, expected.length);
        assert.deepEqual(plain(batch.toRecords()), expected);
      }
    }),
    { numRuns: 25 },
  );
});

test('getAddrInto with a network filter keeps only that network class, like getAddr', () => {
  const [a, b] = twin(5, 400);
  const batch = new AddressBatch();
  for (const network of [Net.IPV4, Net.IPV6, Net.ONION, Net.I2P, Net.CJDNS]) {
    const expected = plain(a.getAddr({ maxAddresses: 0, maxPct: 0, network }));
    assert.ok(expected.length > 0, `some ${network} entries`);
    assert.deepEqual(plain(b.getAddrInto({ maxAddresses: 0, maxPct: 0, network }, batch).toRecords()), expected);
  }
});

test('a batch holds copies: changing the table afterwards does not change them', () => {
  const [, man] = twin(9, 50);
  const batch = man.getAddrInto({ maxAddresses: 0, maxPct: 0, filtered: false }, new AddressBatch());
  const before = plain(batch.toRecords());
  for (let i = 0; i < 50; i++) man.setServices(addressOf(i), 1n << 60n);
  for (let i = 0; i < 50; i++) man.add([{ service: addressOf(1000 + i), services: 1n, time: NOW }], NetAddress.ipv4(Uint8Array.of(9, 9, 9, 9)));
  assert.deepEqual(plain(batch.toRecords()), before);
});

test('a batch grows as needed, is cleared by the next call, and refuses reads past its length', () => {
  const batch = new AddressBatch(1);
  const [, man] = twin(3, 300);
  man.getAddrInto({ maxAddresses: 0, maxPct: 0, filtered: false }, batch);
  assert.ok(man.size() > 250);
  assert.equal(batch.length, man.size());
  assert.ok(batch.capacity >= man.size());
  man.getAddrInto({ maxAddresses: 5, maxPct: 0, filtered: false }, batch);
  assert.equal(batch.length, 5);
  assert.throws(() => batch.recordAt(5), RangeError);
  assert.throws(() => batch.recordAt(-1), RangeError);
});

test('a batch never grows past one table (ADDRMAN_MAX_ENTRIES records)', () => {
  const batch = new AddressBatch();
  assert.throws(() => batch.reserve(81_921), RangeError);
  batch.reserve(81_920);
  assert.equal(batch.capacity, 81_920);
});

test('service flags come from a small cache without mixing up values that share a cache slot', () => {
  const values = [0n, 1n, 9n, 0x409n, 1n + BigInt(SERVICES_CACHE_SLOTS), 0x409n + BigInt(SERVICES_CACHE_SLOTS), 0xffffffffn, (1n << 40n) | 5n];
  for (let round = 0; round < 3; round++) {
    for (const v of values) assert.equal(servicesBigInt(Number(v & 0xffffffffn), Number(v >> 32n)), v);
  }
});

test('NetAddress.fromPooled copies the bytes of every network and refuses what is not there', () => {
  const pool = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
  for (const [net, len] of [[Net.IPV4, 4], [Net.IPV6, 16], [Net.ONION, 32], [Net.I2P, 32], [Net.CJDNS, 16], [Net.INTERNAL, 10]] as const) {
    const a = NetAddress.fromPooled(net, pool, 3);
    assert.equal(a.net, net);
    assert.deepEqual(Array.from(a.bytes), Array.from(pool.subarray(3, 3 + len)));
    pool[3] ^= 0xff;
    assert.notEqual(a.bytes[0], pool[3]);
    pool[3] ^= 0xff;
  }
  assert.throws(() => NetAddress.fromPooled(Net.UNROUTABLE, pool, 0));
  assert.throws(() => NetAddress.fromPooled(Net.ONION, pool, 40));
});

test('selectInto picks what select picks (same draws), as row 0 of a reused batch, with its last try', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 300 }), fc.array(fc.tuple(fc.boolean(), fc.nat(31)), { minLength: 1, maxLength: 30 }), (seed, n, calls) => {
      const [a, b] = twin(seed, n);
      for (let i = 0; i < n; i += 7) {
        a.attempt(addressOf(i), true, NOW - i);
        b.attempt(addressOf(i), true, NOW - i);
      }
      const batch = new AddressBatch(1);
      for (const [newOnly, mask] of calls) {
        const networks = [Net.IPV4, Net.IPV6, Net.ONION, Net.I2P, Net.CJDNS].filter((_, k) => (mask >> k) & 1);
        const expected = a.select({ newOnly, networks });
        const lastTry = b.selectInto(batch, { newOnly, networks });
        if (expected === undefined) {
          assert.equal(lastTry, -1);
          assert.equal(batch.length, 0);
        } else {
          assert.equal(lastTry, expected.lastTry);
          assert.equal(batch.length, 1);
          assert.deepEqual(plain(batch.toRecords()), plain([expected.record]));
        }
      }
    }),
    { numRuns: 40 },
  );
});
