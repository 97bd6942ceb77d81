/**
 * Two seams between the transport and the `Peer`, for what future layers need before a peer exists:
 *
 * - an **inbound gate**, asked about every accepted connection before any other work (no permission
 *   lookup, no ban check, no eviction), which can refuse it with a reason — so a peer-set component can
 *   refuse unknown IPs and rate-limit handshakes per IP or subnet at the cost of one function call;
 * - a **connection layer**, which may upgrade a raw `Connection` (both directions) before the `Peer` is
 *   created — e.g. an authenticated, encrypted handshake that returns a wrapped `Connection` carrying
 *   the same byte-duplex shape, plus the remote's proven identity (a public key) for the peer record.
 *   An upgrade is async, bounded by a timeout, and aborted when the manager stops.
 *
 * Neither is set by default, and without them the accept and dial paths take no extra step.
 */
import type { NetService } from '../address/service.js';
import type { ConnectionType } from '../peer/types.js';
import { ConnectError, type Connection } from '../transport/transport.js';
import type { Clock } from '../util/clock.js';

/**
 * Core DEFAULT_PEER_CONNECT_TIMEOUT (-peertimeout): how long a new connection may take to show life;
 * the default bound on a connection-layer upgrade, ms.
 */
export const DEFAULT_UPGRADE_TIMEOUT_MS = 60_000;

/** Decides on an inbound connection before anything else looks at it: a reason refuses it. */
export type InboundGate = (remote: NetService, local: NetService | undefined) => string | undefined;

/** What an upgrade knows about the connection. */
export interface ConnectionUpgradeContext {
  /** Who dialed. */
  direction: 'inbound' | 'outbound';
  /** The other end (the dialed target, or the inbound peer's address). */
  remote: NetService;
  /** The connection type the peer will have. */
  connType: ConnectionType;
  /** Aborted on timeout and when the manager stops; the upgrade should give up then. */
  signal: AbortSignal;
}

/** An upgraded connection. */
export interface UpgradedConnection {
  /** What the `Peer` reads and writes (may wrap the raw connection). */
  connection: Connection;
  /** The remote's proven identity (e.g. its public key), stored on the peer record. */
  remoteIdentity?: Uint8Array;
}

/** Upgrades raw connections before the `Peer` is created. */
export interface ConnectionLayer {
  /** Longest an upgrade may take, ms (default DEFAULT_UPGRADE_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /**
   * Most inbound upgrades at once (default MAX_INBOUND_UPGRADES_IN_FLIGHT); a layer that limits its own
   * handshakes (the peer-set layer allows commonware's 512) raises it.
   */
  readonly maxInboundInFlight?: number;
  /** Upgrades `conn`, or rejects (the connection is then destroyed and, outbound, counted as a failed dial). */
  upgrade(conn: Connection, ctx: ConnectionUpgradeContext): Promise<UpgradedConnection>;
}

/**
 * Runs `layer.upgrade` with its timeout and the caller's abort signal. Resolves with the upgraded
 * connection; on failure, timeout or abort destroys `conn` and rejects with a `ConnectError`
 * (`ERR_CONNECT_UPGRADE`, or `ERR_ABORTED`).
 */
export async function upgradeConnection(layer: ConnectionLayer, conn: Connection, clock: Clock,
  ctx: Omit<ConnectionUpgradeContext, 'signal'>, signal?: AbortSignal): Promise<UpgradedConnection> {
  const controller = new AbortController();
  const timeoutMs = layer.timeoutMs ?? DEFAULT_UPGRADE_TIMEOUT_MS;
  let fail: (e: ConnectError) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => { fail = reject; });
  stopped.catch(() => undefined); // a late abort after the race settled must not become an unhandled rejection
  const onAbort = (): void => {
    controller.abort();
    fail(new ConnectError('ERR_ABORTED', `upgrade of the connection with ${ctx.remote} aborted`));
  };
  const timer = clock.setTimeout(() => {
    controller.abort();
    fail(new ConnectError('ERR_CONNECT_UPGRADE', `upgrade of the connection with ${ctx.remote} timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([layer.upgrade(conn, { ...ctx, signal: controller.signal }), stopped]);
  } catch (e) {
    conn.destroy();
    if (e instanceof ConnectError) throw e;
    throw new ConnectError('ERR_CONNECT_UPGRADE', `upgrade of the connection with ${ctx.remote} failed: ${(e as Error).message ?? String(e)}`, false, { cause: e });
  } finally {
    timer.cancel();
    signal?.removeEventListener('abort', onAbort);
  }
}
