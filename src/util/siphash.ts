/**
 * SipHash-2-4 with the semantics of Core's `CSipHasher` (crypto/siphash.cpp): 64-bit word writes
 * (only at 8-byte boundaries) and byte writes may be mixed, and `finalize()` does not consume the
 * state, so a hasher can be extended and finalized again (Core's addr relay does exactly that).
 *
 * The API speaks 64-bit `bigint`s, but the state is kept as eight unsigned 32-bit halves: BigInt
 * arithmetic allocates on every operation, and address relay and inbound eviction hash per peer and
 * per address, so the halves make a hash about an order of magnitude cheaper.
 */
const MASK_32 = 0xffffffffn;

/** Incremental SipHash-2-4 keyed by two 64-bit words. */
export class SipHasher {
  // v0..v3 as (high, low) unsigned 32-bit halves.
  private a0 = 0; private b0 = 0;
  private a1 = 0; private b1 = 0;
  private a2 = 0; private b2 = 0;
  private a3 = 0; private b3 = 0;
  // Bytes written since the last full word, little-endian, as (high, low) halves.
  private tmpHi = 0;
  private tmpLo = 0;
  private count = 0;

  /** @param k0 first key word; @param k1 second key word. */
  constructor(k0: bigint, k1: bigint) {
    const k0h = Number((k0 >> 32n) & MASK_32);
    const k0l = Number(k0 & MASK_32);
    const k1h = Number((k1 >> 32n) & MASK_32);
    const k1l = Number(k1 & MASK_32);
    this.a0 = (0x736f6d65 ^ k0h) >>> 0; this.b0 = (0x70736575 ^ k0l) >>> 0;
    this.a1 = (0x646f7261 ^ k1h) >>> 0; this.b1 = (0x6e646f6d ^ k1l) >>> 0;
    this.a2 = (0x6c796765 ^ k0h) >>> 0; this.b2 = (0x6e657261 ^ k0l) >>> 0;
    this.a3 = (0x74656462 ^ k1h) >>> 0; this.b3 = (0x79746573 ^ k1l) >>> 0;
  }

  /** An independent copy of this hasher's state. */
  clone(): SipHasher {
    const c = Object.create(SipHasher.prototype) as SipHasher;
    c.a0 = this.a0; c.b0 = this.b0; c.a1 = this.a1; c.b1 = this.b1;
    c.a2 = this.a2; c.b2 = this.b2; c.a3 = this.a3; c.b3 = this.b3;
    c.tmpHi = this.tmpHi; c.tmpLo = this.tmpLo; c.count = this.count;
    return c;
  }

  private round(): void {
    let a0 = this.a0, b0 = this.b0, a1 = this.a1, b1 = this.b1, a2 = this.a2, b2 = this.b2, a3 = this.a3, b3 = this.b3;
    let lo: number, t: number;
    // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
    lo = (b0 + b1) >>> 0; a0 = (a0 + a1 + (lo < b0 ? 1 : 0)) >>> 0; b0 = lo;
    t = ((a1 << 13) | (b1 >>> 19)) >>> 0; b1 = ((b1 << 13) | (a1 >>> 19)) >>> 0; a1 = t;
    a1 = (a1 ^ a0) >>> 0; b1 = (b1 ^ b0) >>> 0;
    t = a0; a0 = b0; b0 = t;
    // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
    lo = (b2 + b3) >>> 0; a2 = (a2 + a3 + (lo < b2 ? 1 : 0)) >>> 0; b2 = lo;
    t = ((a3 << 16) | (b3 >>> 16)) >>> 0; b3 = ((b3 << 16) | (a3 >>> 16)) >>> 0; a3 = t;
    a3 = (a3 ^ a2) >>> 0; b3 = (b3 ^ b2) >>> 0;
    // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
    lo = (b0 + b3) >>> 0; a0 = (a0 + a3 + (lo < b0 ? 1 : 0)) >>> 0; b0 = lo;
    t = ((a3 << 21) | (b3 >>> 11)) >>> 0; b3 = ((b3 << 21) | (a3 >>> 11)) >>> 0; a3 = t;
    a3 = (a3 ^ a0) >>> 0; b3 = (b3 ^ b0) >>> 0;
    // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
    lo = (b2 + b1) >>> 0; a2 = (a2 + a1 + (lo < b2 ? 1 : 0)) >>> 0; b2 = lo;
    t = ((a1 << 17) | (b1 >>> 15)) >>> 0; b1 = ((b1 << 17) | (a1 >>> 15)) >>> 0; a1 = t;
    a1 = (a1 ^ a2) >>> 0; b1 = (b1 ^ b2) >>> 0;
    t = a2; a2 = b2; b2 = t;
    this.a0 = a0; this.b0 = b0; this.a1 = a1; this.b1 = b1; this.a2 = a2; this.b2 = b2; this.a3 = a3; this.b3 = b3;
  }

  private absorb(hi: number, lo: number): void {
    this.a3 = (this.a3 ^ hi) >>> 0; this.b3 = (this.b3 ^ lo) >>> 0;
    this.round();
    this.round();
    this.a0 = (this.a0 ^ hi) >>> 0; this.b0 = (this.b0 ^ lo) >>> 0;
  }

  /** Writes a 64-bit word (little-endian); only valid at an 8-byte boundary, as in Core. */
  write64(data: bigint): this {
    if (this.count % 8 !== 0) throw new Error('SipHasher.write64 requires an 8-byte-aligned position');
    const w = BigInt.asUintN(64, data);
    this.absorb(Number(w >> 32n), Number(w & MASK_32));
    this.count = (this.count + 8) & 0xff;
    return this;
  }

  /** Writes bytes. */
  write(data: Uint8Array): this {
    let hi = this.tmpHi;
    let lo = this.tmpLo;
    let c = this.count;
    for (let i = 0; i < data.length; i++) {
      const pos = c & 7;
      if (pos < 4) lo = (lo | (data[i] << (8 * pos))) >>> 0;
      else hi = (hi | (data[i] << (8 * (pos - 4)))) >>> 0;
      c = (c + 1) & 0xff;
      if ((c & 7) === 0) {
        this.absorb(hi, lo);
        hi = 0;
        lo = 0;
      }
    }
    this.tmpHi = hi;
    this.tmpLo = lo;
    this.count = c;
    return this;
  }

  /** The 64-bit hash of everything written so far (the hasher stays usable). */
  finalize(): bigint {
    const saved = this.clone();
    this.absorb((this.tmpHi | (this.count << 24)) >>> 0, this.tmpLo);
    this.b2 = (this.b2 ^ 0xff) >>> 0;
    this.round(); this.round(); this.round(); this.round();
    const hi = (this.a0 ^ this.a1 ^ this.a2 ^ this.a3) >>> 0;
    const lo = (this.b0 ^ this.b1 ^ this.b2 ^ this.b3) >>> 0;
    this.a0 = saved.a0; this.b0 = saved.b0; this.a1 = saved.a1; this.b1 = saved.b1;
    this.a2 = saved.a2; this.b2 = saved.b2; this.a3 = saved.a3; this.b3 = saved.b3;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
}
