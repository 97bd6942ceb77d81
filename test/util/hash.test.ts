import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sha256, sha256d, cheapHashLow32, checksumOfFirstDigest, sha256dChecksum, sha3_256, SHORT_INPUT_LIMIT } from '../../src/util/hash.js';
import { bytesToHex } from '../../src/util/hex.js';

const ref = (d: Uint8Array): Buffer => createHash('sha256').update(d).digest();

test('sha256 of "abc" matches the FIPS 180-2 vector', () => {
  assert.equal(bytesToHex(sha256(Buffer.from('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('sha256 and sha256d agree with node:crypto for every length around block and path boundaries', () => {
  for (let len = 0; len <= SHORT_INPUT_LIMIT + 70; len++) {
    const data = new Uint8Array(len).map((_, i) => (i * 31 + len) & 0xff);
    assert.deepEqual(Buffer.from(sha256(data)), ref(data), `sha256 len ${len}`);
    assert.deepEqual(Buffer.from(sha256d(data)), ref(ref(data)), `sha256d len ${len}`);
  }
});

test('sha256d matches node:crypto on random inputs (property)', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (data) => {
    assert.deepEqual(Buffer.from(sha256d(data)), ref(ref(data)));
  }));
});

test('cheapHashLow32 is the little-endian first word of sha256d over the prefix', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: SHORT_INPUT_LIMIT }), fc.nat(), (data, cut) => {
    const len = data.length === 0 ? 0 : cut % (data.length + 1);
    const expected = ref(ref(data.subarray(0, len))).readUInt32LE(0);
    assert.equal(cheapHashLow32(data, len), expected);
  }));
});

test('sha3_256 of the empty string matches FIPS 202', () => {
  assert.equal(bytesToHex(sha3_256(new Uint8Array())), 'a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a');
});

test('sha256dChecksum is the first 4 bytes of SHA256d, big-endian, for empty, short and OpenSSL-length inputs (property)', () => {
  const reference = (d: Uint8Array): number => createHash('sha256').update(createHash('sha256').update(d).digest()).digest().readUInt32BE(0);
  assert.equal(sha256dChecksum(new Uint8Array(0)), reference(new Uint8Array(0)), 'the empty-payload constant');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 700 }), (d) => {
    assert.equal(sha256dChecksum(d), reference(d));
    assert.equal(checksumOfFirstDigest(createHash('sha256').update(d).digest()), reference(d));
  }), { numRuns: 500 });
  assert.throws(() => checksumOfFirstDigest(new Uint8Array(31)), RangeError);
});
