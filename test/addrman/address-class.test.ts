/** classifyPooled reads Core's IsValid / GetNetwork / GetNetClass from pooled bytes exactly as NetAddress does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { CLASS_VALID, classifyPooled, writeGroupPooled } from '../../src/addrman/address-class.js';
import { makeNetAddress } from '../../src/addrman/entries.js';
import { ADDR_SLOT_BYTES } from '../../src/addrman/image.js';

/** Prefixes of every range Core's classification looks at (v1 form for IPv4), so random tails land in them. */
const BASE_PREFIXES: number[][] = [
  [], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 172, 20],
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 169, 254],
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 100, 100], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100],
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0],
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 255, 255, 255], [0x20, 0x01, 0x0d, 0xb8], [0x3f, 0xff, 0x0f], [0x3f, 0xff, 0x10], [0x20, 0x02], [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0],
  [0x20, 0x01, 0, 0], [0xfe, 0x80, 0, 0, 0, 0, 0, 0], [0xfe, 0x80, 0, 0, 0, 0, 0, 1], [0xfc], [0xfd], [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0],
  [0x20, 0x01, 0x00, 0x10], [0x20, 0x01, 0x00, 0x20], [0x20, 0x01, 0x04, 0x70], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  [0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43], [0xfd, 0x6b, 0x88, 0xc0, 0x87, 0x24],
];

/** Each prefix and every shorter start of it (near misses: random bytes where the range has fixed ones). */
const PREFIXES: number[][] = BASE_PREFIXES.flatMap((p) => Array.from({ length: Math.max(1, p.length) }, (_, k) => p.slice(0, p.length - k)));

function expected(a: NetAddress): number {
  return a.getNetwork() | (a.getNetClass() << 3) | (a.isValid() ? CLASS_VALID : 0);
}

function pooled(a: NetAddress): number {
  const pool = new Uint8Array(3 * ADDR_SLOT_BYTES).fill(0xee);
  pool.set(a.bytes, ADDR_SLOT_BYTES);
  return classifyPooled(a.net, pool, ADDR_SLOT_BYTES);
}

test('classifyPooled equals NetAddress on v1 addresses in and around every special range (property)', () => {
  fc.assert(
    fc.property(fc.nat(PREFIXES.length - 1), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(3), fc.option(fc.tuple(fc.nat(15), fc.nat(255))), (p, tail, zeros, poke) => {
      const v1 = Uint8Array.from(tail);
      v1.set(PREFIXES[p]);
      if (zeros > 0) v1.fill(0, 16 - zeros); // reach ::, ::1 and x.y.0.0
      if (poke !== null) v1[poke[0]] = poke[1]; // one byte off a range's fixed bytes
      const a = NetAddress.fromV1(v1);
      assert.equal(pooled(a), expected(a), `${a.toString()} (${Buffer.from(v1).toString('hex')})`);
    }),
    { numRuns: 3000 },
  );
});

test('classifyPooled equals NetAddress for Tor, I2P, CJDNS (valid or not) and internal addresses', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), (bytes, fc00) => {
      const cj = bytes.slice(0, 16);
      if (fc00) cj[0] = 0xfc;
      for (const a of [NetAddress.torV3(bytes), NetAddress.i2p(bytes), NetAddress.cjdns(cj), NetAddress.internal(Buffer.from(bytes).toString('hex'))]) {
        assert.equal(pooled(a), expected(a), a.toString());
      }
    }),
    { numRuns: 300 },
  );
});

test('makeNetAddress and classifyPooled agree on the same pooled bytes', () => {
  const pool = new Uint8Array(ADDR_SLOT_BYTES);
  pool.set([8, 8, 4, 4]);
  assert.equal(classifyPooled(1, pool, 0), expected(makeNetAddress(1, pool, 0)));
});

test('writeGroupPooled equals NetGroupManager.getGroup (no asmap) in and around every special range (property)', () => {
  const groups = new NetGroupManager();
  const check = (a: NetAddress): void => {
    const pool = new Uint8Array(2 * ADDR_SLOT_BYTES).fill(0x5a);
    pool.set(a.bytes, ADDR_SLOT_BYTES);
    const out = new Uint8Array(20).fill(0xee);
    const len = writeGroupPooled(a.net, pool, ADDR_SLOT_BYTES, out, 3);
    assert.deepEqual(Array.from(out.subarray(3, 3 + len)), Array.from(groups.getGroup(a)), a.toString());
  };
  fc.assert(
    fc.property(fc.nat(PREFIXES.length - 1), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(3), fc.boolean(), fc.option(fc.tuple(fc.nat(15), fc.nat(255))), (p, tail, zeros, fc00, poke) => {
      const v1 = Uint8Array.from(tail.subarray(0, 16));
      v1.set(PREFIXES[p]);
      if (zeros > 0) v1.fill(0, 16 - zeros);
      if (poke !== null) v1[poke[0]] = poke[1];
      check(NetAddress.fromV1(v1));
      const cj = tail.slice(0, 16);
      if (fc00) cj[0] = 0xfc;
      for (const a of [NetAddress.torV3(tail), NetAddress.i2p(tail), NetAddress.cjdns(cj), NetAddress.internal(Buffer.from(tail).toString('hex'))]) check(a);
    }),
    { numRuns: 3000 },
  );
});
