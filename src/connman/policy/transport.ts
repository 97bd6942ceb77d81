/**
 * Which message transport a connection starts with (Core net.cpp: `CreateNodeFromAcceptedSocket`,
 * `ThreadOpenConnections`, `ThreadOpenAddedConnections`, `ProcessAddrFetch`, RPC addnode).
 *
 * A node with BIP324 enabled (`-v2transport`, on by default since Core 27) advertises NODE_P2P_V2 and:
 * - serves every inbound connection with the v2 transport, which detects a v1 peer by its first 16
 *   bytes and falls back — so nothing is lost by always offering it;
 * - on automatic outbound connections (full-relay, block-relay-only, feelers, anchors) speaks v2 only
 *   to addresses that advertise NODE_P2P_V2 (`addr.nServices & GetLocalServices() & NODE_P2P_V2`),
 *   because a v1-only node would hang up on our key and cost us a retry;
 * - on connections the operator asked for (-connect, -addnode, onetry, -seednode/addr-fetch) tries v2
 *   whatever the address advertises — their services are usually unknown — unless the request says
 *   otherwise (RPC addnode's `v2transport` argument); a v1-only node is then retried once with v1.
 * With BIP324 disabled, everything is v1.
 */
import type { TransportChoice } from '../../peer/message-transport.js';
import { NODE_P2P_V2 } from '../../wire/services.js';

/** How the connection was asked for. */
export interface TransportRequest {
  /** Inbound connections are always offered v2 (when enabled): the transport detects v1. */
  inbound: boolean;
  /** The services we believe the peer has (from the address table), for automatic outbound connections. */
  peerServices?: bigint;
  /** An explicit choice (manual connections, retries); ignored when BIP324 is disabled. */
  requested?: TransportChoice;
}

/** True when our services include NODE_P2P_V2 (Core `GetLocalServices() & NODE_P2P_V2`). */
export function v2Enabled(localServices: bigint): boolean {
  return (localServices & NODE_P2P_V2) !== 0n;
}

/** The transport a new connection starts with. */
export function chooseTransport(localServices: bigint, req: TransportRequest): TransportChoice {
  if (!v2Enabled(localServices)) return 'v1';
  if (req.inbound) return 'v2';
  if (req.requested !== undefined) return req.requested;
  return ((req.peerServices ?? 0n) & NODE_P2P_V2) !== 0n ? 'v2' : 'v1';
}
