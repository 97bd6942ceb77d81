/**
 * Per-service-bit index: for each of the 64 service bits, the slots whose advertised services have that
 * bit. It lets `selectForConnection` find a peer with a rare service (NODE_COMPACT_FILTERS = 1 << 6,
 * NODE_UTREEXO = 1 << 24) by sampling a short list instead of scanning 80,000 entries.
 *
 * Memory is the constraint (≤ 250 bytes per entry for the whole table), so a bit's member set is an
 * append-only `Int32Array` list with lazy deletion rather than a `Set`: a slot that loses the bit (or is
 * deleted) stays in the list as a stale element until the list holds more than twice its live members,
 * when it is compacted. A per-slot 64-bit "listed" mask records which lists hold the slot, so a slot is
 * never listed twice in one list. Sampling picks a random list element and checks it is live, which
 * succeeds with probability ≥ 1/2 per draw. Lists exist only for bits some entry has set.
 */

/** Compaction slack: a list is compacted when it is longer than 2 × live + this. */
const COMPACT_SLACK = 32;
/** Initial capacity of a bit's list. */
const INITIAL_LIST_CAPACITY = 16;

/** Sampling interface the index needs from its owner. */
export interface ServiceIndexOwner {
  /** True when `slot` holds a live entry. */
  isLive(slot: number): boolean;
  /** Low 32 service bits of `slot`. */
  servicesLo(slot: number): number;
  /** High 32 service bits of `slot`. */
  servicesHi(slot: number): number;
}

/** Live-member counts and member lists for each of the 64 service bits. */
export class ServiceIndex {
  /** Live members per bit (exact). */
  readonly members = new Int32Array(64);
  private readonly lists: (Int32Array | undefined)[] = new Array(64).fill(undefined);
  private readonly lengths = new Int32Array(64);
  /** Per slot: which lists (bits) currently contain the slot, low and high words. */
  private listedLo: Uint32Array;
  private listedHi: Uint32Array;

  /** @param capacity initial slot capacity; @param owner the entry store. */
  constructor(capacity: number, private readonly owner: ServiceIndexOwner) {
    this.listedLo = new Uint32Array(capacity);
    this.listedHi = new Uint32Array(capacity);
  }

  /** Grows the per-slot masks to `capacity` slots. */
  resize(capacity: number): void {
    const lo = new Uint32Array(capacity);
    lo.set(this.listedLo.subarray(0, Math.min(capacity, this.listedLo.length)));
    const hi = new Uint32Array(capacity);
    hi.set(this.listedHi.subarray(0, Math.min(capacity, this.listedHi.length)));
    this.listedLo = lo;
    this.listedHi = hi;
  }

  /** Bytes held (for memory accounting). */
  get byteLength(): number {
    let n = this.listedLo.byteLength + this.listedHi.byteLength;
    for (const l of this.lists) if (l) n += l.byteLength;
    return n;
  }

  /**
   * Records that `slot`'s services changed from (oldLo, oldHi) to (newLo, newHi). A new entry is a
   * change from 0; a deleted entry a change to 0.
   */
  update(slot: number, oldLo: number, oldHi: number, newLo: number, newHi: number): void {
    const gainedLo = (newLo & ~oldLo) >>> 0;
    const gainedHi = (newHi & ~oldHi) >>> 0;
    const lostLo = (oldLo & ~newLo) >>> 0;
    const lostHi = (oldHi & ~newHi) >>> 0;
    if (gainedLo !== 0) this.gain(slot, gainedLo, 0);
    if (gainedHi !== 0) this.gain(slot, gainedHi, 32);
    if (lostLo !== 0) this.lose(lostLo, 0);
    if (lostHi !== 0) this.lose(lostHi, 32);
  }

  /**
   * The bit of `requiredLo/Hi` with the fewest live members, or -1 when `required` is zero.
   * (A result with `members[bit] === 0` means no entry can match.)
   */
  rarestBit(requiredLo: number, requiredHi: number): number {
    let best = -1;
    let bestCount = Infinity;
    for (let b = 0; b < 64; b++) {
      const set = b < 32 ? (requiredLo >>> b) & 1 : (requiredHi >>> (b - 32)) & 1;
      if (set && this.members[b] < bestCount) {
        best = b;
        bestCount = this.members[b];
      }
    }
    return best;
  }

  /** Length of bit `bit`'s list (live and stale elements). */
  listLength(bit: number): number {
    return this.lengths[bit];
  }

  /** The list element at `i` of bit `bit` (may be stale: check the slot's services). */
  listAt(bit: number, i: number): number {
    return (this.lists[bit] as Int32Array)[i];
  }

  /** True when `slot` is listed under `bit` (for consistency checks). */
  isListed(slot: number, bit: number): boolean {
    return bit < 32 ? ((this.listedLo[slot] >>> bit) & 1) === 1 : ((this.listedHi[slot] >>> (bit - 32)) & 1) === 1;
  }

  private gain(slot: number, mask: number, base: number): void {
    for (let m = mask; m !== 0; m = (m & (m - 1)) >>> 0) {
      const low = 31 - Math.clz32(m & -m);
      const bit = base + low;
      this.members[bit]++;
      const listed = base === 0 ? this.listedLo : this.listedHi;
      if (((listed[slot] >>> low) & 1) === 0) {
        listed[slot] = (listed[slot] | (1 << low)) >>> 0;
        this.append(bit, slot);
      }
    }
  }

  private lose(mask: number, base: number): void {
    for (let m = mask; m !== 0; m = (m & (m - 1)) >>> 0) {
      const bit = base + (31 - Math.clz32(m & -m));
      this.members[bit]--;
      if (this.lengths[bit] > 2 * this.members[bit] + COMPACT_SLACK) this.compact(bit);
    }
  }

  private append(bit: number, slot: number): void {
    let list = this.lists[bit];
    const len = this.lengths[bit];
    if (list === undefined || len === list.length) {
      if (len > 2 * this.members[bit] + COMPACT_SLACK) {
        this.compact(bit);
        list = this.lists[bit] as Int32Array;
      }
      const cur = this.lengths[bit];
      if (list === undefined || cur === list.length) {
        const next = new Int32Array(Math.max(INITIAL_LIST_CAPACITY, (list?.length ?? 0) * 2));
        if (list) next.set(list.subarray(0, cur));
        list = next;
        this.lists[bit] = list;
      }
    }
    list[this.lengths[bit]++] = slot;
  }

  /** Drops stale elements of bit `bit`'s list and shrinks it when it became much too large. */
  private compact(bit: number): void {
    const list = this.lists[bit];
    if (list === undefined) return;
    const word = bit < 32 ? 0 : 1;
    const shift = bit & 31;
    const listed = word === 0 ? this.listedLo : this.listedHi;
    let w = 0;
    for (let r = 0; r < this.lengths[bit]; r++) {
      const slot = list[r];
      const services = word === 0 ? this.owner.servicesLo(slot) : this.owner.servicesHi(slot);
      if (this.owner.isLive(slot) && ((services >>> shift) & 1) === 1) list[w++] = slot;
      else listed[slot] = (listed[slot] & ~(1 << shift)) >>> 0;
    }
    this.lengths[bit] = w;
    if (w === 0) {
      this.lists[bit] = undefined;
    } else if (list.length > 4 * w && list.length > INITIAL_LIST_CAPACITY) {
      this.lists[bit] = list.slice(0, Math.max(INITIAL_LIST_CAPACITY, 2 * w));
    }
  }
}
