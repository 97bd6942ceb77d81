/**
 * Limits and defaults of the peer-set mode. Where commonware has the same knob the value is its
 * `Config::recommended` (p2p/src/authenticated/lookup/config.rs) and the comment says so; the caps on
 * the options and the table sizes are ours.
 */

/** Peer sets kept (the active one and the three before it): commonware `tracked_peer_sets` = 4. */
export const DEFAULT_TRACKED_PEER_SETS = 4;
/** Most peer sets an application may ask to keep. */
export const MAX_TRACKED_PEER_SETS = 64;
/** Default largest set (distinct keys, self included, as commonware's `max_peers_per_set`). */
export const DEFAULT_MAX_PEERS_PER_SET = 1024;
/** Most keys an application may allow in one set. */
export const MAX_PEERS_PER_SET_LIMIT = 16_384;

/** Least time between two dials of one peer: commonware `peer_connection_cooldown` = 60 s. */
export const PEER_CONNECTION_COOLDOWN_MS = 60_000;
/** Upper bound of the doubling dial interval after consecutive failures (ours; commonware has none). */
export const MAX_DIAL_BACKOFF_MS = 10 * 60_000;
/** Default block: commonware `block_duration` = 4 h. */
export const DEFAULT_BLOCK_DURATION_MS = 4 * 60 * 60_000;
/** Longest block accepted (a year), so an expiry always fits a safe integer of ms. */
export const MAX_BLOCK_DURATION_MS = 365 * 24 * 60 * 60_000;
/** Blocked keys remembered; past it the block ending soonest is dropped (counted). */
export const MAX_BLOCKED_KEYS = 16_384;

/** Live `subscribe()` iterators per tracker. */
export const MAX_SUBSCRIBERS = 64;
/** Updates buffered per subscriber; a slower subscriber loses the oldest (each update carries the whole state). */
export const SUBSCRIBER_BUFFER_UPDATES = 32;

/** One handshake per IP per 5 s: commonware `allowed_handshake_rate_per_ip` = Quota::with_period(5 s). */
export const HANDSHAKE_INTERVAL_PER_IP_MS = 5_000;
/** Handshakes per second per /24 (IPv4) or /48 (IPv6): commonware `allowed_handshake_rate_per_subnet` = 64/s. */
export const HANDSHAKES_PER_SUBNET_PER_SECOND = 64;
/** IPv4 subnet prefix of the per-subnet limit (commonware listener.rs SUBNET_MASK). */
export const SUBNET_PREFIX_BITS_IPV4 = 24;
/** IPv6 subnet prefix of the per-subnet limit (commonware listener.rs SUBNET_MASK). */
export const SUBNET_PREFIX_BITS_IPV6 = 48;
/** Handshakes in progress at once: commonware `max_concurrent_handshakes` = 512. */
export const MAX_CONCURRENT_HANDSHAKES = 512;
/** IPs whose handshake rate is remembered (only registered IPs reach the limiter, so this is generous). */
export const MAX_RATE_LIMITED_IPS = 65_536;
/** Subnets whose handshake rate is remembered. */
export const MAX_RATE_LIMITED_SUBNETS = 65_536;
