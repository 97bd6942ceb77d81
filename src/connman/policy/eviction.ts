/**
 * Inbound eviction policy (Core node/eviction.cpp `SelectNodeToEvict`), as a pure function.
 *
 * When every inbound slot is taken, a new inbound peer can only get in if an existing one is evicted.
 * An attacker who opens many connections must not be able to push out the honest peers a node relies
 * on, so before choosing a victim Core protects, in order: peers in the 4 "largest" keyed netgroups
 * (keyed by a secret so an attacker cannot aim for them), the 8 lowest-latency peers, the 4 that most
 * recently sent us novel transactions, up to 8 block-relay-only peers that recently sent blocks, the
 * 4 that most recently sent novel blocks, then half of the rest by uptime — a quarter of that reserved
 * for disadvantaged networks (CJDNS, I2P, localhost, Tor) that are slower to connect and would lose a
 * pure uptime race. Among the remaining candidates it evicts the youngest peer of the netgroup with
 * the most connections, so an attacker who floods from one netgroup evicts its own connections first.
 */
import { Net, type NetId } from '../../address/network.js';

/** Core `NodeEvictionCandidate`: what eviction knows about each peer. Units are in the field names. */
export interface EvictionCandidate {
  /** Peer id. */
  id: number;
  /** When the connection was made, s (larger = younger). */
  connectedS: number;
  /** Lowest ping seen, µs (Number.MAX_SAFE_INTEGER when none). */
  minPingUs: number;
  /** Last time the peer sent a novel block, s (0 = never). */
  lastBlockS: number;
  /** Last time the peer sent a novel transaction, s (0 = never). */
  lastTxS: number;
  /** Peer offers all the services we want (Core fRelevantServices). */
  relevantServices: boolean;
  /** Peer relays transactions to us (Core m_relay_txs). */
  relayTxs: boolean;
  /** Peer loaded a bloom filter. */
  bloomFilter: boolean;
  /** SipHash of the peer's netgroup with a secret key. */
  keyedNetGroup: bigint;
  /** Discouraged or otherwise preferred for eviction. */
  preferEvict: boolean;
  /** Connected from a local address (e.g. Tor's local proxy). */
  isLocal: boolean;
  /** Network the peer connected through (Core ConnectedThroughNetwork). */
  network: NetId;
  /** Has the `noban` permission: never evicted. */
  noBan: boolean;
  /** Core connection type; only inbound peers are eviction candidates. */
  connType: string;
}

type Compare = (a: EvictionCandidate, b: EvictionCandidate) => number;

// The orderings below are Core's "less than" predicates (eviction.cpp ReverseCompareNodeMinPingTime …)
// written as sort comparators directly: each returns -1 exactly when Core's predicate holds for (a, b),
// 1 when it holds for (b, a), else 0. They run O(N log N) times per newcomer once inbound slots are full,
// so each compares fields at most once (test/connman/eviction.test.ts checks them against the predicates).

/** -1 when a connected later than b (younger first; protected = longest connected, at the end). */
function youngerFirst(a: EvictionCandidate, b: EvictionCandidate): number {
  return a.connectedS > b.connectedS ? -1 : a.connectedS < b.connectedS ? 1 : 0;
}

/** Lowest ping sorts last (protected). Core ReverseCompareNodeMinPingTime. */
const reverseMinPingTime: Compare = (a, b) => (a.minPingUs > b.minPingUs ? -1 : a.minPingUs < b.minPingUs ? 1 : 0);
/** Longest-connected sorts last (protected). Core ReverseCompareNodeTimeConnected. */
const reverseTimeConnected: Compare = youngerFirst;
/** Highest keyed netgroup sorts last. Core CompareNetGroupKeyed. */
const netGroupKeyed: Compare = (a, b) => (a.keyedNetGroup < b.keyedNetGroup ? -1 : a.keyedNetGroup > b.keyedNetGroup ? 1 : 0);

/** Core CompareNodeBlockTime. */
const blockTime: Compare = (a, b) => {
  if (a.lastBlockS !== b.lastBlockS) return a.lastBlockS < b.lastBlockS ? -1 : 1;
  if (a.relevantServices !== b.relevantServices) return b.relevantServices ? -1 : 1;
  return youngerFirst(a, b);
};

/** Core CompareNodeTXTime. */
const txTime: Compare = (a, b) => {
  if (a.lastTxS !== b.lastTxS) return a.lastTxS < b.lastTxS ? -1 : 1;
  if (a.relayTxs !== b.relayTxs) return b.relayTxs ? -1 : 1;
  if (a.bloomFilter !== b.bloomFilter) return a.bloomFilter ? -1 : 1;
  return youngerFirst(a, b);
};

/** Core CompareNodeBlockRelayOnlyTime. */
const blockRelayOnlyTime: Compare = (a, b) => {
  if (a.relayTxs !== b.relayTxs) return a.relayTxs ? -1 : 1;
  if (a.lastBlockS !== b.lastBlockS) return a.lastBlockS < b.lastBlockS ? -1 : 1;
  if (a.relevantServices !== b.relevantServices) return b.relevantServices ? -1 : 1;
  return youngerFirst(a, b);
};

/** Core CompareNodeNetworkTime(is_local, network). */
function networkTime(isLocal: boolean, network: NetId | undefined): Compare {
  return (a, b) => {
    if (isLocal && a.isLocal !== b.isLocal) return b.isLocal ? -1 : 1;
    const aOn = a.network === network;
    const bOn = b.network === network;
    if (aOn !== bOn) return bOn ? -1 : 1;
    return youngerFirst(a, b);
  };
}

/** The sort orders `selectNodeToEvict` uses, by Core's name (exported so tests can check them against Core's predicates). */
export const EVICTION_ORDERINGS = {
  reverseMinPingTime, reverseTimeConnected, netGroupKeyed, blockTime, txTime, blockRelayOnlyTime, networkTime,
} as const;

/**
 * Core `EraseLastKElements`: sorts `v` by `cmp` and removes, from its last `k` elements, those that
 * satisfy `pred`. Removed = protected from eviction. Returns the number removed.
 */
function eraseLastK(v: EvictionCandidate[], cmp: Compare, k: number, pred: (c: EvictionCandidate) => boolean = () => true): number {
  v.sort(cmp);
  const n = Math.min(k, v.length);
  const keep = v.slice(v.length - n).filter((c) => !pred(c));
  const removed = n - keep.length;
  v.splice(v.length - n, n, ...keep);
  return removed;
}

/** Disadvantaged networks, in Core's tie-break order (CJDNS, I2P, localhost, Tor). */
const DISADVANTAGED: ReadonlyArray<{ local: boolean; net: NetId | undefined }> = [
  { local: false, net: Net.CJDNS },
  { local: false, net: Net.I2P },
  { local: true, net: undefined },
  { local: false, net: Net.ONION },
];

/**
 * Core `ProtectEvictionCandidatesByRatio`: protects (removes from `v`) half of the candidates, up to a
 * quarter of them from disadvantaged networks by uptime within each network, the rest by uptime.
 */
export function protectByRatio(v: EvictionCandidate[]): void {
  const initial = v.length;
  const totalProtect = Math.floor(initial / 2);
  const nets = DISADVANTAGED.map((n) => ({
    ...n,
    count: v.filter((c) => (n.local ? c.isLocal : c.network === n.net)).length,
  }));
  // Networks with fewer candidates go first; ties keep the order above (stable sort).
  nets.sort((a, b) => a.count - b.count);
  const maxByNet = Math.floor(totalProtect / 2);
  let protectedCount = 0;
  while (protectedCount < maxByNet) {
    const withCandidates = nets.filter((n) => n.count > 0).length;
    if (withCandidates === 0) break;
    const perNet = Math.max(Math.floor((maxByNet - protectedCount) / withCandidates), 1);
    let progressed = false;
    for (const n of nets) {
      if (n.count === 0) continue;
      const removed = eraseLastK(v, networkTime(n.local, n.net), perNet, (c) => (n.local ? c.isLocal : c.network === n.net));
      if (removed > 0) {
        progressed = true;
        protectedCount += removed;
        if (protectedCount >= maxByNet) break;
        n.count -= removed;
      }
    }
    if (!progressed) break;
  }
  eraseLastK(v, reverseTimeConnected, totalProtect - protectedCount);
}

/** Protection quotas (Core eviction.cpp). */
export const EVICTION_PROTECT_NETGROUPS = 4;
export const EVICTION_PROTECT_PING = 8;
export const EVICTION_PROTECT_TX = 4;
export const EVICTION_PROTECT_BLOCK_RELAY_ONLY = 8;
export const EVICTION_PROTECT_BLOCK = 4;

/**
 * Core `SelectNodeToEvict`: the id of the inbound peer to evict, or undefined when every candidate is
 * protected (the new inbound connection is then refused). Does not modify `candidates`.
 */
export function selectNodeToEvict(candidates: readonly EvictionCandidate[]): number | undefined {
  const v = candidates.filter((c) => !c.noBan && c.connType === 'inbound');
  eraseLastK(v, netGroupKeyed, EVICTION_PROTECT_NETGROUPS);
  eraseLastK(v, reverseMinPingTime, EVICTION_PROTECT_PING);
  eraseLastK(v, txTime, EVICTION_PROTECT_TX);
  eraseLastK(v, blockRelayOnlyTime, EVICTION_PROTECT_BLOCK_RELAY_ONLY, (c) => !c.relayTxs && c.relevantServices);
  eraseLastK(v, blockTime, EVICTION_PROTECT_BLOCK);
  protectByRatio(v);
  if (v.length === 0) return undefined;
  const pool = v.some((c) => c.preferEvict) ? v.filter((c) => c.preferEvict) : v;
  // pool is ordered youngest first (the last sort was by reverse connect time); group by netgroup.
  const groups = new Map<bigint, EvictionCandidate[]>();
  let mostConns = 0;
  let mostTime = 0;
  let mostGroup: bigint | undefined;
  for (const c of pool) {
    let g = groups.get(c.keyedNetGroup);
    if (!g) groups.set(c.keyedNetGroup, (g = []));
    g.push(c);
    const groupTime = g[0].connectedS;
    if (g.length > mostConns || (g.length === mostConns && groupTime > mostTime)) {
      mostConns = g.length;
      mostTime = groupTime;
      mostGroup = c.keyedNetGroup;
    }
  }
  return groups.get(mostGroup!)![0].id;
}
