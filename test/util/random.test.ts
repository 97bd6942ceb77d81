import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChaChaRandom } from '../../src/util/random.js';
import { bytesToHex } from '../../src/util/hex.js';

/** Core's RandomMixin::randbits written plainly with BigInt, as the reference for the fast version. */
class ReferenceBits {
  private buf = 0n;
  private size = 0;
  constructor(private readonly next64: () => bigint) {}
  randbits(bits: number): bigint {
    if (bits === 64) return this.next64();
    let ret: bigint;
    if (bits <= this.size) {
      ret = this.buf;
      this.buf >>= BigInt(bits);
      this.size -= bits;
    } else {
      const gen = this.next64();
      ret = ((gen << BigInt(this.size)) | this.buf) & ((1n << 64n) - 1n);
      this.buf = gen >> BigInt(bits - this.size);
      this.size = 64 + this.size - bits;
    }
    return ret & ((1n << BigInt(bits)) - 1n);
  }
}

test('deterministic generator starts with the ChaCha20 zero-key keystream, as Core FastRandomContext(true)', () => {
  const rng = ChaChaRandom.deterministic();
  assert.equal(rng.rand64(), 0x903df1a0ade0b876n);
  // RFC 8439 §2.4.2-style zero-key block continues 0x28bd8653...
  assert.equal(bytesToHex(ChaChaRandom.deterministic().randbytes(16)), '76b8e0ada0f13d90405d6ae55386bd28');
});

test('randbits buffers bits exactly as Core RandomMixin (property vs a BigInt reference)', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 53 }), { minLength: 1, maxLength: 200 }), fc.nat(), (widths, seed) => {
    const fast = ChaChaRandom.fromSeed(seed);
    const source = ChaChaRandom.fromSeed(seed);
    const ref = new ReferenceBits(() => source.rand64());
    for (const w of widths) assert.equal(BigInt(fast.randbits(w)), ref.randbits(w), `width ${w}`);
  }));
});

test('same seed gives the same sequence; different seeds differ', () => {
  const a = ChaChaRandom.fromSeed('x');
  const b = ChaChaRandom.fromSeed('x');
  const c = ChaChaRandom.fromSeed('y');
  const seq = (r: ChaChaRandom): number[] => Array.from({ length: 20 }, () => r.randrange(1000));
  const sa = seq(a);
  assert.deepEqual(sa, seq(b));
  assert.notDeepEqual(sa, seq(c));
});

test('randrange stays in range and covers it', () => {
  const rng = ChaChaRandom.fromSeed(1);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const v = rng.randrange(7);
    assert.ok(v >= 0 && v < 7);
    seen.add(v);
  }
  assert.equal(seen.size, 7);
  assert.equal(rng.randrange(1), 0);
  assert.throws(() => rng.randrange(0), { code: 'ERR_ARGUMENT' });
});

test('randrange handles ranges above 2^32', () => {
  const rng = ChaChaRandom.fromSeed(2);
  for (let i = 0; i < 100; i++) {
    const v = rng.randrange(2 ** 40 + 3);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 40 + 3);
  }
});

test('shuffle is a permutation and reproducible', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const a = ChaChaRandom.fromSeed(3).shuffle([...items]);
  const b = ChaChaRandom.fromSeed(3).shuffle([...items]);
  assert.deepEqual(a, b);
  assert.deepEqual([...a].sort((x, y) => x - y), items);
  assert.notDeepEqual(a, items);
});

test('randExpDuration has the requested mean', () => {
  const rng = ChaChaRandom.fromSeed(4);
  let sum = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const d = rng.randExpDuration(1000);
    assert.ok(d >= 0);
    sum += d;
  }
  assert.ok(Math.abs(sum / n - 1000) < 40, `mean ${sum / n}`);
});

test('seeds must be 32 bytes', () => {
  assert.throws(() => new ChaChaRandom(new Uint8Array(31)), { code: 'ERR_ARGUMENT' });
});
