/**
 * crawl/: a breadth-first crawler of a Bitcoin-style P2P network — the library behind
 * `peerbook crawl`. crawler.ts holds the design (and the I/O loop), book.ts the pure bookkeeping and
 * the limits that keep hostile gossip from steering it, visit.ts one connection, seeds.ts where a
 * crawl starts, summary.ts what a person reads at the end, progress.ts the terminal progress bar,
 * analysis.ts and report-html.ts the HTML report (charts from report/; how concentrated the
 * reachable nodes are by /16 and by AS).
 */
export * from './analysis.js';
export * from './book.js';
export * from './crawler.js';
export * from './progress.js';
export * from './record.js';
export * from './report-html.js';
export * from './seeds.js';
export * from './summary.js';
export * from './visit.js';
