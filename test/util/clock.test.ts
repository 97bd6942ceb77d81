import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock, AbortError, MockableClock, MAX_MOCK_TIME_S } from '../../src/util/clock.js';

test('virtual timers fire in due order, ties in creation order, only as time advances', () => {
  const clock = new VirtualClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b@20'), 20);
  clock.setTimeout(() => fired.push('a@10'), 10);
  clock.setTimeout(() => fired.push('c@20'), 20);
  clock.advance(9);
  assert.deepEqual(fired, []);
  clock.advance(11);
  assert.deepEqual(fired, ['a@10', 'b@20', 'c@20']);
  assert.equal(clock.now(), 20);
});

test('a timer sees the clock at its due time and can schedule timers that fire in the same advance', () => {
  const clock = new VirtualClock(1000);
  const seen: number[] = [];
  clock.setTimeout(() => {
    seen.push(clock.now());
    clock.setTimeout(() => seen.push(clock.now()), 5);
  }, 10);
  clock.advance(100);
  assert.deepEqual(seen, [1010, 1015]);
  assert.equal(clock.now(), 1100);
});

test('cancelled timers never fire', () => {
  const clock = new VirtualClock(0);
  let fired = false;
  const t = clock.setTimeout(() => { fired = true; }, 5);
  t.cancel();
  clock.advance(10);
  assert.equal(fired, false);
  assert.equal(clock.pendingTimers, 0);
});

test('sleep resolves on tick and rejects on abort', async () => {
  const clock = new VirtualClock(0);
  let done = false;
  const p = clock.sleep(50).then(() => { done = true; });
  await clock.tick(49);
  assert.equal(done, false);
  await clock.tick(1);
  await p;
  assert.equal(done, true);
  const ac = new AbortController();
  const q = clock.sleep(50, ac.signal);
  ac.abort();
  await assert.rejects(q, AbortError);
});

test('virtual time never goes backwards', () => {
  const clock = new VirtualClock(100);
  assert.throws(() => clock.setTime(99), RangeError);
});

test('a mock time pins the clock at that instant until changed, and 0 returns to the underlying clock (Core SetMockTime)', () => {
  const base = new VirtualClock(1_700_000_000_500);
  const clock = new MockableClock(base);
  assert.equal(clock.now(), 1_700_000_000_500, 'no mock time: the underlying clock');
  clock.setMockTime(1_234_567_890);
  assert.equal(clock.now(), 1_234_567_890_000);
  assert.equal(clock.nowSeconds(), 1_234_567_890);
  assert.equal(clock.mockTimeSeconds, 1_234_567_890);
  base.advance(60_000);
  assert.equal(clock.now(), 1_234_567_890_000, 'time stands still while mocked');
  clock.setMockTime(0);
  assert.equal(clock.now(), 1_700_000_060_500, 'unmocked: the underlying clock again');
  assert.equal(clock.mockTimeSeconds, 0);
});

test('timers of a mockable clock run on the underlying clock, whatever the mock time', () => {
  const base = new VirtualClock(0);
  const clock = new MockableClock(base);
  clock.setMockTime(2_000_000_000);
  let fired = false;
  clock.setTimeout(() => { fired = true; }, 1_000);
  base.advance(999);
  assert.equal(fired, false);
  base.advance(1);
  assert.equal(fired, true);
});

test('a mock time outside [0, MAX_MOCK_TIME_S] or not whole seconds is refused', () => {
  const clock = new MockableClock(new VirtualClock());
  for (const bad of [-1, MAX_MOCK_TIME_S + 1, 1.5, Number.NaN]) assert.throws(() => clock.setMockTime(bad), RangeError, String(bad));
  clock.setMockTime(MAX_MOCK_TIME_S);
  assert.equal(clock.nowSeconds(), MAX_MOCK_TIME_S);
});
