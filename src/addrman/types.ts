/**
 * The shapes of the address manager's API: options, results, the per-address connection state and the
 * snapshot format. Plain types only, importing nothing from this folder, so that every module of
 * addrman/ can name them without importing the `AddrMan` class (imports run one way: types → column
 * store → table → codecs and selection → `AddrMan`).
 */
import type { NetAddress } from '../address/netaddress.js';
import type { NetGroupManager } from '../address/netgroup.js';
import type { NetId } from '../address/network.js';
import type { AddressRecord } from '../address/record.js';
import type { NetService } from '../address/service.js';
import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';

/**
 * The connection state of one address (Floresta's `AddressState`, memory only). Bans are not part of
 * it: the ban system (`BanMan`, banlist.json) is the one authority on bans, and address selection asks
 * it through `AddrManOptions.isBanned`.
 */
export type AddressState =
  | { kind: 'never-tried' }
  | { kind: 'tried'; at: number }
  | { kind: 'connected' }
  | { kind: 'failed'; at: number };

/** Construction options. */
export interface AddrManOptions {
  /** Time source (addrman works in whole Unix seconds from `clock.nowSeconds()`). */
  clock: Clock;
  /** The random stream (Core's `insecure_rand`); pass `ChaChaRandom.deterministic()` to replay Core's tests. */
  random: Random;
  /** Network groups (with an asmap: AS-based groups). Default: prefix groups, no asmap. */
  netgroups?: NetGroupManager;
  /** Core test mode: the key is uint256{1} (bytes 01 00 … 00) instead of 32 random bytes. */
  deterministic?: boolean;
  /** Core -checkaddrman: check consistency on 1 in this many operations; 0 (default) = never. */
  consistencyCheckRatio?: number;
  /** The secret key (32 bytes); default: drawn from `random` like Core's `rand256()`. */
  key?: Uint8Array;
  /** A failed address is eligible for `selectForConnection` again after this long, ms (default 10 min). */
  failedRetryMs?: number;
  /**
   * The ban system's verdict on an address (wire `BanMan`: banned or discouraged, as Core's
   * `OpenNetworkConnection` refuses both). `selectForConnection` skips an address for which it returns
   * true; Core's `select`/`getAddr` do not consult it (Core filters bans outside addrman). Absent:
   * nothing is banned.
   */
  isBanned?: (addr: NetAddress) => boolean;
  /**
   * Core `Good(addr, test_before_evict)`: true (default) queues a tried-table collision for a test;
   * false evicts the old entry at once, as Core did before PR #9037. Experiment-only (the simulator's
   * defence switches); a real node keeps the default.
   */
  testBeforeEvict?: boolean;
}

/** Options of `select`. */
export interface SelectOptions {
  /** Only the new table (Core `new_only`). */
  newOnly?: boolean;
  /** Only these networks (Core `networks`); empty or absent = any. */
  networks?: NetId[];
}

/** Result of `select` and `selectTriedCollision`: the address and when it was last tried (Core's pair). */
export interface SelectResult {
  /** The chosen address. */
  record: AddressRecord;
  /** Its m_last_try, Unix seconds (0 = never). */
  lastTry: number;
}

/** Options of `getAddr` (Core `GetAddr`). */
export interface GetAddrOptions {
  /** At most this many (0 = no limit); Core's caller passes MAX_ADDR_TO_SEND = 1000. */
  maxAddresses: number;
  /** At most this percentage of the table (0 = no limit); Core's caller passes 23. */
  maxPct: number;
  /** Only addresses of this network class. */
  network?: NetId;
  /** Skip terrible addresses (default true). */
  filtered?: boolean;
}

/** Options of `size` (Core `Size(net, in_new)`). */
export interface SizeOptions {
  /** Count only this network. */
  network?: NetId;
  /** true: new table only; false: tried only; absent: both. */
  inNew?: boolean;
}

/** Everything the table knows about one entry (Core `AddrInfo`, plus connection state). */
export interface AddrInfoView {
  /** Address, services and last-seen time (Core `CAddress`). */
  record: AddressRecord;
  /** Where the address was first heard from. */
  source: NetAddress;
  /** m_last_try, seconds. */
  lastTry: number;
  /** m_last_count_attempt, seconds. */
  lastCountAttempt: number;
  /** m_last_success, seconds. */
  lastSuccess: number;
  /** nAttempts: failed attempts since the last success. */
  attempts: number;
  /** nRefCount: new-table references (0 for tried entries). */
  refCount: number;
  /** fInTried. */
  inTried: boolean;
  /** Connection state (memory only). */
  state: AddressState;
}

/** One row of `getEntries` (Core `std::pair<AddrInfo, AddressPosition>`). */
export interface EntryPosition {
  /** The entry. */
  info: AddrInfoView;
  /** Bucket number. */
  bucket: number;
  /** Position within the bucket. */
  position: number;
  /** References in the new table (1 for tried). */
  multiplicity: number;
}

/** Result of `findEntry` (Core `AddressPosition`). */
export interface EntryLocation {
  /** In the tried table. */
  inTried: boolean;
  /** nRefCount for new entries, 1 for tried. */
  multiplicity: number;
  /** The tried bucket, or the primary new bucket (by the entry's own source). */
  bucket: number;
  /** Position in that bucket. */
  position: number;
}

/** Options of `selectForConnection`. */
export interface ConnectionSelectOptions {
  /** Prefer addresses advertising all of these service bits (falls back to any address). */
  requiredServices?: bigint;
  /** Choose a feeler target: test-before-evict candidates, then new-table entries. */
  feeler?: boolean;
  /** Only these networks. */
  networks?: NetId[];
  /** Addresses to skip (e.g. already connected to their netgroup). */
  exclude?: (s: NetService) => boolean;
}

/** Options of `serialize`. */
export interface SerializeOptions {
  /** peers.dat format: 4 (default, multiport; Bitcoin Core 23.0 and later) or 3 (Bitcoin Core 0.21–22 and Litecoin Core 0.21, which cannot read 4; one entry per IP). */
  format?: 3 | 4;
}

/** One cell an entry occupies: a new-table reference, or its tried cell. */
export interface RestoreCell {
  /** Bucket number (new: 0–1023, tried: 0–255). */
  bucket: number;
  /** Position in the bucket (0–63); optional on input, where it is computed (and checked when given). */
  position?: number;
}

/**
 * One entry of a snapshot (Core `AddrInfo`, its cells and Peerbook's connection state): the fields of
 * `AddrInfoView` except the derived ones (refCount and inTried follow from `table` and `cells`).
 * m_last_try / m_last_success are 0 for never; tried entries need a last success; attempts is Core's
 * signed 32-bit nAttempts.
 */
export interface RestoreEntry extends Omit<AddrInfoView, 'refCount' | 'inTried'> {
  /** Which table the entry is in. */
  table: 'new' | 'tried';
  /**
   * The cells it occupies: for a new entry each reference (1–8, distinct buckets), for a tried entry
   * its one tried cell. Absent: new entries get one reference in their own-source cell, tried
   * entries their hashed cell.
   */
  cells?: readonly RestoreCell[];
}

/** The whole table as data (`AddrMan.snapshot()`, input of `AddrMan.restore()`). */
export interface TableSnapshot {
  /** The 32-byte secret bucket key (Core nKey). */
  key: Uint8Array;
  /** Checksum of the asmap the cells were computed under (32 zero bytes: no asmap); absent = the reader's. */
  asmapChecksum?: Uint8Array;
  /** Core m_last_good, seconds (default 1, as a fresh Core addrman). */
  lastGood?: number;
  /** Every entry, in Core id order. */
  entries: readonly RestoreEntry[];
  /** Pending tried-table collisions, as indexes into `entries` (at most 10). */
  collisions?: readonly number[];
}
