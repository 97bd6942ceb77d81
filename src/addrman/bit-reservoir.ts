/**
 * Drawing Core's random bits in fewer calls without changing them.
 *
 * Core's `randbits(n)` (and so `randrange`, `randbool`) reads the generator as one little-endian bit
 * stream: each request takes the next n bits, low bits first, whether or not it straddles a 64-bit
 * word. Hence consecutive requests randbits(a), randbits(b) return exactly the fields of one
 * randbits(a + b) — low a bits, then the b bits above. A caller that knows a lower bound on the bits it
 * will certainly request later (`ahead`) may therefore draw them early, in one call, and hand them out
 * as they are requested: the values are identical and, once that many bits have been requested, the
 * stream is exactly where Core's would be. The bound must be a true lower bound — bits drawn and never
 * requested would shift every later draw. (`ChaChaRandom` implements Core's buffering, so this holds;
 * a `Random` with other semantics would simply see a different but still uniform stream.)
 */
import type { Random } from '../util/random.js';

/** Most bits one `Random.randbits` call returns exactly (a double holds 53). */
const MAX_DRAW_BITS = 53;

/** A local buffer of bits drawn ahead from a `Random`. */
export class BitReservoir {
  // The buffered bits: `lo` holds bits 0..31, `hi` bits 32..52. Integer operations only (float modulo
  // is a slow runtime call in V8), and the words are kept as int32 (`| 0`): a uint32 above 2^31 stored
  // in a field would be boxed as a heap number on every write.
  private lo = 0;
  private hi = 0;
  private bits = 0;

  /** @param random the stream to draw from. */
  constructor(private readonly random: Random) {}

  /**
   * Readies the reservoir for a new operation and returns it (reused instead of allocating one per
   * `select`). Bits left over from the last operation were drawn beyond an honest bound and would
   * shift every later draw; they are dropped, as a new reservoir would drop them.
   */
  start(): this {
    this.lo = 0;
    this.hi = 0;
    this.bits = 0;
    return this;
  }

  /**
   * The next `n` bits of the stream (0 ≤ n ≤ 30), as `randbits(n)` would return them. `ahead` is a
   * lower bound on the bits the caller will certainly request after these; up to that many (as fit)
   * are drawn now as well.
   */
  take(n: number, ahead: number): number {
    if (n === 0) return 0;
    if (this.bits < n) this.refill(Math.min(n - this.bits + Math.max(0, ahead), MAX_DRAW_BITS - this.bits));
    const out = this.lo & ((1 << n) - 1);
    this.lo = (this.lo >>> n) | (this.hi << (32 - n));
    this.hi = this.hi >>> n;
    this.bits -= n;
    return out;
  }

  /** Pairs skipped by the last `nextPairIn` call. */
  skipped = 0;

  /**
   * `take(pairBits, ahead)` repeatedly — a bucket in the low `bucketBits` and a position above it, as
   * Core's Select draws them — until the bucket's `fill` count is non-zero or `maxPairs` pairs were
   * taken; returns that pair, or -1. `skipped` tells how many pairs were passed over. The same bits as
   * the one-by-one loop (a Select on an almost empty table passes over ~1,000 empty buckets), in one
   * tight loop.
   */
  nextPairIn(fill: Uint8Array, bucketBits: number, pairBits: number, ahead: number, maxPairs: number): number {
    const bucketMask = (1 << bucketBits) - 1;
    const pairMask = (1 << pairBits) - 1;
    for (let k = 0; k < maxPairs; k++) {
      if (this.bits < pairBits) this.refill(Math.min(pairBits - this.bits + Math.max(0, ahead), MAX_DRAW_BITS - this.bits));
      const pair = this.lo & pairMask;
      this.lo = (this.lo >>> pairBits) | (this.hi << (32 - pairBits));
      this.hi = this.hi >>> pairBits;
      this.bits -= pairBits;
      if (fill[pair & bucketMask] !== 0) {
        this.skipped = k;
        return pair;
      }
    }
    this.skipped = maxPairs;
    return -1;
  }

  /** Draws `d` bits and appends them above the buffered ones. */
  private refill(d: number): void {
    const v = this.random.randbits(d);
    const vhi = Math.floor(v / 4294967296); // bits 32..52 of v (exact: v < 2^53)
    const vlo = (v - vhi * 4294967296) | 0; // bits 0..31, as int32
    const b = this.bits;
    if (b === 0) {
      this.lo = vlo;
      this.hi = vhi;
    } else if (b < 32) {
      this.lo = this.lo | (vlo << b);
      this.hi = this.hi | (vlo >>> (32 - b)) | (vhi << b);
    } else {
      this.hi = this.hi | (vlo << (b - 32)); // here d ≤ 53 - b ≤ 21, so v < 2^21
    }
    this.bits = b + d;
  }

  /** Core `randrange(range)`: rejection sampling on `bit_width(range - 1)` bits, through the reservoir. */
  range(range: number, ahead: number): number {
    const maxval = range - 1;
    const bits = maxval === 0 ? 0 : 32 - Math.clz32(maxval);
    for (;;) {
      const r = this.take(bits, ahead);
      if (r <= maxval) return r;
    }
  }

  /** Bits drawn but not yet handed out (0 whenever the caller's `ahead` bounds were honest and it is done). */
  get pending(): number {
    return this.bits;
  }
}

/** Core `bit_width(v)` for 0 ≤ v < 2^32: the number of bits `randrange(v + 1)` draws. */
export function bitWidth(v: number): number {
  return v === 0 ? 0 : 32 - Math.clz32(v);
}
