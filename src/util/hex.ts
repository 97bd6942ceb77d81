/** Strict hex helpers (Buffer.from(hex) silently stops at the first bad character; these do not). */
import { ParseError } from './errors.js';

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** Decodes an even-length hex string; throws `ParseError` on any other input. */
export function hexToBytes(hex: string): Uint8Array {
  if (!HEX_RE.test(hex)) {
    throw new ParseError(`invalid hex string (${hex.length} chars): expected an even number of hex digits`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Lowercase hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** True when two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
