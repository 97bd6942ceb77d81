/**
 * A bounded set that forgets its least recently used keys (a JavaScript Map keeps insertion order, so
 * "touch" = delete + re-insert and the first key is always the eviction victim). Used for per-peer
 * known-inventory caches: however many announcements a rogue peer sends, the cache never holds more
 * than its limit.
 */
export class LruSet<K> {
  private readonly map = new Map<K, true>();

  /** @param limit maximum number of keys kept (≥ 1). */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`LruSet limit must be a positive integer, got ${limit}`);
  }

  /** Number of keys held. */
  get size(): number {
    return this.map.size;
  }

  /** Adds `key` (or marks it most recently used); evicts the least recently used key when full. */
  add(key: K): void {
    if (this.map.delete(key)) {
      this.map.set(key, true);
      return;
    }
    if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value as K);
    this.map.set(key, true);
  }

  /** True if `key` is held (does not change recency). */
  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Removes `key`. */
  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Removes everything. */
  clear(): void {
    this.map.clear();
  }
}
