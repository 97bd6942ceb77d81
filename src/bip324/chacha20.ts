/**
 * ChaCha20 (RFC 8439, 96-bit nonce, 32-bit block counter) and the ChaCha20-Poly1305 AEAD, on OpenSSL
 * through `node:crypto`.
 *
 * Why `node:crypto` and not `@noble/ciphers`: both produce the same bytes (the bench checks it on every
 * run); OpenSSL decrypts faster at every size and encrypts faster from a few hundred bytes up, 5–25×
 * from 64 kB (SIMD), while for a ping-sized packet the two are within noise of each other because
 * per-call set-up dominates (figures in bench/results and docs/bip324.md). Neither backend is used with long-lived secret keys here: every key is an ephemeral
 * per-connection key derived by HKDF.
 *
 * Nonces are written the way Core's `ChaCha20Aligned::Nonce96` is: a 32-bit little-endian word followed
 * by a 64-bit little-endian word (Core `ChaCha20::Seek({first, second}, block)`).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ArgumentError } from '../util/errors.js';

/** Core ChaCha20::KEYLEN / AEADChaCha20Poly1305::KEYLEN: bytes of a ChaCha20 key. */
export const CHACHA20_KEY_BYTES = 32;
/** RFC 8439: bytes of the 96-bit nonce. */
export const CHACHA20_NONCE_BYTES = 12;
/** RFC 8439: bytes of one ChaCha20 block. */
export const CHACHA20_BLOCK_BYTES = 64;
/** Core Poly1305::TAGLEN = AEADChaCha20Poly1305::EXPANSION: bytes of the authentication tag. */
export const POLY1305_TAG_BYTES = 16;

const TWO_64 = 1n << 64n;

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== CHACHA20_KEY_BYTES) {
    throw new ArgumentError(`ChaCha20 key must be ${CHACHA20_KEY_BYTES} bytes, got ${key?.length}`);
  }
}

/**
 * The 12-byte nonce Core builds from a pair: `first` as LE32, then `second` as LE64
 * (Core `ChaCha20Aligned::Nonce96`). `first` is an unsigned 32-bit integer, `second` an unsigned 64-bit one.
 */
export function chachaNonce(first: number, second: bigint | number): Uint8Array {
  const hi = BigInt(second);
  if (!Number.isInteger(first) || first < 0 || first > 0xffff_ffff) throw new ArgumentError(`nonce word ${first} is not an unsigned 32-bit integer`);
  if (hi < 0n || hi >= TWO_64) throw new ArgumentError(`nonce word ${hi} is not an unsigned 64-bit integer`);
  const out = new Uint8Array(CHACHA20_NONCE_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, first, true);
  view.setBigUint64(4, hi, true);
  return out;
}

/** The 16-byte IV OpenSSL's `chacha20` takes: LE32 block counter, then the 96-bit nonce. */
function opensslIv(nonce: Uint8Array, blockCounter: number): Buffer {
  if (nonce.length !== CHACHA20_NONCE_BYTES) throw new ArgumentError(`ChaCha20 nonce must be ${CHACHA20_NONCE_BYTES} bytes, got ${nonce.length}`);
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(blockCounter >>> 0, 0);
  iv.set(nonce, 4);
  return iv;
}

/**
 * A ChaCha20 keystream that continues across calls (Core `ChaCha20` with its keystream buffer): `crypt`
 * XORs input with the next keystream bytes, `keystream(n)` returns the next `n` bytes.
 */
export class ChaCha20Stream {
  private readonly cipher;

  /** @param key 32-byte key; @param nonce 12-byte nonce; @param blockCounter first block (default 0). */
  constructor(key: Uint8Array, nonce: Uint8Array, blockCounter = 0) {
    checkKey(key);
    this.cipher = createCipheriv('chacha20', key, opensslIv(nonce, blockCounter));
  }

  /** `input` XOR the next `input.length` keystream bytes. */
  crypt(input: Uint8Array): Uint8Array {
    return this.cipher.update(input);
  }

  /** The next `length` keystream bytes. */
  keystream(length: number): Uint8Array {
    return this.cipher.update(new Uint8Array(length));
  }
}

/** `length` bytes of ChaCha20 keystream for (key, nonce) from block `blockCounter` on. */
export function chacha20Keystream(key: Uint8Array, nonce: Uint8Array, length: number, blockCounter = 0): Uint8Array {
  return new ChaCha20Stream(key, nonce, blockCounter).keystream(length);
}

/**
 * ChaCha20-Poly1305 (RFC 8439) encryption of the concatenation of `parts`, written to `out` at `outOffset`
 * as ciphertext followed by the 16-byte tag. Taking the plaintext in parts lets a BIP324 packet encrypt
 * its header byte and its contents without first copying them together (Core's `Encrypt(plain1, plain2)`).
 * Returns the number of bytes written.
 */
export function aeadEncryptInto(
  key: Uint8Array, nonce: Uint8Array, parts: readonly Uint8Array[], aad: Uint8Array, out: Uint8Array, outOffset: number,
): number {
  checkKey(key);
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: POLY1305_TAG_BYTES });
  if (aad.length > 0) cipher.setAAD(aad, { plaintextLength: parts.reduce((n, p) => n + p.length, 0) });
  let pos = outOffset;
  for (const part of parts) {
    if (part.length === 0) continue;
    const ct = cipher.update(part);
    out.set(ct, pos);
    pos += ct.length;
  }
  cipher.final();
  out.set(cipher.getAuthTag(), pos);
  return pos + POLY1305_TAG_BYTES - outOffset;
}

/** ChaCha20-Poly1305 encryption of `plaintext`: ciphertext ‖ tag. */
export function aeadEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length + POLY1305_TAG_BYTES);
  aeadEncryptInto(key, nonce, [plaintext], aad, out, 0);
  return out;
}

/**
 * ChaCha20-Poly1305 decryption of `sealed` (ciphertext ‖ 16-byte tag): the plaintext, or undefined when
 * the tag does not authenticate the ciphertext and `aad` under (key, nonce). Nothing decrypted is
 * returned before the tag has been checked.
 */
export function aeadDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  checkKey(key);
  if (sealed.length < POLY1305_TAG_BYTES) return undefined;
  const ctLength = sealed.length - POLY1305_TAG_BYTES;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: POLY1305_TAG_BYTES });
  decipher.setAuthTag(sealed.subarray(ctLength));
  if (aad.length > 0) decipher.setAAD(aad, { plaintextLength: ctLength });
  const plain = decipher.update(sealed.subarray(0, ctLength));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
}
