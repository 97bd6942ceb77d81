/**
 * Static identities: an Ed25519 key pair (RFC 8032) whose public key is the peer's name in a peer set.
 * Keys travel as 32 raw bytes and are written as 64 lowercase hex characters (`PeerKeyHex`).
 * Verification follows ZIP-215 (noble's default, as commonware's ed25519), so every implementation
 * agrees on the edge-case encodings.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Random } from '../../../util/random.js';
import { ArgumentError } from '../../../util/errors.js';
import { bytesToHex, hexToBytes } from '../../../util/hex.js';
import type { PeerKeyHex } from '../../../util/public-key.js';

export { toPeerKeyHex, peerKeyBytes, type PeerKeyHex } from '../../../util/public-key.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './constants.js';

/** A node's static signing identity. */
export class Identity {
  /** The Ed25519 public key (32 bytes). */
  readonly publicKey: Uint8Array;
  /** The public key as hex. */
  readonly publicKeyHex: PeerKeyHex;

  private constructor(private readonly secretKey: Uint8Array) {
    this.publicKey = ed25519.getPublicKey(secretKey);
    this.publicKeyHex = bytesToHex(this.publicKey);
  }

  /** An identity from a 32-byte Ed25519 secret key (the RFC 8032 seed). */
  static fromSecretKey(secretKey: Uint8Array | string): Identity {
    const bytes = typeof secretKey === 'string' ? hexToBytes(secretKey) : new Uint8Array(secretKey);
    if (bytes.length !== 32) throw new ArgumentError(`Ed25519 secret key must be 32 bytes, got ${bytes.length}`);
    return new Identity(bytes);
  }

  /** A fresh identity drawn from `random` (seed it from the OS in production: `ChaChaRandom.secure()`). */
  static generate(random: Random): Identity {
    return new Identity(random.randbytes(32));
  }

  /** Signs `message` (deterministic Ed25519). */
  sign(message: Uint8Array): Uint8Array {
    return ed25519.sign(message, this.secretKey);
  }

  /** The secret key bytes, for persisting the identity (keep them private). */
  exportSecretKey(): Uint8Array {
    return new Uint8Array(this.secretKey);
  }
}

/** Verifies an Ed25519 signature (ZIP-215); false for any malformed key or signature rather than throwing. */
export function verifySignature(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
