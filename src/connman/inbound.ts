/**
 * Inbound connections (Core `CConnman::AcceptConnection` and `CreateNodeFromAcceptedSocket`): the
 * listeners, and the decision on each accepted socket. In order: the optional inbound gate (before any
 * other work), the connection's permissions (-whitebind flags of the listener, -whitelist), then Core's
 * refusals — network inactive, banned (unless noban), discouraged when inbound slots are nearly full —
 * and when every inbound slot is taken, an eviction (`selectNodeToEvict`) or a refusal. An accepted
 * socket goes through the optional connection layer and becomes a peer through the peer lifecycle.
 *
 * Eviction protects the peers an attacker cannot cheaply imitate; see policy/eviction.ts.
 */
import type { NetService } from '../address/service.js';
import type { Connection, Listener, Transport } from '../transport/transport.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { BanMan } from './banman.js';
import { upgradeConnection, type ConnectionLayer, type InboundGate } from './connection-layer.js';
import { LocalScore, type LocalAddresses } from './local-addresses.js';
import type { CreatePeer } from './peer-spec.js';
import { selectNodeToEvict, type EvictionCandidate } from './policy/eviction.js';
import type { SlotBudget } from './policy/outbound.js';
import { hasPermission, Permission, type WhitebindEntry } from './policy/permissions.js';
import { PeerSlot, type PeerRecord, type PeerRegistry } from './registry.js';
import { PeerManagerError, type ManagerCounters } from './types.js';

/** Most inbound connections in a connection-layer upgrade at once; more are dropped until some finish. */
export const MAX_INBOUND_UPGRADES_IN_FLIGHT = 64;

/** What inbound handling uses. */
export interface InboundContext {
  clock: Clock;
  log: Logger;
  transport: Transport;
  registry: PeerRegistry;
  banman: BanMan;
  counters: ManagerCounters;
  localAddresses: LocalAddresses;
  budget: SlotBudget;
  /** Plain -bind addresses. */
  binds: readonly NetService[];
  /** -whitebind addresses with their flags. */
  whitebinds: readonly WhitebindEntry[];
  /** The manager runs (connections arriving before start or after stop are dropped). */
  running(): boolean;
  /** Networking is on (Core fNetworkActive). */
  networkActive(): boolean;
  /** Permission flags of an inbound connection from `remote` on a listener with `listenerFlags` (-whitelist applied). */
  permissionsFor(listenerFlags: number, remote: NetService): number;
  /** Core HasAllDesirableServiceFlags (or the application's rule), for eviction's "relevant services". */
  hasDesirableServices(services: bigint): boolean;
  /** Refuses connections before any other work. */
  gate?: InboundGate;
  /** Optional upgrade before the peer exists. */
  connectionLayer?: ConnectionLayer;
  /** The peer lifecycle's one construction path. */
  createPeer: CreatePeer;
  /** Tracks a background task (awaited at stop). */
  track(task: Promise<unknown>): void;
}

/**
 * Each record keeps its own candidate object, refreshed in place for every decision: with every
 * inbound slot taken, each newcomer needs a candidate for every peer (5,000 objects per newcomer at
 * 5,000 peers), and the fields that never change while a peer is connected — connection time, address
 * class, network, permissions, netgroup key — are computed once.
 */
const CANDIDATE = new PeerSlot<EvictionCandidate>('eviction-candidate');

/**
 * Core `NodeEvictionCandidate` of a live peer. The object belongs to the record and the next call
 * refreshes it: read it before asking again.
 */
export function evictionCandidate(record: PeerRecord, hasDesirableServices: (services: bigint) => boolean): EvictionCandidate {
  const { peer } = record;
  const c = record.get(CANDIDATE) ?? record.set(CANDIDATE, {
    id: peer.id,
    connectedS: Math.floor(peer.connectedAt / 1000),
    minPingUs: 0,
    lastBlockS: 0,
    lastTxS: 0,
    relevantServices: false,
    relayTxs: false,
    bloomFilter: false,
    keyedNetGroup: record.keyedNetGroup,
    preferEvict: false,
    isLocal: peer.addr.addr.isLocal(),
    network: peer.addr.addr.getNetClass(),
    noBan: hasPermission(peer.permissions, Permission.NOBAN),
    connType: peer.connType,
  });
  const remote = peer.remote;
  const minPingMs = peer.minPingMs;
  c.minPingUs = minPingMs === undefined ? Number.MAX_SAFE_INTEGER : minPingMs * 1000;
  c.lastBlockS = record.lastBlockS;
  c.lastTxS = record.lastTxS;
  c.relevantServices = remote ? hasDesirableServices(remote.services) : false;
  c.relayTxs = (remote?.relay ?? false) && peer.connType !== 'block-relay-only';
  c.preferEvict = record.preferEvict;
  return c;
}

/** Listeners and the accept decision. */
export class Inbound {
  private readonly listeners: Listener[] = [];
  private readonly listenerFlags = new Map<string, number>();
  private readonly upgrades = new Set<AbortController>();

  /** @param ctx see `InboundContext`. */
  constructor(private readonly ctx: InboundContext) {}

  /** Bound listener addresses. */
  get addresses(): NetService[] {
    return this.listeners.map((l) => l.address);
  }

  /** True while some listener is open (Core fListen). */
  get listening(): boolean {
    return this.listeners.length > 0;
  }

  /** The first listener's port, if any. */
  get firstPort(): number | undefined {
    return this.listeners[0]?.address.port;
  }

  /** Binds every -bind and -whitebind address; throws `PeerManagerError` ERR_BIND (after closing what was bound). */
  async bind(): Promise<void> {
    const binds: Array<{ service: NetService; flags: number }> = [
      ...this.ctx.binds.map((service) => ({ service, flags: 0 })),
      ...this.ctx.whitebinds.map((w) => ({ service: w.service, flags: w.flags })),
    ];
    try {
      for (const { service, flags } of binds) {
        const listener = await this.ctx.transport.listen(service, (conn) => this.accept(conn, flags)).catch((e: Error) => {
          throw new PeerManagerError('ERR_BIND', `cannot listen on ${service}: ${e.message}`, { cause: e });
        });
        this.listeners.push(listener);
        this.listenerFlags.set(listener.address.key, flags);
        if (service.addr.isRoutable()) this.ctx.localAddresses.add(listener.address, LocalScore.BIND);
        this.ctx.log.info(`Bound to ${listener.address}`);
      }
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** Stops accepting: closes the listeners and aborts upgrades in progress. */
  async close(): Promise<void> {
    for (const u of this.upgrades) u.abort();
    await Promise.all(this.listeners.map((l) => l.close()));
    this.listeners.length = 0;
  }

  /** Core `CreateNodeFromAcceptedSocket`: gate, permissions, bans, slot limits and eviction. */
  accept(conn: Connection, listenerFlags: number): void {
    const { ctx } = this;
    if (!ctx.running()) {
      conn.destroy();
      return;
    }
    const addr = conn.remote;
    const drop = (why: string): void => {
      ctx.log.debug(`connection from ${addr} dropped (${why})`);
      conn.destroy();
    };
    const gated = ctx.gate?.(addr, conn.local);
    if (gated !== undefined) return drop(gated);
    const flags = ctx.permissionsFor(listenerFlags | this.listenerFlagsFor(conn), addr);
    const noBan = hasPermission(flags, Permission.NOBAN);
    const rejected = ctx.counters.inboundRejected;
    if (!ctx.networkActive()) { rejected.inactive++; return drop('not accepting new connections'); }
    if (!noBan && ctx.banman.isBanned(addr.addr)) { rejected.banned++; return drop('banned'); }
    const discouraged = !noBan && ctx.banman.isDiscouraged(addr.addr);
    const inbound = ctx.registry.inboundCount();
    if (discouraged && inbound + 1 >= ctx.budget.maxInbound) { rejected.discouraged++; return drop('discouraged'); }
    if (inbound >= ctx.budget.maxInbound && !this.attemptToEvictConnection()) { rejected.full++; return drop('full, no eviction candidate'); }
    const spec = { connType: 'inbound' as const, addr, permissions: flags, preferEvict: discouraged };
    if (!ctx.connectionLayer) {
      ctx.createPeer({ connection: conn, ...spec });
      return;
    }
    if (this.upgrades.size >= (ctx.connectionLayer.maxInboundInFlight ?? MAX_INBOUND_UPGRADES_IN_FLIGHT)) return drop('too many connection upgrades in progress');
    const abort = new AbortController();
    this.upgrades.add(abort);
    ctx.track(upgradeConnection(ctx.connectionLayer, conn, ctx.clock, { direction: 'inbound', remote: addr, connType: 'inbound' }, abort.signal)
      .then((up) => {
        if (!ctx.running()) return up.connection.destroy();
        ctx.createPeer({ connection: up.connection, remoteIdentity: up.remoteIdentity, ...spec });
      }, (e: Error) => ctx.log.debug(`connection from ${addr} dropped (${e.message})`))
      .finally(() => this.upgrades.delete(abort)));
  }

  private listenerFlagsFor(conn: Connection): number {
    return conn.local ? this.listenerFlags.get(conn.local.key) ?? 0 : 0;
  }

  /** Core `AttemptToEvictConnection`: evicts one inbound peer chosen by `selectNodeToEvict`. */
  attemptToEvictConnection(): boolean {
    // One decision asks about the same few service sets thousands of times (every peer's): answer each once.
    // Lives for this call only and holds at most one entry per live peer (bounded by maxconnections).
    const relevant = new Map<bigint, boolean>();
    const desirable = (services: bigint): boolean => {
      let answer = relevant.get(services);
      if (answer === undefined) relevant.set(services, (answer = this.ctx.hasDesirableServices(services)));
      return answer;
    };
    const candidates: EvictionCandidate[] = [];
    for (const record of this.ctx.registry.records()) {
      if (record.peer.isDisconnecting) continue;
      candidates.push(evictionCandidate(record, desirable));
    }
    const id = selectNodeToEvict(candidates);
    if (id === undefined) return false;
    this.ctx.registry.get(id)?.peer.disconnect('evicted to make room for an inbound connection');
    this.ctx.counters.inboundEvictions++;
    return true;
  }
}
