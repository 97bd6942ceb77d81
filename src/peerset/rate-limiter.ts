/**
 * A keyed rate limiter (GCRA, the algorithm of commonware's `governor`-based `KeyedRateLimiter`):
 * each key allows `burst` events at once and then one per `intervalMs`. A key's whole state is one
 * number, its "theoretical arrival time"; a key whose TAT has passed is the same as an absent key, which
 * is what lets a full table be pruned without changing any decision. Pure: the caller passes the time.
 */

/** Outcome of one check. */
export type RateDecision = 'ok' | 'limited' | 'table-full';

/** Per-key GCRA with a bounded table. */
export class KeyedRateLimiter {
  private readonly tat = new Map<string, number>();

  /**
   * @param intervalMs time per event once the burst is spent
   * @param burst events allowed at once (≥ 1)
   * @param maxKeys keys remembered; when full and nothing can be pruned, new keys get 'table-full'
   */
  constructor(readonly intervalMs: number, readonly burst: number, readonly maxKeys: number) {
    if (!(intervalMs > 0) || !(burst >= 1) || !(maxKeys >= 1)) throw new RangeError('KeyedRateLimiter needs intervalMs > 0, burst ≥ 1, maxKeys ≥ 1');
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.tat.size;
  }

  /** Counts one event for `key` at `nowMs` if allowed. */
  check(key: string, nowMs: number): RateDecision {
    const stored = this.tat.get(key);
    if (stored === undefined && this.tat.size >= this.maxKeys) {
      this.prune(nowMs);
      if (this.tat.size >= this.maxKeys) return 'table-full';
    }
    const tat = Math.max(stored ?? nowMs, nowMs);
    if (tat - nowMs > (this.burst - 1) * this.intervalMs) return 'limited';
    this.tat.set(key, tat + this.intervalMs);
    return 'ok';
  }

  /** Earliest time `key` may pass again (now if it may pass now). */
  nextAllowedAtMs(key: string, nowMs: number): number {
    const stored = this.tat.get(key);
    if (stored === undefined) return nowMs;
    return Math.max(nowMs, stored - (this.burst - 1) * this.intervalMs);
  }

  /** Forgets keys whose allowance is full again (indistinguishable from absent ones). */
  prune(nowMs: number): void {
    for (const [key, tat] of this.tat) if (tat <= nowMs) this.tat.delete(key);
  }
}
