/**
 * addrman/: the address table — which peers we know about and which to try next — re-implementing
 * Bitcoin Core's addrman (src/addrman.{h,cpp}, v28+ semantics) and its peers.dat file.
 *
 * Design. Addresses live in two tables of fixed-size buckets: "new" (1,024 buckets × 64, addresses we
 * have only heard of) and "tried" (256 × 64, addresses we have connected to). Where an address may go is
 * decided by keyed hashes (SHA256d under a 32-byte secret), so an attacker cannot aim at particular
 * cells: all addresses one source group (a /16, or an AS with an asmap) tells us about land in at most
 * 64 new buckets, and one address group reaches at most 8 tried buckets. An eclipse attacker who floods
 * us with addresses therefore only overwrites a small, source-bounded part of the new table and cannot
 * push good peers out of tried; test-before-evict (a tried entry is only replaced after a feeler finds it
 * dead) closes the remaining path. An address may sit in up to 8 new buckets (each extra copy 2× harder
 * to gain), old or failing addresses are "terrible" and the first to be overwritten, and selection picks
 * a random bucket and cell, 50/50 between the tables, weighting each candidate by its recent failures.
 *
 * The numbers that matter: 65,536 new + 16,384 tried cells = 81,920 entries at most; 30-day horizon;
 * 3 retries for never-reached addresses, 10 failures in 7 days otherwise; 10 pending collisions, 4 h
 * replacement immunity, 40 min test window. Everything is bit-compatible with Core: the same key and
 * random stream give the same buckets, positions and choices (Core's deterministic unit-test vectors
 * are reproduced in test/addrman/), and peers.dat files are exchangeable with Core (formats V0–V4 read,
 * V4 and V3 written).
 *
 * Implementation. The table is struct-of-arrays (entries.ts) so that a full table fits in ≈ 200 bytes per
 * entry; objects are materialised only at the API. SHA256d dominates the cost of every operation, so
 * bucket hashes are computed four at a time on a WebAssembly SIMD kernel (cheap-hash-batch.ts), in
 * batches where Core computes them one by one (a whole `add` call, a whole peers.dat load); results are
 * identical. Beyond Core, each address carries an in-memory connection state (never-tried / tried /
 * connected / failed / banned-until), entries are indexed by service bit so that a rare service is found
 * without a scan, and every selection loop is bounded. The module is pure: no I/O, time from an injected
 * `Clock`, randomness from an injected `Random` (drawn exactly as Core draws it).
 *
 * Files: addrman.ts (public API, Core's Check() cadence), table.ts (tables and Core's mutation rules),
 * entries.ts (column store), bucketing.ts and cheap-hash-batch.ts (bucket hashes), selection.ts and
 * bit-reservoir.ts (Select, GetAddr, selectForConnection), collisions.ts (test-before-evict),
 * consistency.ts (CheckAddrman), peers-dat.ts (file format), address-index.ts / service-index.ts
 * (indexes), connection-state.ts, constants.ts, errors.ts.
 */
export {
  AddrMan,
  DETERMINISTIC_KEY,
  type AddrManOptions,
  type AddrInfoView,
  type ConnectionSelectOptions,
  type EntryLocation,
  type EntryPosition,
  type GetAddrOptions,
  type SelectOptions,
  type SelectResult,
  type SerializeOptions,
  type SizeOptions,
} from './addrman.js';
export type { AddressState } from './connection-state.js';
export { AddrManConsistencyError, PeersDatError, PeersDatVersionError, type PeersDatErrorReason } from './errors.js';
export { INCOMPATIBILITY_BASE, PEERS_DAT_FILE_FORMAT, PeersDatFormat } from './peers-dat.js';
export * from './constants.js';
export { DataFileError, unwrapHashedFile, wrapHashedFile, type DataFileErrorReason } from './hashed-file.js';
export { AddrManRestoreError, type RestoreCell, type RestoreEntry, type TableSnapshot } from './restore.js';
export * from './peers-json.js';
