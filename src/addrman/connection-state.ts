/**
 * Per-address connection state (Floresta's `AddressState`), kept beside Core's statistics.
 *
 * Core's addrman learns about connections only through `Good`/`Attempt`/`Connected`, and deliberately
 * forgets who is connected right now. A connection manager also needs "is this address connected,
 * banned, or did it just fail?" to avoid dialling the same peer twice or hammering a dead one. That
 * state lives here, in memory only (it is not written to peers.dat), and never changes Core's fields:
 * `select()` and `getAddr()` behave exactly as Core's; only `selectForConnection()` consults it.
 *
 * Times are absolute Unix seconds. A ban carries its *expiry*, never a duration (Floresta stored the
 * 24 h duration as if it were a timestamp, so its bans lapsed at the next hourly sweep).
 */
import { StateKind } from './entries.js';

/** The connection state of one address. */
export type AddressState =
  | { kind: 'never-tried' }
  | { kind: 'tried'; at: number }
  | { kind: 'connected' }
  | { kind: 'failed'; at: number }
  | { kind: 'banned'; until: number };

/** Converts a stored (kind, time) pair to an `AddressState`. */
export function stateFromColumns(kind: number, time: number): AddressState {
  switch (kind) {
    case StateKind.TRIED: return { kind: 'tried', at: time };
    case StateKind.CONNECTED: return { kind: 'connected' };
    case StateKind.FAILED: return { kind: 'failed', at: time };
    case StateKind.BANNED: return { kind: 'banned', until: time };
    default: return { kind: 'never-tried' };
  }
}

/**
 * Whether an address in this state may be dialled now. Connected and banned (until expiry) addresses
 * never are; a failed one is again `failedRetryMs` after the failure, and for feelers at once (a feeler
 * exists to re-test addresses).
 */
export function stateEligible(kind: number, time: number, nowMs: number, failedRetryMs: number, feeler: boolean): boolean {
  switch (kind) {
    case StateKind.CONNECTED: return false;
    case StateKind.BANNED: return time * 1000 <= nowMs;
    case StateKind.FAILED: return feeler || nowMs - time * 1000 >= failedRetryMs;
    default: return true;
  }
}
