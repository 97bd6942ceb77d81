/**
 * crawl/: a breadth-first crawler of a Bitcoin-style P2P network — the library behind
 * `peerbook crawl`. crawler.ts holds the design (and the I/O loop), book.ts the pure bookkeeping and
 * the limits that keep hostile gossip from steering it, visit.ts one connection, seeds.ts where a
 * crawl starts, summary.ts what a person reads at the end.
 */
export * from './book.js';
export * from './crawler.js';
export * from './record.js';
export * from './seeds.js';
export * from './summary.js';
export * from './visit.js';
