/** dashboard/: the operator's web view and HTTP server (see handler.ts for the design). */
export {
  BUCKET_FILL_MAX_SHARE, BUCKET_FILL_MAX_TTL_MS, BUCKET_FILL_MIN_TTL_MS, CHART_CSP, createDashboardHandler, DASHBOARD_CHART_NAMES,
  MAX_PATH_LENGTH, type DashboardHandler, type DashboardOptions,
} from './handler.js';
export {
  addressScope, bucketFill, bucketFillFromEntries, peerRows, summary, toJson,
  type AddressScope, type BucketFill, type DashboardSource, type PeerRow, type Summary, type PeerSetsPanelDocument,
} from './api.js';
export {
  bucketFillText, bucketHeatmap, CHART_MAX_HEIGHT_PX, CHART_MAX_WIDTH_PX, CHART_MIN_HEIGHT_PX, CHART_MIN_WIDTH_PX, DASHBOARD_THEME,
  DEFAULT_CHART_WIDTH_PX, DEFAULT_TRAFFIC_HEIGHT_PX, groupShareChart, HEATMAP_COLUMNS, networkChart, RECEIVED_COLOR, SENT_COLOR,
  trafficChart,
} from './charts.js';
export {
  addrmanComposition, COMPOSITION_TOP_GROUPS, MAX_COMPOSITION_GROUPS,
  type AddrmanComposition, type GroupRanking, type GroupShare,
} from './composition.js';
export { DASHBOARD_CSP, DASHBOARD_HTML, POLL_INTERVAL_MS } from './page.js';
export {
  DEFAULT_TRAFFIC_HISTORY, MAX_TRAFFIC_HISTORY, MIN_TRAFFIC_SAMPLE_INTERVAL_MS, RingBuffer, TRAFFIC_SAMPLE_INTERVAL_MS, TrafficSampler,
  type TrafficDocument, type TrafficSample, type TrafficSamplerOptions,
} from './traffic.js';
export {
  DEFAULT_OPERATOR_HOST, HEADERS_TIMEOUT_MS, isLoopbackHost, KEEP_ALIVE_TIMEOUT_MS, MAX_OPERATOR_CONNECTIONS, OperatorHttpError,
  REQUEST_TIMEOUT_MS, startOperatorHttpServer, type MetricsEndpoint, type OperatorHttpServer,
  type OperatorHandler, type OperatorHttpServerOptions,
} from './server.js';
