import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { FRAME_HEADER_BYTES, FRAME_TAG_BYTES, MAX_FRAME_PLAINTEXT_BYTES, MAX_REPLAY_CACHE_ENTRIES } from '../../../src/transport/secure/authenticated/constants.js';
import { AuthError } from '../../../src/transport/secure/authenticated/errors.js';
import { FrameOpener, FrameSealer, frameNonce } from '../../../src/transport/secure/authenticated/frames.js';
import { ReplayCache } from '../../../src/transport/secure/authenticated/replay-cache.js';

const KEY = new Uint8Array(32).fill(7);

function openAll(opener: FrameOpener): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = opener.next(); p !== undefined; p = opener.next()) out.push(p);
  return out;
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AuthError) return err.reason;
    throw err;
  }
  return 'none';
}

test('frames round-trip however the byte stream is cut (property)', () => {
  fc.assert(fc.property(
    fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
    fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
    (messages, cuts) => {
      const sealer = new FrameSealer(KEY);
      const stream = Buffer.concat(messages.map((m) => sealer.seal(m)));
      const opener = new FrameOpener(KEY);
      const got: Uint8Array[] = [];
      let offset = 0;
      let i = 0;
      while (offset < stream.length) {
        const n = cuts[i++ % cuts.length];
        opener.push(stream.subarray(offset, offset + n));
        offset += n;
        got.push(...openAll(opener));
      }
      assert.deepEqual(got.map((g) => Buffer.from(g).toString('hex')), messages.map((m) => Buffer.from(m).toString('hex')));
      assert.equal(opener.bufferedBytes, 0);
    }));
});

test('a frame is header, ciphertext of the same length and a 16-byte tag', () => {
  const frame = new FrameSealer(KEY).seal(new Uint8Array(10));
  assert.equal(frame.length, FRAME_HEADER_BYTES + 10 + FRAME_TAG_BYTES);
  assert.equal(frame.readUInt32BE(0), 10);
});

test('node:crypto and @noble/ciphers produce the same frame bytes', () => {
  const plaintext = new Uint8Array(Buffer.from('the same bytes from both libraries'));
  const sealer = new FrameSealer(KEY);
  sealer.seal(new Uint8Array(0)); // advance to counter 1
  const ours = sealer.seal(plaintext);
  const header = ours.subarray(0, 4);
  const noble = chacha20poly1305(KEY, frameNonce(1), header).encrypt(plaintext);
  assert.deepEqual(new Uint8Array(ours.subarray(4)), noble);
});

test('the nonce is the frame counter, 64-bit little-endian, then four zero bytes', () => {
  assert.equal(frameNonce(0).toString('hex'), '000000000000000000000000');
  assert.equal(frameNonce(1).toString('hex'), '010000000000000000000000');
  assert.equal(frameNonce(2 ** 32 + 2).toString('hex'), '020000000100000000000000');
});

test('a flipped bit anywhere in a frame is refused as tampered-frame (property)', () => {
  const frame = new FrameSealer(KEY).seal(new Uint8Array(Buffer.from('payload that must not change')));
  fc.assert(fc.property(fc.integer({ min: 0, max: frame.length - 1 }), fc.integer({ min: 0, max: 7 }), (pos, bit) => {
    const bad = Buffer.from(frame);
    bad[pos] ^= 1 << bit;
    const opener = new FrameOpener(KEY);
    opener.push(bad);
    // A changed length either asks for more bytes than exist (waits), announces too much, or fails the tag.
    const r = reason(() => opener.next());
    if (pos < FRAME_HEADER_BYTES) assert.ok(['tampered-frame', 'frame-too-large', 'none'].includes(r), r);
    else assert.equal(r, 'tampered-frame');
  }));
});

test('a shorter announced length (header tampered) fails the tag', () => {
  const frame = new FrameSealer(KEY).seal(new Uint8Array(40));
  const bad = Buffer.from(frame);
  bad.writeUInt32BE(20, 0);
  const opener = new FrameOpener(KEY);
  opener.push(bad);
  assert.equal(reason(() => opener.next()), 'tampered-frame');
});

test('a dropped, repeated or reordered frame is refused as tampered-frame', () => {
  const sealer = new FrameSealer(KEY);
  const [a, b] = [sealer.seal(new Uint8Array([1])), sealer.seal(new Uint8Array([2]))];
  for (const order of [[b], [a, a], [b, a]]) {
    const opener = new FrameOpener(KEY);
    for (const f of order) opener.push(f);
    assert.equal(reason(() => openAll(opener)), 'tampered-frame');
  }
});

test('a frame announcing more than 64 KiB is refused as frame-too-large from its header alone', () => {
  const opener = new FrameOpener(KEY);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(MAX_FRAME_PLAINTEXT_BYTES + 1, 0);
  opener.push(header);
  assert.equal(reason(() => opener.next()), 'frame-too-large');
});

test('a frame of exactly 64 KiB is accepted', () => {
  const sealer = new FrameSealer(KEY);
  const opener = new FrameOpener(KEY);
  opener.push(sealer.seal(new Uint8Array(MAX_FRAME_PLAINTEXT_BYTES).fill(9)));
  assert.equal(openAll(opener)[0].length, MAX_FRAME_PLAINTEXT_BYTES);
});

test('the sealer refuses a plaintext above 64 KiB and sealAll splits at 64 KiB', () => {
  const sealer = new FrameSealer(KEY);
  assert.throws(() => sealer.seal(new Uint8Array(MAX_FRAME_PLAINTEXT_BYTES + 1)), { code: 'ERR_ARGUMENT' });
  const frames = sealer.sealAll(new Uint8Array(2 * MAX_FRAME_PLAINTEXT_BYTES + 5));
  assert.deepEqual(frames.map((f) => f.readUInt32BE(0)), [MAX_FRAME_PLAINTEXT_BYTES, MAX_FRAME_PLAINTEXT_BYTES, 5]);
});

test('the sealer stops at its frame limit with nonce-exhausted instead of reusing a nonce', () => {
  const sealer = new FrameSealer(KEY, 3);
  for (let i = 0; i < 3; i++) sealer.seal(new Uint8Array([i]));
  assert.equal(reason(() => sealer.seal(new Uint8Array([3]))), 'nonce-exhausted');
  assert.equal(sealer.framesSealed, 3);
});

test('the opener refuses frames beyond its limit with nonce-exhausted', () => {
  const sealer = new FrameSealer(KEY);
  const opener = new FrameOpener(KEY, 2);
  for (let i = 0; i < 3; i++) opener.push(sealer.seal(new Uint8Array([i])));
  assert.equal(reason(() => openAll(opener)), 'nonce-exhausted');
  assert.equal(opener.framesOpened, 2);
});

test('frames sealed under one direction key do not open under the other', () => {
  const opener = new FrameOpener(new Uint8Array(32).fill(8));
  opener.push(new FrameSealer(KEY).seal(new Uint8Array([1, 2, 3])));
  assert.equal(reason(() => opener.next()), 'tampered-frame');
});

test('the replay cache forgets a key once its window has passed', () => {
  const cache = new ReplayCache(10, 15_000);
  assert.equal(cache.checkAndRemember('a', 0), false);
  assert.equal(cache.checkAndRemember('a', 14_999), true);
  assert.equal(cache.checkAndRemember('a', 15_000), false);
});

test('the replay cache holds at most its capacity, evicting the oldest and counting it', () => {
  const cache = new ReplayCache(4, 15_000);
  for (let i = 0; i < 6; i++) assert.equal(cache.checkAndRemember(`k${i}`, i), false);
  assert.equal(cache.size, 4);
  assert.equal(cache.evicted, 2);
  assert.equal(cache.checkAndRemember('k0', 10), false); // evicted: no longer recognised
  assert.equal(cache.checkAndRemember('k5', 10), true);
});

test('the default replay cache capacity holds a full window at the listener\'s subnet rate', () => {
  // 64 handshakes/s per subnet over a 15 s window from 16 subnets fits; beyond, eviction (tested above) takes over.
  assert.ok(MAX_REPLAY_CACHE_ENTRIES >= 64 * 15 * 16);
});
