import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SUBSCRIBERS, SUBSCRIBER_BUFFER_UPDATES } from '../../src/peerset/constants.js';
import { PeerSetError } from '../../src/peerset/errors.js';
import { key, makeTracker, peers } from './helpers.js';

test('a subscriber gets the latest set at once, then each new set with the union of kept sets', async () => {
  const { tracker } = makeTracker({ trackedPeerSets: 2 });
  tracker.track(1, { primary: peers(1), secondary: peers(2) });
  const sub = tracker.subscribe();
  assert.deepEqual((await sub.next()).value, { id: 1, primary: [key(1)], secondary: [key(2)], all: { primary: [key(1)], secondary: [key(2)] } });
  tracker.track(2, { primary: peers(2), secondary: peers(3) });
  assert.deepEqual((await sub.next()).value, { id: 2, primary: [key(2)], secondary: [key(3)], all: { primary: [key(1), key(2)], secondary: [key(3)] } });
  tracker.track(3, peers(4));
  assert.deepEqual((await sub.next()).value!.all, { primary: [key(2), key(4)], secondary: [key(3)] });
});

test('a subscriber waiting for an update is woken by the next track', async () => {
  const { tracker } = makeTracker();
  const sub = tracker.subscribe();
  const pending = sub.next();
  tracker.track(5, peers(1));
  assert.equal((await pending).value!.id, 5);
});

test('a slow subscriber keeps the newest updates and counts the oldest it lost', async () => {
  const { tracker } = makeTracker();
  const sub = tracker.subscribe();
  const total = SUBSCRIBER_BUFFER_UPDATES + 5;
  for (let id = 1; id <= total; id++) tracker.track(id, peers(id));
  assert.equal(sub.buffered, SUBSCRIBER_BUFFER_UPDATES);
  assert.equal(sub.dropped, 5);
  assert.equal((await sub.next()).value!.id, 6);
  let last = 0;
  while (sub.buffered > 0) last = (await sub.next()).value!.id;
  assert.equal(last, total);
});

test('breaking out of for-await unsubscribes', async () => {
  const { tracker } = makeTracker();
  tracker.track(1, peers(1));
  for await (const update of tracker.subscribe()) {
    assert.equal(update.id, 1);
    break;
  }
  assert.equal(tracker.subscriberCount, 0);
});

test('closing a subscription ends a pending next()', async () => {
  const { tracker } = makeTracker();
  const sub = tracker.subscribe();
  const pending = sub.next();
  sub.close();
  assert.deepEqual(await pending, { value: undefined, done: true });
  assert.equal(tracker.subscriberCount, 0);
});

test('subscribers are bounded: one past the limit is a typed error until one leaves', () => {
  const { tracker } = makeTracker();
  const subs = Array.from({ length: MAX_SUBSCRIBERS }, () => tracker.subscribe());
  assert.throws(() => tracker.subscribe(), (err: unknown) => err instanceof PeerSetError && err.code === 'ERR_PEERSET_TOO_MANY_SUBSCRIBERS');
  subs[0].close();
  assert.ok(tracker.subscribe());
});
