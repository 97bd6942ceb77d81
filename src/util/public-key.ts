/**
 * 32-byte public keys (Ed25519 peer identities) as text: 64 lowercase hex characters. Shared by the
 * authenticated transport, which puts keys on the wire, and the peer-set tracker, which indexes by them.
 */
import { ParseError } from './errors.js';
import { bytesToHex, hexToBytes } from './hex.js';

/** Bytes in a public key. */
export const PUBLIC_KEY_LENGTH_BYTES = 32;

/** A public key as 64 lowercase hex characters. */
export type PeerKeyHex = string;

const KEY_HEX_RE = /^[0-9a-f]{64}$/;

/** Normalises a public key given as bytes or hex (any case) to `PeerKeyHex`; throws `ParseError` otherwise. */
export function toPeerKeyHex(key: Uint8Array | string): PeerKeyHex {
  if (typeof key === 'string') {
    const lower = key.toLowerCase();
    if (!KEY_HEX_RE.test(lower)) throw new ParseError(`invalid peer key "${key.slice(0, 80)}": expected 64 hex characters`);
    return lower;
  }
  if (key.length !== PUBLIC_KEY_LENGTH_BYTES) throw new ParseError(`invalid peer key: expected ${PUBLIC_KEY_LENGTH_BYTES} bytes, got ${key.length}`);
  return bytesToHex(key);
}

/** The 32 bytes of a key given as bytes or hex. */
export function peerKeyBytes(key: Uint8Array | string): Uint8Array {
  return hexToBytes(toPeerKeyHex(key));
}
