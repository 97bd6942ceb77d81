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

  private nextWords(): void {
    if (this.chunkPos + 8 > this.chunk.length) {
      this.chunk = this.cipher.update(ZEROS);
      this.chunkPos = 0;
    }
  }

  /** Reads the next 64-bit keystream word into (lo, hi). */
  private word(): [number, number] {
    this.nextWords();
    const lo = this.chunk.readUInt32LE(this.chunkPos);
    const hi = this.chunk.readUInt32LE(this.chunkPos + 4);
    this.chunkPos += 8;
    return [lo, hi];
  }

  /** @inheritdoc */
  rand64(): bigint {
    const [lo, hi] = this.word();
    return (BigInt(hi) << 32n) | BigInt(lo);
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
    if (!Number.isInteger(bits) || bits < 0 || bits > 53) throw new ArgumentError(`randbits(${bits}): bits must be in [0, 53]`);
    let lo: number;
    let hi: number;
    if (bits <= this.bufBits) {
      lo = this.bufLo;
      hi = this.bufHi;
      [this.bufLo, this.bufHi] = shr64(this.bufLo, this.bufHi, bits);
      this.bufBits -= bits;
    } else {
      // All of the buffer, topped up with the low bits of a fresh word; the rest of that word is the new buffer.
      const [gLo, gHi] = this.word();
      const [sLo, sHi] = shl64(gLo, gHi, this.bufBits);
      lo = (sLo | this.bufLo) >>> 0;
      hi = (sHi | this.bufHi) >>> 0;
      [this.bufLo, this.bufHi] = shr64(gLo, gHi, bits - this.bufBits);
      this.bufBits = 64 + this.bufBits - bits;
    }
    return lowBits(lo, hi, bits);
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
    return top53(this.word()) * 2 ** -53;
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
    const u = top53(this.word());
    return -Math.log1p(u * -(2 ** -53)) * meanMs;
  }

  /** @inheritdoc */
  derive(): Random {
    return new ChaChaRandom(this.randbytes(32));
  }
}

/** The top 53 bits of a 64-bit word (value >> 11). */
function top53([lo, hi]: [number, number]): number {
  return hi * 2 ** 21 + (lo >>> 11);
}

function bitWidth(v: number): number {
  if (v === 0) return 0;
  if (v < TWO_32) return 32 - Math.clz32(v);
  return 32 + (32 - Math.clz32(Math.floor(v / TWO_32)));
}

function shr64(lo: number, hi: number, k: number): [number, number] {
  if (k === 0) return [lo, hi];
  if (k >= 64) return [0, 0];
  if (k >= 32) return [k === 32 ? hi : hi >>> (k - 32), 0];
  return [((lo >>> k) | (hi << (32 - k))) >>> 0, hi >>> k];
}

function shl64(lo: number, hi: number, k: number): [number, number] {
  if (k === 0) return [lo, hi];
  if (k >= 64) return [0, 0];
  if (k >= 32) return [0, k === 32 ? lo : (lo << (k - 32)) >>> 0];
  return [(lo << k) >>> 0, ((hi << k) | (lo >>> (32 - k))) >>> 0];
}

function lowBits(lo: number, hi: number, n: number): number {
  if (n === 0) return 0;
  if (n <= 32) return lo % 2 ** n;
  return lo + (hi % 2 ** (n - 32)) * TWO_32;
}
