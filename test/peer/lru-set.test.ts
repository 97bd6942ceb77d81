import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruSet } from '../../src/peer/lru-set.js';
import { AddrTokenBucket, MAX_ADDR_PROCESSING_TOKEN_BUCKET } from '../../src/peer/token-bucket.js';

test('an LruSet never holds more than its limit and evicts the least recently used key', () => {
  const s = new LruSet<number>(3);
  s.add(1); s.add(2); s.add(3);
  s.add(1); // 1 becomes most recent; 2 is now the oldest
  s.add(4);
  assert.equal(s.size, 3);
  assert.ok(s.has(1) && s.has(3) && s.has(4) && !s.has(2));
  for (let i = 0; i < 10_000; i++) s.add(100 + i);
  assert.equal(s.size, 3);
  assert.throws(() => new LruSet(0), RangeError);
});

test('the addr token bucket follows Core p2p_addr_relay rate_limit_tests arithmetic', () => {
  // Outbound peer: starts with 1 token, +1000 for our getaddr; sends 600, 600, 10 at once → 1001 processed.
  const t0 = 1_000_000;
  const b = new AddrTokenBucket(t0);
  b.grant(1000);
  let processed = 0;
  let limited = 0;
  for (const batch of [600, 600, 10]) {
    b.refill(t0);
    for (let i = 0; i < batch; i++) b.take() ? processed++ : limited++;
  }
  assert.equal(processed, 1001);
  assert.equal(limited, 209);
  // +100 s → +10 tokens; +1000 s → +100 tokens.
  b.refill(t0 + 100_000);
  for (let i = 0; i < 200; i++) b.take() ? processed++ : limited++;
  assert.equal(processed, 1011);
  b.refill(t0 + 1_100_000);
  for (let i = 0; i < 200; i++) b.take() ? processed++ : limited++;
  assert.equal(processed, 1111);
});

test('refills stop at the cap but a getaddr grant can exceed it', () => {
  const b = new AddrTokenBucket(0);
  b.refill(10 ** 9);
  assert.equal(b.available, MAX_ADDR_PROCESSING_TOKEN_BUCKET);
  b.grant(1000);
  assert.equal(b.available, 2000);
  b.refill(2 * 10 ** 9);
  assert.equal(b.available, 2000);
});
