/**
 * BIP324 session keys: HKDF-SHA256 (RFC 5869) over the ECDH shared secret, with salt
 * `bitcoin_v2_shared_secret` ‖ network magic — the magic makes keys of different networks differ, so a
 * testnet node and a mainnet node never agree on a key. Six 32-byte outputs are expanded from the one
 * pseudorandom key, each under its own label (Core bip324.cpp `BIP324Cipher::Initialize`).
 */
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ArgumentError } from '../util/errors.js';

/** BIP324: the HKDF salt prefix; the 4 network-magic bytes follow it. */
export const BIP324_SALT_PREFIX = 'bitcoin_v2_shared_secret';
/** Core BIP324Cipher::GARBAGE_TERMINATOR_LEN: bytes of each side's garbage terminator. */
export const GARBAGE_TERMINATOR_BYTES = 16;
/** Core BIP324Cipher::SESSION_ID_LEN: bytes of the session id. */
export const SESSION_ID_BYTES = 32;
/** Bytes of each HKDF output (Core CHKDF_HMAC_SHA256_L32). */
const OKM_BYTES = 32;

const textEncoder = new TextEncoder();

/** The six values BIP324 derives from a shared secret. */
export interface Bip324SessionKeys {
  /** Key of the initiator's length cipher (`initiator_L`). */
  initiatorL: Uint8Array;
  /** Key of the initiator's packet cipher (`initiator_P`). */
  initiatorP: Uint8Array;
  /** Key of the responder's length cipher (`responder_L`). */
  responderL: Uint8Array;
  /** Key of the responder's packet cipher (`responder_P`). */
  responderP: Uint8Array;
  /** The garbage terminator the initiator sends (first half of `garbage_terminators`). */
  initiatorGarbageTerminator: Uint8Array;
  /** The garbage terminator the responder sends (second half). */
  responderGarbageTerminator: Uint8Array;
  /** `session_id`: equal on both ends, shown to operators to detect a man in the middle. */
  sessionId: Uint8Array;
}

/** The HKDF salt for network `magic`: `bitcoin_v2_shared_secret` ‖ magic. */
export function bip324Salt(magic: Uint8Array): Uint8Array {
  if (!(magic instanceof Uint8Array) || magic.length !== 4) throw new ArgumentError(`network magic must be 4 bytes, got ${magic?.length}`);
  const prefix = textEncoder.encode(BIP324_SALT_PREFIX);
  const salt = new Uint8Array(prefix.length + magic.length);
  salt.set(prefix, 0);
  salt.set(magic, prefix.length);
  return salt;
}

/** Derives the session keys from the 32-byte shared secret for network `magic`. */
export function deriveSessionKeys(sharedSecret: Uint8Array, magic: Uint8Array): Bip324SessionKeys {
  if (!(sharedSecret instanceof Uint8Array) || sharedSecret.length !== 32) {
    throw new ArgumentError(`shared secret must be 32 bytes, got ${sharedSecret?.length}`);
  }
  const prk = extract(sha256, sharedSecret, bip324Salt(magic));
  const okm = (label: string): Uint8Array => expand(sha256, prk, textEncoder.encode(label), OKM_BYTES);
  const terminators = okm('garbage_terminators');
  return {
    initiatorL: okm('initiator_L'),
    initiatorP: okm('initiator_P'),
    responderL: okm('responder_L'),
    responderP: okm('responder_P'),
    initiatorGarbageTerminator: terminators.slice(0, GARBAGE_TERMINATOR_BYTES),
    responderGarbageTerminator: terminators.slice(GARBAGE_TERMINATOR_BYTES),
    sessionId: okm('session_id'),
  };
}
