import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import type { AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import { ByteWriter } from '../../src/util/bytes.js';
import { bytesToHex, hexToBytes } from '../../src/util/hex.js';
import { MessageDecodeError } from '../../src/wire/errors.js';
import { decodeSingleFrame, encodeFrame } from '../../src/wire/frame.js';
import { hashToDisplayHex, invTypeName, MSG_TX, MSG_WITNESS_BLOCK, MSG_WTX } from '../../src/wire/inventory.js';
import {
  NetMsgType, decodeMessage, encodeMessage, MAX_ADDR_TO_SEND, MAX_INV_SZ, type AddrMessage, type Message,
} from '../../src/wire/messages.js';
import { MAX_SUBVERSION_LENGTH, type VersionMessage } from '../../src/wire/version.js';
import { canon, message } from './arbitraries.js';

const MAIN = hexToBytes('f9beb4d9');

function decodeError(fn: () => unknown): MessageDecodeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MessageDecodeError, `expected MessageDecodeError, got ${String(e)}`);
    assert.equal(e.code, 'ERR_DECODE');
    return e;
  }
  assert.fail('expected a MessageDecodeError');
}

// Core src/test/netbase_tests.cpp caddress_serialize_v1/v2 fixture (reference §3.3).
const LOCALHOST = NetAddress.parse('::1');
const CORE_ADDRESSES: AddressRecord[] = [
  { service: new NetService(LOCALHOST, 0), services: 0n, time: 0x4966bc61 },
  { service: new NetService(LOCALHOST, 0x00f1), services: 1n, time: 0x83766279 },
  { service: new NetService(LOCALHOST, 0xf1f2), services: 0x448n, time: 0xffffffff },
];
const CORE_ADDR_V1_HEX = '03'
  + '61bc6649' + '0000000000000000' + '00000000000000000000000000000001' + '0000'
  + '79627683' + '0100000000000000' + '00000000000000000000000000000001' + '00f1'
  + 'ffffffff' + '4804000000000000' + '00000000000000000000000000000001' + 'f1f2';
const CORE_ADDR_V2_HEX = '03'
  + '61bc6649' + '00' + '02' + '10' + '00000000000000000000000000000001' + '0000'
  + '79627683' + '01' + '02' + '10' + '00000000000000000000000000000001' + '00f1'
  + 'ffffffff' + 'fd4804' + '02' + '10' + '00000000000000000000000000000001' + 'f1f2';

// Bitcoin wiki Protocol_documentation example version message (protocol 60002, /Satoshi:0.7.2/, no relay byte).
const WIKI_VERSION_FRAME = 'f9beb4d976657273696f6e000000000064000000358d493262ea0000010000000000000011b2d05000000000'
  + '010000000000000000000000000000000000ffff000000000000000000000000000000000000000000000000ffff00000000'
  + '00003b2eb35d8ce617650f2f5361746f7368693a302e372e322fc03e0300';

test('Core\'s CAddress v1 stream vector is an addr payload, both ways', () => {
  const msg: Message = { type: 'addr', addresses: CORE_ADDRESSES };
  const enc = encodeMessage(msg);
  assert.equal(enc.command, 'addr');
  assert.equal(bytesToHex(enc.payload), CORE_ADDR_V1_HEX);
  assert.deepEqual(canon(decodeMessage('addr', hexToBytes(CORE_ADDR_V1_HEX))), canon(msg));
});

test('Core\'s CAddress v2 stream vector is an addrv2 payload, both ways', () => {
  const msg: Message = { type: 'addrv2', addresses: CORE_ADDRESSES };
  assert.equal(bytesToHex(encodeMessage(msg).payload), CORE_ADDR_V2_HEX);
  assert.deepEqual(canon(decodeMessage('addrv2', hexToBytes(CORE_ADDR_V2_HEX))), canon(msg));
});

test('the wiki version message decodes field by field and re-encodes to the same bytes', () => {
  const frame = decodeSingleFrame(MAIN, hexToBytes(WIKI_VERSION_FRAME));
  const msg = decodeMessage(frame.command, frame.payload) as VersionMessage;
  assert.equal(msg.type, 'version');
  assert.equal(msg.version, 60002);
  assert.equal(msg.services, 1n);
  assert.equal(msg.timestamp, 1355854353n);
  assert.equal(msg.addrRecv.services, 1n);
  assert.equal(msg.addrRecv.service.toString(), '0.0.0.0:0');
  assert.equal(msg.addrFrom.service.toString(), '0.0.0.0:0');
  assert.equal(msg.nonce, 0x6517e68c5db32e3bn);
  assert.equal(msg.userAgent, '/Satoshi:0.7.2/');
  assert.equal(msg.startHeight, 212672);
  assert.equal(msg.relay, undefined);
  const enc = encodeMessage(msg);
  assert.equal(bytesToHex(encodeFrame(MAIN, enc.command, enc.payload)), WIKI_VERSION_FRAME);
});

test('a version message as Core sends it round-trips with the relay flag', () => {
  const msg: VersionMessage = {
    type: 'version', version: 70016, services: 0xc09n, timestamp: 1_700_000_000n,
    addrRecv: { services: 9n, service: NetService.parse('203.0.113.7:8333') },
    addrFrom: { services: 0xc09n, service: new NetService(NetAddress.invalid(), 0) },
    nonce: 0x0123456789abcdefn, userAgent: '/Satoshi:28.0.0/', startHeight: 870_000, relay: false,
  };
  const payload = encodeMessage(msg).payload;
  assert.equal(payload.length, 4 + 8 + 8 + 26 + 26 + 8 + 1 + 16 + 4 + 1);
  assert.equal(payload[payload.length - 1], 0);
  assert.deepEqual(canon(decodeMessage('version', payload)), canon(msg));
});

test('version addresses on networks without a 16-byte form travel as zeros', () => {
  const onion = NetService.parse('pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion:8333');
  const msg: VersionMessage = {
    type: 'version', version: 70016, services: 0n, timestamp: 0n,
    addrRecv: { services: 0n, service: onion }, addrFrom: { services: 0n, service: onion },
    nonce: 1n, userAgent: '', startHeight: 0,
  };
  const back = decodeMessage('version', encodeMessage(msg).payload) as VersionMessage;
  assert.equal(back.addrRecv.service.toString(), '[::]:8333');
});

test('a version with only the mandatory fields decodes with Core\'s defaults', () => {
  const w = new ByteWriter();
  w.i32le(70016).u64le(1n).i64le(5n).u64le(0n).bytes(new Uint8Array(16)).u16be(0);
  const msg = decodeMessage('version', w.toBytes()) as VersionMessage;
  assert.equal(msg.nonce, 1n);
  assert.equal(msg.userAgent, '');
  assert.equal(msg.startHeight, -1);
  assert.equal(msg.relay, undefined);
  assert.equal(msg.addrFrom.service.toString(), '[::]:0');
});

test('a version cut inside addrFrom+nonce is malformed (Core reads them together)', () => {
  const w = new ByteWriter();
  w.i32le(70016).u64le(1n).i64le(5n).u64le(0n).bytes(new Uint8Array(16)).u16be(0).bytes(new Uint8Array(30));
  const err = decodeError(() => decodeMessage('version', w.toBytes()));
  assert.equal(err.reason, 'malformed');
  assert.equal(err.command, 'version');
  assert.match(err.message, /^version message: end of data/);
});

function versionWithUserAgent(ua: Uint8Array, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  const w = new ByteWriter();
  w.i32le(70016).u64le(1n).i64le(5n).u64le(0n).bytes(new Uint8Array(16)).u16be(0);
  w.u64le(0n).bytes(new Uint8Array(16)).u16be(0).u64le(7n).varBytes(ua).bytes(tail);
  return w.toBytes();
}

test('a 256-byte user agent is accepted and a 257-byte one is user-agent-too-long', () => {
  const ok = decodeMessage('version', versionWithUserAgent(new Uint8Array(MAX_SUBVERSION_LENGTH).fill(0x41))) as VersionMessage;
  assert.equal(ok.userAgent.length, 256);
  const err = decodeError(() => decodeMessage('version', versionWithUserAgent(new Uint8Array(257).fill(0x41))));
  assert.equal(err.reason, 'user-agent-too-long');
  assert.match(err.message, /user agent length 257 exceeds MAX_SUBVERSION_LENGTH 256/);
});

test('encoding a user agent over 256 bytes is an ArgumentError', () => {
  const msg = decodeMessage('version', versionWithUserAgent(new Uint8Array(0))) as VersionMessage;
  msg.userAgent = 'x'.repeat(257);
  assert.throws(() => encodeMessage(msg), { code: 'ERR_ARGUMENT' });
});

test('a user agent that is not valid UTF-8 decodes for display and re-encodes to the same bytes', () => {
  for (const ua of [Uint8Array.of(0xff, 0xfe, 0x2f, 0x80), new Uint8Array(MAX_SUBVERSION_LENGTH).fill(0xc3), Uint8Array.of(0xed, 0xa0, 0x80)]) {
    const payload = versionWithUserAgent(ua, new ByteWriter().i32le(5).u8(1).toBytes());
    const msg = decodeMessage('version', payload) as VersionMessage;
    assert.ok(msg.userAgent.includes('\ufffd'), 'shown with replacement characters');
    assert.equal(bytesToHex(encodeMessage(msg).payload), bytesToHex(payload));
  }
});

test('a valid UTF-8 user agent carries no raw copy and round-trips through the string', () => {
  const ua = Buffer.from('/Satoshi:27.0.0(ünïcode ✓)/', 'utf8');
  const payload = versionWithUserAgent(ua, new ByteWriter().i32le(5).u8(1).toBytes());
  const msg = decodeMessage('version', payload) as VersionMessage;
  assert.equal(msg.userAgent, '/Satoshi:27.0.0(ünïcode ✓)/');
  assert.equal(msg.userAgentBytes, undefined);
  assert.equal(bytesToHex(encodeMessage(msg).payload), bytesToHex(payload));
});

test('any non-zero relay byte is true and bytes after it are ignored', () => {
  const tail = new ByteWriter().i32le(100).u8(2).bytes(hexToBytes('deadbeef')).toBytes();
  const msg = decodeMessage('version', versionWithUserAgent(Buffer.from('/x/'), tail)) as VersionMessage;
  assert.equal(msg.relay, true);
  assert.equal(msg.startHeight, 100);
});

test('empty messages ignore any payload, like Core', () => {
  for (const type of ['verack', 'sendaddrv2', 'getaddr', 'wtxidrelay', 'sendheaders'] as const) {
    assert.deepEqual(decodeMessage(type, new Uint8Array(0)), { type });
    assert.deepEqual(decodeMessage(type, hexToBytes('00ff')), { type });
    assert.equal(encodeMessage({ type }).payload.length, 0);
  }
});

test('ping and pong carry a little-endian nonce; extra bytes are ignored, a short one is malformed', () => {
  assert.equal(bytesToHex(encodeMessage({ type: 'ping', nonce: 0x0102030405060708n }).payload), '0807060504030201');
  assert.deepEqual(decodeMessage('pong', hexToBytes('080706050403020199')), { type: 'pong', nonce: 0x0102030405060708n });
  assert.equal(decodeError(() => decodeMessage('pong', hexToBytes('0807'))).reason, 'malformed');
});

test('sendcmpct and feefilter decode Core\'s layouts', () => {
  assert.deepEqual(decodeMessage('sendcmpct', hexToBytes('010200000000000000')), { type: 'sendcmpct', announce: true, version: 2n });
  assert.deepEqual(decodeMessage('sendcmpct', hexToBytes('070100000000000000')), { type: 'sendcmpct', announce: true, version: 1n });
  assert.equal(bytesToHex(encodeMessage({ type: 'sendcmpct', announce: false, version: 2n }).payload), '000200000000000000');
  assert.equal(bytesToHex(encodeMessage({ type: 'feefilter', feeRate: 1000n }).payload), 'e803000000000000');
  assert.deepEqual(decodeMessage('feefilter', hexToBytes('ffffffffffffffff')), { type: 'feefilter', feeRate: -1n });
});

test('inv entries are type LE32 and a 32-byte hash', () => {
  const hash = new Uint8Array(32).map((_, i) => i);
  const enc = encodeMessage({ type: 'inv', entries: [{ type: MSG_WTX, hash }] });
  assert.equal(bytesToHex(enc.payload), '01' + '05000000' + bytesToHex(hash));
  const dec = decodeMessage('getdata', enc.payload);
  assert.deepEqual(canon(dec), canon({ type: 'getdata', entries: [{ type: MSG_WTX, hash }] }));
  assert.equal(invTypeName(MSG_TX), 'tx');
  assert.equal(invTypeName(MSG_WITNESS_BLOCK), 'witness-block');
  assert.equal(invTypeName(9), undefined);
  assert.equal(hashToDisplayHex(hash).slice(0, 4), '1f1e');
});

function countOnly(n: number): Uint8Array {
  return new ByteWriter().compactSize(n).toBytes();
}

test('more than 1000 addr or addrv2 entries are rejected before reading them', () => {
  for (const command of ['addr', 'addrv2']) {
    const err = decodeError(() => decodeMessage(command, countOnly(MAX_ADDR_TO_SEND + 1)));
    assert.equal(err.reason, 'too-many-entries');
    assert.match(err.message, new RegExp(`^${command} message: 1001 addresses, more than the limit of 1000`));
  }
});

test('exactly 1000 addr entries decode', () => {
  const rec: AddressRecord = { service: NetService.parse('1.2.3.4:8333'), services: 9n, time: 1_700_000_000 };
  const msg: AddrMessage = { type: 'addr', addresses: Array.from({ length: MAX_ADDR_TO_SEND }, () => rec) };
  const back = decodeMessage('addr', encodeMessage(msg).payload) as AddrMessage;
  assert.equal(back.addresses.length, 1000);
  assert.throws(() => encodeMessage({ type: 'addr', addresses: [...msg.addresses, rec] }), { code: 'ERR_ARGUMENT' });
});

test('more than 50,000 inventory entries are rejected; 50,000 decode', () => {
  for (const command of ['inv', 'getdata', 'notfound']) {
    const err = decodeError(() => decodeMessage(command, countOnly(MAX_INV_SZ + 1)));
    assert.equal(err.reason, 'too-many-entries');
  }
  const entries = Array.from({ length: MAX_INV_SZ }, () => ({ type: MSG_TX, hash: new Uint8Array(32) }));
  const enc = encodeMessage({ type: 'inv', entries });
  assert.equal(enc.payload.length, 3 + MAX_INV_SZ * 36);
  assert.equal((decodeMessage('inv', enc.payload) as { entries: unknown[] }).entries.length, MAX_INV_SZ);
  assert.throws(() => encodeMessage({ type: 'inv', entries: [...entries, entries[0]] }), { code: 'ERR_ARGUMENT' });
});

test('an addrv2 entry of an unknown network decodes as an invalid address and the rest still parse', () => {
  const w = new ByteWriter().compactSize(2);
  w.u32le(1).compactSize(1).u8(0xaa).compactSize(3).bytes(hexToBytes('010203')).u16be(1);
  w.u32le(2).compactSize(9).u8(1).compactSize(4).bytes(hexToBytes('01020304')).u16be(8333);
  const msg = decodeMessage('addrv2', w.toBytes()) as AddrMessage;
  assert.equal(msg.addresses[0].service.addr.isValid(), false);
  assert.equal(msg.addresses[1].service.toString(), '1.2.3.4:8333');
});

test('a BIP155 length error in addrv2 is malformed with Core\'s wording', () => {
  const w = new ByteWriter().compactSize(1).u32le(1).compactSize(1).u8(1).compactSize(5).bytes(new Uint8Array(5)).u16be(1);
  const err = decodeError(() => decodeMessage('addrv2', w.toBytes()));
  assert.equal(err.reason, 'malformed');
  assert.match(err.message, /BIP155 IPv4 address with length 5 \(should be 4\)/);
  const long = new ByteWriter().compactSize(1).u32le(1).compactSize(1).u8(1).compactSize(513).toBytes();
  assert.match(decodeError(() => decodeMessage('addrv2', long)).message, /Address too long: 513 > 512/);
});

test('addr (v1) refuses addresses that have no 16-byte form', () => {
  const onion = NetService.parse('pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion:8333');
  assert.throws(() => encodeMessage({ type: 'addr', addresses: [{ service: onion, services: 0n, time: 0 }] }), { code: 'ERR_ARGUMENT' });
  assert.doesNotThrow(() => encodeMessage({ type: 'addrv2', addresses: [{ service: onion, services: 0n, time: 0 }] }));
});

test('unknown commands pass through as raw bytes', () => {
  const payload = hexToBytes('0badc0de');
  assert.deepEqual(decodeMessage('tx', payload), { type: 'unknown', command: 'tx', payload });
  assert.deepEqual(encodeMessage({ type: 'unknown', command: 'tx', payload }), { command: 'tx', payload });
  assert.throws(() => encodeMessage({ type: 'unknown', command: 'much-too-long-cmd', payload }), { code: 'ERR_ARGUMENT' });
});

test('out-of-range values are ArgumentErrors on encode', () => {
  assert.throws(() => encodeMessage({ type: 'ping', nonce: -1n }), { code: 'ERR_ARGUMENT' });
  assert.throws(() => encodeMessage({ type: 'inv', entries: [{ type: 1, hash: new Uint8Array(31) }] }), { code: 'ERR_ARGUMENT' });
  assert.throws(() => encodeMessage({ type: 'feefilter', feeRate: 1n << 63n }), { code: 'ERR_ARGUMENT' });
  const rec: AddressRecord = { service: NetService.parse('1.2.3.4:1'), services: 0n, time: 2 ** 32 };
  assert.throws(() => encodeMessage({ type: 'addrv2', addresses: [rec] }), { code: 'ERR_ARGUMENT' });
});

test('every message type round-trips through encode and decode (property)', () => {
  fc.assert(fc.property(message, (msg) => {
    const enc = encodeMessage(msg);
    const back = decodeMessage(enc.command, enc.payload);
    assert.deepEqual(canon(back), canon(msg));
    assert.equal(bytesToHex(encodeMessage(back).payload), bytesToHex(enc.payload));
  }), { numRuns: 500 });
});

test('every message survives framing and the streaming decoder (property)', () => {
  fc.assert(fc.property(message, (msg) => {
    const enc = encodeMessage(msg);
    const frame = decodeSingleFrame(MAIN, encodeFrame(MAIN, enc.command, enc.payload));
    assert.deepEqual(canon(decodeMessage(frame.command, frame.payload)), canon(msg));
  }), { numRuns: 200 });
});

test('random payloads for known commands only ever throw MessageDecodeError (property)', () => {
  const commands = Object.values(NetMsgType);
  fc.assert(fc.property(fc.constantFrom(...commands), fc.uint8Array({ maxLength: 400 }), (command, payload) => {
    try {
      decodeMessage(command, payload);
    } catch (e) {
      assert.ok(e instanceof MessageDecodeError, `${command}: ${String(e)}`);
      assert.equal(e.command, command);
    }
  }), { numRuns: 3000 });
});

test('mutated valid payloads only ever throw MessageDecodeError (property)', () => {
  fc.assert(fc.property(message, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (msg, at, byte, cut) => {
    const enc = encodeMessage(msg);
    const p = Uint8Array.from(enc.payload);
    if (p.length > 0) p[at % p.length] = byte;
    try {
      decodeMessage(enc.command, p.subarray(0, p.length === 0 ? 0 : cut % (p.length + 1)));
    } catch (e) {
      assert.ok(e instanceof MessageDecodeError, `${enc.command}: ${String(e)}`);
    }
  }), { numRuns: 1000 });
});
