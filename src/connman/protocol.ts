/**
 * Protocol plug-ins: message handling kept apart from connection handling, the way Core's `CConnman`
 * calls a `NetEventsInterface` (`InitializeNode`, `ProcessMessages`, `SendMessages`, `FinalizeNode`).
 * The connection manager owns sockets, slots and the peer registry; a plug-in owns one protocol —
 * address relay, inventory relay, later BIP324 upgrades or authenticated peer sets — and keeps its
 * per-peer state in a `PeerSlot` on the peer's record, so a disconnect drops it with the record.
 *
 * Hooks run in registration order. A plug-in that consumes a message returns true from `onMessage`;
 * later plug-ins and the application's events then do not see it. Plug-ins are built by a factory
 * given a `ProtocolHost`, through which they read the registry and can open connections of their own
 * through the dialer (e.g. redial a target with different per-peer options after a close).
 */
import type { AddrMan } from '../addrman/addrman.js';
import type { RemoteVersion } from '../peer/peer.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Random } from '../util/random.js';
import type { Message } from '../wire/messages.js';
import type { PeerDialer } from './dialer.js';
import type { PeerLookup, PeerRecord } from './registry.js';

/** One protocol's hooks; every hook is optional. */
export interface ProtocolPlugin {
  /** For logs and diagnostics. */
  readonly name: string;
  /** A connection exists, before its handshake (Core InitializeNode): set up per-peer state. */
  onConnect?(record: PeerRecord): void;
  /** The peer's `version` was accepted and answered (Core: the VERSION handler). */
  onVersion?(record: PeerRecord, remote: RemoteVersion): void;
  /** A message after the handshake (Core ProcessMessage). Return true when consumed. */
  onMessage?(record: PeerRecord, message: Message): boolean | void;
  /** The peer is gone (Core FinalizeNode); called after its record left the registry. */
  onDisconnect?(record: PeerRecord, reason: string): void;
  /** One maintenance pass, every 500 ms while running (Core SendMessages). */
  tick?(nowMs: number): void;
}

/** What a plug-in may use. */
export interface ProtocolHost {
  /** Time source. */
  readonly clock: Clock;
  /** Randomness (derive your own stream with `random.derive()` at construction). */
  readonly random: Random;
  /** Logger. */
  readonly log: Logger;
  /** Live peers and their records (read-only; keep your own state in a `PeerSlot` on the record). */
  readonly registry: PeerLookup;
  /** Opens connections (with the manager's checks and failure accounting). */
  readonly dialer: PeerDialer;
  /** The address table (a function: the manager replaces its table when it loads peers.dat). */
  addrman(): AddrMan;
}

/** Builds a plug-in for one manager. */
export type ProtocolFactory = (host: ProtocolHost) => ProtocolPlugin;
