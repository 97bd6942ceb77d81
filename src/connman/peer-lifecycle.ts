/**
 * The peer lifecycle: the one place a `Peer` is built and registered, and the one place its events are
 * routed — Core's `CConnman` handing a new `CNode` to net_processing (`InitializeNode`), then calling
 * `ProcessMessages` and finally `FinalizeNode`. Every connection, inbound or outbound, whoever opened
 * it, is created from a `PeerSpec` here; the per-connection `Peer` options come from the manager's
 * settings plus the spec's overrides.
 *
 * Routing: `version` updates the address table for outbound peers (Core: services, Good, connected)
 * and our local-address scores for inbound ones, then the plug-ins' `onVersion`; `ready` emits
 * `peer:connect`; each message goes through the plug-ins in order (one may consume it) and then to the
 * application's events; `misbehaving` discourages the address (Core `MaybeDiscourageAndDisconnect`);
 * `close` removes the record from the registry — dropping every plug-in's per-peer state with it —
 * tells the plug-ins and the address table, and emits `peer:disconnect`.
 *
 * The message transport is chosen here (policy/transport.ts): BIP324 v2 on inbound connections and on
 * outbound ones that asked for it or whose address advertises NODE_P2P_V2, when the node has v2
 * enabled. An outbound v2 attempt that a v1-only node hung up on (Core `ShouldReconnectV1`) is handed
 * back, with its spec, for one retry with v1.
 */
import { keyedNetGroup, type NetGroupManager } from '../address/netgroup.js';
import type { AddrMan } from '../addrman/addrman.js';
import { Peer, type LocalNodeInfo, type RemoteVersion, type TrafficRecorder } from '../peer/peer.js';
import type { PeerLimits } from '../peer/types.js';
import { AbortError, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Random } from '../util/random.js';
import type { Message } from '../wire/messages.js';
import { ConnectError } from '../transport/transport.js';
import type { BanMan } from './banman.js';
import type { LocalAddresses } from './local-addresses.js';
import type { PeerSpec } from './peer-spec.js';
import { hasPermission, Permission } from './policy/permissions.js';
import { chooseTransport } from './policy/transport.js';
import type { ProtocolPlugin } from './protocol.js';
import { PeerRecord, type PeerRegistry } from './registry.js';
import { peerInfo, type EmitEvent, type ManagerCounters, type PeerInfo } from './types.js';

/** What the lifecycle uses. */
export interface LifecycleContext {
  clock: Clock;
  random: Random;
  log: Logger;
  /** Network magic. */
  magic: Uint8Array;
  registry: PeerRegistry;
  counters: ManagerCounters;
  netgroups: NetGroupManager;
  /** The node's secret randomizer keys (Core nSeed0, nSeed1). */
  seed0: bigint;
  seed1: bigint;
  /** The address table (a function: the manager replaces its table when it loads peers.dat). */
  addrman(): AddrMan;
  banman: BanMan;
  localAddresses: LocalAddresses;
  /** The plug-ins, in order (filled by the manager after construction). */
  protocols: readonly ProtocolPlugin[];
  /** What we announce in `version`. */
  localInfo(): LocalNodeInfo;
  /** Per-peer limits from the settings. */
  peerLimits?: Partial<PeerLimits>;
  /** Core HasAllDesirableServiceFlags (or the application's rule). */
  hasDesirableServices(services: bigint): boolean;
  /** Connections go through a proxy (-proxy): peers are not told their address. */
  viaProxy: boolean;
  /** Byte counters shared by every peer. */
  traffic: TrafficRecorder;
  emit: EmitEvent;
  /** Called when a closed outbound v2 attempt should be retried once with v1 (Core m_reconnections). */
  retryWithV1?(spec: PeerSpec, record: PeerRecord): void;
}

/** Builds peers and routes their events. */
export class PeerLifecycle {
  /** The spec each live peer was created from (for Core's retry with v1); entries go with their records. */
  private readonly specs = new WeakMap<PeerRecord, PeerSpec>();

  /** @param ctx see `LifecycleContext`. */
  constructor(private readonly ctx: LifecycleContext) {}

  /** Builds the `Peer` for `spec`, registers its record, lets the plug-ins set up, starts the handshake. */
  create(spec: PeerSpec): PeerRecord {
    const { ctx } = this;
    const { addr, connType } = spec;
    const id = ctx.registry.newPeerId();
    const nonce = ctx.registry.newNonce(ctx.random);
    const overrides = spec.overrides ?? {};
    const limits = overrides.limits ? { ...ctx.peerLimits, ...overrides.limits } : ctx.peerLimits;
    const local = ctx.localInfo();
    const requested = typeof overrides.messageTransport === 'string' ? overrides.messageTransport : undefined;
    const messageTransport = typeof overrides.messageTransport === 'object' ? overrides.messageTransport
      : chooseTransport(local.services, { inbound: connType === 'inbound', peerServices: spec.knownServices, requested });
    const peer = new Peer({
      id, connection: spec.connection, connType, addr, addrName: spec.addrName, magic: ctx.magic, clock: ctx.clock,
      random: ctx.random, local, nonce, ...overrides, limits, messageTransport,
      isOwnNonce: (n) => ctx.registry.isOwnNonce(n),
      hasDesirableServices: (s) => ctx.hasDesirableServices(s),
      traffic: ctx.traffic,
      permissions: spec.permissions,
      knownServices: spec.knownServices,
      viaProxy: ctx.viaProxy && !addr.addr.isLocal(),
    });
    const record = new PeerRecord({
      peer, keyedNetGroup: keyedNetGroup(ctx.seed0, ctx.seed1, ctx.netgroups.getGroup(addr.addr)),
      preferEvict: spec.preferEvict, manual: spec.manual, remoteIdentity: spec.remoteIdentity, owner: spec.owner,
    });
    ctx.registry.add(record);
    this.specs.set(record, spec);
    peer.on('version', (v) => this.onVersion(record, v));
    peer.on('ready', () => {
      ctx.log.debug(`peer ${id} connected`, { addr: addr.toString(), type: connType });
      ctx.emit('peer:connect', peerInfo(peer));
    });
    peer.on('message', (m) => this.onMessage(record, m));
    peer.on('misbehaving', (reason) => this.onMisbehaving(record, reason));
    peer.once('close', (reason) => this.onClose(record, reason));
    for (const p of ctx.protocols) p.onConnect?.(record);
    peer.start();
    return record;
  }

  /**
   * Resolves with the peer's info once its handshake completes; rejects with `ConnectError`
   * `ERR_HANDSHAKE_FAILED` if it closes first, or `AbortError` (after disconnecting it) if `signal` aborts.
   */
  whenReady(record: PeerRecord, signal?: AbortSignal): Promise<PeerInfo> {
    const { peer } = record;
    if (peer.isReady) return Promise.resolve(peerInfo(peer));
    return new Promise((resolve, reject) => {
      const done = (): void => {
        peer.off('ready', onReady);
        peer.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
      };
      const onReady = (): void => { done(); resolve(peerInfo(peer)); };
      const onClose = (reason: string): void => {
        done();
        reject(new ConnectError('ERR_HANDSHAKE_FAILED', `connection to ${peer.addr} closed before the handshake completed: ${reason}`));
      };
      const onAbort = (): void => {
        done();
        peer.disconnect('connect aborted by caller');
        reject(new AbortError(`connect to ${peer.addr} aborted`));
      };
      if (peer.isDisconnecting) return onClose(peer.disconnectReason ?? 'disconnected');
      if (signal?.aborted) return onAbort();
      peer.on('ready', onReady);
      peer.once('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private onVersion(record: PeerRecord, v: RemoteVersion): void {
    const { peer } = record;
    if (!peer.inbound) {
      // Core: record outbound peers' services and that they are alive (Good) once the version checks pass.
      const addrman = this.ctx.addrman();
      addrman.setServices(peer.addr, v.services);
      addrman.good(peer.addr);
      addrman.markConnected(peer.addr);
      record.countedConnected = true;
    } else if (v.addrLocal && v.addrLocal.addr.isRoutable()) {
      this.ctx.localAddresses.seen(v.addrLocal);
    }
    for (const p of this.ctx.protocols) p.onVersion?.(record, v);
  }

  private onMessage(record: PeerRecord, message: Message): void {
    for (const p of this.ctx.protocols) if (p.onMessage?.(record, message) === true) return;
    const { emit } = this.ctx;
    const info = peerInfo(record.peer);
    if (message.type === 'inv') emit('inv', info, message.entries);
    else if (message.type === 'getdata') emit('getdata', info, message.entries);
    else if (message.type === 'notfound') emit('notfound', info, message.entries);
    emit('peer:message', info, message);
  }

  /** Core `MaybeDiscourageAndDisconnect`: noban and manual peers are not punished; local ones only disconnected. */
  private onMisbehaving(record: PeerRecord, reason: string): void {
    const { peer } = record;
    this.ctx.log.info(`peer ${peer.id} misbehaving: ${reason}`, { addr: peer.addr.toString() });
    this.ctx.counters.misbehaving++;
    if (hasPermission(peer.permissions, Permission.NOBAN) || peer.connType === 'manual') return;
    if (peer.addr.addr.isLocal()) {
      peer.disconnect(`misbehaving: ${reason}`);
      return;
    }
    this.ctx.banman.discourage(peer.addr.addr);
    for (const r of this.ctx.registry.records()) if (r.peer.addr.addr.equals(peer.addr.addr)) r.peer.disconnect(`misbehaving: ${reason}`);
  }

  /** The one cleanup path: the record (and every plug-in's state on it) goes, then the others are told. */
  private onClose(record: PeerRecord, reason: string): void {
    const { peer } = record;
    this.ctx.registry.remove(peer.id);
    for (const p of this.ctx.protocols) p.onDisconnect?.(record, reason);
    if (!peer.isReady && peer.connType !== 'feeler' && reason !== 'shutdown') this.ctx.counters.handshakeFailures++;
    if (!peer.inbound && record.countedConnected) {
      // Core FinalizeNode: refresh the address's time, except for block-relay-only links (privacy).
      const addrman = this.ctx.addrman();
      if (peer.isReady && peer.connType !== 'block-relay-only') addrman.connected(peer.addr);
      addrman.markDisconnected(peer.addr);
    }
    this.ctx.log.debug(`peer ${peer.id} disconnected: ${reason}`, { addr: peer.addr.toString(), type: peer.connType });
    if (peer.isReady) this.ctx.emit('peer:disconnect', peerInfo(peer), reason);
    const spec = this.specs.get(record);
    if (spec && reason !== 'shutdown' && peer.shouldReconnectV1) {
      this.ctx.log.debug(`retrying with v1 transport protocol for peer=${peer.id}`, { addr: peer.addr.toString() });
      this.ctx.retryWithV1?.(spec, record);
    }
  }
}
