/**
 * Per-address connection state (Floresta's `AddressState`), kept beside Core's statistics.
 *
 * Core's addrman learns about connections only through `Good`/`Attempt`/`Connected`, and deliberately
 * forgets who is connected right now. A connection manager also needs "is this address connected, or
 * did it just fail?" to avoid dialling the same peer twice or hammering a dead one. That state lives
 * here, in memory only (it is not written to peers.dat), and never changes Core's fields: `select()`
 * and `getAddr()` behave exactly as Core's; only `selectForConnection()` consults it.
 *
 * Bans are deliberately not a state here. Floresta keeps `Banned(until)` per address; Peerbook's ban
 * system (`BanMan`: subnets, expiry, banlist.json) is the one authority, and `selectForConnection`
 * asks it through the `isBanned` option, so a ban (or its expiry, or an unban) takes effect at once
 * without a second copy to keep in step. Times are absolute Unix seconds.
 */
import type { AddressState } from './types.js';

/**
 * Connection state kinds as stored in the entry table's `stateKind` column. Value 4 was a per-address
 * ban before bans moved to `BanMan`; it is not used.
 */
export const StateKind = { NEVER_TRIED: 0, TRIED: 1, CONNECTED: 2, FAILED: 3 } as const;

/** Converts a stored (kind, time) pair to an `AddressState`. */
export function stateFromColumns(kind: number, time: number): AddressState {
  switch (kind) {
    case StateKind.TRIED: return { kind: 'tried', at: time };
    case StateKind.CONNECTED: return { kind: 'connected' };
    case StateKind.FAILED: return { kind: 'failed', at: time };
    default: return { kind: 'never-tried' };
  }
}

/** The stored (kind, time) pair of an `AddressState`. */
export function stateToColumns(state: AddressState): [kind: number, time: number] {
  switch (state.kind) {
    case 'tried': return [StateKind.TRIED, state.at];
    case 'connected': return [StateKind.CONNECTED, 0];
    case 'failed': return [StateKind.FAILED, state.at];
    default: return [StateKind.NEVER_TRIED, 0];
  }
}

/**
 * Whether an address in this state may be dialled now. Connected addresses never are; a failed one is
 * again `failedRetryMs` after the failure, and for feelers at once (a feeler exists to re-test addresses).
 */
export function stateEligible(kind: number, time: number, nowMs: number, failedRetryMs: number, feeler: boolean): boolean {
  switch (kind) {
    case StateKind.CONNECTED: return false;
    case StateKind.FAILED: return feeler || nowMs - time * 1000 >= failedRetryMs;
    default: return true;
  }
}
