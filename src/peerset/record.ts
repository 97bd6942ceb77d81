/**
 * One tracked peer: its address, in how many kept sets it is primary or secondary, its connection state
 * (one explicit state: idle → dialing → connected for our dials, idle → accepting → connected for the
 * peer's, back to idle when the attempt fails or the connection ends) and its dial
 * schedule. The tracker is the only writer; a reservation `token` names the connection attempt that owns
 * the state, so a late report about a superseded attempt changes nothing.
 */
import type { PeerAddress } from './address.js';

/** Connection state of a peer. */
export type PeerStatus = 'idle' | 'dialing' | 'accepting' | 'connected';

/** Direction of the connection that owns the state. */
export type PeerSetDirection = 'outbound' | 'inbound';

/** Mutable per-peer state, owned by `PeerSetTracker`. */
export class TrackedPeerRecord {
  /** Kept sets listing the key as primary. */
  primarySets = 0;
  /** Kept sets listing the key as secondary only. */
  secondarySets = 0;
  /** Connection state. */
  status: PeerStatus = 'idle';
  /** Direction of the current attempt or connection (meaningful when not idle). */
  direction: PeerSetDirection = 'outbound';
  /** Token of the attempt that owns the state (0: none). */
  token = 0;
  /** The address changed while not idle: the connection must not be confirmed and is to be severed. */
  stale = false;
  /** Earliest time of the next dial, ms. */
  nextDialAtMs = 0;
  /** Time of the last dial reservation, ms. */
  reservedAtMs = 0;
  /** Consecutive failed dials. */
  dialFailures = 0;
  /** When the current connection was confirmed, ms. */
  connectedAtMs: number | undefined;

  /** @param address where to dial and which IP to accept from. */
  constructor(public address: PeerAddress) {}

  /** Dialed and kept connected: primary in at least one kept set (commonware `is_outbound_target`). */
  get isPrimary(): boolean {
    return this.primarySets > 0;
  }

  /** Accepted inbound: in at least one kept set in either role (commonware `eligible`). */
  get isEligible(): boolean {
    return this.primarySets > 0 || this.secondarySets > 0;
  }

  /** A dial or a connection exists. */
  get isBusy(): boolean {
    return this.status !== 'idle';
  }
}
