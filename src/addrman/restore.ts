/**
 * Snapshot and restore: the whole address table as plain data, and a table rebuilt from such data —
 * the door through which readable exports (peers.json) and tools come back in.
 *
 * A snapshot lists every entry with everything the table knows about it: Core's `AddrInfo` fields
 * (address, services, time, source, last try, last counted attempt, last success, attempts), the
 * table it is in and the cells it occupies (each new-table reference's bucket and position, or its
 * tried cell), and Peerbook's connection state; plus the key, the asmap checksum, Core's
 * `m_last_good` and the pending tried collisions. `imageFromSnapshot` turns such data into a table image, which the one
 * loader (load.ts) places under its `strict` rules, rebuilding exactly that table.
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
import type { NetAddress } from '../address/netaddress.js';
import { ADDRMAN_BUCKET_SIZE, ADDRMAN_MAX_ENTRIES, ADDRMAN_NEW_BUCKET_COUNT, ADDRMAN_NEW_BUCKETS_PER_ADDRESS, ADDRMAN_SET_TRIED_COLLISION_SIZE, ADDRMAN_TRIED_BUCKET_COUNT } from './constants.js';
import { stateToColumns } from './connection-state.js';
import { splitServices } from './entries.js';
import { AddrManRestoreError } from './errors.js';
import { ADDR_SLOT_BYTES, NOT_GIVEN, OWN_SOURCE_BUCKET, newImage, type TableImage } from './image.js';
import type { AddrTable } from './table.js';
import type { AddressState, RestoreCell, RestoreEntry, TableSnapshot } from './types.js';

export { AddrManRestoreError } from './errors.js';
export type { RestoreCell, RestoreEntry, TableSnapshot } from './types.js';

/** Largest integer time accepted, seconds (2^53 - 1: JavaScript numbers are exact up to here). */
export const MAX_RESTORE_TIME_S = Number.MAX_SAFE_INTEGER;
/** Core stores nAttempts as a signed 32-bit `int`. */
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const MAX_SERVICES = (1n << 64n) - 1n;

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
 * Checks a snapshot field by field and turns it into a table image for the loader (strict rules).
 * Throws `AddrManRestoreError` naming the entry and field; cell conflicts are found by the loader.
 */
export function imageFromSnapshot(snapshot: TableSnapshot): TableImage {
  if (!(snapshot.key instanceof Uint8Array) || snapshot.key.length !== 32) throw new AddrManRestoreError(-1, 'key', 'the key must be 32 bytes');
  if (snapshot.key.every((b) => b === 0)) throw new AddrManRestoreError(-1, 'key', 'an all-zero key is not allowed (Core CheckAddrman -16)');
  const entries = snapshot.entries;
  if (entries.length > ADDRMAN_MAX_ENTRIES) {
    throw new AddrManRestoreError(-1, 'entries', `${entries.length} entries, more than a table can hold (${ADDRMAN_MAX_ENTRIES})`);
  }
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

  const img = newImage('strict', Uint8Array.from(snapshot.key), entries.length);
  img.asmapChecksum = snapshot.asmapChecksum === undefined ? undefined : Uint8Array.from(snapshot.asmapChecksum);
  img.lastGood = snapshot.lastGood ?? 1;
  img.collisions = [...collisions];
  const c = img.columns;
  entries.forEach((entry, i) => {
    const s = entry.record.service;
    putAddress(c.net, c.addr, i, s.addr);
    c.port[i] = s.port;
    putAddress(c.srcNet, c.src, i, entry.source);
    c.time[i] = entry.record.time;
    const [lo, hi] = splitServices(entry.record.services);
    c.svcLo[i] = lo;
    c.svcHi[i] = hi;
    c.lastTry[i] = entry.lastTry;
    c.lastCountAttempt[i] = entry.lastCountAttempt;
    c.lastSuccess[i] = entry.lastSuccess;
    c.attempts[i] = entry.attempts;
    [c.stateKind[i], c.stateTime[i]] = stateToColumns(entry.state);
    const cells = entry.cells;
    if (entry.table === 'tried') {
      img.inTried[i] = 1;
      const given = cells?.[0];
      if (given !== undefined) {
        img.triedBucket[i] = given.bucket;
        img.triedPos[i] = given.position ?? NOT_GIVEN;
      }
    } else if (cells === undefined) {
      img.refs.push(i, OWN_SOURCE_BUCKET, NOT_GIVEN, NOT_GIVEN);
    } else {
      cells.forEach((cell, j) => img.refs.push(i, cell.bucket, cell.position ?? NOT_GIVEN, j));
    }
  });
  return img;
}

/** Writes an address's network id and bytes into row `row` of a (net, pool) column pair. */
function putAddress(net: Uint8Array, pool: Uint8Array, row: number, addr: NetAddress): void {
  net[row] = addr.net;
  pool.set(addr.bytes, row * ADDR_SLOT_BYTES);
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

function validateState(i: number, s: AddressState): void {
  switch (s?.kind) {
    case 'never-tried':
    case 'connected':
      return;
    case 'tried':
    case 'failed':
      checkTime(i, 'state.at', s.at);
      return;
    default:
      throw new AddrManRestoreError(i, 'state.kind', `${String((s as { kind?: unknown } | undefined)?.kind)} is not a connection state`);
  }
}

