/**
 * connman/protocols/: the protocol plug-ins the connection manager ships — message handling kept apart
 * from connection handling (see ../protocol.ts). `addr-relay.ts` is Core's address gossip: rate-limited
 * intake, getaddr answered only to inbound peers from a long-lived cache, no echoes, relay to two peers
 * chosen by a keyed daily hash, and nothing at all on block-relay-only links — so gossip can neither
 * flood the table nor map our connections. `inv-relay.ts` trickles transaction announcements on Poisson
 * timers (one shared timer for inbound peers, so many inbound connections do not reveal an origin) and
 * announces blocks at once. Each keeps its per-peer state in a slot on the peer's registry record.
 */
export * from './addr-relay.js';
export * from './inv-relay.js';
