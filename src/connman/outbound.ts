/**
 * Automatic outbound connections (Core `ThreadOpenConnections` and net_processing
 * `EvictExtraOutboundPeers`): each maintenance pass counts the outbound peers and dials in flight,
 * asks the policy which connection type is next (anchors, full-relay, block-relay-only, stale-tip
 * extra, extra block-relay, feeler, extra network), chooses an address for it, and dials — at most
 * `MAX_CONCURRENT_AUTOMATIC_DIALS` at once. It keeps the anchors (block-relay-only peers remembered
 * across restarts, anchors.dat) and service anchors (anchors.json), replaces a regular peer when the
 * application needs rarer services, and every 45 s trims surplus outbound peers.
 *
 * Its timers live in the shared `Schedule`. Peers and dials opened by another component (a record
 * or dial with an `owner`) do not count against these slots.
 */
import type { NetAddress } from '../address/netaddress.js';
import type { NetGroupManager } from '../address/netgroup.js';
import type { NetId } from '../address/network.js';
import type { AddressRecord } from '../address/record.js';
import type { NetService } from '../address/service.js';
import type { AddrMan } from '../addrman/addrman.js';
import type { Peer } from '../peer/peer.js';
import type { ConnectionType } from '../peer/types.js';
import type { Clock } from '../util/clock.js';
import { bytesToHex } from '../util/hex.js';
import type { Random } from '../util/random.js';
import { mayHaveUsefulAddressDB } from '../wire/services.js';
import type { Dialer } from './dialer.js';
import type { LocalAddresses } from './local-addresses.js';
import type { ServiceRequirement } from './options.js';
import { chooseOutboundAddress } from './outbound-choice.js';
import {
  blockRelayPeerToEvict, EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL_MS, EXTRA_NETWORK_PEER_INTERVAL_MS, FEELER_INTERVAL_MS,
  fullRelayPeerToEvict, nextConnectionType, peerToReplaceForServices, pickPreferredNetwork, shouldCountFailures,
  type ConnectionDecision, type OutboundPeerInfo, type SlotBudget,
} from './policy/outbound.js';
import type { PeerRegistry } from './registry.js';
import type { Schedule } from './schedule.js';

/** Automatic outbound dials in flight at once (Core dials one at a time; two halves start-up time). */
export const MAX_CONCURRENT_AUTOMATIC_DIALS = 2;
/** Core FEELER_SLEEP_WINDOW: a feeler waits up to this long before dialing, ms. */
export const FEELER_SLEEP_WINDOW_MS = 1_000;
/** Core net_processing.cpp EXTRA_PEER_CHECK_INTERVAL: surplus-outbound check period, ms. */
export const EXTRA_PEER_CHECK_INTERVAL_MS = 45_000;
/** Core MAX_BLOCK_RELAY_ONLY_ANCHORS: block-relay-only peers remembered in anchors.dat. */
export const MAX_BLOCK_RELAY_ONLY_ANCHORS = 2;

/** The empty group set an experiment without netgroup diversity judges candidates against. */
const NO_GROUPS: ReadonlySet<string> = new Set();

/** Outbound peers and dials, counted the way Core's ThreadOpenConnections counts them. */
export interface OutboundState {
  /** Full-relay peers and dials. */
  fullRelay: number;
  /** Block-relay-only peers and dials. */
  blockRelay: number;
  /** Network groups (hex) of IPv4/IPv6 outbound peers and dials (full-relay, block-relay, manual). */
  groups: Set<string>;
  /** Outbound peers and dials on privacy networks (Tor, I2P, CJDNS). */
  privacyPeers: number;
  /** Automatic dials in flight. */
  automaticPending: number;
}

/** What automatic outbound uses. */
export interface OutboundContext {
  clock: Clock;
  random: Random;
  registry: PeerRegistry;
  dialer: Dialer;
  schedule: Schedule;
  budget: SlotBudget;
  netgroups: NetGroupManager;
  localAddresses: LocalAddresses;
  /** The address table (a function: the manager replaces its table when it loads peers.dat). */
  addrman(): AddrMan;
  /** Networks we can reach. */
  reachable: ReadonlySet<NetId>;
  /** Services to keep some outbound peers for. */
  requiredServices: readonly ServiceRequirement[];
  /** An -addnode entry: never used for automatic connections. */
  isAddedNode(service: NetService): boolean;
  /** Core HasAllDesirableServiceFlags (or the application's rule). */
  hasDesirableServices(services: bigint): boolean;
  /** Skip non-default ports (btcd, Core ≤ 22). */
  strictPorts?: boolean;
  /** The network's default port. */
  defaultPort: number;
  /** Experiment-only: false = no feelers (ExperimentOptions.feelers). */
  feelers?: boolean;
  /** Experiment-only: false = outbound peers may share a network group (ExperimentOptions.netgroupDiversity). */
  netgroupDiversity?: boolean;
}

/** Automatic outbound connections, anchors and surplus trimming. */
export class AutomaticOutbound {
  /** Block-relay-only anchors left to try (anchors.dat; consumed from the end). */
  private anchors: AddressRecord[] = [];
  /** Service anchors left to try (anchors.json; consumed from the end). */
  private serviceAnchors: AddressRecord[] = [];
  /** The application reported a stale tip (Core m_try_another_outbound_peer). */
  private tryNewOutboundPeer = false;
  /** Initial sync is done (Core m_start_extra_block_relay_peers). */
  private initialSyncDone = false;

  /** @param ctx see `OutboundContext`. */
  constructor(private readonly ctx: OutboundContext) {}

  /** Sets the anchors loaded at start. */
  setAnchors(anchors: AddressRecord[], serviceAnchors: AddressRecord[]): void {
    this.anchors = anchors;
    this.serviceAnchors = serviceAnchors;
  }

  /** Anchors not yet tried. */
  get anchorsLeft(): number {
    return this.anchors.length;
  }

  /** Starts the timers (Core draws the first feeler, extra-block-relay and extra-network times at start). */
  start(nowMs: number): void {
    const { schedule, random } = this.ctx;
    schedule.setExponential('feeler', nowMs, FEELER_INTERVAL_MS, random);
    schedule.setExponential('extraBlockRelay', nowMs, EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL_MS, random);
    schedule.setExponential('extraNetworkPeer', nowMs, EXTRA_NETWORK_PEER_INTERVAL_MS, random);
    schedule.set('extraPeerCheck', nowMs + EXTRA_PEER_CHECK_INTERVAL_MS);
  }

  /** The application's tip looks stale: open one extra full-relay peer (Core SetTryNewOutboundPeer). */
  signalStaleTip(stale: boolean): void {
    this.tryNewOutboundPeer = stale;
  }

  /** The application finished initial sync: extra block-relay-only peers may rotate. */
  setInitialSyncComplete(done: boolean): void {
    this.initialSyncDone = done;
  }

  private groupKey(addr: NetAddress): string {
    return bytesToHex(this.ctx.netgroups.getGroup(addr));
  }

  /** Core's outbound counts, over this manager's own peers and dials (records and dials with an owner are not counted). */
  state(): OutboundState {
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
    for (const r of this.ctx.registry.records()) if (r.owner === undefined && !r.peer.isDisconnecting) count(r.peer.connType, r.peer.addr.addr);
    for (const d of this.ctx.registry.pendingDials()) {
      if (d.owner !== undefined) continue;
      count(d.connType, d.target.addr);
      if (d.connType === 'outbound-full-relay' || d.connType === 'block-relay-only' || d.connType === 'feeler') automaticPending++;
    }
    return { fullRelay, blockRelay, groups, privacyPeers, automaticPending };
  }

  private outboundPeersOffering(services: bigint): number {
    let have = 0;
    for (const { peer: p } of this.ctx.registry.records()) {
      if (!p.inbound && !p.isDisconnecting && p.remote && (p.remote.services & services) === services) have++;
    }
    return have;
  }

  /**
   * Service bits we have too few outbound peers for — counting only requirements the table can still
   * help with (an address offering them that we are not connected to), so a network without such nodes
   * does not cost us a good peer every few minutes.
   */
  serviceDeficit(): bigint {
    let deficit = 0n;
    for (const req of this.ctx.requiredServices) {
      const have = this.outboundPeersOffering(req.services);
      if (have < req.minPeers && this.ctx.addrman().countWithServices(req.services) > have) deficit |= req.services;
    }
    return deficit;
  }

  /** Core `ThreadOpenConnections` for one iteration. */
  tick(nowMs: number): void {
    const { ctx } = this;
    const { budget, schedule, registry } = ctx;
    const st = this.state();
    if (st.automaticPending >= MAX_CONCURRENT_AUTOMATIC_DIALS) return;
    if (this.serviceAnchors.length > 0 && st.fullRelay < budget.maxOutboundFullRelay) {
      const a = this.serviceAnchors.pop()!;
      if (!registry.isConnectedTo(a.service) && ctx.reachable.has(a.service.addr.getNetwork())) {
        void ctx.dialer.dial({ target: a.service, connType: 'outbound-full-relay', countFailure: false, knownServices: a.services });
        return;
      }
    }
    const deficit = this.serviceDeficit();
    if (deficit !== 0n && st.fullRelay >= budget.maxOutboundFullRelay && schedule.isDue('serviceReplacement', nowMs)) {
      schedule.set('serviceReplacement', nowMs + EXTRA_NETWORK_PEER_INTERVAL_MS);
      const regular: Array<{ id: number; services: bigint; protected: boolean }> = [];
      for (const { peer: p } of registry.records()) {
        if (p.connType === 'outbound-full-relay' && !p.isDisconnecting && p.remote) regular.push({ id: p.id, services: p.remote.services, protected: false });
      }
      const victim = peerToReplaceForServices(regular, deficit, ctx.random);
      if (victim !== undefined) registry.get(victim)?.peer.disconnect('replaced by a peer with a needed service');
    }
    const decision = nextConnectionType({
      nowMs, budget, anchorsLeft: this.anchors.length, fullRelay: st.fullRelay, blockRelay: st.blockRelay,
      tryNewOutboundPeer: this.tryNewOutboundPeer, startExtraBlockRelayPeers: this.initialSyncDone && budget.maxBlockRelay > 0,
      nextExtraBlockRelayAtMs: schedule.at('extraBlockRelay'),
      nextFeelerAtMs: ctx.feelers === false ? Number.POSITIVE_INFINITY : schedule.at('feeler'),
      nextExtraNetworkPeerAtMs: schedule.at('extraNetworkPeer'),
      preferredNetwork: st.fullRelay === budget.maxOutboundFullRelay && nowMs > schedule.at('extraNetworkPeer')
        ? pickPreferredNetwork(ctx.reachable, (n) => registry.peersOnNetwork(n), (n) => ctx.addrman().size({ network: n }), ctx.random)
        : undefined,
      serviceDeficit: deficit,
    });
    if (!decision) return;
    this.reschedule(decision, nowMs);
    const choice = chooseOutboundAddress({
      addrman: ctx.addrman(), decision, nowMs, anchors: this.anchors,
      outboundGroups: ctx.netgroupDiversity === false ? NO_GROUPS : st.groups,
      groupKey: (a) => this.groupKey(a), reachable: ctx.reachable,
      isOwnAddress: (s) => ctx.localAddresses.has(s), isConnected: (s) => registry.isConnectedTo(s),
      isAddedNode: (s) => ctx.isAddedNode(s),
      hasDesirableServices: (s) => ctx.hasDesirableServices(s), mayHaveUsefulAddressDB,
      strictPorts: ctx.strictPorts, defaultPort: ctx.defaultPort,
    });
    this.anchors.length -= choice.anchorsConsumed;
    if (!choice.record) return;
    const countFailure = shouldCountFailures(st.groups.size, st.privacyPeers, budget);
    const target = choice.record.service;
    const knownServices = choice.record.services;
    if (decision.type === 'feeler') {
      const delay = ctx.random.randrange(FEELER_SLEEP_WINDOW_MS);
      registry.reserve(target, 'feeler');
      ctx.clock.setTimeout(() => void ctx.dialer.dial({ target, connType: 'feeler', countFailure, knownServices, reserved: true }), delay);
      return;
    }
    void ctx.dialer.dial({ target, connType: decision.type, countFailure, knownServices });
  }

  private reschedule(decision: ConnectionDecision, nowMs: number): void {
    if (!('reschedule' in decision) || !decision.reschedule) return;
    const { schedule, random } = this.ctx;
    if (decision.reschedule === 'feeler') schedule.setExponential('feeler', nowMs, FEELER_INTERVAL_MS, random);
    if (decision.reschedule === 'extra-block-relay') schedule.setExponential('extraBlockRelay', nowMs, EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL_MS, random);
    if (decision.reschedule === 'extra-network') schedule.setExponential('extraNetworkPeer', nowMs, EXTRA_NETWORK_PEER_INTERVAL_MS, random);
  }

  /** Core `EvictExtraOutboundPeers`, when the 45 s check is due. */
  evictExtraPeersIfDue(nowMs: number): void {
    const { schedule, registry, budget } = this.ctx;
    if (!schedule.isDue('extraPeerCheck', nowMs)) return;
    schedule.set('extraPeerCheck', nowMs + EXTRA_PEER_CHECK_INTERVAL_MS);
    const describe = (p: Peer): OutboundPeerInfo => ({
      id: p.id, connectedAtMs: p.connectedAt, lastBlockS: registry.get(p.id)?.lastBlockS ?? 0,
      protected: false, blocksInFlight: 0,
      onlyOnItsNetwork: registry.peersOnNetwork(p.addr.addr.getNetwork()) <= 1,
    });
    const live = registry.peers().filter((p) => !p.isDisconnecting && p.isReady);
    const b = blockRelayPeerToEvict(live.filter((p) => p.connType === 'block-relay-only').map(describe), budget.maxBlockRelay, nowMs);
    if (b !== undefined) registry.get(b)?.peer.disconnect('extra block-relay-only peer');
    const f = fullRelayPeerToEvict(live.filter((p) => p.connType === 'outbound-full-relay').map(describe), budget.maxOutboundFullRelay, nowMs);
    if (f !== undefined) {
      registry.get(f)?.peer.disconnect('extra outbound full-relay peer');
      this.tryNewOutboundPeer = false;
    }
  }

  /** The block-relay-only peers to remember as anchors (Core GetCurrentBlockRelayOnlyConns, at most 2). */
  currentBlockRelayAnchors(): AddressRecord[] {
    const out: AddressRecord[] = [];
    for (const { peer: p } of this.ctx.registry.records()) {
      if (p.connType === 'block-relay-only' && p.isReady) out.push({ service: p.addr, services: p.remote?.services ?? 0n, time: this.ctx.clock.nowSeconds() });
    }
    return out.slice(0, MAX_BLOCK_RELAY_ONLY_ANCHORS);
  }

  /** Outbound peers offering a required service, to dial first after a restart (anchors.json). */
  currentServiceAnchors(): AddressRecord[] {
    const out: AddressRecord[] = [];
    for (const req of this.ctx.requiredServices) {
      for (const { peer: p } of this.ctx.registry.records()) {
        if (!p.inbound && p.isReady && p.remote && (p.remote.services & req.services) === req.services &&
          !out.some((r) => r.service.equals(p.addr))) {
          out.push({ service: p.addr, services: p.remote.services, time: this.ctx.clock.nowSeconds() });
        }
      }
    }
    return out;
  }
}
