/** metrics/: Prometheus metrics over a `PeerManager` (see metrics.ts for the design). */
export {
  createMetrics, foldMessageTypes, MAX_MESSAGE_TYPE_LABELS, METRIC_NAMES, METRIC_PREFIX, OTHER_MESSAGE_TYPE,
  type MetricsOptions, type MetricsResponse, type MetricsSource, type PeerbookMetrics,
} from './metrics.js';
