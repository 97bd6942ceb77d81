/**
 * SipHash-2-4 with the semantics of Core's `CSipHasher` (crypto/siphash.cpp): 64-bit word writes
 * (only at 8-byte boundaries) and byte writes may be mixed, and `finalize()` does not consume the
 * state, so a hasher can be extended and finalized again (Core's addr relay does exactly that).
 */
const MASK = 0xffffffffffffffffn;

function rotl(x: bigint, b: bigint): bigint {
  return ((x << b) | (x >> (64n - b))) & MASK;
}

/** Incremental SipHash-2-4 keyed by two 64-bit words. */
export class SipHasher {
  private v0: bigint;
  private v1: bigint;
  private v2: bigint;
  private v3: bigint;
  private tmp = 0n;
  private count = 0;

  /** @param k0 first key word; @param k1 second key word. */
  constructor(k0: bigint, k1: bigint) {
    this.v0 = 0x736f6d6570736575n ^ k0;
    this.v1 = 0x646f72616e646f6dn ^ k1;
    this.v2 = 0x6c7967656e657261n ^ k0;
    this.v3 = 0x7465646279746573n ^ k1;
  }

  /** An independent copy of this hasher's state. */
  clone(): SipHasher {
    const c = Object.create(SipHasher.prototype) as SipHasher;
    c.v0 = this.v0; c.v1 = this.v1; c.v2 = this.v2; c.v3 = this.v3;
    c.tmp = this.tmp; c.count = this.count;
    return c;
  }

  private round(): void {
    let { v0, v1, v2, v3 } = this;
    v0 = (v0 + v1) & MASK; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & MASK; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & MASK; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
    this.v0 = v0; this.v1 = v1; this.v2 = v2; this.v3 = v3;
  }

  private absorb(m: bigint): void {
    this.v3 ^= m;
    this.round();
    this.round();
    this.v0 ^= m;
  }

  /** Writes a 64-bit word (little-endian); only valid at an 8-byte boundary, as in Core. */
  write64(data: bigint): this {
    if (this.count % 8 !== 0) throw new Error('SipHasher.write64 requires an 8-byte-aligned position');
    this.absorb(BigInt.asUintN(64, data));
    this.count = (this.count + 8) & 0xff;
    return this;
  }

  /** Writes bytes. */
  write(data: Uint8Array): this {
    let t = this.tmp;
    let c = this.count;
    for (const byte of data) {
      t |= BigInt(byte) << BigInt(8 * (c % 8));
      c = (c + 1) & 0xff;
      if ((c & 7) === 0) {
        this.absorb(t);
        t = 0n;
      }
    }
    this.tmp = t;
    this.count = c;
    return this;
  }

  /** The 64-bit hash of everything written so far (the hasher stays usable). */
  finalize(): bigint {
    const saved = [this.v0, this.v1, this.v2, this.v3] as const;
    const t = this.tmp | (BigInt(this.count) << 56n);
    this.absorb(t);
    this.v2 ^= 0xffn;
    this.round(); this.round(); this.round(); this.round();
    const out = this.v0 ^ this.v1 ^ this.v2 ^ this.v3;
    [this.v0, this.v1, this.v2, this.v3] = saved;
    return out;
  }
}
