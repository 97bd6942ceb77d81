import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteReader, ByteWriter, MAX_SIZE } from '../../src/util/bytes.js';
import { DecodeError } from '../../src/util/errors.js';
import { hexToBytes, bytesToHex } from '../../src/util/hex.js';

test('CompactSize uses the shortest form at each boundary', () => {
  const cases: Array<[number | bigint, string]> = [
    [0, '00'], [0xfc, 'fc'], [0xfd, 'fdfd00'], [0xffff, 'fdffff'], [0x10000, 'fe00000100'],
    [0xffffffff, 'feffffffff'], [0x100000000n, 'ff0000000001000000'],
  ];
  for (const [v, hex] of cases) {
    assert.equal(bytesToHex(new ByteWriter().compactSize(v).toBytes()), hex);
    assert.equal(new ByteReader(hexToBytes(hex)).compactSizeBig(), BigInt(v));
  }
});

test('non-canonical CompactSize encodings are rejected with Core\'s message', () => {
  for (const hex of ['fdfc00', 'feffff0000', 'ffffffffff00000000']) {
    assert.throws(() => new ByteReader(hexToBytes(hex)).compactSizeBig(), (e: unknown) => e instanceof DecodeError && /non-canonical/.test(e.message));
  }
});

test('range-checked CompactSize refuses values above MAX_SIZE but accepts MAX_SIZE', () => {
  assert.equal(new ByteReader(new ByteWriter().compactSize(MAX_SIZE).toBytes()).compactSize(), MAX_SIZE);
  assert.throws(() => new ByteReader(new ByteWriter().compactSize(MAX_SIZE + 1).toBytes()).compactSize(), /size too large/);
  assert.equal(new ByteReader(new ByteWriter().compactSize(MAX_SIZE + 1).toBytes()).compactSize(false), MAX_SIZE + 1);
});

test('reading past the end throws DecodeError("end of data"), never RangeError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), (data) => {
    const r = new ByteReader(data);
    try {
      r.u64le(); r.u32le(); r.compactSize(); r.bytes(3);
    } catch (e) {
      assert.ok(e instanceof DecodeError, String(e));
    }
  }));
});

test('writer and reader round-trip every field type', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.string(), (a, b, c, d, e, s) => {
      const w = new ByteWriter(1).u8(a).u16le(b).u16be(b).i32le(c).u32le(c >>> 0).u64le(d).i64le(e).varString(s).compactSize(d);
      const r = new ByteReader(w.toBytes());
      assert.equal(r.u8(), a); assert.equal(r.u16le(), b); assert.equal(r.u16be(), b); assert.equal(r.i32le(), c);
      assert.equal(r.u32le(), c >>> 0); assert.equal(r.u64le(), d); assert.equal(r.i64le(), e); assert.equal(r.varString(), s);
      assert.equal(r.compactSizeBig(), d); assert.ok(r.done);
    }));
});

test('hexToBytes rejects odd lengths and non-hex characters', () => {
  assert.throws(() => hexToBytes('abc'), { code: 'ERR_PARSE' });
  assert.throws(() => hexToBytes('zz'), { code: 'ERR_PARSE' });
  assert.deepEqual(hexToBytes('00ff'), Uint8Array.of(0, 255));
});

test('64-bit fields are written exactly as Buffer\'s BigInt writers write them, on both sides of 2^53 and for out-of-range values (property)', () => {
  const edges = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n, 2n ** 64n, -1n, -(2n ** 53n) + 1n, -(2n ** 53n), -(2n ** 63n), 2n ** 63n - 1n, 2n ** 70n + 5n];
  const values = fc.oneof(fc.constantFrom(...edges), fc.bigInt({ min: -(2n ** 65n), max: 2n ** 65n }), fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n }));
  fc.assert(fc.property(values, (v) => {
    const want = Buffer.alloc(16);
    want.writeBigUInt64LE(BigInt.asUintN(64, v), 0);
    want.writeBigInt64LE(BigInt.asIntN(64, v), 8);
    assert.deepEqual([...new ByteWriter(1).u64le(v).i64le(v).toBytes()], [...want]);
    const r = new ByteReader(want);
    assert.equal(r.u64le(), BigInt.asUintN(64, v));
    assert.equal(r.i64le(), BigInt.asIntN(64, v));
  }), { numRuns: 2000 });
  assert.deepEqual([...new ByteWriter(1).i64le(-2).toBytes()], [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 'a number works too');
});
