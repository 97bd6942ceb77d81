/**
 * peerset/: tracked peer sets — the second way Peerbook manages peers, for networks whose membership is
 * known (validators by epoch, a federation, one company's nodes). Modelled on commonware's
 * `AddressableManager` (p2p/src/lib.rs) and its lookup directory (p2p/src/authenticated/lookup/).
 *
 * Design. A peer is a public key with an address. The application tracks numbered sets that follow its
 * epochs: `track(id, peers)` with strictly increasing ids; the highest id is the active set and the last
 * `trackedPeerSets` (4) are kept. Primary keys of any kept set are dialed and kept connected, one dial
 * per peer per 60 s cooldown (plus jitter, doubling on failure); secondary keys are never dialed but may
 * connect in. A key in no kept set is disconnected and forgotten; `overwrite` moves a peer to a new
 * address (its connection is severed and re-dialed there); `block` keeps a key out for 4 h, tracked or
 * not. Inbound connections must come from the IP registered for their key, which the listener checks on
 * the raw socket (the allow-list), then per-IP (1/5 s), per-/24-or-/48 (64/s) and in-flight (512) limits,
 * then the handshake gate on the claimed key — all before any signature or Diffie-Hellman work.
 *
 * The pure core is `PeerSetTracker` (sets, records, blocks, subscribers, dial schedule, admission) and
 * `HandshakeLimiter`, on an injected clock and random, with every table bounded by a named constant.
 * Around it, `PeerSetComponent` plugs that core into the connection manager's seams (inbound gate,
 * connection layer with the authenticated handshake of transport/secure/authenticated/, a protocol
 * plug-in on the manager's registry and dialer), and `PeerSetNode` is the application's handle: one
 * `PeerManager` in peer-set mode, with sends, events and operator views keyed by public key.
 */
export * from './constants.js';
export * from './errors.js';
export * from './address.js';
export * from './record.js';
export * from './subscription.js';
export * from './dial-schedule.js';
export * from './rate-limiter.js';
export * from './handshake-limiter.js';
export * from './tracker.js';
export * from './component.js';
export * from './metrics.js';
export * from './node.js';
