import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SipHasher } from '../../src/util/siphash.js';

// Key 00 01 .. 0f, the SipHash paper's test key, as two little-endian words (Core crypto_tests.cpp).
const K0 = 0x0706050403020100n;
const K1 = 0x0f0e0d0c0b0a0908n;

test('SipHash-2-4 reproduces the sequence Core checks in crypto_tests (mixed byte and word writes)', () => {
  const h = new SipHasher(K0, K1);
  assert.equal(h.finalize(), 0x726fdb47dd0e0e31n);
  h.write(Uint8Array.of(0));
  assert.equal(h.finalize(), 0x74f839c593dc67fdn);
  h.write(Uint8Array.of(1, 2, 3, 4, 5, 6, 7));
  assert.equal(h.finalize(), 0x93f5f5799a932462n);
  h.write64(0x0f0e0d0c0b0a0908n);
  assert.equal(h.finalize(), 0x3f2acc7f57c29bdbn);
  h.write(Uint8Array.of(16, 17));
  assert.equal(h.finalize(), 0x4bc1b3f0968dd39cn);
});

test('write64 at an unaligned position is refused, as Core asserts', () => {
  assert.throws(() => new SipHasher(K0, K1).write(Uint8Array.of(1)).write64(1n));
});

test('write64 of a word equals writing its eight little-endian bytes', () => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (k, v) => {
    const le = new Uint8Array(8);
    new DataView(le.buffer).setBigUint64(0, v, true);
    assert.equal(new SipHasher(k, ~k & ((1n << 64n) - 1n)).write64(v).finalize(), new SipHasher(k, ~k & ((1n << 64n) - 1n)).write(le).finalize());
  }));
});

test('finalize does not consume the state, so a hasher can be extended afterwards', () => {
  const a = new SipHasher(1n, 2n).write(Uint8Array.of(9, 9, 9));
  a.finalize();
  a.write(Uint8Array.of(8));
  assert.equal(a.finalize(), new SipHasher(1n, 2n).write(Uint8Array.of(9, 9, 9, 8)).finalize());
});

test('clone gives an independent copy', () => {
  const a = new SipHasher(5n, 6n).write(Uint8Array.of(1));
  const b = a.clone();
  b.write(Uint8Array.of(2));
  assert.notEqual(a.finalize(), b.finalize());
  assert.equal(a.finalize(), new SipHasher(5n, 6n).write(Uint8Array.of(1)).finalize());
});

// The BigInt implementation SipHasher replaced, kept as the reference its 32-bit-halves state must match.
const MASK = 0xffffffffffffffffn;
const rotlRef = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & MASK;
function sipHashRef(k0: bigint, k1: bigint, writes: Array<bigint | Uint8Array>): bigint {
  let v0 = 0x736f6d6570736575n ^ k0, v1 = 0x646f72616e646f6dn ^ k1, v2 = 0x6c7967656e657261n ^ k0, v3 = 0x7465646279746573n ^ k1;
  const round = (): void => {
    v0 = (v0 + v1) & MASK; v1 = rotlRef(v1, 13n); v1 ^= v0; v0 = rotlRef(v0, 32n);
    v2 = (v2 + v3) & MASK; v3 = rotlRef(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & MASK; v3 = rotlRef(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & MASK; v1 = rotlRef(v1, 17n); v1 ^= v2; v2 = rotlRef(v2, 32n);
  };
  const absorb = (m: bigint): void => { v3 ^= m; round(); round(); v0 ^= m; };
  let t = 0n;
  let c = 0;
  for (const w of writes) {
    if (typeof w === 'bigint') {
      absorb(w);
      c = (c + 8) & 0xff;
    } else {
      for (const byte of w) {
        t |= BigInt(byte) << BigInt(8 * (c % 8));
        c = (c + 1) & 0xff;
        if ((c & 7) === 0) { absorb(t); t = 0n; }
      }
    }
  }
  absorb(t | (BigInt(c) << 56n));
  v2 ^= 0xffn;
  round(); round(); round(); round();
  return v0 ^ v1 ^ v2 ^ v3;
}

test('SipHasher equals the BigInt reference for any keys and any aligned mix of word and byte writes (property)', () => {
  const u64 = fc.bigInt({ min: 0n, max: MASK });
  // Byte runs of 8k bytes keep the position aligned, so a word may follow; the last run may be any length.
  const writes = fc.array(fc.oneof(u64, fc.integer({ min: 0, max: 4 }).chain((k) => fc.uint8Array({ minLength: 8 * k, maxLength: 8 * k }))), { maxLength: 8 });
  fc.assert(fc.property(u64, u64, writes, fc.uint8Array({ maxLength: 300 }), (k0, k1, ws, tail) => {
    const h = new SipHasher(k0, k1);
    for (const w of ws) {
      if (typeof w === 'bigint') h.write64(w);
      else h.write(w);
    }
    h.write(tail);
    assert.equal(h.finalize(), sipHashRef(k0, k1, [...ws, tail]));
    const [lo, hi] = h.finalizeHalves();
    assert.equal((BigInt(hi) << 32n) | BigInt(lo), h.finalize());
  }), { numRuns: 500 });
});

test('write64Halves equals write64 of the same word', () => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: MASK }), fc.bigInt({ min: 0n, max: MASK }), (k, w) => {
    const viaBigInt = new SipHasher(k, 3n).write64(w).finalize();
    const viaHalves = new SipHasher(k, 3n).write64Halves(Number(w & 0xffffffffn), Number(w >> 32n)).finalize();
    assert.equal(viaHalves, viaBigInt);
  }));
});
