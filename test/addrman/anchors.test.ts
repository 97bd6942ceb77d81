import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetService } from '../../src/address/service.js';
import type { AddressRecord } from '../../src/address/record.js';
import { decodeAnchors, encodeAnchors, MAX_BLOCK_RELAY_ONLY_ANCHORS } from '../../src/addrman/anchors.js';
import { DataFileError } from '../../src/addrman/hashed-file.js';
import { ByteWriter } from '../../src/util/bytes.js';
import { sha256d } from '../../src/util/hash.js';
import { bytesToHex, hexToBytes } from '../../src/util/hex.js';

const REGTEST = hexToBytes('fabfb5da');
const MAINNET = hexToBytes('f9beb4d9');
const ONION = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';

function rec(text: string, services = 0n, time = 1_700_000_000): AddressRecord {
  return { service: NetService.parse(text), services, time };
}

test('anchors.dat with two 127.0.0.1 peers contains each address and port in addrv2 form (feature_anchors.py)', () => {
  const file = encodeAnchors(REGTEST, [rec('127.0.0.1:18444'), rec('127.0.0.1:45678')]);
  const hex = bytesToHex(file);
  for (const port of [18444, 45678]) assert.ok(hex.includes('7f000001' + port.toString(16)), `port ${port}`);
  assert.ok(!hex.includes('7f000001' + (12345).toString(16)));
  const back = decodeAnchors(REGTEST, file);
  assert.deepEqual(back.map((r) => r.service.toString()), ['127.0.0.1:18444', '127.0.0.1:45678']);
});

test('anchors.dat is magic, CompactSize count, V2 disk records and sha256d, byte for byte', () => {
  const file = encodeAnchors(REGTEST, [rec('1.2.3.4:8333', 0x409n, 0x01020304)]);
  const body = 'fabfb5da' + '01' + '605b0320' + '04030201' + 'fd0904' + '01' + '04' + '01020304' + '208d';
  assert.equal(bytesToHex(file.subarray(0, file.length - 32)), body);
  assert.equal(bytesToHex(file.subarray(file.length - 32)), bytesToHex(sha256d(hexToBytes(body))));
});

test('an onion anchor is written in addrv2 form with its services byte at offset 13', () => {
  const file = encodeAnchors(REGTEST, [rec(`${ONION}:8333`, 0n)]);
  assert.equal(file[13], 0, 'services CompactSize follows magic(4), count(1), version(4), time(4)');
  assert.equal(file[14], 4, 'BIP155 network id TORv3');
  assert.equal(decodeAnchors(REGTEST, file)[0].service.toString(), `${ONION}:8333`);
  // feature_anchors.py patches the services byte and recomputes the hash; the file then loads with them.
  const patched = Uint8Array.from(file);
  patched[13] = 0x08; // NODE_WITNESS
  patched.set(sha256d(patched.subarray(0, patched.length - 32)), patched.length - 32);
  assert.equal(decodeAnchors(REGTEST, patched)[0].services, 8n);
});

test('a byte inserted at offset 20 makes anchors.dat fail to load (feature_anchors.py)', () => {
  const file = encodeAnchors(REGTEST, [rec('127.0.0.1:18444'), rec('127.0.0.1:45678')]);
  const corrupt = new Uint8Array(file.length + 1);
  corrupt.set(file.subarray(0, 20), 0);
  corrupt[20] = 0xff;
  corrupt.set(file.subarray(20), 21);
  assert.throws(() => decodeAnchors(REGTEST, corrupt), (e: Error) => e instanceof DataFileError && /Checksum mismatch/.test(e.message));
});

test('encoding keeps only the first MAX_BLOCK_RELAY_ONLY_ANCHORS records', () => {
  const records = [rec('1.1.1.1:1'), rec('2.2.2.2:2'), rec('3.3.3.3:3'), rec('4.4.4.4:4')];
  const file = encodeAnchors(REGTEST, records);
  assert.equal(file[4], MAX_BLOCK_RELAY_ONLY_ANCHORS);
  assert.deepEqual(decodeAnchors(REGTEST, file).map((r) => r.service.toString()), ['1.1.1.1:1', '2.2.2.2:2']);
});

function rawAnchors(magic: Uint8Array, records: AddressRecord[], tweak?: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  w.bytes(magic).compactSize(records.length);
  for (const r of records) {
    w.u32le((220000 | (1 << 29)) >>> 0).u32le(r.time).compactSize(r.services);
    r.service.writeV2(w);
  }
  tweak?.(w);
  const body = w.toBytes();
  const out = new Uint8Array(body.length + 32);
  out.set(body);
  out.set(sha256d(body), body.length);
  return out;
}

test('decoding a file with more than two anchors returns the first two, as Core truncates on read', () => {
  const file = rawAnchors(REGTEST, [rec('1.1.1.1:1'), rec('2.2.2.2:2'), rec('3.3.3.3:3')]);
  assert.deepEqual(decodeAnchors(REGTEST, file).map((r) => r.service.toString()), ['1.1.1.1:1', '2.2.2.2:2']);
});

test('an empty anchor list round-trips', () => {
  assert.deepEqual(decodeAnchors(REGTEST, encodeAnchors(REGTEST, [])), []);
});

test('round trip keeps services, time, IPv6, I2P and CJDNS addresses', () => {
  const records = [rec('[2001:4860::1]:8333', 0xffff_ffff_ffffn, 7), rec('[fc00::1]:1', 1n, 0xffffffff)];
  const back = decodeAnchors(REGTEST, encodeAnchors(REGTEST, records));
  assert.deepEqual(back.map((r) => [r.service.toString(), r.services, r.time]), records.map((r) => [r.service.toString(), r.services, r.time]));
});

test('anchors.dat of another network is refused with "Invalid network magic number"', () => {
  const file = encodeAnchors(MAINNET, [rec('1.2.3.4:8333')]);
  assert.throws(() => decodeAnchors(REGTEST, file), (e: Error) => e instanceof DataFileError && /anchors\.dat: Invalid network magic number/.test(e.message));
});

test('a record with an unknown disk version is a DataFileError naming the record', () => {
  const file = rawAnchors(REGTEST, [], (w) => {
    // Claim one record but write version 0x40000000.
    w.u32le(0x40000000).u32le(0).u8(0);
  });
  // Fix the count: rawAnchors wrote 0; overwrite byte 4 with 1 and re-hash.
  file[4] = 1;
  file.set(sha256d(file.subarray(0, file.length - 32)), file.length - 32);
  assert.throws(() => decodeAnchors(REGTEST, file), (e: Error) => e instanceof DataFileError && /record 0 of 1.*Unsupported CAddress disk format/.test(e.message));
});

test('a count larger than the records present fails with end of data', () => {
  const file = rawAnchors(REGTEST, [rec('1.1.1.1:1')]);
  file[4] = 2;
  file.set(sha256d(file.subarray(0, file.length - 32)), file.length - 32);
  assert.throws(() => decodeAnchors(REGTEST, file), (e: Error) => e instanceof DataFileError && /record 1 of 2/.test(e.message));
});

test('trailing bytes after the records are refused', () => {
  const file = rawAnchors(REGTEST, [rec('1.1.1.1:1')], (w) => w.u8(0));
  assert.throws(() => decodeAnchors(REGTEST, file), (e: Error) => e instanceof DataFileError && /1 trailing bytes/.test(e.message));
});

test('a file too short for magic and checksum is refused', () => {
  assert.throws(() => decodeAnchors(REGTEST, hexToBytes('fabfb5da00')), DataFileError);
});
