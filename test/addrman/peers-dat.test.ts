/**
 * peers.dat: Core's feature_addrman.py cases on hand-built files, addrman_tests.cpp's serialization
 * tests (load_addrman, load_addrman_corrupted, addrman_serialization, remove_invalid), every readable
 * format (V0–V4), V3 writing, and a fuzz test that random input only ever yields typed errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { writeRecordDisk, type AddressRecord } from '../../src/address/record.js';
import type { NetAddress } from '../../src/address/netaddress.js';
import { AddrMan, PeersDatError, PeersDatVersionError, unwrapHashedFile, wrapHashedFile } from '../../src/addrman/index.js';
import { ByteWriter } from '../../src/util/bytes.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST_MAGIC, SIGNET_MAGIC, coreAddrman, ip, rec, svc, testAsmapGroups } from './helpers.js';

/** feature_addrman.py `serialize_addrman`: an empty addrman file with chosen header fields. */
function serializeAddrman(opts: {
  format?: number; lowestCompatible?: number; magic?: Uint8Array; bucketKey?: number; lenNew?: number; lenTried?: number; mockChecksum?: Uint8Array;
} = {}): Uint8Array {
  const w = new ByteWriter();
  w.bytes(opts.magic ?? REGTEST_MAGIC);
  w.u8(opts.format ?? 1);
  w.u8((32 + (opts.lowestCompatible ?? 4)) & 0xff);
  const key = new Uint8Array(32);
  key[0] = opts.bucketKey ?? 1;
  w.bytes(key);
  w.i32le(opts.lenNew ?? 0);
  w.i32le(opts.lenTried ?? 0);
  w.i32le(1024 ^ (1 << 30));
  for (let i = 0; i < 1024; i++) w.i32le(0);
  const body = w.toBytes();
  if (opts.mockChecksum) return new Uint8Array([...body, ...opts.mockChecksum]);
  return wrapHashedFile(body.subarray(0, 4), body.subarray(4));
}

function load(file: Uint8Array, netgroups = new NetGroupManager(), magic = REGTEST_MAGIC): AddrMan {
  return AddrMan.deserialize(file, magic, { clock: new VirtualClock(), random: ChaChaRandom.fromSeed('load'), netgroups, consistencyCheckRatio: 1 });
}

function peersDatError(fn: () => unknown): PeersDatError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PeersDatError, `expected PeersDatError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

test('feature_addrman: a hand-built empty peers.dat (format 1, lowest compatible 4) loads with 0 addresses', () => {
  const man = load(serializeAddrman());
  assert.equal(man.size(), 0);
});

test('feature_addrman: compat byte 0 is "Corrupted addrman database" (negative lowest_compatible)', () => {
  const err = peersDatError(() => load(serializeAddrman({ lowestCompatible: -32 })));
  assert.equal(err.reason, 'corrupt-compat');
  assert.equal(err.code, 'ERR_PEERS_DAT');
  assert.match(err.message, /^Corrupted addrman database: The compat value \(0\) is lower than the expected minimum value 32\./);
  assert.equal(err.offset, 5);
});

test('feature_addrman: a file from the future is a PeersDatVersionError, so the caller can back it up', () => {
  const err = peersDatError(() => load(serializeAddrman({ lowestCompatible: 111 })));
  assert.ok(err instanceof PeersDatVersionError);
  assert.equal(err.code, 'ERR_PEERS_DAT_VERSION');
  assert.equal(err.reason, 'unsupported-version');
  assert.match(err.message, /^Unsupported format of addrman database: 1\. It is compatible with formats >=111, but the maximum supported by this version of Peerbook is 4\./);
});

test('feature_addrman: a truncated file fails its checksum', () => {
  const err = peersDatError(() => load(serializeAddrman().subarray(0, -1)));
  assert.equal(err.reason, 'checksum-mismatch');
  assert.match(err.message, /Checksum mismatch, data corrupted/);
});

test('feature_addrman: the wrong network magic is "Invalid network magic number"', () => {
  const err = peersDatError(() => load(serializeAddrman({ magic: SIGNET_MAGIC })));
  assert.equal(err.reason, 'invalid-magic');
  assert.match(err.message, /Invalid network magic number/);
});

test('feature_addrman: a wrong checksum is "Checksum mismatch, data corrupted"', () => {
  const err = peersDatError(() => load(serializeAddrman({ mockChecksum: new Uint8Array(32).fill(0xab) })));
  assert.equal(err.reason, 'checksum-mismatch');
  assert.match(err.message, /Checksum mismatch, data corrupted/);
});

test('feature_addrman: nTried and nNew out of range use Core\'s message', () => {
  const cases: [Parameters<typeof serializeAddrman>[0], RegExp][] = [
    [{ lenTried: -1 }, /^Corrupt AddrMan serialization: nTried=-1, should be in \[0, 16384\]/],
    [{ lenTried: 16385 }, /^Corrupt AddrMan serialization: nTried=16385, should be in \[0, 16384\]/],
    [{ lenNew: -1 }, /^Corrupt AddrMan serialization: nNew=-1, should be in \[0, 65536\]/],
    [{ lenNew: 65537 }, /^Corrupt AddrMan serialization: nNew=65537, should be in \[0, 65536\]/],
  ];
  for (const [opts, re] of cases) {
    const err = peersDatError(() => load(serializeAddrman(opts)));
    assert.equal(err.reason, 'count-out-of-range');
    assert.match(err.message, re);
  }
});

test('feature_addrman: an all-zero key fails the consistency check with code -16', () => {
  const err = peersDatError(() => load(serializeAddrman({ bucketKey: 0 })));
  assert.equal(err.reason, 'consistency');
  assert.equal(err.checkCode, -16);
  assert.equal(err.message, 'Corrupt data. Consistency check failed with code -16');
});

test('load_addrman: a serialised addrman with three addresses loads into a non-deterministic one', () => {
  const { man } = coreAddrman();
  const source = ip('252.5.1.1');
  assert.equal(man.add([rec(svc('250.7.1.1', 8333)), rec(svc('250.7.2.2', 9999)), rec(svc('250.7.3.3', 9999))], source), true);
  assert.equal(man.size(), 3);
  const loaded = load(man.serialize(REGTEST_MAGIC));
  assert.equal(loaded.size(), 3);
});

test('load_addrman_corrupted: a file claiming 10 + 10 entries but holding one is rejected at entry 1', () => {
  const w = new ByteWriter();
  w.u8(1).u8(32);
  const one = new Uint8Array(32);
  one[0] = 1;
  w.bytes(one).i32le(10).i32le(10).i32le(1024 ^ (1 << 30));
  writeRecordDisk(w, rec(svc('252.1.1.1', 7777)), false);
  w.bytes(ip('252.2.2.2').toV1()).i64le(0).i32le(0);
  const err = peersDatError(() => load(wrapHashedFile(REGTEST_MAGIC, w.toBytes())));
  assert.equal(err.reason, 'bad-record');
  assert.match(err.message, /bad address record at entry 1 \(offset \d+\): end of data/);
});

test('addrman_serialization: the same asmap restores identical positions; a changed asmap re-buckets', () => {
  const withAsmap = testAsmapGroups();
  const noAsmap = new NetGroupManager();
  const addr = rec(svc('250.1.1.1'));
  const asmap1 = coreAddrman({ netgroups: withAsmap }).man;
  asmap1.add([addr], ip('::'));
  const file = asmap1.serialize(REGTEST_MAGIC);
  const dup = load(file, withAsmap);
  const pos1 = asmap1.findEntry(addr.service)!;
  const pos2 = dup.findEntry(addr.service)!;
  assert.notEqual(pos1.multiplicity, 0);
  assert.notEqual(pos2.multiplicity, 0);
  assert.deepEqual(pos1, pos2);

  const noasmap = load(file, noAsmap);
  const pos3 = noasmap.findEntry(addr.service)!;
  assert.notEqual(pos3.multiplicity, 0);
  assert.notEqual(pos1.bucket, pos3.bucket);
  assert.notEqual(pos1.position, pos3.position);

  const noasmap2 = coreAddrman({ netgroups: noAsmap }).man;
  noasmap2.add([addr], ip('::'));
  const reloaded = load(noasmap2.serialize(REGTEST_MAGIC), withAsmap);
  const pos4 = reloaded.findEntry(addr.service)!;
  assert.notEqual(pos4.multiplicity, 0);
  assert.notEqual(pos4.bucket, pos3.bucket);
  assert.deepEqual(pos4, pos2);

  const noasmap3 = coreAddrman({ netgroups: noAsmap }).man;
  const addr2 = rec(svc('250.2.1.1'));
  noasmap3.add([addr, addr2], ip('::'));
  const pos5 = noasmap3.findEntry(addr.service)!;
  const pos6 = noasmap3.findEntry(addr2.service)!;
  assert.notEqual(pos5.bucket, pos6.bucket);
  const asmapped = load(noasmap3.serialize(REGTEST_MAGIC), withAsmap);
  const pos7 = asmapped.findEntry(addr.service)!;
  const pos8 = asmapped.findEntry(addr2.service)!;
  assert.equal(pos7.bucket, pos8.bucket);
  assert.notEqual(pos7.position, pos8.position);
});

test('remove_invalid: entries rewritten to 0.0.0.0 (new) and 255.255.255.255 (tried) are dropped on load', () => {
  const { man } = coreAddrman();
  const new1 = rec(svc('5.5.5.5'));
  const new2 = rec(svc('6.6.6.6'));
  const tried1 = rec(svc('7.7.7.7'));
  const tried2 = rec(svc('8.8.8.8'));
  man.add([new1, tried1, new2, tried2], ip('::'));
  man.good(tried1.service);
  man.good(tried2.service);
  assert.equal(man.size(), 4);
  const payload = new Uint8Array(unwrapHashedFile(man.serialize(REGTEST_MAGIC), REGTEST_MAGIC));
  const replace = (from: number[], to: number[]): void => {
    const at = indexOf(payload, from);
    assert.ok(at >= 0);
    payload.set(to, at);
  };
  replace([6, 6, 6, 6], [0, 0, 0, 0]);
  replace([8, 8, 8, 8], [255, 255, 255, 255]);
  const loaded = load(wrapHashedFile(REGTEST_MAGIC, payload));
  assert.equal(loaded.size(), 2);
});

test('a V4 file starts with format 4 and compat 36; a V3 file with format 3 and compat 35', () => {
  const { man } = coreAddrman();
  man.add([rec(svc('250.7.1.1', 8333))], ip('252.5.1.1'));
  const v4 = unwrapHashedFile(man.serialize(REGTEST_MAGIC), REGTEST_MAGIC);
  assert.deepEqual([v4[0], v4[1]], [4, 36]);
  const v3 = unwrapHashedFile(man.serialize(REGTEST_MAGIC, { format: 3 }), REGTEST_MAGIC);
  assert.deepEqual([v3[0], v3[1]], [3, 35]);
});

test('a V3 file keeps one entry per IP (pre-multiport Core rejects two): the tried one wins', () => {
  const { man } = coreAddrman();
  const a = svc('250.7.1.1', 8333);
  const b = svc('250.7.1.1', 8334);
  const c = svc('250.7.1.1', 8335);
  man.add([rec(a), rec(b), rec(c), rec(svc('250.8.1.1', 8333))], ip('252.5.1.1'));
  assert.equal(man.good(b), true);
  assert.equal(man.size(), 4);
  const v3 = load(man.serialize(REGTEST_MAGIC, { format: 3 }));
  assert.equal(v3.size(), 2);
  assert.equal(v3.findEntry(b)!.inTried, true);
  assert.equal(v3.findEntry(a), undefined);
  assert.equal(v3.findEntry(c), undefined);
  const v4 = load(man.serialize(REGTEST_MAGIC));
  assert.equal(v4.size(), 4);
});

/** A test-only writer for old formats: entries as (record, source, lastSuccess, attempts). */
interface FileEntry {
  record: AddressRecord;
  source: NetAddress;
  lastSuccess?: number;
  attempts?: number;
}
function oldFormatFile(format: number, key: Uint8Array, news: FileEntry[], tried: FileEntry[], buckets: Map<number, number[]>, checksum?: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  w.u8(format).u8(32 + Math.min(format, 3)); // V0–V2 files carried 32 (the key size) here; V3 wrote 35
  w.bytes(key).i32le(news.length).i32le(tried.length);
  w.i32le(format === 0 ? 1024 : 1024 ^ (1 << 30));
  const v2 = format >= 3;
  for (const e of [...news, ...tried]) {
    writeRecordDisk(w, e.record, v2);
    if (v2) e.source.writeV2(w);
    else w.bytes(e.source.toV1());
    w.i64le(e.lastSuccess ?? 0).i32le(e.attempts ?? 0);
  }
  for (let b = 0; b < 1024; b++) {
    const list = buckets.get(b) ?? [];
    w.i32le(list.length);
    for (const i of list) w.i32le(i);
  }
  if (format >= 2) w.bytes(checksum ?? new Uint8Array(32));
  return wrapHashedFile(REGTEST_MAGIC, w.toBytes());
}

test('formats V0, V1 and V2 (v1 address records) and V3 (BIP155 records) are read', () => {
  const { man } = coreAddrman();
  const key = new Uint8Array(32);
  key[0] = 1;
  const now = 1_700_000_000;
  const news = [
    { record: rec(svc('250.1.1.1', 8333), 1n, now), source: ip('252.2.2.2') },
    { record: rec(svc('2001:4860::8888', 8333), 9n, now), source: ip('252.2.2.2') },
  ];
  const tried = [{ record: rec(svc('250.9.9.9', 8333), 1n, now), source: ip('252.2.2.2'), lastSuccess: now - 100, attempts: 0 }];
  // Bucket the new entries where a fresh addrman with the same key would put them.
  const buckets = new Map<number, number[]>();
  man.add(news.map((e) => e.record), ip('252.2.2.2'));
  news.forEach((e, i) => {
    const loc = man.findEntry(e.record.service)!;
    buckets.set(loc.bucket, [...(buckets.get(loc.bucket) ?? []), i]);
  });
  for (const format of [0, 1, 2, 3]) {
    const loaded = load(oldFormatFile(format, key, news, tried, buckets));
    assert.equal(loaded.size(), 3, `format ${format}`);
    assert.equal(loaded.size({ inNew: false }), 1, `format ${format}`);
    const info = loaded.getInfo(svc('2001:4860::8888', 8333))!;
    assert.equal(info.record.services, 9n);
    assert.equal(info.record.time, now);
    const t = loaded.getInfo(svc('250.9.9.9', 8333))!;
    assert.equal(t.inTried, true);
    assert.equal(t.lastSuccess, now - 100);
  }
});

test('a V2 file with another asmap checksum is re-bucketed by each entry\'s own source', () => {
  const key = new Uint8Array(32);
  key[0] = 1;
  const now = 1_700_000_000;
  const news = [{ record: rec(svc('250.1.1.1', 8333), 1n, now), source: ip('252.2.2.2') }];
  // Put the entry in bucket 7, which is not its hashed bucket: restored only if the checksums match.
  const file = oldFormatFile(2, key, news, [], new Map([[7, [0]]]), new Uint8Array(32).fill(1));
  const loaded = load(file);
  const loc = loaded.findEntry(news[0].record.service)!;
  const entries = loaded.getEntries(false);
  assert.equal(entries.length, 1);
  assert.equal(entries[0].bucket, loc.bucket);
  assert.notEqual(loc.bucket, 7);
  const same = load(oldFormatFile(2, key, news, [], new Map([[7, [0]]])));
  assert.equal(same.getEntries(false)[0].bucket, 7);
});

test('a V0 file (bucket count not XOR-ed) with another bucket count is re-bucketed', () => {
  const w = new ByteWriter();
  const key = new Uint8Array(32);
  key[0] = 1;
  w.u8(0).u8(32).bytes(key).i32le(1).i32le(0).i32le(256); // 256 new buckets, the pre-2015 layout
  writeRecordDisk(w, rec(svc('250.1.1.1', 8333), 1n, 1_700_000_000), false);
  w.bytes(ip('252.2.2.2').toV1()).i64le(0).i32le(0);
  for (let b = 0; b < 256; b++) {
    w.i32le(b === 3 ? 1 : 0);
    if (b === 3) w.i32le(0);
  }
  const loaded = load(wrapHashedFile(REGTEST_MAGIC, w.toBytes()));
  assert.equal(loaded.size(), 1);
  const loc = loaded.findEntry(svc('250.1.1.1', 8333))!;
  assert.equal(loaded.getEntries(false)[0].bucket, loc.bucket);
});

test('two entries with the same address and port are rejected like Core\'s check (code -5)', () => {
  const key = new Uint8Array(32);
  key[0] = 1;
  const e = { record: rec(svc('250.1.1.1', 8333), 1n, 1_700_000_000), source: ip('252.2.2.2') };
  const err = peersDatError(() => load(oldFormatFile(3, key, [e, e], [], new Map([[1, [0, 1]]]))));
  assert.equal(err.reason, 'duplicate-entry');
  assert.equal(err.checkCode, -5);
  assert.match(err.message, /entry 1 at offset \d+ repeats 250\.1\.1\.1:8333/);
});

test('invalid addresses from old files (e.g. Tor v2, read as ::) are dropped, however many share a key', () => {
  const key = new Uint8Array(32);
  key[0] = 1;
  const torV2 = new Uint8Array([0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const w = new ByteWriter();
  w.u8(1).u8(32).bytes(key).i32le(3).i32le(0).i32le(1024 ^ (1 << 30));
  for (let i = 0; i < 2; i++) {
    w.u32le(200000).u32le(1_700_000_000).u64le(1n).bytes(torV2).u16be(8333);
    w.bytes(ip('252.2.2.2').toV1()).i64le(0).i32le(0);
  }
  writeRecordDisk(w, rec(svc('250.1.1.1', 8333), 1n, 1_700_000_000), false);
  w.bytes(ip('252.2.2.2').toV1()).i64le(0).i32le(0);
  for (let b = 0; b < 1024; b++) {
    w.i32le(b === 5 ? 3 : 0); // every entry referenced from bucket 5
    if (b === 5) w.i32le(0).i32le(1).i32le(2);
  }
  const loaded = load(wrapHashedFile(REGTEST_MAGIC, w.toBytes()));
  assert.equal(loaded.size(), 1);
});

test('trailing bytes after the addrman data are refused with their offset', () => {
  const { man } = coreAddrman();
  const payload = unwrapHashedFile(man.serialize(REGTEST_MAGIC), REGTEST_MAGIC);
  const longer = new Uint8Array([...payload, 0, 0]);
  const err = peersDatError(() => load(wrapHashedFile(REGTEST_MAGIC, longer)));
  assert.equal(err.reason, 'trailing-data');
  assert.equal(err.offset, 4 + payload.length);
});

test('random bytes never crash the reader with an untyped error (fuzz)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (body, withHeader) => {
      const payload = withHeader ? new Uint8Array([4, 36, 1, ...new Uint8Array(31), ...body]) : body;
      const file = wrapHashedFile(REGTEST_MAGIC, payload);
      try {
        load(file);
      } catch (err) {
        if (!(err instanceof PeersDatError)) throw err;
      }
    }),
    { numRuns: 400 },
  );
});

test('bit flips in a valid file (checksum recomputed) only ever yield a table or a PeersDatError (fuzz)', () => {
  const { man } = coreAddrman();
  man.add([rec(svc('250.7.1.1', 8333), 1n, 1_700_000_000), rec(svc('2001:db9::1', 8333), 9n, 1_700_000_000)], ip('252.5.1.1'));
  man.good(svc('250.7.1.1', 8333));
  const payload = unwrapHashedFile(man.serialize(REGTEST_MAGIC), REGTEST_MAGIC);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(payload.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
      const copy = new Uint8Array(payload);
      for (const [at, v] of edits) copy[at] = v;
      try {
        const loaded = load(wrapHashedFile(REGTEST_MAGIC, copy));
        assert.equal(loaded.checkConsistency(), 0);
      } catch (err) {
        if (!(err instanceof PeersDatError)) throw err;
      }
    }),
    { numRuns: 300 },
  );
});

function indexOf(hay: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

test('a peers.dat cut to 4-35 bytes with the right magic is reported as truncated, not as a wrong magic', () => {
  const whole = serializeAddrman();
  for (let n = 0; n < 36; n++) {
    const err = peersDatError(() => load(whole.subarray(0, n)));
    assert.equal(err.reason, 'truncated', `${n} bytes`);
    assert.match(err.message, /end of data/, `${n} bytes`);
  }
  const wrong = whole.slice(0, 10);
  wrong[0] ^= 1;
  assert.equal(peersDatError(() => load(wrong)).reason, 'invalid-magic', 'a short file with a wrong magic is judged by the magic, as Core reads it first');
});
