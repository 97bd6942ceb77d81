import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '../../src/util/hex.js';
import { FrameError } from '../../src/wire/errors.js';
import {
  decodeHeader, decodeSingleFrame, encodeFrame, FrameDecoder, HEADER_SIZE, isCommandValid, type DroppedFrame,
  MAX_PROTOCOL_MESSAGE_LENGTH, PAYLOAD_BLOCK_BYTES,
} from '../../src/wire/frame.js';

const MAIN = hexToBytes('f9beb4d9');
const REGTEST = hexToBytes('fabfb5da');
const VERACK_FRAME = 'f9beb4d976657261636b000000000000000000005df6e0e2';

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** A header with arbitrary fields, for malformed-frame tests. */
function rawHeader(magic: Uint8Array, command: Uint8Array | string, length: number, checksum = new Uint8Array(4)): Uint8Array {
  const h = new Uint8Array(HEADER_SIZE);
  h.set(magic, 0);
  h.set(typeof command === 'string' ? Buffer.from(command, 'latin1') : command, 4);
  new DataView(h.buffer).setUint32(16, length, true);
  h.set(checksum, 20);
  return h;
}

function catchFrameError(fn: () => unknown): FrameError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FrameError, `expected FrameError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a FrameError');
}

test('a verack frame encodes to Core\'s exact bytes', () => {
  assert.equal(bytesToHex(encodeFrame(MAIN, 'verack', new Uint8Array(0))), VERACK_FRAME);
});

test('the header splits into magic, command, length and checksum', () => {
  const h = decodeHeader(hexToBytes(VERACK_FRAME));
  assert.equal(bytesToHex(h.magic), 'f9beb4d9');
  assert.equal(h.command, 'verack');
  assert.equal(h.length, 0);
  assert.equal(bytesToHex(h.checksum), '5df6e0e2');
});

test('encodeFrame refuses commands Core could not send', () => {
  assert.throws(() => encodeFrame(MAIN, 'thirteen-char', new Uint8Array(0)), { code: 'ERR_ARGUMENT' });
  assert.throws(() => encodeFrame(MAIN, 'ver\nack', new Uint8Array(0)), { code: 'ERR_ARGUMENT' });
  assert.throws(() => encodeFrame(MAIN, 'vérack', new Uint8Array(0)), { code: 'ERR_ARGUMENT' });
  assert.throws(() => encodeFrame(new Uint8Array(3), 'verack', new Uint8Array(0)), { code: 'ERR_ARGUMENT' });
});

test('isCommandValid follows Core IsMessageTypeValid', () => {
  const field = (s: string) => { const b = new Uint8Array(12); b.set(Buffer.from(s, 'latin1')); return b; };
  assert.equal(isCommandValid(field('version')), true);
  assert.equal(isCommandValid(field('')), true);
  assert.equal(isCommandValid(field('twelve-chars')), true);
  assert.equal(isCommandValid(field('ver\x00sion')), false);
  assert.equal(isCommandValid(field('ver\x7fion')), false);
  assert.equal(isCommandValid(field('ver\x1fion')), false);
});

test('the decoder returns a complete message with its raw size', () => {
  const d = new FrameDecoder(MAIN);
  const out = d.push(hexToBytes(VERACK_FRAME));
  assert.deepEqual(out.map((m) => [m.command, m.payload.length, m.rawSize]), [['verack', 0, 24]]);
  assert.equal(d.bufferedBytes, 0);
});

test('several messages in one chunk come out in order', () => {
  const ping = encodeFrame(MAIN, 'ping', hexToBytes('0102030405060708'));
  const d = new FrameDecoder(MAIN);
  const out = d.push(concat(hexToBytes(VERACK_FRAME), ping, hexToBytes(VERACK_FRAME)));
  assert.deepEqual(out.map((m) => m.command), ['verack', 'ping', 'verack']);
  assert.equal(bytesToHex(out[1].payload), '0102030405060708');
  assert.equal(out[1].rawSize, 32);
});

test('a stream split at any byte boundary decodes the same', () => {
  const stream = concat(
    encodeFrame(MAIN, 'ping', hexToBytes('0102030405060708')),
    hexToBytes(VERACK_FRAME),
    encodeFrame(MAIN, 'inv', new Uint8Array(37).fill(7)),
  );
  for (let cut = 0; cut <= stream.length; cut++) {
    const d = new FrameDecoder(MAIN);
    const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
    assert.deepEqual(out.map((m) => m.command), ['ping', 'verack', 'inv'], `cut at ${cut}`);
    assert.equal(d.bufferedBytes, 0);
  }
});

test('random chunking of random messages yields exactly those messages (property)', () => {
  const msg = fc.record({
    command: fc.string({ maxLength: 12, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
    payload: fc.uint8Array({ maxLength: 300 }),
  });
  fc.assert(fc.property(fc.array(msg, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1 }), (msgs, sizes) => {
    const stream = concat(...msgs.map((m) => encodeFrame(REGTEST, m.command, m.payload)));
    const d = new FrameDecoder(REGTEST);
    const out = [];
    let pos = 0;
    for (let i = 0; pos < stream.length; i++) {
      const n = sizes[i % sizes.length];
      out.push(...d.push(stream.subarray(pos, pos + n)));
      pos += n;
    }
    assert.deepEqual(out.map((m) => [m.command, bytesToHex(m.payload), m.rawSize]),
      msgs.map((m) => [m.command, bytesToHex(m.payload), 24 + m.payload.length]));
    assert.equal(d.bufferedBytes, 0);
  }));
});

test('returned payloads are copies, independent of the caller\'s (Buffer) chunks', () => {
  const chunk = Buffer.from(encodeFrame(MAIN, 'ping', hexToBytes('0102030405060708')));
  const [whole] = new FrameDecoder(MAIN).push(chunk);
  const d = new FrameDecoder(MAIN);
  d.push(chunk.subarray(0, 28));
  const [split] = d.push(chunk.subarray(28));
  chunk.fill(0);
  assert.equal(bytesToHex(whole.payload), '0102030405060708');
  assert.equal(bytesToHex(split.payload), '0102030405060708');
});

test('bufferedBytes counts header and payload bytes not yet returned', () => {
  const frame = encodeFrame(MAIN, 'ping', hexToBytes('0102030405060708'));
  const d = new FrameDecoder(MAIN);
  assert.deepEqual(d.push(frame.subarray(0, 10)), []);
  assert.equal(d.bufferedBytes, 10);
  assert.deepEqual(d.push(frame.subarray(10, 28)), []);
  assert.equal(d.bufferedBytes, 28);
  assert.equal(d.push(frame.subarray(28)).length, 1);
  assert.equal(d.bufferedBytes, 0);
});

test('an empty-payload message completes when its header completes', () => {
  const d = new FrameDecoder(MAIN);
  const frame = hexToBytes(VERACK_FRAME);
  assert.deepEqual(d.push(frame.subarray(0, 23)), []);
  assert.equal(d.push(frame.subarray(23)).length, 1);
});

test('wrong magic is ERR_FRAME_MAGIC naming both magics', () => {
  const d = new FrameDecoder(REGTEST);
  const err = catchFrameError(() => d.push(hexToBytes(VERACK_FRAME)));
  assert.equal(err.code, 'ERR_FRAME_MAGIC');
  assert.match(err.message, /wrong network magic f9beb4d9, expected fabfb5da/);
});

test('after an error the decoder refuses further input', () => {
  const d = new FrameDecoder(REGTEST);
  catchFrameError(() => d.push(hexToBytes(VERACK_FRAME)));
  const again = catchFrameError(() => d.push(encodeFrame(REGTEST, 'verack', new Uint8Array(0))));
  assert.equal(again.code, 'ERR_FRAME_FAILED');
  assert.equal(d.failure?.code, 'ERR_FRAME_MAGIC');
});

test('an oversized length fails as soon as the header is complete', () => {
  const d = new FrameDecoder(MAIN);
  const err = catchFrameError(() => d.push(rawHeader(MAIN, 'inv', MAX_PROTOCOL_MESSAGE_LENGTH + 1)));
  assert.equal(err.code, 'ERR_FRAME_OVERSIZE');
  assert.equal(err.message, "oversized message: length 4000001 > 4000000 for command 'inv'");
});

test('a message of exactly the maximum length is accepted', () => {
  const d = new FrameDecoder(MAIN, 1000);
  assert.equal(d.push(encodeFrame(MAIN, 'tx', new Uint8Array(1000))).length, 1);
  const err = catchFrameError(() => new FrameDecoder(MAIN, 1000).push(encodeFrame(MAIN, 'tx', new Uint8Array(1001))));
  assert.equal(err.code, 'ERR_FRAME_OVERSIZE');
  assert.match(err.message, /length 1001 > 1000 for command 'tx'/);
});

test('maxPayload outside [0, MAX_SIZE] is an ArgumentError', () => {
  assert.throws(() => new FrameDecoder(MAIN, -1), { code: 'ERR_ARGUMENT' });
  assert.throws(() => new FrameDecoder(MAIN, 0x02000001), { code: 'ERR_ARGUMENT' });
  assert.throws(() => new FrameDecoder(new Uint8Array(5)), { code: 'ERR_ARGUMENT' });
});

test('a non-printable command byte is ERR_FRAME_COMMAND', () => {
  const err = catchFrameError(() => new FrameDecoder(MAIN).push(rawHeader(MAIN, 'ver\x01ack', 0)));
  assert.equal(err.code, 'ERR_FRAME_COMMAND');
  assert.match(err.message, /non-printable byte 0x01 at position 3/);
});

test('a non-NUL byte after the NUL padding is ERR_FRAME_COMMAND', () => {
  const err = catchFrameError(() => new FrameDecoder(MAIN).push(rawHeader(MAIN, 'verack\x00\x00x', 0)));
  assert.equal(err.code, 'ERR_FRAME_COMMAND');
  assert.match(err.message, /non-NUL byte 0x78 at position 8 after NUL padding/);
});

test('a bad checksum is ERR_FRAME_CHECKSUM with both checksums', () => {
  const frame = encodeFrame(MAIN, 'ping', hexToBytes('0102030405060708'));
  frame[frame.length - 1] ^= 1;
  const err = catchFrameError(() => new FrameDecoder(MAIN).push(frame));
  assert.equal(err.code, 'ERR_FRAME_CHECKSUM');
  assert.match(err.message, /bad checksum for command 'ping' \(8 bytes\): header has [0-9a-f]{8}, payload hashes to [0-9a-f]{8}/);
});

test('messages completed before an error in the same chunk ride on the error', () => {
  const bad = encodeFrame(MAIN, 'ping', hexToBytes('0102030405060708'));
  bad[20] ^= 0xff;
  const err = catchFrameError(() => new FrameDecoder(MAIN).push(concat(hexToBytes(VERACK_FRAME), bad)));
  assert.equal(err.code, 'ERR_FRAME_CHECKSUM');
  assert.deepEqual(err.completed.map((m) => m.command), ['verack']);
});

test('with dropCorrupt a bad checksum or command drops only that message, as Core does', () => {
  const badSum = encodeFrame(MAIN, 'ping', hexToBytes('0102030405060708'));
  badSum[20] ^= 0xff;
  const badCmd = concat(rawHeader(MAIN, 'p\x01ng', 0), new Uint8Array(0));
  badCmd.set(hexToBytes('5df6e0e2'), 20);
  const dropped: DroppedFrame[] = [];
  const d = new FrameDecoder(MAIN, MAX_PROTOCOL_MESSAGE_LENGTH, { dropCorrupt: true, onDrop: (x) => dropped.push(x) });
  const out = d.push(concat(badSum, hexToBytes(VERACK_FRAME), badCmd, hexToBytes(VERACK_FRAME)));
  assert.deepEqual(out.map((m) => m.command), ['verack', 'verack']);
  assert.equal(d.droppedMessages, 2);
  assert.equal(d.droppedBytes, 32 + 24);
  assert.deepEqual(dropped.map((x) => [x.code, x.command, x.rawSize]), [['ERR_FRAME_CHECKSUM', 'ping', 32], ['ERR_FRAME_COMMAND', 'p\\x01ng', 24]]);
});

test('a dropped message is reported in Core\'s log wording, checksum before command', () => {
  // Core p2p_invalid_messages.py test_checksum: command "badmsg\x01", payload ser_string("d"), checksum ffffffff.
  const frame = concat(rawHeader(MAIN, 'badmsg\x01', 2), hexToBytes('0164'));
  frame.set(hexToBytes('ffffffff'), 20);
  const dropped: DroppedFrame[] = [];
  new FrameDecoder(MAIN, MAX_PROTOCOL_MESSAGE_LENGTH, { dropCorrupt: true, onDrop: (x) => dropped.push(x) }).push(frame);
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0].code, 'ERR_FRAME_CHECKSUM');
  assert.equal(dropped[0].rawSize, 26);
  assert.match(dropped[0].reason, /^Header error: Wrong checksum \(badmsg\\x01, 2 bytes\), expected 78df0a04 was ffffffff$/);
});

test('with dropCorrupt a wrong magic still stops the decoder', () => {
  const d = new FrameDecoder(REGTEST, MAX_PROTOCOL_MESSAGE_LENGTH, { dropCorrupt: true });
  assert.equal(catchFrameError(() => d.push(hexToBytes(VERACK_FRAME))).code, 'ERR_FRAME_MAGIC');
});

test('random bytes only ever produce FrameErrors (property)', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (junk, withMagic) => {
    const d = new FrameDecoder(MAIN, 100);
    try {
      d.push(withMagic ? concat(MAIN, junk) : junk);
    } catch (e) {
      assert.ok(e instanceof FrameError, String(e));
    }
  }));
});

/** Blocks a 4 MB payload needs: each PAYLOAD_BLOCK_BYTES, none ever reallocated. */
const BLOCKS_FOR_4MB = Math.ceil(MAX_PROTOCOL_MESSAGE_LENGTH / PAYLOAD_BLOCK_BYTES);

test('a 4 MB message fed one byte at a time decodes, with allocation never more than one block ahead of the bytes received', () => {
  const payload = new Uint8Array(MAX_PROTOCOL_MESSAGE_LENGTH);
  for (let i = 0; i < payload.length; i++) payload[i] = i * 31;
  const frame = encodeFrame(MAIN, 'block', payload);
  const d = new FrameDecoder(MAIN);
  let out: ReturnType<FrameDecoder['push']> = [];
  let worstAhead = -Infinity;
  for (let i = 0; i < frame.length; i++) {
    const r = d.push(frame.subarray(i, i + 1));
    if (r.length > 0) out = r;
    const received = Math.max(0, i + 1 - 24);
    if (out.length === 0) worstAhead = Math.max(worstAhead, d.payloadCapacity - received);
  }
  assert.equal(out.length, 1);
  assert.equal(out[0].rawSize, frame.length);
  assert.ok(Buffer.from(out[0].payload).equals(Buffer.from(payload)));
  assert.ok(worstAhead <= PAYLOAD_BLOCK_BYTES, `allocated ${worstAhead} bytes ahead of the data, more than ${PAYLOAD_BLOCK_BYTES}`);
  assert.equal(d.payloadGrowths, BLOCKS_FOR_4MB);
});

test('a peer that sends 2.1 MB of a declared 4 MB message holds at most 2.1 MB + 256 KiB of payload buffer', () => {
  const frame = encodeFrame(MAIN, 'block', new Uint8Array(MAX_PROTOCOL_MESSAGE_LENGTH));
  const d = new FrameDecoder(MAIN);
  const sent = 24 + 2_100_000;
  for (let i = 0; i < sent; i += 1400) d.push(frame.subarray(i, Math.min(sent, i + 1400)));
  assert.equal(d.bufferedBytes, sent);
  assert.ok(d.payloadCapacity <= 2_100_000 + PAYLOAD_BLOCK_BYTES, `${d.payloadCapacity} bytes allocated`);
});

test('a 4 MB message fed in 1 KB chunks decodes into the same blocks', () => {
  const payload = new Uint8Array(MAX_PROTOCOL_MESSAGE_LENGTH).fill(0xab);
  const frame = encodeFrame(MAIN, 'block', payload);
  const d = new FrameDecoder(MAIN);
  const out = [];
  for (let i = 0; i < frame.length; i += 1024) out.push(...d.push(frame.subarray(i, i + 1024)));
  assert.equal(out.length, 1);
  assert.ok(Buffer.from(out[0].payload).equals(Buffer.from(payload)));
  assert.equal(d.payloadGrowths, BLOCKS_FOR_4MB);
});

test('a 1 MB payload cut at arbitrary points, across the 256 KiB blocks, decodes to the same bytes and stays within one block ahead', () => {
  const payload = new Uint8Array(1_000_000);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 131 + (i >>> 9)) & 0xff;
  const frame = encodeFrame(MAIN, 'block', payload);
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 300_000 }), { minLength: 1, maxLength: 12 }), (sizes) => {
    const d = new FrameDecoder(MAIN);
    const out = [];
    for (let pos = 0, k = 0; pos < frame.length; k++) {
      const next = Math.min(frame.length, pos + sizes[k % sizes.length]);
      out.push(...d.push(frame.subarray(pos, next)));
      if (out.length === 0) assert.ok(d.payloadCapacity - Math.max(0, next - HEADER_SIZE) <= PAYLOAD_BLOCK_BYTES);
      pos = next;
    }
    assert.equal(out.length, 1);
    assert.ok(Buffer.from(out[0].payload).equals(Buffer.from(payload)));
  }), { numRuns: 25 });
});

test('a 1 MB payload in 64 KiB chunks is allocated as three 256 KiB blocks and then the whole payload once', () => {
  const frame = encodeFrame(MAIN, 'block', new Uint8Array(1_000_000).fill(7));
  const d = new FrameDecoder(MAIN);
  const capacities = new Set<number>();
  for (let i = 0; i < frame.length; i += 65_536) {
    d.push(frame.subarray(i, i + 65_536));
    capacities.add(d.payloadCapacity);
  }
  assert.equal(d.payloadGrowths, 4);
  assert.deepEqual([...capacities].sort((a, b) => a - b), [0, PAYLOAD_BLOCK_BYTES, 2 * PAYLOAD_BLOCK_BYTES, 3 * PAYLOAD_BLOCK_BYTES, 1_000_000]);
});

test('a header announcing 4 MB allocates nothing until payload bytes arrive', () => {
  const frame = encodeFrame(MAIN, 'block', new Uint8Array(MAX_PROTOCOL_MESSAGE_LENGTH));
  const d = new FrameDecoder(MAIN);
  d.push(frame.subarray(0, 24));
  assert.equal(d.payloadCapacity, 0);
  d.push(frame.subarray(24, 25));
  assert.ok(d.payloadCapacity - 1 <= PAYLOAD_BLOCK_BYTES, `${d.payloadCapacity} bytes allocated for 1 byte received`);
});

test('decodeSingleFrame reports incomplete and trailing input', () => {
  const frame = hexToBytes(VERACK_FRAME);
  assert.equal(decodeSingleFrame(MAIN, frame).command, 'verack');
  const short = catchFrameError(() => decodeSingleFrame(MAIN, frame.subarray(0, 20)));
  assert.equal(short.code, 'ERR_FRAME_INCOMPLETE');
  const ping = encodeFrame(MAIN, 'ping', new Uint8Array(8));
  const partial = catchFrameError(() => decodeSingleFrame(MAIN, ping.subarray(0, 30)));
  assert.equal(partial.code, 'ERR_FRAME_INCOMPLETE');
  assert.match(partial.message, /have 30 bytes, the header announces 32/);
  const trailing = catchFrameError(() => decodeSingleFrame(MAIN, concat(frame, new Uint8Array(3))));
  assert.equal(trailing.code, 'ERR_FRAME_TRAILING');
});
