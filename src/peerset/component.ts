/**
 * `PeerSetComponent`: the peer-set mode on the connection manager's machinery. It owns the pure
 * `PeerSetTracker` and `HandshakeLimiter` and plugs them into three seams of `PeerManager`:
 *
 * - the **inbound gate** (before any other work on an accepted socket): the source IP must be registered
 *   for some key of a kept set (commonware's listener allow-list);
 * - the **connection layer** (both directions, before a `Peer` exists): inbound, the per-IP, per-subnet
 *   and in-flight limits, then the authenticated handshake whose gate asks the tracker about the claimed
 *   key before any expensive work; outbound, the handshake with the key the dial was for. The proven key
 *   becomes the record's `remoteIdentity`;
 * - a **protocol plug-in**: `onConnect` confirms the connection with the tracker (or closes it),
 *   `onDisconnect` releases it, `tick` (every 500 ms) expires blocks and starts due dials through the
 *   manager's dialer, and `onMessage` hands application messages to the component's events by key.
 *
 * The registry, dialer, listeners, peer lifecycle, traffic accounting and metrics sources stay the
 * manager's; this component keeps only the key ↔ record map (bounded by the tracker's records) and the
 * dials it started. Changes the application makes (`track`, `overwrite`, `block`) sever exactly the
 * connections and dials the tracker reports.
 */
import type { NetService } from '../address/service.js';
import type { ConnectionLayer, ConnectionUpgradeContext, InboundGate, UpgradedConnection } from '../connman/connection-layer.js';
import type { ProtocolFactory, ProtocolHost, ProtocolPlugin } from '../connman/protocol.js';
import { PeerSlot, type PeerRecord } from '../connman/registry.js';
import { HANDSHAKE_TIMEOUT_MS } from '../transport/secure/authenticated/constants.js';
import { AuthCounters } from '../transport/secure/authenticated/counters.js';
import type { Identity } from '../transport/secure/authenticated/identity.js';
import { ReplayCache } from '../transport/secure/authenticated/replay-cache.js';
import { secureInbound, secureOutbound } from '../transport/secure/authenticated/upgrade.js';
import { ConnectError, type Connection } from '../transport/transport.js';
import type { Clock } from '../util/clock.js';
import { TypedEmitter } from '../util/events.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { peerKeyBytes, toPeerKeyHex, type PeerKeyHex } from '../util/public-key.js';
import type { Random } from '../util/random.js';
import type { Message } from '../wire/messages.js';
import { MAX_CONCURRENT_HANDSHAKES } from './constants.js';
import { HandshakeLimiter, type HandshakeLimiterOptions, type HandshakeLimitReason } from './handshake-limiter.js';
import type { PeerSetUpdate } from './subscription.js';
import {
  PeerSetTracker, type BlockResult, type OverwriteResult, type PeerMapInput, type PeerSetTrackerOptions, type Reservation,
  type TrackInput, type TrackResult,
} from './tracker.js';

/** Owner tag of every connection this component opens (the manager then leaves it out of its outbound slots). */
export const PEERSET_OWNER = 'peerset';
/** Dials started per maintenance tick (the manager ticks every 500 ms; commonware dials one peer per second). */
export const PEERSET_DIALS_PER_TICK = 1;
/** Bound of a connection-layer upgrade: the handshake's own 5 s deadline fires first and is counted as `timeout`. */
export const PEERSET_UPGRADE_TIMEOUT_MS = HANDSHAKE_TIMEOUT_MS + 1_000;

/** Why an inbound connection was refused before its handshake. */
export type PreHandshakeRefusal = 'unregistered-ip' | HandshakeLimitReason;

/** Application data from a peer: a message the connection manager has no codec for. */
export interface PeerSetMessage {
  /** The message's command (1–12 ASCII characters). */
  command: string;
  /** Its payload. */
  payload: Uint8Array;
}

/** Events of the component (the node re-emits them). */
export type PeerSetComponentEvents = {
  /** A tracked peer's authenticated connection was confirmed (its Bitcoin-style handshake follows). */
  'peer:connected': [key: PeerKeyHex, record: PeerRecord];
  /** A confirmed connection ended (its record has left the registry). */
  'peer:closed': [key: PeerKeyHex, reason: string, record: PeerRecord];
  /** Application data from a connected peer. */
  'message': [key: PeerKeyHex, message: PeerSetMessage];
  /** A new set was tracked. */
  'update': [update: PeerSetUpdate];
  /** An inbound connection was refused before its handshake (allow-list or limits). */
  'refused': [remote: NetService, reason: PreHandshakeRefusal];
};

/** Settings of the component. */
export interface PeerSetComponentOptions {
  /** Our static identity. */
  identity: Identity;
  /** The application namespace (bytes, or text as UTF-8). */
  namespace: Uint8Array | string;
  /** Tracker settings (our key comes from `identity`). */
  tracker?: Omit<PeerSetTrackerOptions, 'self'>;
  /** Inbound handshake limits (defaults: commonware's recommended values). */
  limits?: HandshakeLimiterOptions;
  /** Dials started per manager tick (default PEERSET_DIALS_PER_TICK). */
  dialsPerTick?: number;
}

/** Injected seams (the same clock and random as the manager's). */
export interface PeerSetComponentDeps {
  clock: Clock;
  random: Random;
  log?: Logger;
}

/** Per-record state: which key and which tracker reservation own the connection. */
interface PeerSetSlotState {
  key: PeerKeyHex;
  reservation: Reservation;
}

const SLOT = new PeerSlot<PeerSetSlotState>('peerset');

/** A dial this component started and has not seen end. */
interface OwnDial {
  reservation: Reservation;
  abort: AbortController;
  /** Aborted by us (a sever): released without counting a failure. */
  severed: boolean;
}

/** Counts of the component's own decisions (the handshake's are in `auth`, the limiter's in `limiter`). */
export interface PeerSetCounters {
  /** Inbound connections refused by the allow-list. */
  unregisteredIp: number;
  /** Dials started. */
  dialsStarted: number;
  /** Dials that failed (connect or handshake). */
  dialsFailed: number;
  /** Connections or dials severed because of track, overwrite or block. */
  severed: number;
  /** Authenticated connections closed because the tracker did not confirm them (superseded, moved, untracked). */
  unconfirmed: number;
}

/** The peer-set mode's component: tracker + limiter + handshake, plugged into a `PeerManager`. */
export class PeerSetComponent extends TypedEmitter<PeerSetComponentEvents> {
  /** Sets, records, blocks, dial schedule. */
  readonly tracker: PeerSetTracker;
  /** Inbound handshake limits. */
  readonly limiter: HandshakeLimiter;
  /** Handshake outcomes per role and reason. */
  readonly auth = new AuthCounters();
  /** Recent Hello ephemeral keys. */
  readonly replayCache = new ReplayCache();
  /** The component's own counters. */
  readonly counters: PeerSetCounters = { unregisteredIp: 0, dialsStarted: 0, dialsFailed: 0, severed: 0, unconfirmed: 0 };
  private readonly identity: Identity;
  private readonly namespace: Uint8Array;
  private readonly log: Logger;
  private readonly dialsPerTick: number;
  private host: ProtocolHost | undefined;
  // Bounds: the tracker holds one reservation per key, so `byKey`, `ownDials` and `ownDialByKey` hold at
  // most one entry per tracked key (≤ trackedPeerSets × maxPeersPerSet, plus departing keys until their
  // connection closes); `accepting` holds only handshakes the limiter let start (≤ its maxInFlight).
  /** Confirmed connections by key. */
  private readonly byKey = new Map<PeerKeyHex, PeerRecord>();
  /** Dials this component started, by target address. */
  private readonly ownDials = new Map<string, OwnDial>();
  /** The target address of each key's dial in flight. */
  private readonly ownDialByKey = new Map<PeerKeyHex, string>();
  /** Inbound handshakes done, waiting for the peer lifecycle's onConnect (by remote address). */
  private readonly accepting = new Map<string, Reservation>();

  /** @param options identity, namespace, tracker and limits; @param deps clock, random, logger. */
  constructor(options: PeerSetComponentOptions, private readonly deps: PeerSetComponentDeps) {
    super();
    this.identity = options.identity;
    this.namespace = typeof options.namespace === 'string' ? new Uint8Array(Buffer.from(options.namespace, 'utf8')) : options.namespace;
    this.log = deps.log ?? silentLogger;
    this.dialsPerTick = options.dialsPerTick ?? PEERSET_DIALS_PER_TICK;
    this.tracker = new PeerSetTracker({ ...options.tracker, self: options.identity.publicKey }, { clock: deps.clock, random: deps.random });
    this.limiter = new HandshakeLimiter(options.limits);
  }

  // ---- the three seams ---------------------------------------------------------------------

  /** `PeerManagerOptions.inboundGate`: only source IPs registered for a kept, unblocked key. */
  readonly inboundGate: InboundGate = (remote) => {
    if (this.tracker.isRegisteredIp(remote.addr)) return undefined;
    this.counters.unregisteredIp++;
    this.emit('refused', remote, 'unregistered-ip');
    return 'peer set: source IP not registered for any tracked key';
  };

  /** `PeerManagerOptions.connectionLayer`: limits, then the authenticated handshake. */
  readonly connectionLayer: ConnectionLayer = {
    timeoutMs: PEERSET_UPGRADE_TIMEOUT_MS,
    maxInboundInFlight: MAX_CONCURRENT_HANDSHAKES,
    upgrade: (conn, ctx) => (ctx.direction === 'inbound' ? this.upgradeInbound(conn, ctx) : this.upgradeOutbound(conn, ctx)),
  };

  /** `PeerManagerOptions.protocols` entry: connection bookkeeping, dialing and application messages. */
  readonly protocol: ProtocolFactory = (host) => {
    this.host = host;
    const plugin: ProtocolPlugin = {
      name: PEERSET_OWNER,
      onConnect: (record) => this.onConnect(record),
      onMessage: (record, message) => this.onMessage(record, message),
      onDisconnect: (record, reason) => this.onDisconnect(record, reason),
      tick: () => this.tick(),
    };
    return plugin;
  };

  private async upgradeInbound(conn: Connection, ctx: ConnectionUpgradeContext): Promise<UpgradedConnection> {
    const slot = this.limiter.tryStart(ctx.remote.addr, this.deps.clock.now());
    if (!slot.ok) {
      this.emit('refused', ctx.remote, slot.reason);
      throw new ConnectError('ERR_PEERSET_LIMITED', `peer set: handshake from ${ctx.remote} refused (${slot.reason})`);
    }
    let reservation: Reservation | undefined;
    try {
      const secure = await secureInbound(conn, {
        identity: this.identity, namespace: this.namespace, clock: this.deps.clock, random: this.deps.random,
        counters: this.auth, replayCache: this.replayCache, signal: ctx.signal,
        // The gate reserves the key (state `accepting`): no dial of ours and no second inbound for it meanwhile.
        gate: (key, remote) => {
          const reserved = this.tracker.reserveInbound(key, remote.addr);
          if (!reserved.ok) return reserved.reason;
          reservation = reserved.reservation;
          return undefined;
        },
      });
      const accepted = reservation!;
      this.accepting.set(ctx.remote.key, accepted);
      // Until the peer lifecycle takes it over (onConnect), a close releases the reservation here.
      secure.once('close', () => {
        if (this.accepting.get(ctx.remote.key) !== accepted) return;
        this.accepting.delete(ctx.remote.key);
        this.tracker.disconnected(accepted);
      });
      return { connection: secure, remoteIdentity: peerKeyBytes(secure.peerKey) };
    } catch (err) {
      if (reservation) this.tracker.disconnected(reservation);
      throw err;
    } finally {
      slot.release();
    }
  }

  private async upgradeOutbound(conn: Connection, ctx: ConnectionUpgradeContext): Promise<UpgradedConnection> {
    const dial = this.ownDials.get(ctx.remote.key);
    if (!dial) throw new ConnectError('ERR_PEERSET_UNKNOWN_TARGET', `peer set: no tracked key to authenticate ${ctx.remote} against`);
    const secure = await secureOutbound(conn, {
      identity: this.identity, namespace: this.namespace, clock: this.deps.clock, random: this.deps.random,
      counters: this.auth, signal: ctx.signal, expectedKey: dial.reservation.key,
    });
    return { connection: secure, remoteIdentity: peerKeyBytes(secure.peerKey) };
  }

  // ---- plug-in hooks -------------------------------------------------------------------------

  private onConnect(record: PeerRecord): void {
    const { peer } = record;
    if (!record.remoteIdentity) {
      peer.disconnect('peer set: connection without an authenticated key');
      return;
    }
    const key = toPeerKeyHex(record.remoteIdentity);
    let reservation: Reservation;
    if (peer.inbound) {
      const accepted = this.accepting.get(peer.addr.key);
      this.accepting.delete(peer.addr.key);
      if (!accepted || accepted.key !== key || !this.tracker.connected(accepted)) {
        this.counters.unconfirmed++;
        peer.disconnect('peer set: inbound superseded, moved or no longer tracked');
        return;
      }
      reservation = accepted;
    } else {
      const dial = this.ownDials.get(peer.addr.key);
      if (!dial || dial.reservation.key !== key || !this.tracker.connected(dial.reservation)) {
        this.counters.unconfirmed++;
        peer.disconnect('peer set: dial superseded, moved or no longer tracked');
        return;
      }
      reservation = dial.reservation;
    }
    record.set(SLOT, { key, reservation });
    this.byKey.set(key, record);
    this.emit('peer:connected', key, record);
  }

  private onMessage(record: PeerRecord, message: Message): boolean {
    const state = record.get(SLOT);
    if (!state || message.type !== 'unknown') return false;
    this.emit('message', state.key, { command: message.command, payload: message.payload });
    return true;
  }

  private onDisconnect(record: PeerRecord, reason: string): void {
    const state = record.get(SLOT);
    if (!state) return;
    this.tracker.disconnected(state.reservation);
    if (this.byKey.get(state.key) === record) this.byKey.delete(state.key);
    this.emit('peer:closed', state.key, reason, record);
  }

  private tick(): void {
    this.tracker.unblockExpired();
    if (!this.host) return;
    const { due } = this.tracker.dialable();
    let started = 0;
    for (const key of due) {
      if (started >= this.dialsPerTick) break;
      const reservation = this.tracker.reserveDial(key);
      if (!reservation) continue;
      this.startDial(reservation);
      started++;
    }
  }

  private startDial(reservation: Reservation): void {
    const host = this.host!;
    const target = reservation.address.dial;
    const own: OwnDial = { reservation, abort: new AbortController(), severed: false };
    this.ownDials.set(target.key, own);
    this.ownDialByKey.set(reservation.key, target.key);
    this.counters.dialsStarted++;
    void host.dialer.dial({ target, connType: 'manual', countFailure: false, owner: PEERSET_OWNER, signal: own.abort.signal }).then((result) => {
      if (this.ownDials.get(target.key) === own) this.ownDials.delete(target.key);
      if (this.ownDialByKey.get(reservation.key) === target.key) this.ownDialByKey.delete(reservation.key);
      if (result.ok) return;
      if (own.severed) {
        this.tracker.disconnected(reservation);
        return;
      }
      this.counters.dialsFailed++;
      this.tracker.dialFailed(reservation);
      this.log.debug(`peer set: dial of ${reservation.key} at ${target} failed: ${result.error.message}`);
    });
  }

  // ---- application operations --------------------------------------------------------------

  /** Tracks set `id` (see `PeerSetTracker.track`) and severs what it reports. */
  track(id: number, peers: TrackInput): TrackResult {
    const result = this.tracker.track(id, peers);
    for (const key of result.disconnect) this.sever(key, result.dropped.includes(key) ? 'peer set: in no kept set' : 'peer set: address changed');
    const update = this.tracker.latestUpdate();
    if (update) this.emit('update', update);
    return result;
  }

  /** Moves tracked peers to new addresses (see `PeerSetTracker.overwrite`) and severs their connections. */
  overwrite(peers: PeerMapInput): OverwriteResult {
    const result = this.tracker.overwrite(peers);
    for (const key of result.sever) this.sever(key, 'peer set: address changed');
    return result;
  }

  /** Blocks `key` (see `PeerSetTracker.block`) and severs its connection or dial. */
  block(key: PeerKeyHex | Uint8Array, durationMs?: number): BlockResult {
    const result = this.tracker.block(key, durationMs);
    if (result.disconnect) this.sever(toPeerKeyHex(key), 'peer set: blocked');
    return result;
  }

  /** Closes `key`'s connection and aborts its dial, if any. */
  private sever(key: PeerKeyHex, reason: string): void {
    for (const [remote, reservation] of this.accepting) {
      if (reservation.key !== key) continue;
      // A handshake done but not yet handed to the lifecycle: its onConnect will not be confirmed.
      this.accepting.delete(remote);
      this.tracker.disconnected(reservation);
    }
    const record = this.byKey.get(key);
    if (record && !record.peer.isDisconnecting) {
      record.peer.disconnect(reason);
      this.counters.severed++;
    }
    const target = this.ownDialByKey.get(key);
    const dial = target === undefined ? undefined : this.ownDials.get(target);
    if (dial && !dial.abort.signal.aborted) {
      dial.severed = true;
      dial.abort.abort();
      this.counters.severed++;
    }
  }

  // ---- views ----------------------------------------------------------------------------------

  /** The live record of `key`'s confirmed connection. */
  recordOf(key: PeerKeyHex | Uint8Array): PeerRecord | undefined {
    return this.byKey.get(toPeerKeyHex(key));
  }

  /** Keys with a confirmed connection. */
  connectedKeys(): PeerKeyHex[] {
    return [...this.byKey.keys()].sort();
  }

  /** The key of a record this component confirmed. */
  keyOf(record: PeerRecord): PeerKeyHex | undefined {
    return record.get(SLOT)?.key;
  }

  /** Dials started and not yet ended. */
  get dialsInFlight(): number {
    return this.ownDials.size;
  }
}
