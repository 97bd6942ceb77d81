import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize, wilson } from '../../src/sim/stats.js';

test('the Wilson interval matches published values (0/10, 5/10, 0/300)', () => {
  const zero = wilson(0, 10);
  assert.equal(zero.lo, 0);
  assert.ok(Math.abs(zero.hi - 0.277533) < 1e-5, String(zero.hi));
  const half = wilson(5, 10);
  assert.ok(Math.abs(half.lo - 0.236593) < 1e-5 && Math.abs(half.hi - 0.763407) < 1e-5, JSON.stringify(half));
  assert.ok(Math.abs(wilson(0, 300).hi - 0.012643) < 1e-5);
});

test('no trials give the uninformative interval [0, 1]', () => {
  assert.deepEqual(wilson(0, 0), { k: 0, n: 0, p: 0, lo: 0, hi: 1 });
});

test('summaries use nearest-rank percentiles', () => {
  const s = summarize([5, 1, 4, 2, 3, 6, 7, 8, 9, 10]);
  assert.deepEqual([s.min, s.p10, s.p50, s.p90, s.max, s.mean], [1, 1, 5, 9, 10, 5.5]);
});
