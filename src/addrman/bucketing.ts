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
 * 32-bit word from `cheapHashLow32` is enough. All hashing happens in one scratch buffer that starts
 * with the 32-byte key, so nothing is allocated per hash.
 *
 * Two small caches exploit that the second hash of a bucket depends on few inputs: a new bucket's
 * `hash2` only on (source group, hash1 % 64) and a tried bucket's only on (address group, hash1 % 8).
 * Each cache holds at most `GROUP_CACHE_LIMIT` groups and is emptied when full.
 */
import { cheapHashLow32 } from '../util/hash.js';
import {
  ADDRMAN_BUCKET_SIZE,
  ADDRMAN_NEW_BUCKET_COUNT,
  ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP,
  ADDRMAN_TRIED_BUCKET_COUNT,
  ADDRMAN_TRIED_BUCKETS_PER_GROUP,
} from './constants.js';

/** Bytes in Core's nKey. */
export const ADDRMAN_KEY_BYTES = 32;
/** Most groups each second-hash cache remembers before it is cleared. */
export const GROUP_CACHE_LIMIT = 4096;
/** Longest service key: a 32-byte address (Tor v3, I2P) plus a 2-byte port. */
export const MAX_SERVICE_KEY_BYTES = 34;

const CHAR_N = 0x4e;
const CHAR_K = 0x4b;

/** Computes Core's bucket numbers and bucket positions under one secret key. */
export class Bucketer {
  /** The secret key (Core nKey), 32 bytes. */
  readonly key: Uint8Array;
  private readonly buf = new Uint8Array(128);
  private readonly newCache = new Map<string, Int16Array>();
  private readonly triedCache = new Map<string, Int16Array>();

  /** @param key Core's nKey (32 bytes). */
  constructor(key: Uint8Array) {
    if (key.length !== ADDRMAN_KEY_BYTES) throw new RangeError(`addrman key must be 32 bytes, got ${key.length}`);
    this.key = Uint8Array.from(key);
    this.buf.set(this.key, 0);
  }

  /** Core `GetNewBucket(nKey, src)`: the new bucket for an address group seen from a source group. */
  newBucket(addrGroup: Uint8Array, srcGroup: Uint8Array): number {
    const b = this.buf;
    let p = ADDRMAN_KEY_BYTES;
    p = putVec(b, p, addrGroup);
    p = putVec(b, p, srcGroup);
    const h1 = cheapHashLow32(b, p) % ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP;
    return this.newBucketFromSource(srcGroup, h1);
  }

  /** Core `GetTriedBucket(nKey)`: the tried bucket for a service key and its address group. */
  triedBucket(serviceKey: Uint8Array, keyLen: number, addrGroup: Uint8Array): number {
    const b = this.buf;
    b[ADDRMAN_KEY_BYTES] = keyLen;
    for (let i = 0; i < keyLen; i++) b[ADDRMAN_KEY_BYTES + 1 + i] = serviceKey[i];
    const h1 = cheapHashLow32(b, ADDRMAN_KEY_BYTES + 1 + keyLen) % ADDRMAN_TRIED_BUCKETS_PER_GROUP;
    const cacheKey = groupKey(addrGroup);
    let cached = this.triedCache.get(cacheKey);
    if (cached === undefined) {
      if (this.triedCache.size >= GROUP_CACHE_LIMIT) this.triedCache.clear();
      cached = new Int16Array(ADDRMAN_TRIED_BUCKETS_PER_GROUP).fill(-1);
      this.triedCache.set(cacheKey, cached);
    }
    let bucket = cached[h1];
    if (bucket < 0) {
      let p = putVec(b, ADDRMAN_KEY_BYTES, addrGroup);
      p = putLe64Small(b, p, h1);
      bucket = cheapHashLow32(b, p) % ADDRMAN_TRIED_BUCKET_COUNT;
      cached[h1] = bucket;
    }
    return bucket;
  }

  /** Core `GetBucketPosition(nKey, fNew, bucket)`: the slot within `bucket` for a service key. */
  position(isNew: boolean, bucket: number, serviceKey: Uint8Array, keyLen: number): number {
    const b = this.buf;
    let p = ADDRMAN_KEY_BYTES;
    b[p++] = isNew ? CHAR_N : CHAR_K;
    b[p++] = bucket & 0xff;
    b[p++] = (bucket >>> 8) & 0xff;
    b[p++] = (bucket >>> 16) & 0xff;
    b[p++] = (bucket >>> 24) & 0xff;
    b[p++] = keyLen;
    for (let i = 0; i < keyLen; i++) b[p + i] = serviceKey[i];
    return cheapHashLow32(b, p + keyLen) % ADDRMAN_BUCKET_SIZE;
  }

  /** The second half of `newBucket`, cached per (source group, hash1 % 64). */
  private newBucketFromSource(srcGroup: Uint8Array, h1: number): number {
    const cacheKey = groupKey(srcGroup);
    let cached = this.newCache.get(cacheKey);
    if (cached === undefined) {
      if (this.newCache.size >= GROUP_CACHE_LIMIT) this.newCache.clear();
      cached = new Int16Array(ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP).fill(-1);
      this.newCache.set(cacheKey, cached);
    }
    let bucket = cached[h1];
    if (bucket < 0) {
      const b = this.buf;
      let p = putVec(b, ADDRMAN_KEY_BYTES, srcGroup);
      p = putLe64Small(b, p, h1);
      bucket = cheapHashLow32(b, p) % ADDRMAN_NEW_BUCKET_COUNT;
      cached[h1] = bucket;
    }
    return bucket;
  }
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

/** A Map key for a group's bytes. */
function groupKey(group: Uint8Array): string {
  let s = '';
  for (let i = 0; i < group.length; i++) s += String.fromCharCode(group[i]);
  return s;
}
