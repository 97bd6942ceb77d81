/**
 * The table image: the one plain structure every way into a table decodes to — peers.dat (Core's
 * binary file), peers.json (through its snapshot) and `AddrMan.restore` snapshots — and the input of
 * the one loader (load.ts), which applies Core's placement rules to it.
 *
 * An image is column-wise, like the entry table itself: one typed array per stored field (`EntryColumns`),
 * row i of every column being entry i in Core id order. The loader adopts those arrays as the table's
 * columns (entry i lives in slot i), so a decoder that writes bytes straight into them ("zero-copy")
 * builds the table's storage as it reads; nothing per entry is allocated on the way. Beside the
 * columns: which rows are tried entries (and the tried cell a snapshot names), every new-table
 * reference as (row, bucket, position) in the order the loader applies them, the pending collisions,
 * and what the cells were computed under (key, asmap checksum, new-bucket count).
 */
import { ADDRMAN_NEW_BUCKET_COUNT } from './constants.js';

/** Bytes reserved per row in each address pool (the longest address: Tor v3 / I2P). */
export const ADDR_SLOT_BYTES = 32;
/** A reference's bucket meaning "the entry's own-source cell" (Core's `GetNewBucket(nKey)`). */
export const OWN_SOURCE_BUCKET = -1;
/** A position or cell index meaning "not given" (the loader computes it). */
export const NOT_GIVEN = -1;

/** The stored fields of entries: one typed array per field, row i at index i (ADDR_SLOT_BYTES per row for addresses). */
export interface EntryColumns {
  /** The address's own network id (NetAddress.net). */
  net: Uint8Array<ArrayBuffer>;
  /** Address bytes, ADDR_SLOT_BYTES per row. */
  addr: Uint8Array<ArrayBuffer>;
  /** Port. */
  port: Uint16Array<ArrayBuffer>;
  /** Source address network id. */
  srcNet: Uint8Array<ArrayBuffer>;
  /** Source address bytes, ADDR_SLOT_BYTES per row. */
  src: Uint8Array<ArrayBuffer>;
  /** Core nTime: last seen, Unix seconds. */
  time: Float64Array<ArrayBuffer>;
  /** Service flags, low 32 bits. */
  svcLo: Uint32Array<ArrayBuffer>;
  /** Service flags, high 32 bits. */
  svcHi: Uint32Array<ArrayBuffer>;
  /** Core m_last_try, seconds. */
  lastTry: Float64Array<ArrayBuffer>;
  /** Core m_last_count_attempt, seconds. */
  lastCountAttempt: Float64Array<ArrayBuffer>;
  /** Core m_last_success, seconds. */
  lastSuccess: Float64Array<ArrayBuffer>;
  /** Core nAttempts. */
  attempts: Int32Array<ArrayBuffer>;
  /** Connection state kind (connection-state.ts `StateKind`). */
  stateKind: Uint8Array<ArrayBuffer>;
  /** Connection state time, seconds. */
  stateTime: Float64Array<ArrayBuffer>;
}

/** Allocates zeroed columns for `rows` rows. */
export function allocColumns(rows: number): EntryColumns {
  return {
    net: new Uint8Array(rows),
    addr: new Uint8Array(rows * ADDR_SLOT_BYTES),
    port: new Uint16Array(rows),
    srcNet: new Uint8Array(rows),
    src: new Uint8Array(rows * ADDR_SLOT_BYTES),
    time: new Float64Array(rows),
    svcLo: new Uint32Array(rows),
    svcHi: new Uint32Array(rows),
    lastTry: new Float64Array(rows),
    lastCountAttempt: new Float64Array(rows),
    lastSuccess: new Float64Array(rows),
    attempts: new Int32Array(rows),
    stateKind: new Uint8Array(rows),
    stateTime: new Float64Array(rows),
  };
}

/** New-table references in the order the loader applies them (a growable list of parallel columns). */
export class RefList {
  /** Number of references. */
  length = 0;
  /** The row each reference belongs to. */
  row: Int32Array;
  /** Its bucket, or OWN_SOURCE_BUCKET. */
  bucket: Int16Array;
  /** Its position as given (NOT_GIVEN: hashed by the loader). */
  position: Int8Array;
  /** Its index in the entry's `cells` (for error messages), NOT_GIVEN when the cell was implied. */
  cellIndex: Int8Array;

  /** @param capacity references reserved up front. */
  constructor(capacity = 64) {
    const n = Math.max(1, capacity);
    this.row = new Int32Array(n);
    this.bucket = new Int16Array(n);
    this.position = new Int8Array(n);
    this.cellIndex = new Int8Array(n);
  }

  /** Appends a reference. */
  push(row: number, bucket: number, position: number, cellIndex: number): void {
    if (this.length === this.row.length) this.grow();
    const i = this.length++;
    this.row[i] = row;
    this.bucket[i] = bucket;
    this.position[i] = position;
    this.cellIndex[i] = cellIndex;
  }

  private grow(): void {
    const n = this.row.length * 2;
    const row = new Int32Array(n);
    row.set(this.row);
    const bucket = new Int16Array(n);
    bucket.set(this.bucket);
    const position = new Int8Array(n);
    position.set(this.position);
    const cellIndex = new Int8Array(n);
    cellIndex.set(this.cellIndex);
    this.row = row;
    this.bucket = bucket;
    this.position = position;
    this.cellIndex = cellIndex;
  }
}

/**
 * Which placement rules apply. `core`: Core's peers.dat loader (`AddrManImpl::Unserialize`) — a taken
 * tried cell loses the entry, a taken new cell falls back to the entry's own-source cell, invalid
 * addresses are dropped, unreferenced new entries are pruned. `strict`: a snapshot states the table
 * exactly — a named cell the key does not give, or a cell named twice, is an error; only when the
 * snapshot was bucketed under another asmap do Core's re-bucketing rules apply.
 */
export type PlacementRules = 'core' | 'strict';

/** A table as plain data: the input of `loadImage`. */
export interface TableImage {
  /** The placement rules (see `PlacementRules`). */
  rules: PlacementRules;
  /** Core nKey (32 bytes). */
  key: Uint8Array;
  /** Checksum of the asmap the cells were computed under; undefined: the reader's own. */
  asmapChecksum: Uint8Array | undefined;
  /** Number of new buckets the references name (Core nUBuckets); cells are kept only when it is 1,024. */
  newBucketCount: number;
  /** Core m_last_good, seconds. */
  lastGood: number;
  /** Number of rows (entries in Core id order, tried and new mixed as the source orders them). */
  count: number;
  /** The stored fields, at least `count` rows; adopted by the table (do not reuse). */
  columns: EntryColumns;
  /** Per row: 1 for a tried entry. */
  inTried: Uint8Array;
  /** Per row: the tried bucket a snapshot names (NOT_GIVEN: none). */
  triedBucket: Int16Array;
  /** Per row: the tried position a snapshot names (NOT_GIVEN: none). */
  triedPos: Int8Array;
  /** New-table references, in application order. */
  refs: RefList;
  /** Pending tried collisions, as rows. */
  collisions: readonly number[];
}

/** An empty image of `count` rows (every column zero, no cells given, no references). */
export function newImage(rules: PlacementRules, key: Uint8Array, count: number, columns: EntryColumns = allocColumns(count)): TableImage {
  return {
    rules,
    key,
    asmapChecksum: undefined,
    newBucketCount: ADDRMAN_NEW_BUCKET_COUNT,
    lastGood: 1,
    count,
    columns,
    inTried: new Uint8Array(count),
    triedBucket: new Int16Array(count).fill(NOT_GIVEN),
    triedPos: new Int8Array(count).fill(NOT_GIVEN),
    refs: new RefList(count),
    collisions: [],
  };
}
