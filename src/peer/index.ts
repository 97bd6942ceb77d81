/** peer/: one connection — handshake, ping, limits, counters, per-peer caches. */
export * from './types.js';
export * from './peer.js';
export * from './lru-set.js';
export * from './token-bucket.js';
export * from './message-types.js';
