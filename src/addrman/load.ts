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
import type { NetAddress } from '../address/netaddress.js';
import { bytesEqual } from '../util/hex.js';
import { MAX_SERVICE_KEY_BYTES, type KeyBatch } from './bucketing.js';
import { checkAddrman } from './consistency.js';
import { ADDRMAN_NEW_BUCKET_COUNT, ADDRMAN_NEW_BUCKETS_PER_ADDRESS } from './constants.js';
import { AddrManRestoreError } from './errors.js';
import { NOT_GIVEN, OWN_SOURCE_BUCKET, type TableImage } from './image.js';
import type { AddrTable } from './table.js';

/** Loads `img` into the empty table `t` (built under `img.key`). Throws `AddrManRestoreError`. */
export function loadImage(t: AddrTable, img: TableImage): void {
  const e = t.entries;
  const n = img.count;
  const strict = img.rules === 'strict';
  const keepCells = img.newBucketCount === ADDRMAN_NEW_BUCKET_COUNT &&
    (img.asmapChecksum === undefined || bytesEqual(img.asmapChecksum, t.netgroups.asmapChecksum()));
  t.adoptColumns(img.columns, n);

  // Addresses, validity and (for tried rows) groups and hashed tried cells, in one batch.
  const addrs: (NetAddress | undefined)[] = new Array(n);
  const groups: (Uint8Array | undefined)[] = new Array(n);
  const triedRows: number[] = [];
  for (let i = 0; i < n; i++) {
    const addr = e.addrAt(i);
    if (!addr.isValid()) continue;
    addrs[i] = addr;
    if (img.inTried[i] !== 0) {
      groups[i] = t.netgroups.getGroup(addr);
      triedRows.push(i);
    }
  }
  const tb = new Int32Array(triedRows.length);
  const tp = new Int32Array(triedRows.length);
  t.bucketer.triedLocationsBatch(keysOf(t, triedRows), triedRows.map((i) => groups[i] as Uint8Array), tb, tp);
  const triedBucket = new Int32Array(n).fill(-1);
  const triedPos = new Int32Array(n).fill(-1);
  triedRows.forEach((i, k) => {
    triedBucket[i] = tb[k];
    triedPos[i] = tp[k];
  });

  // 1–2. Create the entries. Under Core's rules a tried entry whose cell is taken is never created;
  // under strict rules every entry is created first, so that a repeated address is reported before
  // any cell conflict.
  const created = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const addr = addrs[i];
    if (addr === undefined) continue;
    const tried = img.inTried[i] !== 0;
    if (!strict && tried && t.triedCell(triedBucket[i], triedPos[i]) !== -1) continue; // Core: nLost++
    const existing = e.find(addr, e.port[i]);
    if (existing >= 0) {
      throw new AddrManRestoreError(i, 'address', `${e.serviceAt(i).toString()} repeats entry ${existing} (Core CheckAddrman -5)`, -5);
    }
    t.activateRow(i, i, addr, groups[i]);
    created[i] = 1;
    if (!strict && tried) t.placeTried(i, triedBucket[i], triedPos[i]);
  }
  t.endAdoption();
  if (strict) {
    for (const i of triedRows) {
      const b = triedBucket[i];
      const p = triedPos[i];
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
  const trusted: number[] = [];
  const needPrimary = new Uint8Array(n);
  for (let r = 0; r < refs.length; r++) {
    const i = refs.row[r];
    if (i < 0 || i >= n || created[i] === 0 || img.inTried[i] !== 0) continue;
    if (keepCells && refs.bucket[r] !== OWN_SOURCE_BUCKET) trusted.push(r);
    else needPrimary[i] = 1;
  }
  const trustedPos = new Int32Array(trusted.length);
  t.bucketer.positionsBatch(keysOf(t, trusted.map((r) => refs.row[r])), true, Int32Array.from(trusted, (r) => refs.bucket[r]), trustedPos);
  const refPos = new Int32Array(refs.length).fill(-1);
  trusted.forEach((r, k) => {
    refPos[r] = trustedPos[k];
  });
  const primaryRows: number[] = [];
  for (let i = 0; i < n; i++) if (needPrimary[i] !== 0) primaryRows.push(i);
  if (primaryRows.length > 0) {
    const pb = new Int32Array(primaryRows.length);
    const pp = new Int32Array(primaryRows.length);
    t.bucketer.newLocationsBatch(
      keysOf(t, primaryRows),
      primaryRows.map((i) => t.groupOf(i)),
      primaryRows.map((i) => t.netgroups.getGroup(e.sourceAt(i))),
      pb,
      pp,
    );
    primaryRows.forEach((i, k) => t.cachePrimaryNewCell(i, pb[k], pp[k]));
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

/** The service keys of `slots`, as a batch. */
function keysOf(t: AddrTable, slots: readonly number[]): KeyBatch {
  const keys = new Uint8Array(slots.length * MAX_SERVICE_KEY_BYTES);
  const keyLens = new Uint8Array(slots.length);
  for (let k = 0; k < slots.length; k++) keyLens[k] = t.entries.writeServiceKey(slots[k], keys.subarray(k * MAX_SERVICE_KEY_BYTES));
  return { n: slots.length, keys, keyLens };
}
