import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  HELLO_BYTES, MAX_CLOCK_SKEW_MS, MAX_HANDSHAKE_AGE_MS, REPLY_BYTES, FINISH_BYTES, REPLY_TRANSCRIPT_BYTES,
} from '../../../src/transport/secure/authenticated/constants.js';
import { AuthError, authErrorCode, AUTH_REJECT_REASONS } from '../../../src/transport/secure/authenticated/errors.js';
import { InitiatorHandshake, ResponderHandshake, checkTimestamp, peekInitiatorKey } from '../../../src/transport/secure/authenticated/handshake.js';
import { initiatorSignedMessage, transcriptHash } from '../../../src/transport/secure/authenticated/key-schedule.js';
import { decodeFinish, decodeHello, decodeReply, encodeFinish, encodeHello, encodeReply } from '../../../src/transport/secure/authenticated/messages.js';
import { ReplayCache } from '../../../src/transport/secure/authenticated/replay-cache.js';
import { bytesToHex } from '../../../src/util/hex.js';
import { NAMESPACE, T0, fullHandshake, identity, secret } from './helpers.js';

const alice = identity(1);
const bob = identity(2);
const carol = identity(3);

function rejectsWith(reason: string, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AuthError, `expected AuthError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.equal(err.code, authErrorCode(err.reason));
    return true;
  });
}

test('both sides derive the same session keys, swapped per direction, and learn each other\'s key', () => {
  const { initiator, responder } = fullHandshake({ initiator: alice, responder: bob });
  assert.equal(bytesToHex(initiator.peerKey), bob.publicKeyHex);
  assert.equal(bytesToHex(responder.peerKey), alice.publicKeyHex);
  assert.deepEqual(initiator.secrets, responder.secrets);
  assert.deepEqual(initiator.transcriptHash, responder.transcriptHash);
  assert.notDeepEqual(initiator.secrets.keyInitiatorToResponder, initiator.secrets.keyResponderToInitiator);
});

test('handshake messages have the specified fixed sizes', () => {
  const { hello, reply, finish } = fullHandshake({ initiator: alice, responder: bob });
  assert.equal(hello.length, HELLO_BYTES);
  assert.equal(HELLO_BYTES, 105);
  assert.equal(reply.length, REPLY_BYTES);
  assert.equal(REPLY_BYTES, 168);
  assert.equal(finish.length, FINISH_BYTES);
  assert.equal(FINISH_BYTES, 96);
});

test('the initiator key is readable from the first 33 bytes of the Hello', () => {
  const { hello } = fullHandshake({ initiator: alice, responder: bob });
  assert.equal(bytesToHex(peekInitiatorKey(hello.subarray(0, 33))), alice.publicKeyHex);
});

test('a Hello with an unknown version byte is refused as malformed', () => {
  const { hello } = fullHandshake({ initiator: alice, responder: bob });
  const bad = hello.slice();
  bad[0] = 2;
  rejectsWith('malformed', () => peekInitiatorKey(bad));
  rejectsWith('malformed', () => new ResponderHandshake({ identity: bob, namespace: NAMESPACE }).onHello(bad, T0, secret(0x22)));
});

test('a Hello addressed to another key is refused as wrong-key by the responder', () => {
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: carol.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  rejectsWith('wrong-key', () => new ResponderHandshake({ identity: bob, namespace: NAMESPACE }).onHello(init.hello, T0, secret(0x22)));
});

test('a Reply from a key other than the dialed one is refused as wrong-key by the initiator', () => {
  // Alice dials Bob's key but Carol answers (Carol accepts Hellos addressed to anyone: simulate by re-signing).
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  const forwarded = decodeHello(init.hello);
  forwarded.responderKey = carol.publicKey;
  const reply = new ResponderHandshake({ identity: carol, namespace: NAMESPACE }).onHello(encodeHello(forwarded), T0, secret(0x22));
  rejectsWith('wrong-key', () => init.onReply(reply, T0));
});

test('a Hello from our own key is refused as self', () => {
  const init = new InitiatorHandshake({ identity: bob, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  rejectsWith('self', () => new ResponderHandshake({ identity: bob, namespace: NAMESPACE }).onHello(init.hello, T0, secret(0x22)));
});

test('timestamps exactly at the window edges are accepted, one millisecond beyond is refused', () => {
  assert.doesNotThrow(() => checkTimestamp(T0 - MAX_HANDSHAKE_AGE_MS, T0));
  assert.doesNotThrow(() => checkTimestamp(T0 + MAX_CLOCK_SKEW_MS, T0));
  rejectsWith('stale-timestamp', () => checkTimestamp(T0 - MAX_HANDSHAKE_AGE_MS - 1, T0));
  rejectsWith('future-timestamp', () => checkTimestamp(T0 + MAX_CLOCK_SKEW_MS + 1, T0));
});

test('a Hello older than 10 s is refused as stale-timestamp', () => {
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  rejectsWith('stale-timestamp', () => new ResponderHandshake({ identity: bob, namespace: NAMESPACE }).onHello(init.hello, T0 + 10_001, secret(0x22)));
});

test('a Hello more than 5 s in the future is refused as future-timestamp', () => {
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0 + 5_001, ephemeralSecret: secret(0x11) });
  rejectsWith('future-timestamp', () => new ResponderHandshake({ identity: bob, namespace: NAMESPACE }).onHello(init.hello, T0, secret(0x22)));
});

test('a stale Reply is refused by the initiator', () => {
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  const reply = new ResponderHandshake({ identity: bob, namespace: NAMESPACE }).onHello(init.hello, T0, secret(0x22));
  rejectsWith('stale-timestamp', () => init.onReply(reply, T0 + 10_001));
});

test('a replayed Hello inside the window is refused as replay before any key exchange', () => {
  const cache = new ReplayCache();
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  new ResponderHandshake({ identity: bob, namespace: NAMESPACE, replayCache: cache }).onHello(init.hello, T0, secret(0x22));
  // An invalid ephemeral secret would throw if the responder reached the X25519: the replay check comes first.
  rejectsWith('replay', () => new ResponderHandshake({ identity: bob, namespace: NAMESPACE, replayCache: cache }).onHello(init.hello, T0 + 1_000, new Uint8Array(3)));
});

test('a replayed Hello after the window is refused as stale, not replay', () => {
  const cache = new ReplayCache();
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  new ResponderHandshake({ identity: bob, namespace: NAMESPACE, replayCache: cache }).onHello(init.hello, T0, secret(0x22));
  rejectsWith('stale-timestamp', () => new ResponderHandshake({ identity: bob, namespace: NAMESPACE, replayCache: cache }).onHello(init.hello, T0 + 10_001, secret(0x22)));
});

test('a replayed Hello without a replay cache still fails: the replayer cannot produce the Finish', () => {
  const { hello, finish } = fullHandshake({ initiator: alice, responder: bob });
  const resp = new ResponderHandshake({ identity: bob, namespace: NAMESPACE });
  resp.onHello(hello, T0, secret(0x33)); // a fresh responder ephemeral: a new transcript
  rejectsWith('bad-signature', () => resp.onFinish(finish));
});

test('a Reply whose signature was tampered with is refused as bad-signature', () => {
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  const reply = new ResponderHandshake({ identity: bob, namespace: NAMESPACE }).onHello(init.hello, T0, secret(0x22));
  reply[REPLY_TRANSCRIPT_BYTES + 5] ^= 1;
  rejectsWith('bad-signature', () => init.onReply(reply, T0));
});

test('a Reply whose ephemeral key was replaced is refused as bad-signature (the transcript binds it)', () => {
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  const reply = decodeReply(new ResponderHandshake({ identity: bob, namespace: NAMESPACE }).onHello(init.hello, T0, secret(0x22)));
  reply.responderEphemeral = secret(0x44);
  rejectsWith('bad-signature', () => init.onReply(encodeReply(reply), T0));
});

test('a Reply with a wrong key confirmation is refused as bad-confirmation', () => {
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  const reply = new ResponderHandshake({ identity: bob, namespace: NAMESPACE }).onHello(init.hello, T0, secret(0x22));
  reply[REPLY_BYTES - 1] ^= 0x80;
  rejectsWith('bad-confirmation', () => init.onReply(reply, T0));
});

test('a Finish signed by a key other than the Hello\'s is refused as bad-signature', () => {
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  const resp = new ResponderHandshake({ identity: bob, namespace: NAMESPACE });
  const reply = resp.onHello(init.hello, T0, secret(0x22));
  const { finish } = init.onReply(reply, T0);
  const th = transcriptHash(NAMESPACE, init.hello, reply.subarray(0, REPLY_TRANSCRIPT_BYTES));
  const forged = decodeFinish(finish);
  forged.signature = carol.sign(initiatorSignedMessage(th));
  rejectsWith('bad-signature', () => resp.onFinish(encodeFinish(forged)));
});

test('a Finish with a wrong key confirmation is refused as bad-confirmation', () => {
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  const resp = new ResponderHandshake({ identity: bob, namespace: NAMESPACE });
  const { finish } = init.onReply(resp.onHello(init.hello, T0, secret(0x22)), T0);
  finish[FINISH_BYTES - 1] ^= 1;
  rejectsWith('bad-confirmation', () => resp.onFinish(finish));
});

test('peers with different namespaces cannot complete a handshake', () => {
  assert.throws(() => fullHandshake({ initiator: alice, responder: bob, responderNamespace: new Uint8Array(Buffer.from('other-app')) }),
    (err: unknown) => err instanceof AuthError && err.reason === 'bad-signature');
});

test('a low-order ephemeral key is refused as malformed', () => {
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  const hello = decodeHello(init.hello);
  hello.initiatorEphemeral = new Uint8Array(32); // u = 0: low order
  rejectsWith('malformed', () => new ResponderHandshake({ identity: bob, namespace: NAMESPACE }).onHello(encodeHello(hello), T0, secret(0x22)));
});

test('each role signs with its own label, so a Reply signature cannot be reflected as a Finish', () => {
  const { reply, hello } = fullHandshake({ initiator: alice, responder: bob });
  const th = transcriptHash(NAMESPACE, hello, reply.subarray(0, REPLY_TRANSCRIPT_BYTES));
  const replySig = decodeReply(reply).signature;
  assert.equal(ed25519.verify(replySig, initiatorSignedMessage(th), bob.publicKey), false);
});

test('every reject reason has a distinct stable code', () => {
  const codes = AUTH_REJECT_REASONS.map(authErrorCode);
  assert.equal(new Set(codes).size, codes.length);
  assert.equal(authErrorCode('unknown-key'), 'ERR_AUTH_UNKNOWN_KEY');
  assert.equal(authErrorCode('tampered-frame'), 'ERR_AUTH_TAMPERED_FRAME');
});

test('message codecs round-trip every field (property)', () => {
  const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const ts = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
  fc.assert(fc.property(key, key, ts, key, (i, r, t, e) => {
    const hello = { version: 1, initiatorKey: i, responderKey: r, timestampMs: t, initiatorEphemeral: e };
    assert.deepEqual(decodeHello(encodeHello(hello)), hello);
  }));
  fc.assert(fc.property(key, ts, key, fc.uint8Array({ minLength: 64, maxLength: 64 }), key, (r, t, e, s, c) => {
    const reply = { responderKey: r, timestampMs: t, responderEphemeral: e, signature: s, confirmation: c };
    assert.deepEqual(decodeReply(encodeReply(reply)), reply);
  }));
});

test('changing any byte of the Hello or of the Reply head changes the transcript hash (property)', () => {
  const { hello, reply } = fullHandshake({ initiator: alice, responder: bob });
  const head = reply.subarray(0, REPLY_TRANSCRIPT_BYTES);
  const base = bytesToHex(transcriptHash(NAMESPACE, hello, head));
  fc.assert(fc.property(fc.integer({ min: 0, max: HELLO_BYTES + REPLY_TRANSCRIPT_BYTES - 1 }), fc.integer({ min: 1, max: 255 }), (pos, flip) => {
    const h = hello.slice();
    const r = head.slice();
    if (pos < HELLO_BYTES) h[pos] ^= flip;
    else r[pos - HELLO_BYTES] ^= flip;
    assert.notEqual(bytesToHex(transcriptHash(NAMESPACE, h, r)), base);
  }), { numRuns: 200 });
});

test('decoding a message of the wrong length is refused as malformed', () => {
  rejectsWith('malformed', () => decodeHello(new Uint8Array(104)));
  rejectsWith('malformed', () => decodeReply(new Uint8Array(169)));
  rejectsWith('malformed', () => decodeFinish(new Uint8Array(0)));
});
