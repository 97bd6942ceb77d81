/**
 * Core's `CRollingBloomFilter` (common/bloom.cpp): a bloom filter that forgets. It holds the last
 * 1.5–3 × nElements/2 insertions in three rotating generations, so memory is fixed no matter how
 * much an attacker inserts — the property the discouragement filter (50,000 entries, fp 1e-6) and the
 * per-peer known-address filter (5,000 entries, fp 0.001) rely on. Hashing is MurmurHash3 (x86, 32-bit)
 * with a random tweak, as in Core, so an outsider cannot craft colliding keys.
 *
 * The table is allocated on the first insertion, not at construction: a node builds one 539 KB
 * discouragement filter that most nodes never write to, and the simulator runs thousands of nodes in
 * one process. Behaviour is unchanged (an empty table answers "absent", the tweak is drawn up front).
 */
import type { Random } from './random.js';

/** MurmurHash3 x86_32 (Core `MurmurHash3(nHashSeed, data)`). */
export function murmur3(seed: number, data: Uint8Array): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h1 = seed >>> 0;
  const nblocks = data.length >>> 2;
  for (let i = 0; i < nblocks; i++) {
    const j = i * 4;
    let k1 = data[j] | (data[j + 1] << 8) | (data[j + 2] << 16) | (data[j + 3] << 24);
    k1 = Math.imul(k1, c1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, c2);
    h1 ^= k1;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  }
  const tail = nblocks * 4;
  const rest = data.length & 3;
  if (rest > 0) {
    let k1 = 0;
    if (rest === 3) k1 ^= data[tail + 2] << 16;
    if (rest >= 2) k1 ^= data[tail + 1] << 8;
    k1 ^= data[tail];
    k1 = Math.imul(k1, c1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, c2);
    h1 ^= k1;
  }
  h1 ^= data.length;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 >>> 0;
}

/** Core caps the number of hash functions at 50. */
const MAX_HASH_FUNCS = 50;

/** A fixed-memory filter of recently inserted keys (Core `CRollingBloomFilter`). */
export class RollingBloomFilter {
  /** Number of hash functions. */
  readonly hashFuncs: number;
  /** Insertions per generation (nElements / 2, rounded up). */
  readonly entriesPerGeneration: number;
  // Each logical 64-bit word of Core's data[] is two 32-bit halves: [lo, hi].
  private data: Uint32Array | undefined;
  private readonly pairs: number; // Core data.size() in 64-bit words
  private tweak = 0;
  private generation = 1;
  private entriesThisGeneration = 0;

  /** @param elements how many recent keys to remember; @param fpRate false-positive rate; @param random tweak source. */
  constructor(elements: number, fpRate: number, private readonly random: Random) {
    const logFp = Math.log(fpRate);
    this.hashFuncs = Math.max(1, Math.min(Math.round(logFp / Math.log(0.5)), MAX_HASH_FUNCS));
    this.entriesPerGeneration = Math.floor((elements + 1) / 2);
    const maxElements = this.entriesPerGeneration * 3;
    const filterBits = Math.ceil((-1 * this.hashFuncs * maxElements) / Math.log(1 - Math.exp(logFp / this.hashFuncs)));
    this.pairs = ((filterBits + 63) >>> 6) << 1;
    this.reset();
  }

  /** Bytes of memory the filter's table uses once allocated (fixed by the constructor's parameters). */
  get byteLength(): number {
    return this.pairs * 2 * Uint32Array.BYTES_PER_ELEMENT;
  }

  /** Bytes allocated right now: 0 until the first insertion, then `byteLength`. */
  get allocatedBytes(): number {
    return this.data?.byteLength ?? 0;
  }

  /** Forgets everything and picks a new tweak. */
  reset(): void {
    this.tweak = this.random.randbits(32);
    this.generation = 1;
    this.entriesThisGeneration = 0;
    this.data?.fill(0);
  }

  private hash(n: number, key: Uint8Array): number {
    return murmur3((Math.imul(n, 0xfba4c795) + this.tweak) >>> 0, key);
  }

  /** Position (64-bit word index) for hash h: Core FastRange32(h, size). */
  private position(h: number): number {
    return Math.floor((h * this.pairs) / 2 ** 32);
  }

  /** Adds a key. */
  insert(key: Uint8Array): void {
    const data = (this.data ??= new Uint32Array(this.pairs * 2));
    if (this.entriesThisGeneration === this.entriesPerGeneration) {
      this.entriesThisGeneration = 0;
      this.generation++;
      if (this.generation === 4) this.generation = 1;
      // Wipe old entries that used this generation number.
      const m1 = this.generation & 1 ? 0xffffffff : 0;
      const m2 = this.generation >> 1 ? 0xffffffff : 0;
      for (let p = 0; p < this.pairs; p += 2) {
        for (let half = 0; half < 2; half++) {
          const i1 = p * 2 + half;
          const i2 = (p + 1) * 2 + half;
          const mask = ((data[i1] ^ m1) | (data[i2] ^ m2)) >>> 0;
          data[i1] &= mask;
          data[i2] &= mask;
        }
      }
    }
    this.entriesThisGeneration++;
    const g1 = this.generation & 1;
    const g2 = this.generation >> 1;
    for (let n = 0; n < this.hashFuncs; n++) {
      const h = this.hash(n, key);
      const bit = h & 63;
      const pos = this.position(h);
      const i1 = (pos & ~1) * 2 + (bit >> 5);
      const i2 = (pos | 1) * 2 + (bit >> 5);
      const b = 1 << (bit & 31);
      data[i1] = ((data[i1] & ~b) | (g1 ? b : 0)) >>> 0;
      data[i2] = ((data[i2] & ~b) | (g2 ? b : 0)) >>> 0;
    }
  }

  /** True if the key was (probably) inserted recently; never false for a key inside the window. */
  contains(key: Uint8Array): boolean {
    const data = this.data;
    if (!data) return false;
    for (let n = 0; n < this.hashFuncs; n++) {
      const h = this.hash(n, key);
      const bit = h & 63;
      const pos = this.position(h);
      const word = bit >> 5;
      const b = 1 << (bit & 31);
      if (((data[(pos & ~1) * 2 + word] | data[(pos | 1) * 2 + word]) & b) === 0) return false;
    }
    return true;
  }
}
