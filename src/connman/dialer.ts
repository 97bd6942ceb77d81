/**
 * The dialer (Core `OpenNetworkConnection` + `ConnectNode`): every outbound connection goes through
 * it, whoever asks — automatic outbound, manual connections, the application, a plug-in. It refuses
 * when the network is inactive, when the target is one of our own addresses, when it is banned or
 * discouraged (not for manual connections: the operator asked), or when we are already connected or
 * dialing it; otherwise it reserves the target in the registry, dials through the transport with the
 * connect timeout, runs the optional connection layer, and hands the connection to the peer lifecycle.
 *
 * Failure accounting follows Core: a failed dial is recorded in the address table as an attempt
 * (counted against the address only when the caller says so, and never when the proxy itself failed),
 * the address is marked failed for selection, and `connect:failed` is emitted — except while the
 * manager stops or the caller aborted. Every refusal and failure is a typed `ConnectError`.
 */
import type { NetAddress } from '../address/netaddress.js';
import type { NetService } from '../address/service.js';
import type { AddrMan } from '../addrman/addrman.js';
import type { ConnectionType } from '../peer/types.js';
import { ConnectError, type Connection, type Transport } from '../transport/transport.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { BanMan } from './banman.js';
import { upgradeConnection, type ConnectionLayer } from './connection-layer.js';
import type { LocalAddresses } from './local-addresses.js';
import type { CreatePeer, PeerOverrides } from './peer-spec.js';
import type { ManualTarget, PeerRecord, PeerRegistry } from './registry.js';
import type { ManagerCounters } from './types.js';

/** One dial. */
export interface DialRequest {
  /** Where to. */
  target: NetService;
  /** The connection type it will be. */
  connType: ConnectionType;
  /** Count a failure against the address (Core fCountFailure). */
  countFailure: boolean;
  /** Services we believe the target has (from the address table). */
  knownServices?: bigint;
  /** Set for manual connections (no ban check; kept and reported as such). */
  manual?: ManualTarget;
  /** The name dialed, when different from the address. */
  addrName?: string;
  /** The target was reserved already (feelers reserve it before their random delay). */
  reserved?: boolean;
  /** The component asking (undefined: the connection manager's own logic). */
  owner?: string;
  /** Per-connection `Peer` options (e.g. BIP324's "reconnect with v1"). */
  peer?: PeerOverrides;
  /** Aborts the dial (and the connection-layer upgrade); an aborted dial is not counted as a failure. */
  signal?: AbortSignal;
}

/** How a dial ended. */
export type DialResult = { ok: true; record: PeerRecord } | { ok: false; error: ConnectError };

/** What the dialer uses. */
export interface DialerContext {
  clock: Clock;
  log: Logger;
  transport: Transport;
  registry: PeerRegistry;
  banman: BanMan;
  localAddresses: LocalAddresses;
  counters: ManagerCounters;
  /** The address table (a function: the manager replaces its table when it loads peers.dat). */
  addrman(): AddrMan;
  /** Dialing is allowed now (the manager runs and the network is active). */
  canDial(): boolean;
  /** The manager is shutting down: dial failures are not counted. */
  stopping(): boolean;
  /** The manager still runs (a connection completing after stop is dropped). */
  running(): boolean;
  /** Core -timeout, ms (undefined: the transport's default). */
  connectTimeoutMs?: number;
  /** Permissions of an outbound connection to `addr` (-whitelist with the outbound direction). */
  permissionsFor(addr: NetAddress): number;
  /** Optional upgrade before the peer exists. */
  connectionLayer?: ConnectionLayer;
  /** The peer lifecycle's one construction path. */
  createPeer: CreatePeer;
  /** Emits `connect:failed`. */
  onFailed(target: NetService, connType: ConnectionType, error: ConnectError): void;
  /** Tracks a background task (awaited at stop). */
  track(task: Promise<unknown>): void;
}

function refused(code: string, target: NetService, why: string): ConnectError {
  return new ConnectError(code, `not connecting to ${target}: ${why}`);
}

function asConnectError(e: unknown): ConnectError {
  if (e instanceof ConnectError) return e;
  const message = (e as { message?: string } | undefined)?.message ?? String(e);
  return new ConnectError('ERR_CONNECT_FAILED', message, false, { cause: e });
}

/** What components outside the connection manager (plug-ins, a peer-set component) use to open connections. */
export interface PeerDialer {
  /** Dials with the manager's checks and failure accounting; see `Dialer.dial`. */
  dial(req: DialRequest): Promise<DialResult>;
  /** True when `target` is connected (not disconnecting) or being dialed. */
  isConnectedTo(target: NetService): boolean;
}

/** Opens outbound connections. */
export class Dialer implements PeerDialer {
  /** @param ctx see `DialerContext`. */
  constructor(private readonly ctx: DialerContext) {}

  /** True when `target` is connected (not disconnecting) or being dialed. */
  isConnectedTo(target: NetService): boolean {
    return this.ctx.registry.isConnectedTo(target);
  }

  /**
   * Dials `req.target`. Resolves — never rejects — with the new peer's record, or with the typed
   * reason it was refused or failed (`ERR_NETWORK_INACTIVE`, `ERR_OWN_ADDRESS`, `ERR_BANNED`,
   * `ERR_ALREADY_CONNECTED`, the transport's `ERR_CONNECT_*`, `ERR_CONNECT_UPGRADE`, `ERR_ABORTED`).
   * The transport's `connect` is called before this returns.
   */
  dial(req: DialRequest): Promise<DialResult> {
    const { ctx } = this;
    const { target } = req;
    const refuse = (code: string, why: string): Promise<DialResult> => {
      if (req.reserved) ctx.registry.release(target);
      ctx.log.debug(`not connecting to ${target}: ${why}`);
      return Promise.resolve({ ok: false, error: refused(code, target, why) });
    };
    if (!ctx.canDial()) return refuse('ERR_NETWORK_INACTIVE', 'network inactive');
    if (ctx.localAddresses.has(target)) return refuse('ERR_OWN_ADDRESS', 'own address');
    if (!req.manual && (ctx.banman.isBanned(target.addr) || ctx.banman.isDiscouraged(target.addr))) return refuse('ERR_BANNED', 'banned or discouraged');
    if (!req.reserved && ctx.registry.isConnectedTo(target)) return refuse('ERR_ALREADY_CONNECTED', 'already connected');
    if (req.signal?.aborted) return refuse('ERR_ABORTED', 'aborted');
    const dial = req.reserved ? ctx.registry.pendingFor(target)! : ctx.registry.reserve(target, req.connType, req.owner);
    const task = this.run(req, dial.abort);
    ctx.track(task);
    return task;
  }

  private async run(req: DialRequest, abort: AbortController): Promise<DialResult> {
    const { ctx } = this;
    const { target, connType } = req;
    const onCallerAbort = (): void => abort.abort();
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    let conn: Connection;
    let remoteIdentity: Uint8Array | undefined;
    try {
      conn = await ctx.transport.connect(target, { signal: abort.signal, timeoutMs: ctx.connectTimeoutMs });
      const layer = ctx.connectionLayer;
      if (layer) {
        const upgraded = await upgradeConnection(layer, conn, ctx.clock, { direction: 'outbound', remote: target, connType }, abort.signal);
        conn = upgraded.connection;
        remoteIdentity = upgraded.remoteIdentity;
      }
    } catch (e) {
      const error = asConnectError(e);
      const cancelled = ctx.stopping() || (req.signal?.aborted ?? false);
      if (!error.proxyFailure && !cancelled) ctx.addrman().attempt(target, req.countFailure);
      if (!cancelled) {
        ctx.counters.connectFailures++;
        ctx.addrman().markFailed(target);
        ctx.onFailed(target, connType, error);
      }
      ctx.log.debug(`connect to ${target} failed: ${error.message}`);
      return { ok: false, error };
    } finally {
      ctx.registry.release(target);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
    if (!ctx.running()) {
      conn.destroy();
      return { ok: false, error: new ConnectError('ERR_ABORTED', `connection to ${target} completed after stop`) };
    }
    ctx.addrman().attempt(target, req.countFailure);
    const record = ctx.createPeer({
      connection: conn, connType, addr: target, addrName: req.addrName, permissions: ctx.permissionsFor(target.addr),
      knownServices: req.knownServices, manual: req.manual, remoteIdentity, owner: req.owner, overrides: req.peer,
    });
    return { ok: true, record };
  }
}
