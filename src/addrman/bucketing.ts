/**
 * Bucket and position hashing, bit-identical to Core's `AddrInfo::GetTriedBucket`, `GetNewBucket` and
 * `GetBucketPosition` (src/addrman.cpp). Every hash is `HashWriter{} << nKey << …` reduced with
 * `GetCheapHash()`, and every value is serialised as Core serialises it:
 *
 * - `GetKey()` and `GetGroup()` are `std::vector<unsigned char>`, so they are CompactSize-prefixed;
 *   `GetKey()` = address bytes (the 16-byte v1 form for IPv4/IPv6/internal) then the port big-endian;
 * - `hash1 % N` is a `uint64_t` → 8 bytes little-endian; the bucket number is an `int` → 4 bytes LE;
 * - `'N'` / `'K'` is one byte.
 *
 * Only the low bits of each cheap hash are ever used (moduli are powers of two ≤ 1024), so the low
 * 32-bit word is enough. Messages are built in a scratch buffer that starts with the 32-byte key, so
 * nothing is allocated per hash. Single computations hash at once; the `*Batch` methods queue many
 * messages for the four-lane SIMD kernel (cheap-hash-batch.ts) and hash them together.
 *
 * A cache exploits that the second hash of a new bucket depends only on (source group, hash1 % 64):
 * all addresses of one `add` call share their source, so at most 64 second hashes are needed per
 * source group. It holds at most GROUP_CACHE_LIMIT groups and is emptied when full. (A tried bucket's
 * second hash depends on the address's own group, which rarely repeats; it is not cached.)
 */
import {
  ADDRMAN_BUCKET_SIZE,
  ADDRMAN_NEW_BUCKET_COUNT,
  ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP,
  ADDRMAN_TRIED_BUCKET_COUNT,
  ADDRMAN_TRIED_BUCKETS_PER_GROUP,
} from './constants.js';
import { CheapHashBatch, keyConstants } from './cheap-hash-batch.js';

/** Bytes in Core's nKey. */
export const ADDRMAN_KEY_BYTES = 32;
/** Most groups each second-hash cache remembers before it is cleared. */
export const GROUP_CACHE_LIMIT = 4096;
/** Longest service key: a 32-byte address (Tor v3, I2P) plus a 2-byte port. */
export const MAX_SERVICE_KEY_BYTES = 34;

const CHAR_N = 0x4e;
const CHAR_K = 0x4b;
/** Scratch size: key 32 + 'N' 1 + bucket 4 + CompactSize 1 + service key 34 = 72 bytes, rounded up. */
const SCRATCH_BYTES = 128;

/** The hasher all bucketers share (its staging memory is used synchronously, one batch at a time). */
const HASHER = new CheapHashBatch();

/** True when bucket hashing runs on the WebAssembly SIMD kernel. */
export function bucketHashAccelerated(): boolean {
  return HASHER.accelerated;
}

/**
 * The service keys (`GetKey()`) of a batch of bucket computations: item i's key is written by
 * `write(i, out, at)`, which returns its length.
 */
export interface KeyBatch {
  /** Number of items. */
  readonly n: number;
  /** Writes item i's service key into `out` at `at`; returns its length (≤ MAX_SERVICE_KEY_BYTES). */
  write(i: number, out: Uint8Array, at: number): number;
}

/** Service keys packed MAX_SERVICE_KEY_BYTES apart, with their lengths. */
export class PackedKeys implements KeyBatch {
  /** @param n items; @param keys item i at i × MAX_SERVICE_KEY_BYTES; @param keyLens their lengths. */
  constructor(readonly n: number, readonly keys: Uint8Array, readonly keyLens: Uint8Array) {}

  /** Copies item i's key. */
  write(i: number, out: Uint8Array, at: number): number {
    const len = this.keyLens[i];
    const off = i * MAX_SERVICE_KEY_BYTES;
    for (let j = 0; j < len; j++) out[at + j] = this.keys[off + j];
    return len;
  }
}

/** Anything that can write the service key of a stored entry (the entry table). */
export interface ServiceKeyWriter {
  /** Writes the service key of `slot` into `out` at `at`; returns its length. */
  writeServiceKey(slot: number, out: Uint8Array, at: number): number;
}

/** The service keys of stored entries, read straight from the entry table (no intermediate copy). */
export class SlotKeys implements KeyBatch {
  /** @param source the entry table; @param slots the entries; @param n how many of `slots` to use. */
  constructor(readonly source: ServiceKeyWriter, readonly slots: Int32Array, readonly n: number) {}

  /** Writes item i's key from the table. */
  write(i: number, out: Uint8Array, at: number): number {
    return this.source.writeServiceKey(this.slots[i], out, at);
  }
}

/** Computes Core's bucket numbers and bucket positions under one secret key. */
export class Bucketer {
  /** The secret key (Core nKey), 32 bytes. */
  readonly key: Uint8Array;
  /** The key's midstate and words for the keyed kernel (`keyConstants`). */
  private readonly keyConsts: Int32Array;
  private readonly buf = new Uint8Array(SCRATCH_BYTES);
  private readonly newCache = new Map<string, Int16Array>();

  /** @param key Core's nKey (32 bytes). */
  constructor(key: Uint8Array) {
    if (key.length !== ADDRMAN_KEY_BYTES) throw new RangeError(`addrman key must be 32 bytes, got ${key.length}`);
    this.key = Uint8Array.from(key);
    this.buf.set(this.key, 0);
    this.keyConsts = keyConstants(this.key);
  }

  /** Source groups whose second new-bucket hashes are cached now (at most GROUP_CACHE_LIMIT). */
  get cachedSourceGroups(): number {
    return this.newCache.size;
  }

  // ---- single computations -----------------------------------------------------------------------

  /** Core `GetNewBucket(nKey, src)`: the new bucket for an address group seen from a source group. */
  newBucket(addrGroup: Uint8Array, srcGroup: Uint8Array): number {
    const h1 = this.hash(this.buf, this.writeNewH1(this.buf, addrGroup, srcGroup)) % ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP;
    const cache = this.newCacheFor(srcGroup);
    if (cache[h1] < 0) cache[h1] = this.hash(this.buf, this.writeH2(this.buf, srcGroup, h1)) % ADDRMAN_NEW_BUCKET_COUNT;
    return cache[h1];
  }

  /** Core `GetTriedBucket(nKey)`: the tried bucket for a service key and its address group. */
  triedBucket(serviceKey: Uint8Array, keyLen: number, addrGroup: Uint8Array): number {
    const h1 = this.hash(this.buf, this.writeTriedH1(this.buf, serviceKey, 0, keyLen)) % ADDRMAN_TRIED_BUCKETS_PER_GROUP;
    return this.hash(this.buf, this.writeH2(this.buf, addrGroup, h1)) % ADDRMAN_TRIED_BUCKET_COUNT;
  }

  /** Core `GetBucketPosition(nKey, fNew, bucket)`: the slot within `bucket` for a service key. */
  position(isNew: boolean, bucket: number, serviceKey: Uint8Array, keyLen: number): number {
    return this.hash(this.buf, this.writePos(this.buf, isNew, bucket, serviceKey, 0, keyLen)) % ADDRMAN_BUCKET_SIZE;
  }

  // ---- batches -------------------------------------------------------------------------------------

  /**
   * New buckets and positions of n services (`keys`) with address groups `addrGroups` (item i), heard
   * from sources with groups `srcGroups[i]` (or all from one source group). Writes `outBucket[i]`,
   * `outPos[i]`.
   */
  newLocationsBatch(k: KeyBatch, addrGroups: Groups, srcGroups: Uint8Array[] | Uint8Array, outBucket: Int32Array, outPos: Int32Array): void {
    const msg = this.buf;
    HASHER.useKey(this.keyConsts);
    HASHER.reset();
    const t1 = new Int32Array(k.n);
    const oneSource = srcGroups instanceof Uint8Array;
    for (let i = 0; i < k.n; i++) {
      const src = oneSource ? srcGroups : srcGroups[i];
      t1[i] = HASHER.pushKeyed(msg, putVec(msg, putGroup(msg, ADDRMAN_KEY_BYTES, addrGroups, i), src));
    }
    HASHER.flush();
    this.secondHashes(k.n, t1, srcGroups, outBucket);
    this.positionsBatch(k, true, outBucket, outPos);
  }

  /** Tried buckets and positions of n services with address groups `addrGroups` (item i). */
  triedLocationsBatch(k: KeyBatch, addrGroups: Groups, outBucket: Int32Array, outPos: Int32Array): void {
    this.triedBucketsBatch(k, addrGroups, outBucket);
    this.positionsBatch(k, false, outBucket, outPos);
  }

  /** Tried buckets (Core `GetTriedBucket`) of n services with address groups `addrGroups` (item i). */
  triedBucketsBatch(k: KeyBatch, addrGroups: Groups, outBucket: Int32Array): void {
    const msg = this.buf;
    HASHER.useKey(this.keyConsts);
    HASHER.reset();
    const t1 = new Int32Array(k.n);
    for (let i = 0; i < k.n; i++) t1[i] = HASHER.pushKeyed(msg, this.writeTriedH1From(msg, k, i));
    HASHER.flush();
    const t2 = new Int32Array(k.n);
    const h1 = new Int32Array(k.n);
    for (let i = 0; i < k.n; i++) h1[i] = HASHER.result(t1[i]) % ADDRMAN_TRIED_BUCKETS_PER_GROUP;
    HASHER.useKey(this.keyConsts);
    HASHER.reset();
    for (let i = 0; i < k.n; i++) t2[i] = HASHER.pushKeyed(msg, putLe64Small(msg, putGroup(msg, ADDRMAN_KEY_BYTES, addrGroups, i), h1[i]));
    HASHER.flush();
    for (let i = 0; i < k.n; i++) outBucket[i] = HASHER.result(t2[i]) % ADDRMAN_TRIED_BUCKET_COUNT;
  }

  /** Positions of n services in the given buckets (`GetBucketPosition(nKey, isNew, buckets[i])`). */
  positionsBatch(k: KeyBatch, isNew: boolean, buckets: Int32Array, outPos: Int32Array): void {
    const msg = this.buf;
    HASHER.useKey(this.keyConsts);
    HASHER.reset();
    const t = new Int32Array(k.n);
    for (let i = 0; i < k.n; i++) t[i] = HASHER.pushKeyed(msg, this.writePosFrom(msg, isNew, buckets[i], k, i));
    HASHER.flush();
    for (let i = 0; i < k.n; i++) outPos[i] = HASHER.result(t[i]) % ADDRMAN_BUCKET_SIZE;
  }

  /** Round two of a new-bucket batch: `hash2` per (source group, hash1 % 64), from the cache or hashed once. */
  private secondHashes(n: number, t1: Int32Array, groups: Uint8Array[] | Uint8Array, out: Int32Array): void {
    const msg = this.buf;
    const h1 = new Int32Array(n);
    for (let i = 0; i < n; i++) h1[i] = HASHER.result(t1[i]) % ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP;
    HASHER.useKey(this.keyConsts);
    HASHER.reset();
    const oneSource = groups instanceof Uint8Array;
    const pending: Array<{ cache: Int16Array; slot: number; ticket: number }> = [];
    const caches: Int16Array[] = new Array(n);
    let lastGroup: Uint8Array | undefined;
    let lastCache: Int16Array | undefined;
    for (let i = 0; i < n; i++) {
      // Batches often repeat one group object (every address of an Add call shares its source group).
      const group = oneSource ? groups : groups[i];
      const cache = group === lastGroup && lastCache !== undefined ? lastCache : this.newCacheFor(group);
      lastGroup = group;
      lastCache = cache;
      caches[i] = cache;
      if (cache[h1[i]] === -1) {
        cache[h1[i]] = -2; // queued in this batch
        pending.push({ cache, slot: h1[i], ticket: HASHER.pushKeyed(msg, this.writeH2(msg, group, h1[i])) });
      }
    }
    HASHER.flush();
    for (const p of pending) p.cache[p.slot] = HASHER.result(p.ticket) % ADDRMAN_NEW_BUCKET_COUNT;
    for (let i = 0; i < n; i++) out[i] = caches[i][h1[i]];
  }

  // ---- message layouts -------------------------------------------------------------------------------

  /** key || vec(addrGroup) || vec(srcGroup); returns the length. */
  private writeNewH1(b: Uint8Array, addrGroup: Uint8Array, srcGroup: Uint8Array): number {
    return putVec(b, putVec(b, ADDRMAN_KEY_BYTES, addrGroup), srcGroup);
  }

  /** key || vec(group) || le64(h1); returns the length. */
  private writeH2(b: Uint8Array, group: Uint8Array, h1: number): number {
    return putLe64Small(b, putVec(b, ADDRMAN_KEY_BYTES, group), h1);
  }

  /** key || vec(serviceKey); returns the length. */
  private writeTriedH1(b: Uint8Array, keys: Uint8Array, off: number, len: number): number {
    b[ADDRMAN_KEY_BYTES] = len;
    for (let i = 0; i < len; i++) b[ADDRMAN_KEY_BYTES + 1 + i] = keys[off + i];
    return ADDRMAN_KEY_BYTES + 1 + len;
  }

  /** key || vec(serviceKey of batch item i); returns the length. */
  private writeTriedH1From(b: Uint8Array, k: KeyBatch, i: number): number {
    const len = k.write(i, b, ADDRMAN_KEY_BYTES + 1);
    b[ADDRMAN_KEY_BYTES] = len;
    return ADDRMAN_KEY_BYTES + 1 + len;
  }

  /** key || 'N'/'K' || le32(bucket) || vec(serviceKey of batch item i); returns the length. */
  private writePosFrom(b: Uint8Array, isNew: boolean, bucket: number, k: KeyBatch, i: number): number {
    const p = writePosPrefix(b, isNew, bucket);
    const len = k.write(i, b, p + 1);
    b[p] = len;
    return p + 1 + len;
  }

  /** key || 'N'/'K' || le32(bucket) || vec(serviceKey); returns the length. */
  private writePos(b: Uint8Array, isNew: boolean, bucket: number, keys: Uint8Array, off: number, len: number): number {
    let p = writePosPrefix(b, isNew, bucket);
    b[p++] = len;
    for (let i = 0; i < len; i++) b[p + i] = keys[off + i];
    return p + len;
  }

  /** One keyed hash now (every message here starts with the key). */
  private hash(msg: Uint8Array, len: number): number {
    HASHER.useKey(this.keyConsts);
    return HASHER.hashKeyed(msg, len);
  }

  private newCacheFor(srcGroup: Uint8Array): Int16Array {
    return cacheFor(this.newCache, srcGroup, ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP);
  }
}

/** The cache row of a group (created on first use; the map is emptied when it reaches the limit). */
function cacheFor(map: Map<string, Int16Array>, group: Uint8Array, size: number): Int16Array {
  let s = '';
  for (let i = 0; i < group.length; i++) s += String.fromCharCode(group[i]);
  let row = map.get(s);
  if (row === undefined) {
    if (map.size >= GROUP_CACHE_LIMIT) map.clear();
    row = new Int16Array(size).fill(-1);
    map.set(s, row);
  }
  return row;
}

/**
 * Network groups of a batch: one array per item, or packed GROUP_SLOT_BYTES apart in one buffer as a
 * length byte followed by the group bytes (the entry table's group column layout).
 */
export type Groups = readonly Uint8Array[] | PackedGroups;

/** Groups packed in one buffer, item i at `i * stride`: a length byte, then the bytes. */
export class PackedGroups {
  /** @param buf the packed groups; @param stride bytes per item. */
  constructor(readonly buf: Uint8Array, readonly stride: number) {}
}

/** Writes group i of `groups` as a CompactSize-prefixed vector at `p`; returns the end. */
function putGroup(b: Uint8Array, p: number, groups: Groups, i: number): number {
  if (!(groups instanceof PackedGroups)) return putVec(b, p, (groups as readonly Uint8Array[])[i]);
  const src = groups.buf;
  const at = i * groups.stride;
  const len = src[at];
  b[p++] = len;
  for (let j = 1; j <= len; j++) b[p++] = src[at + j];
  return p;
}

/** Writes a CompactSize-prefixed byte vector (lengths here are always < 253). */
function putVec(b: Uint8Array, p: number, v: Uint8Array): number {
  b[p++] = v.length;
  for (let i = 0; i < v.length; i++) b[p++] = v[i];
  return p;
}

/** Writes a small non-negative integer as a little-endian uint64. */
function putLe64Small(b: Uint8Array, p: number, v: number): number {
  b[p] = v & 0xff;
  b[p + 1] = (v >>> 8) & 0xff;
  b[p + 2] = (v >>> 16) & 0xff;
  b[p + 3] = (v >>> 24) & 0xff;
  b[p + 4] = 0;
  b[p + 5] = 0;
  b[p + 6] = 0;
  b[p + 7] = 0;
  return p + 8;
}

/** Writes 'N'/'K' || le32(bucket) after the key of a position-hash input; returns the offset after it. */
function writePosPrefix(b: Uint8Array, isNew: boolean, bucket: number): number {
  let p = ADDRMAN_KEY_BYTES;
  b[p++] = isNew ? CHAR_N : CHAR_K;
  b[p++] = bucket & 0xff;
  b[p++] = (bucket >>> 8) & 0xff;
  b[p++] = (bucket >>> 16) & 0xff;
  b[p++] = (bucket >>> 24) & 0xff;
  return p;
}
