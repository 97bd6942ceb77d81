/**
 * connman/: the connection manager. Whom to connect to, whom to accept, whom to drop — Core's
 * `CConnman` and the connection-level half of net_processing — built so that an attacker who controls
 * many addresses or connections still cannot surround a node: one automatic outbound peer per network
 * group, two block-relay-only peers that leak no gossip and are remembered as anchors, feelers that keep
 * the tried table fresh, inbound eviction that protects the peers an attacker cannot imitate, bans and
 * discouragement, and rate-limited, non-echoing address gossip.
 *
 * `PeerManager` (manager.ts) is a thin shell: wiring, start/stop order, the 500 ms maintenance tick and
 * the operator/application API. The work is done by components with one job each — the peer registry,
 * the peer lifecycle, the dialer, inbound, automatic outbound, manual connections, persistence — by
 * protocol plug-ins (protocols/: address and inventory relay) behind one interface (protocol.ts), and
 * by pure decisions (policy/). Seams for what comes next: a connection layer and an inbound gate
 * (connection-layer.ts), per-peer options (peer-spec.ts), plug-in factories given the registry and the
 * dialer. See docs/architecture.md for the data flow and docs/policy.md for the rules with Core's names.
 */
export * from './manager.js';
export * from './options.js';
export * from './types.js';
export * from './registry.js';
export * from './schedule.js';
export * from './dialer.js';
export * from './inbound.js';
export * from './outbound.js';
export * from './outbound-choice.js';
export * from './manual.js';
export * from './persistence.js';
export * from './peer-lifecycle.js';
export * from './peer-spec.js';
export * from './connection-layer.js';
export * from './protocol.js';
export * from './traffic.js';
export * from './tasks.js';
export * from './policy/index.js';
export * from './banman.js';
export * from './upload-target.js';
export * from './seeds.js';
export * from './protocols/index.js';
export * from './local-addresses.js';
export * from './datadir.js';
