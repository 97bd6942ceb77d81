/**
 * Core `CheckAddrman`: verifies every invariant of the tables and returns 0 or Core's error code.
 * Codes and their order are Core's (reference §1.18): -7 first, then per-entry checks (-1, -2, -3, -4,
 * -5, -14, -6, -8), counts (-9, -10), tried cells (-11, -17, -18), new cells (-12, -19), leftovers
 * (-13, -15), the key (-16) and per-network counts (-20, -21). Bucket numbers are recomputed from the
 * hashes, not read from the per-entry caches, so the caches are checked too.
 *
 * Peerbook's own structures get codes below -100: -101 occupancy counts, -102 service-bit index,
 * -103 cached bucket numbers, -104 the collision set.
 */
import {
  ADDRMAN_BUCKET_SIZE,
  ADDRMAN_NEW_BUCKET_COUNT,
  ADDRMAN_NEW_BUCKETS_PER_ADDRESS,
  ADDRMAN_SET_TRIED_COLLISION_SIZE,
  ADDRMAN_TRIED_BUCKET_COUNT,
} from './constants.js';
import { MAX_SERVICE_KEY_BYTES, PackedKeys, type KeyBatch } from './bucketing.js';
import type { EntryTable } from './entries.js';
import { NET_COUNT, type AddrTable } from './table.js';

/**
 * Runs every check; 0 when the table is consistent, else the first failing code. `peerbook: false`
 * runs Core's checks only; `rehash: false` skips re-hashing bucket positions (-17, -18, -19), for a
 * caller that has just computed them (loading peers.dat).
 */
export function checkAddrman(t: AddrTable, opts: { peerbook?: boolean; rehash?: boolean } = {}): number {
  const rehash = opts.rehash !== false;
  const e = t.entries;
  if (e.randomLen !== t.nTried + t.nNew) return -7;

  const limit = e.slotLimit;
  const triedMark = new Uint8Array(limit);
  const newRefs = new Int16Array(limit);
  let triedSeen = 0;
  let newSeen = 0;
  const localNew = new Int32Array(NET_COUNT);
  const localTried = new Int32Array(NET_COUNT);
  const localPresent = new Uint8Array(NET_COUNT);

  for (let slot = 0; slot < limit; slot++) {
    if (!e.isLive(slot)) continue;
    const net = e.network[slot];
    if (e.inTried[slot] !== 0) {
      if (e.lastSuccess[slot] === 0) return -1;
      if (e.refCount[slot] !== 0) return -2;
      triedMark[slot] = 1;
      triedSeen++;
      localTried[net]++;
    } else {
      const refs = e.refCount[slot];
      if (refs < 0 || refs > ADDRMAN_NEW_BUCKETS_PER_ADDRESS) return -3;
      if (refs === 0) return -4;
      newRefs[slot] = refs;
      newSeen++;
      localNew[net]++;
    }
    localPresent[net] = 1;
    if (e.index.findSlotKey(slot) !== slot) return -5;
    const rp = e.randomPos[slot];
    if (rp < 0 || rp >= e.randomLen || e.randomOrder[rp] !== slot) return -14;
    if (e.lastTry[slot] < 0) return -6;
    if (e.lastSuccess[slot] < 0) return -8;
  }

  if (triedSeen !== t.nTried) return -9;
  if (newSeen !== t.nNew) return -10;

  // Core's order, cell by cell: each tried cell holds a tried entry once (-11) at its hashed bucket and
  // position (-17, -18); each new cell a new entry, as often as its reference count says (-12), at
  // its hashed position (-19). The hashes are computed first, in SIMD batches; `rehash: false`
  // skips them.
  const vvTried = t.vvTried;
  const vvNew = t.vvNew;
  let triedBuckets = new Int32Array(0);
  let triedPositions = new Int32Array(0);
  let newPositions = new Int32Array(0);
  if (rehash) {
    const triedCells = cellsOf(vvTried);
    triedBuckets = new Int32Array(triedCells.length);
    triedPositions = new Int32Array(triedCells.length);
    // Groups come from the per-entry cache (its agreement with NetGroupManager is checked as -103).
    const triedGroups = triedCells.map((c) => (readable(e, vvTried[c]) ? t.groupOf(vvTried[c]) : new Uint8Array(0)));
    t.bucketer.triedLocationsBatch(keyBatchOf(e, vvTried, triedCells), triedGroups, triedBuckets, triedPositions);
    const newCells = cellsOf(vvNew);
    newPositions = new Int32Array(newCells.length);
    t.bucketer.positionsBatch(keyBatchOf(e, vvNew, newCells), true, Int32Array.from(newCells, (c) => c >>> 6), newPositions);
  }
  for (let cell = 0, k = 0; cell < vvTried.length; cell++) {
    const slot = vvTried[cell];
    if (slot === -1) continue;
    if (slot < 0 || slot >= limit || triedMark[slot] !== 1) return -11;
    if (rehash && triedBuckets[k] !== cell >>> 6) return -17;
    if (rehash && triedPositions[k] !== (cell & 63)) return -18;
    k++;
    triedMark[slot] = 0;
    triedSeen--;
  }
  for (let cell = 0, k = 0; cell < vvNew.length; cell++) {
    const slot = vvNew[cell];
    if (slot === -1) continue;
    if (slot < 0 || slot >= limit || newRefs[slot] <= 0) return -12;
    if (rehash && newPositions[k] !== (cell & 63)) return -19;
    k++;
    if (--newRefs[slot] === 0) newSeen--;
  }

  if (triedSeen !== 0) return -13;
  if (newSeen !== 0) return -15;
  if (t.bucketer.key.every((x) => x === 0)) return -16;

  let present = 0;
  let localCount = 0;
  for (let n = 0; n < NET_COUNT; n++) {
    present += t.netPresent[n];
    localCount += localPresent[n];
  }
  if (present < localCount) return -20;
  for (let n = 0; n < NET_COUNT; n++) {
    if (t.netPresent[n] === 0) continue;
    if (localNew[n] !== t.netNew[n] || localTried[n] !== t.netTried[n]) return -21;
  }

  return opts.peerbook === false ? 0 : checkPeerbookStructures(t);
}

/** True when a cell's slot can be read (it is checked for liveness separately). */
function readable(e: EntryTable, slot: number): boolean {
  return slot >= 0 && slot < e.slotLimit && e.isLive(slot);
}

/** Indexes of the occupied cells of a table, in order. */
function cellsOf(cells: Int32Array): number[] {
  const out: number[] = [];
  for (let c = 0; c < cells.length; c++) if (cells[c] !== -1) out.push(c);
  return out;
}

/** The service keys of the entries in `cells` of `table` (unreadable slots get an empty key). */
function keyBatchOf(e: EntryTable, table: Int32Array, cells: number[]): KeyBatch {
  const keys = new Uint8Array(cells.length * MAX_SERVICE_KEY_BYTES);
  const keyLens = new Uint8Array(cells.length);
  cells.forEach((c, k) => {
    if (readable(e, table[c])) keyLens[k] = e.writeServiceKey(table[c], keys, k * MAX_SERVICE_KEY_BYTES);
  });
  return new PackedKeys(cells.length, keys, keyLens);
}

/** Checks the structures Core does not have (codes ≤ -101). */
function checkPeerbookStructures(t: AddrTable): number {
  const e = t.entries;
  // -101: occupancy counts match the cells.
  for (let b = 0; b < ADDRMAN_NEW_BUCKET_COUNT; b++) {
    let fill = 0;
    const perNet = new Int32Array(NET_COUNT);
    for (let i = 0; i < ADDRMAN_BUCKET_SIZE; i++) {
      const s = t.newCell(b, i);
      if (s >= 0) {
        fill++;
        perNet[e.network[s]]++;
      }
    }
    if (t.newFill[b] !== fill) return -101;
    for (let n = 0; n < NET_COUNT; n++) if (t.netNewFill[n * ADDRMAN_NEW_BUCKET_COUNT + b] !== perNet[n]) return -101;
  }
  for (let b = 0; b < ADDRMAN_TRIED_BUCKET_COUNT; b++) {
    let fill = 0;
    const perNet = new Int32Array(NET_COUNT);
    for (let i = 0; i < ADDRMAN_BUCKET_SIZE; i++) {
      const s = t.triedCell(b, i);
      if (s >= 0) {
        fill++;
        perNet[e.network[s]]++;
      }
    }
    if (t.triedFill[b] !== fill) return -101;
    for (let n = 0; n < NET_COUNT; n++) if (t.netTriedFill[n * ADDRMAN_TRIED_BUCKET_COUNT + b] !== perNet[n]) return -101;
  }

  // -102: the service index counts every live entry under each of its bits, and lists it there.
  const members = new Int32Array(64);
  for (let slot = 0; slot < e.slotLimit; slot++) {
    if (!e.isLive(slot)) {
      if (e.svcLo[slot] !== 0 || e.svcHi[slot] !== 0) return -102;
      continue;
    }
    for (let bit = 0; bit < 64; bit++) {
      const has = bit < 32 ? (e.svcLo[slot] >>> bit) & 1 : (e.svcHi[slot] >>> (bit - 32)) & 1;
      if (has) {
        members[bit]++;
        if (!e.services.isListed(slot, bit)) return -102;
      }
    }
  }
  for (let bit = 0; bit < 64; bit++) if (members[bit] !== e.services.members[bit]) return -102;

  // -103: cached bucket numbers equal the hashed ones (recomputed in SIMD batches).
  const withTried: number[] = [];
  const withNew: number[] = [];
  for (let slot = 0; slot < e.slotLimit; slot++) {
    if (!e.isLive(slot)) continue;
    if (e.triedBucket[slot] >= 0) withTried.push(slot);
    if (e.newBucket[slot] >= 0) withNew.push(slot);
  }
  const slotKeys = (slots: number[]): KeyBatch => {
    const keys = new Uint8Array(slots.length * MAX_SERVICE_KEY_BYTES);
    const keyLens = Uint8Array.from(slots, (slot, k) => e.writeServiceKey(slot, keys.subarray(k * MAX_SERVICE_KEY_BYTES)));
    return new PackedKeys(slots.length, keys, keyLens);
  };
  const tb = new Int32Array(withTried.length);
  const tp = new Int32Array(withTried.length);
  t.bucketer.triedLocationsBatch(slotKeys(withTried), withTried.map((s) => t.netgroups.getGroup(e.addrAt(s))), tb, tp);
  for (let k = 0; k < withTried.length; k++) {
    const slot = withTried[k];
    if (tb[k] !== e.triedBucket[slot] || (e.triedPos[slot] >= 0 && tp[k] !== e.triedPos[slot])) return -103;
  }
  const nb = new Int32Array(withNew.length);
  const np = new Int32Array(withNew.length);
  t.bucketer.newLocationsBatch(
    slotKeys(withNew), withNew.map((s) => t.netgroups.getGroup(e.addrAt(s))), withNew.map((s) => t.netgroups.getGroup(e.sourceAt(s))), nb, np,
  );
  for (let k = 0; k < withNew.length; k++) {
    if (nb[k] !== e.newBucket[withNew[k]] || np[k] !== e.newPos[withNew[k]]) return -103;
  }
  // The cached group is the group.
  for (let slot = 0; slot < e.slotLimit; slot++) {
    if (!e.isLive(slot)) continue;
    const cached = e.groupOf(slot);
    if (cached !== undefined && !sameBytes(cached, t.netgroups.getGroup(e.addrAt(slot)))) return -103;
  }

  // -104: the collision set is sorted, bounded and refers to slots by their current id.
  if (t.collisions.length > ADDRMAN_SET_TRIED_COLLISION_SIZE) return -104;
  for (let i = 1; i < t.collisions.length; i++) if (t.collisions[i - 1].id >= t.collisions[i].id) return -104;
  return 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
