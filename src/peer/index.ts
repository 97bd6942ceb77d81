/** peer/: one connection — handshake, ping, limits, counters, per-peer caches, and its message transport (v1 or BIP324 v2). */
export * from './types.js';
export * from './peer.js';
export * from './lru-set.js';
export * from './token-bucket.js';
export * from './message-types.js';
export * from './message-transport.js';
export * from './transport-errors.js';
export * from './v1-transport.js';
export * from './v2-transport.js';
