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
 * Reading is two steps: `decodePeersDat` writes every entry straight into the columns of a table image
 * (image.ts) — numbers and address bytes copied from the file, no per-entry object, the same checks and
 * error messages as the object decoders (`readRecordDisk`, `NetAddress.readV2`) — and the one loader
 * (load.ts) places the image by Core's rules, adopting its columns as the table's storage.
 *
 * V3 and multiport: Core before V4 keyed entries by IP alone and rejects a file with two entries for
 * one IP (consistency code -5), so a V3 file keeps one entry per IP: a tried entry over new ones, then
 * the latest success, then the latest time, then the oldest entry. The others are left out.
 */
import type { NetGroupManager } from '../address/netgroup.js';
import { Bip155Net, INTERNAL_IN_IPV6_PREFIX, IPV4_IN_IPV6_PREFIX, MAX_ADDRV2_SIZE, TORV2_IN_IPV6_PREFIX } from '../address/netaddress.js';
import { Net } from '../address/network.js';
import { DISK_VERSION_ADDRV2, DISK_VERSION_IGNORE_MASK, DISK_VERSION_INIT } from '../address/record.js';
import { NetService } from '../address/service.js';
import { MAX_SIZE } from '../util/bytes.js';
import { DecodeError, PeerbookError } from '../util/errors.js';
import { sha256d } from '../util/hash.js';
import { DataFileError, HASHED_FILE_CHECKSUM_BYTES, unwrapHashedFile } from './hashed-file.js';
import {
  ADDRMAN_BUCKET_SIZE,
  ADDRMAN_NEW_BUCKET_COUNT,
  ADDRMAN_NEW_SLOTS,
  ADDRMAN_TRIED_SLOTS,
} from './constants.js';
import { makeNetAddress, type EntryTable } from './entries.js';
import { AddrManRestoreError, PeersDatError, PeersDatVersionError } from './errors.js';
import { ADDR_SLOT_BYTES, NOT_GIVEN, OWN_SOURCE_BUCKET, newImage, type EntryColumns, type TableImage } from './image.js';
import { loadImage } from './load.js';
import type { AddrTable } from './table.js';

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
const TWO_32 = 2 ** 32;

// ---- writing ---------------------------------------------------------------------------------------

/**
 * Serialises the table as a complete peers.dat file (magic, payload, checksum) in format 4 or 3. The
 * file's size is computed first and the bytes are written once, into the buffer that is returned:
 * no growing writer, no copy for the envelope (a full table is 5 MB; fresh allocations of that size
 * cost more than the encoding).
 */
export function writePeersDat(t: AddrTable, magic: Uint8Array, format: 3 | 4 = 4): Uint8Array {
  const e = t.entries;
  const keep = format === 3 ? onePerIp(t) : undefined;
  const limit = e.slotLimit;
  // Entries in file order: new entries (those with a reference), then tried ones; Core's indexes.
  const order = new Int32Array(e.live);
  const serialIndex = new Int32Array(limit).fill(-1);
  let nNew = 0;
  let size = magic.length + 2 + 32 + 12;
  for (let slot = 0; slot < limit; slot++) {
    if (!e.isLive(slot) || (keep && !keep[slot]) || e.refCount[slot] === 0) continue;
    serialIndex[slot] = nNew;
    order[nNew++] = slot;
    size += entryBytes(e, slot);
  }
  let count = nNew;
  for (let slot = 0; slot < limit; slot++) {
    if (!e.isLive(slot) || (keep && !keep[slot]) || e.refCount[slot] !== 0 || e.inTried[slot] === 0) continue;
    order[count++] = slot;
    size += entryBytes(e, slot);
  }
  let refs = 0;
  const vv = t.vvNew;
  for (let cell = 0; cell < vv.length; cell++) if (vv[cell] >= 0 && serialIndex[vv[cell]] >= 0) refs++;
  size += 4 * ADDRMAN_NEW_BUCKET_COUNT + 4 * refs + 32 + HASHED_FILE_CHECKSUM_BYTES;

  const out = new Uint8Array(size);
  const w = new FastWriter(out);
  w.bytes(magic);
  w.u8(format);
  w.u8(INCOMPATIBILITY_BASE + format); // lowest compatible = the format itself (V3 → 35, V4 → 36)
  w.bytes(t.bucketer.key);
  w.u32(nNew);
  w.u32(count - nNew);
  w.u32(ADDRMAN_NEW_BUCKET_COUNT ^ BUCKET_COUNT_XOR);
  for (let i = 0; i < count; i++) writeEntry(w, e, order[i]);
  for (let b = 0; b < ADDRMAN_NEW_BUCKET_COUNT; b++) {
    // The bucket's count, then its entries' indexes; the count is patched in after them.
    const countAt = w.pos;
    w.u32(0);
    let n = 0;
    for (let cell = b * ADDRMAN_BUCKET_SIZE, end = cell + ADDRMAN_BUCKET_SIZE; cell < end; cell++) {
      const s = vv[cell];
      if (s >= 0 && serialIndex[s] >= 0) {
        w.u32(serialIndex[s]);
        n++;
      }
    }
    if (n !== 0) w.patchU32(countAt, n);
  }
  w.bytes(t.netgroups.asmapChecksum());
  if (w.pos !== size - HASHED_FILE_CHECKSUM_BYTES) throw new Error(`peers.dat writer: wrote ${w.pos} bytes, sized ${size - HASHED_FILE_CHECKSUM_BYTES}`);
  out.set(sha256d(out.subarray(0, w.pos)), w.pos);
  return out;
}

/** Bytes of one serialised AddrInfo (V2 disk form). */
function entryBytes(e: EntryTable, slot: number): number {
  const lo = e.svcLo[slot];
  const hi = e.svcHi[slot];
  const services = hi !== 0 ? 9 : lo < 0xfd ? 1 : lo <= 0xffff ? 3 : 5;
  return 4 + 4 + services + addrV2Bytes(e.net[slot]) + 2 + addrV2Bytes(e.srcNet[slot]) + 8 + 4;
}

/** Bytes of an address in BIP155 form (internal and unroutable ones travel as 16-byte IPv6). */
function addrV2Bytes(net: number): number {
  return 2 + (net === Net.IPV4 ? 4 : net === Net.ONION || net === Net.I2P ? 32 : 16);
}

/** Writes one AddrInfo in V2 disk form. */
function writeEntry(w: FastWriter, e: EntryTable, slot: number): void {
  w.u32(DISK_VERSION_INIT | DISK_VERSION_ADDRV2);
  w.u32(toUint32(e.time[slot]));
  w.compactSize(e.svcLo[slot], e.svcHi[slot]);
  writeAddrV2(w, e.net[slot], e.addr, slot * ADDR_SLOT_BYTES);
  w.u8(e.port[slot] >>> 8);
  w.u8(e.port[slot] & 0xff);
  writeAddrV2(w, e.srcNet[slot], e.src, slot * ADDR_SLOT_BYTES);
  w.i64(e.lastSuccess[slot]);
  w.u32(e.attempts[slot]);
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
      w.u8(2); w.u8(16);
      w.from(INTERNAL_IN_IPV6_PREFIX, 0, 6);
      w.from(pool, off, 10);
      return;
    }
    default: w.u8(2); w.u8(16); w.zeros(16);
  }
}

/** Core's LossyChronoFormatter<uint32_t>: the time truncated to an unsigned 32-bit number. */
function toUint32(v: number): number {
  const t = Math.trunc(v);
  if (t >= 0 && t < TWO_32) return t;
  const r = t % TWO_32;
  return r < 0 ? r + TWO_32 : r;
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

/** A little-endian writer into a buffer sized exactly up front (no growth checks, no BigInt). */
class FastWriter {
  /** Bytes written. */
  pos = 0;

  /** @param buf the output (large enough for everything written). */
  constructor(private readonly buf: Uint8Array) {}

  /** One byte. */
  u8(v: number): void {
    this.buf[this.pos++] = v;
  }

  /** Little-endian 32-bit word (signed or unsigned). */
  u32(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v & 0xff;
    b[p + 1] = (v >>> 8) & 0xff;
    b[p + 2] = (v >>> 16) & 0xff;
    b[p + 3] = (v >>> 24) & 0xff;
    this.pos = p + 4;
  }

  /** Rewrites the little-endian 32-bit word at `at`. */
  patchU32(at: number, v: number): void {
    const b = this.buf;
    b[at] = v & 0xff;
    b[at + 1] = (v >>> 8) & 0xff;
    b[at + 2] = (v >>> 16) & 0xff;
    b[at + 3] = (v >>> 24) & 0xff;
  }

  /** Signed 64-bit of an integral double (|v| < 2^53). */
  i64(v: number): void {
    const t = Math.trunc(v);
    if (t >= 0 && t < TWO_32) {
      this.u32(t);
      this.u32(0);
      return;
    }
    const hi = Math.floor(t / TWO_32);
    this.u32(t - hi * TWO_32);
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
    const p = this.pos;
    for (let i = 0; i < len; i++) b[p + i] = pool[off + i];
    this.pos = p + len;
  }

  /** `n` zero bytes (the buffer starts zeroed). */
  zeros(n: number): void {
    this.pos += n;
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

/** A decoded peers.dat: the table image and where each entry started in the file (for error messages). */
export interface DecodedPeersDat {
  /** The image (Core rules): new entries, then tried entries, then the bucket references in file order. */
  image: TableImage;
  /** File offset of each entry. */
  entryOffsets: Int32Array;
}

/**
 * Parses a complete peers.dat file (magic, payload, checksum) into a new table, exactly as Core's
 * `Unserialize` rebuilds one: decoded into a table image, then placed by the one loader (load.ts)
 * under Core's rules. Throws `PeersDatVersionError` for a file from an incompatible newer format and
 * `PeersDatError` for everything else; never another error type.
 */
export function readPeersDat(file: Uint8Array, magic: Uint8Array, ctx: PeersDatReadContext): AddrTable {
  const { image, entryOffsets } = decodePeersDat(file, magic);
  const t = ctx.makeTable(image.key);
  try {
    loadImage(t, image);
  } catch (err) {
    if (!(err instanceof AddrManRestoreError)) throw err;
    if (err.index >= 0 && err.checkCode === -5) {
      const at = entryOffsets[err.index];
      const c = image.columns;
      const service = new NetService(makeNetAddress(c.net[err.index], c.addr, err.index * ADDR_SLOT_BYTES), c.port[err.index]);
      throw new PeersDatError(
        'duplicate-entry',
        `Corrupt data. Consistency check failed with code -5 (entry ${err.index} at offset ${at} repeats ${service.toString()})`,
        { offset: at, checkCode: -5, cause: err },
      );
    }
    throw new PeersDatError('consistency', `Corrupt data. Consistency check failed with code ${err.checkCode ?? 0}`, { checkCode: err.checkCode, cause: err });
  }
  return t;
}

/**
 * Decodes a complete peers.dat file into a table image without building the table. Every entry is
 * written straight into the image's columns (no per-entry objects). Throws `PeersDatError`.
 */
export function decodePeersDat(file: Uint8Array, magic: Uint8Array): DecodedPeersDat {
  let payload: Uint8Array;
  try {
    payload = unwrapHashedFile(file, magic, PEERS_DAT_FILE_NAME);
  } catch (err) {
    if (err instanceof DataFileError) {
      const reason = /magic/.test(err.message) ? 'invalid-magic' : /Checksum/.test(err.message) ? 'checksum-mismatch' : 'truncated';
      throw new PeersDatError(reason, err.message, { offset: reason === 'checksum-mismatch' ? file.length - 32 : 0, cause: err });
    }
    throw new PeersDatError('truncated', `${PEERS_DAT_FILE_NAME}: unreadable (${String(err)})`, { cause: err });
  }
  const r = new PayloadCursor(payload);
  try {
    return decodePayload(r);
  } catch (err) {
    if (err instanceof PeersDatError) throw err;
    const offset = PAYLOAD_OFFSET + r.pos;
    const what = err instanceof PeerbookError ? err.message : String(err);
    throw new PeersDatError('truncated', `${PEERS_DAT_FILE_NAME}: ${what} (offset ${offset})`, { offset, cause: err });
  }
}

function decodePayload(r: PayloadCursor): DecodedPeersDat {
  const format = r.u8();
  const compatOffset = PAYLOAD_OFFSET + r.pos;
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
  const key = r.copy(32);
  const countsOffset = PAYLOAD_OFFSET + r.pos;
  const nNew = r.i32();
  const nTried = r.i32();
  let nUBuckets = r.i32();
  if (format >= PeersDatFormat.V1_DETERMINISTIC) nUBuckets ^= BUCKET_COUNT_XOR;
  if (nNew > ADDRMAN_NEW_SLOTS || nNew < 0) {
    throw new PeersDatError('count-out-of-range', `Corrupt AddrMan serialization: nNew=${nNew}, should be in [0, ${ADDRMAN_NEW_SLOTS}] (${PEERS_DAT_FILE_NAME} offset ${countsOffset})`, { offset: countsOffset });
  }
  if (nTried > ADDRMAN_TRIED_SLOTS || nTried < 0) {
    throw new PeersDatError('count-out-of-range', `Corrupt AddrMan serialization: nTried=${nTried}, should be in [0, ${ADDRMAN_TRIED_SLOTS}] (${PEERS_DAT_FILE_NAME} offset ${countsOffset + 4})`, { offset: countsOffset + 4 });
  }

  // Entries: the new ones (Core ids 0..nNew-1), then the tried ones, each decoded into its row.
  const count = nNew + nTried;
  const image = newImage('core', key, count);
  const entryOffsets = new Int32Array(count);
  const allowV2 = format >= PeersDatFormat.V3_BIP155;
  const c = image.columns;
  for (let n = 0; n < count; n++) {
    const at = PAYLOAD_OFFSET + r.pos;
    entryOffsets[n] = at;
    try {
      readEntryInto(r, allowV2, c, n);
    } catch (err) {
      const what = err instanceof Error ? err.message : String(err);
      throw new PeersDatError('bad-record', `${PEERS_DAT_FILE_NAME}: bad address record at entry ${n} (offset ${at}): ${what}`, { offset: at, cause: err });
    }
    if (n >= nNew) image.inTried[n] = 1;
  }

  // Bucket contents: (bucket, index into the new entries) pairs, in file order. When the file's bucket
  // numbering is not Core's 1,024 buckets the numbers mean nothing: every pair asks for the entry's own source.
  const coreBuckets = nUBuckets === ADDRMAN_NEW_BUCKET_COUNT;
  for (let bucket = 0; bucket < nUBuckets; bucket++) {
    const num = r.i32();
    for (let i = 0; i < num; i++) {
      const index = r.i32();
      if (index < 0 || index >= nNew) continue;
      image.refs.push(index, coreBuckets ? bucket : OWN_SOURCE_BUCKET, NOT_GIVEN, NOT_GIVEN);
    }
  }
  image.newBucketCount = nUBuckets;
  image.asmapChecksum = format >= PeersDatFormat.V2_ASMAP ? r.copy(32) : new Uint8Array(32);

  if (!r.done) {
    const at = PAYLOAD_OFFSET + r.pos;
    throw new PeersDatError('trailing-data', `${PEERS_DAT_FILE_NAME}: ${r.remaining} unexpected bytes after the addrman data (offset ${at})`, { offset: at });
  }
  return { image, entryOffsets };
}

/**
 * Reads one AddrInfo (Core `CAddress` in disk form, its source, m_last_success, nAttempts) into row
 * `row` of the columns, as `readRecordDisk`, `NetAddress.readV1/readV2` and `ByteReader` read it, with
 * their error messages, but without building objects.
 */
function readEntryInto(r: PayloadCursor, allowV2: boolean, c: EntryColumns, row: number): void {
  const at = r.pos;
  const version = (r.u32() & ~DISK_VERSION_IGNORE_MASK) >>> 0;
  let v2: boolean;
  if (version === 0) v2 = false;
  else if (version === DISK_VERSION_ADDRV2 && allowV2) v2 = true;
  else throw new DecodeError(`Unsupported CAddress disk format version 0x${version.toString(16)} at offset ${at}`);
  c.time[row] = r.u32();
  if (v2) r.compactSize64();
  else r.u64();
  c.svcLo[row] = r.lo;
  c.svcHi[row] = r.hi;
  if (v2) readAddrV2(r, c.net, c.addr, row);
  else readAddrV1(r, c.net, c.addr, row);
  c.port[row] = r.u16be();
  if (allowV2) readAddrV2(r, c.srcNet, c.src, row);
  else readAddrV1(r, c.srcNet, c.src, row);
  r.u64();
  c.lastSuccess[row] = (r.hi | 0) * TWO_32 + r.lo; // int64, exact below 2^53 (Number(BigInt) rounds the same way above)
  c.attempts[row] = r.i32();
}

/** Core `UnserializeV1Stream` (NetAddress.fromV1) into a (net, pool) column pair; invalid = IPv6 `::` (zeros). */
function readAddrV1(r: PayloadCursor, net: Uint8Array, pool: Uint8Array, row: number): void {
  const b = r.bytes;
  const p = r.take(16);
  const off = row * ADDR_SLOT_BYTES;
  if (hasPrefixAt(b, p, IPV4_IN_IPV6_PREFIX)) {
    net[row] = Net.IPV4;
    copy(b, p + 12, pool, off, 4);
  } else if (hasPrefixAt(b, p, TORV2_IN_IPV6_PREFIX)) {
    net[row] = Net.IPV6; // invalid: left all zero
  } else if (hasPrefixAt(b, p, INTERNAL_IN_IPV6_PREFIX)) {
    net[row] = Net.INTERNAL;
    copy(b, p + 6, pool, off, 10);
  } else {
    net[row] = Net.IPV6;
    copy(b, p, pool, off, 16);
  }
}

/** Core `UnserializeV2Stream` (NetAddress.readV2) into a (net, pool) column pair; invalid = IPv6 `::` (zeros). */
function readAddrV2(r: PayloadCursor, net: Uint8Array, pool: Uint8Array, row: number): void {
  const netId = r.u8();
  const size = r.compactSize();
  if (size > MAX_ADDRV2_SIZE) throw new DecodeError(`Address too long: ${size} > ${MAX_ADDRV2_SIZE}`);
  const expected = netId < BIP155_SIZE.length ? BIP155_SIZE[netId] : 0;
  net[row] = Net.IPV6; // invalid unless set below
  if (expected === 0) {
    r.take(size);
    return;
  }
  if (size !== expected) throw new DecodeError(`BIP155 ${BIP155_NAME[netId]} address with length ${size} (should be ${expected})`);
  const b = r.bytes;
  const p = r.take(size);
  const off = row * ADDR_SLOT_BYTES;
  switch (netId) {
    case Bip155Net.IPV4: net[row] = Net.IPV4; copy(b, p, pool, off, 4); return;
    case Bip155Net.TORV2: return;
    case Bip155Net.TORV3: net[row] = Net.ONION; copy(b, p, pool, off, 32); return;
    case Bip155Net.I2P: net[row] = Net.I2P; copy(b, p, pool, off, 32); return;
    case Bip155Net.CJDNS: net[row] = Net.CJDNS; copy(b, p, pool, off, 16); return;
    default:
      if (hasPrefixAt(b, p, INTERNAL_IN_IPV6_PREFIX)) {
        net[row] = Net.INTERNAL;
        copy(b, p + 6, pool, off, 10);
      } else if (!hasPrefixAt(b, p, IPV4_IN_IPV6_PREFIX) && !hasPrefixAt(b, p, TORV2_IN_IPV6_PREFIX)) {
        copy(b, p, pool, off, 16);
      }
  }
}

/** BIP155 address sizes by network id (0: unknown id), and names (NetAddress.readV2's tables). */
const BIP155_SIZE: readonly number[] = [0, 4, 16, 10, 32, 32, 16];
const BIP155_NAME: readonly string[] = ['', 'IPv4', 'IPv6', 'TORv2', 'TORv3', 'I2P', 'CJDNS'];

function hasPrefixAt(b: Uint8Array, p: number, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (b[p + i] !== prefix[i]) return false;
  return true;
}

function copy(from: Uint8Array, at: number, to: Uint8Array, off: number, len: number): void {
  for (let i = 0; i < len; i++) to[off + i] = from[at + i];
}

/**
 * A read position in the payload with `ByteReader`'s semantics and error messages (end of data,
 * non-canonical and oversized CompactSize), reading numbers without allocating.
 */
class PayloadCursor {
  /** The payload. */
  readonly bytes: Uint8Array;
  /** The offset of the next byte. */
  pos = 0;
  /** Low and high words of the last `compactSize64` or `u64`. */
  lo = 0;
  hi = 0;

  /** @param bytes the payload (not copied). */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  get done(): boolean {
    return this.pos === this.bytes.length;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Skips `n` bytes, returning the offset they start at. */
  take(n: number): number {
    this.need(n);
    const p = this.pos;
    this.pos += n;
    return p;
  }

  /** A copy of the next `n` bytes. */
  copy(n: number): Uint8Array {
    const p = this.take(n);
    return this.bytes.slice(p, p + n);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  u16le(): number {
    const p = this.take(2);
    return this.bytes[p] | (this.bytes[p + 1] << 8);
  }

  u16be(): number {
    const p = this.take(2);
    return (this.bytes[p] << 8) | this.bytes[p + 1];
  }

  u32(): number {
    return this.i32() >>> 0;
  }

  i32(): number {
    const p = this.take(4);
    const b = this.bytes;
    return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
  }

  /** `ByteReader.compactSize()` (range-checked against MAX_SIZE). */
  compactSize(): number {
    if (this.pos < this.bytes.length && this.bytes[this.pos] !== 0xff) {
      const first = this.bytes[this.pos++];
      if (first < 0xfd) return first;
      let v: number;
      if (first === 0xfd) {
        v = this.u16le();
        if (v < 0xfd) throw new DecodeError('non-canonical ReadCompactSize()');
      } else {
        v = this.u32();
        if (v < 0x10000) throw new DecodeError('non-canonical ReadCompactSize()');
      }
      if (v > MAX_SIZE) throw new DecodeError('ReadCompactSize(): size too large');
      return v;
    }
    this.compactSize64();
    if (this.hi !== 0 || this.lo > MAX_SIZE) throw new DecodeError('ReadCompactSize(): size too large');
    return this.lo;
  }

  /** `ByteReader.compactSizeBig()` as two 32-bit words in `lo`, `hi`. */
  compactSize64(): void {
    const first = this.u8();
    this.hi = 0;
    if (first < 0xfd) {
      this.lo = first;
    } else if (first === 0xfd) {
      this.lo = this.u16le();
      if (this.lo < 0xfd) throw new DecodeError('non-canonical ReadCompactSize()');
    } else if (first === 0xfe) {
      this.lo = this.u32();
      if (this.lo < 0x10000) throw new DecodeError('non-canonical ReadCompactSize()');
    } else {
      this.u64();
      if (this.hi === 0) throw new DecodeError('non-canonical ReadCompactSize()');
    }
  }

  /** A little-endian 64-bit number into `lo`, `hi` (unsigned words). */
  u64(): void {
    const p = this.take(8);
    const b = this.bytes;
    this.lo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
    this.hi = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
  }

  private need(n: number): void {
    if (this.bytes.length - this.pos < n) {
      throw new DecodeError(`end of data: need ${n} bytes at offset ${this.pos}, have ${this.bytes.length - this.pos}`);
    }
  }
}
