/**
 * The fuzzer's random stream: sfc32 (Chris Doty-Humphrey's small fast counter generator, 128-bit
 * state), seeded from text through SHA-256. It only has to be fast, well mixed and reproducible: the
 * same seed string gives the same inputs on every machine, so a failing run can be replayed from the
 * seed it prints. (Peerbook's own code takes randomness from `util/random.ts`; this test tool needs
 * hundreds of millions of draws, where a ChaCha20 stream would dominate the run time.)
 */
import { createHash } from 'node:crypto';

/** A seeded 32-bit generator with the helpers the mutators need. */
export class FuzzRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed any text; the same text always gives the same stream. */
  constructor(seed: string) {
    const h = createHash('sha256').update(seed).digest();
    this.a = h.readUInt32LE(0);
    this.b = h.readUInt32LE(4);
    this.c = h.readUInt32LE(8);
    this.d = h.readUInt32LE(12) | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in [0, n) (n ≥ 1; tiny modulo bias is irrelevant here). */
  below(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.u32() < p * 0x1_0000_0000;
  }

  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.below(list.length)];
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}
