/**
 * Counts of handshake outcomes per direction and per refusal reason, for metrics and tests. One
 * `AuthCounters` is shared by every connection of a node; the upgrade functions update it.
 */
import { AUTH_REJECT_REASONS, type AuthRejectReason } from './errors.js';

/** Which side of the handshake we were. */
export type HandshakeRole = 'initiator' | 'responder';

/** A snapshot of the counters. */
export interface AuthCountersSnapshot {
  /** Handshakes completed, per role. */
  completed: Record<HandshakeRole, number>;
  /** Handshakes and connections refused or closed, per role and reason. */
  rejected: Record<HandshakeRole, Record<AuthRejectReason, number>>;
}

function zeroReasons(): Record<AuthRejectReason, number> {
  return Object.fromEntries(AUTH_REJECT_REASONS.map((r) => [r, 0])) as Record<AuthRejectReason, number>;
}

/** Mutable counters (a fixed set of keys, so bounded by construction). */
export class AuthCounters {
  private readonly completedCount: Record<HandshakeRole, number> = { initiator: 0, responder: 0 };
  private readonly rejectedCount: Record<HandshakeRole, Record<AuthRejectReason, number>> = {
    initiator: zeroReasons(),
    responder: zeroReasons(),
  };

  /** Counts a completed handshake. */
  completed(role: HandshakeRole): void {
    this.completedCount[role]++;
  }

  /** Counts a refusal or a protocol-violation close. */
  rejected(role: HandshakeRole, reason: AuthRejectReason): void {
    this.rejectedCount[role][reason]++;
  }

  /** Refusals for `reason`, both roles together (or one role). */
  rejections(reason: AuthRejectReason, role?: HandshakeRole): number {
    return role ? this.rejectedCount[role][reason] : this.rejectedCount.initiator[reason] + this.rejectedCount.responder[reason];
  }

  /** A copy of every counter. */
  snapshot(): AuthCountersSnapshot {
    return {
      completed: { ...this.completedCount },
      rejected: { initiator: { ...this.rejectedCount.initiator }, responder: { ...this.rejectedCount.responder } },
    };
  }
}
