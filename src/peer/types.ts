/** Shared peer-layer types: connection types (Core's names) and per-peer limits. */

/** Core `ConnectionType` names (node/connection_types.cpp `ConnectionTypeAsString`). */
export type ConnectionType = 'inbound' | 'outbound-full-relay' | 'manual' | 'feeler' | 'block-relay-only' | 'addr-fetch';

/** Every connection type, in Core's order. */
export const CONNECTION_TYPES: readonly ConnectionType[] = ['inbound', 'outbound-full-relay', 'manual', 'feeler', 'block-relay-only', 'addr-fetch'];

/** Core `ExpectServicesFromConn`: outbound types that must offer our desirable services. */
export function expectsServicesFrom(type: ConnectionType): boolean {
  return type === 'outbound-full-relay' || type === 'block-relay-only' || type === 'addr-fetch';
}

/** Core `IsOutboundOrBlockRelayConn`: automatic outbound slots (full-relay and block-relay-only). */
export function isOutboundOrBlockRelay(type: ConnectionType): boolean {
  return type === 'outbound-full-relay' || type === 'block-relay-only';
}

/** Core net.h DEFAULT_MAXRECEIVEBUFFER (5000 KB): queued received bytes before we stop reading. */
export const DEFAULT_RECEIVE_FLOOD_BYTES = 5_000 * 1000;
/** Core net.h DEFAULT_MAXSENDBUFFER (1000 KB): queued send bytes before we stop processing the peer's requests. */
export const DEFAULT_SEND_BUFFER_BYTES = 1_000 * 1000;
/**
 * Hard cap on queued send bytes: above it the peer is disconnected. Core lets nSendSize run past the
 * soft limit (it only pauses request processing); we bound it so a peer that never reads cannot make
 * us buffer without limit. Twice the soft limit plus one maximum-size message.
 */
export const MAX_SEND_QUEUE_BYTES = 2 * DEFAULT_SEND_BUFFER_BYTES + 4_000_000;
/** Core net.h DEFAULT_PEER_CONNECT_TIMEOUT (-peertimeout): grace before inactivity checks start, ms. */
export const DEFAULT_PEER_CONNECT_TIMEOUT_MS = 60_000;
/** Core net.h TIMEOUT_INTERVAL: inactivity and ping timeout, ms. */
export const TIMEOUT_INTERVAL_MS = 20 * 60_000;
/** Core net_processing.cpp PING_INTERVAL, ms. */
export const PING_INTERVAL_MS = 2 * 60_000;
/** Core AVG_ADDRESS_BROADCAST_INTERVAL × 10: an addr-fetch connection lives at most this long, ms. */
export const ADDR_FETCH_TIMEOUT_MS = 10 * 30_000;

/** Per-peer limits; every field has Core's default. */
export interface PeerLimits {
  /** Received-but-unprocessed bytes before reading pauses (Core -maxreceivebuffer × 1000). */
  receiveFloodBytes: number;
  /** Queued send bytes before request processing pauses (Core -maxsendbuffer × 1000). */
  sendBufferBytes: number;
  /** Queued send bytes that disconnect the peer. */
  maxSendQueueBytes: number;
  /** Grace period before inactivity rules apply (Core -peertimeout). */
  peerConnectTimeoutMs: number;
  /** No send or receive for this long disconnects; so does an unanswered ping. */
  inactivityTimeoutMs: number;
  /** Time between pings. */
  pingIntervalMs: number;
  /**
   * What a message with a bad checksum or command (v1), an invalid message type (BIP324), or a payload
   * that does not decode, costs the peer:
   * `'drop'` (Core, the default) drops the message, counts its bytes and keeps the peer; `'disconnect'`
   * is a stricter, non-Core mode. DoS-sized input (wrong magic, oversized length, over-long vectors)
   * disconnects either way.
   */
  malformedMessages: 'drop' | 'disconnect';
}

/** Core's defaults for `PeerLimits`. */
export const DEFAULT_PEER_LIMITS: Readonly<PeerLimits> = Object.freeze({
  receiveFloodBytes: DEFAULT_RECEIVE_FLOOD_BYTES,
  sendBufferBytes: DEFAULT_SEND_BUFFER_BYTES,
  maxSendQueueBytes: MAX_SEND_QUEUE_BYTES,
  peerConnectTimeoutMs: DEFAULT_PEER_CONNECT_TIMEOUT_MS,
  inactivityTimeoutMs: TIMEOUT_INTERVAL_MS,
  pingIntervalMs: PING_INTERVAL_MS,
  malformedMessages: 'drop',
});
