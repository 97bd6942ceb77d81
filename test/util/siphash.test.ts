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

/** The textbook 64-bit SipHash-2-4 in BigInt arithmetic, as a reference for the 32-bit-halves implementation. */
function referenceSipHash(k0: bigint, k1: bigint, data: Uint8Array): bigint {
  const M = (1n << 64n) - 1n;
  const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M;
  let v0 = 0x736f6d6570736575n ^ k0, v1 = 0x646f72616e646f6dn ^ k1, v2 = 0x6c7967656e657261n ^ k0, v3 = 0x7465646279746573n ^ k1;
  const round = (): void => {
    v0 = (v0 + v1) & M; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const words = Math.floor(data.length / 8);
  for (let w = 0; w <= words; w++) {
    let m = 0n;
    const end = w < words ? 8 : data.length % 8;
    for (let i = 0; i < end; i++) m |= BigInt(data[w * 8 + i]) << BigInt(8 * i);
    if (w === words) m |= BigInt(data.length & 0xff) << 56n;
    v3 ^= m; round(); round(); v0 ^= m;
  }
  v2 ^= 0xffn;
  round(); round(); round(); round();
  return v0 ^ v1 ^ v2 ^ v3;
}

test('hashes of random keys and messages equal a plain 64-bit reference implementation', () => {
  const word = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  fc.assert(fc.property(word, word, fc.uint8Array({ maxLength: 300 }), (k0, k1, data) => {
    assert.equal(new SipHasher(k0, k1).write(data).finalize(), referenceSipHash(k0, k1, data));
  }), { numRuns: 500 });
});
