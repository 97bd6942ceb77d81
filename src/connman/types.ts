/**
 * The connection manager's public shapes, apart from the code that produces them: the events a
 * `PeerManager` emits and their payloads, the per-peer snapshot operators read (getpeerinfo), the
 * cumulative counters metrics read, and the manager's error class. Components import these; nothing
 * here imports a component, so the arrows stay one-way.
 */
import type { NetId } from '../address/network.js';
import type { AddressRecord } from '../address/record.js';
import type { NetService } from '../address/service.js';
import type { Subnet } from '../address/subnet.js';
import type { TransportProtocolType } from '../peer/message-transport.js';
import type { Peer, PeerStats } from '../peer/peer.js';
import type { ConnectionType } from '../peer/types.js';
import type { ConnectError } from '../transport/transport.js';
import { PeerbookError } from '../util/errors.js';
import type { InvEntry } from '../wire/inventory.js';
import type { Message } from '../wire/messages.js';

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
  /**
   * Socket bytes by the transport protocol of the connection when they went out or came in, including
   * peers already gone: `detecting` is what moved before the protocol was settled (BIP324 keys,
   * garbage, terminators and version packets, and attempts that failed before settling).
   */
  bytesByTransport: { sent: Record<TransportProtocolType, number>; recv: Record<TransportProtocolType, number> };
}

/** Fresh counters, all zero. */
export function newCounters(): ManagerCounters {
  return {
    inboundEvictions: 0,
    inboundRejected: { banned: 0, discouraged: 0, full: 0, inactive: 0 },
    handshakeFailures: 0,
    connectFailures: 0,
    misbehaving: 0,
    bansAdded: 0,
    addrProcessed: 0,
    addrRateLimited: 0,
    bytesPerMsg: { sent: new Map(), recv: new Map() },
    bytesByTransport: { sent: { v1: 0, v2: 0, detecting: 0 }, recv: { v1: 0, v2: 0, detecting: 0 } },
  };
}

/** Summary of a peer given with events (and by `connect()`). */
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

/** The `PeerInfo` of a peer now. */
export function peerInfo(peer: Peer): PeerInfo {
  const r = peer.remote;
  return {
    id: peer.id, addr: peer.addr, connType: peer.connType, inbound: peer.inbound, services: r?.services ?? 0n,
    userAgent: r?.userAgent ?? '', version: r?.version ?? 0, startHeight: r?.startHeight ?? -1,
  };
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
  /** A dial failed (useful for crawlers and dashboards); `error` is the typed failure. */
  'connect:failed': [target: NetService, connType: ConnectionType, reason: string, error: ConnectError];
};

/** Emits one of the manager's events (handed to components; the manager's own `emit` is protected). */
export type EmitEvent = <K extends keyof PeerManagerEvents & string>(event: K, ...args: PeerManagerEvents[K]) => void;

/** Address-relay counters of one peer (getpeerinfo fields). */
export interface AddrRelayStats {
  addrRelayEnabled: boolean;
  addrProcessed: number;
  addrRateLimited: number;
}

/**
 * A snapshot of one peer (getpeerinfo's raw material): the peer's own statistics with the times named
 * by their unit, the manager's per-peer extras, and address-relay counters. Plain data: holding one
 * does not keep the peer, and nothing on it can send or disconnect.
 */
export interface PeerDetails extends Omit<PeerStats, 'connectedAt' | 'lastSend' | 'lastRecv'>, AddrRelayStats {
  /** When the connection was made, ms. */
  connectedAtMs: number;
  /** Last time bytes went out promptly, ms (0 = never). */
  lastSendMs: number;
  /** Last time bytes came in, ms (0 = never). */
  lastRecvMs: number;
  /** True once the manager started disconnecting the peer. */
  disconnecting: boolean;
  /** Network class the peer connected through. */
  network: NetId;
  /** Its AS (with an asmap), else 0. */
  mappedAs: number;
  /** Core's keyed netgroup (eviction's grouping). */
  keyedNetGroup: bigint;
  /** Last time it sent us a novel block, s (0 = never). */
  lastBlockS: number;
  /** Last time it sent us a novel transaction, s (0 = never). */
  lastTxS: number;
}

/** An -addnode entry and whether it is connected (getaddednodeinfo). */
export interface AddedNodeInfo {
  addednode: string;
  connected: boolean;
  addresses: Array<{ address: string; connected: 'inbound' | 'outbound' }>;
}

/** Which peers `disconnect` targets. */
export type DisconnectTarget = { id: number } | { address: string } | { subnet: Subnet };

/**
 * A failure of an operator or application call (code `ERR_PEER_MANAGER` or a more specific one:
 * `ERR_UNKNOWN_PEER`, `ERR_NODE_ALREADY_ADDED`, `ERR_BIND`, …).
 */
export class PeerManagerError extends PeerbookError {}
