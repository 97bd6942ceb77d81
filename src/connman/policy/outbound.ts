/**
 * Outbound connection policy (Core net.cpp `ThreadOpenConnections`, net_processing.cpp
 * `EvictExtraOutboundPeers`) as pure functions: what kind of connection to open next, whether an
 * anchor or a candidate address is acceptable for it, and which surplus outbound peer to let go. The
 * outbound component (../outbound.ts, ../outbound-choice.ts) gathers the inputs, asks, and carries out
 * the answer; tests state a scenario in a few lines.
 *
 * Diversity is the defence against eclipse attacks: at most one automatic outbound peer per IPv4/IPv6
 * network group (/16, /32 or AS), two block-relay-only peers that leak no transaction or address
 * activity (and are remembered as anchors across restarts), feelers every ~2 minutes that test new
 * addresses so the tried table fills with live, diverse nodes, and an extra peer on any reachable
 * network we have no peer on.
 */
import type { NetAddress } from '../../address/netaddress.js';
import { Net, type NetId } from '../../address/network.js';
import type { AddressRecord } from '../../address/record.js';
import type { NetService } from '../../address/service.js';
import type { Random } from '../../util/random.js';
import { hasAllDesirableServiceFlags } from '../../wire/services.js';
import { isBadPort } from './bad-ports.js';

/** Core net.h MAX_OUTBOUND_FULL_RELAY_CONNECTIONS. */
export const MAX_OUTBOUND_FULL_RELAY_CONNECTIONS = 8;
/** Core net.h MAX_BLOCK_RELAY_ONLY_CONNECTIONS. */
export const MAX_BLOCK_RELAY_ONLY_CONNECTIONS = 2;
/** Core net.h MAX_FEELER_CONNECTIONS. */
export const MAX_FEELER_CONNECTIONS = 1;
/** Core net.h MAX_ADDNODE_CONNECTIONS: a separate budget for -addnode peers. */
export const MAX_ADDNODE_CONNECTIONS = 8;
/** Core net.h DEFAULT_MAX_PEER_CONNECTIONS (v29 and earlier). */
export const DEFAULT_MAX_PEER_CONNECTIONS = 125;
/** Core net.h FEELER_INTERVAL: mean of the feeler timer, ms. */
export const FEELER_INTERVAL_MS = 2 * 60_000;
/** Core net.h EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL: mean of the extra block-relay timer, ms. */
export const EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL_MS = 5 * 60_000;
/** Core net.cpp EXTRA_NETWORK_PEER_INTERVAL: mean of the extra-network-peer timer, ms. */
export const EXTRA_NETWORK_PEER_INTERVAL_MS = 5 * 60_000;
/** Core net.cpp: addresses tried within this window are skipped for the first 30 tries, ms. */
export const RECENTLY_TRIED_MS = 10 * 60_000;
/** Core ThreadOpenConnections: tries before a recently tried address is acceptable. */
export const RECENTLY_TRIED_TRIES = 30;
/** Core ThreadOpenConnections: tries before a bad (or, strictly, non-default) port is acceptable. */
export const BAD_PORT_TRIES = 50;
/** Core ThreadOpenConnections: give up choosing after this many addresses. */
export const MAX_SELECT_TRIES = 100;
/** Core net_processing.cpp MINIMUM_CONNECT_TIME: surplus outbound peers are kept at least this long, ms. */
export const MINIMUM_CONNECT_TIME_MS = 30_000;

/** How many connections of each kind (Core `CConnman::Init`). */
export interface SlotBudget {
  /** -maxconnections. */
  maxConnections: number;
  /** Outbound full-relay slots. */
  maxOutboundFullRelay: number;
  /** Block-relay-only slots. */
  maxBlockRelay: number;
  /** Feeler slots. */
  maxFeeler: number;
  /** full-relay + block-relay + feeler. */
  maxAutomaticOutbound: number;
  /** What remains for inbound. */
  maxInbound: number;
  /** Separate addnode budget. */
  maxAddnode: number;
}

/** Core `CConnman::Init` slot arithmetic: 125 connections → 8 + 2 + 1 outbound, 114 inbound. */
export function slotBudget(maxConnections = DEFAULT_MAX_PEER_CONNECTIONS, blockRelayOnly = true): SlotBudget {
  const max = Math.max(0, Math.floor(maxConnections));
  const maxOutboundFullRelay = Math.min(MAX_OUTBOUND_FULL_RELAY_CONNECTIONS, max);
  // Experiment-only (ExperimentOptions.blockRelayOnly = false): Core before v0.19 had no such slots.
  const maxBlockRelay = blockRelayOnly ? Math.min(MAX_BLOCK_RELAY_ONLY_CONNECTIONS, max - maxOutboundFullRelay) : 0;
  const maxAutomaticOutbound = maxOutboundFullRelay + maxBlockRelay + MAX_FEELER_CONNECTIONS;
  return {
    maxConnections: max,
    maxOutboundFullRelay,
    maxBlockRelay,
    maxFeeler: MAX_FEELER_CONNECTIONS,
    maxAutomaticOutbound,
    maxInbound: Math.max(0, max - maxAutomaticOutbound),
    maxAddnode: MAX_ADDNODE_CONNECTIONS,
  };
}

/** What `nextConnectionType` looks at. */
export interface ConnectionTypeInput {
  /** Now, ms. */
  nowMs: number;
  budget: SlotBudget;
  /** Anchors not yet tried. */
  anchorsLeft: number;
  /** Current (and dialing) outbound full-relay connections. */
  fullRelay: number;
  /** Current (and dialing) block-relay-only connections. */
  blockRelay: number;
  /** The application reported a stale tip (Core GetTryNewOutboundPeer). */
  tryNewOutboundPeer: boolean;
  /** Initial sync is done, so extra block-relay peers may rotate (Core m_start_extra_block_relay_peers). */
  startExtraBlockRelayPeers: boolean;
  /** When the next extra block-relay-only peer is due, ms. */
  nextExtraBlockRelayAtMs: number;
  /** When the next feeler is due, ms. */
  nextFeelerAtMs: number;
  /** When the next extra-network peer is due, ms. */
  nextExtraNetworkPeerAtMs: number;
  /** A reachable network we have no full-relay/manual peer on but addresses for (Core MaybePickPreferredNetwork). */
  preferredNetwork?: NetId;
  /** Service bits we have too few outbound peers for (service-aware policy); 0n when none. */
  serviceDeficit?: bigint;
}

/** The decision: a connection type and what to prefer, plus which timer to reschedule. */
export type ConnectionDecision =
  | { type: 'block-relay-only'; anchor: boolean; reschedule?: 'extra-block-relay' }
  | { type: 'outbound-full-relay'; extra: boolean; preferredNetwork?: NetId; requiredServices?: bigint; reschedule?: 'extra-network' }
  | { type: 'feeler'; reschedule: 'feeler' };

/** Core's ladder: anchors, full-relay, block-relay, stale-tip extra, extra block-relay, feeler, extra network. */
export function nextConnectionType(s: ConnectionTypeInput): ConnectionDecision | undefined {
  const deficit = s.serviceDeficit ?? 0n;
  if (s.anchorsLeft > 0 && s.blockRelay < s.budget.maxBlockRelay) return { type: 'block-relay-only', anchor: true };
  if (s.fullRelay < s.budget.maxOutboundFullRelay) {
    return { type: 'outbound-full-relay', extra: false, ...(deficit !== 0n ? { requiredServices: deficit } : {}) };
  }
  if (s.blockRelay < s.budget.maxBlockRelay) return { type: 'block-relay-only', anchor: false };
  if (s.tryNewOutboundPeer) return { type: 'outbound-full-relay', extra: true };
  if (s.nowMs > s.nextExtraBlockRelayAtMs && s.startExtraBlockRelayPeers) {
    return { type: 'block-relay-only', anchor: false, reschedule: 'extra-block-relay' };
  }
  if (s.nowMs > s.nextFeelerAtMs) return { type: 'feeler', reschedule: 'feeler' };
  if (s.fullRelay === s.budget.maxOutboundFullRelay && s.budget.maxOutboundFullRelay === MAX_OUTBOUND_FULL_RELAY_CONNECTIONS &&
    s.nowMs > s.nextExtraNetworkPeerAtMs && s.preferredNetwork !== undefined) {
    return { type: 'outbound-full-relay', extra: true, preferredNetwork: s.preferredNetwork, reschedule: 'extra-network' };
  }
  return undefined;
}

/** The networks MaybePickPreferredNetwork considers, in Core's order (shuffled before use). */
const PREFERABLE_NETWORKS: readonly NetId[] = [Net.IPV4, Net.IPV6, Net.ONION, Net.I2P, Net.CJDNS];

/**
 * Core `MaybePickPreferredNetwork`: a reachable network with no full-relay or manual peer and at
 * least one address in the table, chosen in random order.
 */
export function pickPreferredNetwork(reachable: ReadonlySet<NetId>, peersOnNetwork: (net: NetId) => number,
  addressesOnNetwork: (net: NetId) => number, random: Random): NetId | undefined {
  const nets = random.shuffle([...PREFERABLE_NETWORKS]);
  return nets.find((n) => reachable.has(n) && peersOnNetwork(n) === 0 && addressesOnNetwork(n) > 0);
}

/** The rules a candidate address is judged by (plain data and predicates; no table, no effects). */
export interface CandidateRules {
  /** Group keys (hex) of current outbound IPv4/IPv6 peers: only one automatic outbound per group. */
  outboundGroups: ReadonlySet<string>;
  /** Group key of an address. */
  groupKey(addr: NetAddress): string;
  /** Networks we can reach. */
  reachable: ReadonlySet<NetId>;
  /** One of our own advertised addresses (Core net.cpp IsLocal). */
  isOwnAddress(service: NetService): boolean;
  /** Already connected (or dialing) to this address. */
  isConnected(service: NetService): boolean;
  /** An -addnode entry: never used for automatic connections. */
  isAddedNode(service: NetService): boolean;
  /** Services enough for an outbound slot (Core HasAllDesirableServiceFlags). */
  hasDesirableServices(services: bigint): boolean;
  /** Services that suggest a useful address table (Core MayHaveUsefulAddressDB). */
  mayHaveUsefulAddressDB(services: bigint): boolean;
  /** Strict ports (btcd, Core ≤ 22): skip every non-default port until 50 tries; default: Core's bad-port list. */
  strictPorts?: boolean;
  /** The network's default port (for strict ports). */
  defaultPort: number;
}

/** Why a candidate was skipped (for logs and tests). */
export type SkipReason = 'netgroup' | 'unreachable' | 'recently-tried' | 'services' | 'port' | 'added-node' | 'connected';

/** What `judgeCandidate` says: take it, skip it (and why), or stop looking (Core's `break`). */
export type CandidateVerdict = 'accept' | 'stop' | SkipReason;

function isIp(addr: NetAddress): boolean {
  return addr.isIPv4() || addr.isIPv6();
}

/**
 * Core `ThreadOpenConnections`, the anchor step: anchors are taken from the end (Core pops them), and
 * unusable ones — invalid, ours, unreachable, lacking services, in a used group — are dropped on the way.
 * Returns the anchor to dial (if any) and how many anchors this consumed from the end of the list; the
 * caller removes them.
 */
export function chooseAnchor(anchors: readonly AddressRecord[], rules: CandidateRules): { record: AddressRecord | undefined; consumed: number } {
  for (let i = anchors.length - 1; i >= 0; i--) {
    const a = anchors[i];
    const addr = a.service.addr;
    if (!addr.isValid() || rules.isOwnAddress(a.service) || !rules.reachable.has(addr.getNetwork()) ||
      !rules.hasDesirableServices(a.services) || (isIp(addr) && rules.outboundGroups.has(rules.groupKey(addr)))) continue;
    return { record: a, consumed: anchors.length - i };
  }
  return { record: undefined, consumed: anchors.length };
}

/**
 * Core's per-candidate checks in `ThreadOpenConnections`, in Core's order: a used netgroup (not for
 * feelers), an invalid or own address (stop looking), an unreachable network, an address already
 * connected, one tried in the last 10 minutes (first 30 tries), missing services (feelers: only a
 * useful address table), a bad port (first 50 tries), an -addnode entry. `tries` counts from 1.
 */
export function judgeCandidate(candidate: { record: AddressRecord; lastTryS: number }, tries: number, nowMs: number, feeler: boolean,
  rules: CandidateRules): CandidateVerdict {
  const { record, lastTryS } = candidate;
  const addr = record.service.addr;
  if (!feeler && isIp(addr) && rules.outboundGroups.has(rules.groupKey(addr))) return 'netgroup';
  if (!addr.isValid() || rules.isOwnAddress(record.service)) return 'stop';
  if (!rules.reachable.has(addr.getNetwork())) return 'unreachable';
  if (rules.isConnected(record.service)) return 'connected';
  if (Math.floor(nowMs / 1000) - lastTryS < RECENTLY_TRIED_MS / 1000 && tries < RECENTLY_TRIED_TRIES) return 'recently-tried';
  if (!feeler && !rules.hasDesirableServices(record.services)) return 'services';
  if (feeler && !rules.mayHaveUsefulAddressDB(record.services)) return 'services';
  if (tries < BAD_PORT_TRIES && isIp(addr)) {
    const badPort = rules.strictPorts ? record.service.port !== rules.defaultPort : isBadPort(record.service.port);
    if (badPort) return 'port';
  }
  if (rules.isAddedNode(record.service)) return 'added-node';
  return 'accept';
}

/**
 * Core `HasAllDesirableServiceFlags` (NODE_NETWORK|NODE_WITNESS, or NODE_NETWORK_LIMITED|NODE_WITNESS
 * within `bestBlockDepth` of the tip), or exactly the application's `desirable` bits when it set them.
 */
export function hasDesirableServices(services: bigint, desirable: bigint | undefined, bestBlockDepth: number): boolean {
  if (desirable !== undefined) return (services & desirable) === desirable;
  return hasAllDesirableServiceFlags(services, bestBlockDepth);
}

/**
 * Core: failures count against an address only once we have outbound peers in at least two distinct
 * groups — when we are offline every dial fails, and that must not make the whole table look dead.
 */
export function shouldCountFailures(outboundGroups: number, privacyNetworkPeers: number, budget: SlotBudget): boolean {
  return outboundGroups + privacyNetworkPeers >= Math.min(budget.maxConnections - 1, 2);
}

/** What surplus-outbound eviction looks at per peer. */
export interface OutboundPeerInfo {
  id: number;
  /** When the connection was made, ms. */
  connectedAtMs: number;
  /** Last time the peer sent us a block we did not have, s (0 = never); only compared between peers. */
  lastBlockS: number;
  /** Protected from chain-sync eviction (Core m_protect), e.g. by the application. */
  protected: boolean;
  /** The only full-relay or manual peer on its network (Core: keep it). */
  onlyOnItsNetwork: boolean;
  /** Blocks in flight from it (such peers are not evicted). */
  blocksInFlight: number;
}

/**
 * Core `EvictExtraOutboundPeers`, block-relay part: with more block-relay-only peers than slots, evict
 * the youngest unless it gave us a block more recently than the second youngest.
 */
export function blockRelayPeerToEvict(peers: readonly OutboundPeerInfo[], maxBlockRelay: number, nowMs: number): number | undefined {
  if (peers.length <= maxBlockRelay) return undefined;
  const byAge = [...peers].sort((a, b) => b.id - a.id); // youngest (highest id) first
  const [youngest, second] = byAge;
  let victim = youngest;
  if (second && youngest.lastBlockS > second.lastBlockS) victim = second;
  if (nowMs - victim.connectedAtMs < MINIMUM_CONNECT_TIME_MS || victim.blocksInFlight > 0) return undefined;
  return victim.id;
}

/**
 * Core `EvictExtraOutboundPeers`, full-relay part: with more full-relay peers than slots, evict the
 * unprotected one whose last block announcement is oldest (ties: the younger), never the only peer
 * on its network, and only once it has been connected 30 s with no blocks in flight.
 */
export function fullRelayPeerToEvict(peers: readonly OutboundPeerInfo[], maxFullRelay: number, nowMs: number): number | undefined {
  if (peers.length <= maxFullRelay) return undefined;
  let worst: OutboundPeerInfo | undefined;
  for (const p of peers) {
    if (p.protected || p.onlyOnItsNetwork) continue;
    if (!worst || p.lastBlockS < worst.lastBlockS ||
      (p.lastBlockS === worst.lastBlockS && p.id > worst.id)) worst = p;
  }
  if (!worst || nowMs - worst.connectedAtMs < MINIMUM_CONNECT_TIME_MS || worst.blocksInFlight > 0) return undefined;
  return worst.id;
}

/**
 * Service-aware replacement (Floresta's policy for utreexo/CBF peers): when outbound slots are full
 * but fewer than the wanted number of peers offer `required`, pick a random regular full-relay peer
 * that lacks it, so its slot can go to one that has it. Undefined when nobody can be replaced.
 */
export function peerToReplaceForServices(peers: ReadonlyArray<{ id: number; services: bigint; protected: boolean }>,
  required: bigint, random: Random): number | undefined {
  const candidates = peers.filter((p) => !p.protected && (p.services & required) !== required);
  if (candidates.length === 0) return undefined;
  return candidates[random.randrange(candidates.length)].id;
}
