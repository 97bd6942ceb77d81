/**
 * The one loader: turns a table image (image.ts) — whatever it was decoded from — into a live table,
 * by Core's placement rules (`AddrManImpl::Unserialize`, src/addrman.cpp), and checks the result.
 *
 * Core's rules, in Core's order:
 * 1. Every entry is created (new entries counted as new, without references); an invalid address is
 *    never placed.
 * 2. A tried entry goes to the tried cell its keyed hash names; when that cell is already taken (or the
 *    address is invalid) the entry is lost.
 * 3. Each new-table reference (bucket, entry), in order: an entry holds at most 8. When the cells can
 *    be trusted (1,024 new buckets and the same asmap checksum) the reference goes to its hashed
 *    position in its bucket; when that cell is taken, or the cells cannot be trusted, the entry gets
 *    its own-source cell (`GetNewBucket(nKey)`) if that is free.
 * 4. New entries left without any reference are pruned.
 * 5. The consistency check runs (Core `CheckAddrman`).
 *
 * Under the `strict` rules (snapshots, peers.json) the same steps run, but a snapshot states cells
 * rather than hints at them: a named position or tried bucket the key does not give, or a cell that
 * is already taken, is an `AddrManRestoreError` naming the entry and field, instead of a fallback.
 * The fallbacks of Core's re-bucketing still apply when the asmap changed, where stored cells mean
 * nothing. Strict loads run Peerbook's full consistency check; Core loads run Core's checks without
 * re-hashing the positions this loader just hashed.
 *
 * Every bucket hash is computed in SIMD batches (tried cells, reference positions, own-source cells),
 * then placement runs in Core's order. Entry i of the image lives in slot i: the columns are adopted,
 * not copied.
 */
import { bytesEqual } from '../util/hex.js';
import { CLASS_VALID, classifyPooled } from './address-class.js';
import { SlotKeys, type KeyBatch } from './bucketing.js';
import { checkAddrman } from './consistency.js';
import { ADDRMAN_NEW_BUCKET_COUNT, ADDRMAN_NEW_BUCKETS_PER_ADDRESS } from './constants.js';
import { AddrManRestoreError } from './errors.js';
import { ADDR_SLOT_BYTES, NOT_GIVEN, OWN_SOURCE_BUCKET, type TableImage } from './image.js';
import type { AddrTable } from './table.js';

/** Loads `img` into the empty table `t` (built under `img.key`). Throws `AddrManRestoreError`. */
export function loadImage(t: AddrTable, img: TableImage): void {
  const e = t.entries;
  const n = img.count;
  const strict = img.rules === 'strict';
  const keepCells = img.newBucketCount === ADDRMAN_NEW_BUCKET_COUNT &&
    (img.asmapChecksum === undefined || bytesEqual(img.asmapChecksum, t.netgroups.asmapChecksum()));
  t.adoptColumns(img.columns, n);

  // Classify every row's address from the pooled bytes (valid? network, class), and hash the cells
  // of the valid tried rows in one batch.
  const klass = new Uint8Array(n);
  let triedCount = 0;
  for (let i = 0; i < n; i++) {
    klass[i] = classifyPooled(e.net[i], e.addr, i * ADDR_SLOT_BYTES);
    if ((klass[i] & CLASS_VALID) !== 0 && img.inTried[i] !== 0) triedCount++;
  }
  const triedRows = new Int32Array(triedCount);
  const triedGroups: Uint8Array[] = new Array(triedCount);
  for (let i = 0, k = 0; i < n; i++) {
    if ((klass[i] & CLASS_VALID) === 0 || img.inTried[i] === 0) continue;
    triedRows[k] = i;
    triedGroups[k++] = t.netgroups.getGroup(e.addrAt(i));
  }
  const tb = new Int32Array(triedCount);
  const tp = new Int32Array(triedCount);
  t.bucketer.triedLocationsBatch(keysOf(t, triedRows, triedCount), triedGroups, tb, tp);
  const triedAt = new Int32Array(n).fill(-1); // row → index in triedRows
  for (let k = 0; k < triedCount; k++) triedAt[triedRows[k]] = k;

  // 1–2. Create the entries. Under Core's rules a tried entry whose cell is taken is never created;
  // under strict rules every entry is created first, so that a repeated address is reported before
  // any cell conflict.
  const created = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = klass[i];
    if ((c & CLASS_VALID) === 0) continue;
    const k = triedAt[i];
    if (!strict && k >= 0 && t.triedCell(tb[k], tp[k]) !== -1) continue; // Core: nLost++
    const existing = t.activateRow(i, i, c & 7, (c >>> 3) & 7, k >= 0 ? triedGroups[k] : undefined);
    if (existing >= 0) {
      throw new AddrManRestoreError(i, 'address', `${e.serviceAt(i).toString()} repeats entry ${existing} (Core CheckAddrman -5)`, -5);
    }
    created[i] = 1;
    if (!strict && k >= 0) t.placeTried(i, tb[k], tp[k]);
  }
  t.endAdoption();
  if (strict) {
    for (let k = 0; k < triedCount; k++) {
      const i = triedRows[k];
      const b = tb[k];
      const p = tp[k];
      if (keepCells && img.triedBucket[i] !== NOT_GIVEN) {
        if (img.triedBucket[i] !== b) {
          throw new AddrManRestoreError(i, 'cells[0].bucket', `tried bucket ${img.triedBucket[i]} is not where the key puts ${e.serviceAt(i).toString()} (bucket ${b})`);
        }
        checkPosition(i, 0, b, img.triedPos[i], p);
      }
      const occupant = t.triedCell(b, p);
      if (occupant >= 0) {
        if (keepCells) throw taken(i, 'cells[0]', 'tried', b, p, occupant);
        continue; // re-bucketing: the later entry is lost (pruned below)
      }
      t.placeTried(i, b, p);
    }
  }

  // 3. New-table references. Hash the positions of trusted references, and the own-source cells of
  // entries that may need one, in batches.
  const refs = img.refs;
  const trusted = new Int32Array(refs.length);
  let trustedCount = 0;
  const needPrimary = new Uint8Array(n);
  let primaryCount = 0;
  for (let r = 0; r < refs.length; r++) {
    const i = refs.row[r];
    if (i < 0 || i >= n || created[i] === 0 || img.inTried[i] !== 0) continue;
    if (keepCells && refs.bucket[r] !== OWN_SOURCE_BUCKET) trusted[trustedCount++] = r;
    else if (needPrimary[i] === 0) {
      needPrimary[i] = 1;
      primaryCount++;
    }
  }
  const trustedRows = new Int32Array(trustedCount);
  const trustedBuckets = new Int32Array(trustedCount);
  for (let k = 0; k < trustedCount; k++) {
    trustedRows[k] = refs.row[trusted[k]];
    trustedBuckets[k] = refs.bucket[trusted[k]];
  }
  const trustedPos = new Int32Array(trustedCount);
  t.bucketer.positionsBatch(keysOf(t, trustedRows, trustedCount), true, trustedBuckets, trustedPos);
  const refPos = new Int32Array(refs.length).fill(-1);
  for (let k = 0; k < trustedCount; k++) refPos[trusted[k]] = trustedPos[k];
  if (primaryCount > 0) {
    const rows = new Int32Array(primaryCount);
    for (let i = 0, k = 0; i < n; i++) if (needPrimary[i] !== 0) rows[k++] = i;
    const pb = new Int32Array(primaryCount);
    const pp = new Int32Array(primaryCount);
    const addrGroups: Uint8Array[] = new Array(primaryCount);
    const srcGroups: Uint8Array[] = new Array(primaryCount);
    for (let k = 0; k < primaryCount; k++) {
      addrGroups[k] = t.groupOf(rows[k]);
      srcGroups[k] = t.netgroups.getGroup(e.sourceAt(rows[k]));
    }
    t.bucketer.newLocationsBatch(keysOf(t, rows, primaryCount), addrGroups, srcGroups, pb, pp);
    for (let k = 0; k < primaryCount; k++) t.cachePrimaryNewCell(rows[k], pb[k], pp[k]);
  }

  for (let r = 0; r < refs.length; r++) {
    const i = refs.row[r];
    if (i < 0 || i >= n || created[i] === 0 || e.inTried[i] !== 0) continue;
    if (e.refCount[i] >= ADDRMAN_NEW_BUCKETS_PER_ADDRESS) continue;
    const cell = refs.cellIndex[r];
    if (refPos[r] >= 0) {
      const b = refs.bucket[r];
      const p = refPos[r];
      if (strict) checkPosition(i, cell, b, refs.position[r], p);
      const occupant = t.newCell(b, p);
      if (occupant === -1) t.placeNewRef(i, b, p);
      else if (strict) throw taken(i, `cells[${cell}]`, 'new', b, p, occupant);
      else placeAtPrimary(t, i); // Core: that cell is taken, fall back to the entry's own source
      continue;
    }
    const b = t.primaryNewBucket(i);
    const p = t.primaryNewPos(i);
    const occupant = t.newCell(b, p);
    if (occupant === -1) t.placeNewRef(i, b, p);
    else if (strict && keepCells && occupant !== i) throw taken(i, cell === NOT_GIVEN ? 'cells' : `cells[${cell}]`, 'new', b, p, occupant);
  }

  // 4. Prune what could not be placed (Core: new entries with refcount 0).
  for (let i = 0; i < n; i++) {
    if (created[i] !== 0 && e.inTried[i] === 0 && e.refCount[i] === 0) t.delete(i);
  }
  for (const i of img.collisions) if (e.isLive(i)) t.insertCollision(i);
  t.setLastGood(img.lastGood);

  // 5. Core runs CheckAddrman here. Core loads skip re-hashing the positions hashed moments ago.
  const code = strict ? checkAddrman(t) : checkAddrman(t, { peerbook: false, rehash: false });
  if (code !== 0) throw new AddrManRestoreError(-1, 'entries', `the restored table fails the consistency check with code ${code}`, code);
}

/** Core's re-bucketing fallback: a reference in the entry's own-source cell, if that cell is free. */
function placeAtPrimary(t: AddrTable, slot: number): void {
  const bucket = t.primaryNewBucket(slot);
  const pos = t.primaryNewPos(slot);
  if (t.newCell(bucket, pos) === -1) t.placeNewRef(slot, bucket, pos);
}

function checkPosition(i: number, cell: number, bucket: number, given: number, hashed: number): void {
  if (given !== NOT_GIVEN && given !== hashed) {
    throw new AddrManRestoreError(i, `cells[${cell}].position`, `position ${given} in bucket ${bucket} is not where the key puts the address (position ${hashed})`);
  }
}

function taken(i: number, field: string, table: string, bucket: number, pos: number, other: number): AddrManRestoreError {
  return new AddrManRestoreError(i, field, `${table} cell (bucket ${bucket}, position ${pos}) is already taken by entry ${other}`);
}

/** The service keys of the first `n` of `slots`, read from the table as they are hashed. */
function keysOf(t: AddrTable, slots: Int32Array, n: number): KeyBatch {
  return new SlotKeys(t.entries, slots, n);
}
