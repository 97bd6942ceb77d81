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
 * connected / failed), entries are indexed by service bit so that a rare service is found without a
 * scan, and every selection loop is bounded. Bans are not addrman's: the ban system (`BanMan`) is the
 * one authority, and `selectForConnection` asks it through the `isBanned` option. The module is pure:
 * no I/O, time from an injected `Clock`, randomness from an injected `Random` (drawn exactly as Core
 * draws it).
 *
 * One door. Only the table (table.ts and its column store entries.ts) writes entries and cells; the
 * rest reads and calls its named operations. Every way in from data — peers.dat, peers.json,
 * `AddrMan.restore` snapshots — decodes to one plain structure, the table image (image.ts), and one
 * loader (load.ts) applies Core's placement rules to it; a decoder writes straight into the image's
 * columns, which the table then adopts without copying.
 *
 * Files, in import order (imports run one way, down this list): types.ts (API shapes), constants.ts,
 * errors.ts, connection-state.ts, image.ts (table image), address-index.ts / service-index.ts
 * (indexes), entries.ts (column store), cheap-hash-batch.ts and bucketing.ts (bucket hashes), table.ts
 * (tables and Core's mutation rules), consistency.ts (CheckAddrman), load.ts (the loader),
 * bit-reservoir.ts and selection.ts (Select, GetAddr, selectForConnection), collisions.ts
 * (test-before-evict), restore.ts (snapshots), peers-dat.ts (Core's file), addrman.ts (public API,
 * Core's Check() cadence), peers-json.ts (readable export); beside them the small codecs hashed-file.ts,
 * anchors.ts and banlist.ts, and testing.ts (the test-only door).
 */
export { AddrMan, DETERMINISTIC_KEY } from './addrman.js';
export { AddressBatch, type AddressColumns } from './address-batch.js';
export type {
  AddrManOptions,
  AddrInfoView,
  AddressState,
  ConnectionSelectOptions,
  EntryLocation,
  EntryPosition,
  GetAddrOptions,
  RestoreCell,
  RestoreEntry,
  SelectOptions,
  SelectResult,
  SerializeOptions,
  SizeOptions,
  TableSnapshot,
} from './types.js';
export {
  AddrManConsistencyError,
  AddrManRestoreError,
  PeersDatError,
  PeersDatVersionError,
  type PeersDatErrorReason,
} from './errors.js';
export { INCOMPATIBILITY_BASE, PEERS_DAT_FILE_FORMAT, PeersDatFormat } from './peers-dat.js';
export * from './constants.js';
export { DataFileError, unwrapHashedFile, wrapHashedFile } from './hashed-file.js';
export * from './peers-json.js';
