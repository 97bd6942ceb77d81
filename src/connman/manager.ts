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
import type { NetGroupManager } from '../address/netgroup.js';
import type { NetId } from '../address/network.js';
import type { AddressRecord } from '../address/record.js';
import type { NetService } from '../address/service.js';
import type { Subnet } from '../address/subnet.js';
import type { AddrMan } from '../addrman/addrman.js';
import type { BanEntry } from '../addrman/banlist.js';
import type { Peer } from '../peer/peer.js';
import type { ConnectionType } from '../peer/types.js';
import { AbortError, type Clock, type Timer } from '../util/clock.js';
import { ArgumentError } from '../util/errors.js';
import { TypedEmitter } from '../util/events.js';
import type { InvEntry } from '../wire/inventory.js';
import type { Message } from '../wire/messages.js';
import { DEFAULT_USER_AGENT } from '../wire/user-agent.js';
import { assemble, proxyFor, RunState, type Components } from './assemble.js';
import type { BanMan, BanOptions } from './banman.js';
import type { DialResult } from './dialer.js';
import type { LocalAddresses } from './local-addresses.js';
import { ConfigError, resolveConfig, type PeerManagerOptions } from './options.js';
import type { SlotBudget } from './policy/outbound.js';
import type { ProtocolPlugin } from './protocol.js';
import { v2Enabled } from './policy/transport.js';
import { peerDetails } from './registry.js';
import type { UploadTargetInfo } from './traffic.js';
import {
  PeerManagerError, type AddedNodeInfo, type DisconnectTarget, type ManagerCounters, type PeerDetails, type PeerInfo,
  type PeerManagerEvents,
} from './types.js';

/** `promise`, or a rejection with AbortError as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError('connect aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v); }, reject);
  });
}

/** The maintenance loop period (Core ThreadOpenConnections sleeps 500 ms between attempts), ms. */
export const TICK_INTERVAL_MS = 500;
/** Grace period for peers to flush before `stop()` destroys their sockets, ms. */
export const STOP_FLUSH_MS = 2_000;
export { DEFAULT_USER_AGENT };

/** Options of `PeerManager.connect`. */
export interface PeerConnectOptions {
  /** Aborts the dial or the handshake (the connection is then closed). */
  signal?: AbortSignal;
  /** Try BIP324 v2 first (default: the manager's `v2transport`); a v1-only node is retried once with v1. */
  v2transport?: boolean;
}

/** Options of the operator's manual connections (Core RPC addnode's `v2transport` argument). */
export interface ManualConnectOptions {
  /** Try BIP324 v2 first (default: the manager's `v2transport`; ignored when BIP324 is disabled). */
  v2transport?: boolean;
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
  readonly localAddresses: LocalAddresses;
  /** Network groups (asmap-aware). */
  readonly netgroups: NetGroupManager;
  /** Cumulative counters (metrics). */
  readonly counters: ManagerCounters;

  private readonly options: PeerManagerOptions;
  private readonly run: RunState;
  private readonly c: Components;
  private tickTimer: Timer | undefined;
  private stopPromise: Promise<void> | undefined;

  /** @param options see `PeerManagerOptions`; throws `ConfigError` for bad values. */
  constructor(options: PeerManagerOptions) {
    super();
    this.options = options;
    this.network = options.network;
    this.run = new RunState(options.networkActive ?? true);
    const c = this.c = assemble(options, this.run, (event, ...args) => this.emit(event, ...args));
    this.clock = c.clock;
    this.banman = c.banman;
    this.budget = c.budget;
    this.localAddresses = c.localAddresses;
    this.netgroups = c.netgroups;
    this.counters = c.counters;
  }

  // ---- accessors ----------------------------------------------------------------------------

  /** The address table. */
  get addrman(): AddrMan { return this.c.table.current; }
  /** True between a successful `start()` and `stop()`. */
  get running(): boolean { return this.run.running; }
  /** Networks we can reach. */
  get reachableNetworks(): ReadonlySet<NetId> { return this.c.config.reachable; }
  /** Our service flags (Core GetLocalServices). */
  get localServices(): bigint { return this.c.config.services; }
  /** BIP324 is enabled (Core -v2transport): NODE_P2P_V2 is among our services. */
  get v2transport(): boolean { return v2Enabled(this.c.config.services); }
  /** Whether networking is on (Core GetNetworkActive). */
  get networkActive(): boolean { return this.run.networkActive; }
  /** Bound listener addresses. */
  get listenAddresses(): NetService[] { return this.c.inbound.addresses; }
  /** When start() completed (ms), 0 before. */
  get startTime(): number { return this.run.startedAtMs; }
  /** The user agent we send in `version` (getnetworkinfo "subversion"). */
  get userAgent(): string { return this.options.userAgent ?? DEFAULT_USER_AGENT; }
  /** True in blocks-only mode: peers are asked not to relay transactions (getnetworkinfo "localrelay" is its negation). */
  get blocksOnly(): boolean { return this.options.blocksOnly ?? false; }
  /** The protocol plug-ins, in the order they see messages (address relay, inventory relay, then the application's). */
  get protocols(): readonly ProtocolPlugin[] { return this.c.plugins; }
  /** The -addnode list. */
  get addedNodeList(): readonly string[] { return this.c.manual.addedNodeList; }
  /** The data directory path, if any. */
  get dataDir(): string | undefined { return this.c.datadir?.dir; }

  /** The SOCKS5 proxy connections to `net` go through (Core GetProxy; getnetworkinfo "networks"), if any. */
  proxyFor(net: NetId): { proxy: NetService; randomizeCredentials: boolean } | undefined {
    return proxyFor(this.c.config, net, this.options.proxyRandomize ?? true);
  }

  /** Path of a data file. */
  dataFile(name: string): string | undefined {
    return this.c.datadir ? path.join(this.c.datadir.dir, name) : undefined;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Loads the data directory, binds listeners and starts connecting. Idempotent. */
  async start(): Promise<void> {
    if (this.run.phase === 'running' || this.run.phase === 'starting') return;
    if (this.run.phase !== 'new') throw new PeerManagerError('ERR_PEER_MANAGER', 'a stopped PeerManager cannot be restarted; create a new one');
    this.run.phase = 'starting';
    try {
      const loaded = await this.c.persistence.load(() => this.c.table.options(), this.c.config.useAddrmanOutgoing);
      if (loaded.addrman) this.c.table.current = loaded.addrman;
      this.c.outbound.setAnchors(loaded.anchors, loaded.serviceAnchors);
      await this.c.inbound.bind();
    } catch (e) {
      await this.c.inbound.close();
      this.run.phase = 'new';
      throw e;
    }
    const now = this.clock.now();
    this.run.startedAtMs = now;
    this.c.outbound.start(now);
    this.c.persistence.start(now);
    this.run.phase = 'running';
    this.c.manual.start();
    this.c.log.info(`PeerManager started on ${this.network.name}`, { listen: this.listenAddresses.map(String), addresses: this.c.table.current.size() });
    this.scheduleTick(0);
  }

  /** Stops everything in Core's order and persists state. Idempotent; resolves when all sockets are closed. */
  stop(): Promise<void> {
    if (!this.stopPromise) this.stopPromise = this.doStop();
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    const wasRunning = this.run.phase === 'running';
    this.run.phase = 'stopping';
    this.tickTimer?.cancel();
    this.tickTimer = undefined;
    this.run.stop.abort();
    this.c.retries.abortAll();
    this.c.registry.abortPending();
    await this.c.inbound.close();
    const automatic = this.c.config.useAddrmanOutgoing;
    // Core dumps anchors only when it makes automatic connections (m_use_addrman_outgoing).
    const anchors = automatic ? { blockRelay: this.c.outbound.currentBlockRelayAnchors(), service: this.c.outbound.currentServiceAnchors() } : undefined;
    const peers = this.c.registry.peers();
    for (const peer of peers) peer.disconnect('shutdown');
    await this.settleWithin(Promise.all(peers.map((p) => p.closed)), STOP_FLUSH_MS);
    for (const peer of peers) peer.destroy();
    await Promise.all(peers.map((p) => p.closed));
    await this.c.tasks.settled();
    if (wasRunning) await this.c.persistence.writeAtStop(anchors);
    this.run.phase = 'stopped';
    this.c.log.info('PeerManager stopped');
  }

  private async settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
    let timer: Timer | undefined;
    await Promise.race([p, new Promise<void>((resolve) => { timer = this.clock.setTimeout(resolve, ms); })]);
    timer?.cancel();
  }

  private scheduleTick(delayMs: number): void {
    if (!this.run.running) return;
    this.tickTimer = this.clock.setTimeout(() => {
      this.tickTimer = undefined;
      try {
        this.tick();
      } catch (e) {
        this.c.log.error(`maintenance tick failed: ${(e as Error).stack ?? String(e)}`);
      }
      this.scheduleTick(this.c.config.experiment.tickIntervalMs);
    }, delayMs);
  }

  /** One pass of the maintenance loop: peer timers, connections, protocol plug-ins, trimming, dumps. */
  private tick(): void {
    const now = this.clock.now();
    for (const record of this.c.registry.records()) record.peer.tick();
    if (this.run.networkActive) {
      this.c.retries.perform(); // first, so a retry takes the slot its failed attempt held
      this.c.manual.maybeAddFixedSeeds(now);
      this.c.manual.processAddrFetch(now);
      if (this.c.config.useAddrmanOutgoing) this.c.outbound.tick(now);
      else this.c.manual.openConnectList(now);
      this.c.manual.openAddedNodes(now);
    }
    for (const p of this.c.plugins) p.tick?.(this.clock.now());
    this.c.outbound.evictExtraPeersIfDue(now);
    this.c.persistence.tick(now);
  }

  // ---- peers --------------------------------------------------------------------------------

  /** Every current peer (live objects: for the application; operators read `peerDetails()`). */
  peers(): Peer[] { return this.c.registry.peers(); }
  /** A peer by id. */
  getPeer(id: number): Peer | undefined { return this.c.registry.get(id)?.peer; }
  /** Peers connected to exactly this address and port (Core FindNode(CService)). */
  findByService(service: NetService): Peer[] { return this.c.registry.findByService(service); }
  /** Peers at this IP, any port (Core FindNode(CNetAddr)). */
  findByAddress(addr: NetService['addr']): Peer[] { return this.c.registry.findByAddress(addr); }
  /** Peers inside a subnet (Core FindNode(CSubNet)). */
  findBySubnet(subnet: Subnet): Peer[] { return this.c.registry.findBySubnet(subnet); }

  /** Core `GetNodeCount`: peers by direction, optionally of one type, optionally only those past the handshake. */
  nodeCount(direction: 'in' | 'out' | 'all' = 'all', type?: ConnectionType, readyOnly = false): number {
    return this.c.registry.nodeCount(direction, type, readyOnly);
  }

  /** A snapshot of every peer (getpeerinfo): plain data, units in the field names. */
  peerDetails(): PeerDetails[] {
    return [...this.c.registry.records()].map((r) => peerDetails(r, this.c.addrRelay.stats(r), this.netgroups));
  }

  /** Bytes sent and received in total (Core GetTotalBytesSent/Recv). */
  totals(): { bytesSent: number; bytesRecv: number } { return this.c.traffic.totals(); }
  /** The upload target state (getnettotals "uploadtarget"). */
  uploadTargetInfo(): UploadTargetInfo { return this.c.traffic.uploadTargetInfo(); }
  /** True when serving historical blocks would exceed the upload target (Core OutboundTargetReached(true)). */
  outboundTargetReached(historical: boolean): boolean { return this.c.traffic.outboundTargetReached(historical); }

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
    const messageTransport = (options.v2transport ?? this.v2transport) ? 'v2' as const : 'v1' as const;
    const req = { connType: 'manual' as const, countFailure: false, manual: { kind: 'onetry' as const, target: text }, signal, peer: { messageTransport } };
    const result: DialResult = typeof target === 'string'
      ? await this.c.manual.dialName(target, { ...req, addrName: target })
      : await this.c.dialer.dial({ ...req, target });
    if (!result.ok) throw signal?.aborted ? new AbortError(`connect to ${target} aborted`) : result.error;
    try {
      return await this.c.lifecycle.whenReady(result.record, signal);
    } catch (e) {
      // A v1-only node hung up on our v2 attempt: follow Core's one retry with v1.
      const retry = this.c.retries.resultFor(result.record);
      if (retry === undefined || signal?.aborted) throw e;
      const second = await abortable(retry, signal);
      if (!second.ok) throw signal?.aborted ? new AbortError(`connect to ${target} aborted`) : second.error;
      return this.c.lifecycle.whenReady(second.record, signal);
    }
  }

  /**
   * Opens a connection of any type to an address right away (Core's test-only addconnection), bypassing
   * the automatic loop. Resolves true when the connection is established (before its handshake).
   * `options.v2transport` is addconnection's argument; without it the transport follows the automatic
   * rule (v2 only to an address known to advertise NODE_P2P_V2, so here v1).
   */
  async openConnection(target: NetService, connType: Exclude<ConnectionType, 'inbound'>, options: ManualConnectOptions = {}): Promise<boolean> {
    const manual = connType === 'manual' ? { kind: 'onetry' as const, target: target.toString() } : undefined;
    const peer = options.v2transport === undefined ? undefined : { messageTransport: options.v2transport ? 'v2' as const : 'v1' as const };
    return (await this.c.dialer.dial({ target, connType, countFailure: false, manual, ...(peer ? { peer } : {}) })).ok;
  }

  /** Core addnode "onetry": one manual connection, not retried (but for Core's v1 retry), failures not counted. */
  connectOnce(text: string, options: ManualConnectOptions = {}): void { this.c.manual.connectOnce(text, options.v2transport); }
  /** Core addnode "add": throws PeerManagerError ERR_NODE_ALREADY_ADDED (or ERR_ADDED_NODES_FULL). */
  addNode(text: string, options: ManualConnectOptions = {}): void { this.c.manual.addNode(text, options.v2transport); }
  /** Core addnode "remove": throws ERR_NODE_NOT_ADDED. */
  removeNode(text: string): void { this.c.manual.removeNode(text); }
  /** Core getaddednodeinfo. */
  addedNodeInfo(text?: string): AddedNodeInfo[] { return this.c.manual.addedNodeInfo(text); }
  /** Core `AddAddrFetch`: queue a one-shot address-fetching connection. */
  addAddrFetch(text: string): void { this.c.manual.addAddrFetch(text); }

  /** Core disconnectnode: by id, by address text, or every peer in a subnet. Returns how many. */
  disconnect(target: DisconnectTarget, reason = 'disconnected by operator'): number {
    let peers: Peer[];
    if ('id' in target) peers = this.c.registry.get(target.id) ? [this.c.registry.get(target.id)!.peer] : [];
    else if ('subnet' in target) peers = this.findBySubnet(target.subnet);
    else peers = this.peers().filter((p) => p.addrName === target.address || p.addr.toString() === target.address);
    for (const p of peers) p.disconnect(reason);
    return peers.length;
  }

  /** Core setnetworkactive: off disconnects everyone and stops dialing and accepting. */
  setNetworkActive(active: boolean): void {
    if (this.run.networkActive === active) return;
    this.run.networkActive = active;
    this.c.log.info(`SetNetworkActive: ${active}`);
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
    const record = this.c.registry.get(peerId);
    if (!record) throw new PeerManagerError('ERR_UNKNOWN_PEER', `no peer with id ${peerId}`);
    return record.peer.send(message);
  }

  /** Queues a ping to every peer (Core RPC ping). */
  pingAll(): void { for (const p of this.peers()) p.queuePing(); }
  /** Announces inventory to peers that do not know it (trickled). Returns the number of peers queued for. */
  announce(entries: readonly InvEntry[]): number { return this.c.invRelay.announce(entries); }
  /** The application's tip looks stale: open one extra full-relay peer (Core SetTryNewOutboundPeer). */
  signalStaleTip(stale = true): void { this.c.outbound.signalStaleTip(stale); }

  /** The application finished initial sync: start rotating extra block-relay peers; self-advertise. */
  setInitialSyncComplete(done = true): void {
    this.c.outbound.setInitialSyncComplete(done);
    this.run.inInitialBlockDownload = !done;
  }

  /** Records that a peer sent us a new block (eviction protection and surplus trimming use it). */
  markBlockFrom(peerId: number): void {
    const r = this.c.registry.get(peerId);
    if (r) r.lastBlockS = this.clock.nowSeconds();
  }

  /** Records that a peer sent us a new transaction (eviction protection uses it). */
  markTransactionFrom(peerId: number): void {
    const r = this.c.registry.get(peerId);
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
    return this.c.table.current.getAddr({ maxAddresses: count, maxPct: 0, network: options.network, filtered: true })
      .filter((r) => !this.banman.isDiscouraged(r.service.addr) && !this.banman.isBanned(r.service.addr));
  }

  /** Writes peers.dat and banlist.json now (the daemon also does this every 15 min). */
  async flush(): Promise<void> {
    await this.c.persistence.savePeers();
    await this.c.persistence.saveBans();
  }

  /** Throws ConfigError if options are invalid, without constructing (for the daemon's config check). */
  static validate(options: PeerManagerOptions): void {
    resolveConfig(options);
  }
}

export { ConfigError };
