/**
 * `V2MessageTransport` on its own, no sockets: the BIP324 handshake between two transports, Core's
 * v1 detection and wrong-network refusal, garbage bounds, decoys, the version packet, message type
 * encodings, every broken-stream error, ShouldReconnectV1, and fuzzing of the decryption path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PACKET_EXPANSION_BYTES } from '../../src/bip324/cipher.js';
import { generateEllSwiftKey } from '../../src/bip324/ellswift.js';
import { V2_MESSAGE_IDS } from '../../src/bip324/message-ids.js';
import type { MessageTransport } from '../../src/peer/message-transport.js';
import { V2TransportError } from '../../src/peer/transport-errors.js';
import {
  MAX_CONTENTS_BYTES, MAX_GARBAGE_BYTES, MAX_PACKET_BUFFER_BYTES, MAX_RESERVE_AHEAD_BYTES, V2MessageTransport,
} from '../../src/peer/v2-transport.js';
import { DEFAULT_RECEIVE_FLOOD_BYTES } from '../../src/peer/types.js';
import { bytesToHex } from '../../src/util/hex.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { encodeFrame } from '../../src/wire/frame.js';
import { FrameError } from '../../src/wire/errors.js';
import { MAINNET, REGTEST, TESTNET3 } from '../../src/wire/params.js';
import { concat, contentsFor, drain, feed, pump, RawV2Remote } from './v2-remote.js';

const MAGIC = REGTEST.magic;
const EMPTY = new Uint8Array(0);

function transport(initiating: boolean, seed: string, garbage?: Uint8Array, magic = MAGIC): V2MessageTransport {
  return new V2MessageTransport({ magic, initiating, random: ChaChaRandom.fromSeed(seed), ...(garbage ? { garbage } : {}) });
}

/** A connected, handshaken pair (initiator, responder). */
function connectedPair(seed = 'pair'): [V2MessageTransport, V2MessageTransport] {
  const a = transport(true, `${seed}-a`);
  const b = transport(false, `${seed}-b`);
  pump(a, b);
  return [a, b];
}

/** A responder under test that has received `remote`'s key and garbage, with `remote` keyed in return. */
function responderFacing(remote: RawV2Remote, garbage: Uint8Array = EMPTY, seed = 'responder'): V2MessageTransport {
  const t = transport(false, seed);
  assert.deepEqual(t.receive(remote.hello(garbage)), []);
  remote.keyFrom(drain(t));
  return t;
}

function expectV2Error(fn: () => unknown, code: string): V2TransportError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof V2TransportError, `expected V2TransportError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

// ---- handshake ----------------------------------------------------------------------------------

test('an initiator and a responder complete the handshake and report v2 with the same session id', () => {
  const [a, b] = connectedPair();
  const ia = a.info();
  const ib = b.info();
  assert.equal(ia.type, 'v2');
  assert.equal(ib.type, 'v2');
  assert.ok(ia.sessionId && ib.sessionId);
  assert.equal(bytesToHex(ia.sessionId), bytesToHex(ib.sessionId));
  assert.equal(a.receiveState, 'app');
  assert.equal(b.sendingState, 'ready');
});

test('the handshake completes when every byte arrives on its own', () => {
  const a = transport(true, 'bytewise-a', new Uint8Array(300).fill(7));
  const b = transport(false, 'bytewise-b', new Uint8Array(17).fill(9));
  a.send('ping', new Uint8Array(8).fill(1));
  const { atB } = pump(a, b, 1);
  assert.deepEqual(atB.map((f) => f.command), ['ping']);
  assert.equal(a.info().type, 'v2');
  assert.equal(b.info().type, 'v2');
});

test('the initiator sends its 64-byte key and its garbage at once, before receiving anything', () => {
  const garbage = new Uint8Array(100).fill(0xab);
  const a = transport(true, 'init', garbage);
  const out = a.takeOutgoing();
  assert.equal(out.length, 1);
  assert.equal(out[0].bytes.length, 64 + 100);
  assert.equal(out[0].command, undefined, 'handshake bytes carry no message type');
  assert.deepEqual(out[0].bytes.subarray(0, 64), a.ourPublicKey);
  assert.deepEqual(out[0].bytes.subarray(64), garbage);
});

test('garbage is 0 to 4095 random bytes when not fixed', () => {
  const lengths = new Set<number>();
  for (let i = 0; i < 20; i++) {
    const len = drain(transport(true, `garbage-${i}`)).length - 64;
    assert.ok(len >= 0 && len <= MAX_GARBAGE_BYTES, `garbage of ${len} bytes`);
    lengths.add(len);
  }
  assert.ok(lengths.size > 10, 'lengths vary');
});

test('garbage longer than 4095 bytes cannot be configured', () => {
  assert.throws(() => transport(true, 'too-much', new Uint8Array(MAX_GARBAGE_BYTES + 1)), { code: 'ERR_ARGUMENT' });
});

test('a responder sends nothing until a received byte differs from the v1 prefix, then its key and garbage', () => {
  const b = transport(false, 'quiet', new Uint8Array(5));
  assert.deepEqual(b.receive(MAGIC), []);
  assert.equal(drain(b).length, 0, 'the magic alone could still be v1');
  assert.equal(b.info().type, 'detecting');
  assert.deepEqual(b.receive(Uint8Array.of(0x00)), []);
  assert.equal(drain(b).length, 64 + 5);
  assert.equal(b.sendingState, 'awaiting-key');
});

test('messages sent before the handshake are held back, counted as queued, and go out in order after the version packet', () => {
  const a = transport(true, 'held-a');
  const b = transport(false, 'held-b');
  const hello = drain(a);
  a.send('version', new Uint8Array(90).fill(1));
  a.send('verack', EMPTY);
  assert.equal(a.takeOutgoing().length, 0, 'nothing can be encrypted before the key exchange');
  assert.equal(a.queuedBytes, (1 + 12 + 90) + (1 + 12));
  feed(b, hello);
  feed(a, drain(b));
  assert.equal(a.queuedBytes > 0, true);
  const out = a.takeOutgoing();
  assert.deepEqual(out.map((o) => o.command), [undefined, 'version', 'verack']);
  assert.equal(out[0].bytes.length, 16 + PACKET_EXPANSION_BYTES, 'terminator + empty version packet');
  assert.equal(out[1].bytes.length, 13 + 90 + PACKET_EXPANSION_BYTES);
  assert.equal(a.queuedBytes, 0);
  const got = feed(b, concat(...out.map((o) => o.bytes)));
  assert.deepEqual(got.map((f) => f.command), ['version', 'verack']);
});

test('packet sizes are contents + 20 bytes: 1 byte for a short message id, 13 for the long form', () => {
  const [a, b] = connectedPair('sizes');
  a.send('ping', new Uint8Array(8));
  a.send('version', new Uint8Array(100));
  const out = a.takeOutgoing();
  assert.equal(out[0].bytes.length, 1 + 8 + 20);
  assert.equal(out[1].bytes.length, 13 + 100 + 20);
  const got = feed(b, concat(out[0].bytes, out[1].bytes));
  assert.deepEqual(got.map((f) => [f.command, f.payload.length, f.rawSize]), [['ping', 8, 29], ['version', 100, 133]]);
});

test('every BIP324 short message id round-trips as its message type', () => {
  const [a, b] = connectedPair('ids');
  const types = V2_MESSAGE_IDS.filter((t) => t !== '');
  assert.equal(types.length, 28);
  for (const t of types) a.send(t, Uint8Array.of(1, 2, 3));
  const out = a.takeOutgoing();
  for (const o of out) assert.equal(o.bytes.length, 1 + 3 + 20, `${o.command} uses a short id`);
  assert.deepEqual(feed(b, concat(...out.map((o) => o.bytes))).map((f) => f.command), types);
});

test('message types without a short id, including unknown ones, use the 12-byte form and round-trip', () => {
  const [a, b] = connectedPair('long');
  for (const t of ['version', 'verack', 'sendaddrv2', 'wtxidrelay', 'sendheaders', 'getaddr', 'xyzzy', 'abcdefghijkl']) a.send(t, Uint8Array.of(9));
  const got = feed(b, drain(a));
  assert.deepEqual(got.map((f) => f.command), ['version', 'verack', 'sendaddrv2', 'wtxidrelay', 'sendheaders', 'getaddr', 'xyzzy', 'abcdefghijkl']);
  for (const f of got) assert.equal(f.rawSize, 13 + 1 + 20);
});

test('a command that is not ≤ 12 printable characters is refused with ArgumentError', () => {
  const [a] = connectedPair('badcmd');
  assert.throws(() => a.send('thirteen-char', EMPTY), { code: 'ERR_ARGUMENT' });
  assert.throws(() => a.send('bad\x01', EMPTY), { code: 'ERR_ARGUMENT' });
});

// ---- v1 detection ------------------------------------------------------------------------------

test('an inbound connection that starts with magic ‖ "version\\0…" is served v1: frames decode, replies are v1 frames', () => {
  const b = transport(false, 'v1-detect');
  const version = encodeFrame(MAGIC, 'version', new Uint8Array(102).fill(3));
  const got = b.receive(concat(version, encodeFrame(MAGIC, 'verack', EMPTY)));
  assert.deepEqual(got.map((f) => [f.command, f.rawSize]), [['version', 24 + 102], ['verack', 24]]);
  assert.equal(drain(b).length, 0, 'no key was sent to a v1 peer');
  assert.deepEqual(b.info(), { type: 'v1' });
  b.send('verack', EMPTY);
  const reply = b.takeOutgoing();
  assert.deepEqual(reply[0].bytes, encodeFrame(MAGIC, 'verack', EMPTY));
  assert.equal(reply[0].command, 'verack');
});

test('an inbound transport that turns out to be v1 never generates a key: no randomness is drawn', () => {
  const random = ChaChaRandom.fromSeed('lazy-key');
  const b = new V2MessageTransport({ magic: MAGIC, initiating: false, random });
  b.receive(encodeFrame(MAGIC, 'version', new Uint8Array(20)));
  assert.equal(b.info().type, 'v1');
  assert.equal(random.rand64(), ChaChaRandom.fromSeed('lazy-key').rand64(), 'the generator is untouched');
});

test('v1 detection works when the 16-byte prefix arrives one byte at a time', () => {
  const b = transport(false, 'v1-bytewise');
  const stream = encodeFrame(MAGIC, 'version', new Uint8Array(50).fill(1));
  const got = feed(b, stream, 1);
  assert.deepEqual(got.map((f) => f.command), ['version']);
  assert.equal(b.info().type, 'v1');
});

test('messages queued before v1 was detected go out as v1 frames', () => {
  const b = transport(false, 'v1-queued');
  b.send('verack', EMPTY);
  assert.equal(b.takeOutgoing().length, 0);
  b.receive(encodeFrame(MAGIC, 'version', new Uint8Array(10)).subarray(0, 16));
  assert.deepEqual(b.takeOutgoing().map((o) => bytesToHex(o.bytes)), [bytesToHex(encodeFrame(MAGIC, 'verack', EMPTY))]);
});

test('after the v1 fallback a framing error is the v1 FrameError, as for a v1 connection', () => {
  const b = transport(false, 'v1-bad');
  b.receive(encodeFrame(MAGIC, 'version', new Uint8Array(4)));
  assert.throws(() => b.receive(encodeFrame(MAINNET.magic, 'verack', EMPTY)), (e) => e instanceof FrameError && e.code === 'ERR_FRAME_MAGIC');
});

test('a v1 version header with another network\'s magic is refused as a wrong-network peer', () => {
  const b = transport(false, 'wrong-net');
  const err = expectV2Error(() => b.receive(encodeFrame(TESTNET3.magic, 'version', new Uint8Array(100))), 'ERR_V2_WRONG_NETWORK');
  assert.match(err.message, /V1 peer with wrong MessageStart 0b110907/);
  expectV2Error(() => b.receive(Uint8Array.of(1)), 'ERR_V2_FAILED');
});

test('the wrong-network verdict on exactly the 16-byte v1 prefix does not depend on how the bytes were split (fuzzer finding)', () => {
  // Core only checks once a byte beyond the prefix arrives in its key state; Peerbook checks at once.
  const prefix = encodeFrame(TESTNET3.magic, 'version', new Uint8Array(100)).subarray(0, 16);
  const whole = transport(false, 'wrong-net-whole');
  expectV2Error(() => whole.receive(prefix), 'ERR_V2_WRONG_NETWORK');
  for (const split of [1, 4, 8, 15]) {
    const parts = transport(false, `wrong-net-split-${split}`);
    assert.deepEqual(parts.receive(prefix.subarray(0, split)), []);
    expectV2Error(() => parts.receive(prefix.subarray(split)), 'ERR_V2_WRONG_NETWORK');
  }
});

test('an outbound transport does not look for a v1 prefix: a v2 key that happens to start with the magic is a key', () => {
  const a = transport(true, 'outbound-prefix');
  const keyLike = concat(encodeFrame(MAGIC, 'version', EMPTY).subarray(0, 16), new Uint8Array(48).fill(5));
  assert.deepEqual(a.receive(keyLike), []);
  assert.equal(a.receiveState, 'garbage');
});

// ---- garbage ----------------------------------------------------------------------------------

for (const size of [0, 1, 15, 16, 17, 4094, MAX_GARBAGE_BYTES]) {
  test(`garbage of ${size} bytes before the terminator is accepted and authenticated by the version packet`, () => {
    const remote = new RawV2Remote(MAGIC, true, `garbage-${size}`);
    const garbage = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
    const t = responderFacing(remote, garbage);
    const got = t.receive(concat(remote.terminator(), remote.packet(EMPTY, garbage), remote.message('ping', new Uint8Array(8))));
    assert.deepEqual(got.map((f) => f.command), ['ping']);
    assert.equal(t.info().type, 'v2');
  });
}

test('4096 bytes of garbage without the terminator are refused after exactly 4095 + 16 bytes were scanned', () => {
  const remote = new RawV2Remote(MAGIC, true, 'garbage-over');
  const t = responderFacing(remote);
  const junk = new Uint8Array(MAX_GARBAGE_BYTES + 16 - 1).fill(0x5a);
  assert.deepEqual(t.receive(junk), [], 'one byte short of the limit is still waiting');
  assert.equal(t.bufferedBytes, MAX_GARBAGE_BYTES + 15);
  expectV2Error(() => t.receive(Uint8Array.of(0x5a)), 'ERR_V2_GARBAGE_TERMINATOR');
});

test('a terminator split across chunks is found, and bytes after it in the same chunk are read as packets', () => {
  const remote = new RawV2Remote(MAGIC, true, 'split-term');
  const garbage = new Uint8Array(40).fill(1);
  const t = responderFacing(remote, garbage);
  const term = remote.terminator();
  assert.deepEqual(t.receive(term.subarray(0, 7)), []);
  const got = t.receive(concat(term.subarray(7), remote.packet(EMPTY, garbage), remote.message('verack')));
  assert.deepEqual(got.map((f) => f.command), ['verack']);
});

test('a version packet whose AAD is not the garbage sent is a decryption failure', () => {
  const remote = new RawV2Remote(MAGIC, true, 'bad-aad');
  const garbage = Uint8Array.of(1, 2, 3);
  const t = responderFacing(remote, garbage);
  expectV2Error(() => t.receive(concat(remote.terminator(), remote.packet(EMPTY, Uint8Array.of(1, 2, 4)))), 'ERR_V2_DECRYPT');
});

// ---- packets --------------------------------------------------------------------------------------

test('decoys before the version packet and between messages are authenticated, ignored and counted', () => {
  const remote = new RawV2Remote(MAGIC, true, 'decoys');
  const garbage = Uint8Array.of(9, 9);
  const t = responderFacing(remote, garbage);
  const got = t.receive(concat(
    remote.terminator(),
    remote.packet(new Uint8Array(10), garbage, true), // the first packet carries the garbage as AAD, decoy or not
    remote.packet(new Uint8Array(300), EMPTY, true),
    remote.packet(EMPTY),
    remote.message('ping', new Uint8Array(8)),
    remote.packet(contentsFor('tx', new Uint8Array(5)), EMPTY, true),
    remote.message('pong', new Uint8Array(8)),
  ));
  assert.deepEqual(got.map((f) => f.command), ['ping', 'pong']);
  assert.equal(t.decoysReceived, 3);
});

test('a version packet with contents is accepted and its contents ignored (reserved for extensions)', () => {
  const remote = new RawV2Remote(MAGIC, true, 'version-contents');
  const t = responderFacing(remote);
  const got = t.receive(concat(remote.terminator(), remote.packet(new Uint8Array(77).fill(0xee)), remote.message('inv', Uint8Array.of(0))));
  assert.deepEqual(got.map((f) => f.command), ['inv']);
  assert.equal(t.info().type, 'v2');
});

test('the transport reports detecting until the version packet arrives, then v2', () => {
  const remote = new RawV2Remote(MAGIC, true, 'info');
  const t = responderFacing(remote);
  assert.equal(t.info().type, 'detecting');
  t.receive(remote.terminator());
  assert.equal(t.info().type, 'detecting');
  t.receive(remote.packet(EMPTY));
  assert.equal(t.info().type, 'v2');
  assert.equal(bytesToHex(t.info().sessionId!), bytesToHex(remote.cipher.sessionId));
});

test('a flipped bit in an application packet is a decryption failure, and the transport refuses more input', () => {
  const [a, b] = connectedPair('tamper');
  a.send('ping', new Uint8Array(8));
  const packet = drain(a);
  packet[10] ^= 0x04;
  const err = expectV2Error(() => b.receive(packet), 'ERR_V2_DECRYPT');
  assert.match(err.message, /packet decryption failure/);
  expectV2Error(() => b.receive(Uint8Array.of(0)), 'ERR_V2_FAILED');
});

test('messages completed before a failure in the same chunk are on the error', () => {
  const [a, b] = connectedPair('partial');
  a.send('ping', new Uint8Array(8));
  a.send('pong', new Uint8Array(8));
  const out = a.takeOutgoing();
  const second = Uint8Array.from(out[1].bytes);
  second[second.length - 1] ^= 1;
  const err = expectV2Error(() => b.receive(concat(out[0].bytes, second)), 'ERR_V2_DECRYPT');
  assert.deepEqual(err.completed.map((f) => f.command), ['ping']);
});

test('a length above 1 + 12 + 4,000,000 bytes is refused as soon as the 3 length bytes arrive', () => {
  const remote = new RawV2Remote(MAGIC, true, 'too-large');
  const t = responderFacing(remote);
  t.receive(concat(remote.terminator(), remote.packet(EMPTY)));
  // A packet encrypted with one byte too many: only its 3 length bytes are sent.
  const lengthOnly = remote.cipher.encrypt(new Uint8Array(MAX_CONTENTS_BYTES + 1)).subarray(0, 3);
  const err = expectV2Error(() => t.receive(lengthOnly), 'ERR_V2_PACKET_TOO_LARGE');
  assert.match(err.message, /packet too large \(4000014 bytes\)/);
  assert.equal(t.packetBufferCapacity, 0, 'nothing was allocated for the body');
});

test('a packet of exactly the maximum contents length is accepted', () => {
  const remote = new RawV2Remote(MAGIC, true, 'max-size');
  const t = responderFacing(remote);
  t.receive(concat(remote.terminator(), remote.packet(EMPTY)));
  const contents = contentsFor('zzz', new Uint8Array(MAX_CONTENTS_BYTES - 13));
  assert.equal(contents.length, MAX_CONTENTS_BYTES);
  const got = t.receive(remote.packet(contents));
  assert.equal(got.length, 1);
  assert.equal(got[0].payload.length, 4_000_000);
  assert.equal(got[0].rawSize, MAX_CONTENTS_BYTES + PACKET_EXPANSION_BYTES);
});

test('a large packet arriving in small pieces never has more than 256 KiB allocated beyond the bytes received', () => {
  const remote = new RawV2Remote(MAGIC, true, 'reserve');
  const t = responderFacing(remote);
  t.receive(concat(remote.terminator(), remote.packet(EMPTY)));
  const packet = remote.message('block', new Uint8Array(3_000_000));
  let maxAhead = 0;
  let got: ReturnType<MessageTransport['receive']> = [];
  for (let i = 0; i < packet.length; i += 10_000) {
    got = t.receive(packet.subarray(i, i + 10_000));
    maxAhead = Math.max(maxAhead, t.packetBufferCapacity - t.bufferedBytes);
    assert.ok(t.bufferedBytes <= MAX_PACKET_BUFFER_BYTES);
  }
  assert.ok(maxAhead <= MAX_RESERVE_AHEAD_BYTES, `${maxAhead} bytes allocated ahead`);
  assert.deepEqual(got.map((f) => [f.command, f.payload.length]), [['block', 3_000_000]]);
  assert.equal(t.bufferedBytes, 0);
});

test('the most a v2 transport buffers for one packet is below the 5 MB receive-flood size', () => {
  assert.equal(MAX_PACKET_BUFFER_BYTES, 4_000_013 + 20);
  assert.ok(MAX_PACKET_BUFFER_BYTES < DEFAULT_RECEIVE_FLOOD_BYTES);
});

test('a flood of large decoys is discarded packet by packet: nothing accumulates', () => {
  const remote = new RawV2Remote(MAGIC, true, 'decoy-flood');
  const t = responderFacing(remote);
  t.receive(concat(remote.terminator(), remote.packet(EMPTY)));
  const decoy = new Uint8Array(1_000_000);
  let peak = 0;
  for (let i = 0; i < 12; i++) { // 12 MB of decoys, over twice the receive-flood size
    const p = remote.packet(decoy, EMPTY, true);
    for (let off = 0; off < p.length; off += 65_536) {
      assert.deepEqual(t.receive(p.subarray(off, off + 65_536)), []);
      peak = Math.max(peak, t.bufferedBytes, t.packetBufferCapacity);
    }
    assert.equal(t.bufferedBytes, 0);
  }
  assert.equal(t.decoysReceived, 12);
  assert.ok(peak <= decoy.length + PACKET_EXPANSION_BYTES, `peak ${peak}`);
  assert.deepEqual(t.receive(remote.message('ping', new Uint8Array(8))).map((f) => f.command), ['ping']);
});

test('an invalid message type is dropped and counted, and the connection continues (Core reject_message)', () => {
  const remote = new RawV2Remote(MAGIC, true, 'bad-types');
  const t = responderFacing(remote);
  t.receive(concat(remote.terminator(), remote.packet(EMPTY)));
  const bad = [
    EMPTY, // no message type at all
    Uint8Array.of(33, 1, 2), // id above BIP324's table
    Uint8Array.of(0xff),
    concat(Uint8Array.of(0), new Uint8Array(11)), // long form with fewer than 12 type bytes
    concat(Uint8Array.of(0, 0x61, 0x01), new Uint8Array(10)), // control character in the type
    concat(Uint8Array.of(0, 0x61, 0x00, 0x62), new Uint8Array(9)), // non-NUL after the NUL padding
  ];
  const got = t.receive(concat(...bad.map((c) => remote.packet(c)), remote.message('ping', new Uint8Array(8))));
  assert.deepEqual(got.map((f) => f.command), ['ping']);
  assert.equal(t.droppedMessages, bad.length);
  assert.equal(t.droppedBytes, bad.reduce((n, c) => n + c.length + PACKET_EXPANSION_BYTES, 0));
});

test('ids 29–32 (assigned by BIP324, unimplemented by Core) decode as the empty message type, as in Core', () => {
  const remote = new RawV2Remote(MAGIC, true, 'ids-29');
  const t = responderFacing(remote);
  t.receive(concat(remote.terminator(), remote.packet(EMPTY)));
  const got = t.receive(concat(...[29, 30, 31, 32].map((id) => remote.packet(Uint8Array.of(id, 7)))));
  assert.deepEqual(got.map((f) => [f.command, f.payload.length]), [['', 1], ['', 1], ['', 1], ['', 1]]);
  assert.equal(t.droppedMessages, 0);
});

test('the long form accepts 0x7f in a message type, as Core\'s GetMessageType does', () => {
  const remote = new RawV2Remote(MAGIC, true, 'del');
  const t = responderFacing(remote);
  t.receive(concat(remote.terminator(), remote.packet(EMPTY)));
  const got = t.receive(remote.packet(concat(Uint8Array.of(0, 0x61, 0x7f), new Uint8Array(10))));
  assert.deepEqual(got.map((f) => f.command), ['a\x7f']);
});

test('both sides rekey every 224 packets: 1000 messages each way decrypt in order', () => {
  const [a, b] = connectedPair('rekey');
  for (let i = 0; i < 1000; i++) a.send('ping', Uint8Array.of(i & 0xff, i >> 8, 0, 0, 0, 0, 0, 0));
  for (let i = 0; i < 1000; i++) b.send('pong', Uint8Array.of(i & 0xff, i >> 8, 0, 0, 0, 0, 0, 0));
  const { atA, atB } = pump(a, b);
  assert.equal(atB.length, 1000);
  assert.equal(atA.length, 1000);
  assert.deepEqual([...atB[999].payload.subarray(0, 2)], [999 & 0xff, 999 >> 8]);
});

test('however both byte streams are split, the same messages arrive in order', () => {
  const keyA = generateEllSwiftKey(ChaChaRandom.fromSeed('split-a'));
  const keyB = generateEllSwiftKey(ChaChaRandom.fromSeed('split-b'));
  fc.assert(fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: MAX_GARBAGE_BYTES }), fc.integer({ min: 0, max: 5 }), (chunk, garbageLength, leadingCount) => {
    const a = new V2MessageTransport({ magic: MAGIC, initiating: true, random: ChaChaRandom.fromSeed('split'), key: keyA, garbage: new Uint8Array(garbageLength).fill(0x77) });
    const b = new V2MessageTransport({ magic: MAGIC, initiating: false, random: ChaChaRandom.fromSeed('split'), key: keyB });
    for (let i = 0; i < leadingCount; i++) a.send('notfound', new Uint8Array(i));
    a.send('version', new Uint8Array(102));
    a.send('verack', EMPTY);
    a.send('tx', new Uint8Array(1000).fill(3));
    const { atB } = pump(a, b, chunk);
    assert.deepEqual(atB.map((f) => [f.command, f.payload.length]),
      [...Array.from({ length: leadingCount }, (_, i) => ['notfound', i]), ['version', 102], ['verack', 0], ['tx', 1000]]);
  }), { numRuns: 25 });
});

// ---- ShouldReconnectV1 ----------------------------------------------------------------------------

test('an outbound attempt that received nothing after sending at least 24 bytes should be retried with v1', () => {
  const a = transport(true, 'reconnect', EMPTY);
  drain(a);
  a.markBytesSent(23);
  assert.equal(a.shouldReconnectV1(), false, 'less than a v1 header has gone out');
  a.markBytesSent(1);
  assert.equal(a.shouldReconnectV1(), true);
});

test('an outbound attempt that received even one byte is not retried with v1', () => {
  const a = transport(true, 'reconnect-recv');
  a.markBytesSent(drain(a).length);
  a.receive(Uint8Array.of(1));
  assert.equal(a.shouldReconnectV1(), false);
});

test('an inbound connection is never retried with v1', () => {
  const b = transport(false, 'reconnect-in');
  b.markBytesSent(1000);
  assert.equal(b.shouldReconnectV1(), false);
  b.receive(Uint8Array.of(0));
  b.markBytesSent(drain(b).length);
  assert.equal(b.shouldReconnectV1(), false);
});

// ---- fuzzing ------------------------------------------------------------------------------------

/** Feeds `bytes` in the given chunk sizes; returns the error if one was thrown (only typed ones are allowed). */
function feedExpectingOnlyTypedErrors(t: MessageTransport, bytes: Uint8Array, sizes: number[]): void {
  let pos = 0;
  let i = 0;
  try {
    while (pos < bytes.length) {
      const n = sizes[i++ % sizes.length];
      t.receive(bytes.subarray(pos, pos + n));
      pos += n;
      assert.ok(t.bufferedBytes <= MAX_GARBAGE_BYTES + 16 + MAX_PACKET_BUFFER_BYTES);
    }
  } catch (e) {
    if (e instanceof V2TransportError || e instanceof FrameError) return;
    throw e;
  }
}

test('fuzz: random bytes into a responder raise only typed errors and stay within the buffer bounds', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 6000 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }), (junk, sizes) => {
    feedExpectingOnlyTypedErrors(transport(false, 'fuzz-responder'), junk, sizes);
  }), { numRuns: 150 });
});

test('fuzz: random bytes after a valid key exchange raise only typed errors', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 6000 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }), (junk, sizes) => {
    const remote = new RawV2Remote(MAGIC, true, 'fuzz-remote');
    const t = responderFacing(remote, EMPTY, 'fuzz-after-key');
    feedExpectingOnlyTypedErrors(t, concat(remote.terminator(), remote.packet(EMPTY), junk), sizes);
  }), { numRuns: 100 });
});

test('fuzz: a valid v2 stream with one byte changed either still decodes the same messages up to the change or fails with a typed error', () => {
  const base = transport(true, 'fuzz-base', new Uint8Array(30).fill(1));
  const peer = transport(false, 'fuzz-peer', EMPTY);
  // Record the initiator's whole stream for a fixed conversation.
  const hello = drain(base);
  feed(base, drain((peer.receive(hello), peer)));
  base.send('version', new Uint8Array(80).fill(2));
  base.send('verack', EMPTY);
  base.send('ping', new Uint8Array(8));
  const stream = concat(hello, drain(base));
  const responderKey = peer.ourPublicKey;
  fc.assert(fc.property(fc.integer({ min: 0, max: stream.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
    const mutated = Uint8Array.from(stream);
    mutated[at] ^= xor;
    // A fresh responder with the same key as `peer`, so the unmutated stream would decode completely.
    const t = new V2MessageTransport({ magic: MAGIC, initiating: false, random: ChaChaRandom.fromSeed('fuzz-peer'), garbage: EMPTY });
    assert.deepEqual(t.ourPublicKey, responderKey);
    try {
      const got = t.receive(mutated);
      // No error: the change fell where it cannot be detected yet (a changed key moves the terminator,
      // a changed length leaves the decoder waiting), so what came out is an unaltered prefix.
      const expected = [['version', 80], ['verack', 0], ['ping', 8]].slice(0, got.length);
      assert.deepEqual(got.map((f) => [f.command, f.payload.length]), expected);
      assert.ok(got.length < 3, 'a changed byte cannot leave every message intact');
    } catch (e) {
      assert.ok(e instanceof V2TransportError || e instanceof FrameError, String(e));
    }
  }), { numRuns: 200 });
});
