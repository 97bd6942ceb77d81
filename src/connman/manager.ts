/**
 * `PeerManager`: the connection manager (Core's `CConnman` plus the connection-level parts of
 * `PeerManagerImpl`) as a thin shell over components. It wires them together, owns the start/stop
 * order, runs one maintenance loop on the injected clock (every 500 ms, like Core's
 * `ThreadOpenConnections` sleep) that calls each component, and answers the operator and application
 * API by delegating. The components, each in its own file:
 *
 * - registry.ts — one record per live peer, dials in flight, nonces, lookups and counts;
 * - peer-lifecycle.ts — the one place a `Peer` is built, and the routing of its events;
 * - dialer.ts — every outbound connection, its checks and failure accounting;
 * - inbound.ts — listeners, the accept decision and eviction;
 * - outbound.ts — automatic outbound connections, anchors, surplus trimming;
 * - manual.ts — -connect, -addnode, onetry, addr-fetch, seed nodes, DNS and fixed seeds;
 * - persistence.ts — the data directory: load, periodic dumps, stop-time writes;
 * - protocols/ — plug-ins for address and inventory relay (protocol.ts is their interface);
 * - policy/ — the pure decisions all of these consult.
 *
 * `stop()` shuts down in a fixed order: stop accepting and dialing, remember the block-relay-only
 * peers as anchors, flush and close every peer, write anchors.dat, peers.dat and banlist.json, and
 * release the listeners — leaving no timer or socket behind.
 */
import path from 'node:path';
import { NetGroupManager } from '../address/netgroup.js';
import { Net, type NetId } from '../address/network.js';
import type { AddressRecord } from '../address/record.js';
import type { NetService } from '../address/service.js';
import type { Subnet } from '../address/subnet.js';
import { AddrMan, type AddrManOptions } from '../addrman/addrman.js';
import type { BanEntry } from '../addrman/banlist.js';
import type { LocalNodeInfo, Peer } from '../peer/peer.js';
import type { ConnectionType } from '../peer/types.js';
import { RoutingTransport } from '../transport/router.js';
import { Socks5Transport } from '../transport/socks5.js';
import { TcpTransport } from '../transport/tcp.js';
import type { Transport } from '../transport/transport.js';
import { AbortError, SystemClock, type Clock, type Timer } from '../util/clock.js';
import { ArgumentError } from '../util/errors.js';
import { TypedEmitter } from '../util/events.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { ChaChaRandom, type Random } from '../util/random.js';
import { systemResolver } from '../util/resolver.js';
import type { InvEntry } from '../wire/inventory.js';
import type { Message } from '../wire/messages.js';
import { mayHaveUsefulAddressDB } from '../wire/services.js';
import { DEFAULT_USER_AGENT } from '../wire/user-agent.js';
import { PROTOCOL_VERSION } from '../wire/version.js';
import { BanMan, type BanOptions } from './banman.js';
import { DataDirectory } from './datadir.js';
import { Dialer, type DialResult } from './dialer.js';
import { Inbound } from './inbound.js';
import { LocalAddresses, LocalScore } from './local-addresses.js';
import { ManualConnections } from './manual.js';
import { ConfigError, resolveConfig, type PeerManagerOptions, type ResolvedConfig } from './options.js';
import { AutomaticOutbound } from './outbound.js';
import { PeerLifecycle } from './peer-lifecycle.js';
import { Persistence } from './persistence.js';
import { slotBudget, hasDesirableServices, type SlotBudget } from './policy/outbound.js';
import { resolvePermissions } from './policy/permissions.js';
import type { ProtocolHost, ProtocolPlugin } from './protocol.js';
import { AddrRelay } from './protocols/addr-relay.js';
import { InventoryRelay } from './protocols/inv-relay.js';
import { PeerRegistry } from './registry.js';
import { Schedule } from './schedule.js';
import { BackgroundTasks } from './tasks.js';
import { Traffic, type UploadTargetInfo } from './traffic.js';
import {
  newCounters, peerInfo, PeerManagerError, type AddedNodeInfo, type DisconnectTarget, type ManagerCounters, type PeerDetails,
  type PeerInfo, type PeerManagerEvents,
} from './types.js';

/** The maintenance loop period (Core ThreadOpenConnections sleeps 500 ms between attempts), ms. */
export const TICK_INTERVAL_MS = 500;
/** Grace period for peers to flush before `stop()` destroys their sockets, ms. */
export const STOP_FLUSH_MS = 2_000;
export { DEFAULT_USER_AGENT };

/** Options of `PeerManager.connect`. */
export interface PeerConnectOptions {
  /** Aborts the dial or the handshake (the connection is then closed). */
  signal?: AbortSignal;
}

/** Options of `PeerManager.getAddr` (Core RPC getnodeaddresses). */
export interface GetAddressesOptions {
  /** At most this many addresses (default 1, as Core's RPC; 0 = every address). */
  count?: number;
  /** Only this network class. */
  network?: NetId;
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
  /** Cumulative counters (metrics). */
  readonly counters: ManagerCounters = newCounters();

  private readonly options: PeerManagerOptions;
  private readonly config: ResolvedConfig;
  private readonly random: Random;
  private readonly log: Logger;
  private readonly datadir: DataDirectory | undefined;
  private table: AddrMan;
  private readonly registry = new PeerRegistry();
  private readonly schedule = new Schedule();
  private readonly tasks: BackgroundTasks;
  private readonly stopSignal = new AbortController();
  private readonly traffic: Traffic;
  private readonly lifecycle: PeerLifecycle;
  private readonly dialer: Dialer;
  private readonly inbound: Inbound;
  private readonly outbound: AutomaticOutbound;
  private readonly manual: ManualConnections;
  private readonly persistence: Persistence;
  private readonly plugins: ProtocolPlugin[] = [];
  private readonly invRelay: InventoryRelay;
  private readonly addrRelay: AddrRelay;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private tickTimer: Timer | undefined;
  private active: boolean;
  private startedAt = 0;
  private inIbd = false;
  private stopPromise: Promise<void> | undefined;

  /** @param options see `PeerManagerOptions`; throws `ConfigError` for bad values. */
  constructor(options: PeerManagerOptions) {
    super();
    this.options = options;
    this.network = options.network;
    const config = this.config = resolveConfig(options);
    const clock = this.clock = options.clock ?? new SystemClock();
    const random = this.random = options.random ?? ChaChaRandom.secure();
    const log = this.log = options.logger ?? silentLogger;
    this.netgroups = new NetGroupManager(options.asmap);
    this.budget = slotBudget(config.maxConnections);
    this.active = options.networkActive ?? true;
    const seed0 = random.rand64();
    const seed1 = random.rand64();
    const transport = options.transport ?? this.defaultTransport();
    this.datadir = options.dataDir ? new DataDirectory(options.dataDir, options.network.magic, log) : undefined;
    this.banman = new BanMan(clock, random.derive(), { defaultBanTime: options.banTime, onChange: () => this.persistence.markBansDirty() });
    this.table = new AddrMan(this.addrmanOptions());
    this.tasks = new BackgroundTasks(log);
    this.traffic = new Traffic(clock, this.counters, options.maxUploadTarget ?? 0);
    for (const s of config.externalIps) this.localAddresses.add(s, LocalScore.MANUAL);
    const { registry, schedule, banman, counters, localAddresses } = this;
    const addrman = (): AddrMan => this.table;
    const track = (task: Promise<unknown>): void => this.tasks.track(task);
    const desirable = (s: bigint): boolean => this.hasDesirableServices(s);
    this.lifecycle = new PeerLifecycle({
      clock, random, log, magic: options.network.magic, registry, counters, netgroups: this.netgroups, seed0, seed1, addrman, banman,
      localAddresses, protocols: this.plugins, localInfo: () => this.localInfo(), peerLimits: options.peerLimits,
      hasDesirableServices: desirable, viaProxy: config.proxy !== undefined, traffic: this.traffic,
      emit: (event, ...args) => this.emit(event, ...args),
    });
    const createPeer = this.lifecycle.create.bind(this.lifecycle);
    this.dialer = new Dialer({
      clock, log, transport, registry, banman, localAddresses, counters, addrman, track, createPeer,
      canDial: () => this.state === 'running' && this.active, stopping: () => this.stopSignal.signal.aborted,
      running: () => this.state === 'running', connectTimeoutMs: options.connectTimeoutMs,
      permissionsFor: (addr) => this.permissions(0, addr, true), connectionLayer: options.connectionLayer,
      onFailed: (target, connType, error) => this.emit('connect:failed', target, connType, error.message, error),
    });
    this.inbound = new Inbound({
      clock, log, transport, registry, banman, counters, localAddresses, budget: this.budget, binds: config.binds,
      whitebinds: config.whitebinds, running: () => this.state === 'running', networkActive: () => this.active,
      permissionsFor: (flags, remote) => this.permissions(flags, remote.addr, false), hasDesirableServices: desirable,
      gate: options.inboundGate, connectionLayer: options.connectionLayer, createPeer, track,
    });
    this.manual = new ManualConnections({
      clock, random, log, network: options.network, registry, dialer: this.dialer, schedule, transport,
      resolver: options.resolver ?? systemResolver, config, forceDnsSeed: options.forceDnsSeed ?? false,
      maxAddnode: this.budget.maxAddnode, addrman, networkActive: () => this.active, startedAtMs: () => this.startedAt,
      fullRelayCount: () => this.outbound.state().fullRelay, stopSignal: this.stopSignal.signal, track,
    });
    this.outbound = new AutomaticOutbound({
      clock, random, registry, dialer: this.dialer, schedule, budget: this.budget, netgroups: this.netgroups, localAddresses,
      addrman, reachable: config.reachable, requiredServices: config.requiredServices,
      isAddedNode: (s) => this.manual.isAddedNode(s), hasDesirableServices: desirable,
      strictPorts: options.strictPorts, defaultPort: options.network.defaultPort,
    });
    this.persistence = new Persistence({
      datadir: this.datadir, peersDatFormat: options.peersDatFormat ?? 4, banman, log, schedule, addrman, track,
    });
    this.addrRelay = new AddrRelay({
      clock, random, addrman, banman, seed0, seed1, reachable: () => config.reachable, peers: () => registry.records(),
      listening: () => this.inbound.listening, inInitialBlockDownload: () => this.inIbd,
      localAddressFor: (peer) => localAddresses.forPeer(peer, this.inbound.firstPort ?? options.network.defaultPort, config.reachable),
      ourServices: () => config.services, isUsefulServices: (s) => mayHaveUsefulAddressDB(s) || desirable(s),
      onAccepted: (records, peer) => this.emit('addr:new', records, peerInfo(peer)),
      onCounted: (processed, rateLimited) => {
        counters.addrProcessed += processed;
        counters.addrRateLimited += rateLimited;
      },
    });
    this.invRelay = new InventoryRelay(random, () => registry.records());
    const host: ProtocolHost = { clock, random, log, registry, dialer: this.dialer, addrman };
    this.plugins.push(this.addrRelay, this.invRelay, ...(options.protocols ?? []).map((make) => make(host)));
  }

  private addrmanOptions(): AddrManOptions {
    // TODO(merge restructure-addrman): add `isBanned: (addr) => this.banman.isBanned(addr)` once AddrMan has the option.
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

  private hasDesirableServices(services: bigint): boolean {
    const wanted = this.options.desirableServices;
    return hasDesirableServices(services, wanted, wanted !== undefined ? 0 : this.options.bestBlockDepth?.() ?? Number.MAX_SAFE_INTEGER);
  }

  private permissions(flags: number, addr: NetService['addr'], outbound: boolean): number {
    return resolvePermissions(flags, addr, outbound, this.config.whitelist, {
      whitelistRelay: this.options.whitelistRelay, whitelistForceRelay: this.options.whitelistForceRelay,
    });
  }

  private localInfo(): LocalNodeInfo {
    return {
      protocolVersion: PROTOCOL_VERSION, services: this.config.services, userAgent: this.userAgent,
      startHeight: this.options.startHeight ?? (() => 0), relayTxs: !this.blocksOnly,
    };
  }

  // ---- accessors ----------------------------------------------------------------------------

  /** The address table. */
  get addrman(): AddrMan { return this.table; }
  /** True between a successful `start()` and `stop()`. */
  get running(): boolean { return this.state === 'running'; }
  /** Networks we can reach. */
  get reachableNetworks(): ReadonlySet<NetId> { return this.config.reachable; }
  /** Our service flags (Core GetLocalServices). */
  get localServices(): bigint { return this.config.services; }
  /** Whether networking is on (Core GetNetworkActive). */
  get networkActive(): boolean { return this.active; }
  /** Bound listener addresses. */
  get listenAddresses(): NetService[] { return this.inbound.addresses; }
  /** When start() completed (ms), 0 before. */
  get startTime(): number { return this.startedAt; }
  /** The user agent we send in `version` (getnetworkinfo "subversion"). */
  get userAgent(): string { return this.options.userAgent ?? DEFAULT_USER_AGENT; }
  /** True in blocks-only mode: peers are asked not to relay transactions (getnetworkinfo "localrelay" is its negation). */
  get blocksOnly(): boolean { return this.options.blocksOnly ?? false; }
  /** The protocol plug-ins, in the order they see messages (address relay, inventory relay, then the application's). */
  get protocols(): readonly ProtocolPlugin[] { return this.plugins; }
  /** The -addnode list. */
  get addedNodeList(): readonly string[] { return this.manual.addedNodeList; }
  /** The data directory path, if any. */
  get dataDir(): string | undefined { return this.datadir?.dir; }

  /**
   * The SOCKS5 proxy connections to `net` go through, as configured (Core GetProxy; getnetworkinfo
   * "networks"), or undefined when that network is dialed directly or not at all.
   */
  proxyFor(net: NetId): { proxy: NetService; randomizeCredentials: boolean } | undefined {
    const c = this.config;
    const proxy = net === Net.IPV4 || net === Net.IPV6 ? c.proxy : net === Net.ONION ? c.onion ?? c.proxy : net === Net.I2P ? c.i2pProxy : undefined;
    return proxy ? { proxy, randomizeCredentials: this.options.proxyRandomize ?? true } : undefined;
  }

  /** Path of a data file. */
  dataFile(name: string): string | undefined {
    return this.datadir ? path.join(this.datadir.dir, name) : undefined;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Loads the data directory, binds listeners and starts connecting. Idempotent. */
  async start(): Promise<void> {
    if (this.state === 'running' || this.state === 'starting') return;
    if (this.state !== 'new') throw new PeerManagerError('ERR_PEER_MANAGER', 'a stopped PeerManager cannot be restarted; create a new one');
    this.state = 'starting';
    try {
      const loaded = await this.persistence.load(() => this.addrmanOptions(), this.config.useAddrmanOutgoing);
      if (loaded.addrman) this.table = loaded.addrman;
      this.outbound.setAnchors(loaded.anchors, loaded.serviceAnchors);
      await this.inbound.bind();
    } catch (e) {
      await this.inbound.close();
      this.state = 'new';
      throw e;
    }
    const now = this.clock.now();
    this.startedAt = now;
    this.outbound.start(now);
    this.persistence.start(now);
    this.state = 'running';
    this.manual.start();
    this.log.info(`PeerManager started on ${this.network.name}`, { listen: this.listenAddresses.map(String), addresses: this.table.size() });
    this.scheduleTick(0);
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
    this.registry.abortPending();
    await this.inbound.close();
    const automatic = this.config.useAddrmanOutgoing;
    // Core dumps anchors only when it makes automatic connections (m_use_addrman_outgoing).
    const anchors = automatic ? { blockRelay: this.outbound.currentBlockRelayAnchors(), service: this.outbound.currentServiceAnchors() } : undefined;
    const peers = this.registry.peers();
    for (const peer of peers) peer.disconnect('shutdown');
    await this.settleWithin(Promise.all(peers.map((p) => p.closed)), STOP_FLUSH_MS);
    for (const peer of peers) peer.destroy();
    await Promise.all(peers.map((p) => p.closed));
    await this.tasks.settled();
    if (wasRunning) await this.persistence.writeAtStop(anchors);
    this.state = 'stopped';
    this.log.info('PeerManager stopped');
  }

  private async settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
    let timer: Timer | undefined;
    await Promise.race([p, new Promise<void>((resolve) => { timer = this.clock.setTimeout(resolve, ms); })]);
    timer?.cancel();
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

  /** One pass of the maintenance loop: peer timers, connections, protocol plug-ins, trimming, dumps. */
  private tick(): void {
    const now = this.clock.now();
    for (const record of this.registry.records()) record.peer.tick();
    if (this.active) {
      this.manual.maybeAddFixedSeeds(now);
      this.manual.processAddrFetch(now);
      if (this.config.useAddrmanOutgoing) this.outbound.tick(now);
      else this.manual.openConnectList(now);
      this.manual.openAddedNodes(now);
    }
    for (const p of this.plugins) p.tick?.(this.clock.now());
    this.outbound.evictExtraPeersIfDue(now);
    this.persistence.tick(now);
  }

  // ---- peers --------------------------------------------------------------------------------

  /** Every current peer (live objects: for the application; operators read `peerDetails()`). */
  peers(): Peer[] { return this.registry.peers(); }
  /** A peer by id. */
  getPeer(id: number): Peer | undefined { return this.registry.get(id)?.peer; }
  /** Peers connected to exactly this address and port (Core FindNode(CService)). */
  findByService(service: NetService): Peer[] { return this.registry.findByService(service); }
  /** Peers at this IP, any port (Core FindNode(CNetAddr)). */
  findByAddress(addr: NetService['addr']): Peer[] { return this.registry.findByAddress(addr); }
  /** Peers inside a subnet (Core FindNode(CSubNet)). */
  findBySubnet(subnet: Subnet): Peer[] { return this.registry.findBySubnet(subnet); }

  /** Core `GetNodeCount`: peers by direction, optionally of one type, optionally only those past the handshake. */
  nodeCount(direction: 'in' | 'out' | 'all' = 'all', type?: ConnectionType, readyOnly = false): number {
    return this.registry.nodeCount(direction, type, readyOnly);
  }

  /** A snapshot of every peer (getpeerinfo): plain data, units in the field names. */
  peerDetails(): PeerDetails[] {
    const out: PeerDetails[] = [];
    for (const r of this.registry.records()) {
      const { connectedAt, lastSend, lastRecv, ...stats } = r.peer.stats();
      out.push({
        ...stats, connectedAtMs: connectedAt, lastSendMs: lastSend, lastRecvMs: lastRecv, disconnecting: r.peer.isDisconnecting,
        ...this.addrRelay.stats(r), network: r.peer.addr.addr.getNetClass(), mappedAs: this.netgroups.getMappedAS(r.peer.addr.addr),
        keyedNetGroup: r.keyedNetGroup, lastBlockS: r.lastBlockS, lastTxS: r.lastTxS,
      });
    }
    return out;
  }

  /** Bytes sent and received in total (Core GetTotalBytesSent/Recv). */
  totals(): { bytesSent: number; bytesRecv: number } { return this.traffic.totals(); }
  /** The upload target state (getnettotals "uploadtarget"). */
  uploadTargetInfo(): UploadTargetInfo { return this.traffic.uploadTargetInfo(); }
  /** True when serving historical blocks would exceed the upload target (Core OutboundTargetReached(true)). */
  outboundTargetReached(historical: boolean): boolean { return this.traffic.outboundTargetReached(historical); }

  // ---- connections --------------------------------------------------------------------------

  /**
   * Connects to `target` (an address, or `host[:port]` text resolved like -addnode) as a manual peer
   * and resolves with its info once the handshake completes. Rejects with a `ConnectError` —
   * refused (`ERR_NETWORK_INACTIVE`, `ERR_OWN_ADDRESS`, `ERR_ALREADY_CONNECTED`,
   * `ERR_CONNECT_UNREACHABLE` when no address is reachable), the dial failed (`ERR_CONNECT_*`), or the
   * connection closed before the handshake (`ERR_HANDSHAKE_FAILED`) — or an `AbortError` when
   * `options.signal` aborts (the connection is then closed).
   */
  async connect(target: NetService | string, options: PeerConnectOptions = {}): Promise<PeerInfo> {
    const { signal } = options;
    if (signal?.aborted) throw new AbortError(`connect to ${target} aborted`);
    const text = typeof target === 'string' ? target : target.toString();
    const req = { connType: 'manual' as const, countFailure: false, manual: { kind: 'onetry' as const, target: text }, signal };
    const result: DialResult = typeof target === 'string'
      ? await this.manual.dialName(target, { ...req, addrName: target })
      : await this.dialer.dial({ ...req, target });
    if (!result.ok) throw signal?.aborted ? new AbortError(`connect to ${target} aborted`) : result.error;
    return this.lifecycle.whenReady(result.record, signal);
  }

  /**
   * Opens a connection of any type to an address right away (Core's test-only addconnection), bypassing
   * the automatic loop. Resolves true when the connection is established (before its handshake).
   */
  async openConnection(target: NetService, connType: Exclude<ConnectionType, 'inbound'>): Promise<boolean> {
    const manual = connType === 'manual' ? { kind: 'onetry' as const, target: target.toString() } : undefined;
    return (await this.dialer.dial({ target, connType, countFailure: false, manual })).ok;
  }

  /** Core addnode "onetry": one manual connection, not retried, failures not counted. */
  connectOnce(text: string): void { this.manual.connectOnce(text); }
  /** Core addnode "add": throws PeerManagerError ERR_NODE_ALREADY_ADDED (or ERR_ADDED_NODES_FULL). */
  addNode(text: string): void { this.manual.addNode(text); }
  /** Core addnode "remove": throws ERR_NODE_NOT_ADDED. */
  removeNode(text: string): void { this.manual.removeNode(text); }
  /** Core getaddednodeinfo. */
  addedNodeInfo(text?: string): AddedNodeInfo[] { return this.manual.addedNodeInfo(text); }
  /** Core `AddAddrFetch`: queue a one-shot address-fetching connection. */
  addAddrFetch(text: string): void { this.manual.addAddrFetch(text); }

  /** Core disconnectnode: by id, by address text, or every peer in a subnet. Returns how many. */
  disconnect(target: DisconnectTarget, reason = 'disconnected by operator'): number {
    let peers: Peer[];
    if ('id' in target) peers = this.registry.get(target.id) ? [this.registry.get(target.id)!.peer] : [];
    else if ('subnet' in target) peers = this.findBySubnet(target.subnet);
    else peers = this.peers().filter((p) => p.addrName === target.address || p.addr.toString() === target.address);
    for (const p of peers) p.disconnect(reason);
    return peers.length;
  }

  /** Core setnetworkactive: off disconnects everyone and stops dialing and accepting. */
  setNetworkActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    this.log.info(`SetNetworkActive: ${active}`);
    if (!active) for (const p of this.peers()) p.disconnect('network disabled');
  }

  // ---- bans ---------------------------------------------------------------------------------

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
  listBanned(): BanEntry[] { return this.banman.list(); }
  /** Core clearbanned. */
  clearBanned(): void { this.banman.clear(); }

  // ---- application --------------------------------------------------------------------------

  /**
   * Sends a message to a peer. Returns false when the peer is disconnecting (or the message overflowed
   * its send buffer, which disconnects it); throws `PeerManagerError` ERR_UNKNOWN_PEER for an id that
   * is not (or no longer) connected.
   */
  send(peerId: number, message: Message): boolean {
    const record = this.registry.get(peerId);
    if (!record) throw new PeerManagerError('ERR_UNKNOWN_PEER', `no peer with id ${peerId}`);
    return record.peer.send(message);
  }

  /** Queues a ping to every peer (Core RPC ping). */
  pingAll(): void { for (const p of this.peers()) p.queuePing(); }
  /** Announces inventory to peers that do not know it (trickled). Returns the number of peers queued for. */
  announce(entries: readonly InvEntry[]): number { return this.invRelay.announce(entries); }
  /** The application's tip looks stale: open one extra full-relay peer (Core SetTryNewOutboundPeer). */
  signalStaleTip(stale = true): void { this.outbound.signalStaleTip(stale); }

  /** The application finished initial sync: start rotating extra block-relay peers; self-advertise. */
  setInitialSyncComplete(done = true): void {
    this.outbound.setInitialSyncComplete(done);
    this.inIbd = !done;
  }

  /** Records that a peer sent us a new block (eviction protection and surplus trimming use it). */
  markBlockFrom(peerId: number): void {
    const r = this.registry.get(peerId);
    if (r) r.lastBlockS = this.clock.nowSeconds();
  }

  /** Records that a peer sent us a new transaction (eviction protection uses it). */
  markTransactionFrom(peerId: number): void {
    const r = this.registry.get(peerId);
    if (r) r.lastTxS = this.clock.nowSeconds();
  }

  /**
   * Core RPC getnodeaddresses (`CConnman::GetAddresses`): up to `count` addresses of good quality
   * (default 1, as the RPC; 0 = all), optionally of one network, without banned or discouraged ones.
   * Throws `ArgumentError` for a negative or fractional count.
   */
  getAddr(options: GetAddressesOptions = {}): AddressRecord[] {
    const count = options.count ?? 1;
    if (!Number.isInteger(count) || count < 0) throw new ArgumentError(`count must be a non-negative integer, got ${count}`);
    return this.table.getAddr({ maxAddresses: count, maxPct: 0, network: options.network, filtered: true })
      .filter((r) => !this.banman.isDiscouraged(r.service.addr) && !this.banman.isBanned(r.service.addr));
  }

  /** Writes peers.dat and banlist.json now (the daemon also does this every 15 min). */
  async flush(): Promise<void> {
    await this.persistence.savePeers();
    await this.persistence.saveBans();
  }

  /** Throws ConfigError if options are invalid, without constructing (for the daemon's config check). */
  static validate(options: PeerManagerOptions): void {
    resolveConfig(options);
  }
}

export { ConfigError };
