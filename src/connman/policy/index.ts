/**
 * connman/policy/: the connection manager's decisions as pure functions — plain data in, a decision
 * out, no sockets, timers, clock or address table. `outbound.ts` walks Core's connection-type ladder
 * (anchors, 8 full-relay, 2 block-relay-only, stale-tip extra, extra block-relay, feeler, extra
 * network), judges candidate addresses (one automatic outbound peer per network group, reachable
 * networks, recently tried, services, bad ports) and picks surplus outbound peers to let go;
 * `eviction.ts` is Core's `SelectNodeToEvict`, which protects the peers an attacker cannot easily
 * imitate (diverse netgroups, low latency, recent novel blocks and transactions, long uptime) before
 * evicting from the most-connected netgroup; `permissions.ts` parses `-whitelist`/`-whitebind` and
 * resolves a connection's permission flags; `bad-ports.ts` is Core's list of ports automatic
 * connections avoid; `transport.ts` says which message transport (v1 or BIP324 v2) a connection starts
 * with. The components one level up gather the inputs and carry out the answers, so a
 * test states a scenario in a few lines and the simulator runs the same rules as a live node.
 */
export * from './outbound.js';
export * from './eviction.js';
export * from './permissions.js';
export * from './bad-ports.js';
export * from './transport.js';
