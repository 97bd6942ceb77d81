/**
 * dashboard/: a read-only web view of a running `PeerManager` for its operator — the connected peers
 * (like getpeerinfo, sortable, loopback and private peers labelled), connections by type and network,
 * what the address table is made of (by network, and the share of its largest source and address
 * groups: the eclipse signal), how full its buckets are, and traffic over time — served as one
 * self-contained page, small JSON endpoints, and SVG charts drawn on the server with report/.
 *
 * Design. `createDashboardHandler` returns a `node:http` request handler that the daemon mounts next to
 * `/metrics` (see server.ts). Every response is computed on request from the manager's public API, with
 * two exceptions that keep it cheap and bounded: traffic history is sampled on the injected clock every
 * `TRAFFIC_SAMPLE_INTERVAL_MS` into a ring buffer of `historyLimit` samples (one hour by default, at most
 * a day), and the table scan behind the bucket fill and the composition — one pass over every table
 * entry, ≈ 0.3 s on a full 81,920-entry table — is cached so that recomputing it takes at most
 * `BUCKET_FILL_MAX_SHARE` of the time (and never more often than every `BUCKET_FILL_MIN_TTL_MS`),
 * however many browsers poll. Charts are SVG strings built from the same documents at the width the
 * page asks for (bounded to CHART_MIN_WIDTH_PX..CHART_MAX_WIDTH_PX). The
 * attack it resists is the operator's own browser being turned against the node: everything shown that a
 * peer controls (user agents, addresses) is rendered as text under a strict Content-Security-Policy, the
 * handler only answers GET and HEAD, and the server binds to 127.0.0.1 and checks the Host header so that
 * a web page elsewhere cannot read the API through DNS rebinding.
 *
 * Endpoints: `/` (the page), `/api/peers`, `/api/summary`, `/api/addrman/buckets`,
 * `/api/addrman/composition`, `/api/traffic`, `/api/peersets` (`null` unless a peer-set node), and `/api/charts/<name>.svg?width=W[&height=H]` for the
 * names in DASHBOARD_CHART_NAMES.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NetGroupManager } from '../address/netgroup.js';
import type { Clock } from '../util/clock.js';
import { bucketFillFromEntries, peerRows, summary, toJson, type BucketFill, type DashboardSource, type PeerSetsPanelDocument } from './api.js';
import {
  bucketHeatmap, CHART_MAX_HEIGHT_PX, CHART_MAX_WIDTH_PX, CHART_MIN_HEIGHT_PX, CHART_MIN_WIDTH_PX, DEFAULT_CHART_WIDTH_PX,
  DEFAULT_TRAFFIC_HEIGHT_PX, groupShareChart, networkChart, trafficChart,
} from './charts.js';
import { addrmanComposition, type AddrmanComposition } from './composition.js';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './page.js';
import { TrafficSampler, type TrafficDocument } from './traffic.js';

export type { TrafficDocument } from './traffic.js';

/** Shortest time a computed bucket fill is reused, ms (a page polls every 5 s). */
export const BUCKET_FILL_MIN_TTL_MS = 2_000;
/** Longest time a computed bucket fill is reused, ms. */
export const BUCKET_FILL_MAX_TTL_MS = 60_000;
/** Fraction of time the bucket-fill computation may take: it is reused for its duration ÷ this share. */
export const BUCKET_FILL_MAX_SHARE = 0.02;
/** Longest request path looked at, characters (longer ones are 414). */
export const MAX_PATH_LENGTH = 256;
/** The charts served under `/api/charts/<name>.svg`. */
export const DASHBOARD_CHART_NAMES = ['traffic', 'buckets-new', 'buckets-tried', 'addrman-networks', 'source-groups', 'address-groups'] as const;
/** Content-Security-Policy of a chart opened on its own: nothing but the drawing. */
export const CHART_CSP = "default-src 'none'; frame-ancestors 'none'";

/** Options of `createDashboardHandler`. */
export interface DashboardOptions {
  /** Time for traffic samples and "connected for" (default: the manager's clock). */
  clock?: Clock;
  /** Traffic samples kept (default `DEFAULT_TRAFFIC_HISTORY`, at most `MAX_TRAFFIC_HISTORY`). */
  historyLimit?: number;
  /** Traffic sampling period, ms (default `TRAFFIC_SAMPLE_INTERVAL_MS`). */
  sampleIntervalMs?: number;
  /** A peer-set node's panel document; when given, `/api/peersets` serves it (else `null`) and the page shows the panel. */
  peerSets?: () => PeerSetsPanelDocument;
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
    composition(): AddrmanComposition;
    traffic(): TrafficDocument;
    /** The SVG of chart `name` (one of DASHBOARD_CHART_NAMES) at `width` × `height` px. */
    chart(name: (typeof DASHBOARD_CHART_NAMES)[number], width?: number, height?: number): string;
  };
}

/** A request the handler refuses with 400 (a bad query parameter). */
class BadRequest extends Error {}

/** An integer query parameter in [min, max], or the fallback when absent. */
function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const text = params.get(name);
  if (text === null) return fallback;
  const v = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(v >= min && v <= max)) throw new BadRequest(`${name} must be an integer in ${min}..${max}`);
  return v;
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
  const groups = manager.netgroups ?? new NetGroupManager();
  let cached: { fill: BucketFill; composition: AddrmanComposition; until: number } | undefined;

  // One pass over the table feeds both the bucket fill and the composition.
  const scan = (): { fill: BucketFill; composition: AddrmanComposition } => {
    const now = clock.now();
    if (cached && now < cached.until) return cached;
    const newEntries = manager.addrman.getEntries(false);
    const triedEntries = manager.addrman.getEntries(true);
    const fill = bucketFillFromEntries(newEntries, triedEntries);
    const composition = addrmanComposition(newEntries, triedEntries, groups);
    const took = clock.now() - now;
    const ttl = Math.min(BUCKET_FILL_MAX_TTL_MS, Math.max(BUCKET_FILL_MIN_TTL_MS, took / BUCKET_FILL_MAX_SHARE));
    cached = { fill, composition, until: clock.now() + ttl };
    return cached;
  };
  const trafficDoc = (): TrafficDocument => ({ interval_ms: traffic.intervalMs, history_limit: traffic.historyLimit, samples: traffic.samples() });
  const chart = (name: (typeof DASHBOARD_CHART_NAMES)[number], width = DEFAULT_CHART_WIDTH_PX, height = DEFAULT_TRAFFIC_HEIGHT_PX): string => {
    switch (name) {
      case 'traffic': return trafficChart(trafficDoc(), width, height);
      case 'buckets-new': return bucketHeatmap(scan().fill, 'new', width);
      case 'buckets-tried': return bucketHeatmap(scan().fill, 'tried', width);
      case 'addrman-networks': return networkChart(scan().composition, width);
      case 'source-groups': return groupShareChart(scan().composition.by_source_group, 'source', scan().composition.grouping, width);
      case 'address-groups': return groupShareChart(scan().composition.by_address_group, 'address', scan().composition.grouping, width);
    }
  };
  const api = {
    peers: () => peerRows(manager, clock.now()),
    summary: () => summary(manager, clock.now()),
    buckets: () => scan().fill,
    composition: () => scan().composition,
    traffic: trafficDoc,
    chart,
  };
  const routes = new Map<string, () => unknown>([
    ['/api/peers', api.peers],
    ['/api/summary', api.summary],
    ['/api/addrman/buckets', api.buckets],
    ['/api/addrman/composition', api.composition],
    ['/api/traffic', api.traffic],
    ['/api/peersets', () => options.peerSets?.() ?? null],
  ]);
  const chartRoutes = new Map<string, (typeof DASHBOARD_CHART_NAMES)[number]>(DASHBOARD_CHART_NAMES.map((n) => [`/api/charts/${n}.svg`, n]));

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const raw = req.url ?? '/';
    if (raw.length > MAX_PATH_LENGTH) {
      send(req, res, 414, 'text/plain; charset=utf-8', 'URI too long\n');
      return true;
    }
    const [pathname, query = ''] = raw.split('?', 2);
    const route = routes.get(pathname);
    const chartName = chartRoutes.get(pathname);
    const isPage = pathname === '/' || pathname === '/index.html';
    if (!route && !isPage && !chartName) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (isPage) {
      send(req, res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML, { 'content-security-policy': DASHBOARD_CSP });
      return true;
    }
    if (chartName) {
      let svg: string;
      try {
        const params = new URLSearchParams(query);
        const width = intParam(params, 'width', DEFAULT_CHART_WIDTH_PX, CHART_MIN_WIDTH_PX, CHART_MAX_WIDTH_PX);
        const height = intParam(params, 'height', DEFAULT_TRAFFIC_HEIGHT_PX, CHART_MIN_HEIGHT_PX, CHART_MAX_HEIGHT_PX);
        svg = chart(chartName, width, height);
      } catch (e) {
        const status = e instanceof BadRequest ? 400 : 500;
        send(req, res, status, 'text/plain; charset=utf-8', `${(e as Error).message}\n`);
        return true;
      }
      send(req, res, 200, 'image/svg+xml; charset=utf-8', svg, { 'content-security-policy': CHART_CSP });
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
