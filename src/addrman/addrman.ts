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
import { DEFAULT_FAILED_RETRY_MS, MAX_ADDRMAN_CONSISTENCY_CHECKS } from './constants.js';
import { StateKind, stateFromColumns } from './connection-state.js';
import { splitServices } from './entries.js';
import type { AddressBatch } from './address-batch.js';
import { AddrManConsistencyError } from './errors.js';
import { loadImage } from './load.js';
import { readPeersDat, writePeersDat } from './peers-dat.js';
import { imageFromSnapshot, snapshotTable } from './restore.js';
import { getAddrSlots, selectForConnectionSlot, selectSlot } from './selection.js';
import { AddrTable } from './table.js';
import type {
  AddrInfoView,
  AddrManOptions,
  AddressState,
  ConnectionSelectOptions,
  EntryLocation,
  EntryPosition,
  GetAddrOptions,
  SelectOptions,
  SelectResult,
  SerializeOptions,
  SizeOptions,
  TableSnapshot,
} from './types.js';

/** Set by `AddrMan`'s static block: reads the private table (for the test-only door, `testing.ts`). */
let tableOf: (man: AddrMan) => AddrTable;

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
  private readonly isBanned: ((addr: NetAddress) => boolean) | undefined;
  /** Reused by GetAddr for the chosen slots (grows to the largest answer, at most one table). */
  private slotScratch = new Int32Array(0);

  static {
    tableOf = (man) => man.table;
  }

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
    this.isBanned = opts.isBanned;
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
   * Rebuilds a table from a `snapshot()` (or hand-made data) under the snapshot's key, by Core's
   * placement rules (restore.ts, load.ts). Draws nothing from `opts.random`. Throws `AddrManRestoreError`.
   */
  static restore(snapshot: TableSnapshot, opts: AddrManOptions): AddrMan {
    const man = new AddrMan({ ...opts, deterministic: false, key: Uint8Array.from(snapshot.key) });
    loadImage(man.table, imageFromSnapshot(snapshot));
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

  /**
   * Core `Select` into a reusable batch: the same draw and the same address as `select`, written as a
   * copy into row 0 of `out` (cleared first) instead of a new object. Returns the entry's m_last_try
   * (seconds, 0 = never), or -1 when no address is available (`out` is then empty).
   */
  selectInto(out: AddressBatch, opts: SelectOptions = {}): number {
    this.check();
    const slot = selectSlot(this.table, this.clock.nowSeconds(), { newOnly: opts.newOnly ?? false, netMask: netMask(opts.networks) });
    out.clear();
    let lastTry = -1;
    if (slot >= 0) {
      out.pushRow(this.table.entries, slot);
      lastTry = this.table.entries.lastTry[slot];
    }
    this.check();
    return lastTry;
  }

  /** Core `GetAddr`: random addresses to share (what a GETADDR reply contains), as objects. */
  getAddr(opts: GetAddrOptions): AddressRecord[] {
    this.check();
    const slots = getAddrSlots(this.table, this.clock.nowSeconds(), opts, this.scratchFor(opts));
    const e = this.table.entries;
    const out: AddressRecord[] = new Array(slots.length);
    for (let i = 0; i < slots.length; i++) out[i] = e.recordAt(slots[i]);
    this.check();
    return out;
  }

  /**
   * Core `GetAddr` into a reusable batch: the same draws and the same answer as `getAddr`, written as
   * copies into `out`'s columns (cleared first) instead of one object per record. Returns `out`.
   */
  getAddrInto(opts: GetAddrOptions, out: AddressBatch): AddressBatch {
    this.check();
    const slots = getAddrSlots(this.table, this.clock.nowSeconds(), opts, this.scratchFor(opts));
    const e = this.table.entries;
    out.clear();
    out.reserve(slots.length);
    for (let i = 0; i < slots.length; i++) out.pushRow(e, slots[i]);
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

  /** The connection state of `service`, or undefined if it is not in the table. */
  stateOf(service: NetService): AddressState | undefined {
    const e = this.table.entries;
    const slot = e.find(service.addr, service.port);
    return slot < 0 ? undefined : stateFromColumns(e.stateKind[slot], e.stateTime[slot]);
  }

  /**
   * An address to dial: for a feeler, Core's `SelectTriedCollision` then `Select(new_only)`; otherwise
   * one advertising `requiredServices` if any qualifies (sampled from the service index when rare),
   * else Core's `Select`. Skips connected and recently failed addresses, addresses the ban system
   * bans (`isBanned` option: Core's `OpenNetworkConnection` refuses banned and discouraged targets)
   * and `exclude`d ones;
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
        isBanned: this.isBanned,
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

  /** The GetAddr slot scratch, grown to the largest answer `opts` allows (at most the table). */
  private scratchFor(opts: GetAddrOptions): Int32Array {
    const total = this.table.entries.randomLen;
    const bound = opts.maxAddresses > 0 ? Math.min(total, opts.maxAddresses) : total;
    if (this.slotScratch.length < bound) this.slotScratch = new Int32Array(bound);
    return this.slotScratch;
  }

  private time(timeSeconds: number | undefined): number {
    return timeSeconds === undefined ? this.clock.nowSeconds() : seconds(timeSeconds, 'timeSeconds');
  }

  private setState(service: NetService, kind: number, time: number): boolean {
    const slot = this.table.entries.find(service.addr, service.port);
    if (slot < 0) return false;
    this.table.setConnectionState(slot, kind, time);
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

/**
 * Test-only door (re-exported by testing.ts, never by index.ts): the table behind an `AddrMan`, for
 * tests that corrupt it on purpose or check Core's per-entry rules directly.
 * @internal
 */
export function internalTableOf(man: AddrMan): AddrTable {
  return tableOf(man);
}
