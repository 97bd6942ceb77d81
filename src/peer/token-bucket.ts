/**
 * Core's address rate limiter (net_processing.cpp, PR #22387): each peer has a bucket of tokens that
 * refills at MAX_ADDR_RATE_PER_SECOND up to MAX_ADDR_PROCESSING_TOKEN_BUCKET; each address processed
 * costs one token and addresses beyond the budget are dropped (counted as rate-limited). Asking a peer
 * for addresses (getaddr) grants it a one-off MAX_ADDR_TO_SEND tokens, which may exceed the cap.
 * Honest peers gossip about 0.025 addr/s, so 0.1/s is a 4× margin; a flooder gets nowhere.
 */

/** Core MAX_ADDR_RATE_PER_SECOND: refill rate (tokens per second). */
export const MAX_ADDR_RATE_PER_SECOND = 0.1;
/** Core MAX_ADDR_PROCESSING_TOKEN_BUCKET: the soft cap refills stop at. */
export const MAX_ADDR_PROCESSING_TOKEN_BUCKET = 1000;
/** Core: a new peer starts with one token (room for a self-announcement). */
export const INITIAL_ADDR_TOKENS = 1;

/** One peer's addr token bucket. */
export class AddrTokenBucket {
  private tokens = INITIAL_ADDR_TOKENS;
  private lastRefillMs: number;

  /** @param nowMs creation time (ms). */
  constructor(nowMs: number) {
    this.lastRefillMs = nowMs;
  }

  /** Current token count (may be fractional). */
  get available(): number {
    return this.tokens;
  }

  /** Grants `n` tokens at once (after we send getaddr: +MAX_ADDR_TO_SEND), ignoring the cap as Core does. */
  grant(n: number): void {
    this.tokens += n;
  }

  /** Refills for the time elapsed since the last refill, never above the cap (Core: only when below it). */
  refill(nowMs: number): void {
    if (this.tokens < MAX_ADDR_PROCESSING_TOKEN_BUCKET) {
      const elapsedS = Math.max(0, nowMs - this.lastRefillMs) / 1000;
      this.tokens = Math.min(this.tokens + elapsedS * MAX_ADDR_RATE_PER_SECOND, MAX_ADDR_PROCESSING_TOKEN_BUCKET);
    }
    this.lastRefillMs = nowMs;
  }

  /** Spends one token if one is available; false means the address must be dropped. */
  take(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
