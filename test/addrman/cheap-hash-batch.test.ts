/** The SIMD cheap-hash kernel agrees with the scalar `cheapHashLow32` (the reference) everywhere. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CheapHashBatch, MAX_BATCH_MESSAGE_BYTES } from '../../src/addrman/cheap-hash-batch.js';
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
