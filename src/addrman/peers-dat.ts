/**
 * peers.dat: Core's on-disk addrman (`AddrManImpl::Serialize` / `Unserialize`, src/addrman.cpp) inside
 * the hashed-file envelope (network magic, payload, sha256d).
 *
 * Payload: format (u8), compat = 32 + lowest compatible format (u8), nKey (32), nNew (i32), nTried
 * (i32), new-bucket count XOR 2^30 (i32), nNew new entries, nTried tried entries, then per new bucket
 * a count and that many indexes into the new entries, then the asmap checksum (format ≥ 2). An entry is
 * `CAddress` in disk form, its source address, m_last_success (i64) and nAttempts (i32).
 *
 * Formats read: V0 (bucket count not XOR-ed), V1 (no asmap checksum), V2 (asmap checksum), V3 (BIP155
 * addresses), V4 (multiport: the same IP with different ports as distinct entries). Written: V4, or V3
 * on request. Bucket positions are restored only when the file has 1,024 new buckets and the same asmap
 * checksum; otherwise every entry is re-bucketed by its own source, as Core does.
 *
 * V3 and multiport: Core before V4 keyed entries by IP alone and rejects a file with two entries for
 * one IP (consistency code -5), so a V3 file keeps one entry per IP: a tried entry over new ones, then
 * the latest success, then the latest time, then the oldest entry. The others are left out.
 */
import type { NetGroupManager } from '../address/netgroup.js';
import { NetAddress } from '../address/netaddress.js';
import { Net } from '../address/network.js';
import { DISK_VERSION_ADDRV2, DISK_VERSION_INIT, readRecordDisk } from '../address/record.js';
import { ByteReader } from '../util/bytes.js';
import { PeerbookError } from '../util/errors.js';
import { DataFileError, unwrapHashedFile, wrapHashedFile } from './hashed-file.js';
import { checkAddrman } from './consistency.js';
import {
  ADDRMAN_BUCKET_SIZE,
  ADDRMAN_NEW_BUCKET_COUNT,
  ADDRMAN_NEW_BUCKETS_PER_ADDRESS,
  ADDRMAN_NEW_SLOTS,
  ADDRMAN_TRIED_SLOTS,
} from './constants.js';
import { ADDR_SLOT_BYTES, writeKey } from './entries.js';
import { PeersDatError, PeersDatVersionError } from './errors.js';
import type { AddrTable } from './table.js';
import { MAX_SERVICE_KEY_BYTES, type KeyBatch } from './bucketing.js';

/** Core `AddrManImpl::Format`. */
export const PeersDatFormat = { V0_HISTORICAL: 0, V1_DETERMINISTIC: 1, V2_ASMAP: 2, V3_BIP155: 3, V4_MULTIPORT: 4 } as const;
/** Core FILE_FORMAT: the newest format this code reads and the one it writes by default. */
export const PEERS_DAT_FILE_FORMAT = PeersDatFormat.V4_MULTIPORT;
/** Core INCOMPATIBILITY_BASE: added to lowest_compatible in the compat byte (it once held the key size, 32). */
export const INCOMPATIBILITY_BASE = 32;
/** The file name used in error messages. */
export const PEERS_DAT_FILE_NAME = 'peers.dat';
/** 2^30, XOR-ed into the bucket count since V1 so that V0 readers reject newer files. */
const BUCKET_COUNT_XOR = 1 << 30;
/** Offset of the payload in the file (after the 4-byte magic). */
const PAYLOAD_OFFSET = 4;
/** Largest serialised entry: version 4, time 4, services ≤ 9, address 34, port 2, source 34, success 8, attempts 4. */
const MAX_ENTRY_BYTES = 99;
const TWO_32 = 2 ** 32;

// ---- writing ---------------------------------------------------------------------------------------

/** Serialises the table as a complete peers.dat file (magic, payload, checksum) in format 4 or 3. */
export function writePeersDat(t: AddrTable, magic: Uint8Array, format: 3 | 4 = 4): Uint8Array {
  const e = t.entries;
  const keep = format === 3 ? onePerIp(t) : undefined;
  const newSlots: number[] = [];
  const triedSlots: number[] = [];
  for (let slot = 0; slot < e.slotLimit; slot++) {
    if (!e.isLive(slot) || (keep && !keep[slot])) continue;
    if (e.refCount[slot] > 0) newSlots.push(slot);
    else if (e.inTried[slot] !== 0) triedSlots.push(slot);
  }
  const w = new FastWriter(46 + MAX_ENTRY_BYTES * (newSlots.length + triedSlots.length) + 4 * (ADDRMAN_NEW_BUCKET_COUNT + ADDRMAN_NEW_SLOTS) + 32);
  w.u8(format);
  w.u8(INCOMPATIBILITY_BASE + format); // lowest compatible = the format itself (V3 → 35, V4 → 36)
  w.bytes(t.bucketer.key);
  w.i32(newSlots.length);
  w.i32(triedSlots.length);
  w.i32(ADDRMAN_NEW_BUCKET_COUNT ^ BUCKET_COUNT_XOR);
  const serialIndex = new Int32Array(e.slotLimit).fill(-1);
  newSlots.forEach((slot, i) => {
    serialIndex[slot] = i;
    writeEntry(w, t, slot);
  });
  for (const slot of triedSlots) writeEntry(w, t, slot);
  for (let b = 0; b < ADDRMAN_NEW_BUCKET_COUNT; b++) {
    let n = 0;
    for (let i = 0; i < ADDRMAN_BUCKET_SIZE; i++) {
      const s = t.newCell(b, i);
      if (s >= 0 && serialIndex[s] >= 0) n++;
    }
    w.i32(n);
    for (let i = 0; i < ADDRMAN_BUCKET_SIZE; i++) {
      const s = t.newCell(b, i);
      if (s >= 0 && serialIndex[s] >= 0) w.i32(serialIndex[s]);
    }
  }
  w.bytes(t.netgroups.asmapChecksum());
  return wrapHashedFile(magic, w.result());
}

/** Writes one AddrInfo in V2 disk form. */
function writeEntry(w: FastWriter, t: AddrTable, slot: number): void {
  const e = t.entries;
  w.u32(DISK_VERSION_INIT | DISK_VERSION_ADDRV2);
  w.u32(toUint32(e.time[slot]));
  w.compactSize(e.svcLo[slot], e.svcHi[slot]);
  writeAddrV2(w, e.net[slot], e.addr, slot * ADDR_SLOT_BYTES);
  w.u8(e.port[slot] >>> 8);
  w.u8(e.port[slot] & 0xff);
  writeAddrV2(w, e.srcNet[slot], e.src, slot * ADDR_SLOT_BYTES);
  w.i64(e.lastSuccess[slot]);
  w.i32(e.attempts[slot]);
}

/** Core `SerializeV2Stream` from pooled bytes (internal addresses travel as IPv6 in their v1 form). */
function writeAddrV2(w: FastWriter, net: number, pool: Uint8Array, off: number): void {
  switch (net) {
    case Net.IPV4: w.u8(1); w.u8(4); w.from(pool, off, 4); return;
    case Net.IPV6: w.u8(2); w.u8(16); w.from(pool, off, 16); return;
    case Net.ONION: w.u8(4); w.u8(32); w.from(pool, off, 32); return;
    case Net.I2P: w.u8(5); w.u8(32); w.from(pool, off, 32); return;
    case Net.CJDNS: w.u8(6); w.u8(16); w.from(pool, off, 16); return;
    case Net.INTERNAL: {
      const key = new Uint8Array(MAX_SERVICE_KEY_BYTES);
      writeKey(net, pool, off, 0, key);
      w.u8(2); w.u8(16); w.from(key, 0, 16);
      return;
    }
    default: w.u8(2); w.u8(16); w.from(new Uint8Array(16), 0, 16);
  }
}

/** Core's LossyChronoFormatter<uint32_t>: the time truncated to an unsigned 32-bit number. */
function toUint32(v: number): number {
  const t = Math.trunc(v) % TWO_32;
  return t < 0 ? t + TWO_32 : t;
}

/** For V3: marks the one entry per IP that is kept (see the module comment). */
function onePerIp(t: AddrTable): Uint8Array {
  const e = t.entries;
  const best = new Map<string, number>();
  const better = (a: number, b: number): boolean => {
    if (e.inTried[a] !== e.inTried[b]) return e.inTried[a] > e.inTried[b];
    if (e.lastSuccess[a] !== e.lastSuccess[b]) return e.lastSuccess[a] > e.lastSuccess[b];
    if (e.time[a] !== e.time[b]) return e.time[a] > e.time[b];
    return e.id[a] < e.id[b];
  };
  for (let slot = 0; slot < e.slotLimit; slot++) {
    if (!e.isLive(slot)) continue;
    const off = slot * ADDR_SLOT_BYTES;
    const ip = String.fromCharCode(e.net[slot]) + Buffer.from(e.addr.subarray(off, off + e.addrLen(slot))).toString('latin1');
    const cur = best.get(ip);
    if (cur === undefined || better(slot, cur)) best.set(ip, slot);
  }
  const keep = new Uint8Array(e.slotLimit);
  for (const slot of best.values()) keep[slot] = 1;
  return keep;
}

/** A little-endian writer into a buffer sized up front (no per-call growth checks or BigInt). */
class FastWriter {
  private readonly buf: Uint8Array;
  private pos = 0;

  /** @param capacity bytes to allocate (an upper bound of the output). */
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  /** One byte. */
  u8(v: number): void {
    this.buf[this.pos++] = v;
  }

  /** Little-endian uint32. */
  u32(v: number): void {
    const b = this.buf;
    let p = this.pos;
    b[p++] = v & 0xff;
    b[p++] = (v >>> 8) & 0xff;
    b[p++] = (v >>> 16) & 0xff;
    b[p++] = (v >>> 24) & 0xff;
    this.pos = p;
  }

  /** Little-endian int32. */
  i32(v: number): void {
    this.u32(v | 0);
  }

  /** Signed 64-bit of an integral double (|v| < 2^53). */
  i64(v: number): void {
    const t = Math.trunc(v);
    const lo = toUint32(t);
    const hi = Math.floor((t - lo) / TWO_32);
    this.u32(lo);
    this.u32(hi | 0);
  }

  /** CompactSize of a 64-bit value given as two 32-bit words. */
  compactSize(lo: number, hi: number): void {
    if (hi === 0 && lo < 0xfd) {
      this.u8(lo);
    } else if (hi === 0 && lo <= 0xffff) {
      this.u8(0xfd);
      this.u8(lo & 0xff);
      this.u8(lo >>> 8);
    } else if (hi === 0) {
      this.u8(0xfe);
      this.u32(lo);
    } else {
      this.u8(0xff);
      this.u32(lo);
      this.u32(hi);
    }
  }

  /** Raw bytes. */
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** `len` bytes of `pool` from `off`. */
  from(pool: Uint8Array, off: number, len: number): void {
    const b = this.buf;
    for (let i = 0; i < len; i++) b[this.pos + i] = pool[off + i];
    this.pos += len;
  }

  /** The bytes written. */
  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

// ---- reading ---------------------------------------------------------------------------------------

/** What the reader needs from the caller. */
export interface PeersDatReadContext {
  /** Group function of the reading node (asmap or prefixes): it decides whether bucketing is restored. */
  netgroups: NetGroupManager;
  /** Builds an empty table under the file's key. */
  makeTable(key: Uint8Array): AddrTable;
}

/**
 * Parses a complete peers.dat file (magic, payload, checksum) into a new table, exactly as Core's
 * `Unserialize` rebuilds one. Throws `PeersDatVersionError` for a file from an incompatible newer
 * format and `PeersDatError` for everything else; never another error type.
 */
export function readPeersDat(file: Uint8Array, magic: Uint8Array, ctx: PeersDatReadContext): AddrTable {
  let payload: Uint8Array;
  try {
    payload = unwrapHashedFile(file, magic, PEERS_DAT_FILE_NAME);
  } catch (err) {
    if (err instanceof DataFileError) {
      const reason = err.reason === 'malformed' ? 'truncated' : err.reason; // unwrapHashedFile never says malformed
      throw new PeersDatError(reason, err.message, { offset: reason === 'checksum-mismatch' ? file.length - 32 : 0, cause: err });
    }
    throw new PeersDatError('truncated', `${PEERS_DAT_FILE_NAME}: unreadable (${String(err)})`, { cause: err });
  }
  const r = new ByteReader(payload);
  try {
    return parsePayload(r, ctx);
  } catch (err) {
    if (err instanceof PeersDatError) throw err;
    const offset = PAYLOAD_OFFSET + r.offset;
    const what = err instanceof PeerbookError ? err.message : String(err);
    throw new PeersDatError('truncated', `${PEERS_DAT_FILE_NAME}: ${what} (offset ${offset})`, { offset, cause: err });
  }
}

function parsePayload(r: ByteReader, ctx: PeersDatReadContext): AddrTable {
  const format = r.u8();
  const compatOffset = PAYLOAD_OFFSET + r.offset;
  const compat = r.u8();
  if (compat < INCOMPATIBILITY_BASE) {
    throw new PeersDatError(
      'corrupt-compat',
      `Corrupted addrman database: The compat value (${compat}) is lower than the expected minimum value ${INCOMPATIBILITY_BASE}. (${PEERS_DAT_FILE_NAME} offset ${compatOffset})`,
      { offset: compatOffset },
    );
  }
  const lowestCompatible = compat - INCOMPATIBILITY_BASE;
  if (lowestCompatible > PEERS_DAT_FILE_FORMAT) {
    throw new PeersDatVersionError(
      `Unsupported format of addrman database: ${format}. It is compatible with formats >=${lowestCompatible}, but the maximum supported by this version of Peerbook is ${PEERS_DAT_FILE_FORMAT}. (${PEERS_DAT_FILE_NAME} offset ${compatOffset})`,
      compatOffset,
    );
  }
  const key = r.bytes(32);
  const countsOffset = PAYLOAD_OFFSET + r.offset;
  const nNew = r.i32le();
  const nTried = r.i32le();
  let nUBuckets = r.i32le();
  if (format >= PeersDatFormat.V1_DETERMINISTIC) nUBuckets ^= BUCKET_COUNT_XOR;
  if (nNew > ADDRMAN_NEW_SLOTS || nNew < 0) {
    throw new PeersDatError('count-out-of-range', `Corrupt AddrMan serialization: nNew=${nNew}, should be in [0, ${ADDRMAN_NEW_SLOTS}] (${PEERS_DAT_FILE_NAME} offset ${countsOffset})`, { offset: countsOffset });
  }
  if (nTried > ADDRMAN_TRIED_SLOTS || nTried < 0) {
    throw new PeersDatError('count-out-of-range', `Corrupt AddrMan serialization: nTried=${nTried}, should be in [0, ${ADDRMAN_TRIED_SLOTS}] (${PEERS_DAT_FILE_NAME} offset ${countsOffset + 4})`, { offset: countsOffset + 4 });
  }

  const t = ctx.makeTable(key);
  const e = t.entries;
  e.reserve(nNew + nTried);
  const allowV2 = format >= PeersDatFormat.V3_BIP155;

  // New entries get ids 0..nNew-1. Invalid ones are never bucketed and Core prunes them at the end;
  // here they are dropped at once, so that several of them (e.g. Tor v2 addresses, read as `::`) cannot
  // collide in the index.
  const newSlot = new Int32Array(nNew).fill(-1);
  const newSources: NetAddress[] = [];
  for (let n = 0; n < nNew; n++) {
    const at = PAYLOAD_OFFSET + r.offset;
    const entry = readEntry(r, allowV2, n, at);
    const addr = entry.rec.service.addr;
    if (!addr.isValid()) continue;
    if (e.find(addr, entry.rec.service.port) >= 0) throw duplicate(entry, n, at);
    newSlot[n] = t.loadEntry(n, entry.rec, entry.source, entry.lastSuccess, entry.attempts);
    newSources[n] = entry.source;
  }
  t.nextId = nNew;

  // Tried entries go to the cell their hash names, if valid and free; the others are lost. Their
  // cells are hashed in one batch, then placed in file order.
  const tried: Array<{ entry: LoadedEntry; at: number; n: number; group: Uint8Array }> = [];
  for (let n = 0; n < nTried; n++) {
    const at = PAYLOAD_OFFSET + r.offset;
    const entry = readEntry(r, allowV2, nNew + n, at);
    if (entry.rec.service.addr.isValid()) tried.push({ entry, at, n: nNew + n, group: ctx.netgroups.getGroup(entry.rec.service.addr) });
  }
  const triedKeys = keyBatch(tried.length, (i, out) => {
    const s = tried[i].entry.rec.service;
    return writeKey(s.addr.net, s.addr.bytes, 0, s.port, out);
  });
  const triedBucket = new Int32Array(tried.length);
  const triedPos = new Int32Array(tried.length);
  t.bucketer.triedLocationsBatch(triedKeys, tried.map((x) => x.group), triedBucket, triedPos);
  for (let i = 0; i < tried.length; i++) {
    const { entry, at, n, group } = tried[i];
    if (t.triedCell(triedBucket[i], triedPos[i]) !== -1) continue;
    if (e.find(entry.rec.service.addr, entry.rec.service.port) >= 0) throw duplicate(entry, n, at);
    const slot = t.loadEntry(t.nextId, entry.rec, entry.source, entry.lastSuccess, entry.attempts, group);
    t.loadIntoTried(slot, triedBucket[i], triedPos[i]);
  }

  // Bucket contents: (bucket, index into the new entries) pairs, applied after the asmap checksum is known.
  let pairBuckets: Int32Array = new Int32Array(1024);
  let pairSlots: Int32Array = new Int32Array(1024);
  let pairs = 0;
  for (let bucket = 0; bucket < nUBuckets; bucket++) {
    const count = r.i32le();
    for (let i = 0; i < count; i++) {
      const index = r.i32le();
      if (index < 0 || index >= nNew) continue;
      const slot = newSlot[index];
      if (slot < 0) continue; // not a valid address for our addrman
      if (pairs === pairBuckets.length) {
        pairBuckets = grow(pairBuckets);
        pairSlots = grow(pairSlots);
      }
      pairBuckets[pairs] = bucket;
      pairSlots[pairs++] = slot;
    }
  }
  let fileChecksum: Uint8Array = new Uint8Array(32);
  if (format >= PeersDatFormat.V2_ASMAP) fileChecksum = r.bytes(32);
  const restore = nUBuckets === ADDRMAN_NEW_BUCKET_COUNT && bytesEqual(fileChecksum, ctx.netgroups.asmapChecksum());

  if (restore) {
    // The stored bucketing is valid: hash each reference's position in its bucket, in one batch.
    const keys = keyBatch(pairs, (i, out) => e.writeServiceKey(pairSlots[i], out));
    const positions = new Int32Array(pairs);
    t.bucketer.positionsBatch(keys, true, pairBuckets.subarray(0, pairs), positions);
    for (let p = 0; p < pairs; p++) {
      const slot = pairSlots[p];
      if (e.refCount[slot] >= ADDRMAN_NEW_BUCKETS_PER_ADDRESS) continue;
      if (t.newCell(pairBuckets[p], positions[p]) === -1) t.loadNewRef(slot, pairBuckets[p], positions[p]);
      else placeAtPrimary(t, slot); // that cell is taken: fall back to the entry's own source
    }
  } else {
    // Bucketing changed (bucket count or asmap): every entry gets its own source's bucket, hashed in one batch.
    const slots: number[] = [];
    const addrGroups: Uint8Array[] = [];
    const srcGroups: Uint8Array[] = [];
    for (let n = 0; n < nNew; n++) {
      if (newSlot[n] < 0) continue;
      slots.push(newSlot[n]);
      addrGroups.push(t.groupOf(newSlot[n]));
      srcGroups.push(ctx.netgroups.getGroup(newSources[n]));
    }
    const buckets = new Int32Array(slots.length);
    const positions = new Int32Array(slots.length);
    t.bucketer.newLocationsBatch(keyBatch(slots.length, (i, out) => e.writeServiceKey(slots[i], out)), addrGroups, srcGroups, buckets, positions);
    slots.forEach((slot, i) => {
      e.newBucket[slot] = buckets[i];
      e.newPos[slot] = positions[i];
    });
    for (let p = 0; p < pairs; p++) {
      if (e.refCount[pairSlots[p]] < ADDRMAN_NEW_BUCKETS_PER_ADDRESS) placeAtPrimary(t, pairSlots[p]);
    }
  }

  // Prune new entries with no reference (collisions).
  for (let n = 0; n < nNew; n++) {
    const slot = newSlot[n];
    if (slot >= 0 && e.refCount[slot] === 0 && e.inTried[slot] === 0) t.delete(slot);
  }

  if (!r.done) {
    const at = PAYLOAD_OFFSET + r.offset;
    throw new PeersDatError('trailing-data', `${PEERS_DAT_FILE_NAME}: ${r.remaining} unexpected bytes after the addrman data (offset ${at})`, { offset: at });
  }
  // Core runs CheckAddrman here. Every bucket position was hashed moments ago by this loader, so the
  // structural checks run but the positions are not hashed a second time.
  const code = checkAddrman(t, { peerbook: false, rehash: false });
  if (code !== 0) {
    throw new PeersDatError('consistency', `Corrupt data. Consistency check failed with code ${code}`, { checkCode: code });
  }
  return t;
}

/** Core's re-bucketing fallback: a reference in the entry's own-source cell, if that cell is free. */
function placeAtPrimary(t: AddrTable, slot: number): void {
  const bucket = t.primaryNewBucket(slot);
  const pos = t.primaryNewPos(slot);
  if (t.newCell(bucket, pos) === -1) t.loadNewRef(slot, bucket, pos);
}

/** Packs n service keys written by `write(i, out)` into a `KeyBatch`. */
function keyBatch(n: number, write: (i: number, out: Uint8Array) => number): KeyBatch {
  const keys = new Uint8Array(n * MAX_SERVICE_KEY_BYTES);
  const keyLens = new Uint8Array(n);
  for (let i = 0; i < n; i++) keyLens[i] = write(i, keys.subarray(i * MAX_SERVICE_KEY_BYTES));
  return { n, keys, keyLens };
}

/** One AddrInfo as read from the file. */
interface LoadedEntry {
  /** Address, services, time. */
  rec: ReturnType<typeof readRecordDisk>;
  /** Where it was first heard from. */
  source: NetAddress;
  /** m_last_success, seconds. */
  lastSuccess: number;
  /** nAttempts. */
  attempts: number;
}

/** Reads one AddrInfo; any decoding problem becomes a `bad-record` error naming the entry. */
function readEntry(r: ByteReader, allowV2: boolean, n: number, at: number): LoadedEntry {
  try {
    const rec = readRecordDisk(r, allowV2);
    const source = allowV2 ? NetAddress.readV2(r) : NetAddress.readV1(r);
    const lastSuccess = Number(r.i64le());
    const attempts = r.i32le();
    return { rec, source, lastSuccess, attempts };
  } catch (err) {
    const what = err instanceof Error ? err.message : String(err);
    throw new PeersDatError('bad-record', `${PEERS_DAT_FILE_NAME}: bad address record at entry ${n} (offset ${at}): ${what}`, { offset: at, cause: err });
  }
}

function duplicate(entry: LoadedEntry, n: number, at: number): PeersDatError {
  return new PeersDatError(
    'duplicate-entry',
    `Corrupt data. Consistency check failed with code -5 (entry ${n} at offset ${at} repeats ${entry.rec.service.toString()})`,
    { offset: at, checkCode: -5 },
  );
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
