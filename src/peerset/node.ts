/**
 * `PeerSetNode`: the application's handle on the peer-set mode. It builds one `PeerManager` (the
 * registry, dialer, listeners, peer lifecycle, bans, traffic and metrics sources of the Bitcoin mode)
 * with the `PeerSetComponent` in its three seams, and turns off everything of the Bitcoin mode that
 * does not belong here: no automatic outbound, no DNS or fixed seeds, no address-table-driven dialing.
 * What the application sees is keyed by public key: `track`/`overwrite`/`block`, `send(key, …)`,
 * events carrying the key, `peerDetails()` with keys and roles.
 *
 * Application data travels as Bitcoin-framed messages with a command of the application's choosing
 * (`send(key, payload, command)`), inside the authenticated, encrypted stream; the manager's own
 * messages (version, ping) keep the connection alive and measured as in the Bitcoin mode.
 */
import { NetService } from '../address/service.js';
import { PeerManager } from '../connman/manager.js';
import type { PeerManagerOptions } from '../connman/options.js';
import type { PeerDetails, PeerInfo } from '../connman/types.js';
import type { PeerSetsPanelDocument } from '../dashboard/api.js';
import type { PeerLimits } from '../peer/types.js';
import type { Identity } from '../transport/secure/authenticated/identity.js';
import { TcpTransport } from '../transport/tcp.js';
import type { Transport } from '../transport/transport.js';
import { SystemClock, type Clock } from '../util/clock.js';
import { ArgumentError } from '../util/errors.js';
import { TypedEmitter } from '../util/events.js';
import { sha256 } from '../util/hash.js';
import type { Logger } from '../util/logger.js';
import type { PeerKeyHex } from '../util/public-key.js';
import { ChaChaRandom, type Random } from '../util/random.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH } from '../wire/frame.js';
import { customNetworkParams, type NetworkParams } from '../wire/params.js';
import { PeerSetComponent, type PeerSetMessage, type PreHandshakeRefusal } from './component.js';
import { DEFAULT_MAX_PEERS_PER_SET, DEFAULT_TRACKED_PEER_SETS } from './constants.js';
import type { HandshakeLimiterOptions } from './handshake-limiter.js';
import type { PeerSetMetricsSource } from './metrics.js';
import type { PeerSetSubscription, PeerSetUpdate, TrackedPeers } from './subscription.js';
import type {
  BlockResult, OverwriteResult, PeerMapInput, PeerSetTrackerOptions, PeerView, TrackInput, TrackResult,
} from './tracker.js';

/** Command of application messages when `send` is given none (any 1–12 printable ASCII characters work). */
export const DEFAULT_APP_COMMAND = 'app';
/** Default port of a peer-set network listening on port 0 (any free port). */
const PEERSET_FALLBACK_PORT = 9_000;
/** Connections kept free beyond the tracked keys (the manager reserves some slots for its own kinds). */
const EXTRA_CONNECTION_SLOTS = 16;
const COMMAND_RE = /^[\x21-\x7e]{1,12}$/;

/** Events of a `PeerSetNode`. */
export type PeerSetNodeEvents = {
  /** A tracked peer completed both handshakes and can be sent to. */
  'peer:connect': [key: PeerKeyHex, info: PeerInfo];
  /** A connected tracked peer is gone. */
  'peer:disconnect': [key: PeerKeyHex, reason: string];
  /** Application data from a tracked peer. */
  'message': [key: PeerKeyHex, message: PeerSetMessage];
  /** A new set was tracked. */
  'peerset:update': [update: PeerSetUpdate];
  /** An inbound connection was refused before its handshake (unregistered IP or limits). */
  'inbound:refused': [remote: NetService, reason: PreHandshakeRefusal];
};

/** Settings of a node. */
export interface PeerSetNodeOptions {
  /** Our static identity. */
  identity: Identity;
  /** The application namespace every member uses (text or bytes). */
  namespace: string | Uint8Array;
  /** Where to listen, `host:port` (port 0: any free port). */
  listen: string;
  /** Network parameters (default: a private network whose magic is the first 4 bytes of SHA-256(namespace)). */
  network?: NetworkParams;
  /** Time source (default: system clock). */
  clock?: Clock;
  /** Randomness (default: seeded from the OS; ephemeral keys are drawn from it). */
  random?: Random;
  /** Logger. */
  logger?: Logger;
  /**
   * Byte transport (default: TCP, dialing from the listen address when it names one, so that peers see
   * the source IP they registered for us; from the OS's choice when listening on 0.0.0.0 or ::).
   */
  transport?: Transport;
  /** Tracker settings (trackedPeerSets, maxPeersPerSet, cooldown, block duration …). */
  tracker?: Omit<PeerSetTrackerOptions, 'self'>;
  /** Inbound handshake limits. */
  limits?: HandshakeLimiterOptions;
  /** Dials started per manager tick (500 ms). */
  dialsPerTick?: number;
  /** Per-peer limits of the connection manager. */
  peerLimits?: Partial<PeerLimits>;
  /** Connection limit (default: every key of every kept set, plus a margin). */
  maxConnections?: number;
}

/** One connected peer: the manager's getpeerinfo snapshot plus its key and roles. */
export interface PeerSetPeerDetails extends PeerDetails {
  /** The peer's authenticated key. */
  key: PeerKeyHex;
  /** Primary in some kept set, else secondary. */
  role: 'primary' | 'secondary' | 'untracked';
  /** Kept sets listing it as primary. */
  primarySets: number;
  /** Kept sets listing it as secondary only. */
  secondarySets: number;
}

/** The dashboard's peer-set panel document (defined with the dashboard that renders it). */
export type PeerSetsDocument = PeerSetsPanelDocument;

/** A private network for a namespace: the same namespace gives the same magic on every member. */
export function peerSetNetwork(namespace: string | Uint8Array, port: number): NetworkParams {
  const bytes = typeof namespace === 'string' ? new Uint8Array(Buffer.from(namespace, 'utf8')) : namespace;
  // The default port only fills in addresses given without one; RPC is not used by the peer-set mode.
  const defaultPort = port === 0 ? PEERSET_FALLBACK_PORT : port;
  return customNetworkParams({ name: 'peerset', magic: sha256(bytes).subarray(0, 4), defaultPort, rpcPort: defaultPort });
}

/** A node of a peer-set network. */
export class PeerSetNode extends TypedEmitter<PeerSetNodeEvents> {
  /** The connection manager underneath (operators read it: metrics, dashboard, RPC). */
  readonly manager: PeerManager;
  /** The peer-set component in the manager's seams. */
  readonly component: PeerSetComponent;
  /** Our identity. */
  readonly identity: Identity;
  private readonly keysById = new Map<number, PeerKeyHex>();

  /** @param options identity, namespace, listen address and the rest. */
  constructor(options: PeerSetNodeOptions) {
    super();
    this.identity = options.identity;
    const clock = options.clock ?? new SystemClock();
    const random = options.random ?? ChaChaRandom.secure();
    const listen = NetService.parse(options.listen);
    this.component = new PeerSetComponent(
      { identity: options.identity, namespace: options.namespace, tracker: options.tracker, limits: options.limits, dialsPerTick: options.dialsPerTick },
      { clock, random: random.derive(), log: options.logger },
    );
    const sets = options.tracker?.trackedPeerSets ?? DEFAULT_TRACKED_PEER_SETS;
    const perSet = options.tracker?.maxPeersPerSet ?? DEFAULT_MAX_PEERS_PER_SET;
    const managerOptions: PeerManagerOptions = {
      network: options.network ?? peerSetNetwork(options.namespace, listen.port),
      clock, random, logger: options.logger,
      transport: options.transport ?? new TcpTransport(clock, listen.addr.isBindAny() ? {} : { localAddress: listen.addr.toString() }),
      listen: true, bind: [listen.toString()], connect: ['0'], dnsSeed: false, fixedSeeds: false,
      // The authenticated layer already encrypts every byte: BIP324 inside it would encrypt twice.
      v2transport: false,
      maxConnections: options.maxConnections ?? sets * perSet + EXTRA_CONNECTION_SLOTS,
      peerLimits: options.peerLimits,
      protocols: [this.component.protocol],
      connectionLayer: this.component.connectionLayer,
      inboundGate: this.component.inboundGate,
    };
    this.manager = new PeerManager(managerOptions);
    this.component.on('peer:connected', (key, record) => this.keysById.set(record.id, key));
    this.component.on('message', (key, message) => this.emit('message', key, message));
    this.component.on('update', (update) => this.emit('peerset:update', update));
    this.component.on('refused', (remote, reason) => this.emit('inbound:refused', remote, reason));
    this.manager.on('peer:connect', (info) => {
      const key = this.keysById.get(info.id);
      if (key) this.emit('peer:connect', key, info);
    });
    this.component.on('peer:closed', (key, reason, record) => {
      this.keysById.delete(record.id);
      if (record.peer.isReady) this.emit('peer:disconnect', key, reason);
    });
  }

  /** Our public key. */
  get publicKey(): PeerKeyHex {
    return this.identity.publicKeyHex;
  }

  /** The address we listen on (with the real port once started). */
  get listenAddress(): NetService | undefined {
    return this.manager.listenAddresses[0];
  }

  /** Starts listening and dialing. */
  start(): Promise<void> {
    return this.manager.start();
  }

  /** Closes every connection and the listener. Idempotent. */
  stop(): Promise<void> {
    return this.manager.stop();
  }

  // ---- peer sets ------------------------------------------------------------------------------

  /** Tracks set `id`: its primaries are dialed, its keys admitted; sets beyond the kept window drop out. */
  track(id: number, peers: TrackInput): TrackResult {
    return this.component.track(id, peers);
  }

  /** Moves tracked peers to new addresses: their connections are severed and re-dialed there. */
  overwrite(peers: PeerMapInput): OverwriteResult {
    return this.component.overwrite(peers);
  }

  /** Blocks a key (default 4 h): disconnected and refused until then. */
  block(key: PeerKeyHex | Uint8Array, durationMs?: number): BlockResult {
    return this.component.block(key, durationMs);
  }

  /** The keys of kept set `id`. */
  peerSet(id: number): TrackedPeers | undefined {
    return this.component.tracker.peerSet(id);
  }

  /** Highest tracked id. */
  get activeId(): number | undefined {
    return this.component.tracker.activeId;
  }

  /** Set changes as an async iterator (bounded; see PeerSetSubscription). */
  subscribe(): PeerSetSubscription {
    return this.component.tracker.subscribe();
  }

  // ---- messages -------------------------------------------------------------------------------

  /**
   * Sends application data to `key`. False when the key is not connected (or not past its handshake),
   * or its send buffer overflowed. Throws `ArgumentError` for a bad command or a payload above 4 MB.
   */
  send(key: PeerKeyHex | Uint8Array, payload: Uint8Array, command = DEFAULT_APP_COMMAND): boolean {
    if (!COMMAND_RE.test(command)) throw new ArgumentError(`command "${command}" must be 1-12 printable ASCII characters`);
    if (payload.length > MAX_PROTOCOL_MESSAGE_LENGTH) throw new ArgumentError(`payload of ${payload.length} bytes exceeds ${MAX_PROTOCOL_MESSAGE_LENGTH}`);
    const record = this.component.recordOf(key);
    if (!record || !record.peer.isReady || record.peer.isDisconnecting) return false;
    return record.peer.send({ type: 'unknown', command, payload });
  }

  /** Sends to every connected key (optionally only primaries); returns the keys sent to. */
  broadcast(payload: Uint8Array, command = DEFAULT_APP_COMMAND, options: { primariesOnly?: boolean } = {}): PeerKeyHex[] {
    const primaries = new Set(this.component.tracker.all().primary);
    return this.connectedKeys().filter((k) => (!options.primariesOnly || primaries.has(k)) && this.send(k, payload, command));
  }

  /** True when `key` is connected and past its handshake. */
  isConnected(key: PeerKeyHex | Uint8Array): boolean {
    const record = this.component.recordOf(key);
    return record !== undefined && record.peer.isReady && !record.peer.isDisconnecting;
  }

  /** Keys connected and past their handshake. */
  connectedKeys(): PeerKeyHex[] {
    return this.component.connectedKeys().filter((k) => this.isConnected(k));
  }

  // ---- operator views -------------------------------------------------------------------------

  /** getpeerinfo of every connection, with its key and roles. */
  peerDetails(): PeerSetPeerDetails[] {
    const out: PeerSetPeerDetails[] = [];
    for (const d of this.manager.peerDetails()) {
      const key = this.keysById.get(d.id);
      if (!key) continue;
      const roles = this.component.tracker.roles(key);
      const role = roles.primarySets > 0 ? 'primary' : roles.secondarySets > 0 ? 'secondary' : 'untracked';
      out.push({ ...d, key, role, ...roles });
    }
    return out;
  }

  /** What the peer-set metrics read (`createPeerSetMetrics(node.metricsSource(), registry)`). */
  metricsSource(): PeerSetMetricsSource {
    const c = this.component;
    return { tracker: c.tracker, limiter: c.limiter, auth: c.auth, counters: c.counters, connectedKeys: () => this.connectedKeys() };
  }

  /** Every tracked peer as the tracker sees it (connected or not). */
  trackedPeers(): PeerView[] {
    return this.component.tracker.peers();
  }

  /** The dashboard panel's document: tracked sets and which primaries are connected. */
  peerSetsDocument(): PeerSetsDocument {
    const tracker = this.component.tracker;
    const connected = new Set(this.connectedKeys());
    const sets = [...tracker.ids].reverse().map((id) => {
      const set = tracker.peerSet(id)!;
      const primary = set.primary.filter((k) => k !== this.publicKey).map((key) => ({ key, connected: connected.has(key) }));
      return { id, primary, secondary: set.secondary.length, connected_primaries: primary.filter((p) => p.connected).length };
    });
    return {
      self: this.publicKey,
      active_id: tracker.activeId ?? null,
      sets,
      peers: tracker.peers().map((p) => ({
        key: p.key, role: p.role, status: connected.has(p.key) ? 'connected' : p.status, dial: p.dial, source_ip: p.sourceIp,
        blocked_until_ms: p.blockedUntilMs ?? null,
      })),
      blocked: tracker.blockedCount,
    };
  }
}


