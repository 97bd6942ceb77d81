import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortError, MAX_TIMER_DELAY_MS, SystemClock, VirtualClock } from '../../src/util/clock.js';

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

test('a timer longer than 2^31 - 1 ms is refused by both clocks (Node would fire it after 1 ms)', () => {
  for (const clock of [new VirtualClock(), new SystemClock(true)]) {
    assert.throws(() => clock.setTimeout(() => undefined, MAX_TIMER_DELAY_MS + 1), { code: 'ERR_ARGUMENT' });
    assert.throws(() => clock.setTimeout(() => undefined, Number.NaN), { code: 'ERR_ARGUMENT' });
    clock.setTimeout(() => undefined, MAX_TIMER_DELAY_MS).cancel();
  }
});
