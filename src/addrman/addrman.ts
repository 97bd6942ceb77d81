/**
 * `AddrMan`: the public face of the address table — Core's `AddrMan` API (Add, Good, Attempt,
 * Connected, SetServices, Select, GetAddr, Size, ResolveCollisions, SelectTriedCollision, GetEntries,
 * FindAddressEntry) plus per-address connection state and a service-aware `selectForConnection`.
 *
 * Like Core, every Core operation runs the consistency check before and after itself with probability
 * 1/`consistencyCheckRatio` (drawing `randrange(ratio)` from the shared random stream exactly where
 * Core's `Check()` does, so Core's deterministic unit-test vectors reproduce); a failure throws
 * `AddrManConsistencyError` where Core would abort. Peerbook's own operations (connection state,
 * `selectForConnection`, `stateOf`) do not run the check, so they add no draws to Core's stream
 * beyond the selections they make.
 */
import type { NetAddress } from '../address/netaddress.js';
import { NetGroupManager } from '../address/netgroup.js';
import type { NetId } from '../address/network.js';
import type { AddressRecord } from '../address/record.js';
import type { NetService } from '../address/service.js';
import type { Clock } from '../util/clock.js';
import { ArgumentError } from '../util/errors.js';
import type { Random } from '../util/random.js';
import { sha256 } from '../util/hash.js';
import { resolveCollisions, selectTriedCollision } from './collisions.js';
import { checkAddrman } from './consistency.js';
import {
  DEFAULT_FAILED_RETRY_MS,
  MAX_ADDRMAN_CONSISTENCY_CHECKS,
} from './constants.js';
import { stateFromColumns, type AddressState } from './connection-state.js';
import { StateKind, splitServices } from './entries.js';
import { AddrManConsistencyError } from './errors.js';
import { readPeersDat, writePeersDat } from './peers-dat.js';
import { restoreTable, snapshotTable, type TableSnapshot } from './restore.js';
import { getAddrSlots, selectForConnectionSlot, selectSlot } from './selection.js';
import { AddrTable } from './table.js';

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
  /** peers.dat format: 4 (default, multiport) or 3 (readable by Core 0.21–25; one entry per IP). */
  format?: 3 | 4;
}

/** Core's deterministic test key uint256{1}: byte 0 is 1, the rest 0. */
export const DETERMINISTIC_KEY: Uint8Array = (() => {
  const k = new Uint8Array(32);
  k[0] = 1;
  return k;
})();

/** The address manager (Core `AddrMan`), see the module comment. */
export class AddrMan {
  private table: AddrTable;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly netgroups: NetGroupManager;
  private readonly checkRatio: number;
  private readonly failedRetryMs: number;
  private readonly testBeforeEvict: boolean;

  /** @param opts clock, random stream, groups, key and check settings. */
  constructor(opts: AddrManOptions) {
    this.clock = opts.clock;
    this.random = opts.random;
    this.netgroups = opts.netgroups ?? new NetGroupManager();
    const ratio = opts.consistencyCheckRatio ?? 0;
    if (!Number.isInteger(ratio) || ratio < 0) throw new ArgumentError(`consistencyCheckRatio must be a non-negative integer, got ${ratio}`);
    this.checkRatio = Math.min(ratio, MAX_ADDRMAN_CONSISTENCY_CHECKS);
    this.failedRetryMs = opts.failedRetryMs ?? DEFAULT_FAILED_RETRY_MS;
    this.testBeforeEvict = opts.testBeforeEvict ?? true;
    if (!(this.failedRetryMs >= 0)) throw new ArgumentError(`failedRetryMs must be ≥ 0, got ${opts.failedRetryMs}`);
    let key: Uint8Array;
    if (opts.deterministic) key = DETERMINISTIC_KEY;
    else if (opts.key) key = opts.key;
    else key = this.random.randbytes(32); // Core: nKey{insecure_rand.rand256()}
    if (key.length !== 32) throw new ArgumentError(`addrman key must be 32 bytes, got ${key.length}`);
    this.table = this.makeTable(key);
  }

  /**
   * Reads a complete peers.dat file (magic, payload, checksum) into a new `AddrMan`. The options are
   * those of the constructor; the key comes from the file. Throws `PeersDatError` (or its subclass
   * `PeersDatVersionError` for files from an incompatible newer version).
   */
  static deserialize(bytes: Uint8Array, magic: Uint8Array, opts: AddrManOptions): AddrMan {
    const man = new AddrMan(opts);
    man.table = readPeersDat(bytes, magic, { netgroups: man.netgroups, makeTable: (key) => man.makeTable(key) });
    return man;
  }

  /**
   * Rebuilds a table from a `snapshot()` (or hand-made data) under the snapshot's key, following Core's
   * placement rules (restore.ts). Draws nothing from `opts.random`. Throws `AddrManRestoreError`.
   */
  static restore(snapshot: TableSnapshot, opts: AddrManOptions): AddrMan {
    const man = new AddrMan({ ...opts, deterministic: false, key: Uint8Array.from(snapshot.key) });
    restoreTable(man.table, snapshot);
    return man;
  }

  /** Everything the table holds, as plain data that `AddrMan.restore` turns back into the same table. */
  snapshot(): TableSnapshot {
    return snapshotTable(this.table);
  }

  /** Writes the table as a complete peers.dat file (magic, payload, sha256d checksum). */
  serialize(magic: Uint8Array, opts: SerializeOptions = {}): Uint8Array {
    const format = opts.format ?? 4;
    if (format !== 3 && format !== 4) throw new ArgumentError(`peers.dat format must be 3 or 4, got ${String(format)}`);
    return writePeersDat(this.table, magic, format);
  }

  // ---- Core operations -------------------------------------------------------------------------------

  /** Core `Size(net, in_new)`: number of entries, optionally per network and table. */
  size(opts: SizeOptions = {}): number {
    this.check();
    const t = this.table;
    let n: number;
    if (opts.network === undefined) {
      n = opts.inNew === undefined ? t.entries.randomLen : opts.inNew ? t.nNew : t.nTried;
    } else {
      const net = opts.network;
      n = opts.inNew === undefined ? t.netNew[net] + t.netTried[net] : opts.inNew ? t.netNew[net] : t.netTried[net];
    }
    this.check();
    return n;
  }

  /**
   * Core `Add`: learns addresses heard from `source`, their times reduced by `timePenaltySeconds`
   * (Core's net_processing uses 2 h for gossip) unless an address announces itself. Returns true when
   * at least one address gained a new-table reference.
   */
  add(records: AddressRecord[], source: NetAddress, timePenaltySeconds = 0): boolean {
    this.check();
    const penalty = seconds(timePenaltySeconds, 'timePenaltySeconds');
    const now = this.clock.nowSeconds();
    const srcGroup = this.netgroups.getGroup(source);
    const added = this.table.addBatch(records, source, srcGroup, penalty, now);
    this.check();
    return added > 0;
  }

  /** Core `Good`: a connection to `service` succeeded (moves it to tried, or queues a collision). */
  good(service: NetService, timeSeconds?: number): boolean {
    this.check();
    const ok = this.table.good(service.addr, service.port, this.testBeforeEvict, this.time(timeSeconds));
    this.check();
    return ok;
  }

  /** Core `Attempt`: a connection to `service` was attempted; `countFailure` counts it as a failure. */
  attempt(service: NetService, countFailure: boolean, timeSeconds?: number): void {
    this.check();
    this.table.attempt(service.addr, service.port, countFailure, this.time(timeSeconds));
    this.check();
  }

  /** Core `Connected`: we were connected to `service` (call on disconnect); refreshes its time. */
  connected(service: NetService, timeSeconds?: number): void {
    this.check();
    this.table.connected(service.addr, service.port, this.time(timeSeconds));
    this.check();
  }

  /** Core `SetServices`: overwrites the service flags of `service`. */
  setServices(service: NetService, services: bigint): void {
    this.check();
    this.table.setServices(service.addr, service.port, services);
    this.check();
  }

  /** Core `Select`: a random address to connect to, or undefined when none is available. */
  select(opts: SelectOptions = {}): SelectResult | undefined {
    this.check();
    const slot = selectSlot(this.table, this.clock.nowSeconds(), { newOnly: opts.newOnly ?? false, netMask: netMask(opts.networks) });
    const result = slot < 0 ? undefined : { record: this.table.entries.recordAt(slot), lastTry: this.table.entries.lastTry[slot] };
    this.check();
    return result;
  }

  /** Core `GetAddr`: random addresses to share (what a GETADDR reply contains). */
  getAddr(opts: GetAddrOptions): AddressRecord[] {
    this.check();
    const slots = getAddrSlots(this.table, this.clock.nowSeconds(), opts);
    const e = this.table.entries;
    const out = slots.map((s) => e.recordAt(s));
    this.check();
    return out;
  }

  /** Core `ResolveCollisions`: settles tried-table collisions that have been tested or waited long enough. */
  resolveCollisions(): void {
    this.check();
    resolveCollisions(this.table, () => this.clock.nowSeconds());
    this.check();
  }

  /** Core `SelectTriedCollision`: a tried entry some newcomer wants to evict, to test with a feeler. */
  selectTriedCollision(): SelectResult | undefined {
    this.check();
    const slot = selectTriedCollision(this.table);
    const result = slot < 0 ? undefined : { record: this.table.entries.recordAt(slot), lastTry: this.table.entries.lastTry[slot] };
    this.check();
    return result;
  }

  /** Core `GetEntries`: every cell of one table in bucket/position order (RPC getrawaddrman). */
  getEntries(fromTried: boolean): EntryPosition[] {
    this.check();
    const t = this.table;
    const cells = fromTried ? t.vvTried : t.vvNew;
    const out: EntryPosition[] = [];
    for (let cell = 0; cell < cells.length; cell++) {
      const slot = cells[cell];
      if (slot < 0) continue;
      out.push({ info: this.view(slot), bucket: cell >>> 6, position: cell & 63, multiplicity: fromTried ? 1 : t.entries.refCount[slot] });
    }
    this.check();
    return out;
  }

  /** Core `FindAddressEntry` (test helper): where an entry is, by its tried or primary new bucket. */
  findEntry(service: NetService): EntryLocation | undefined {
    this.check();
    const t = this.table;
    const slot = t.entries.find(service.addr, service.port);
    let loc: EntryLocation | undefined;
    if (slot >= 0) {
      loc = t.entries.inTried[slot] !== 0
        ? { inTried: true, multiplicity: 1, bucket: t.triedBucket(slot), position: t.triedPos(slot) }
        : { inTried: false, multiplicity: t.entries.refCount[slot], bucket: t.primaryNewBucket(slot), position: t.primaryNewPos(slot) };
    }
    this.check();
    return loc;
  }

  /** Everything known about one entry, or undefined. */
  getInfo(service: NetService): AddrInfoView | undefined {
    const slot = this.table.entries.find(service.addr, service.port);
    return slot < 0 ? undefined : this.view(slot);
  }

  /** Core `CheckAddrman`: 0 when consistent, else Core's error code (-1 … -21) or Peerbook's (≤ -101). */
  checkConsistency(): number {
    return checkAddrman(this.table);
  }

  // ---- connection state (Peerbook) -------------------------------------------------------------------

  /** Marks `service` as connected now; returns false if it is not in the table. */
  markConnected(service: NetService): boolean {
    return this.setState(service, StateKind.CONNECTED, 0);
  }

  /** Marks the end of a connection to `service` (state `tried` at `timeSeconds`, default now). */
  markDisconnected(service: NetService, timeSeconds?: number): boolean {
    return this.setState(service, StateKind.TRIED, this.time(timeSeconds));
  }

  /** Marks a failed connection attempt (state `failed`; eligible again after `failedRetryMs`). */
  markFailed(service: NetService, timeSeconds?: number): boolean {
    return this.setState(service, StateKind.FAILED, this.time(timeSeconds));
  }

  /**
   * Bans `service` until `untilSeconds`, an absolute Unix time that must lie in the future — passing a
   * duration (e.g. 86400) throws instead of silently creating a ban that has already expired.
   */
  ban(service: NetService, untilSeconds: number): boolean {
    const now = this.clock.nowSeconds();
    if (!Number.isFinite(untilSeconds) || untilSeconds <= now) {
      throw new ArgumentError(`ban until ${untilSeconds} is not in the future (now ${now}): pass an absolute Unix time in seconds, not a duration`);
    }
    return this.setState(service, StateKind.BANNED, untilSeconds);
  }

  /** Lifts a ban: the state becomes `tried` (at the last success) or `never-tried`. */
  unban(service: NetService): boolean {
    const e = this.table.entries;
    const slot = e.find(service.addr, service.port);
    if (slot < 0) return false;
    if (e.stateKind[slot] !== StateKind.BANNED) return true;
    const last = e.lastSuccess[slot];
    e.stateKind[slot] = last > 0 ? StateKind.TRIED : StateKind.NEVER_TRIED;
    e.stateTime[slot] = last > 0 ? last : 0;
    return true;
  }

  /** The connection state of `service`, or undefined if it is not in the table. */
  stateOf(service: NetService): AddressState | undefined {
    const e = this.table.entries;
    const slot = e.find(service.addr, service.port);
    return slot < 0 ? undefined : stateFromColumns(e.stateKind[slot], e.stateTime[slot]);
  }

  /**
   * An address to dial: for a feeler, Core's `SelectTriedCollision` then `Select(new_only)`; otherwise
   * one advertising `requiredServices` if any qualifies (sampled from the service index when rare),
   * else Core's `Select`. Skips connected, banned and recently failed addresses and `exclude`d ones;
   * gives up (undefined) after MAX_CONNECTION_SELECT_TRIES candidates. Like Core's
   * ThreadOpenConnections, call `resolveCollisions()` before choosing a feeler; Core also calls `Good()`
   * on a collision occupant it is already connected to — here such an occupant is simply skipped.
   */
  selectForConnection(opts: ConnectionSelectOptions = {}): AddressRecord | undefined {
    const slot = selectForConnectionSlot(
      this.table,
      {
        nowSeconds: this.clock.nowSeconds(),
        nowMs: this.clock.now(),
        failedRetryMs: this.failedRetryMs,
        selectTriedCollision: () => selectTriedCollision(this.table),
      },
      {
        requiredServices: opts.requiredServices,
        feeler: opts.feeler,
        netMask: netMask(opts.networks),
        exclude: opts.exclude,
      },
    );
    return slot < 0 ? undefined : this.table.entries.recordAt(slot);
  }

  /** Entries advertising every bit of `services` (from the service index: no table scan). */
  countWithServices(services: bigint): number {
    const e = this.table.entries;
    if (services === 0n) return e.live;
    const [lo, hi] = splitServices(services);
    const bit = e.services.rarestBit(lo, hi);
    let n = 0;
    for (let i = 0; i < e.services.listLength(bit); i++) {
      const s = e.services.listAt(bit, i);
      if (e.isLive(s) && e.hasServices(s, lo, hi)) n++;
    }
    return n;
  }

  /** Bytes held by the table's typed arrays (entries, indexes, buckets); for memory accounting. */
  get byteLength(): number {
    const t = this.table;
    return t.entries.byteLength + t.vvNew.byteLength + t.vvTried.byteLength + t.newFill.byteLength + t.triedFill.byteLength +
      t.netNewFill.byteLength + t.netTriedFill.byteLength;
  }

  // ---- internals -------------------------------------------------------------------------------------

  private makeTable(key: Uint8Array): AddrTable {
    return new AddrTable(key, this.netgroups, this.random, sha256(key));
  }

  /** Core `Check()`: with probability 1/ratio run the full check; throw where Core asserts. */
  private check(): void {
    if (this.checkRatio === 0) return;
    if (this.random.randrange(this.checkRatio) >= 1) return;
    const err = checkAddrman(this.table);
    if (err !== 0) throw new AddrManConsistencyError(err);
  }

  private time(timeSeconds: number | undefined): number {
    return timeSeconds === undefined ? this.clock.nowSeconds() : seconds(timeSeconds, 'timeSeconds');
  }

  private setState(service: NetService, kind: number, time: number): boolean {
    const e = this.table.entries;
    const slot = e.find(service.addr, service.port);
    if (slot < 0) return false;
    e.stateKind[slot] = kind;
    e.stateTime[slot] = time;
    return true;
  }

  private view(slot: number): AddrInfoView {
    return this.table.entries.infoAt(slot);
  }

}

/** A bitmask of network ids (0 = any). */
function netMask(networks: NetId[] | undefined): number {
  let m = 0;
  if (networks) for (const n of networks) m |= 1 << n;
  return m;
}

/** Validates a time in seconds and truncates it to whole seconds (Core's NodeSeconds). */
function seconds(v: number, name: string): number {
  if (!Number.isFinite(v)) throw new ArgumentError(`${name} must be a finite number of seconds, got ${v}`);
  return Math.trunc(v);
}
