/**
 * `PeerManager`: the connection manager (Core's `CConnman` plus the connection-level parts of
 * `PeerManagerImpl`). It owns the listeners, every `Peer`, the address table, the ban list and the
 * data directory, and runs one maintenance loop on the injected clock (every 500 ms, like Core's
 * `ThreadOpenConnections` sleep): peer timers, the outbound policy, added nodes, addr-fetch, address
 * and inventory relay, surplus-outbound trimming and periodic dumps. Decisions are made by the pure
 * functions in policy.ts and eviction.ts; this file only gathers their inputs and carries out their
 * answers.
 *
 * `stop()` shuts down in a fixed order: stop accepting and dialing, remember the block-relay-only
 * peers as anchors, flush and close every peer, write anchors.dat, peers.dat and banlist.json, and
 * release the listeners — leaving no timer or socket behind.
 */
import path from 'node:path';
import { NetAddress } from '../address/netaddress.js';
import { NetGroupManager, keyedNetGroup } from '../address/netgroup.js';
import { Net, type NetId } from '../address/network.js';
import type { AddressRecord } from '../address/record.js';
import { NetService } from '../address/service.js';
import { Subnet } from '../address/subnet.js';
import { AddrMan } from '../addrman/addrman.js';
import type { BanEntry } from '../addrman/banlist.js';
import { Peer, type LocalNodeInfo, type PeerStats, type RemoteVersion } from '../peer/peer.js';
import { type ConnectionType } from '../peer/types.js';
import { Socks5Transport } from '../transport/socks5.js';
import { RoutingTransport } from '../transport/router.js';
import { TcpTransport } from '../transport/tcp.js';
import type { Connection, Listener, Transport } from '../transport/transport.js';
import { AbortError, SystemClock, type Clock, type Timer } from '../util/clock.js';
import { PeerbookError } from '../util/errors.js';
import { TypedEmitter } from '../util/events.js';
import { bytesToHex } from '../util/hex.js';
import { ChaChaRandom, type Random } from '../util/random.js';
import type { InvEntry } from '../wire/inventory.js';
import type { Message } from '../wire/messages.js';
import { hasAllDesirableServiceFlags, mayHaveUsefulAddressDB } from '../wire/services.js';
import { PROTOCOL_VERSION } from '../wire/version.js';
import { AddrRelay, type AddrRelayStats } from './addr-relay.js';
import { BanMan, type BanOptions } from './banman.js';
import { DataDirectory } from './datadir.js';
import { selectNodeToEvict, type EvictionCandidate } from './eviction.js';
import { InventoryRelay } from './inv-relay.js';
import { LocalAddresses, LocalScore } from './local-addresses.js';
import { silentLogger, type Logger } from './logger.js';
import { ConfigError, resolveConfig, type PeerManagerOptions, type ResolvedConfig } from './options.js';
import { hasPermission, Permission, resolvePermissions } from './permissions.js';
import {
  blockRelayPeerToEvict, chooseOutboundAddress, EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL_MS, EXTRA_NETWORK_PEER_INTERVAL_MS,
  FEELER_INTERVAL_MS, fullRelayPeerToEvict, nextConnectionType, peerToReplaceForServices, pickPreferredNetwork,
  shouldCountFailures, slotBudget, type ConnectionDecision, type SlotBudget,
} from './policy.js';
import { convertFixedSeeds, runDnsSeeding, systemResolver, type Resolver } from './seeds.js';
import { UploadTarget } from './upload-target.js';

/** The maintenance loop period (Core ThreadOpenConnections sleeps 500 ms between attempts), ms. */
export const TICK_INTERVAL_MS = 500;
/** Core net.cpp DUMP_PEERS_INTERVAL (and banman DUMP_BANS_INTERVAL), ms. */
export const DUMP_INTERVAL_MS = 15 * 60_000;
/** Core net_processing.cpp EXTRA_PEER_CHECK_INTERVAL: surplus-outbound check period, ms. */
export const EXTRA_PEER_CHECK_INTERVAL_MS = 45_000;
/** Core ThreadOpenAddedConnections: retry period when nothing needed dialing / after dialing, ms. */
export const ADDED_NODE_RETRY_MS = 60_000;
/** Core ADD_NEXT_SEEDNODE: another seed node is tried this often while peers are few, ms. */
export const ADD_NEXT_SEEDNODE_MS = 10_000;
/** Core: fixed seeds are added this long after start if some reachable network is still empty, ms. */
export const FIXED_SEEDS_DELAY_MS = 60_000;
/** Core FEELER_SLEEP_WINDOW: a feeler waits up to this long before dialing, ms. */
export const FEELER_SLEEP_WINDOW_MS = 1_000;
/** Automatic outbound dials in flight at once (Core dials one at a time; two halves start-up time). */
export const MAX_CONCURRENT_AUTOMATIC_DIALS = 2;
/** Most -addnode entries (the list is operator-controlled, but bounded like everything else). */
export const MAX_ADDED_NODES = 256;
/** Most queued addr-fetch destinations. */
export const MAX_ADDR_FETCH_QUEUE = 64;
/** Grace period for peers to flush before `stop()` destroys their sockets, ms. */
export const STOP_FLUSH_MS = 2_000;
/** Default user agent. */
export const DEFAULT_USER_AGENT = '/Peerbook:0.1.0/';

/** Cumulative counters since start (for metrics). */
export interface ManagerCounters {
  /** Inbound peers evicted to make room. */
  inboundEvictions: number;
  /** Inbound connections refused, by reason. */
  inboundRejected: { banned: number; discouraged: number; full: number; inactive: number };
  /** Connections closed before the handshake completed (excluding feelers, which close by design). */
  handshakeFailures: number;
  /** Dials that failed. */
  connectFailures: number;
  /** Peers reported misbehaving. */
  misbehaving: number;
  /** Bans added. */
  bansAdded: number;
  /** Addresses from addr/addrv2 messages processed (getpeerinfo addr_processed, summed over every peer ever). */
  addrProcessed: number;
  /** Addresses dropped by the addr rate limit (getpeerinfo addr_rate_limited, summed over every peer ever). */
  addrRateLimited: number;
  /** Bytes per message type, including peers already gone. */
  bytesPerMsg: { sent: Map<string, number>; recv: Map<string, number> };
}

/** Summary of a peer given with events. */
export interface PeerInfo {
  id: number;
  addr: NetService;
  connType: ConnectionType;
  inbound: boolean;
  services: bigint;
  userAgent: string;
  version: number;
  startHeight: number;
}

/** Events a `PeerManager` emits. */
export type PeerManagerEvents = {
  /** A peer completed the handshake. */
  'peer:connect': [peer: PeerInfo];
  /** A peer that had connected is gone. */
  'peer:disconnect': [peer: PeerInfo, reason: string];
  /** A message from a connected peer that Peerbook does not consume itself (everything but handshake, ping, addr). */
  'peer:message': [peer: PeerInfo, message: Message];
  /** Addresses learned from a peer and added to the table. */
  'addr:new': [records: AddressRecord[], from: PeerInfo];
  /** A peer announced inventory. */
  'inv': [peer: PeerInfo, entries: InvEntry[]];
  /** A peer asked for inventory. */
  'getdata': [peer: PeerInfo, entries: InvEntry[]];
  /** A peer said it does not have inventory we asked for. */
  'notfound': [peer: PeerInfo, entries: InvEntry[]];
  /** A dial failed (useful for crawlers and dashboards). */
  'connect:failed': [target: NetService, connType: ConnectionType, reason: string];
};

/** Per-peer statistics with the manager's extras (getpeerinfo). */
export interface PeerDetails extends PeerStats, AddrRelayStats {
  network: NetId;
  mappedAs: number;
  keyedNetGroup: bigint;
  lastBlockTime: number;
  lastTxTime: number;
}

/** An -addnode entry and whether it is connected (getaddednodeinfo). */
export interface AddedNodeInfo {
  addednode: string;
  connected: boolean;
  addresses: Array<{ address: string; connected: 'inbound' | 'outbound' }>;
}

/** Which peers `disconnect` targets. */
export type DisconnectTarget = { id: number } | { address: string } | { subnet: Subnet };

/** A failure of an operator call (code `ERR_PEER_MANAGER` or a more specific one). */
export class PeerManagerError extends PeerbookError {}

interface PendingDial {
  target: NetService;
  connType: ConnectionType;
  abort: AbortController;
  group: string | undefined;
}

interface PeerExtras {
  keyedNetGroup: bigint;
  lastBlockTime: number;
  lastTxTime: number;
  preferEvict: boolean;
  manualKey: string | undefined;
  countedConnected: boolean;
}

/** The connection manager. */
export class PeerManager extends TypedEmitter<PeerManagerEvents> {
  /** Network parameters. */
  readonly network: PeerManagerOptions['network'];
  /** Time source. */
  readonly clock: Clock;
  /** Ban list and discouragement filter. */
  readonly banman: BanMan;
  /** Slot accounting. */
  readonly budget: SlotBudget;
  /** Our addresses. */
  readonly localAddresses = new LocalAddresses();
  /** Network groups (asmap-aware). */
  readonly netgroups: NetGroupManager;

  private readonly options: PeerManagerOptions;
  private readonly config: ResolvedConfig;
  private readonly random: Random;
  private readonly log: Logger;
  private readonly transport: Transport;
  private readonly resolver: Resolver;
  private readonly datadir: DataDirectory | undefined;
  private readonly seed0: bigint;
  private readonly seed1: bigint;
  private addrmanInstance: AddrMan;
  private readonly peersById = new Map<number, Peer>();
  private readonly extras = new Map<number, PeerExtras>();
  private readonly pending = new Map<string, PendingDial>();
  private readonly outboundNonces = new Set<bigint>();
  private readonly listeners: Listener[] = [];
  private readonly listenerFlags = new Map<string, number>();
  private readonly addedNodes: string[];
  private readonly addrFetchQueue: string[] = [];
  private readonly addrRelay: AddrRelay;
  private readonly invRelay: InventoryRelay;
  private readonly uploadTarget: UploadTarget;
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly stopSignal = new AbortController();
  private anchors: AddressRecord[] = [];
  private serviceAnchors: AddressRecord[] = [];
  private nextPeerId = 0;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private tickTimer: Timer | undefined;
  private active: boolean;
  private startedAt = 0;
  private bytesSent = 0;
  private bytesRecv = 0;
  private nextFeelerAt = 0;
  private nextExtraBlockRelayAt = 0;
  private nextExtraNetworkPeerAt = 0;
  private nextAddedNodeCheckAt = 0;
  private nextSeedNodeAt = 0;
  private nextDumpAt = 0;
  private nextExtraPeerCheckAt = 0;
  private nextServiceReplacementAt = 0;
  private seedNodeIndex = 0;
  private fixedSeedsPending = true;
  private tryNewOutboundPeer = false;
  private initialSyncDone = false;
  private inIbd = false;
  private connectLoop = 0;
  private nextConnectAt = 0;
  private banlistDirty = false;
  private stopPromise: Promise<void> | undefined;
  /** Cumulative counters (metrics). */
  readonly counters: ManagerCounters = {
    inboundEvictions: 0,
    inboundRejected: { banned: 0, discouraged: 0, full: 0, inactive: 0 },
    handshakeFailures: 0,
    connectFailures: 0,
    misbehaving: 0,
    bansAdded: 0,
    addrProcessed: 0,
    addrRateLimited: 0,
    bytesPerMsg: { sent: new Map(), recv: new Map() },
  };

  /** @param options see `PeerManagerOptions`; throws `ConfigError` for bad values. */
  constructor(options: PeerManagerOptions) {
    super();
    this.options = options;
    this.network = options.network;
    this.config = resolveConfig(options);
    this.clock = options.clock ?? new SystemClock();
    this.random = options.random ?? ChaChaRandom.secure();
    this.log = options.logger ?? silentLogger;
    this.resolver = options.resolver ?? systemResolver;
    this.netgroups = new NetGroupManager(options.asmap);
    this.budget = slotBudget(this.config.maxConnections);
    this.active = options.networkActive ?? true;
    this.seed0 = this.random.rand64();
    this.seed1 = this.random.rand64();
    this.transport = options.transport ?? this.defaultTransport();
    this.datadir = options.dataDir ? new DataDirectory(options.dataDir, options.network.magic, this.log) : undefined;
    this.banman = new BanMan(this.clock, this.random.derive(), {
      defaultBanTime: options.banTime,
      onChange: () => { this.banlistDirty = true; },
    });
    this.addrmanInstance = new AddrMan(this.addrmanOptions());
    this.addedNodes = this.config.addNodes.slice(0, MAX_ADDED_NODES);
    this.uploadTarget = new UploadTarget(options.maxUploadTarget ?? 0);
    for (const s of this.config.externalIps) this.localAddresses.add(s, LocalScore.MANUAL);
    this.addrRelay = new AddrRelay({
      clock: this.clock,
      random: this.random,
      addrman: () => this.addrmanInstance,
      banman: this.banman,
      seed0: this.seed0,
      seed1: this.seed1,
      reachable: () => this.config.reachable,
      peers: () => this.peersById.values(),
      listening: () => this.listeners.length > 0,
      inInitialBlockDownload: () => this.inIbd,
      localAddressFor: (peer) => this.localAddressFor(peer),
      ourServices: () => this.config.services,
      isUsefulServices: (s) => mayHaveUsefulAddressDB(s) || this.hasDesirableServices(s),
      onAccepted: (records, peer) => this.emit('addr:new', records, this.info(peer)),
      onCounted: (processed, rateLimited) => {
        this.counters.addrProcessed += processed;
        this.counters.addrRateLimited += rateLimited;
      },
    });
    this.invRelay = new InventoryRelay(this.clock, this.random, () => this.peersById.values());
  }

  private addrmanOptions(): ConstructorParameters<typeof AddrMan>[0] {
    return { clock: this.clock, random: this.random.derive(), netgroups: this.netgroups, consistencyCheckRatio: this.options.checkAddrman ?? 0 };
  }

  private defaultTransport(): Transport {
    const tcp = new TcpTransport(this.clock);
    const router = new RoutingTransport(tcp);
    const randomizeCredentials = this.options.proxyRandomize ?? true;
    const proxy = this.config.proxy ? new Socks5Transport(this.clock, { proxy: this.config.proxy, randomizeCredentials }) : undefined;
    const direct: Transport = proxy ?? tcp;
    router.route(Net.IPV4, direct).route(Net.IPV6, direct);
    if (this.config.reachable.has(Net.CJDNS)) router.route(Net.CJDNS, tcp);
    const onion = this.config.onion ? new Socks5Transport(this.clock, { proxy: this.config.onion, randomizeCredentials }) : proxy;
    if (onion) router.route(Net.ONION, onion);
    if (this.config.i2pProxy) router.route(Net.I2P, new Socks5Transport(this.clock, { proxy: this.config.i2pProxy, randomizeCredentials }));
    return router;
  }

  // ---- accessors ----------------------------------------------------------------------------

  /** The address table. */
  get addrman(): AddrMan {
    return this.addrmanInstance;
  }

  /** True between a successful `start()` and `stop()`. */
  get running(): boolean {
    return this.state === 'running';
  }

  /** Networks we can reach. */
  get reachableNetworks(): ReadonlySet<NetId> {
    return this.config.reachable;
  }

  /** Our service flags (Core GetLocalServices). */
  get localServices(): bigint {
    return this.config.services;
  }

  /** Whether networking is on (Core GetNetworkActive). */
  get networkActive(): boolean {
    return this.active;
  }

  /** Bound listener addresses. */
  get listenAddresses(): NetService[] {
    return this.listeners.map((l) => l.address);
  }

  /** When start() completed (ms), 0 before. */
  get startTime(): number {
    return this.startedAt;
  }

  /** The user agent we send in `version` (getnetworkinfo "subversion"). */
  get userAgent(): string {
    return this.options.userAgent ?? DEFAULT_USER_AGENT;
  }

  /** True in blocks-only mode: peers are asked not to relay transactions (getnetworkinfo "localrelay" is its negation). */
  get blocksOnly(): boolean {
    return this.options.blocksOnly ?? false;
  }

  /**
   * The SOCKS5 proxy connections to `net` go through, as configured (Core GetProxy; getnetworkinfo
   * "networks"), or undefined when that network is dialed directly or not at all.
   */
  proxyFor(net: NetId): { proxy: NetService; randomizeCredentials: boolean } | undefined {
    const c = this.config;
    const proxy = net === Net.IPV4 || net === Net.IPV6 ? c.proxy
      : net === Net.ONION ? c.onion ?? c.proxy
        : net === Net.I2P ? c.i2pProxy
          : undefined;
    return proxy ? { proxy, randomizeCredentials: this.options.proxyRandomize ?? true } : undefined;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Loads the data directory, binds listeners and starts connecting. Idempotent. */
  async start(): Promise<void> {
    if (this.state === 'running' || this.state === 'starting') return;
    if (this.state !== 'new') throw new PeerManagerError('ERR_PEER_MANAGER', 'a stopped PeerManager cannot be restarted; create a new one');
    this.state = 'starting';
    try {
      if (this.datadir) {
        await this.datadir.ensure();
        const loaded = await this.datadir.loadAddrMan(this.addrmanOptions());
        if (loaded) {
          // Addresses the application added before start() are kept alongside the loaded table.
          const early = this.addrman.getAddr({ maxAddresses: 0, maxPct: 0, filtered: false });
          for (const rec of early) loaded.add([rec], rec.service.addr);
          this.addrmanInstance = loaded;
        }
        this.banman.load(await this.datadir.loadBanlist());
        this.banlistDirty = false;
        if (this.config.useAddrmanOutgoing) {
          this.anchors = await this.datadir.takeAnchors();
          this.serviceAnchors = await this.datadir.loadServiceAnchors();
        }
      }
      await this.bindListeners();
    } catch (e) {
      await Promise.all(this.listeners.map((l) => l.close()));
      this.listeners.length = 0;
      this.state = 'new';
      throw e;
    }
    const now = this.clock.now();
    this.startedAt = now;
    this.nextFeelerAt = now + this.random.randExpDuration(FEELER_INTERVAL_MS);
    this.nextExtraBlockRelayAt = now + this.random.randExpDuration(EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL_MS);
    this.nextExtraNetworkPeerAt = now + this.random.randExpDuration(EXTRA_NETWORK_PEER_INTERVAL_MS);
    this.nextDumpAt = now + DUMP_INTERVAL_MS;
    this.nextExtraPeerCheckAt = now + EXTRA_PEER_CHECK_INTERVAL_MS;
    this.state = 'running';
    if (this.config.useAddrmanOutgoing && this.config.seedNodes.length > 0 && this.addrman.size() === 0) {
      this.log.info('Empty addrman, adding seednode to addrfetch');
      this.queueNextSeedNode();
    }
    if (this.config.useAddrmanOutgoing && this.config.dnsSeed && this.network.dnsSeeds.length > 0) this.track(this.dnsSeeding());
    this.log.info(`PeerManager started on ${this.network.name}`, { listen: this.listenAddresses.map(String), addresses: this.addrman.size() });
    this.scheduleTick(0);
  }

  private async bindListeners(): Promise<void> {
    const binds: Array<{ service: NetService; flags: number }> = [
      ...this.config.binds.map((service) => ({ service, flags: 0 })),
      ...this.config.whitebinds.map((w) => ({ service: w.service, flags: w.flags })),
    ];
    for (const { service, flags } of binds) {
      const listener = await this.transport.listen(service, (conn) => this.accept(conn, flags)).catch((e: Error) => {
        throw new PeerManagerError('ERR_BIND', `cannot listen on ${service}: ${e.message}`, { cause: e });
      });
      this.listeners.push(listener);
      this.listenerFlags.set(listener.address.key, flags);
      if (service.addr.isRoutable()) this.localAddresses.add(listener.address, LocalScore.BIND);
      this.log.info(`Bound to ${listener.address}`);
    }
  }

  /** Stops everything in Core's order and persists state. Idempotent; resolves when all sockets are closed. */
  stop(): Promise<void> {
    if (!this.stopPromise) this.stopPromise = this.doStop();
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.tickTimer?.cancel();
    this.tickTimer = undefined;
    this.stopSignal.abort();
    for (const dial of this.pending.values()) dial.abort.abort();
    await Promise.all(this.listeners.map((l) => l.close()));
    this.listeners.length = 0;
    const anchorsToDump = this.config.useAddrmanOutgoing ? this.currentBlockRelayAnchors() : [];
    const serviceAnchors = this.config.useAddrmanOutgoing ? this.currentServiceAnchors() : [];
    const peers = [...this.peersById.values()];
    for (const peer of peers) peer.disconnect('shutdown');
    await this.settleWithin(Promise.all(peers.map((p) => p.closed)), STOP_FLUSH_MS);
    for (const peer of peers) peer.destroy();
    await Promise.all(peers.map((p) => p.closed));
    await Promise.allSettled([...this.tasks]);
    if (this.datadir && wasRunning) {
      // Core dumps anchors only when it makes automatic connections (m_use_addrman_outgoing).
      if (this.config.useAddrmanOutgoing) {
        await this.persist('anchors.dat', () => this.datadir!.saveAnchors(anchorsToDump));
        await this.persist('anchors.json', () => this.datadir!.saveServiceAnchors(serviceAnchors));
      }
      await this.persist('peers.dat', () => this.datadir!.saveAddrMan(this.addrman, this.options.peersDatFormat ?? 4));
      await this.persist('banlist.json', () => this.datadir!.saveBanlist(this.banman.list()));
    }
    this.state = 'stopped';
    this.log.info('PeerManager stopped');
  }

  private async settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
    let timer: Timer | undefined;
    await Promise.race([p, new Promise<void>((resolve) => { timer = this.clock.setTimeout(resolve, ms); })]);
    timer?.cancel();
  }

  private async persist(what: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (e) {
      this.log.error(`failed to write ${what}: ${(e as Error).message}`);
    }
  }

  private track<T>(p: Promise<T>): void {
    const tracked = p.catch((e) => {
      if (!(e instanceof AbortError)) this.log.error(`background task failed: ${(e as Error).stack ?? String(e)}`);
    }).finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  private scheduleTick(delayMs: number): void {
    if (this.state !== 'running') return;
    this.tickTimer = this.clock.setTimeout(() => {
      this.tickTimer = undefined;
      try {
        this.tick();
      } catch (e) {
        this.log.error(`maintenance tick failed: ${(e as Error).stack ?? String(e)}`);
      }
      this.scheduleTick(TICK_INTERVAL_MS);
    }, delayMs);
  }

  /** One pass of the maintenance loop. */
  private tick(): void {
    const now = this.clock.now();
    for (const peer of this.peersById.values()) peer.tick();
    if (this.active) {
      this.maybeAddFixedSeeds(now);
      this.processAddrFetch();
      if (this.config.useAddrmanOutgoing) this.openAutomaticConnections(now);
      else this.openConnectList(now);
      this.openAddedNodes(now);
    }
    this.addrRelay.tick();
    this.invRelay.tick();
    if (now >= this.nextExtraPeerCheckAt) {
      this.nextExtraPeerCheckAt = now + EXTRA_PEER_CHECK_INTERVAL_MS;
      this.evictExtraOutboundPeers(now);
    }
    if (this.banlistDirty && this.datadir) {
      this.banlistDirty = false;
      this.track(this.persist('banlist.json', () => this.datadir!.saveBanlist(this.banman.list())));
    }
    if (now >= this.nextDumpAt) {
      this.nextDumpAt = now + DUMP_INTERVAL_MS;
      this.banman.sweep();
      if (this.datadir) this.track(this.persist('peers.dat', () => this.datadir!.saveAddrMan(this.addrman, this.options.peersDatFormat ?? 4)));
    }
  }

  // ---- inbound ------------------------------------------------------------------------------

  private inboundCount(): number {
    let n = 0;
    for (const p of this.peersById.values()) if (p.inbound && !p.isDisconnecting) n++;
    return n;
  }

  /** Core `CreateNodeFromAcceptedSocket`: permissions, bans, slot limits and eviction. */
  private accept(conn: Connection, listenerFlags: number): void {
    if (this.state !== 'running') {
      conn.destroy();
      return;
    }
    const addr = conn.remote;
    const flags = resolvePermissions(listenerFlags | this.listenerFlagsFor(conn), addr.addr, false, this.config.whitelist, {
      whitelistRelay: this.options.whitelistRelay, whitelistForceRelay: this.options.whitelistForceRelay,
    });
    const noBan = hasPermission(flags, Permission.NOBAN);
    const drop = (why: string): void => {
      this.log.debug(`connection from ${addr} dropped (${why})`);
      conn.destroy();
    };
    const rejected = this.counters.inboundRejected;
    if (!this.active) { rejected.inactive++; return drop('not accepting new connections'); }
    if (!noBan && this.banman.isBanned(addr.addr)) { rejected.banned++; return drop('banned'); }
    const discouraged = !noBan && this.banman.isDiscouraged(addr.addr);
    const inbound = this.inboundCount();
    if (discouraged && inbound + 1 >= this.budget.maxInbound) { rejected.discouraged++; return drop('discouraged'); }
    if (inbound >= this.budget.maxInbound && !this.attemptToEvictConnection()) { rejected.full++; return drop('full, no eviction candidate'); }
    this.addPeer(conn, 'inbound', addr, { permissions: flags, preferEvict: discouraged });
  }

  private listenerFlagsFor(conn: Connection): number {
    return conn.local ? this.listenerFlags.get(conn.local.key) ?? 0 : 0;
  }

  /** Core `AttemptToEvictConnection`: evicts one inbound peer chosen by `selectNodeToEvict`. */
  private attemptToEvictConnection(): boolean {
    const candidates: EvictionCandidate[] = [];
    for (const peer of this.peersById.values()) {
      if (peer.isDisconnecting) continue;
      const x = this.extras.get(peer.id)!;
      const remote = peer.remote;
      candidates.push({
        id: peer.id,
        connected: Math.floor(peer.connectedAt / 1000),
        minPingTime: peer.stats().minPingMs === undefined ? Number.MAX_SAFE_INTEGER : peer.stats().minPingMs! * 1000,
        lastBlockTime: x.lastBlockTime,
        lastTxTime: x.lastTxTime,
        relevantServices: remote ? this.hasDesirableServices(remote.services) : false,
        relayTxs: (remote?.relay ?? false) && peer.connType !== 'block-relay-only',
        bloomFilter: false,
        keyedNetGroup: x.keyedNetGroup,
        preferEvict: x.preferEvict,
        isLocal: peer.addr.addr.isLocal(),
        network: peer.addr.addr.getNetClass(),
        noBan: hasPermission(peer.permissions, Permission.NOBAN),
        connType: peer.connType,
      });
    }
    const id = selectNodeToEvict(candidates);
    if (id === undefined) return false;
    this.peersById.get(id)?.disconnect('evicted to make room for an inbound connection');
    this.counters.inboundEvictions++;
    return true;
  }

  // ---- peers --------------------------------------------------------------------------------

  /** Core `HasAllDesirableServiceFlags`, or exactly the configured `desirableServices` when given. */
  private hasDesirableServices(services: bigint): boolean {
    if (this.options.desirableServices !== undefined) return (services & this.options.desirableServices) === this.options.desirableServices;
    return hasAllDesirableServiceFlags(services, this.options.bestBlockDepth?.() ?? Number.MAX_SAFE_INTEGER);
  }

  private localInfo(): LocalNodeInfo {
    return {
      protocolVersion: PROTOCOL_VERSION,
      services: this.config.services,
      userAgent: this.options.userAgent ?? DEFAULT_USER_AGENT,
      startHeight: this.options.startHeight ?? (() => 0),
      relayTxs: !(this.options.blocksOnly ?? false),
    };
  }

  private groupKey(addr: NetAddress): string {
    return bytesToHex(this.netgroups.getGroup(addr));
  }

  private addPeer(conn: Connection, connType: ConnectionType, addr: NetService,
    opts: { permissions?: number; preferEvict?: boolean; manualKey?: string; knownServices?: bigint; addrName?: string } = {}): Peer {
    const id = this.nextPeerId++;
    let nonce = 0n;
    while (nonce === 0n || this.outboundNonces.has(nonce)) nonce = this.random.rand64();
    const peer = new Peer({
      id, connection: conn, connType, addr, addrName: opts.addrName, magic: this.network.magic, clock: this.clock,
      random: this.random, local: this.localInfo(), nonce, limits: this.options.peerLimits,
      isOwnNonce: (n) => this.outboundNonces.has(n),
      hasDesirableServices: (s) => this.hasDesirableServices(s),
      traffic: {
        recordSent: (n) => { this.bytesSent += n; this.uploadTarget.record(n, this.clock.now()); },
        recordReceived: (n) => { this.bytesRecv += n; },
        recordMessage: (dir, key, n) => {
          const m = this.counters.bytesPerMsg[dir];
          m.set(key, (m.get(key) ?? 0) + n);
        },
      },
      permissions: opts.permissions ?? 0,
      knownServices: opts.knownServices,
      viaProxy: this.config.proxy !== undefined && !addr.addr.isLocal(),
    });
    if (!peer.inbound) this.outboundNonces.add(nonce);
    this.peersById.set(id, peer);
    this.extras.set(id, {
      keyedNetGroup: keyedNetGroup(this.seed0, this.seed1, this.netgroups.getGroup(addr.addr)),
      lastBlockTime: 0, lastTxTime: 0, preferEvict: opts.preferEvict ?? false, manualKey: opts.manualKey, countedConnected: false,
    });
    peer.on('version', (v) => this.onPeerVersion(peer, v));
    peer.on('ready', () => {
      this.log.debug(`peer ${id} connected`, { addr: addr.toString(), type: connType });
      this.emit('peer:connect', this.info(peer));
    });
    peer.on('message', (m) => this.onPeerMessage(peer, m));
    peer.on('misbehaving', (reason) => this.onMisbehaving(peer, reason));
    peer.once('close', (reason) => this.onPeerClose(peer, reason));
    this.addrRelay.onConnect(peer);
    peer.start();
    return peer;
  }

  private onPeerVersion(peer: Peer, v: RemoteVersion): void {
    if (!peer.inbound) {
      // Core: record outbound peers' services and that they are alive (Good) once the version checks pass.
      this.addrman.setServices(peer.addr, v.services);
      this.addrman.good(peer.addr);
      this.addrman.markConnected(peer.addr);
      this.extras.get(peer.id)!.countedConnected = true;
    } else if (v.addrLocal && v.addrLocal.addr.isRoutable()) {
      this.localAddresses.seen(v.addrLocal);
    }
    this.addrRelay.onVersion(peer);
  }

  private onPeerMessage(peer: Peer, message: Message): void {
    if (this.addrRelay.onMessage(peer, message)) return;
    const info = this.info(peer);
    if (message.type === 'inv') {
      this.invRelay.onMessage(peer, message);
      this.emit('inv', info, message.entries);
    } else if (message.type === 'getdata') {
      this.emit('getdata', info, message.entries);
    } else if (message.type === 'notfound') {
      this.emit('notfound', info, message.entries);
    }
    this.emit('peer:message', info, message);
  }

  /** Core `MaybeDiscourageAndDisconnect`: noban and manual peers are not punished; local ones only disconnected. */
  private onMisbehaving(peer: Peer, reason: string): void {
    this.log.info(`peer ${peer.id} misbehaving: ${reason}`, { addr: peer.addr.toString() });
    this.counters.misbehaving++;
    if (hasPermission(peer.permissions, Permission.NOBAN) || peer.connType === 'manual') return;
    if (peer.addr.addr.isLocal()) {
      peer.disconnect(`misbehaving: ${reason}`);
      return;
    }
    this.banman.discourage(peer.addr.addr);
    for (const p of this.peersById.values()) if (p.addr.addr.equals(peer.addr.addr)) p.disconnect(`misbehaving: ${reason}`);
  }

  private onPeerClose(peer: Peer, reason: string): void {
    const x = this.extras.get(peer.id);
    this.peersById.delete(peer.id);
    this.extras.delete(peer.id);
    this.outboundNonces.delete(peer.nonce);
    this.addrRelay.onDisconnect(peer);
    this.invRelay.onDisconnect(peer);
    if (!peer.isReady && peer.connType !== 'feeler' && reason !== 'shutdown') this.counters.handshakeFailures++;
    if (!peer.inbound && x?.countedConnected) {
      // Core FinalizeNode: refresh the address's time, except for block-relay-only links (privacy).
      if (peer.isReady && peer.connType !== 'block-relay-only') this.addrman.connected(peer.addr);
      this.addrman.markDisconnected(peer.addr);
    }
    this.log.debug(`peer ${peer.id} disconnected: ${reason}`, { addr: peer.addr.toString(), type: peer.connType });
    if (peer.isReady) this.emit('peer:disconnect', this.info(peer), reason);
  }

  private info(peer: Peer): PeerInfo {
    const r = peer.remote;
    return {
      id: peer.id, addr: peer.addr, connType: peer.connType, inbound: peer.inbound, services: r?.services ?? 0n,
      userAgent: r?.userAgent ?? '', version: r?.version ?? 0, startHeight: r?.startHeight ?? -1,
    };
  }

  private localAddressFor(peer: Peer): NetService | undefined {
    const port = this.listeners[0]?.address.port ?? this.network.defaultPort;
    const best = this.localAddresses.best(peer.addr.addr);
    if (best) return best;
    // Core GetLocalAddrForPeer: fall back to how the peer sees us (outbound: with our listening port).
    const seen = peer.remote?.addrLocal;
    if (seen && seen.addr.isRoutable() && this.config.reachable.has(seen.addr.getNetwork())) {
      return peer.inbound ? seen : LocalAddresses.withPort(seen, port);
    }
    return undefined;
  }

  // ---- outbound -----------------------------------------------------------------------------

  private isConnectedTo(service: NetService): boolean {
    if (this.pending.has(service.key)) return true;
    for (const p of this.peersById.values()) if (p.addr.equals(service) && !p.isDisconnecting) return true;
    return false;
  }

  private outboundState(): { fullRelay: number; blockRelay: number; groups: Set<string>; privacyPeers: number; automaticPending: number } {
    let fullRelay = 0;
    let blockRelay = 0;
    let privacyPeers = 0;
    let automaticPending = 0;
    const groups = new Set<string>();
    const count = (type: ConnectionType, addr: NetAddress): void => {
      if (type === 'outbound-full-relay') fullRelay++;
      if (type === 'block-relay-only') blockRelay++;
      if (type === 'manual' || type === 'outbound-full-relay' || type === 'block-relay-only') {
        if (addr.isIPv4() || addr.isIPv6()) groups.add(this.groupKey(addr));
        else privacyPeers++;
      }
    };
    for (const p of this.peersById.values()) if (!p.isDisconnecting) count(p.connType, p.addr.addr);
    for (const d of this.pending.values()) {
      count(d.connType, d.target.addr);
      if (d.connType === 'outbound-full-relay' || d.connType === 'block-relay-only' || d.connType === 'feeler') automaticPending++;
    }
    return { fullRelay, blockRelay, groups, privacyPeers, automaticPending };
  }

  /**
   * Service bits we have too few outbound peers for — counting only requirements the table can still
   * help with (an address offering them that we are not connected to), so a network without such nodes
   * does not cost us a good peer every few minutes.
   */
  private serviceDeficit(): bigint {
    let deficit = 0n;
    for (const req of this.config.requiredServices) {
      let have = 0;
      for (const p of this.peersById.values()) {
        if (!p.inbound && !p.isDisconnecting && p.remote && (p.remote.services & req.services) === req.services) have++;
      }
      if (have < req.minPeers && this.addrman.countWithServices(req.services) > have) deficit |= req.services;
    }
    return deficit;
  }

  /** Core `ThreadOpenConnections` for one iteration. */
  private openAutomaticConnections(now: number): void {
    const st = this.outboundState();
    if (st.automaticPending >= MAX_CONCURRENT_AUTOMATIC_DIALS) return;
    if (this.serviceAnchors.length > 0 && st.fullRelay < this.budget.maxOutboundFullRelay) {
      const a = this.serviceAnchors.pop()!;
      if (!this.isConnectedTo(a.service) && this.config.reachable.has(a.service.addr.getNetwork())) {
        this.dial(a.service, 'outbound-full-relay', { countFailure: false, knownServices: a.services });
        return;
      }
    }
    const deficit = this.serviceDeficit();
    if (deficit !== 0n && st.fullRelay >= this.budget.maxOutboundFullRelay && now >= this.nextServiceReplacementAt) {
      this.nextServiceReplacementAt = now + EXTRA_NETWORK_PEER_INTERVAL_MS;
      const regular = [...this.peersById.values()].filter((p) => p.connType === 'outbound-full-relay' && !p.isDisconnecting && p.remote)
        .map((p) => ({ id: p.id, services: p.remote!.services, protected: false }));
      const victim = peerToReplaceForServices(regular, deficit, this.random);
      if (victim !== undefined) this.peersById.get(victim)?.disconnect('replaced by a peer with a needed service');
    }
    const decision = nextConnectionType({
      now, budget: this.budget, anchorsLeft: this.anchors.length, fullRelay: st.fullRelay, blockRelay: st.blockRelay,
      tryNewOutboundPeer: this.tryNewOutboundPeer, startExtraBlockRelayPeers: this.initialSyncDone,
      nextExtraBlockRelayAt: this.nextExtraBlockRelayAt, nextFeelerAt: this.nextFeelerAt,
      nextExtraNetworkPeerAt: this.nextExtraNetworkPeerAt,
      preferredNetwork: st.fullRelay === this.budget.maxOutboundFullRelay && now > this.nextExtraNetworkPeerAt
        ? pickPreferredNetwork(this.config.reachable, (n) => this.peersOnNetwork(n), (n) => this.addrman.size({ network: n }), this.random)
        : undefined,
      serviceDeficit: deficit,
    });
    if (!decision) return;
    this.reschedule(decision, now);
    const choice = chooseOutboundAddress({
      addrman: this.addrman, decision, now, anchors: this.anchors, outboundGroups: st.groups,
      groupKey: (a) => this.groupKey(a), reachable: this.config.reachable,
      isOwnAddress: (s) => this.localAddresses.has(s), isConnected: (s) => this.isConnectedTo(s),
      isAddedNode: (s) => this.addedNodes.some((n) => n === s.toString() || n === s.addr.toString()),
      hasDesirableServices: (s) => this.hasDesirableServices(s), mayHaveUsefulAddressDB,
      strictPorts: this.options.strictPorts, defaultPort: this.network.defaultPort,
    });
    if (!choice.record) return;
    const countFailure = shouldCountFailures(st.groups.size, st.privacyPeers, this.budget);
    const target = choice.record.service;
    if (decision.type === 'feeler') {
      const delay = this.random.randrange(FEELER_SLEEP_WINDOW_MS);
      this.reserve(target, 'feeler');
      this.clock.setTimeout(() => this.dial(target, 'feeler', { countFailure, knownServices: choice.record!.services, reserved: true }), delay);
      return;
    }
    this.dial(target, decision.type, { countFailure, knownServices: choice.record.services });
  }

  private reschedule(decision: ConnectionDecision, now: number): void {
    if (!('reschedule' in decision) || !decision.reschedule) return;
    if (decision.reschedule === 'feeler') this.nextFeelerAt = now + this.random.randExpDuration(FEELER_INTERVAL_MS);
    if (decision.reschedule === 'extra-block-relay') this.nextExtraBlockRelayAt = now + this.random.randExpDuration(EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL_MS);
    if (decision.reschedule === 'extra-network') this.nextExtraNetworkPeerAt = now + this.random.randExpDuration(EXTRA_NETWORK_PEER_INTERVAL_MS);
  }

  private peersOnNetwork(net: NetId): number {
    let n = 0;
    for (const p of this.peersById.values()) {
      if ((p.connType === 'outbound-full-relay' || p.connType === 'manual') && p.addr.addr.getNetwork() === net) n++;
    }
    return n;
  }

  private reserve(target: NetService, connType: ConnectionType): PendingDial {
    const dial: PendingDial = {
      target, connType, abort: new AbortController(),
      group: target.addr.isIPv4() || target.addr.isIPv6() ? this.groupKey(target.addr) : undefined,
    };
    this.pending.set(target.key, dial);
    return dial;
  }

  /**
   * Core `OpenNetworkConnection` + `ConnectNode`: refuses when inactive, or (for automatic types) when
   * the target is ours, banned, discouraged or already connected; dials; records the attempt in the
   * table unless the proxy failed; hands a successful connection to a new Peer.
   */
  private dial(target: NetService, connType: ConnectionType,
    opts: { countFailure: boolean; knownServices?: bigint; manualKey?: string; addrName?: string; reserved?: boolean; onDone?: (ok: boolean) => void }): void {
    const fail = (why: string): void => {
      if (opts.reserved) this.pending.delete(target.key);
      opts.onDone?.(false);
      this.log.debug(`not connecting to ${target}: ${why}`);
    };
    if (this.state !== 'running' || !this.active) return fail('network inactive');
    if (this.localAddresses.has(target)) return fail('own address');
    if (!opts.manualKey && (this.banman.isBanned(target.addr) || this.banman.isDiscouraged(target.addr))) return fail('banned or discouraged');
    if (!opts.reserved && this.isConnectedTo(target)) return fail('already connected');
    const dial = opts.reserved ? this.pending.get(target.key)! : this.reserve(target, connType);
    const stop = this.stopSignal.signal;
    const abortWithStop = (): void => dial.abort.abort();
    stop.addEventListener('abort', abortWithStop, { once: true });
    this.track((async () => {
      let conn: Connection | undefined;
      try {
        conn = await this.transport.connect(target, { signal: dial.abort.signal, timeoutMs: this.options.connectTimeoutMs });
      } catch (e) {
        const err = e as { proxyFailure?: boolean; message?: string };
        if (!err.proxyFailure && !stop.aborted) this.addrman.attempt(target, opts.countFailure);
        if (!stop.aborted) {
          this.counters.connectFailures++;
          this.addrman.markFailed(target);
          this.emit('connect:failed', target, connType, err.message ?? String(e));
        }
        this.log.debug(`connect to ${target} failed: ${err.message ?? String(e)}`);
        opts.onDone?.(false);
        return;
      } finally {
        this.pending.delete(target.key);
        stop.removeEventListener('abort', abortWithStop);
      }
      if (this.state !== 'running') {
        conn.destroy();
        return;
      }
      this.addrman.attempt(target, opts.countFailure);
      const permissions = resolvePermissions(0, target.addr, true, this.config.whitelist, {
        whitelistRelay: this.options.whitelistRelay, whitelistForceRelay: this.options.whitelistForceRelay,
      });
      this.addPeer(conn, connType, target, { permissions, manualKey: opts.manualKey, knownServices: opts.knownServices, addrName: opts.addrName });
      opts.onDone?.(true);
    })());
  }

  /** Resolves `host[:port]` text to services (numeric first, then DNS unless a proxy is in use). */
  private async resolveTarget(text: string): Promise<NetService[]> {
    try {
      return [NetService.parse(text, this.network.defaultPort)];
    } catch {
      // Not numeric: a host name.
    }
    const m = /^(.*?)(?::(\d+))?$/.exec(text.trim());
    const host = m?.[1] ?? text;
    const port = m?.[2] !== undefined ? Number(m[2]) : this.network.defaultPort;
    const ips = await this.resolver(host, this.stopSignal.signal);
    return ips.flatMap((ip) => {
      try {
        return [NetService.parse(ip, port)].map((s) => new NetService(s.addr, port));
      } catch {
        return [];
      }
    });
  }

  private dialManual(text: string, connType: 'manual' | 'addr-fetch', manualKey: string | undefined): void {
    this.track((async () => {
      const targets = await this.resolveTarget(text).catch((e: Error) => {
        this.log.warn(`cannot resolve ${text}: ${e.message}`);
        return [] as NetService[];
      });
      const target = targets.find((t) => this.transportCanReach(t));
      if (!target) {
        this.log.debug(`no reachable address for ${text}`);
        return;
      }
      if (this.isConnectedTo(target)) return;
      this.dial(target, connType, { countFailure: false, manualKey, addrName: text });
    })());
  }

  private transportCanReach(target: NetService): boolean {
    const t = this.transport;
    return t instanceof RoutingTransport ? t.canReach(target.addr.net) : true;
  }

  /** Core -connect loop: keep every listed peer connected, backing off up to 5 s per round. */
  private openConnectList(now: number): void {
    if (this.config.connect.length === 0 || now < this.nextConnectAt) return;
    this.connectLoop++;
    this.nextConnectAt = now + 500 * Math.min(this.connectLoop, 10);
    for (const text of this.config.connect) {
      if (!this.isManualConnected(text)) this.dialManual(text, 'manual', `connect:${text}`);
    }
  }

  private isManualConnected(key: string): boolean {
    for (const [id, x] of this.extras) if (x.manualKey === key || x.manualKey === `connect:${key}`) return !this.peersById.get(id)?.isDisconnecting;
    for (const d of this.pending.values()) if (d.connType === 'manual' && d.target.toString() === key) return true;
    return false;
  }

  /** Core `ThreadOpenAddedConnections`: dial every added node that is not connected, within its budget. */
  private openAddedNodes(now: number): void {
    if (now < this.nextAddedNodeCheckAt || this.addedNodes.length === 0) return;
    let connected = 0;
    for (const x of this.extras.values()) if (x.manualKey?.startsWith('addnode:')) connected++;
    let attempted = false;
    for (const text of this.addedNodes) {
      if (connected >= this.budget.maxAddnode) break;
      if (this.isManualConnected(`addnode:${text}`)) continue;
      this.dialManual(text, 'manual', `addnode:${text}`);
      connected++;
      attempted = true;
    }
    this.nextAddedNodeCheckAt = now + (attempted ? ADDED_NODE_RETRY_MS : 2_000);
  }

  private queueNextSeedNode(): void {
    const seeds = this.config.seedNodes;
    if (seeds.length === 0) return;
    this.addAddrFetch(seeds[this.seedNodeIndex % seeds.length]);
    this.seedNodeIndex++;
  }

  /** Core `AddAddrFetch`: queue a one-shot address-fetching connection. */
  addAddrFetch(text: string): void {
    if (this.addrFetchQueue.length >= MAX_ADDR_FETCH_QUEUE) return;
    this.addrFetchQueue.push(text);
  }

  /** Core `ProcessAddrFetch` plus -seednode top-ups while full-relay peers are few. */
  private processAddrFetch(): void {
    const now = this.clock.now();
    if (this.config.seedNodes.length > 0 && this.config.useAddrmanOutgoing && now >= this.nextSeedNodeAt &&
      now - this.startedAt >= ADD_NEXT_SEEDNODE_MS && this.outboundState().fullRelay < 2) {
      this.nextSeedNodeAt = now + ADD_NEXT_SEEDNODE_MS;
      this.queueNextSeedNode();
    }
    const next = this.addrFetchQueue.shift();
    if (next !== undefined) this.dialManual(next, 'addr-fetch', undefined);
  }

  /** Core: fixed seeds when some reachable network has no addresses, after 60 s or at once if no other source. */
  private maybeAddFixedSeeds(now: number): void {
    if (!this.fixedSeedsPending || !this.config.fixedSeeds || !this.config.useAddrmanOutgoing) return;
    const empty = [...this.config.reachable].filter((n) => this.addrman.size({ network: n }) === 0);
    if (empty.length === 0) {
      this.fixedSeedsPending = false;
      return;
    }
    const noOtherSource = !this.config.dnsSeed && this.config.seedNodes.length === 0 && this.addedNodes.length === 0;
    if (now - this.startedAt <= FIXED_SEEDS_DELAY_MS && !noOtherSource) return;
    this.fixedSeedsPending = false;
    const seeds = convertFixedSeeds(this.network.fixedSeeds, this.clock.nowSeconds(), this.random)
      .filter((r) => empty.includes(r.service.addr.getNetwork()));
    if (seeds.length === 0) {
      this.log.warn('No peers known and no fixed seeds for the reachable networks; waiting for -addnode, -seednode or inbound peers');
      return;
    }
    this.addrman.add(seeds, NetAddress.internal('fixedseeds')); // Core SetInternal("fixedseeds")
    this.log.info(`Added ${seeds.length} fixed seeds from reachable networks.`);
  }

  private async dnsSeeding(): Promise<void> {
    await runDnsSeeding({
      seeds: this.network.dnsSeeds, defaultPort: this.network.defaultPort, resolver: this.resolver, clock: this.clock,
      random: this.random, addrman: this.addrman, log: this.log, signal: this.stopSignal.signal,
      force: this.options.forceDnsSeed ?? false,
      fullOutboundCount: () => this.nodeCount('out', 'outbound-full-relay', true),
      useSeedNodes: this.config.seedNodes.length > 0,
      networkActive: () => this.active,
      useNameProxy: this.config.proxy !== undefined,
      addAddrFetch: (host) => this.addAddrFetch(host),
    });
  }

  /** Core `EvictExtraOutboundPeers`. */
  private evictExtraOutboundPeers(now: number): void {
    const describe = (p: Peer) => ({
      id: p.id, connectedAt: p.connectedAt, lastBlockAnnouncement: this.extras.get(p.id)?.lastBlockTime ?? 0,
      protected: false, blocksInFlight: 0,
      onlyOnItsNetwork: this.peersOnNetwork(p.addr.addr.getNetwork()) <= 1,
    });
    const live = [...this.peersById.values()].filter((p) => !p.isDisconnecting && p.isReady);
    const blockRelay = live.filter((p) => p.connType === 'block-relay-only').map(describe);
    const b = blockRelayPeerToEvict(blockRelay, this.budget.maxBlockRelay, now);
    if (b !== undefined) this.peersById.get(b)?.disconnect('extra block-relay-only peer');
    const full = live.filter((p) => p.connType === 'outbound-full-relay').map(describe);
    const f = fullRelayPeerToEvict(full, this.budget.maxOutboundFullRelay, now);
    if (f !== undefined) {
      this.peersById.get(f)?.disconnect('extra outbound full-relay peer');
      this.tryNewOutboundPeer = false;
    }
  }

  private currentBlockRelayAnchors(): AddressRecord[] {
    const out: AddressRecord[] = [];
    for (const p of this.peersById.values()) {
      if (p.connType === 'block-relay-only' && p.isReady) out.push({ service: p.addr, services: p.remote?.services ?? 0n, time: this.clock.nowSeconds() });
    }
    return out.slice(0, 2);
  }

  private currentServiceAnchors(): AddressRecord[] {
    const out: AddressRecord[] = [];
    for (const req of this.config.requiredServices) {
      for (const p of this.peersById.values()) {
        if (!p.inbound && p.isReady && p.remote && (p.remote.services & req.services) === req.services &&
          !out.some((r) => r.service.equals(p.addr))) {
          out.push({ service: p.addr, services: p.remote.services, time: this.clock.nowSeconds() });
        }
      }
    }
    return out;
  }

  // ---- operator API -------------------------------------------------------------------------

  /** Every current peer. */
  peers(): Peer[] {
    return [...this.peersById.values()];
  }

  /** A peer by id. */
  getPeer(id: number): Peer | undefined {
    return this.peersById.get(id);
  }

  /** Peers connected to exactly this address and port (Core FindNode(CService)). */
  findByService(service: NetService): Peer[] {
    return this.peers().filter((p) => p.addr.equals(service));
  }

  /** Peers at this IP, any port (Core FindNode(CNetAddr)). */
  findByAddress(addr: NetAddress): Peer[] {
    return this.peers().filter((p) => p.addr.addr.equals(addr));
  }

  /** Peers inside a subnet (Core FindNode(CSubNet)). */
  findBySubnet(subnet: Subnet): Peer[] {
    return this.peers().filter((p) => subnet.match(p.addr.addr));
  }

  /** Core `GetNodeCount`: peers by direction, optionally of one type, optionally only those past the handshake. */
  nodeCount(direction: 'in' | 'out' | 'all' = 'all', type?: ConnectionType, readyOnly = false): number {
    return this.peers().filter((p) => !p.isDisconnecting && (direction === 'all' || (direction === 'in') === p.inbound) &&
      (type === undefined || p.connType === type) && (!readyOnly || p.isReady)).length;
  }

  /** Bytes sent and received in total (Core GetTotalBytesSent/Recv). */
  totals(): { bytesSent: number; bytesRecv: number } {
    return { bytesSent: this.bytesSent, bytesRecv: this.bytesRecv };
  }

  /** The upload target state (getnettotals "uploadtarget"). */
  uploadTargetInfo(): { timeframeS: number; target: number; targetReached: boolean; serveHistoricalBlocks: boolean; bytesLeftInCycle: number; timeLeftInCycleS: number } {
    const now = this.clock.now();
    return {
      timeframeS: 24 * 3600,
      target: this.uploadTarget.limitBytes,
      targetReached: this.uploadTarget.reached(false, now),
      serveHistoricalBlocks: !this.uploadTarget.reached(true, now),
      bytesLeftInCycle: this.uploadTarget.bytesLeft(),
      timeLeftInCycleS: Math.floor(this.uploadTarget.timeLeftInCycle(now) / 1000),
    };
  }

  /** True when serving historical blocks would exceed the upload target (Core OutboundTargetReached(true)). */
  outboundTargetReached(historical: boolean): boolean {
    return this.uploadTarget.reached(historical, this.clock.now());
  }

  /** Per-peer statistics (getpeerinfo). */
  peerDetails(): PeerDetails[] {
    return this.peers().map((p) => {
      const x = this.extras.get(p.id)!;
      return {
        ...p.stats(),
        ...this.addrRelay.stats(p.id),
        network: p.addr.addr.getNetClass(),
        mappedAs: this.netgroups.getMappedAS(p.addr.addr),
        keyedNetGroup: x.keyedNetGroup,
        lastBlockTime: x.lastBlockTime,
        lastTxTime: x.lastTxTime,
      };
    });
  }

  /** Core setnetworkactive: off disconnects everyone and stops dialing and accepting. */
  setNetworkActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    this.log.info(`SetNetworkActive: ${active}`);
    if (!active) for (const p of this.peers()) p.disconnect('network disabled');
  }

  /** Core addnode "add": throws PeerManagerError ERR_NODE_ALREADY_ADDED. */
  addNode(text: string): void {
    const key = text.trim();
    if (this.addedNodes.includes(key)) throw new PeerManagerError('ERR_NODE_ALREADY_ADDED', 'Error: Node already added');
    if (this.addedNodes.length >= MAX_ADDED_NODES) throw new PeerManagerError('ERR_ADDED_NODES_FULL', `Error: at most ${MAX_ADDED_NODES} added nodes`);
    this.addedNodes.push(key);
    this.nextAddedNodeCheckAt = 0;
  }

  /** Core addnode "remove": throws ERR_NODE_NOT_ADDED. */
  removeNode(text: string): void {
    const i = this.addedNodes.indexOf(text.trim());
    if (i < 0) throw new PeerManagerError('ERR_NODE_NOT_ADDED', 'Error: Node could not be removed. It has not been added previously.');
    this.addedNodes.splice(i, 1);
  }

  /** Core getaddednodeinfo. */
  addedNodeInfo(text?: string): AddedNodeInfo[] {
    const list = text === undefined ? this.addedNodes : this.addedNodes.filter((n) => n === text.trim());
    if (text !== undefined && list.length === 0) throw new PeerManagerError('ERR_NODE_NOT_ADDED', 'Error: Node has not been added.');
    return list.map((n) => {
      const peers = [...this.extras.entries()].filter(([, x]) => x.manualKey === `addnode:${n}`).map(([id]) => this.peersById.get(id)!)
        .filter((p) => p && !p.isDisconnecting);
      let match = peers;
      if (match.length === 0) {
        try {
          const s = NetService.parse(n, this.network.defaultPort);
          match = this.findByService(s);
        } catch {
          match = [];
        }
      }
      return {
        addednode: n,
        connected: match.length > 0,
        addresses: match.map((p) => ({ address: p.addr.toString(), connected: p.inbound ? 'inbound' as const : 'outbound' as const })),
      };
    });
  }

  /** The -addnode list. */
  get addedNodeList(): readonly string[] {
    return this.addedNodes;
  }

  /** Core addnode "onetry": one manual connection, not retried, failures not counted. */
  connectOnce(text: string): void {
    this.dialManual(text, 'manual', `onetry:${text}`);
  }

  /**
   * Opens a connection of any type to an address right away (Core's test-only addconnection), bypassing
   * the automatic loop. Resolves true when the connection is established.
   */
  openConnection(target: NetService, connType: Exclude<ConnectionType, 'inbound'>): Promise<boolean> {
    return new Promise((resolve) => {
      this.dial(target, connType, { countFailure: false, manualKey: connType === 'manual' ? `onetry:${target}` : undefined, onDone: resolve });
    });
  }

  /** Core disconnectnode: by id, by address text, or every peer in a subnet. Returns how many. */
  disconnect(target: DisconnectTarget, reason = 'disconnected by operator'): number {
    let peers: Peer[];
    if ('id' in target) peers = this.peersById.has(target.id) ? [this.peersById.get(target.id)!] : [];
    else if ('subnet' in target) peers = this.findBySubnet(target.subnet);
    else peers = this.peers().filter((p) => p.addrName === target.address || p.addr.toString() === target.address);
    for (const p of peers) p.disconnect(reason);
    return peers.length;
  }

  /** Core setban add: bans and disconnects every matching peer. */
  ban(subnet: Subnet, options: BanOptions = {}): BanEntry {
    if (options.absolute && (options.time ?? 0) <= this.clock.nowSeconds()) {
      throw new PeerManagerError('ERR_BAN_PAST', 'Error: Absolute timestamp is in the past');
    }
    if (this.banman.isSubnetBanned(subnet)) throw new PeerManagerError('ERR_ALREADY_BANNED', 'Error: IP/Subnet already banned');
    const entry = this.banman.ban(subnet, options);
    this.counters.bansAdded++;
    for (const p of this.findBySubnet(subnet)) p.disconnect('banned');
    return entry;
  }

  /** Core setban remove. */
  unban(subnet: Subnet): void {
    if (!this.banman.unban(subnet)) {
      throw new PeerManagerError('ERR_NOT_BANNED', 'Error: Unban failed. Requested address/subnet was not previously manually banned.');
    }
  }

  /** Core listbanned. */
  listBanned(): BanEntry[] {
    return this.banman.list();
  }

  /** Core clearbanned. */
  clearBanned(): void {
    this.banman.clear();
  }

  /** Sends a message to a peer; false if it is unknown or disconnecting. */
  send(peerId: number, message: Message): boolean {
    return this.peersById.get(peerId)?.send(message) ?? false;
  }

  /** Queues a ping to every peer (Core RPC ping). */
  pingAll(): void {
    for (const p of this.peersById.values()) p.queuePing();
  }

  /** Announces inventory to peers that do not know it (trickled). Returns the number of peers queued for. */
  announce(entries: readonly InvEntry[]): number {
    return this.invRelay.announce(entries);
  }

  /** The application's tip looks stale: open one extra full-relay peer (Core SetTryNewOutboundPeer). */
  signalStaleTip(stale = true): void {
    this.tryNewOutboundPeer = stale;
  }

  /** The application finished initial sync: start rotating extra block-relay peers; self-advertise. */
  setInitialSyncComplete(done = true): void {
    this.initialSyncDone = done;
    this.inIbd = !done;
  }

  /** Records that a peer sent us a new block (eviction protection and surplus trimming use it). */
  markBlockFrom(peerId: number): void {
    const x = this.extras.get(peerId);
    if (x) x.lastBlockTime = this.clock.nowSeconds();
  }

  /** Records that a peer sent us a new transaction (eviction protection uses it). */
  markTransactionFrom(peerId: number): void {
    const x = this.extras.get(peerId);
    if (x) x.lastTxTime = this.clock.nowSeconds();
  }

  /** Writes peers.dat and banlist.json now (the daemon also does this every 15 min). */
  async flush(): Promise<void> {
    if (!this.datadir) return;
    await this.datadir.saveAddrMan(this.addrman, this.options.peersDatFormat ?? 4);
    await this.datadir.saveBanlist(this.banman.list());
  }

  /** The data directory path, if any. */
  get dataDir(): string | undefined {
    return this.datadir?.dir;
  }

  /** Path of a data file. */
  dataFile(name: string): string | undefined {
    return this.datadir ? path.join(this.datadir.dir, name) : undefined;
  }

  /** Throws ConfigError if options are invalid, without constructing (for the daemon's config check). */
  static validate(options: PeerManagerOptions): void {
    resolveConfig(options);
  }
}

export { ConfigError };
