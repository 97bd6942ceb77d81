/**
 * Snapshot and restore: the whole address table as plain data, and a table rebuilt from such data —
 * the door through which readable exports (peers.json) and tools come back in.
 *
 * A snapshot lists every entry with everything the table knows about it: Core's `AddrInfo` fields
 * (address, services, time, source, last try, last counted attempt, last success, attempts), the
 * table it is in and the cells it occupies (each new-table reference's bucket and position, or its
 * tried cell), and Peerbook's connection state; plus the key, the asmap checksum, Core's
 * `m_last_good` and the pending tried collisions. `restoreTable` rebuilds exactly that table.
 *
 * Restoring follows Core's rules, not the data's wishes. A cell's position is a keyed hash of the
 * address and the bucket, and a tried cell's bucket is a keyed hash too, so only the buckets of new
 * references are information; positions and tried cells given in the input are checked against the
 * hashes, and an input that names a cell the key does not put the address in, or two entries in one
 * cell, is refused (`AddrManRestoreError` naming the entry and field) rather than "repaired". A tried
 * entry must have a last success (Core CheckAddrman -1), a new entry holds 1–8 references. The one
 * exception is Core's own: when the snapshot was bucketed under another asmap (its checksum differs
 * from the reader's), positions cannot be trusted, so — as Core's peers.dat loader does — every new
 * entry gets one reference in its own-source cell, tried entries go to their hashed cell, and an
 * entry whose cell is already taken is dropped.
 *
 * What a restored table does not reproduce: Core's ids are renumbered 0..n-1 in snapshot order (their
 * relative order, which orders the collision set, is kept), and the random-position array (`vRandom`)
 * is rebuilt in that order, so the same random stream draws different entries from the restored table
 * than from the original (peers.dat has the same limit). Restoring draws nothing from the random stream.
 */
import type { AddrInfoView } from './addrman.js';
import { PeerbookError } from '../util/errors.js';
import { bytesEqual } from '../util/hex.js';
import { MAX_SERVICE_KEY_BYTES, type KeyBatch } from './bucketing.js';
import { checkAddrman } from './consistency.js';
import type { AddressState } from './connection-state.js';
import {
  ADDRMAN_BUCKET_SIZE,
  ADDRMAN_MAX_ENTRIES,
  ADDRMAN_NEW_BUCKET_COUNT,
  ADDRMAN_NEW_BUCKETS_PER_ADDRESS,
  ADDRMAN_SET_TRIED_COLLISION_SIZE,
  ADDRMAN_TRIED_BUCKET_COUNT,
} from './constants.js';
import { StateKind } from './entries.js';
import type { AddrTable } from './table.js';

/** Largest integer time accepted, seconds (2^53 - 1: JavaScript numbers are exact up to here). */
export const MAX_RESTORE_TIME_S = Number.MAX_SAFE_INTEGER;
/** Core stores nAttempts as a signed 32-bit `int`. */
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const MAX_SERVICES = (1n << 64n) - 1n;

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

/** A snapshot cannot be restored (code `ERR_ADDRMAN_RESTORE`): `index` and `field` say where. */
export class AddrManRestoreError extends PeerbookError {
  /** Index of the offending entry, or -1 for the snapshot as a whole. */
  readonly index: number;
  /** The offending field (`address`, `cells[1].position`, `key`, …). */
  readonly field: string;
  /** What is wrong with it. */
  readonly problem: string;

  /** @param index entry index or -1; @param field field name; @param problem what is wrong. */
  constructor(index: number, field: string, problem: string) {
    super('ERR_ADDRMAN_RESTORE', `${index >= 0 ? `entry ${index}` : 'snapshot'} ${field}: ${problem}`);
    this.index = index;
    this.field = field;
    this.problem = problem;
  }
}

// ---- snapshot ----------------------------------------------------------------------------------

/** Everything in `t` as a `TableSnapshot`: entries in Core id order, every cell with its position. */
export function snapshotTable(t: AddrTable): TableSnapshot {
  const e = t.entries;
  const slots: number[] = [];
  for (let slot = 0; slot < e.slotLimit; slot++) if (e.isLive(slot)) slots.push(slot);
  slots.sort((a, b) => e.id[a] - e.id[b]);
  const cells = new Map<number, RestoreCell[]>();
  const collect = (vv: Int32Array): void => {
    for (let cell = 0; cell < vv.length; cell++) {
      const slot = vv[cell];
      if (slot < 0) continue;
      let list = cells.get(slot);
      if (list === undefined) cells.set(slot, (list = []));
      list.push({ bucket: Math.floor(cell / ADDRMAN_BUCKET_SIZE), position: cell % ADDRMAN_BUCKET_SIZE });
    }
  };
  collect(t.vvNew);
  collect(t.vvTried);
  const indexOfSlot = new Map<number, number>();
  const entries = slots.map((slot, i): RestoreEntry => {
    indexOfSlot.set(slot, i);
    // The stored fields minus the derived ones (refCount, inTried follow from table and cells).
    const { refCount: _refCount, inTried, ...stored } = e.infoAt(slot);
    return { ...stored, table: inTried ? 'tried' : 'new', cells: cells.get(slot) ?? [] };
  });
  const collisions: number[] = [];
  for (const c of t.collisions) {
    const i = t.collisionLive(c) ? indexOfSlot.get(c.slot) : undefined;
    if (i !== undefined) collisions.push(i);
  }
  return {
    key: Uint8Array.from(t.bucketer.key),
    asmapChecksum: Uint8Array.from(t.netgroups.asmapChecksum()),
    lastGood: t.lastGood,
    entries,
    collisions,
  };
}

// ---- restore -----------------------------------------------------------------------------------

/**
 * Fills the empty table `t` (already built under `snapshot.key`) with the snapshot's entries, by the
 * rules in the module comment, then runs the full consistency check. Throws `AddrManRestoreError`.
 */
export function restoreTable(t: AddrTable, snapshot: TableSnapshot): void {
  const e = t.entries;
  if (e.live !== 0) throw new AddrManRestoreError(-1, 'entries', 'the table to restore into is not empty');
  if (!bytesEqual(t.bucketer.key, snapshot.key)) throw new AddrManRestoreError(-1, 'key', 'the table was built under another key');
  if (snapshot.key.every((b) => b === 0)) throw new AddrManRestoreError(-1, 'key', 'an all-zero key is not allowed (Core CheckAddrman -16)');
  const entries = snapshot.entries;
  if (entries.length > ADDRMAN_MAX_ENTRIES) {
    throw new AddrManRestoreError(-1, 'entries', `${entries.length} entries, more than a table can hold (${ADDRMAN_MAX_ENTRIES})`);
  }
  const restoreCells = snapshot.asmapChecksum === undefined || bytesEqual(snapshot.asmapChecksum, t.netgroups.asmapChecksum());
  if (snapshot.lastGood !== undefined) checkTime(-1, 'lastGood', snapshot.lastGood);
  entries.forEach((entry, i) => validateEntry(i, entry));
  const collisions = snapshot.collisions ?? [];
  if (collisions.length > ADDRMAN_SET_TRIED_COLLISION_SIZE) {
    throw new AddrManRestoreError(-1, 'collisions', `${collisions.length} pending collisions, more than Core keeps (${ADDRMAN_SET_TRIED_COLLISION_SIZE})`);
  }
  const seen = new Set<number>();
  collisions.forEach((i, j) => {
    if (!Number.isInteger(i) || i < 0 || i >= entries.length) throw new AddrManRestoreError(-1, `collisions[${j}]`, `${i} is not an entry index`);
    if (seen.has(i)) throw new AddrManRestoreError(-1, `collisions[${j}]`, `entry ${i} is listed twice`);
    seen.add(i);
  });

  // Create every entry (Core Unserialize's mapInfo fill: counted as new, no references yet).
  e.reserve(entries.length);
  const slotOf = new Int32Array(entries.length);
  const groups: Uint8Array[] = new Array(entries.length);
  const indexOf = new Map<number, number>();
  entries.forEach((entry, i) => {
    const s = entry.record.service;
    const existing = e.find(s.addr, s.port);
    if (existing >= 0) throw new AddrManRestoreError(i, 'address', `${s.toString()} repeats entry ${indexOf.get(existing)} (Core CheckAddrman -5)`);
    groups[i] = t.netgroups.getGroup(s.addr);
    const slot = t.loadEntry(i, entry.record, entry.source, entry.lastSuccess, entry.attempts, groups[i]);
    e.lastTry[slot] = entry.lastTry;
    e.lastCountAttempt[slot] = entry.lastCountAttempt;
    setState(t, slot, entry.state);
    slotOf[i] = slot;
    indexOf.set(slot, i);
  });
  t.nextId = entries.length;

  // Hash every location the placement needs, in SIMD batches: tried cells, own-source new cells, and
  // the positions of the given new references.
  const triedIdx: number[] = [];
  const newIdx: number[] = [];
  entries.forEach((entry, i) => (entry.table === 'tried' ? triedIdx : newIdx).push(i));
  const triedBucket = new Int32Array(triedIdx.length);
  const triedPos = new Int32Array(triedIdx.length);
  t.bucketer.triedLocationsBatch(keysOf(t, triedIdx.map((i) => slotOf[i])), triedIdx.map((i) => groups[i]), triedBucket, triedPos);
  const primaryBucket = new Int32Array(newIdx.length);
  const primaryPos = new Int32Array(newIdx.length);
  t.bucketer.newLocationsBatch(
    keysOf(t, newIdx.map((i) => slotOf[i])),
    newIdx.map((i) => groups[i]),
    newIdx.map((i) => t.netgroups.getGroup(entries[i].source)),
    primaryBucket,
    primaryPos,
  );
  newIdx.forEach((i, k) => {
    e.newBucket[slotOf[i]] = primaryBucket[k];
    e.newPos[slotOf[i]] = primaryPos[k];
  });
  triedIdx.forEach((i, k) => {
    e.triedBucket[slotOf[i]] = triedBucket[k];
    e.triedPos[slotOf[i]] = triedPos[k];
  });
  const refOwner: number[] = [];
  const refBucket: number[] = [];
  if (restoreCells) {
    for (const i of newIdx) {
      const cells = entries[i].cells;
      if (cells === undefined) continue;
      for (const c of cells) {
        refOwner.push(i);
        refBucket.push(c.bucket);
      }
    }
  }
  const refPos = new Int32Array(refOwner.length);
  t.bucketer.positionsBatch(keysOf(t, refOwner.map((i) => slotOf[i])), true, Int32Array.from(refBucket), refPos);

  // Tried entries: their hashed cell (Core: a taken cell loses the later entry).
  const dropped = new Uint8Array(entries.length);
  triedIdx.forEach((i, k) => {
    const given = entries[i].cells?.[0];
    if (restoreCells && given !== undefined) {
      if (given.bucket !== triedBucket[k]) {
        throw new AddrManRestoreError(i, 'cells[0].bucket', `tried bucket ${given.bucket} is not where the key puts ${entries[i].record.service.toString()} (bucket ${triedBucket[k]})`);
      }
      checkPosition(i, 0, given, triedPos[k]);
    }
    const occupant = t.triedCell(triedBucket[k], triedPos[k]);
    if (occupant >= 0) {
      if (restoreCells) throw taken(i, 'cells[0]', 'tried', triedBucket[k], triedPos[k], indexOf.get(occupant)!);
      dropped[i] = 1;
      return;
    }
    t.loadIntoTried(slotOf[i], triedBucket[k], triedPos[k]);
  });

  // New references: the given cells, else the entry's own-source cell.
  let r = 0;
  newIdx.forEach((i, k) => {
    const cells = entries[i].cells;
    const slot = slotOf[i];
    if (restoreCells && cells !== undefined) {
      for (let j = 0; j < cells.length; j++, r++) {
        checkPosition(i, j, cells[j], refPos[r]);
        const occupant = t.newCell(refBucket[r], refPos[r]);
        if (occupant >= 0) throw taken(i, `cells[${j}]`, 'new', refBucket[r], refPos[r], indexOf.get(occupant)!);
        t.loadNewRef(slot, refBucket[r], refPos[r]);
      }
      return;
    }
    const occupant = t.newCell(primaryBucket[k], primaryPos[k]);
    if (occupant >= 0) {
      if (restoreCells) throw taken(i, 'cells', 'new', primaryBucket[k], primaryPos[k], indexOf.get(occupant)!);
      dropped[i] = 1;
      return;
    }
    t.loadNewRef(slot, primaryBucket[k], primaryPos[k]);
  });

  // Core prunes what could not be placed (only when re-bucketing under another asmap).
  entries.forEach((_, i) => {
    if (dropped[i]) t.delete(slotOf[i]);
  });

  for (const i of collisions) if (!dropped[i]) t.insertCollision(slotOf[i]);
  t.lastGood = snapshot.lastGood ?? 1;

  const code = checkAddrman(t);
  if (code !== 0) throw new AddrManRestoreError(-1, 'entries', `the restored table fails the consistency check with code ${code}`);
}

// ---- helpers -----------------------------------------------------------------------------------

/** Checks the fields of one entry that restoring does not check by placing it. */
function validateEntry(i: number, entry: RestoreEntry): void {
  const addr = entry.record.service.addr;
  if (!addr.isValid()) throw new AddrManRestoreError(i, 'address', `${addr.toString()} is not a valid address (Core drops it on load)`);
  const services = entry.record.services;
  if (typeof services !== 'bigint' || services < 0n || services > MAX_SERVICES) {
    throw new AddrManRestoreError(i, 'services', `${String(services)} is not a 64-bit service mask`);
  }
  checkTime(i, 'time', entry.record.time);
  checkTime(i, 'lastTry', entry.lastTry);
  checkTime(i, 'lastCountAttempt', entry.lastCountAttempt);
  checkTime(i, 'lastSuccess', entry.lastSuccess);
  if (!Number.isInteger(entry.attempts) || entry.attempts < INT32_MIN || entry.attempts > INT32_MAX) {
    throw new AddrManRestoreError(i, 'attempts', `${entry.attempts} is not a 32-bit integer`);
  }
  validateState(i, entry.state);
  const cells = entry.cells;
  if (entry.table === 'tried') {
    if (entry.lastSuccess === 0) throw new AddrManRestoreError(i, 'lastSuccess', 'a tried entry must have a last success (Core CheckAddrman -1)');
    if (cells !== undefined && cells.length > 1) throw new AddrManRestoreError(i, 'cells', `a tried entry occupies one cell, got ${cells.length}`);
    cells?.forEach((c, j) => checkCell(i, j, c, ADDRMAN_TRIED_BUCKET_COUNT));
  } else if (entry.table === 'new') {
    if (cells !== undefined) {
      if (cells.length < 1 || cells.length > ADDRMAN_NEW_BUCKETS_PER_ADDRESS) {
        throw new AddrManRestoreError(i, 'cells', `a new entry holds 1 to ${ADDRMAN_NEW_BUCKETS_PER_ADDRESS} references, got ${cells.length}`);
      }
      const buckets = new Set<number>();
      cells.forEach((c, j) => {
        checkCell(i, j, c, ADDRMAN_NEW_BUCKET_COUNT);
        if (buckets.has(c.bucket)) throw new AddrManRestoreError(i, `cells[${j}].bucket`, `bucket ${c.bucket} is listed twice (an address has one cell per bucket)`);
        buckets.add(c.bucket);
      });
    }
  } else {
    throw new AddrManRestoreError(i, 'table', `${String(entry.table)} is neither "new" nor "tried"`);
  }
}

function checkTime(i: number, field: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > MAX_RESTORE_TIME_S) throw new AddrManRestoreError(i, field, `${v} is not a whole number of seconds ≥ 0`);
}

function checkCell(i: number, j: number, c: RestoreCell, buckets: number): void {
  if (!Number.isInteger(c.bucket) || c.bucket < 0 || c.bucket >= buckets) {
    throw new AddrManRestoreError(i, `cells[${j}].bucket`, `${c.bucket} is not a bucket number 0–${buckets - 1}`);
  }
  if (c.position !== undefined && (!Number.isInteger(c.position) || c.position < 0 || c.position >= ADDRMAN_BUCKET_SIZE)) {
    throw new AddrManRestoreError(i, `cells[${j}].position`, `${c.position} is not a position 0–${ADDRMAN_BUCKET_SIZE - 1}`);
  }
}

function checkPosition(i: number, j: number, c: RestoreCell, hashed: number): void {
  if (c.position !== undefined && c.position !== hashed) {
    throw new AddrManRestoreError(i, `cells[${j}].position`, `position ${c.position} in bucket ${c.bucket} is not where the key puts the address (position ${hashed})`);
  }
}

function taken(i: number, field: string, table: string, bucket: number, pos: number, other: number): AddrManRestoreError {
  return new AddrManRestoreError(i, field, `${table} cell (bucket ${bucket}, position ${pos}) is already taken by entry ${other}`);
}

function validateState(i: number, s: AddressState): void {
  switch (s?.kind) {
    case 'never-tried':
    case 'connected':
      return;
    case 'tried':
    case 'failed':
      checkTime(i, 'state.at', s.at);
      return;
    case 'banned':
      checkTime(i, 'state.until', s.until);
      return;
    default:
      throw new AddrManRestoreError(i, 'state.kind', `${String((s as { kind?: unknown } | undefined)?.kind)} is not a connection state`);
  }
}

function setState(t: AddrTable, slot: number, s: AddressState): void {
  const e = t.entries;
  switch (s.kind) {
    case 'tried': e.stateKind[slot] = StateKind.TRIED; e.stateTime[slot] = s.at; return;
    case 'connected': e.stateKind[slot] = StateKind.CONNECTED; e.stateTime[slot] = 0; return;
    case 'failed': e.stateKind[slot] = StateKind.FAILED; e.stateTime[slot] = s.at; return;
    case 'banned': e.stateKind[slot] = StateKind.BANNED; e.stateTime[slot] = s.until; return;
    default: e.stateKind[slot] = StateKind.NEVER_TRIED; e.stateTime[slot] = 0;
  }
}

/** The service keys of `slots`, as a batch. */
function keysOf(t: AddrTable, slots: number[]): KeyBatch {
  const keys = new Uint8Array(slots.length * MAX_SERVICE_KEY_BYTES);
  const keyLens = new Uint8Array(slots.length);
  slots.forEach((slot, k) => {
    keyLens[k] = t.entries.writeServiceKey(slot, keys.subarray(k * MAX_SERVICE_KEY_BYTES));
  });
  return { n: slots.length, keys, keyLens };
}
