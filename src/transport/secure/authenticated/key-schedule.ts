/**
 * The handshake's cryptography, as pure functions (docs/peerset.md, "Key schedule"):
 *
 *   th  = SHA-256(LABEL_TRANSCRIPT ‖ u32be(|namespace|) ‖ namespace ‖ Hello ‖ Reply[0..72))
 *   sig = Ed25519(static key, role label ‖ th)           (each side signs the same th under its own label)
 *   dh  = X25519(own ephemeral secret, peer ephemeral public)
 *   prk = HKDF-Extract(SHA-256, salt = th, ikm = dh)
 *   keys and confirmations = HKDF-Expand(prk, label, 32)
 *
 * `th` binds the namespace, both static keys, both ephemeral keys and both timestamps, so both
 * signatures and every derived key cover all of them.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  CONFIRMATION_BYTES, HELLO_BYTES, LABEL_CONFIRM_INITIATOR, LABEL_CONFIRM_RESPONDER, LABEL_KEY_I2R, LABEL_KEY_R2I,
  LABEL_SIGN_INITIATOR, LABEL_SIGN_RESPONDER, LABEL_TRANSCRIPT, MAX_NAMESPACE_BYTES, REPLY_TRANSCRIPT_BYTES,
} from './constants.js';
import { AuthError } from './errors.js';
import { ArgumentError } from '../../../util/errors.js';

/** The four 32-byte secrets derived from one handshake. */
export interface SessionSecrets {
  /** ChaCha20-Poly1305 key for frames from initiator to responder. */
  keyInitiatorToResponder: Uint8Array;
  /** ChaCha20-Poly1305 key for frames from responder to initiator. */
  keyResponderToInitiator: Uint8Array;
  /** What the responder sends in Reply to prove it derived the same secrets. */
  confirmResponder: Uint8Array;
  /** What the initiator sends in Finish. */
  confirmInitiator: Uint8Array;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Checks a namespace's length; the namespace is the application's agreed name (e.g. `myapp-mainnet`). */
export function checkNamespace(namespace: Uint8Array): void {
  if (namespace.length === 0 || namespace.length > MAX_NAMESPACE_BYTES) {
    throw new ArgumentError(`namespace must be 1..${MAX_NAMESPACE_BYTES} bytes, got ${namespace.length}`);
  }
}

/** The transcript hash over the namespace, the whole Hello and the signed-over part of the Reply. */
export function transcriptHash(namespace: Uint8Array, hello: Uint8Array, replyHead: Uint8Array): Uint8Array {
  if (hello.length !== HELLO_BYTES || replyHead.length !== REPLY_TRANSCRIPT_BYTES) {
    throw new ArgumentError('transcriptHash needs the whole Hello and the first 72 bytes of the Reply');
  }
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, namespace.length, false);
  return sha256(concat([LABEL_TRANSCRIPT, len, namespace, hello, replyHead]));
}

/** The message the responder signs. */
export function responderSignedMessage(th: Uint8Array): Uint8Array {
  return concat([LABEL_SIGN_RESPONDER, th]);
}

/** The message the initiator signs. */
export function initiatorSignedMessage(th: Uint8Array): Uint8Array {
  return concat([LABEL_SIGN_INITIATOR, th]);
}

/** The X25519 public key of an ephemeral secret. */
export function ephemeralPublicKey(secret: Uint8Array): Uint8Array {
  return x25519.getPublicKey(secret);
}

/** X25519; a low-order or otherwise invalid peer key is `AuthError('malformed')`. */
export function ephemeralSharedSecret(ownSecret: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  try {
    return x25519.getSharedSecret(ownSecret, peerPublic);
  } catch (err) {
    throw new AuthError('malformed', 'peer ephemeral key is invalid or of low order', { cause: err });
  }
}

/** Derives both frame keys and both confirmations from the shared secret and the transcript hash. */
export function deriveSessionSecrets(sharedSecret: Uint8Array, th: Uint8Array): SessionSecrets {
  const prk = extract(sha256, sharedSecret, th);
  return {
    keyInitiatorToResponder: expand(sha256, prk, LABEL_KEY_I2R, 32),
    keyResponderToInitiator: expand(sha256, prk, LABEL_KEY_R2I, 32),
    confirmResponder: expand(sha256, prk, LABEL_CONFIRM_RESPONDER, CONFIRMATION_BYTES),
    confirmInitiator: expand(sha256, prk, LABEL_CONFIRM_INITIATOR, CONFIRMATION_BYTES),
  };
}

/** Constant-time equality of two confirmations (lengths are public). */
export function confirmationsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
