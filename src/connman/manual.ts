/**
 * Connections the operator asked for, and bootstrapping (Core `ThreadOpenAddedConnections`, the
 * `-connect` branch of `ThreadOpenConnections`, `ProcessAddrFetch`, `ThreadDNSAddressSeed`, fixed
 * seeds). `-connect` peers are kept connected (retrying with a growing pause, up to 5 s); `-addnode`
 * peers are kept connected within their own 8-slot budget and retried every 60 s; `onetry` dials once.
 * Manual peers are dialed by name (resolved through the resolver unless a proxy resolves names) and
 * are never refused for a ban — the operator asked for them. With BIP324 enabled they are dialed with
 * the v2 transport whatever they advertise (an -addnode entry or onetry may ask for v1), as Core does;
 * a v1-only node is then retried once with v1 (reconnect.ts).
 *
 * Bootstrapping fills an empty address table: one-shot addr-fetch connections to -seednode peers and
 * DNS seeds that answered no addresses, DNS seeding (seeds.ts), and — after a minute, or at once if
 * there is no other source — the network's fixed seeds for every reachable network with no address.
 */
import { NetAddress } from '../address/netaddress.js';
import type { NetId } from '../address/network.js';
import { NetService } from '../address/service.js';
import type { AddrMan } from '../addrman/addrman.js';
import type { Peer } from '../peer/peer.js';
import { ConnectError, type Transport } from '../transport/transport.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Random } from '../util/random.js';
import type { Resolver } from '../util/resolver.js';
import type { NetworkParams } from '../wire/params.js';
import type { DialRequest, DialResult, Dialer } from './dialer.js';
import type { ResolvedConfig } from './options.js';
import type { ManualTarget, PeerRegistry } from './registry.js';
import type { Schedule } from './schedule.js';
import { convertFixedSeeds, runDnsSeeding } from './seeds.js';
import { PeerManagerError, type AddedNodeInfo } from './types.js';

/** Core ThreadOpenAddedConnections: retry period after dialing an added node, ms. */
export const ADDED_NODE_RETRY_MS = 60_000;
/** Core ThreadOpenAddedConnections: re-check period when nothing needed dialing, ms. */
export const ADDED_NODE_RECHECK_MS = 2_000;
/** Core ADD_NEXT_SEEDNODE: another seed node is tried this often while peers are few, ms. */
export const ADD_NEXT_SEEDNODE_MS = 10_000;
/** Core: fixed seeds are added this long after start if some reachable network is still empty, ms. */
export const FIXED_SEEDS_DELAY_MS = 60_000;
/** Core ThreadOpenConnections with -connect: the pause between rounds grows by this per round, ms … */
export const CONNECT_LIST_BACKOFF_STEP_MS = 500;
/** … for at most this many rounds (so at most 5 s). */
export const CONNECT_LIST_BACKOFF_MAX_STEPS = 10;
/** Most -addnode entries (the list is operator-controlled, but bounded like everything else). */
export const MAX_ADDED_NODES = 256;
/** Most queued addr-fetch destinations. */
export const MAX_ADDR_FETCH_QUEUE = 64;
/** Core SEED_OUTBOUND_CONNECTION_THRESHOLD as used by ADD_NEXT_SEEDNODE: top up below this many full-relay peers. */
const SEEDNODE_TOPUP_BELOW_FULL_RELAY = 2;

/** What manual connections and bootstrapping use. */
export interface ManualContext {
  clock: Clock;
  random: Random;
  log: Logger;
  network: NetworkParams;
  registry: PeerRegistry;
  dialer: Dialer;
  schedule: Schedule;
  transport: Transport;
  resolver: Resolver;
  config: Pick<ResolvedConfig, 'connect' | 'addNodes' | 'seedNodes' | 'useAddrmanOutgoing' | 'dnsSeed' | 'fixedSeeds' | 'reachable' | 'proxy'>;
  /** Core -forcednsseed. */
  forceDnsSeed: boolean;
  /** Core's -addnode budget (MAX_ADDNODE_CONNECTIONS). */
  maxAddnode: number;
  /** BIP324 is enabled (Core -v2transport): the default for every manual connection. */
  v2transport: boolean;
  /** The address table (a function: the manager replaces its table when it loads peers.dat). */
  addrman(): AddrMan;
  /** Networking is on. */
  networkActive(): boolean;
  /** When start() completed, ms. */
  startedAtMs(): number;
  /** Full-relay outbound peers and dials (automatic outbound's count). */
  fullRelayCount(): number;
  /** Aborted at stop (DNS lookups, seeding). */
  stopSignal: AbortSignal;
  /** Tracks a background task (awaited at stop). */
  track(task: Promise<unknown>): void;
}

function sameManual(a: ManualTarget | undefined, b: ManualTarget): boolean {
  return a !== undefined && a.kind === b.kind && a.target === b.target;
}

/** -connect, -addnode, onetry, addr-fetch, seed nodes and seeds. */
export class ManualConnections {
  private readonly addedNodes: string[];
  /** Core AddedNodeParams::m_use_v2transport of each -addnode entry (keys ⊆ addedNodes, so ≤ MAX_ADDED_NODES). */
  private readonly addedNodeV2 = new Map<string, boolean>();
  private readonly addrFetchQueue: string[] = [];
  private seedNodeIndex = 0;
  private fixedSeedsPending = true;
  private connectRounds = 0;

  /** @param ctx see `ManualContext`. */
  constructor(private readonly ctx: ManualContext) {
    this.addedNodes = ctx.config.addNodes.slice(0, MAX_ADDED_NODES);
  }

  // ---- operator calls -----------------------------------------------------------------------

  /** The -addnode list. */
  get addedNodeList(): readonly string[] {
    return this.addedNodes;
  }

  /**
   * Core addnode "add" (`v2transport`: try BIP324 first, default the node's setting): throws
   * PeerManagerError ERR_NODE_ALREADY_ADDED or ERR_ADDED_NODES_FULL.
   */
  addNode(text: string, v2transport = this.ctx.v2transport): void {
    const key = text.trim();
    if (this.addedNodes.includes(key)) throw new PeerManagerError('ERR_NODE_ALREADY_ADDED', 'Error: Node already added');
    if (this.addedNodes.length >= MAX_ADDED_NODES) throw new PeerManagerError('ERR_ADDED_NODES_FULL', `Error: at most ${MAX_ADDED_NODES} added nodes`);
    this.addedNodes.push(key);
    this.addedNodeV2.set(key, v2transport);
    this.ctx.schedule.set('addedNodeCheck', 0);
  }

  /** Core addnode "remove": throws ERR_NODE_NOT_ADDED. */
  removeNode(text: string): void {
    const i = this.addedNodes.indexOf(text.trim());
    if (i < 0) throw new PeerManagerError('ERR_NODE_NOT_ADDED', 'Error: Node could not be removed. It has not been added previously.');
    this.addedNodeV2.delete(this.addedNodes[i]);
    this.addedNodes.splice(i, 1);
  }

  /** True for an -addnode entry (never used for automatic connections). */
  isAddedNode(service: NetService): boolean {
    return this.addedNodes.some((n) => n === service.toString() || n === service.addr.toString());
  }

  /** Core getaddednodeinfo; throws ERR_NODE_NOT_ADDED for an unknown entry. */
  addedNodeInfo(text?: string): AddedNodeInfo[] {
    const list = text === undefined ? this.addedNodes : this.addedNodes.filter((n) => n === text.trim());
    if (text !== undefined && list.length === 0) throw new PeerManagerError('ERR_NODE_NOT_ADDED', 'Error: Node has not been added.');
    return list.map((n) => {
      const wanted: ManualTarget = { kind: 'addnode', target: n };
      let match: Peer[] = [];
      for (const r of this.ctx.registry.records()) if (sameManual(r.manual, wanted) && !r.peer.isDisconnecting) match.push(r.peer);
      if (match.length === 0) {
        try {
          match = this.ctx.registry.findByService(NetService.parse(n, this.ctx.network.defaultPort));
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

  /** Core addnode "onetry": one manual connection, not retried (but for Core's v1 retry), failures not counted. */
  connectOnce(text: string, v2transport = this.ctx.v2transport): void {
    this.dialByName(text, 'manual', { kind: 'onetry', target: text }, v2transport);
  }

  /** Core `AddAddrFetch`: queue a one-shot address-fetching connection (dropped when MAX_ADDR_FETCH_QUEUE are queued). */
  addAddrFetch(text: string): void {
    if (this.addrFetchQueue.length >= MAX_ADDR_FETCH_QUEUE) return;
    this.addrFetchQueue.push(text);
  }

  // ---- start and maintenance ----------------------------------------------------------------

  /** At start: an empty table with -seednode asks a seed node at once; DNS seeding starts. */
  start(): void {
    const { config, network } = this.ctx;
    if (config.useAddrmanOutgoing && config.seedNodes.length > 0 && this.ctx.addrman().size() === 0) {
      this.ctx.log.info('Empty addrman, adding seednode to addrfetch');
      this.queueNextSeedNode();
    }
    if (config.useAddrmanOutgoing && config.dnsSeed && network.dnsSeeds.length > 0) this.ctx.track(this.dnsSeeding());
  }

  private queueNextSeedNode(): void {
    const seeds = this.ctx.config.seedNodes;
    if (seeds.length === 0) return;
    this.addAddrFetch(seeds[this.seedNodeIndex % seeds.length]);
    this.seedNodeIndex++;
  }

  /** Core `ProcessAddrFetch` plus -seednode top-ups while full-relay peers are few. */
  processAddrFetch(nowMs: number): void {
    const { config, schedule } = this.ctx;
    if (config.seedNodes.length > 0 && config.useAddrmanOutgoing && schedule.isDue('seedNode', nowMs) &&
      nowMs - this.ctx.startedAtMs() >= ADD_NEXT_SEEDNODE_MS && this.ctx.fullRelayCount() < SEEDNODE_TOPUP_BELOW_FULL_RELAY) {
      schedule.set('seedNode', nowMs + ADD_NEXT_SEEDNODE_MS);
      this.queueNextSeedNode();
    }
    const next = this.addrFetchQueue.shift();
    // Core ProcessAddrFetch: v2 if we support it; a v1-only seed is retried with v1.
    if (next !== undefined) this.dialByName(next, 'addr-fetch', undefined, this.ctx.v2transport);
  }

  /** Core: fixed seeds when some reachable network has no addresses, after 60 s or at once if no other source. */
  maybeAddFixedSeeds(nowMs: number): void {
    const { config, clock, log } = this.ctx;
    if (!this.fixedSeedsPending || !config.fixedSeeds || !config.useAddrmanOutgoing) return;
    const addrman = this.ctx.addrman();
    const empty = [...config.reachable].filter((n) => addrman.size({ network: n }) === 0);
    if (empty.length === 0) {
      this.fixedSeedsPending = false;
      return;
    }
    const noOtherSource = !config.dnsSeed && config.seedNodes.length === 0 && this.addedNodes.length === 0;
    if (nowMs - this.ctx.startedAtMs() <= FIXED_SEEDS_DELAY_MS && !noOtherSource) return;
    this.fixedSeedsPending = false;
    const seeds = convertFixedSeeds(this.ctx.network.fixedSeeds, clock.nowSeconds(), this.ctx.random)
      .filter((r) => empty.includes(r.service.addr.getNetwork()));
    if (seeds.length === 0) {
      log.warn('No peers known and no fixed seeds for the reachable networks; waiting for -addnode, -seednode or inbound peers');
      return;
    }
    addrman.add(seeds, NetAddress.internal('fixedseeds')); // Core SetInternal("fixedseeds")
    log.info(`Added ${seeds.length} fixed seeds from reachable networks.`);
  }

  private async dnsSeeding(): Promise<void> {
    const { ctx } = this;
    await runDnsSeeding({
      seeds: ctx.network.dnsSeeds, defaultPort: ctx.network.defaultPort, resolver: ctx.resolver, clock: ctx.clock,
      random: ctx.random, addrman: ctx.addrman(), log: ctx.log, signal: ctx.stopSignal,
      force: ctx.forceDnsSeed,
      fullOutboundCount: () => ctx.registry.nodeCount('out', 'outbound-full-relay', true),
      useSeedNodes: ctx.config.seedNodes.length > 0,
      networkActive: () => ctx.networkActive(),
      useNameProxy: ctx.config.proxy !== undefined,
      addAddrFetch: (host) => this.addAddrFetch(host),
    });
  }

  /** Core -connect loop: keep every listed peer connected, backing off up to 5 s per round. */
  openConnectList(nowMs: number): void {
    const { config, schedule } = this.ctx;
    if (config.connect.length === 0 || nowMs < schedule.at('connectList')) return;
    this.connectRounds++;
    schedule.set('connectList', nowMs + CONNECT_LIST_BACKOFF_STEP_MS * Math.min(this.connectRounds, CONNECT_LIST_BACKOFF_MAX_STEPS));
    for (const text of config.connect) {
      const target: ManualTarget = { kind: 'connect', target: text };
      if (!this.isManualConnected(target)) this.dialByName(text, 'manual', target, this.ctx.v2transport);
    }
  }

  /** Core `ThreadOpenAddedConnections`: dial every added node that is not connected, within its budget. */
  openAddedNodes(nowMs: number): void {
    const { schedule, registry } = this.ctx;
    if (nowMs < schedule.at('addedNodeCheck') || this.addedNodes.length === 0) return;
    let connected = 0;
    for (const r of registry.records()) if (r.manual?.kind === 'addnode') connected++;
    let attempted = false;
    for (const text of this.addedNodes) {
      if (connected >= this.ctx.maxAddnode) break;
      const target: ManualTarget = { kind: 'addnode', target: text };
      if (this.isManualConnected(target)) continue;
      this.dialByName(text, 'manual', target, this.addedNodeV2.get(text) ?? this.ctx.v2transport);
      connected++;
      attempted = true;
    }
    schedule.set('addedNodeCheck', nowMs + (attempted ? ADDED_NODE_RETRY_MS : ADDED_NODE_RECHECK_MS));
  }

  /**
   * True when the first peer opened for `target` is not disconnecting; for -connect entries also when
   * a manual dial to the entry's address is in flight.
   */
  private isManualConnected(target: ManualTarget): boolean {
    for (const r of this.ctx.registry.records()) if (sameManual(r.manual, target)) return !r.peer.isDisconnecting;
    if (target.kind === 'connect') {
      for (const d of this.ctx.registry.pendingDials()) if (d.connType === 'manual' && d.target.toString() === target.target) return true;
    }
    return false;
  }

  // ---- dialing by name ----------------------------------------------------------------------

  /** Resolves `host[:port]` text to services (numeric first, then DNS unless a proxy is in use). */
  async resolve(text: string): Promise<NetService[]> {
    const { network } = this.ctx;
    try {
      return [NetService.parse(text, network.defaultPort)];
    } catch {
      // Not numeric: a host name.
    }
    const m = /^(.*?)(?::(\d+))?$/.exec(text.trim());
    const host = m?.[1] ?? text;
    const port = m?.[2] !== undefined ? Number(m[2]) : network.defaultPort;
    const ips = await this.ctx.resolver(host, this.ctx.stopSignal);
    return ips.flatMap((ip) => {
      try {
        return [NetService.parse(ip, port)].map((s) => new NetService(s.addr, port));
      } catch {
        return [];
      }
    });
  }

  /** True when the transport can dial `net` (a transport without `canReach` reaches everything). */
  canReach(net: NetId): boolean {
    return this.ctx.transport.canReach?.(net) ?? true;
  }

  /** Resolves `text` and dials its first reachable address, unless already connected. */
  private dialByName(text: string, connType: 'manual' | 'addr-fetch', manual: ManualTarget | undefined, v2transport: boolean): void {
    const peer = { messageTransport: v2transport ? 'v2' as const : 'v1' as const };
    this.ctx.track(this.dialName(text, { connType, countFailure: false, manual, addrName: text, peer }));
  }

  /**
   * Resolves `text` and dials its first reachable address. Resolves with the dial's result; refused
   * with `ERR_CONNECT_UNREACHABLE` when no address is reachable, `ERR_ALREADY_CONNECTED` when connected.
   */
  async dialName(text: string, req: Omit<DialRequest, 'target'>): Promise<DialResult> {
    const targets = await this.resolve(text).catch((e: Error) => {
      this.ctx.log.warn(`cannot resolve ${text}: ${e.message}`);
      return [] as NetService[];
    });
    const target = targets.find((t) => this.canReach(t.addr.net));
    if (!target) {
      this.ctx.log.debug(`no reachable address for ${text}`);
      return { ok: false, error: new ConnectError('ERR_CONNECT_UNREACHABLE', `no reachable address for ${text}`) };
    }
    if (this.ctx.registry.isConnectedTo(target)) {
      return { ok: false, error: new ConnectError('ERR_ALREADY_CONNECTED', `not connecting to ${target}: already connected`) };
    }
    return this.ctx.dialer.dial({ ...req, target });
  }
}
