/**
 * Peerbook's public API: the peer address manager and connection manager for Bitcoin-style P2P
 * networks. Start with `PeerManager` (connman/manager.ts); `AddrMan` is the address table on its own.
 */
export * from './util/index.js';
export * from './address/index.js';
export * from './wire/index.js';
export * from './addrman/index.js';
export * from './transport/index.js';
export * from './peer/index.js';
export * from './connman/index.js';
export * from './store/index.js';
export * from './rpc/index.js';
export * from './metrics/index.js';
export * from './dashboard/index.js';
export * from './crawl/index.js';
export * from './daemon/index.js';
