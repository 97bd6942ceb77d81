/**
 * The malformed-input cases of Core's test/functional/p2p_invalid_messages.py, as raw bytes, with what
 * Core expects of each: whether the sender stays connected, and how many bytes the receiver books under
 * "*other*". One list drives two tests: Peerbook's own node and a real litecoind (Litecoin Core 0.21),
 * so both are held to the same table.
 *
 * The payloads are Core's: `msg_unrecognized` is the command "badmsg\x01" (not a valid command) with
 * payload ser_string("d") = 01 64, whose checksum is 78df0a04.
 */
import { encodeFrame } from '../../src/wire/frame.js';
import { MAX_INV_SZ } from '../../src/wire/messages.js';

/** Core p2p_invalid_messages.py `msg_unrecognized.msgtype`: printable text plus a \x01, so invalid. */
export const UNRECOGNIZED_COMMAND = 'badmsg\x01';
/** `ser_string("d")`. */
export const UNRECOGNIZED_PAYLOAD = Uint8Array.of(0x01, 0x64);
/** Core net.h MAX_PROTOCOL_MESSAGE_LENGTH + 1. */
export const OVERSIZED_LENGTH = 4_000_001;

/** What the receiver is expected to do. */
export type Expectation = 'stays' | 'disconnects';

/** One case: the bytes to send after the handshake and the expected outcome. */
export interface InvalidMessageCase {
  /** Core's test name (`test_checksum`, `test_addrv2_empty` …). */
  name: string;
  /** Bytes sent on the established connection. */
  bytes: Uint8Array;
  /** Core's behaviour. */
  expect: Expectation;
  /** Bytes Core books under "*other*" for this input (only for cases that stay). */
  otherBytes?: number;
}

/** A v1 frame with any command bytes (also invalid ones) and a correct checksum. */
export function rawFrame(magic: Uint8Array, command: string, payload: Uint8Array): Uint8Array {
  // encodeFrame refuses invalid commands, so frame a placeholder of the same length and patch it in.
  const frame = encodeFrame(magic, 'x'.repeat(Math.min(command.length, 12)), payload);
  frame.fill(0, 4, 16);
  frame.set(Buffer.from(command, 'latin1').subarray(0, 12), 4);
  return frame;
}

/** A header alone, announcing `length` bytes. */
function headerOnly(magic: Uint8Array, command: string, length: number): Uint8Array {
  const h = rawFrame(magic, command, new Uint8Array(0));
  new DataView(h.buffer).setUint32(16, length, true);
  return h;
}

/** An inv/getdata payload with `n` MSG_TX entries of hash 1 (Core `[CInv(MSG_TX, 1)] * n`). */
function inventory(n: number): Uint8Array {
  if (n < 0xfd || n > 0xffff) throw new RangeError('inventory(): n must need a 3-byte CompactSize');
  const out = new Uint8Array(3 + n * 36);
  out[0] = 0xfd; // canonical CompactSize for 253..65535 (a non-canonical one fails to decode instead)
  new DataView(out.buffer).setUint16(1, n, true);
  for (let i = 0; i < n; i++) {
    out[3 + i * 36] = 1; // MSG_TX
    out[3 + i * 36 + 4] = 1; // hash = 1 (little-endian uint256)
  }
  return out;
}

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));

/**
 * Core's cases, in its order. `nowSeconds` stamps the addrv2 entries of the unrecognized-network case
 * (Core uses time.time(), so that the IPv4 entry after the unknown one is fresh and gets stored).
 */
export function invalidMessageCases(magic: Uint8Array, nowSeconds: number): InvalidMessageCase[] {
  const unrecognized = rawFrame(magic, UNRECOGNIZED_COMMAND, UNRECOGNIZED_PAYLOAD);
  const badMagic = unrecognized.slice();
  badMagic.fill(0xff, 0, 4);
  const badChecksum = unrecognized.slice();
  badChecksum.fill(0xff, 20, 24);
  const badType = unrecognized.slice();
  badType[7] = 0; // "bad\0sg\x01": a non-NUL after NUL padding
  const now = Buffer.alloc(4);
  now.writeUInt32LE(nowSeconds);
  const nowHex = now.toString('hex');
  return [
    { name: 'test_magic_bytes', bytes: badMagic, expect: 'disconnects' },
    { name: 'test_checksum', bytes: badChecksum, expect: 'stays', otherBytes: 26 },
    { name: 'test_size', bytes: headerOnly(magic, UNRECOGNIZED_COMMAND, OVERSIZED_LENGTH), expect: 'disconnects' },
    { name: 'test_msgtype', bytes: badType, expect: 'stays', otherBytes: 26 },
    { name: 'test_addrv2_empty', bytes: rawFrame(magic, 'addrv2', new Uint8Array(0)), expect: 'stays', otherBytes: 0 },
    { name: 'test_addrv2_no_addresses', bytes: rawFrame(magic, 'addrv2', hex('00')), expect: 'stays', otherBytes: 0 },
    {
      name: 'test_addrv2_too_long_address',
      bytes: rawFrame(magic, 'addrv2', hex(`01 61bc6649 00 01 fd0102 ${'ab'.repeat(513)} 208d`.replace(/ /g, ''))),
      expect: 'stays', otherBytes: 0,
    },
    {
      name: 'test_addrv2_unrecognized_network',
      bytes: rawFrame(magic, 'addrv2', hex(`02 ${nowHex} 01 99 02 abab 208d ${nowHex} 01 01 04 09090909 208d`.replace(/ /g, ''))),
      expect: 'stays', otherBytes: 0,
    },
    { name: 'test_oversized_inv_msg', bytes: rawFrame(magic, 'inv', inventory(MAX_INV_SZ + 1)), expect: 'disconnects' },
    { name: 'test_oversized_getdata_msg', bytes: rawFrame(magic, 'getdata', inventory(MAX_INV_SZ + 1)), expect: 'disconnects' },
  ];
}

/** Core's test_resource_exhaustion message: `badmsg\x01` with a 4,000,000-byte payload (valid checksum, invalid command). */
export function maxSizeJunk(magic: Uint8Array): Uint8Array {
  return rawFrame(magic, UNRECOGNIZED_COMMAND, new Uint8Array(4_000_000).fill(0x62));
}

/** The address test_addrv2_unrecognized_network expects to be stored. */
export const UNRECOGNIZED_NETWORK_STORED = '9.9.9.9:8333';
