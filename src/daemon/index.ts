/** daemon/: `peerbook run` — configuration file, data directory, logging and the services around a PeerManager. */
export * from './config.js';
export { Daemon, defaultDataDir, STATUS_INTERVAL_MS, type DaemonInputs } from './daemon.js';
