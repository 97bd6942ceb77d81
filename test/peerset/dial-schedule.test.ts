import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_DIAL_BACKOFF_MS, PEER_CONNECTION_COOLDOWN_MS } from '../../src/peerset/constants.js';
import { dialIntervalMs, nextDialAtMs } from '../../src/peerset/dial-schedule.js';
import { ChaChaRandom } from '../../src/util/random.js';

test('the dial interval doubles per failure from the cooldown up to the cap', () => {
  assert.equal(dialIntervalMs(PEER_CONNECTION_COOLDOWN_MS, 0), 60_000);
  assert.equal(dialIntervalMs(PEER_CONNECTION_COOLDOWN_MS, 1), 120_000);
  assert.equal(dialIntervalMs(PEER_CONNECTION_COOLDOWN_MS, 3), 480_000);
  assert.equal(dialIntervalMs(PEER_CONNECTION_COOLDOWN_MS, 4), MAX_DIAL_BACKOFF_MS);
  assert.equal(dialIntervalMs(PEER_CONNECTION_COOLDOWN_MS, 1_000), MAX_DIAL_BACKOFF_MS);
});

test('the next dial lies in [interval, interval + cooldown/2] after the reservation (property)', () => {
  const random = ChaChaRandom.fromSeed('dial');
  fc.assert(fc.property(fc.integer({ min: 1, max: 120_000 }), fc.integer({ min: 0, max: 40 }), (cooldown, failures) => {
    const at = nextDialAtMs(1000, cooldown, failures, random);
    const interval = dialIntervalMs(cooldown, failures);
    assert.ok(at >= 1000 + interval && at <= 1000 + interval + cooldown / 2);
  }));
});

test('the same seed gives the same schedule', () => {
  const a = ChaChaRandom.fromSeed(7);
  const b = ChaChaRandom.fromSeed(7);
  for (let i = 0; i < 10; i++) assert.equal(nextDialAtMs(0, 60_000, i, a), nextDialAtMs(0, 60_000, i, b));
});
