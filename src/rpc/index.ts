/**
 * rpc/: the operator's JSON-RPC interface, compatible with Bitcoin Core's (see server.ts for the
 * design: who may connect, authentication, and the bounds on what a client can make it hold).
 */
export * from './server.js';
export * from './methods.js';
export * from './jsonrpc.js';
export * from './args.js';
export * from './auth.js';
export * from './errors.js';
export * from './json.js';
export * from './host.js';
