/**
 * Remembers the ephemeral keys of recent Hellos so that a Hello replayed inside its timestamp window is
 * refused as `replay` before the responder does any elliptic-curve work. Without the cache a replay
 * would still fail (the replayer cannot produce the initiator's Finish), but only after the responder
 * spent an X25519 and a signature on it.
 *
 * Every entry lives REPLAY_WINDOW_MS (the whole span in which the replayed timestamp stays acceptable);
 * because that lifetime is constant, insertion order is expiry order and expired entries are dropped
 * from the front of one insertion-ordered `Map`. At MAX_REPLAY_CACHE_ENTRIES the oldest entry is
 * evicted (and counted): an evicted key's replay then fails later, at the Finish, so the cap trades
 * the early refusal for bounded memory, never safety.
 */
import { MAX_REPLAY_CACHE_ENTRIES, REPLAY_WINDOW_MS } from './constants.js';

/** A bounded set of recently seen Hello ephemeral keys. */
export class ReplayCache {
  private readonly expiries = new Map<string, number>();
  private evictedCount = 0;

  /** @param capacity entries kept (default MAX_REPLAY_CACHE_ENTRIES); @param windowMs lifetime of an entry. */
  constructor(readonly capacity = MAX_REPLAY_CACHE_ENTRIES, readonly windowMs = REPLAY_WINDOW_MS) {}

  /** Records `key` seen at `nowMs`; returns true if it was already seen within the window (a replay). */
  checkAndRemember(key: string, nowMs: number): boolean {
    this.expire(nowMs);
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry > nowMs) return true;
    if (this.expiries.size >= this.capacity) {
      const oldest = this.expiries.keys().next().value as string;
      this.expiries.delete(oldest);
      this.evictedCount++;
    }
    this.expiries.set(key, nowMs + this.windowMs);
    return false;
  }

  /** Entries currently held. */
  get size(): number {
    return this.expiries.size;
  }

  /** Entries evicted before their window ended because the cache was full. */
  get evicted(): number {
    return this.evictedCount;
  }

  private expire(nowMs: number): void {
    for (const [key, expiry] of this.expiries) {
      if (expiry > nowMs) break;
      this.expiries.delete(key);
    }
  }
}
