/**
 * BIP324 message-type decoding (Core `V2Transport::GetMessageType`), the cases the `bip324:packets`
 * fuzz target ran into: which contents name a message (possibly the empty, i.e. unknown, type) and
 * which are invalid (dropped and counted under `*other*` by the transport).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readMessageType, V2_MESSAGE_IDS } from '../../src/bip324/message-ids.js';

const long = (type: string, payload: number[] = []): Uint8Array => {
  const out = new Uint8Array(13 + payload.length);
  for (let i = 0; i < type.length; i++) out[1 + i] = type.charCodeAt(i);
  out.set(payload, 13);
  return out;
};

test('a 12-byte type of only NULs is the empty message type, as in Core, with the payload after it', () => {
  assert.deepEqual(readMessageType(long('', [7, 8])), { type: '', payloadOffset: 13 });
});

test('short ids 29-32 decode as the empty message type and id 33 is invalid', () => {
  for (let id = 29; id <= 32; id++) assert.deepEqual(readMessageType(Uint8Array.of(id, 1)), { type: '', payloadOffset: 1 });
  assert.equal(V2_MESSAGE_IDS.length, 33);
  assert.equal(readMessageType(Uint8Array.of(33)), undefined);
});

test('a 12-byte type with a non-NUL byte after its first NUL, or a byte below 0x20, is invalid', () => {
  const gap = long('ab');
  gap[5] = 0x61;
  assert.equal(readMessageType(gap), undefined);
  assert.equal(readMessageType(long('a\x1f')), undefined);
  assert.equal(readMessageType(new Uint8Array(12)), undefined, 'too short for a 12-byte type');
  assert.equal(readMessageType(new Uint8Array(0)), undefined, 'empty contents');
});

test('a 12-byte type may use 0x7f, one more than a v1 command (Core checks 0x20-0x7f here)', () => {
  assert.deepEqual(readMessageType(long('a\x7f')), { type: 'a\x7f', payloadOffset: 13 });
});

test('a type that has a short id may also arrive in the 12-byte form and decodes the same', () => {
  assert.deepEqual(readMessageType(long('addr', [1])), { type: 'addr', payloadOffset: 13 });
  assert.deepEqual(readMessageType(Uint8Array.of(1, 1)), { type: 'addr', payloadOffset: 1 });
});
