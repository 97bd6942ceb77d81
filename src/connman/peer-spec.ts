/**
 * What it takes to create a peer: the one description every path that opens a connection (dialer,
 * inbound, a plug-in's redial) hands to the peer lifecycle, which builds the `Peer` and its registry
 * record in one place. A per-connection `Peer` option (e.g. which message transport to speak) is added
 * to `PeerOverrides` and flows from the dial request to the constructor without touching the paths.
 */
import type { NetService } from '../address/service.js';
import type { PeerOptions } from '../peer/peer.js';
import type { ConnectionType } from '../peer/types.js';
import type { Connection } from '../transport/transport.js';
import type { ManualTarget, PeerRecord } from './registry.js';

/** `Peer` options a caller may set per connection (the rest come from the manager's settings). */
export type PeerOverrides = Partial<Pick<PeerOptions, 'limits' | 'messageTransport'>>;

/** Everything about one new connection. */
export interface PeerSpec {
  /** The established (and, with a connection layer, upgraded) byte stream. */
  connection: Connection;
  /** Core connection type. */
  connType: ConnectionType;
  /** The peer's address: the dialed target, or the remote end of an inbound connection. */
  addr: NetService;
  /** The name dialed, when different from the address (Core m_addr_name). */
  addrName?: string;
  /** Core NetPermissionFlags of this connection. */
  permissions: number;
  /** Services we believe the peer has (from the address table). */
  knownServices?: bigint;
  /** First in line for inbound eviction. */
  preferEvict?: boolean;
  /** Set for manual connections. */
  manual?: ManualTarget;
  /** The remote's identity proven by a connection layer. */
  remoteIdentity?: Uint8Array;
  /** The component that opened it (undefined: the connection manager's own logic). */
  owner?: string;
  /** Per-connection `Peer` options. */
  overrides?: PeerOverrides;
}

/** Builds the `Peer` for a spec, registers it and starts its handshake. */
export type CreatePeer = (spec: PeerSpec) => PeerRecord;
