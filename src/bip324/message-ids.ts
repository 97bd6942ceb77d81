/**
 * BIP324 message type encoding inside a packet's contents (Core net.cpp `V2_MESSAGE_IDS`,
 * `V2Transport::GetMessageType`): one byte 1–32 names a message type from BIP324's table; a 0 byte is
 * followed by the 12-byte NUL-padded ASCII type of v1. Short ids save 11 bytes on the messages sent
 * most (inv, tx, ping…); `version`, `verack`, `sendaddrv2`, `wtxidrelay` and the other handshake-time
 * messages have none and use the long form.
 */

/** Core CMessageHeader::MESSAGE_TYPE_SIZE: bytes of the long (v1-style) message type. */
export const LONG_MESSAGE_TYPE_BYTES = 12;

/**
 * BIP324's short message ids, index = id (Core `V2_MESSAGE_IDS`). Index 0 means "12 bytes follow";
 * ids 29–32 are assigned by BIP324 to messages Core does not implement, and decode as the empty type
 * (an unknown message), as in Core.
 */
export const V2_MESSAGE_IDS: readonly string[] = Object.freeze([
  '', 'addr', 'block', 'blocktxn', 'cmpctblock', 'feefilter', 'filteradd', 'filterclear', 'filterload',
  'getblocks', 'getblocktxn', 'getdata', 'getheaders', 'headers', 'inv', 'mempool', 'merkleblock',
  'notfound', 'ping', 'pong', 'sendcmpct', 'tx', 'getcfilters', 'cfilter', 'getcfheaders', 'cfheaders',
  'getcfcheckpt', 'cfcheckpt', 'addrv2', '', '', '', '',
]);

const SHORT_ID = new Map<string, number>();
for (let id = 1; id < V2_MESSAGE_IDS.length; id++) if (V2_MESSAGE_IDS[id] !== '') SHORT_ID.set(V2_MESSAGE_IDS[id], id);

/** The short id of `messageType`, or undefined when it has none (then the 12-byte form is used). */
export function shortMessageId(messageType: string): number | undefined {
  return SHORT_ID.get(messageType);
}

/** Bytes the message type takes in a packet's contents: 1 with a short id, 13 otherwise. */
export function messageTypeBytes(messageType: string): number {
  return SHORT_ID.has(messageType) ? 1 : 1 + LONG_MESSAGE_TYPE_BYTES;
}

/**
 * Writes `messageType` at the start of `out` (short id, or 0 ‖ 12-byte padded type) and returns the
 * bytes written. The type must be ASCII of at most 12 characters (the caller encodes commands with
 * wire/frame's `encodeCommand`, which checks it).
 */
export function writeMessageType(messageType: string, out: Uint8Array): number {
  const id = SHORT_ID.get(messageType);
  if (id !== undefined) {
    out[0] = id;
    return 1;
  }
  out.fill(0, 0, 1 + LONG_MESSAGE_TYPE_BYTES);
  for (let i = 0; i < messageType.length; i++) out[1 + i] = messageType.charCodeAt(i);
  return 1 + LONG_MESSAGE_TYPE_BYTES;
}

/** A message type read from a packet's contents. */
export interface DecodedMessageType {
  /** The message type ('' for BIP324 ids 29–32, which Core leaves unimplemented). */
  type: string;
  /** Offset of the payload within the contents. */
  payloadOffset: number;
}

/**
 * Reads the message type at the start of a packet's contents (Core `V2Transport::GetMessageType`), or
 * returns undefined when it is invalid: empty contents, an id above 32, fewer than 12 bytes after a 0,
 * a byte outside 0x20–0x7f before the first NUL, or a non-NUL byte after it. Core drops such a message
 * (counting its bytes under `*other*`) and keeps the connection.
 */
export function readMessageType(contents: Uint8Array): DecodedMessageType | undefined {
  if (contents.length === 0) return undefined;
  const first = contents[0];
  if (first !== 0) {
    return first < V2_MESSAGE_IDS.length ? { type: V2_MESSAGE_IDS[first], payloadOffset: 1 } : undefined;
  }
  if (contents.length < 1 + LONG_MESSAGE_TYPE_BYTES) return undefined;
  let len = 0;
  let type = '';
  while (len < LONG_MESSAGE_TYPE_BYTES && contents[1 + len] !== 0) {
    const c = contents[1 + len];
    // Core accepts 0x20..0x7f here (one more than v1's IsMessageTypeValid, which stops at 0x7e).
    if (c < 0x20 || c > 0x7f) return undefined;
    type += String.fromCharCode(c);
    len++;
  }
  for (; len < LONG_MESSAGE_TYPE_BYTES; len++) if (contents[1 + len] !== 0) return undefined;
  return { type, payloadOffset: 1 + LONG_MESSAGE_TYPE_BYTES };
}
