/**
 * Why an authenticated connection was refused or closed. Every refusal is an `AuthError` whose `reason`
 * is one of `AUTH_REJECT_REASONS` and whose `code` is derived from it (`unknown-key` → `ERR_AUTH_UNKNOWN_KEY`),
 * so callers and counters branch on a stable value rather than on a message.
 */
import { PeerbookError } from '../../../util/errors.js';

/**
 * Reasons a responder's gate may give, checked before any expensive work: the policy above the
 * transport (the peer-set tracker) decides them from the initiator's claimed key and source IP.
 */
export const GATE_REJECT_REASONS = ['unknown-key', 'wrong-source-ip', 'blocked', 'duplicate', 'self', 'busy'] as const;
/** A reason the gate refuses an initiator. */
export type GateRejectReason = (typeof GATE_REJECT_REASONS)[number];

/** Every reason a handshake or an established connection is refused. */
export const AUTH_REJECT_REASONS = [
  ...GATE_REJECT_REASONS,
  'malformed', // bad version byte, invalid public key, low-order ephemeral key, handshake buffer overflow
  'wrong-key', // the peer is not the key we dialed, or the Hello is addressed to another key
  'bad-signature',
  'stale-timestamp', // older than MAX_HANDSHAKE_AGE_MS
  'future-timestamp', // ahead of our clock by more than MAX_CLOCK_SKEW_MS
  'replay', // a Hello whose ephemeral key we have already seen inside the window
  'bad-confirmation',
  'tampered-frame', // a frame failed authentication
  'frame-too-large',
  'nonce-exhausted', // MAX_FRAMES_PER_DIRECTION frames in one direction
  'timeout',
  'closed', // the peer hung up before the handshake completed
] as const;
/** A reason an authenticated connection was refused or closed. */
export type AuthRejectReason = (typeof AUTH_REJECT_REASONS)[number];

/** The stable code of a reason: `ERR_AUTH_` and the reason in upper snake case. */
export function authErrorCode(reason: AuthRejectReason): string {
  return `ERR_AUTH_${reason.toUpperCase().replace(/-/g, '_')}`;
}

/** A refused handshake or a connection closed for a protocol violation. */
export class AuthError extends PeerbookError {
  /** @param reason what was wrong; @param message details (which key, which timestamp). */
  constructor(readonly reason: AuthRejectReason, message: string, options?: { cause?: unknown }) {
    super(authErrorCode(reason), message, options);
  }
}

/** True when `value` is one of the gate's reasons (a gate that returns anything else is a bug). */
export function isGateRejectReason(value: unknown): value is GateRejectReason {
  return (GATE_REJECT_REASONS as readonly unknown[]).includes(value);
}
