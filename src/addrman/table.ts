/**
 * The new and tried tables and every operation that changes them — Core's `AddrManImpl` internals
 * (`Create`, `Delete`, `ClearNew`, `MakeTried`, `AddSingle`, `Good_`, `Attempt_`, `Connected_`,
 * `SetServices_`), with Core's rules and in Core's order, so that the same inputs and the same random
 * stream give the same table.
 *
 * This is the table's one door: together with its column store (entries.ts) it is the only code that
 * writes entries, cells, counts and the collision set. Everything else — `AddrMan`, selection,
 * collisions, the loader (load.ts) — reads freely but changes state through the named methods here.
 *
 * Bucket cells hold slot numbers of the entry table (-1 = empty). Beside Core's state the tables keep
 * per-bucket occupancy counts (overall and per network), maintained on every cell write, so that
 * `select` can tell an empty bucket in O(1) instead of scanning 64 cells.
 */
import type { NetAddress } from '../address/netaddress.js';
import { Net } from '../address/network.js';
import type { NetGroupManager } from '../address/netgroup.js';
import type { AddressRecord } from '../address/record.js';
import type { Random } from '../util/random.js';
import { writeGroupPooled } from './address-class.js';
import { BitReservoir } from './bit-reservoir.js';
import { Bucketer, MAX_SERVICE_KEY_BYTES, PackedGroups, PackedKeys } from './bucketing.js';
import {
  ADDRMAN_BUCKET_SIZE,
  ADDRMAN_CONNECTED_UPDATE_INTERVAL_S,
  ADDRMAN_FUTURE_TIME_S,
  ADDRMAN_HORIZON_S,
  ADDRMAN_MAX_FAILURES,
  ADDRMAN_MIN_FAIL_S,
  ADDRMAN_NEW_BUCKET_COUNT,
  ADDRMAN_NEW_BUCKETS_PER_ADDRESS,
  ADDRMAN_NEW_SLOTS,
  ADDRMAN_OFFLINE_UPDATE_INTERVAL_S,
  ADDRMAN_ONLINE_UPDATE_INTERVAL_S,
  ADDRMAN_ONLINE_WINDOW_S,
  ADDRMAN_RECENT_TRY_S,
  ADDRMAN_RETRIES,
  ADDRMAN_SET_TRIED_COLLISION_SIZE,
  ADDRMAN_TERRIBLE_RECENT_TRY_S,
  ADDRMAN_TRIED_BUCKET_COUNT,
  ADDRMAN_TRIED_SLOTS,
} from './constants.js';
import { EntryTable, GROUP_SLOT_BYTES, writeKey } from './entries.js';
import type { EntryColumns } from './image.js';

/** Number of Core network ids (NET_UNROUTABLE … NET_INTERNAL). */
export const NET_COUNT = 7;

/** Core GetChance's per-failure factor 0.66^n for n = 0..8 (`pow(0.66, min(nAttempts, 8))`). */
const CHANCE_BY_ATTEMPTS = Array.from({ length: 9 }, (_, n) => Math.pow(0.66, n));

/** A pending tried-table collision: Core keeps ids in an ordered `std::set`; the slot finds the entry. */
export interface Collision {
  /** Core id of the entry waiting to enter the tried table. */
  id: number;
  /** Its slot (valid only while `entries.id[slot] === id`). */
  slot: number;
}

/** Core's address tables and their mutation rules. */
export class AddrTable {
  /** The entry store. */
  readonly entries: EntryTable;
  /** Core vvNew: 1024 buckets × 64 cells of slot numbers, -1 = empty. */
  readonly vvNew = new Int32Array(ADDRMAN_NEW_SLOTS).fill(-1);
  /** Core vvTried: 256 buckets × 64 cells. */
  readonly vvTried = new Int32Array(ADDRMAN_TRIED_SLOTS).fill(-1);
  /** Occupied cells per new bucket. */
  readonly newFill = new Uint8Array(ADDRMAN_NEW_BUCKET_COUNT);
  /** Occupied cells per tried bucket. */
  readonly triedFill = new Uint8Array(ADDRMAN_TRIED_BUCKET_COUNT);
  /** Occupied cells per (network, new bucket): index net * 1024 + bucket. */
  readonly netNewFill = new Uint8Array(NET_COUNT * ADDRMAN_NEW_BUCKET_COUNT);
  /** Occupied cells per (network, tried bucket): index net * 256 + bucket. */
  readonly netTriedFill = new Uint8Array(NET_COUNT * ADDRMAN_TRIED_BUCKET_COUNT);
  /** Core nNew. */
  nNew = 0;
  /** Core nTried. */
  nTried = 0;
  /** Core m_network_counts[net].n_new. */
  readonly netNew = new Int32Array(NET_COUNT);
  /** Core m_network_counts[net].n_tried. */
  readonly netTried = new Int32Array(NET_COUNT);
  /** Whether Core's m_network_counts map has an entry for the network (it never removes one). */
  readonly netPresent = new Uint8Array(NET_COUNT);
  /** Core nIdCount: next id. */
  nextId = 0;
  /** Core m_last_good (starts at 1 s so that "never" is strictly worse). */
  lastGood = 1;
  /** Core m_tried_collisions, kept sorted by id (changed only through the methods below). */
  collisions: Collision[] = [];
  /** Bucket hashing under nKey. */
  bucketer: Bucketer;
  /**
   * Whether `addBatch` hashes each new address's tried bucket along with its new-table cell (two more
   * hashes in the SIMD batch), leaving `good` one hash (the tried position) instead of three on the
   * scalar kernel: a trade between Add and Good (docs/performance.md). Tests and benches may flip it.
   */
  addHashesTriedBucket = true;
  /** The random stream's bit reservoir for Select and GetAddr (bit-reservoir.ts; empty between operations). */
  readonly bits: BitReservoir;
  /** Reused by `addBatch` (grows to the largest call's record count). */
  private hint: AddHint | undefined;
  /** One packed group (length byte, bytes) for `addSingle` without a hint. */
  private readonly groupScratch = new Uint8Array(GROUP_SLOT_BYTES);
  private readonly keyBuf = new Uint8Array(MAX_SERVICE_KEY_BYTES);

  /**
   * @param key Core's nKey; @param netgroups group function (asmap or prefixes);
   * @param random the shared random stream; @param indexSeed secret for the address index hash.
   */
  constructor(key: Uint8Array, readonly netgroups: NetGroupManager, readonly random: Random, indexSeed: Uint8Array) {
    this.bucketer = new Bucketer(key);
    this.bits = new BitReservoir(random);
    this.entries = new EntryTable(indexSeed);
  }

  // ---- cells ------------------------------------------------------------------------------------

  /** Writes a new-table cell, keeping occupancy counts. */
  setNewCell(bucket: number, pos: number, slot: number): void {
    const cell = bucket * ADDRMAN_BUCKET_SIZE + pos;
    const old = this.vvNew[cell];
    if (old >= 0) {
      this.newFill[bucket]--;
      this.netNewFill[this.entries.network[old] * ADDRMAN_NEW_BUCKET_COUNT + bucket]--;
    }
    this.vvNew[cell] = slot;
    if (slot >= 0) {
      this.newFill[bucket]++;
      this.netNewFill[this.entries.network[slot] * ADDRMAN_NEW_BUCKET_COUNT + bucket]++;
    }
  }

  /** Writes a tried-table cell, keeping occupancy counts. */
  setTriedCell(bucket: number, pos: number, slot: number): void {
    const cell = bucket * ADDRMAN_BUCKET_SIZE + pos;
    const old = this.vvTried[cell];
    if (old >= 0) {
      this.triedFill[bucket]--;
      this.netTriedFill[this.entries.network[old] * ADDRMAN_TRIED_BUCKET_COUNT + bucket]--;
    }
    this.vvTried[cell] = slot;
    if (slot >= 0) {
      this.triedFill[bucket]++;
      this.netTriedFill[this.entries.network[slot] * ADDRMAN_TRIED_BUCKET_COUNT + bucket]++;
    }
  }

  /** The slot in a new-table cell, -1 if empty. */
  newCell(bucket: number, pos: number): number {
    return this.vvNew[bucket * ADDRMAN_BUCKET_SIZE + pos];
  }

  /** The slot in a tried-table cell, -1 if empty. */
  triedCell(bucket: number, pos: number): number {
    return this.vvTried[bucket * ADDRMAN_BUCKET_SIZE + pos];
  }

  // ---- bucket numbers of stored entries -------------------------------------------------------

  /** The network group of a stored entry (cached; computed and cached on first use if not). */
  groupOf(slot: number): Uint8Array {
    const cached = this.entries.groupOf(slot);
    if (cached !== undefined) return cached;
    const group = this.netgroups.getGroup(this.entries.addrAt(slot));
    this.entries.setGroup(slot, group);
    return group;
  }

  /** Core `GetNewBucket(nKey, src)` for a stored entry and an arbitrary source group. */
  newBucketFor(slot: number, srcGroup: Uint8Array): number {
    return this.bucketer.newBucket(this.groupOf(slot), srcGroup);
  }

  /** Core `GetNewBucket(nKey)` (own source), cached per entry. */
  primaryNewBucket(slot: number): number {
    const e = this.entries;
    let bucket = e.newBucket[slot];
    if (bucket < 0) {
      bucket = this.newBucketFor(slot, this.netgroups.getGroup(e.sourceAt(slot)));
      e.newBucket[slot] = bucket;
      e.newPos[slot] = this.position(true, bucket, slot);
    }
    return bucket;
  }

  /** `GetBucketPosition(nKey, true, GetNewBucket(nKey))`, cached per entry. */
  primaryNewPos(slot: number): number {
    if (this.entries.newPos[slot] < 0) this.primaryNewBucket(slot);
    return this.entries.newPos[slot];
  }

  /** Core `GetTriedBucket(nKey)`, cached per entry (`add` may have hashed it already). */
  triedBucket(slot: number): number {
    const e = this.entries;
    let bucket = e.triedBucket[slot];
    if (bucket < 0) {
      const len = e.writeServiceKey(slot, this.keyBuf);
      bucket = this.bucketer.triedBucket(this.keyBuf, len, this.groupOf(slot));
      e.triedBucket[slot] = bucket;
    }
    return bucket;
  }

  /** `GetBucketPosition(nKey, false, GetTriedBucket(nKey))`, cached per entry (hashed when first needed). */
  triedPos(slot: number): number {
    const e = this.entries;
    let pos = e.triedPos[slot];
    if (pos < 0) {
      const bucket = this.triedBucket(slot);
      const len = e.writeServiceKey(slot, this.keyBuf);
      pos = this.bucketer.position(false, bucket, this.keyBuf, len);
      e.triedPos[slot] = pos;
    }
    return pos;
  }

  /** Core `GetBucketPosition(nKey, fNew, bucket)` for a stored entry (not cached). */
  position(isNew: boolean, bucket: number, slot: number): number {
    const len = this.entries.writeServiceKey(slot, this.keyBuf);
    return this.bucketer.position(isNew, bucket, this.keyBuf, len);
  }

  /** Core `GetTriedBucket(nKey)` recomputed from the address (consistency checks: ignores every cache). */
  computeTriedBucket(slot: number): number {
    const len = this.entries.writeServiceKey(slot, this.keyBuf);
    return this.bucketer.triedBucket(this.keyBuf, len, this.netgroups.getGroup(this.entries.addrAt(slot)));
  }

  // ---- entry statistics ------------------------------------------------------------------------

  /** Core `AddrInfo::IsTerrible(now)`. */
  isTerrible(slot: number, now: number): boolean {
    const e = this.entries;
    if (now - e.lastTry[slot] <= ADDRMAN_TERRIBLE_RECENT_TRY_S) return false; // never remove things tried in the last minute
    const time = e.time[slot];
    if (time > now + ADDRMAN_FUTURE_TIME_S) return true; // came in a flying DeLorean
    if (now - time > ADDRMAN_HORIZON_S) return true; // not seen in recent history
    const attempts = e.attempts[slot];
    if (e.lastSuccess[slot] === 0 && attempts >= ADDRMAN_RETRIES) return true; // tried N times and never a success
    if (now - e.lastSuccess[slot] > ADDRMAN_MIN_FAIL_S && attempts >= ADDRMAN_MAX_FAILURES) return true; // N successive failures in the last week
    return false;
  }

  /** Core `AddrInfo::GetChance(now)`: relative selection weight. */
  chance(slot: number, now: number): number {
    const e = this.entries;
    let c = 1.0;
    if (now - e.lastTry[slot] < ADDRMAN_RECENT_TRY_S) c *= 0.01; // deprioritize very recent attempts away
    const n = Math.min(e.attempts[slot], 8);
    c *= n >= 0 ? CHANCE_BY_ATTEMPTS[n] : Math.pow(0.66, n);
    return c;
  }

  // ---- Core's mutations --------------------------------------------------------------------------

  /**
   * Core `Create`: a new entry with no new-table reference yet (nNew and the network count go up).
   * `addr` must be routable (AddSingle checked), so its network is its own and its group is `group`.
   */
  create(rec: AddressRecord, source: NetAddress, groupBuf: Uint8Array, groupAt: number): number {
    const addr = rec.service.addr;
    const slot = this.entries.create(this.nextId++, addr, rec.service.port, source, rec.time, rec.services, addr.net, routableNetClass(addr), groupBuf, groupAt);
    const net = this.entries.network[slot];
    this.nNew++;
    this.netNew[net]++;
    this.netPresent[net] = 1;
    return slot;
  }

  /** Core `Delete`: removes a new entry that has no references left. */
  delete(slot: number): void {
    const e = this.entries;
    if (e.inTried[slot] !== 0 || e.refCount[slot] !== 0) throw new Error('addrman: Delete of an entry still referenced');
    this.netNew[e.network[slot]]--;
    this.nNew--;
    e.destroy(slot);
  }

  /** Core `ClearNew`: empties a new-table cell, deleting its entry when that was its last reference. */
  clearNew(bucket: number, pos: number): void {
    const slot = this.newCell(bucket, pos);
    if (slot < 0) return;
    const e = this.entries;
    e.refCount[slot]--;
    this.setNewCell(bucket, pos, -1);
    if (e.refCount[slot] === 0) this.delete(slot);
  }

  /**
   * Core `MakeTried`: removes every new-table reference of the entry, then moves it into its tried
   * cell, evicting the occupant back to the new table (to its own primary new cell, clearing that).
   *
   * Core walks buckets from the entry's primary new bucket, hashing a position per bucket, until the
   * reference count reaches zero. An entry can only sit at its hashed position in any bucket, so the
   * same cells are found by checking the primary cell and, when references remain, scanning the 65,536
   * cells for the slot — 40 µs instead of up to 1,024 hashes.
   */
  makeTried(slot: number): void {
    const e = this.entries;
    const nb = this.primaryNewBucket(slot);
    const np = this.primaryNewPos(slot);
    if (this.newCell(nb, np) === slot) {
      this.setNewCell(nb, np, -1);
      e.refCount[slot]--;
    }
    if (e.refCount[slot] > 0) {
      const vv = this.vvNew;
      for (let cell = 0; cell < vv.length && e.refCount[slot] > 0; cell++) {
        if (vv[cell] === slot) {
          this.setNewCell(cell >>> 6, cell & 63, -1);
          e.refCount[slot]--;
        }
      }
    }
    this.nNew--;
    this.netNew[e.network[slot]]--;

    const tb = this.triedBucket(slot);
    const tp = this.triedPos(slot);
    const old = this.triedCell(tb, tp);
    if (old >= 0) {
      // Remove the to-be-evicted item from the tried set and enter it into the new set again.
      e.inTried[old] = 0;
      this.setTriedCell(tb, tp, -1);
      this.nTried--;
      this.netTried[e.network[old]]--;
      const ub = this.primaryNewBucket(old);
      const up = this.primaryNewPos(old);
      this.clearNew(ub, up);
      e.refCount[old] = 1;
      this.setNewCell(ub, up, old);
      this.nNew++;
      this.netNew[e.network[old]]++;
    }
    this.setTriedCell(tb, tp, slot);
    this.nTried++;
    e.inTried[slot] = 1;
    this.netTried[e.network[slot]]++;
  }

  /**
   * Core `Add_`: adds addresses heard from `source` (group `srcGroup`); returns how many gained a
   * new-table reference. The new-table cells (and tried buckets) of every address not yet in the table
   * are hashed first, in one SIMD batch; then Core's `AddSingle` runs for each address in order,
   * exactly as Core's loop. (The tried position is hashed by `good()`, on the scalar kernel.)
   */
  addBatch(records: AddressRecord[], source: NetAddress, srcGroup: Uint8Array, timePenalty: number, now: number): number {
    const hint = this.precomputeAdd(records, srcGroup);
    let added = 0;
    for (let i = 0; i < records.length; i++) if (this.addSingle(records[i], source, srcGroup, timePenalty, now, hint, i)) added++;
    return added;
  }

  /**
   * Hashes, in batches, where each routable address that is not in the table yet would go. The hint's
   * arrays are reused from call to call (they grow to the largest `add` call).
   */
  private precomputeAdd(records: AddressRecord[], srcGroup: Uint8Array): AddHint {
    const n = records.length;
    const hint = this.hintFor(n);
    const { routable, newBucket, groupRow, idx } = hint;
    const e = this.entries;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const s = records[i].service;
      newBucket[i] = -1;
      groupRow[i] = -1;
      if (!s.addr.isRoutable()) {
        routable[i] = 0;
        continue;
      }
      routable[i] = 1;
      if (e.find(s.addr, s.port) < 0) idx[m++] = i;
    }
    if (m === 0) return hint;
    const { groups, keys, keyLens } = hint;
    for (let j = 0; j < m; j++) {
      const s = records[idx[j]].service;
      groupRow[idx[j]] = j;
      groups[j * GROUP_SLOT_BYTES] = this.writeGroup(s.addr, groups, j * GROUP_SLOT_BYTES + 1);
      keyLens[j] = writeKey(s.addr.net, s.addr.bytes, 0, s.port, keys, j * MAX_SERVICE_KEY_BYTES);
    }
    const batch = new PackedKeys(m, keys, keyLens);
    const packed = new PackedGroups(groups, GROUP_SLOT_BYTES);
    const { nb, np, tb } = hint;
    this.bucketer.newLocationsBatch(batch, packed, srcGroup, nb, np);
    const tried = this.addHashesTriedBucket;
    if (tried) this.bucketer.triedBucketsBatch(batch, packed, tb);
    for (let j = 0; j < m; j++) {
      const i = idx[j];
      newBucket[i] = nb[j];
      hint.newPos[i] = np[j];
      hint.triedBucket[i] = tried ? tb[j] : -1;
    }
    return hint;
  }

  /** The reusable hint, grown to `n` records. */
  private hintFor(n: number): AddHint {
    let h = this.hint;
    if (h === undefined || h.routable.length < n) {
      const cap = Math.max(n, 256);
      h = {
        routable: new Uint8Array(cap),
        groupRow: new Int32Array(cap),
        groups: new Uint8Array(cap * GROUP_SLOT_BYTES),
        newBucket: new Int32Array(cap),
        newPos: new Int32Array(cap),
        triedBucket: new Int32Array(cap),
        idx: new Int32Array(cap),
        keys: new Uint8Array(cap * MAX_SERVICE_KEY_BYTES),
        keyLens: new Uint8Array(cap),
        nb: new Int32Array(cap),
        np: new Int32Array(cap),
        tb: new Int32Array(cap),
      };
      this.hint = h;
    }
    return h;
  }

  /**
   * Writes the network group of a routable address (Core `GetGroup`, at most 7 bytes) into `out` at
   * `at`; returns its length. Without an asmap it is read from the address bytes, allocating nothing.
   */
  private writeGroup(addr: NetAddress, out: Uint8Array, at: number): number {
    if (this.netgroups.asmap === undefined) return writeGroupPooled(addr.net, addr.bytes, 0, out, at);
    const g = this.netgroups.getGroup(addr);
    out.set(g, at);
    return g.length;
  }

  /**
   * Core `AddSingle`: adds or refreshes one address heard from `source` (whose group is `srcGroup`).
   * Returns true when the address gained a new-table reference. `hint[i]`, when given, holds the
   * precomputed routability, group and bucket locations of this record.
   */
  addSingle(rec: AddressRecord, source: NetAddress, srcGroup: Uint8Array, timePenalty: number, now: number, hint?: AddHint, i = -1): boolean {
    const addr = rec.service.addr;
    if (hint ? hint.routable[i] === 0 : !addr.isRoutable()) return false;
    const e = this.entries;
    let slot = e.find(addr, rec.service.port);
    // Do not set a penalty for a source's self-announcement.
    if (sameAddress(addr, source)) timePenalty = 0;
    let created = false;
    if (slot >= 0) {
      // Periodically update nTime.
      const currentlyOnline = now - rec.time < ADDRMAN_ONLINE_WINDOW_S;
      const updateInterval = currentlyOnline ? ADDRMAN_ONLINE_UPDATE_INTERVAL_S : ADDRMAN_OFFLINE_UPDATE_INTERVAL_S;
      if (e.time[slot] < rec.time - updateInterval - timePenalty) e.time[slot] = Math.max(0, rec.time - timePenalty);
      e.orServices(slot, rec.services);
      if (rec.time <= e.time[slot]) return false; // no new information
      if (e.inTried[slot] !== 0) return false;
      const refs = e.refCount[slot];
      if (refs === ADDRMAN_NEW_BUCKETS_PER_ADDRESS) return false;
      // Stochastic test: previous nRefCount == N: 2^N times harder to increase it.
      if (refs > 0 && this.random.randrange(1 << refs) !== 0) return false;
    } else {
      if (hint !== undefined && hint.groupRow[i] >= 0) {
        slot = this.create(rec, source, hint.groups, hint.groupRow[i] * GROUP_SLOT_BYTES);
      } else {
        this.groupScratch[0] = this.writeGroup(addr, this.groupScratch, 1);
        slot = this.create(rec, source, this.groupScratch, 0);
      }
      e.time[slot] = Math.max(0, rec.time - timePenalty);
      created = true;
    }

    let bucket: number;
    let pos: number;
    if (hint && hint.newBucket[i] >= 0) {
      bucket = hint.newBucket[i];
      pos = hint.newPos[i];
    } else {
      bucket = this.newBucketFor(slot, srcGroup);
      pos = this.position(true, bucket, slot);
    }
    if (created) {
      // The source of a fresh entry is its own source: remember its primary cell, and the tried bucket
      // when it was hashed with the batch. (The tried position is hashed when first needed.)
      e.newBucket[slot] = bucket;
      e.newPos[slot] = pos;
      if (hint && hint.newBucket[i] >= 0) e.triedBucket[slot] = hint.triedBucket[i];
    }
    const occupant = this.newCell(bucket, pos);
    let insert = occupant === -1;
    if (occupant !== slot) {
      if (!insert && (this.isTerrible(occupant, now) || (e.refCount[occupant] > 1 && e.refCount[slot] === 0))) {
        insert = true; // overwrite the existing new table entry
      }
      if (insert) {
        this.clearNew(bucket, pos);
        e.refCount[slot]++;
        this.setNewCell(bucket, pos, slot);
      } else if (e.refCount[slot] === 0) {
        this.delete(slot);
      }
    }
    return insert;
  }

  /** Core `Good_`: records a successful connection; moves the entry to tried unless that would evict. */
  good(addr: NetAddress, port: number, testBeforeEvict: boolean, time: number): boolean {
    this.lastGood = time;
    const e = this.entries;
    const slot = e.find(addr, port);
    if (slot < 0) return false;
    e.lastSuccess[slot] = time;
    e.lastTry[slot] = time;
    e.attempts[slot] = 0;
    // nTime is not updated here, to avoid leaking information about currently-connected peers.
    if (e.inTried[slot] !== 0) return false;
    if (e.refCount[slot] === 0) return false; // Core: Assume(info.nRefCount > 0)
    const tb = this.triedBucket(slot);
    const tp = this.triedPos(slot);
    if (testBeforeEvict && this.triedCell(tb, tp) !== -1) {
      if (this.collisions.length < ADDRMAN_SET_TRIED_COLLISION_SIZE) this.insertCollision(slot);
      return false;
    }
    this.makeTried(slot);
    return true;
  }

  /** Core `Attempt_`: records a connection attempt; counts a failure at most once per `Good` epoch. */
  attempt(addr: NetAddress, port: number, countFailure: boolean, time: number): void {
    const e = this.entries;
    const slot = e.find(addr, port);
    if (slot < 0) return;
    e.lastTry[slot] = time;
    if (countFailure && e.lastCountAttempt[slot] < this.lastGood) {
      e.lastCountAttempt[slot] = time;
      e.attempts[slot]++;
    }
  }

  /** Core `Connected_`: refreshes nTime when it is more than 20 minutes old. */
  connected(addr: NetAddress, port: number, time: number): void {
    const e = this.entries;
    const slot = e.find(addr, port);
    if (slot < 0) return;
    if (time - e.time[slot] > ADDRMAN_CONNECTED_UPDATE_INTERVAL_S) e.time[slot] = time;
  }

  /** Core `SetServices_`: overwrites the service flags. */
  setServices(addr: NetAddress, port: number, services: bigint): void {
    const slot = this.entries.find(addr, port);
    if (slot >= 0) this.entries.setServices(slot, services);
  }

  // ---- the loader's door (load.ts) -------------------------------------------------------------

  /** Takes over an image's columns as the (empty) entry store: row i becomes slot i, not yet live. */
  adoptColumns(cols: EntryColumns, rows: number): void {
    if (this.entries.live !== 0 || this.nNew !== 0 || this.nTried !== 0) throw new Error('addrman: loading into a table that is not empty');
    this.entries.adopt(cols, rows);
  }

  /**
   * Makes an adopted row a live entry with id `id`, counted as new and without references (Core
   * Unserialize: `mapInfo[n] = info`, `m_network_counts[..].n_new++`). `network` and `netClass` are
   * Core's `GetNetwork()` and `GetNetClass()` of its address, `group` its network group (computed when
   * first needed if absent). Returns -1, or — doing nothing — the slot of a live entry with the same
   * address and port (Core CheckAddrman -5).
   */
  activateRow(slot: number, id: number, network: number, netClass: number, group?: Uint8Array): number {
    const existing = this.entries.activate(slot, id, network, netClass, group);
    if (existing >= 0) return existing;
    this.nNew++;
    this.netNew[network]++;
    this.netPresent[network] = 1;
    this.nextId = Math.max(this.nextId, id + 1);
    return -1;
  }

  /** Ends the creation phase of a load: rows never activated become free slots; ids continue after the last row. */
  endAdoption(): void {
    this.entries.finishAdoption();
    this.nextId = Math.max(this.nextId, this.entries.slotLimit);
  }

  /** Sets Core's m_last_good (seconds), as a loaded file or snapshot states it. */
  setLastGood(seconds: number): void {
    this.lastGood = seconds;
  }

  /** Remembers an entry's own-source new cell (`GetNewBucket(nKey)` and its position), as hashed by the loader. */
  cachePrimaryNewCell(slot: number, bucket: number, pos: number): void {
    this.entries.newBucket[slot] = bucket;
    this.entries.newPos[slot] = pos;
  }

  /** Moves a just-loaded new entry into the (empty) tried cell its hash names. */
  placeTried(slot: number, bucket: number, pos: number): void {
    const e = this.entries;
    const net = e.network[slot];
    this.nNew--;
    this.netNew[net]--;
    this.nTried++;
    this.netTried[net]++;
    e.inTried[slot] = 1;
    e.triedBucket[slot] = bucket;
    e.triedPos[slot] = pos;
    this.setTriedCell(bucket, pos, slot);
  }

  /** Adds a new-table reference for a loaded entry in an empty cell. */
  placeNewRef(slot: number, bucket: number, pos: number): void {
    this.entries.refCount[slot]++;
    this.setNewCell(bucket, pos, slot);
  }

  // ---- connection state (Peerbook) ------------------------------------------------------------------

  /** Sets the connection state of a live entry (`StateKind` and its time, seconds). */
  setConnectionState(slot: number, kind: number, time: number): void {
    this.entries.stateKind[slot] = kind;
    this.entries.stateTime[slot] = time;
  }

  // ---- collisions ----------------------------------------------------------------------------------

  /** Inserts `slot`'s id into the ordered collision set (no duplicates). */
  insertCollision(slot: number): void {
    const id = this.entries.id[slot];
    let i = 0;
    while (i < this.collisions.length && this.collisions[i].id < id) i++;
    if (i < this.collisions.length && this.collisions[i].id === id) return;
    this.collisions.splice(i, 0, { id, slot });
  }

  /** True when a collision's entry still exists (Core: `mapInfo.count(id_new) == 1`). */
  collisionLive(c: Collision): boolean {
    return this.entries.isLive(c.slot) && this.entries.id[c.slot] === c.id;
  }

  /** Removes the collisions whose ids are in `ids` (Core: `m_tried_collisions.erase`). */
  eraseCollisions(ids: ReadonlySet<number>): void {
    if (ids.size > 0) this.collisions = this.collisions.filter((c) => !ids.has(c.id));
  }

  /** Removes the collision at position `i` of the ordered set. */
  eraseCollisionAt(i: number): void {
    this.collisions.splice(i, 1);
  }
}

/** Precomputed facts about the records of one `addBatch` call (index = record index unless noted). */
export interface AddHint {
  /** 1 when the address is routable. */
  routable: Uint8Array;
  /** For an address not in the table: its row in `groups` (the batch order), else -1. */
  groupRow: Int32Array;
  /** Network groups of the batch, GROUP_SLOT_BYTES per row: a length byte, then the group. */
  groups: Uint8Array;
  /** New bucket for the call's source, -1 when not precomputed. */
  newBucket: Int32Array;
  /** Position in that bucket. */
  newPos: Int32Array;
  /** Tried bucket, -1 when not hashed. */
  triedBucket: Int32Array;
  /** Scratch: the records hashed (batch order), their service keys and lengths, and the batch results. */
  idx: Int32Array;
  keys: Uint8Array;
  keyLens: Uint8Array;
  nb: Int32Array;
  np: Int32Array;
  tb: Int32Array;
}

/**
 * Core `GetNetClass()` of an address known to be routable: IPv4, and IPv6 that embeds an IPv4 address
 * (SIIT, NAT64, 6to4, Teredo), count as IPv4 (`HasLinkedIPv4`); otherwise the address's own network.
 * Skips the routability checks `getNetClass()` would repeat.
 */
function routableNetClass(addr: NetAddress): number {
  if (addr.net === Net.IPV6 && (addr.isRFC6145() || addr.isRFC6052() || addr.isRFC3964() || addr.isRFC4380())) return Net.IPV4;
  return addr.net;
}

/** Core `CNetAddr::operator==`: same network and address bytes (no string keys allocated). */
function sameAddress(a: NetAddress, b: NetAddress): boolean {
  if (a.net !== b.net || a.bytes.length !== b.bytes.length) return false;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}
