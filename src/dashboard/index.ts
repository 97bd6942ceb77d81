/** dashboard/: the operator's web view and HTTP server (see handler.ts for the design). */
export {
  BUCKET_FILL_MAX_SHARE, BUCKET_FILL_MAX_TTL_MS, BUCKET_FILL_MIN_TTL_MS, createDashboardHandler, MAX_PATH_LENGTH,
  type DashboardHandler, type DashboardOptions, type TrafficDocument,
} from './handler.js';
export { bucketFill, peerRows, summary, toJson, type BucketFill, type DashboardSource, type PeerRow, type Summary } from './api.js';
export { DASHBOARD_CSP, DASHBOARD_HTML, POLL_INTERVAL_MS } from './page.js';
export {
  DEFAULT_TRAFFIC_HISTORY, MAX_TRAFFIC_HISTORY, MIN_TRAFFIC_SAMPLE_INTERVAL_MS, RingBuffer, TRAFFIC_SAMPLE_INTERVAL_MS, TrafficSampler,
  type TrafficSample, type TrafficSamplerOptions,
} from './traffic.js';
export {
  DEFAULT_OPERATOR_HOST, HEADERS_TIMEOUT_MS, isLoopbackHost, KEEP_ALIVE_TIMEOUT_MS, MAX_OPERATOR_CONNECTIONS, OperatorHttpError,
  REQUEST_TIMEOUT_MS, startOperatorHttpServer, type MetricsEndpoint, type OperatorHandler, type OperatorHttpServer,
  type OperatorHttpServerOptions,
} from './server.js';
