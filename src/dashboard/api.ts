/**
 * The dashboard's JSON documents, built from the connection manager's public API: the peer list
 * (getpeerinfo field names, plus whether the peer is on loopback, a private network or the public
 * internet), a summary (connections by type and network, table sizes, totals, counters) and the
 * address table's per-bucket fill. Plain functions of their inputs, so they are tested without HTTP.
 */
import type { NetAddress } from '../address/netaddress.js';
import type { NetGroupManager } from '../address/netgroup.js';
import { networkName, REACHABLE_NETWORKS, parseNetwork, type NetId } from '../address/network.js';
import type { NetService } from '../address/service.js';
import type { AddrMan } from '../addrman/addrman.js';
import type { EntryPosition } from '../addrman/types.js';
import { ADDRMAN_BUCKET_SIZE, ADDRMAN_NEW_BUCKET_COUNT, ADDRMAN_TRIED_BUCKET_COUNT } from '../addrman/constants.js';
import type { ManagerCounters, PeerDetails } from '../connman/types.js';
import { permissionNames } from '../connman/policy/permissions.js';
import type { TransportProtocolType } from '../peer/message-transport.js';
import { CONNECTION_TYPES, type ConnectionType } from '../peer/types.js';
import type { Clock } from '../util/clock.js';

/** What the dashboard reads from the connection manager; `PeerManager` satisfies it. */
export interface DashboardSource {
  /** Per-peer statistics (getpeerinfo). */
  peerDetails(): readonly PeerDetails[];
  /** Current peers. */
  peers(): ReadonlyArray<{ readonly connType: ConnectionType; readonly inbound: boolean; readonly isDisconnecting: boolean; readonly addr: NetService }>;
  /** Socket byte totals. */
  totals(): { bytesSent: number; bytesRecv: number };
  /** The address table. */
  readonly addrman: Pick<AddrMan, 'size' | 'getEntries'>;
  /** Active bans. */
  listBanned(): readonly unknown[];
  /** Cumulative counters. */
  readonly counters: ManagerCounters;
  /** Networks we can reach. */
  readonly reachableNetworks: ReadonlySet<NetId>;
  /** Whether networking is on. */
  readonly networkActive: boolean;
  /** True while running. */
  readonly running: boolean;
  /** When start() completed, ms (0 before). */
  readonly startTime: number;
  /** Network parameters (only the chain name is read). */
  readonly network: { readonly name: string };
  /** Our service flags. */
  readonly localServices: bigint;
  /** The manager's time source (the dashboard's default clock). */
  readonly clock: Clock;
  /** The manager's network groups (with its asmap, if any); absent: prefix groups. */
  readonly netgroups?: Pick<NetGroupManager, 'getGroup' | 'getMappedAS' | 'asmap'>;
}

/**
 * Where a peer's address lies: `loopback` (127/8, ::1 — this machine), `private` (not publicly
 * routable: RFC 1918, link-local, unique-local, carrier-grade NAT …) or `public`. Core's getpeerinfo
 * reports both of the first two as network `not_publicly_routable`; the dashboard says which.
 */
export type AddressScope = 'loopback' | 'private' | 'public';

/** The scope of `addr`. */
export function addressScope(addr: NetAddress): AddressScope {
  if (addr.isLocal()) return 'loopback';
  return addr.isRoutable() ? 'public' : 'private';
}

/** One row of `/api/peers`: Core getpeerinfo's names (times in Unix seconds, pings in seconds), plus `connected_for`. */
export interface PeerRow {
  id: number;
  addr: string;
  addrbind: string | null;
  /** Core's network class: `not_publicly_routable` for loopback and private addresses. */
  network: string;
  /** The address's own network (`ipv4` for 127.0.0.1 too). */
  address_network: string;
  /** Loopback, private network or public internet. */
  scope: AddressScope;
  connection_type: ConnectionType;
  inbound: boolean;
  subver: string;
  version: number;
  /** Service flags as 16 hex digits (Core's format). */
  services: string;
  startingheight: number;
  pingtime: number | null;
  minping: number | null;
  pingwait: number | null;
  bytessent: number;
  bytesrecv: number;
  conntime: number;
  /** Seconds since the connection was made. */
  connected_for: number;
  lastsend: number;
  lastrecv: number;
  addr_relay_enabled: boolean;
  addr_processed: number;
  addr_rate_limited: number;
  mapped_as: number;
  permissions: string[];
  /** True once the version handshake completed. */
  handshake_done: boolean;
  /** Core getpeerinfo `transport_protocol_type`: v1, v2 (BIP324) or detecting. */
  transport_protocol_type: TransportProtocolType;
  /** Core getpeerinfo `session_id`: the BIP324 session id in hex, '' unless v2. */
  session_id: string;
}

const seconds = (ms: number | undefined): number | null => (ms === undefined ? null : ms / 1000);

/** `/api/peers`: every peer, ordered by id; `now` (ms) gives `connected_for`. */
export function peerRows(source: Pick<DashboardSource, 'peerDetails'>, now: number): PeerRow[] {
  return source.peerDetails().map((d): PeerRow => ({
    id: d.id,
    addr: d.addrName && d.addrName !== d.addr.toString() ? d.addrName : d.addr.toString(),
    addrbind: d.addrBind ? d.addrBind.toString() : null,
    network: networkName(d.network),
    address_network: d.addr.addr.networkType(),
    scope: addressScope(d.addr.addr),
    connection_type: d.connType,
    inbound: d.inbound,
    subver: d.remote?.userAgent ?? '',
    version: d.remote?.version ?? 0,
    services: (d.remote?.services ?? 0n).toString(16).padStart(16, '0'),
    startingheight: d.remote?.startHeight ?? -1,
    pingtime: seconds(d.lastPingMs),
    minping: seconds(d.minPingMs),
    pingwait: seconds(d.pingWaitMs),
    bytessent: d.bytesSent,
    bytesrecv: d.bytesRecv,
    conntime: Math.floor(d.connectedAtMs / 1000),
    connected_for: Math.max(0, Math.floor((now - d.connectedAtMs) / 1000)),
    lastsend: Math.floor(d.lastSendMs / 1000),
    lastrecv: Math.floor(d.lastRecvMs / 1000),
    addr_relay_enabled: d.addrRelayEnabled,
    addr_processed: d.addrProcessed,
    addr_rate_limited: d.addrRateLimited,
    mapped_as: d.mappedAs,
    permissions: permissionNames(d.permissions),
    handshake_done: d.successfullyConnected,
    transport_protocol_type: d.transportType,
    session_id: d.sessionId ?? '',
  })).sort((a, b) => a.id - b.id);
}

/** `/api/summary`. */
export interface Summary {
  /** Now on the manager's clock, ms. */
  time: number;
  chain: string;
  running: boolean;
  networkactive: boolean;
  /** Seconds since start (0 before). */
  uptime: number;
  /** Our service flags, 16 hex digits. */
  localservices: string;
  /** Core getconnectioncount-style counts (disconnecting peers excluded). */
  connections: { total: number; in: number; out: number };
  /** Connections by Core connection type (every type present, 0 when none). */
  by_type: Record<ConnectionType, number>;
  /** Connections by network (every reachable network present). */
  by_network: Record<string, number>;
  /** Connections by type, then network. */
  by_type_network: Record<ConnectionType, Record<string, number>>;
  totals: { totalbytessent: number; totalbytesrecv: number };
  addrman: { new: number; tried: number; total: number; by_network: Record<string, { new: number; tried: number }> };
  /** Active bans. */
  banned: number;
  counters: {
    inbound_evictions: number;
    inbound_rejected: ManagerCounters['inboundRejected'];
    handshake_failures: number;
    connect_failures: number;
    misbehaving: number;
    bans_added: number;
  };
}

/** `/api/summary` at time `now` (ms): connections by type and network, table sizes, traffic totals and counters. */
export function summary(source: Omit<DashboardSource, 'peerDetails' | 'clock'>, now: number): Summary {
  const nets = REACHABLE_NETWORKS.filter((n) => source.reachableNetworks.has(parseNetwork(n)!));
  const byType = Object.fromEntries(CONNECTION_TYPES.map((t) => [t, 0])) as Record<ConnectionType, number>;
  const byNetwork: Record<string, number> = Object.fromEntries(nets.map((n) => [n, 0]));
  const byTypeNetwork = Object.fromEntries(CONNECTION_TYPES.map((t) => [t, Object.fromEntries(nets.map((n) => [n, 0]))])) as Record<ConnectionType, Record<string, number>>;
  let inbound = 0;
  let outbound = 0;
  for (const p of source.peers()) {
    if (p.isDisconnecting) continue;
    const net = networkName(p.addr.addr.getNetClass());
    byType[p.connType]++;
    byNetwork[net] = (byNetwork[net] ?? 0) + 1;
    byTypeNetwork[p.connType][net] = (byTypeNetwork[p.connType][net] ?? 0) + 1;
    if (p.inbound) inbound++;
    else outbound++;
  }
  const am = source.addrman;
  const amByNet: Record<string, { new: number; tried: number }> = {};
  for (const n of REACHABLE_NETWORKS) {
    const id = parseNetwork(n)!;
    amByNet[n] = { new: am.size({ network: id, inNew: true }), tried: am.size({ network: id, inNew: false }) };
  }
  const c = source.counters;
  const totals = source.totals();
  return {
    time: now,
    chain: source.network.name,
    running: source.running,
    networkactive: source.networkActive,
    uptime: source.startTime > 0 ? Math.max(0, Math.floor((now - source.startTime) / 1000)) : 0,
    localservices: source.localServices.toString(16).padStart(16, '0'),
    connections: { total: inbound + outbound, in: inbound, out: outbound },
    by_type: byType,
    by_network: byNetwork,
    by_type_network: byTypeNetwork,
    totals: { totalbytessent: totals.bytesSent, totalbytesrecv: totals.bytesRecv },
    addrman: { new: am.size({ inNew: true }), tried: am.size({ inNew: false }), total: am.size(), by_network: amByNet },
    banned: source.listBanned().length,
    counters: {
      inbound_evictions: c.inboundEvictions,
      inbound_rejected: { ...c.inboundRejected },
      handshake_failures: c.handshakeFailures,
      connect_failures: c.connectFailures,
      misbehaving: c.misbehaving,
      bans_added: c.bansAdded,
    },
  };
}

/** `/api/addrman/buckets`: occupied cells per bucket of each table. */
export interface BucketFill {
  /** Cells per bucket (64). */
  bucket_size: number;
  /** 1,024 counts, one per new-table bucket (0 … 64). */
  new: number[];
  /** 256 counts, one per tried-table bucket (0 … 64). */
  tried: number[];
}

/**
 * Counts occupied cells per bucket from `getEntries` (Core getrawaddrman). That call builds one object
 * per entry, so on a full table it is not cheap (≈ 0.3 s for 65,000 entries); callers cache it.
 */
export function bucketFill(addrman: Pick<AddrMan, 'getEntries'>): BucketFill {
  return bucketFillFromEntries(addrman.getEntries(false), addrman.getEntries(true));
}

/** `bucketFill` from rows already read with `getEntries(false)` and `getEntries(true)`. */
export function bucketFillFromEntries(newEntries: readonly EntryPosition[], triedEntries: readonly EntryPosition[]): BucketFill {
  const count = (entries: readonly EntryPosition[], buckets: number): number[] => {
    const out = new Array<number>(buckets).fill(0);
    for (const e of entries) if (e.bucket >= 0 && e.bucket < buckets) out[e.bucket]++;
    return out;
  };
  return { bucket_size: ADDRMAN_BUCKET_SIZE, new: count(newEntries, ADDRMAN_NEW_BUCKET_COUNT), tried: count(triedEntries, ADDRMAN_TRIED_BUCKET_COUNT) };
}

/** Serialises to JSON with bigints as decimal strings (JSON has no integers beyond 2^53). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * The peer-set panel's document, served at `/api/peersets` when the dashboard is given a source for it
 * (a peer-set node's `peerSetsDocument()`, src/peerset/node.ts): the kept sets, newest first, with
 * which of their primaries are connected, and every tracked peer. Keys are hex; nothing here is drawn
 * from what a peer says about itself.
 */
export interface PeerSetsPanelDocument {
  /** Our key. */
  self: string;
  /** The active (highest) set id. */
  active_id: number | null;
  /** Kept sets, newest first. */
  sets: Array<{ id: number; primary: Array<{ key: string; connected: boolean }>; secondary: number; connected_primaries: number }>;
  /** Every tracked peer. */
  peers: Array<{ key: string; role: string; status: string; dial: string; source_ip: string; blocked_until_ms: number | null }>;
  /** Keys blocked now (tracked or not). */
  blocked: number;
}
