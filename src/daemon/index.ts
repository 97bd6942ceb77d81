/** daemon/: `peerbook run` — configuration file, data directory, logging and the services around a PeerManager. */
export * from './config.js';
export { Daemon, DaemonStartError, defaultDataDir, RPC_WARMUP_STATUS, STATUS_INTERVAL_MS, type DaemonInputs, type DnsHealth } from './daemon.js';
export { DEFAULT_METRICS_PORTS, defaultMetricsPort } from './ports.js';
