/**
 * dashboard/: a read-only web view of a running `PeerManager` for its operator — the connected peers
 * (like getpeerinfo), connections by type and network, how full the address table's buckets are, and
 * traffic over time — served as one self-contained page plus four small JSON endpoints.
 *
 * Design. `createDashboardHandler` returns a `node:http` request handler that the daemon mounts next to
 * `/metrics` (see server.ts). Every response is computed on request from the manager's public API, with
 * two exceptions that keep it cheap and bounded: traffic history is sampled on the injected clock every
 * `TRAFFIC_SAMPLE_INTERVAL_MS` into a ring buffer of `historyLimit` samples (one hour by default, at most
 * a day), and the bucket-fill counts — which need one pass over every table entry, ≈ 0.3 s on a full
 * 81,920-entry table — are cached so that recomputing them takes at most `BUCKET_FILL_MAX_SHARE` of
 * the time (and never more often than every `BUCKET_FILL_MIN_TTL_MS`), however many browsers poll. The
 * attack it resists is the operator's own browser being turned against the node: everything shown that a
 * peer controls (user agents, addresses) is rendered as text under a strict Content-Security-Policy, the
 * handler only answers GET and HEAD, and the server binds to 127.0.0.1 and checks the Host header so that
 * a web page elsewhere cannot read the API through DNS rebinding.
 *
 * Endpoints: `/` (the page), `/api/peers`, `/api/summary`, `/api/addrman/buckets`, `/api/traffic`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../util/clock.js';
import { bucketFill, peerRows, summary, toJson, type BucketFill, type DashboardSource } from './api.js';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './page.js';
import { TrafficSampler, type TrafficSample } from './traffic.js';

/** Shortest time a computed bucket fill is reused, ms (a page polls every 5 s). */
export const BUCKET_FILL_MIN_TTL_MS = 2_000;
/** Longest time a computed bucket fill is reused, ms. */
export const BUCKET_FILL_MAX_TTL_MS = 60_000;
/** Fraction of time the bucket-fill computation may take: it is reused for its duration ÷ this share. */
export const BUCKET_FILL_MAX_SHARE = 0.02;
/** Longest request path looked at, characters (longer ones are 414). */
export const MAX_PATH_LENGTH = 256;

/** Options of `createDashboardHandler`. */
export interface DashboardOptions {
  /** Time for traffic samples and "connected for" (default: the manager's clock). */
  clock?: Clock;
  /** Traffic samples kept (default `DEFAULT_TRAFFIC_HISTORY`, at most `MAX_TRAFFIC_HISTORY`). */
  historyLimit?: number;
  /** Traffic sampling period, ms (default `TRAFFIC_SAMPLE_INTERVAL_MS`). */
  sampleIntervalMs?: number;
}

/** `/api/traffic`. */
export interface TrafficDocument {
  /** Sampling period, ms. */
  interval_ms: number;
  /** Most samples kept. */
  history_limit: number;
  /** Samples, oldest first. */
  samples: TrafficSample[];
}

/** The dashboard: an HTTP handler plus the traffic sampler it reads. */
export interface DashboardHandler {
  /** Answers a request for one of the dashboard's paths and returns true, or returns false (nothing written) for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Starts the traffic sampler (idempotent). */
  start(): void;
  /** Stops the traffic sampler (idempotent; history is kept). */
  stop(): void;
  /** The traffic sampler. */
  readonly traffic: TrafficSampler;
  /** The documents the endpoints serve, for tests and other front ends. */
  readonly api: {
    peers(): ReturnType<typeof peerRows>;
    summary(): ReturnType<typeof summary>;
    buckets(): BucketFill;
    traffic(): TrafficDocument;
  };
}

/** Common headers: nothing cached, nothing sniffed, nothing framed. */
function baseHeaders(contentType: string, length: number): Record<string, string> {
  return {
    'content-type': contentType,
    'content-length': String(length),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
}

/** Writes a complete response (no body for HEAD). */
export function send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string,
  extra: Record<string, string> = {}): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...baseHeaders(contentType, bytes.length), ...extra });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/**
 * Creates the dashboard for `manager`. The traffic sampler does not run until `start()` (the operator
 * server calls it); the JSON endpoints work either way.
 */
export function createDashboardHandler(manager: DashboardSource, options: DashboardOptions = {}): DashboardHandler {
  const clock = options.clock ?? manager.clock;
  const traffic = new TrafficSampler(manager, clock, { historyLimit: options.historyLimit, intervalMs: options.sampleIntervalMs });
  let cached: { fill: BucketFill; until: number } | undefined;

  const buckets = (): BucketFill => {
    const now = clock.now();
    if (cached && now < cached.until) return cached.fill;
    const fill = bucketFill(manager.addrman);
    const took = clock.now() - now;
    const ttl = Math.min(BUCKET_FILL_MAX_TTL_MS, Math.max(BUCKET_FILL_MIN_TTL_MS, took / BUCKET_FILL_MAX_SHARE));
    cached = { fill, until: clock.now() + ttl };
    return fill;
  };
  const api = {
    peers: () => peerRows(manager, clock.now()),
    summary: () => summary(manager, clock.now()),
    buckets,
    traffic: (): TrafficDocument => ({ interval_ms: traffic.intervalMs, history_limit: traffic.historyLimit, samples: traffic.samples() }),
  };
  const routes = new Map<string, () => unknown>([
    ['/api/peers', api.peers],
    ['/api/summary', api.summary],
    ['/api/addrman/buckets', api.buckets],
    ['/api/traffic', api.traffic],
  ]);

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const raw = req.url ?? '/';
    if (raw.length > MAX_PATH_LENGTH) {
      send(req, res, 414, 'text/plain; charset=utf-8', 'URI too long\n');
      return true;
    }
    const pathname = raw.split('?', 1)[0];
    const route = routes.get(pathname);
    const isPage = pathname === '/' || pathname === '/index.html';
    if (!route && !isPage) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (isPage) {
      send(req, res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML, { 'content-security-policy': DASHBOARD_CSP });
      return true;
    }
    let body: string;
    try {
      body = toJson(route!());
    } catch (e) {
      send(req, res, 500, 'application/json; charset=utf-8', toJson({ error: (e as Error).message }));
      return true;
    }
    send(req, res, 200, 'application/json; charset=utf-8', body);
    return true;
  };

  return { handle, start: () => traffic.start(), stop: () => traffic.stop(), traffic, api };
}
