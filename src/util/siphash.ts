/**
 * SipHash-2-4 with the semantics of Core's `CSipHasher` (crypto/siphash.cpp): 64-bit word writes
 * (only at 8-byte boundaries) and byte writes may be mixed, and `finalize()` does not consume the
 * state, so a hasher can be extended and finalized again (Core's addr relay does exactly that).
 *
 * Keys, words and results are `bigint`s at the interface, but the state is four 64-bit words kept as
 * eight 32-bit halves in a `Uint32Array`: the rounds then run on plain integers instead of allocating
 * a BigInt per operation. That matters because the connection manager hashes per connection (keyed
 * netgroups) and per peer for every relayed address; each hash used to cost a few hundred BigInts.
 */

/** Low and high halves of a 64-bit word given as a bigint (taken modulo 2^64). */
function halves(x: bigint): [lo: number, hi: number] {
  const v = BigInt.asUintN(64, x);
  return [Number(v & 0xffffffffn), Number(v >> 32n)];
}

// State layout in `v`: [v0lo, v0hi, v1lo, v1hi, v2lo, v2hi, v3lo, v3hi].
const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

/** v[a] += v[b] (mod 2^64). */
function add(v: Uint32Array, a: number, b: number): void {
  const lo = (v[a] + v[b]) >>> 0;
  v[a + 1] = (v[a + 1] + v[b + 1] + (lo < v[a] ? 1 : 0)) >>> 0;
  v[a] = lo;
}

/** v[a] = rotl(v[a], n) for 0 < n < 32. */
function rotl(v: Uint32Array, a: number, n: number): void {
  const lo = v[a];
  const hi = v[a + 1];
  v[a] = ((lo << n) | (hi >>> (32 - n))) >>> 0;
  v[a + 1] = ((hi << n) | (lo >>> (32 - n))) >>> 0;
}

/** v[a] = rotl(v[a], 32): swaps the halves. */
function swap(v: Uint32Array, a: number): void {
  const lo = v[a];
  v[a] = v[a + 1];
  v[a + 1] = lo;
}

/** v[a] ^= v[b]. */
function xor(v: Uint32Array, a: number, b: number): void {
  v[a] ^= v[b];
  v[a + 1] ^= v[b + 1];
}

/** One SipRound (Core SIPROUND). */
function sipRound(v: Uint32Array): void {
  add(v, V0, V1); rotl(v, V1, 13); xor(v, V1, V0); swap(v, V0);
  add(v, V2, V3); rotl(v, V3, 16); xor(v, V3, V2);
  add(v, V0, V3); rotl(v, V3, 21); xor(v, V3, V0);
  add(v, V2, V1); rotl(v, V1, 17); xor(v, V1, V2); swap(v, V2);
}

/** Absorbs one 64-bit message word (lo, hi): v3 ^= m; two rounds; v0 ^= m. */
function absorb(v: Uint32Array, lo: number, hi: number): void {
  v[V3] ^= lo;
  v[V3 + 1] ^= hi;
  sipRound(v);
  sipRound(v);
  v[V0] ^= lo;
  v[V0 + 1] ^= hi;
}

/** Scratch for `finalize` (single-threaded: one shared buffer is enough). */
const FINAL = new Uint32Array(8);

/** Incremental SipHash-2-4 keyed by two 64-bit words. */
export class SipHasher {
  private readonly v = new Uint32Array(8);
  /** The partial word of bytes written since the last 8-byte boundary (little-endian), as halves. */
  private tmpLo = 0;
  private tmpHi = 0;
  private count = 0;

  /** @param k0 first key word; @param k1 second key word. */
  constructor(k0: bigint, k1: bigint) {
    const [k0lo, k0hi] = halves(k0);
    const [k1lo, k1hi] = halves(k1);
    const v = this.v;
    v[0] = (0x70736575 ^ k0lo) >>> 0; v[1] = (0x736f6d65 ^ k0hi) >>> 0; // 0x736f6d6570736575
    v[2] = (0x6e646f6d ^ k1lo) >>> 0; v[3] = (0x646f7261 ^ k1hi) >>> 0; // 0x646f72616e646f6d
    v[4] = (0x6e657261 ^ k0lo) >>> 0; v[5] = (0x6c796765 ^ k0hi) >>> 0; // 0x6c7967656e657261
    v[6] = (0x79746573 ^ k1lo) >>> 0; v[7] = (0x74656462 ^ k1hi) >>> 0; // 0x7465646279746573
  }

  /** An independent copy of this hasher's state. */
  clone(): SipHasher {
    const c = Object.create(SipHasher.prototype) as SipHasher;
    (c as unknown as { v: Uint32Array }).v = Uint32Array.from(this.v);
    c.tmpLo = this.tmpLo;
    c.tmpHi = this.tmpHi;
    c.count = this.count;
    return c;
  }

  /** Writes a 64-bit word (little-endian); only valid at an 8-byte boundary, as in Core. */
  write64(data: bigint): this {
    if (this.count % 8 !== 0) throw new Error('SipHasher.write64 requires an 8-byte-aligned position');
    const [lo, hi] = halves(data);
    absorb(this.v, lo, hi);
    this.count = (this.count + 8) & 0xff;
    return this;
  }

  /** Writes a 64-bit word given as two unsigned 32-bit halves (no BigInt); same alignment rule as `write64`. */
  write64Halves(lo: number, hi: number): this {
    if (this.count % 8 !== 0) throw new Error('SipHasher.write64 requires an 8-byte-aligned position');
    absorb(this.v, lo >>> 0, hi >>> 0);
    this.count = (this.count + 8) & 0xff;
    return this;
  }

  /** Writes bytes. */
  write(data: Uint8Array): this {
    let lo = this.tmpLo;
    let hi = this.tmpHi;
    let c = this.count;
    for (let i = 0; i < data.length; i++) {
      const shift = 8 * (c & 7);
      if (shift < 32) lo = (lo | (data[i] << shift)) >>> 0;
      else hi = (hi | (data[i] << (shift - 32))) >>> 0;
      c = (c + 1) & 0xff;
      if ((c & 7) === 0) {
        absorb(this.v, lo, hi);
        lo = 0;
        hi = 0;
      }
    }
    this.tmpLo = lo;
    this.tmpHi = hi;
    this.count = c;
    return this;
  }

  /** The 64-bit hash of everything written so far, as two 32-bit halves (the hasher stays usable). */
  finalizeHalves(): [lo: number, hi: number] {
    const v = FINAL;
    v.set(this.v);
    // The last word: the pending bytes, with the byte count (mod 256) in its top byte.
    absorb(v, this.tmpLo, (this.tmpHi | (this.count << 24)) >>> 0);
    v[V2] ^= 0xff;
    sipRound(v); sipRound(v); sipRound(v); sipRound(v);
    return [(v[0] ^ v[2] ^ v[4] ^ v[6]) >>> 0, (v[1] ^ v[3] ^ v[5] ^ v[7]) >>> 0];
  }

  /** The 64-bit hash of everything written so far (the hasher stays usable). */
  finalize(): bigint {
    const [lo, hi] = this.finalizeHalves();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
}
