import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur3, RollingBloomFilter } from '../../src/util/rolling-bloom.js';
import { ChaChaRandom } from '../../src/util/random.js';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');

test('murmur3 matches the reference MurmurHash3_x86_32 vectors', () => {
  assert.equal(murmur3(0, bytes('')), 0);
  assert.equal(murmur3(1, bytes('')), 0x514e28b7);
  assert.equal(murmur3(0xffffffff, bytes('')), 0x81f16f39);
  assert.equal(murmur3(0, bytes('\xff\xff\xff\xff')), 0x76293b50);
  assert.equal(murmur3(0, bytes('!Ce\x87')), 0xf55b516b);
  assert.equal(murmur3(0x5082edee, bytes('!Ce\x87')), 0x2362f9de);
  assert.equal(murmur3(0, bytes('!Ce')), 0x7e4a8634);
  assert.equal(murmur3(0, bytes('!C')), 0xa0f7b07a);
  assert.equal(murmur3(0, bytes('!')), 0x72661cf4);
  assert.equal(murmur3(0, bytes('\0\0\0\0')), 0x2362f9de);
  assert.equal(murmur3(0x9747b28c, bytes('aaaa')), 0x5a97808a);
  assert.equal(murmur3(0x9747b28c, bytes('Hello, world!')), 0x24884cba);
});

test('Core parameters give Core sizes: (5000, 0.001) and (50000, 1e-6)', () => {
  const rng = ChaChaRandom.fromSeed(1);
  const small = new RollingBloomFilter(5000, 0.001, rng);
  assert.equal(small.hashFuncs, 10);
  assert.equal(small.entriesPerGeneration, 2500);
  const big = new RollingBloomFilter(50000, 0.000001, rng);
  assert.equal(big.hashFuncs, 20);
  assert.ok(big.byteLength < 600_000, `${big.byteLength}`);
});

const key = (i: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, i);
  new DataView(b.buffer).setUint32(4, i * 7919);
  return b;
};

test('recent keys are always found and unseen keys rarely are', () => {
  const f = new RollingBloomFilter(1000, 0.001, ChaChaRandom.fromSeed(2));
  for (let i = 0; i < 1000; i++) f.insert(key(i));
  for (let i = 0; i < 1000; i++) assert.ok(f.contains(key(i)), `key ${i}`);
  let falsePositives = 0;
  for (let i = 1_000_000; i < 1_010_000; i++) if (f.contains(key(i))) falsePositives++;
  assert.ok(falsePositives < 50, `${falsePositives} false positives in 10000`);
});

test('memory stays fixed past capacity and old keys are forgotten', () => {
  const f = new RollingBloomFilter(1000, 0.001, ChaChaRandom.fromSeed(3));
  const size = f.byteLength;
  for (let i = 0; i < 100_000; i++) f.insert(key(i));
  assert.equal(f.byteLength, size);
  let remembered = 0;
  for (let i = 0; i < 1000; i++) if (f.contains(key(i))) remembered++;
  assert.ok(remembered < 20, `${remembered} of the oldest keys still present`);
  for (let i = 99_000; i < 100_000; i++) assert.ok(f.contains(key(i)));
});

test('reset forgets everything', () => {
  const f = new RollingBloomFilter(100, 0.01, ChaChaRandom.fromSeed(4));
  f.insert(key(1));
  f.reset();
  assert.equal(f.contains(key(1)), false);
});

test('the table is allocated on the first insertion, not before, and answers "absent" until then', () => {
  const f = new RollingBloomFilter(50_000, 0.000001, ChaChaRandom.fromSeed(9));
  assert.equal(f.allocatedBytes, 0);
  assert.equal(f.contains(key(1)), false);
  f.insert(key(1));
  assert.equal(f.allocatedBytes, f.byteLength);
  assert.ok(f.contains(key(1)));
});

test('lazy allocation leaves the random stream and answers identical to an eagerly used filter', () => {
  const a = new RollingBloomFilter(100, 0.01, ChaChaRandom.fromSeed(10));
  const b = new RollingBloomFilter(100, 0.01, ChaChaRandom.fromSeed(10));
  b.contains(key(0)); // a query before any insertion must not change what the filter later holds
  for (let i = 0; i < 500; i++) { a.insert(key(i)); b.insert(key(i)); }
  for (let i = 0; i < 2000; i++) assert.equal(a.contains(key(i)), b.contains(key(i)), `key ${i}`);
});
