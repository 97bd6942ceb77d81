/**
 * The zero-copy peers.dat reader (bytes straight into the table image's columns, then the one loader
 * with batched hashing) against a reference model: the object decoders the reader used before
 * (`readRecordDisk`, `NetAddress.readV1/readV2`, `ByteReader`) feeding a literal, one-entry-at-a-time
 * transcription of Core's `AddrManImpl::Unserialize` with single (unbatched) bucket hashes. On random
 * tables, formats, asmaps and byte edits both must give the same table (every cell, entry, statistic,
 * id and vRandom position) or the same error (reason, offset and message).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { readRecordDisk } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan, PeersDatError, unwrapHashedFile, wrapHashedFile } from '../../src/addrman/index.js';
import { checkAddrman } from '../../src/addrman/consistency.js';
import { ADDRMAN_NEW_BUCKET_COUNT, ADDRMAN_NEW_BUCKETS_PER_ADDRESS } from '../../src/addrman/constants.js';
import { splitServices } from '../../src/addrman/entries.js';
import { allocColumns, ADDR_SLOT_BYTES } from '../../src/addrman/image.js';
import { PEERS_DAT_FILE_FORMAT, INCOMPATIBILITY_BASE, readPeersDat } from '../../src/addrman/peers-dat.js';
import { snapshotTable } from '../../src/addrman/restore.js';
import { AddrTable } from '../../src/addrman/table.js';
import { sha256 } from '../../src/util/hash.js';
import { ByteReader } from '../../src/util/bytes.js';
import { PeerbookError } from '../../src/util/errors.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST_MAGIC, testAsmapGroups } from './helpers.js';

const NOW = 1_700_000_000;

// ---- the reference model ---------------------------------------------------------------------------

/** Core's Unserialize, transcribed: object decoding, one entry at a time, single hashes. */
function referenceRead(file: Uint8Array, netgroups: NetGroupManager): AddrTable {
  let payload: Uint8Array;
  try {
    payload = unwrapHashedFile(file, REGTEST_MAGIC, 'peers.dat');
  } catch (err) {
    const m = (err as Error).message;
    const reason = /magic/.test(m) ? 'invalid-magic' : /Checksum/.test(m) ? 'checksum-mismatch' : 'truncated';
    throw new PeersDatError(reason, m, { offset: reason === 'checksum-mismatch' ? file.length - 32 : 0 });
  }
  const r = new ByteReader(payload);
  try {
    return referencePayload(r, netgroups);
  } catch (err) {
    if (err instanceof PeersDatError) throw err;
    const offset = 4 + r.offset;
    throw new PeersDatError('truncated', `peers.dat: ${err instanceof PeerbookError ? err.message : String(err)} (offset ${offset})`, { offset });
  }
}

function referencePayload(r: ByteReader, netgroups: NetGroupManager): AddrTable {
  const format = r.u8();
  const compatOffset = 4 + r.offset;
  const compat = r.u8();
  if (compat < INCOMPATIBILITY_BASE) throw new PeersDatError('corrupt-compat', 'compat', { offset: compatOffset });
  if (compat - INCOMPATIBILITY_BASE > PEERS_DAT_FILE_FORMAT) throw new PeersDatError('unsupported-version', 'version', { offset: compatOffset });
  const key = r.bytes(32);
  const countsOffset = 4 + r.offset;
  const nNew = r.i32le();
  const nTried = r.i32le();
  let nUBuckets = r.i32le();
  if (format >= 1) nUBuckets ^= 1 << 30;
  if (nNew > 65536 || nNew < 0) throw new PeersDatError('count-out-of-range', 'nNew', { offset: countsOffset });
  if (nTried > 16384 || nTried < 0) throw new PeersDatError('count-out-of-range', 'nTried', { offset: countsOffset + 4 });
  const allowV2 = format >= 3;

  // Every entry as objects (the decoders the reader used before).
  type Entry = { service: NetService; services: bigint; time: number; source: NetAddress; lastSuccess: number; attempts: number; at: number };
  const read: Entry[] = [];
  for (let n = 0; n < nNew + nTried; n++) {
    const at = 4 + r.offset;
    try {
      const rec = readRecordDisk(r, allowV2);
      const source = allowV2 ? NetAddress.readV2(r) : NetAddress.readV1(r);
      const lastSuccess = Number(r.i64le());
      const attempts = r.i32le();
      read.push({ service: rec.service, services: rec.services, time: rec.time, source, lastSuccess, attempts, at });
    } catch (err) {
      throw new PeersDatError('bad-record', `peers.dat: bad address record at entry ${n} (offset ${at}): ${(err as Error).message}`, { offset: at });
    }
  }
  const pairs: Array<[number, number]> = [];
  for (let bucket = 0; bucket < nUBuckets; bucket++) {
    const num = r.i32le();
    for (let i = 0; i < num; i++) {
      const index = r.i32le();
      if (index >= 0 && index < nNew) pairs.push([bucket, index]);
    }
  }
  const checksum = format >= 2 ? r.bytes(32) : new Uint8Array(32);
  if (!r.done) throw new PeersDatError('trailing-data', 'trailing', { offset: 4 + r.offset });

  // The table, its rows filled from the objects (slot = entry index, as the loader lays them out).
  const t = new AddrTable(key, netgroups, ChaChaRandom.fromSeed('reference'), sha256(key));
  const cols = allocColumns(read.length);
  read.forEach((x, i) => {
    cols.net[i] = x.service.addr.net;
    cols.addr.set(x.service.addr.bytes, i * ADDR_SLOT_BYTES);
    cols.port[i] = x.service.port;
    cols.srcNet[i] = x.source.net;
    cols.src.set(x.source.bytes, i * ADDR_SLOT_BYTES);
    cols.time[i] = x.time;
    [cols.svcLo[i], cols.svcHi[i]] = splitServices(x.services);
    cols.lastSuccess[i] = x.lastSuccess;
    cols.attempts[i] = x.attempts;
  });
  t.adoptColumns(cols, read.length);
  const duplicate = (i: number): PeersDatError =>
    new PeersDatError('duplicate-entry', `Corrupt data. Consistency check failed with code -5 (entry ${i} at offset ${read[i].at} repeats ${read[i].service.toString()})`, { offset: read[i].at, checkCode: -5 });
  const key34 = new Uint8Array(34);
  // New entries (Core: mapInfo[n]; an invalid one is never bucketed and pruned).
  for (let n = 0; n < nNew; n++) {
    const x = read[n];
    if (!x.service.addr.isValid()) continue;
    if (t.entries.find(x.service.addr, x.service.port) >= 0) throw duplicate(n);
    t.activateRow(n, n, x.service.addr.getNetwork(), x.service.addr.getNetClass());
  }
  // Tried entries: GetTriedBucket, GetBucketPosition; lost when invalid or the cell is taken.
  for (let n = nNew; n < nNew + nTried; n++) {
    const x = read[n];
    if (!x.service.addr.isValid()) continue;
    const len = t.entries.writeServiceKey(n, key34);
    const bucket = t.bucketer.triedBucket(key34, len, netgroups.getGroup(x.service.addr));
    const pos = t.bucketer.position(false, bucket, key34, len);
    if (t.triedCell(bucket, pos) !== -1) continue;
    if (t.entries.find(x.service.addr, x.service.port) >= 0) throw duplicate(n);
    t.activateRow(n, n, x.service.addr.getNetwork(), x.service.addr.getNetClass());
    t.placeTried(n, bucket, pos);
  }
  t.endAdoption();
  const restore = nUBuckets === ADDRMAN_NEW_BUCKET_COUNT && Buffer.from(checksum).equals(Buffer.from(netgroups.asmapChecksum()));
  for (const [b, index] of pairs) {
    if (!t.entries.isLive(index)) continue;
    if (t.entries.refCount[index] >= ADDRMAN_NEW_BUCKETS_PER_ADDRESS) continue;
    let bucket = b;
    let pos = restore ? t.bucketer.position(true, bucket, key34, t.entries.writeServiceKey(index, key34)) : -1;
    if (restore && t.newCell(bucket, pos) === -1) {
      t.placeNewRef(index, bucket, pos);
    } else {
      bucket = t.bucketer.newBucket(t.groupOf(index), netgroups.getGroup(t.entries.sourceAt(index)));
      pos = t.bucketer.position(true, bucket, key34, t.entries.writeServiceKey(index, key34));
      if (t.newCell(bucket, pos) === -1) t.placeNewRef(index, bucket, pos);
    }
  }
  for (let n = 0; n < nNew; n++) {
    if (t.entries.isLive(n) && t.entries.inTried[n] === 0 && t.entries.refCount[n] === 0) t.delete(n);
  }
  const code = checkAddrman(t, { peerbook: false, rehash: false });
  if (code !== 0) throw new PeersDatError('consistency', `Corrupt data. Consistency check failed with code ${code}`, { checkCode: code });
  return t;
}

// ---- random tables -----------------------------------------------------------------------------------

/** A small address space over every network (with invalid and unroutable members). */
function addressOf(n: number): NetService {
  const kind = n % 10;
  const k32 = (tag: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, j) => (j === 0 ? n & 0xff : j === 1 ? tag : 0));
  if (kind < 5) return new NetService(NetAddress.ipv4(Uint8Array.of(250, (n >> 3) & 7, 1, n & 0xff)), [0, 8333, 8334][n % 3]);
  if (kind < 7) return new NetService(NetAddress.ipv6(Uint8Array.of(0x20, 0x01, 0x48, n & 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, n & 0xff)), 8333);
  if (kind === 7) return new NetService(NetAddress.torV3(k32(1)), 8333);
  if (kind === 8) return new NetService(NetAddress.i2p(k32(2)), 0);
  return new NetService(NetAddress.cjdns(Uint8Array.of(0xfc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, n & 0xff)), 8333);
}

const sourceOf = (n: number): NetAddress => (n === 7 ? NetAddress.torV3(new Uint8Array(32).fill(5)) : NetAddress.ipv4(Uint8Array.of(251, n & 7, 1, 1)));

/** A table built by random adds, goods and re-announcements. */
function randomTable(seed: number, ops: Array<[number, number, number]>): AddrMan {
  const clock = new VirtualClock(NOW * 1000);
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed(seed) });
  for (const [kind, a, b] of ops) {
    if (kind < 6) {
      const addrs = Array.from({ length: 1 + (b % 9) }, (_, j) => addressOf((a + j * 37) % 300));
      man.add(addrs.map((s) => ({ service: s, services: BigInt(b) << BigInt(a % 40), time: NOW - (b % 7) * 1800 })), sourceOf(b));
    } else if (kind < 8) {
      man.good(addressOf(a % 300), NOW - b);
    } else {
      man.attempt(addressOf(a % 300), true, NOW - b);
    }
  }
  return man;
}

/** Everything observable about a table: its snapshot, ids and vRandom order. */
function describe(t: AddrTable): unknown {
  const e = t.entries;
  const order: string[] = [];
  for (let i = 0; i < e.randomLen; i++) order.push(e.serviceAt(e.randomOrder[i]).toString());
  const ids: Array<[string, number]> = [];
  for (let s = 0; s < e.slotLimit; s++) if (e.isLive(s)) ids.push([e.serviceAt(s).toString(), e.id[s]]);
  const snap = snapshotTable(t);
  return JSON.stringify({
    snap: { ...snap, entries: snap.entries.map((x) => ({ ...x, record: { ...x.record, service: x.record.service.toString() }, source: x.source.toString() })) },
    order, ids, nNew: t.nNew, nTried: t.nTried,
  }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

/** The outcome of a read: the described table, or the error's reason, offset and (when informative) message. */
function outcome(read: () => AddrTable, messages: boolean): unknown {
  try {
    return { table: describe(read()) };
  } catch (err) {
    assert.ok(err instanceof PeersDatError, `expected PeersDatError, got ${String(err)}`);
    // The reference words only the errors whose text the reader builds from decoded data.
    const keepMessage = messages && ['bad-record', 'truncated', 'duplicate-entry', 'consistency'].includes(err.reason);
    return { reason: err.reason, offset: err.offset, message: keepMessage ? err.message : undefined };
  }
}

function zeroCopyRead(file: Uint8Array, netgroups: NetGroupManager): AddrTable {
  return readPeersDat(file, REGTEST_MAGIC, { netgroups, makeTable: (key) => new AddrTable(key, netgroups, ChaChaRandom.fromSeed('zero-copy'), sha256(key)) });
}

const opsArb = fc.array(fc.tuple(fc.nat(9), fc.nat(1000), fc.nat(40)), { minLength: 5, maxLength: 80 });

test('zero-copy load equals the reference model (object decoding, Core\'s loop, single hashes) on random tables, V4 and V3', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), opsArb, fc.constantFrom(3, 4) as fc.Arbitrary<3 | 4>, fc.boolean(), (seed, ops, format, asmap) => {
      const file = randomTable(seed, ops).serialize(REGTEST_MAGIC, { format });
      // With asmap: the file's checksum differs from the reader's, so both re-bucket.
      const groups = asmap ? testAsmapGroups() : new NetGroupManager();
      const expected = outcome(() => referenceRead(file, groups), true);
      assert.ok('table' in (expected as object), 'a written table must load');
      assert.deepEqual(outcome(() => zeroCopyRead(file, groups), true), expected);
    }),
    { numRuns: 30 },
  );
});

test('zero-copy load equals the reference model on edited bytes: the same table or the same error', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e9 }), opsArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
      (seed, ops, edits) => {
        const payload = unwrapHashedFile(randomTable(seed, ops).serialize(REGTEST_MAGIC), REGTEST_MAGIC).slice();
        for (const [at, v] of edits) payload[at % payload.length] = v;
        const file = wrapHashedFile(REGTEST_MAGIC, payload);
        const groups = new NetGroupManager();
        assert.deepEqual(outcome(() => zeroCopyRead(file, groups), true), outcome(() => referenceRead(file, groups), true));
      },
    ),
    { numRuns: 120 },
  );
});

test('zero-copy load equals the reference model on v1-record formats (V0–V2, every address network)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), opsArb, fc.constantFrom(0, 1, 2), (seed, ops, format) => {
      // Rewrite a V3 file's records in the v1 disk form (addresses without a v1 form become invalid).
      const man = randomTable(seed, ops);
      const file = toV1Format(man.serialize(REGTEST_MAGIC, { format: 3 }), format);
      const groups = new NetGroupManager();
      assert.deepEqual(outcome(() => zeroCopyRead(file, groups), true), outcome(() => referenceRead(file, groups), true));
    }),
    { numRuns: 25 },
  );
});

/** Re-encodes a V3 peers.dat with v1 records (time, u64 services, 16-byte address, port; 16-byte source) as format 0–2. */
function toV1Format(v3: Uint8Array, format: number): Uint8Array {
  const p = unwrapHashedFile(v3, REGTEST_MAGIC);
  const r = new ByteReader(p);
  r.u8(); r.u8();
  const key = r.bytes(32);
  const nNew = r.i32le();
  const nTried = r.i32le();
  const nUBuckets = r.i32le() ^ (1 << 30);
  const out: number[] = [format, INCOMPATIBILITY_BASE + format, ...key];
  const i32 = (v: number): void => { out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff); };
  i32(nNew);
  i32(nTried);
  i32(format >= 1 ? nUBuckets ^ (1 << 30) : nUBuckets);
  for (let n = 0; n < nNew + nTried; n++) {
    const rec = readRecordDisk(r, true);
    const source = NetAddress.readV2(r);
    const lastSuccess = r.i64le();
    const attempts = r.i32le();
    i32(0);
    i32(rec.time);
    const s = splitServices(rec.services);
    i32(s[0]);
    i32(s[1]);
    out.push(...rec.service.addr.toV1(), rec.service.port >>> 8, rec.service.port & 0xff, ...source.toV1());
    i32(Number(BigInt.asUintN(32, lastSuccess)));
    i32(Number(BigInt.asIntN(32, lastSuccess >> 32n)));
    i32(attempts);
  }
  out.push(...r.bytes(r.remaining - 32));
  if (format >= 2) out.push(...new Uint8Array(32));
  return wrapHashedFile(REGTEST_MAGIC, Uint8Array.from(out));
}

test('zero-copy load equals the reference model when bucket lists are crowded: taken cells fall back to the own-source cell', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), opsArb, fc.nat(1023), fc.nat(1023), (seed, ops, a, b) => {
      const file = crowdBuckets(randomTable(seed, ops).serialize(REGTEST_MAGIC), a, b);
      const groups = new NetGroupManager();
      const expected = outcome(() => referenceRead(file, groups), true);
      assert.deepEqual(outcome(() => zeroCopyRead(file, groups), true), expected);
    }),
    { numRuns: 40 },
  );
});

/** Rewrites a V4 file's bucket lists so that every reference sits in bucket `a` or `b` (and each entry is listed in both). */
function crowdBuckets(v4: Uint8Array, a: number, b: number): Uint8Array {
  const p = unwrapHashedFile(v4, REGTEST_MAGIC);
  const r = new ByteReader(p);
  r.skip(2 + 32);
  const nNew = r.i32le();
  const nTried = r.i32le();
  r.skip(4);
  for (let n = 0; n < nNew + nTried; n++) {
    readRecordDisk(r, true);
    NetAddress.readV2(r);
    r.skip(12);
  }
  const head = p.subarray(0, r.offset);
  const lists = new Map<number, number[]>();
  for (let i = 0; i < nNew; i++) {
    for (const bucket of i % 3 === 0 ? [a, b] : [i % 2 ? a : b]) {
      const l = lists.get(bucket) ?? [];
      if (!l.includes(i)) l.push(i);
      lists.set(bucket, l);
    }
  }
  const out: number[] = [...head];
  const i32 = (v: number): void => { out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff); };
  for (let bucket = 0; bucket < ADDRMAN_NEW_BUCKET_COUNT; bucket++) {
    const l = lists.get(bucket) ?? [];
    i32(l.length);
    for (const i of l) i32(i);
  }
  out.push(...new Uint8Array(32));
  return wrapHashedFile(REGTEST_MAGIC, Uint8Array.from(out));
}
