/**
 * The operator HTTP server: `/metrics` (Prometheus) and the dashboard on one port. It binds to
 * 127.0.0.1 unless told otherwise, and while bound to a loopback address it only answers requests whose
 * Host header names a loopback host — a web page the operator visits cannot rebind its own name to
 * 127.0.0.1 and read the node's peer list. Connections, header and request times are capped, and
 * `stop()` closes the listener and every open (keep-alive) connection, leaving no socket behind.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import { PeerbookError } from '../util/errors.js';
import { send } from './handler.js';

/** Default bind address: loopback only. */
export const DEFAULT_OPERATOR_HOST = '127.0.0.1';
/** Most simultaneous HTTP connections (Prometheus plus a few browsers need far fewer). */
export const MAX_OPERATOR_CONNECTIONS = 32;
/** A request's headers must arrive within this long, ms. */
export const HEADERS_TIMEOUT_MS = 5_000;
/** A whole request must arrive within this long, ms. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** An idle keep-alive connection is closed after this long, ms. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/** A failure to start the operator server (code `ERR_OPERATOR_HTTP`). */
export class OperatorHttpError extends PeerbookError {
  /** @param message what failed and on which address. */
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_OPERATOR_HTTP', message, options);
  }
}

/** What serves `/metrics` (a `PeerbookMetrics` from metrics/). */
export interface MetricsEndpoint {
  /** Renders the exposition. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** What serves the other paths (a `DashboardHandler`). */
export interface OperatorHandler {
  /** Answers and returns true, or returns false without writing for paths it does not serve. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Called when the server starts (the dashboard starts its sampler). */
  start?(): void;
  /** Called when the server stops. */
  stop?(): void;
}

/** Options of `startOperatorHttpServer`. */
export interface OperatorHttpServerOptions {
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** Serves `/metrics`. */
  metrics?: MetricsEndpoint;
  /** Serves everything else (the dashboard). */
  dashboard?: OperatorHandler;
}

/** A running operator server. */
export interface OperatorHttpServer {
  /** The bound address and port. */
  readonly address: NetService;
  /** `http://host:port` of the server. */
  readonly url: string;
  /** Stops the dashboard sampler, closes the listener and every connection. Idempotent. */
  stop(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';

/** True when `hostHeader` (`name[:port]`) names a loopback host. */
export function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  let name = hostHeader.trim().toLowerCase();
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']') < 0 ? undefined : name.indexOf(']'));
  else name = name.replace(/:\d*$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  try {
    return NetAddress.parse(name).isLocal();
  } catch {
    return false;
  }
}

async function route(req: IncomingMessage, res: ServerResponse, options: OperatorHttpServerOptions, checkHost: boolean): Promise<void> {
  if (checkHost && !isLoopbackHost(req.headers.host)) {
    send(req, res, 403, TEXT, 'forbidden: this server only answers requests addressed to a loopback host\n');
    return;
  }
  const pathname = (req.url ?? '/').split('?', 1)[0];
  if (pathname === '/metrics' && options.metrics) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, TEXT, 'method not allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    const { contentType, body } = await options.metrics.scrape();
    send(req, res, 200, contentType, body);
    return;
  }
  if (options.dashboard?.handle(req, res)) return;
  send(req, res, 404, TEXT, 'not found\n');
}

/**
 * Starts the operator server: `/metrics` from `metrics`, everything else from `dashboard` (whose
 * `start()` is called once listening and `stop()` on shutdown). Rejects with `OperatorHttpError` when
 * the address cannot be bound.
 */
export async function startOperatorHttpServer(options: OperatorHttpServerOptions): Promise<OperatorHttpServer> {
  const host = options.host ?? DEFAULT_OPERATOR_HOST;
  const port = options.port ?? 0;
  let checkHost = true;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    route(req, res, options, checkHost).catch((e: Error) => {
      if (!res.headersSent) send(req, res, 500, TEXT, `internal error: ${e.message}\n`);
      else res.destroy();
    });
  });
  server.maxConnections = MAX_OPERATOR_CONNECTIONS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(new OperatorHttpError(`cannot listen on ${host}:${port}: ${e.message}`, { cause: e }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // After listening, a server error (e.g. EMFILE on accept) must not crash the node; the accept is simply lost.
  server.on('error', () => {});
  const bound = server.address() as AddressInfo;
  const address = new NetService(NetAddress.parse(bound.address), bound.port);
  checkHost = address.addr.isLocal();
  options.dashboard?.start?.();
  let stopping: Promise<void> | undefined;
  return {
    address,
    url: `http://${address.toString()}`,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        options.dashboard?.stop?.();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return stopping;
    },
  };
}
