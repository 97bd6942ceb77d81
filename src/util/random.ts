/**
 * Seedable randomness, bit-compatible with Bitcoin Core's `FastRandomContext` (random.h, v28+).
 *
 * The generator is the ChaCha20 keystream under a 32-byte seed (nonce 0, counter from 0), read 8
 * bytes at a time as little-endian 64-bit words; `randbits` keeps Core's 64-bit bit buffer. Same seed,
 * same sequence — on every platform and every run — and with the all-zero seed the very sequence
 * Core's deterministic unit tests draw, which lets Peerbook replay Core's RNG-dependent vectors.
 * The keystream comes from OpenSSL (`node:crypto` 'chacha20') in 4 KiB chunks, so it is fast.
 */
import { createCipheriv, randomBytes, type Cipher } from 'node:crypto';
import { ArgumentError } from './errors.js';
import { sha256 } from './hash.js';

/** Bytes of keystream generated per refill. */
const KEYSTREAM_CHUNK_BYTES = 4096;
const ZEROS = Buffer.alloc(KEYSTREAM_CHUNK_BYTES);
const TWO_32 = 2 ** 32;

/** The randomness seam: every random choice in Peerbook goes through one of these. */
export interface Random {
  /** A uniform 64-bit value (Core `rand64`). */
  rand64(): bigint;
  /** A uniform integer of `bits` bits, 0 ≤ bits ≤ 53 (Core `randbits`, same buffering). */
  randbits(bits: number): number;
  /** A uniform integer in [0, range) (Core `randrange`, rejection sampling). */
  randrange(range: number): number;
  /** A uniform boolean (Core `randbool` = randbits(1)). */
  randbool(): boolean;
  /** `n` raw keystream bytes (Core `randbytes`). */
  randbytes(n: number): Uint8Array;
  /** A uniform float in [0, 1) with 53 bits of precision. */
  randfloat(): number;
  /** Shuffles `items` in place, drawing as Core's `Shuffle()` does. */
  shuffle<T>(items: T[]): T[];
  /** An exponentially distributed duration with the given mean (Core `rand_exp_duration`), in ms. */
  randExpDuration(meanMs: number): number;
  /** A new generator seeded from this one, for a component that needs its own stream. */
  derive(): Random;
}

/** ChaCha20-based `Random`, the only implementation (tests seed it; production seeds it from the OS). */
export class ChaChaRandom implements Random {
  private readonly cipher: Cipher;
  private chunk: Buffer = Buffer.alloc(0);
  private chunkPos = 0;
  // Core's 64-bit bit buffer, held as two unsigned 32-bit halves.
  private bufLo = 0;
  private bufHi = 0;
  private bufBits = 0;

  /** @param seed 32-byte ChaCha20 key. */
  constructor(seed: Uint8Array) {
    if (seed.length !== 32) throw new ArgumentError(`Random seed must be 32 bytes, got ${seed.length}`);
    this.cipher = createCipheriv('chacha20', seed, Buffer.alloc(16));
  }

  /** Core's `FastRandomContext(/*fDeterministic=*\/true)`: the all-zero seed. */
  static deterministic(): ChaChaRandom {
    return new ChaChaRandom(new Uint8Array(32));
  }

  /** A generator seeded from a number or a string label (seed = SHA-256 of the label). */
  static fromSeed(label: number | string): ChaChaRandom {
    return new ChaChaRandom(sha256(Buffer.from(String(label), 'utf8')));
  }

  /** A generator seeded from the operating system's CSPRNG. */
  static secure(): ChaChaRandom {
    return new ChaChaRandom(randomBytes(32));
  }

  // The last 64-bit keystream word read by `nextWord`, as unsigned 32-bit halves (no tuple allocation).
  private wordLo = 0;
  private wordHi = 0;

  /** Reads the next 64-bit keystream word into (wordLo, wordHi). */
  private nextWord(): void {
    if (this.chunkPos + 8 > this.chunk.length) {
      this.chunk = this.cipher.update(ZEROS);
      this.chunkPos = 0;
    }
    const c = this.chunk;
    const p = this.chunkPos;
    this.wordLo = (c[p] | (c[p + 1] << 8) | (c[p + 2] << 16) | (c[p + 3] << 24)) >>> 0;
    this.wordHi = (c[p + 4] | (c[p + 5] << 8) | (c[p + 6] << 16) | (c[p + 7] << 24)) >>> 0;
    this.chunkPos = p + 8;
  }

  /** @inheritdoc */
  rand64(): bigint {
    this.nextWord();
    return (BigInt(this.wordHi) << 32n) | BigInt(this.wordLo);
  }

  /** @inheritdoc */
  randbytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.chunkPos >= this.chunk.length) {
        this.chunk = this.cipher.update(ZEROS);
        this.chunkPos = 0;
      }
      const take = Math.min(n - filled, this.chunk.length - this.chunkPos);
      out.set(this.chunk.subarray(this.chunkPos, this.chunkPos + take), filled);
      this.chunkPos += take;
      filled += take;
    }
    return out;
  }

  /** @inheritdoc */
  randbits(bits: number): number {
    if (!(bits >= 0 && bits <= 53 && (bits | 0) === bits)) throw new ArgumentError(`randbits(${bits}): bits must be in [0, 53]`);
    let lo: number;
    let hi: number;
    if (bits <= this.bufBits) {
      lo = this.bufLo;
      hi = this.bufHi;
      // buffer >>= bits
      if (bits >= 32) {
        this.bufLo = bits === 32 ? hi : hi >>> (bits - 32);
        this.bufHi = 0;
      } else if (bits > 0) {
        this.bufLo = ((lo >>> bits) | (hi << (32 - bits))) >>> 0;
        this.bufHi = hi >>> bits;
      }
      this.bufBits -= bits;
    } else {
      // All of the buffer, topped up with the low bits of a fresh word; the rest of that word is the new buffer.
      this.nextWord();
      const gLo = this.wordLo;
      const gHi = this.wordHi;
      const k = this.bufBits; // < bits ≤ 53, so k ≤ 52
      // (gen << k) | buffer
      if (k === 0) { lo = gLo; hi = gHi; }
      else if (k < 32) { lo = ((gLo << k) | this.bufLo) >>> 0; hi = ((gHi << k) | (gLo >>> (32 - k)) | this.bufHi) >>> 0; }
      else { lo = this.bufLo; hi = ((k === 32 ? gLo : gLo << (k - 32)) | this.bufHi) >>> 0; }
      // buffer = gen >> (bits - k)
      const r = bits - k;
      if (r >= 32) { this.bufLo = r === 32 ? gHi : gHi >>> (r - 32); this.bufHi = 0; }
      else { this.bufLo = ((gLo >>> r) | (gHi << (32 - r))) >>> 0; this.bufHi = gHi >>> r; }
      this.bufBits = 64 + k - bits;
    }
    // The low `bits` bits of (hi, lo).
    if (bits === 0) return 0;
    if (bits < 32) return (lo & ((1 << bits) - 1)) >>> 0;
    if (bits === 32) return lo;
    return lo + (hi & ((1 << (bits - 32)) - 1)) * TWO_32;
  }

  /** @inheritdoc */
  randrange(range: number): number {
    if (!Number.isSafeInteger(range) || range <= 0) throw new ArgumentError(`randrange(${range}): range must be a positive safe integer`);
    const maxval = range - 1;
    const bits = bitWidth(maxval);
    for (;;) {
      const r = this.randbits(bits);
      if (r <= maxval) return r;
    }
  }

  /** @inheritdoc */
  randbool(): boolean {
    return this.randbits(1) === 1;
  }

  /** @inheritdoc */
  randfloat(): number {
    this.nextWord();
    return top53(this.wordLo, this.wordHi) * 2 ** -53;
  }

  /** @inheritdoc */
  shuffle<T>(items: T[]): T[] {
    // Core util Shuffle(): walk forward, swap each element with a uniform pick from the rest.
    for (let i = 0; i < items.length; i++) {
      const j = this.randrange(items.length - i);
      if (j !== 0) {
        const tmp = items[i];
        items[i] = items[i + j];
        items[i + j] = tmp;
      }
    }
    return items;
  }

  /** @inheritdoc */
  randExpDuration(meanMs: number): number {
    // Core MakeExponentiallyDistributed(rand64()) = -log1p((u >> 11) * -2^-53), scaled by the mean.
    this.nextWord();
    const u = top53(this.wordLo, this.wordHi);
    return -Math.log1p(u * -(2 ** -53)) * meanMs;
  }

  /** @inheritdoc */
  derive(): Random {
    return new ChaChaRandom(this.randbytes(32));
  }
}

/** The top 53 bits of a 64-bit word (value >> 11). */
function top53(lo: number, hi: number): number {
  return hi * 2 ** 21 + (lo >>> 11);
}

function bitWidth(v: number): number {
  if (v === 0) return 0;
  if (v < TWO_32) return 32 - Math.clz32(v);
  return 32 + (32 - Math.clz32(Math.floor(v / TWO_32)));
}
