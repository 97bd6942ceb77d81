/**
 * Codecs of the three fixed-size handshake messages (docs/peerset.md, "Messages"). Pure: bytes in,
 * fields out. Sizes are fixed, so no length prefixes; a reader waits for exactly the size it needs.
 */
import {
  AUTH_PROTOCOL_VERSION, CONFIRMATION_BYTES, FINISH_BYTES, HELLO_BYTES, PUBLIC_KEY_BYTES, REPLY_BYTES,
  REPLY_TRANSCRIPT_BYTES, SIGNATURE_BYTES,
} from './constants.js';
import { AuthError } from './errors.js';

/** Initiator → responder. */
export interface Hello {
  /** Protocol version (AUTH_PROTOCOL_VERSION). */
  version: number;
  /** The initiator's static Ed25519 key: first, so the responder can refuse it before any other work. */
  initiatorKey: Uint8Array;
  /** The static key the initiator means to reach. */
  responderKey: Uint8Array;
  /** The initiator's clock, ms since the Unix epoch. */
  timestampMs: number;
  /** The initiator's ephemeral X25519 public key. */
  initiatorEphemeral: Uint8Array;
}

/** Responder → initiator. */
export interface Reply {
  /** The responder's static key. */
  responderKey: Uint8Array;
  /** The responder's clock, ms since the Unix epoch. */
  timestampMs: number;
  /** The responder's ephemeral X25519 public key. */
  responderEphemeral: Uint8Array;
  /** Ed25519 signature by the responder over the transcript. */
  signature: Uint8Array;
  /** The responder's key confirmation. */
  confirmation: Uint8Array;
}

/** Initiator → responder, completing the handshake. */
export interface Finish {
  /** Ed25519 signature by the initiator over the transcript. */
  signature: Uint8Array;
  /** The initiator's key confirmation. */
  confirmation: Uint8Array;
}

function writeU64be(out: Uint8Array, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`timestamp ${value} is not a non-negative safe integer`);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setBigUint64(offset, BigInt(value), false);
}

function readU64be(bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = view.getBigUint64(offset, false);
  // Beyond 2^53 ms (year 287,396) no clock of ours can be; saturate so the window check refuses it.
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

function expectLength(name: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) throw new AuthError('malformed', `${name} must be ${length} bytes, got ${bytes.length}`);
}

/** Encodes a Hello (105 bytes). */
export function encodeHello(m: Hello): Uint8Array {
  const out = new Uint8Array(HELLO_BYTES);
  out[0] = m.version;
  out.set(m.initiatorKey, 1);
  out.set(m.responderKey, 1 + PUBLIC_KEY_BYTES);
  writeU64be(out, 1 + 2 * PUBLIC_KEY_BYTES, m.timestampMs);
  out.set(m.initiatorEphemeral, 1 + 2 * PUBLIC_KEY_BYTES + 8);
  return out;
}

/** Decodes a Hello; a wrong version is `AuthError('malformed')`. */
export function decodeHello(bytes: Uint8Array): Hello {
  expectLength('Hello', bytes, HELLO_BYTES);
  if (bytes[0] !== AUTH_PROTOCOL_VERSION) throw new AuthError('malformed', `unsupported handshake version ${bytes[0]} (expected ${AUTH_PROTOCOL_VERSION})`);
  let p = 1;
  const initiatorKey = bytes.slice(p, p += PUBLIC_KEY_BYTES);
  const responderKey = bytes.slice(p, p += PUBLIC_KEY_BYTES);
  const timestampMs = readU64be(bytes, p);
  p += 8;
  const initiatorEphemeral = bytes.slice(p, p + PUBLIC_KEY_BYTES);
  return { version: bytes[0], initiatorKey, responderKey, timestampMs, initiatorEphemeral };
}

/** Encodes a Reply (168 bytes). */
export function encodeReply(m: Reply): Uint8Array {
  const out = new Uint8Array(REPLY_BYTES);
  out.set(m.responderKey, 0);
  writeU64be(out, PUBLIC_KEY_BYTES, m.timestampMs);
  out.set(m.responderEphemeral, PUBLIC_KEY_BYTES + 8);
  out.set(m.signature, REPLY_TRANSCRIPT_BYTES);
  out.set(m.confirmation, REPLY_TRANSCRIPT_BYTES + SIGNATURE_BYTES);
  return out;
}

/** Decodes a Reply. */
export function decodeReply(bytes: Uint8Array): Reply {
  expectLength('Reply', bytes, REPLY_BYTES);
  return {
    responderKey: bytes.slice(0, PUBLIC_KEY_BYTES),
    timestampMs: readU64be(bytes, PUBLIC_KEY_BYTES),
    responderEphemeral: bytes.slice(PUBLIC_KEY_BYTES + 8, REPLY_TRANSCRIPT_BYTES),
    signature: bytes.slice(REPLY_TRANSCRIPT_BYTES, REPLY_TRANSCRIPT_BYTES + SIGNATURE_BYTES),
    confirmation: bytes.slice(REPLY_TRANSCRIPT_BYTES + SIGNATURE_BYTES, REPLY_BYTES),
  };
}

/** Encodes a Finish (96 bytes). */
export function encodeFinish(m: Finish): Uint8Array {
  const out = new Uint8Array(FINISH_BYTES);
  out.set(m.signature, 0);
  out.set(m.confirmation, SIGNATURE_BYTES);
  return out;
}

/** Decodes a Finish. */
export function decodeFinish(bytes: Uint8Array): Finish {
  expectLength('Finish', bytes, FINISH_BYTES);
  return { signature: bytes.slice(0, SIGNATURE_BYTES), confirmation: bytes.slice(SIGNATURE_BYTES, SIGNATURE_BYTES + CONFIRMATION_BYTES) };
}
