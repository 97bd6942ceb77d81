/** The SIMD cheap-hash kernel agrees with the scalar `cheapHashLow32` (the reference) everywhere. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CheapHashBatch, KEY_PREFIX_BYTES, MAX_BATCH_MESSAGE_BYTES, keyConstants } from '../../src/addrman/cheap-hash-batch.js';
import { cheapHashLow32 } from '../../src/util/hash.js';

test('the WebAssembly SIMD kernel is available on this Node', () => {
  assert.equal(new CheapHashBatch().accelerated, true);
});

test('single hashes equal cheapHashLow32 for every length 0..119', () => {
  const h = new CheapHashBatch();
  const msg = new Uint8Array(MAX_BATCH_MESSAGE_BYTES);
  for (let i = 0; i < msg.length; i++) msg[i] = (i * 37 + 11) & 0xff;
  for (let len = 0; len <= MAX_BATCH_MESSAGE_BYTES; len++) assert.equal(h.hash(msg, len), cheapHashLow32(msg, len), `length ${len}`);
});

test('batched hashes equal cheapHashLow32, across stage refills and mixed block counts (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: MAX_BATCH_MESSAGE_BYTES }), { maxLength: 2600 }), (msgs) => {
      const h = new CheapHashBatch();
      h.reset();
      const tickets = msgs.map((m) => h.push(m, m.length));
      h.flush();
      msgs.forEach((m, i) => assert.equal(h.result(tickets[i]), cheapHashLow32(m, m.length)));
    }),
    { numRuns: 25 },
  );
});

test('the scalar fallback (no WebAssembly SIMD) gives the same results through the same interface', () => {
  const h = new CheapHashBatch({ scalar: true });
  assert.equal(h.accelerated, false);
  const msgs = Array.from({ length: 300 }, (_, i) => Uint8Array.from({ length: i % 120 }, (_, j) => (i * 31 + j) & 0xff));
  h.reset();
  const tickets = msgs.map((m) => h.push(m, m.length));
  h.flush();
  msgs.forEach((m, i) => {
    assert.equal(h.result(tickets[i]), cheapHashLow32(m, m.length));
    assert.equal(h.hash(m, m.length), cheapHashLow32(m, m.length));
  });
});

test('keyed single hashes (midstate after the 32-byte key) equal cheapHashLow32 for every length 32..119', () => {
  const h = new CheapHashBatch();
  const msg = new Uint8Array(MAX_BATCH_MESSAGE_BYTES);
  for (let i = 0; i < msg.length; i++) msg[i] = (i * 53 + 7) & 0xff;
  h.useKey(keyConstants(msg.subarray(0, KEY_PREFIX_BYTES)));
  for (let len = KEY_PREFIX_BYTES; len <= MAX_BATCH_MESSAGE_BYTES; len++) assert.equal(h.hashKeyed(msg, len), cheapHashLow32(msg, len), `length ${len}`);
});

test('keyed batches equal cheapHashLow32 across classes (one block, exactly 56 bytes, two blocks) and stage refills (property)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 23 }), fc.uint8Array({ minLength: 24, maxLength: 24 }), fc.uint8Array({ maxLength: 87 })), { maxLength: 2600 }),
      (key, tails) => {
        const h = new CheapHashBatch();
        h.useKey(keyConstants(key));
        h.reset();
        const msgs = tails.map((t) => Uint8Array.from([...key, ...t]));
        const tickets = msgs.map((m) => h.pushKeyed(m, m.length));
        h.flush();
        msgs.forEach((m, i) => assert.equal(h.result(tickets[i]), cheapHashLow32(m, m.length), `message ${i} of ${m.length} bytes`));
      },
    ),
    { numRuns: 25 },
  );
});

test('switching keys hashes what was staged under the old key first', () => {
  const h = new CheapHashBatch();
  const a = new Uint8Array(56).fill(1);
  const b = new Uint8Array(56).fill(2);
  h.reset();
  h.useKey(keyConstants(a.subarray(0, 32)));
  const ta = h.pushKeyed(a, 50);
  h.useKey(keyConstants(b.subarray(0, 32)));
  const tb = h.pushKeyed(b, 56);
  h.flush();
  assert.equal(h.result(ta), cheapHashLow32(a, 50));
  assert.equal(h.result(tb), cheapHashLow32(b, 56));
});
