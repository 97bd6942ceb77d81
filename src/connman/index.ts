/**
 * connman/: the connection manager — pure policy (eviction.ts, policy.ts, banman.ts, permissions.ts,
 * upload-target.ts) around a thin lifecycle shell (manager.ts). See docs/policy.md for the rules with
 * Core's names.
 */
export * from './manager.js';
export * from './options.js';
export * from './policy.js';
export * from './eviction.js';
export * from './banman.js';
export * from './permissions.js';
export * from './upload-target.js';
export * from './bad-ports.js';
export * from './seeds.js';
export * from './addr-relay.js';
export * from './inv-relay.js';
export * from './local-addresses.js';
export * from './logger.js';
export * from './datadir.js';
