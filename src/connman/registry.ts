/**
 * The peer registry: one record per live peer, the dials in flight, and our `version` nonces — the
 * connection manager's single source of truth about who we are connected to (Core's `m_nodes` plus
 * the per-node fields net_processing keeps). Every component reads it; only the peer lifecycle adds
 * and removes records, so a disconnect drops everything known about a peer — including each protocol
 * plug-in's per-peer state, which lives in typed slots on the record — in one place.
 *
 * The registry also answers the lookups the rest of the manager needs (Core `FindNode`,
 * `GetNodeCount`, `AlreadyConnectedToAddress`), always in connection order, so decisions that iterate
 * peers are reproducible. Its size is bounded by the connection limits that gate every `add`.
 */
import type { NetAddress } from '../address/netaddress.js';
import type { NetGroupManager } from '../address/netgroup.js';
import type { NetId } from '../address/network.js';
import type { NetService } from '../address/service.js';
import type { Subnet } from '../address/subnet.js';
import type { Peer } from '../peer/peer.js';
import type { ConnectionType } from '../peer/types.js';
import type { Random } from '../util/random.js';
import type { AddrRelayStats, PeerDetails } from './types.js';

/** Why a manual connection exists (Core: `-connect`, `-addnode`, `addnode … onetry`/`addconnection`). */
export interface ManualTarget {
  /** Which list or call asked for it. */
  kind: 'addnode' | 'connect' | 'onetry';
  /** The target as given (host[:port] text, matched verbatim against the list). */
  target: string;
}

/**
 * A typed key for per-peer state a component keeps on the record (a protocol plug-in's relay state, a
 * peer set's membership). Create one per component, module-level: `const SLOT = new PeerSlot<S>('name')`.
 */
export class PeerSlot<T> {
  /** Marks the value type (never set). */
  declare readonly _type?: T;
  /** @param name for diagnostics. */
  constructor(readonly name: string) {}
}

/** What the lifecycle knows when it registers a peer. */
export interface PeerRecordInit {
  /** The connection. */
  peer: Peer;
  /** Core's keyed netgroup (SipHash of the netgroup with the node's secret keys). */
  keyedNetGroup: bigint;
  /** First in line for inbound eviction (Core m_prefer_evict: discouraged peers). */
  preferEvict?: boolean;
  /** Set for manual connections. */
  manual?: ManualTarget;
  /** The remote's identity proven by a connection layer (e.g. a public key), if any. */
  remoteIdentity?: Uint8Array;
  /** The component that opened it, when not the connection manager's own logic (e.g. `'peerset'`). */
  owner?: string;
}

/** Everything the manager knows about one live peer. */
export class PeerRecord {
  /** The connection. */
  readonly peer: Peer;
  /** Core's keyed netgroup. */
  readonly keyedNetGroup: bigint;
  /** Set for manual connections. */
  readonly manual: ManualTarget | undefined;
  /** The remote's identity proven by a connection layer, if any. */
  readonly remoteIdentity: Uint8Array | undefined;
  /** The component that opened it (undefined: the connection manager's own inbound/outbound/manual logic). */
  readonly owner: string | undefined;
  /** First in line for inbound eviction. */
  preferEvict: boolean;
  /** Last time it sent us a novel block, s (Core nLastBlockTime; 0 = never). */
  lastBlockS = 0;
  /** Last time it sent us a novel transaction, s (Core nLastTXTime; 0 = never). */
  lastTxS = 0;
  /** The address table was told this outbound peer connected, so its close is reported too. */
  countedConnected = false;
  private readonly slots = new Map<PeerSlot<unknown>, unknown>();

  /** @param init see `PeerRecordInit`. */
  constructor(init: PeerRecordInit) {
    this.peer = init.peer;
    this.keyedNetGroup = init.keyedNetGroup;
    this.preferEvict = init.preferEvict ?? false;
    this.manual = init.manual;
    this.remoteIdentity = init.remoteIdentity;
    this.owner = init.owner;
  }

  /** The peer's id. */
  get id(): number {
    return this.peer.id;
  }

  /** A component's state for this peer, if it set one. */
  get<T>(slot: PeerSlot<T>): T | undefined {
    return this.slots.get(slot) as T | undefined;
  }

  /** Sets a component's state for this peer; returns it. */
  set<T>(slot: PeerSlot<T>, value: T): T {
    this.slots.set(slot, value);
    return value;
  }
}

/** A dial in flight (or a feeler waiting out its random delay). */
export interface PendingDial {
  /** Where to. */
  target: NetService;
  /** Which connection type it will be. */
  connType: ConnectionType;
  /** Aborts the dial (stop, or the caller's signal). */
  abort: AbortController;
  /** The component that asked for it (undefined: the connection manager itself). */
  owner?: string;
}

/** Which peers a count includes. */
export type PeerDirection = 'in' | 'out' | 'all';

/** What components outside the connection manager (plug-ins, a peer-set component) may read of the registry. */
export interface PeerLookup {
  /** A record by peer id. */
  get(id: number): PeerRecord | undefined;
  /** Every record, in connection order. */
  records(): IterableIterator<PeerRecord>;
  /** Every peer, in connection order (a copy). */
  peers(): Peer[];
  /** Number of live records. */
  readonly size: number;
  /** The dial reserved for `target`, if any. */
  pendingFor(target: NetService): PendingDial | undefined;
  /** Dials in flight. */
  pendingDials(): IterableIterator<PendingDial>;
  /** Connected (not disconnecting) or dialing this exact address and port. */
  isConnectedTo(service: NetService): boolean;
  /** Peers connected to exactly this address and port. */
  findByService(service: NetService): Peer[];
  /** Peers at this IP, any port. */
  findByAddress(addr: NetAddress): Peer[];
  /** Peers inside a subnet. */
  findBySubnet(subnet: Subnet): Peer[];
  /** Peers by direction, optionally of one type, optionally only those past the handshake. */
  nodeCount(direction?: PeerDirection, type?: ConnectionType, readyOnly?: boolean): number;
}

/** Live peers, dials in flight and our nonces. */
export class PeerRegistry implements PeerLookup {
  private readonly byId = new Map<number, PeerRecord>();
  /** Registered inbound peers whose `close` has not fired yet (= not disconnecting); see `inboundCount`. */
  private readonly liveInbound = new Set<number>();
  private readonly pending = new Map<string, PendingDial>();
  private readonly nonces = new Set<bigint>();
  private nextId = 0;

  // ---- records ------------------------------------------------------------------------------

  /** A fresh peer id (Core NodeId: never reused). */
  newPeerId(): number {
    return this.nextId++;
  }

  /** A non-zero `version` nonce not in use by another outbound connection of ours. */
  newNonce(random: Random): bigint {
    let nonce = 0n;
    while (nonce === 0n || this.nonces.has(nonce)) nonce = random.rand64();
    return nonce;
  }

  /** Registers a live peer; outbound peers' nonces are remembered to detect connections to ourselves. */
  add(record: PeerRecord): void {
    this.byId.set(record.id, record);
    const { peer } = record;
    if (!peer.inbound) this.nonces.add(peer.nonce);
    else if (!peer.isDisconnecting) {
      // A peer emits `close` in the same step it starts disconnecting, so this keeps the count exact.
      this.liveInbound.add(peer.id);
      peer.once('close', () => this.liveInbound.delete(peer.id));
    }
  }

  /** Forgets a peer and its nonce; returns its record (undefined if unknown). The one cleanup path. */
  remove(id: number): PeerRecord | undefined {
    const record = this.byId.get(id);
    if (!record) return undefined;
    this.byId.delete(id);
    this.liveInbound.delete(id);
    this.nonces.delete(record.peer.nonce);
    return record;
  }

  /** Core CheckIncomingNonce: true if `nonce` is one we sent on an outbound connection. */
  isOwnNonce(nonce: bigint): boolean {
    return this.nonces.has(nonce);
  }

  /** A record by peer id. */
  get(id: number): PeerRecord | undefined {
    return this.byId.get(id);
  }

  /** Every record, in connection order (a live view: safe to remove while iterating). */
  records(): IterableIterator<PeerRecord> {
    return this.byId.values();
  }

  /** Every peer, in connection order (a copy). */
  peers(): Peer[] {
    const out: Peer[] = [];
    for (const r of this.byId.values()) out.push(r.peer);
    return out;
  }

  /** Number of live records. */
  get size(): number {
    return this.byId.size;
  }

  // ---- dials in flight ----------------------------------------------------------------------

  /** Reserves `target` for a dial (so nothing else dials it meanwhile). */
  reserve(target: NetService, connType: ConnectionType, owner?: string): PendingDial {
    const dial: PendingDial = { target, connType, abort: new AbortController(), ...(owner !== undefined ? { owner } : {}) };
    this.pending.set(target.key, dial);
    return dial;
  }

  /** The dial reserved for `target`, if any. */
  pendingFor(target: NetService): PendingDial | undefined {
    return this.pending.get(target.key);
  }

  /** Releases a reservation. */
  release(target: NetService): void {
    this.pending.delete(target.key);
  }

  /** Dials in flight. */
  pendingDials(): IterableIterator<PendingDial> {
    return this.pending.values();
  }

  /** Aborts every dial in flight (stop). */
  abortPending(): void {
    for (const dial of this.pending.values()) dial.abort.abort();
  }

  // ---- lookups (Core FindNode, GetNodeCount, AlreadyConnectedToAddress) ---------------------

  /** Connected (not disconnecting) or dialing this exact address and port. */
  isConnectedTo(service: NetService): boolean {
    if (this.pending.has(service.key)) return true;
    for (const r of this.byId.values()) if (r.peer.addr.equals(service) && !r.peer.isDisconnecting) return true;
    return false;
  }

  /** Peers connected to exactly this address and port (Core FindNode(CService)). */
  findByService(service: NetService): Peer[] {
    return this.peers().filter((p) => p.addr.equals(service));
  }

  /** Peers at this IP, any port (Core FindNode(CNetAddr)). */
  findByAddress(addr: NetAddress): Peer[] {
    return this.peers().filter((p) => p.addr.addr.equals(addr));
  }

  /** Peers inside a subnet (Core FindNode(CSubNet)). */
  findBySubnet(subnet: Subnet): Peer[] {
    return this.peers().filter((p) => subnet.match(p.addr.addr));
  }

  /** Core `GetNodeCount`: peers by direction, optionally of one type, optionally only those past the handshake. */
  nodeCount(direction: PeerDirection = 'all', type?: ConnectionType, readyOnly = false): number {
    let n = 0;
    for (const { peer: p } of this.byId.values()) {
      if (!p.isDisconnecting && (direction === 'all' || (direction === 'in') === p.inbound) &&
        (type === undefined || p.connType === type) && (!readyOnly || p.isReady)) n++;
    }
    return n;
  }

  /**
   * Inbound peers not disconnecting: `nodeCount('in')` without the walk over every peer, since the
   * accept decision asks for it on every inbound connection (O(1) at thousands of peers).
   */
  inboundCount(): number {
    return this.liveInbound.size;
  }

  /** Full-relay and manual peers on `net`, disconnecting ones included (Core's per-network counts). */
  peersOnNetwork(net: NetId): number {
    let n = 0;
    for (const { peer: p } of this.byId.values()) {
      if ((p.connType === 'outbound-full-relay' || p.connType === 'manual') && p.addr.addr.getNetwork() === net) n++;
    }
    return n;
  }
}

/** The getpeerinfo snapshot of one record: the peer's statistics with units in the names, plus the record's extras. */
export function peerDetails(record: PeerRecord, relay: AddrRelayStats, netgroups: NetGroupManager): PeerDetails {
  const { peer } = record;
  const { connectedAt, lastSend, lastRecv, ...stats } = peer.stats();
  return {
    ...stats, connectedAtMs: connectedAt, lastSendMs: lastSend, lastRecvMs: lastRecv, disconnecting: peer.isDisconnecting, ...relay,
    network: peer.addr.addr.getNetClass(), mappedAs: netgroups.getMappedAS(peer.addr.addr), keyedNetGroup: record.keyedNetGroup,
    lastBlockS: record.lastBlockS, lastTxS: record.lastTxS,
  };
}
