/**
 * The two forward-secure ciphers of BIP324 (Core crypto/chacha20.h `FSChaCha20`,
 * crypto/chacha20poly1305.h `FSChaCha20Poly1305`). Both replace their key every `rekeyInterval`
 * messages (224 in BIP324) with key material drawn from the cipher itself, so a key captured later
 * cannot decrypt traffic from before the last rekey.
 *
 * - `FSChaCha20` encrypts the 3-byte packet lengths: one continuous ChaCha20 keystream per key (nonce
 *   = LE32 0 ‖ LE64 rekey counter); after `rekeyInterval` messages the next 32 keystream bytes become
 *   the new key and the rekey counter goes up.
 * - `FSChaCha20Poly1305` encrypts packet contents: message i of epoch r uses the AEAD with nonce
 *   LE32 i ‖ LE64 r; after `rekeyInterval` messages the new key is the first 32 bytes the AEAD's
 *   keystream gives under nonce LE32 0xffffffff ‖ LE64 r — ChaCha20 block 1, since the AEAD keeps
 *   block 0 for the Poly1305 key (Core `AEADChaCha20Poly1305::Keystream` seeks to block 1).
 *
 * Both advance after every message, successful or not (Core calls `NextPacket()` after a failed
 * `Decrypt` too), so sender and receiver stay in step message by message.
 */
import { ArgumentError } from '../util/errors.js';
import {
  aeadDecrypt, aeadEncryptInto, CHACHA20_KEY_BYTES, ChaCha20Stream, chacha20Keystream, chachaNonce, POLY1305_TAG_BYTES,
} from './chacha20.js';

/** BIP324 / Core BIP324Cipher::REKEY_INTERVAL: messages encrypted under one key before it is replaced. */
export const REKEY_INTERVAL_MESSAGES = 224;
/** Core FSChaCha20Poly1305::NextPacket: the nonce word (LE32 part) whose keystream gives the next key. */
const REKEY_NONCE_WORD = 0xffff_ffff;
/** Core AEADChaCha20Poly1305::Keystream: the first block of AEAD keystream (block 0 keys Poly1305). */
const AEAD_FIRST_KEYSTREAM_BLOCK = 1;

function checkInterval(rekeyInterval: number): void {
  if (!Number.isInteger(rekeyInterval) || rekeyInterval < 1) {
    throw new ArgumentError(`rekey interval must be a positive integer, got ${rekeyInterval}`);
  }
}

function copyKey(key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== CHACHA20_KEY_BYTES) {
    throw new ArgumentError(`forward-secure cipher key must be ${CHACHA20_KEY_BYTES} bytes, got ${key?.length}`);
  }
  return Uint8Array.from(key);
}

/** Forward-secure ChaCha20 stream cipher (Core `FSChaCha20`): BIP324's length cipher. */
export class FSChaCha20 {
  private readonly rekeyInterval: number;
  private stream: ChaCha20Stream;
  private chunkCounter = 0;
  private rekeyCounter = 0;

  /** @param key 32-byte initial key; @param rekeyInterval messages per key (224 in BIP324). */
  constructor(key: Uint8Array, rekeyInterval: number = REKEY_INTERVAL_MESSAGES) {
    checkInterval(rekeyInterval);
    this.rekeyInterval = rekeyInterval;
    this.stream = new ChaCha20Stream(copyKey(key), chachaNonce(0, 0));
  }

  /** Encrypts or decrypts one message (XOR with the keystream), then rekeys if the interval is complete. */
  crypt(input: Uint8Array): Uint8Array {
    const out = this.stream.crypt(input);
    if (++this.chunkCounter === this.rekeyInterval) {
      const newKey = this.stream.keystream(CHACHA20_KEY_BYTES);
      this.chunkCounter = 0;
      this.rekeyCounter++;
      this.stream = new ChaCha20Stream(newKey, chachaNonce(0, this.rekeyCounter));
    }
    return out;
  }
}

/** Forward-secure ChaCha20-Poly1305 AEAD (Core `FSChaCha20Poly1305`): BIP324's contents cipher. */
export class FSChaCha20Poly1305 {
  private readonly rekeyInterval: number;
  private key: Uint8Array;
  private packetCounter = 0;
  private rekeyCounter = 0;

  /** @param key 32-byte initial key; @param rekeyInterval messages per key (224 in BIP324). */
  constructor(key: Uint8Array, rekeyInterval: number = REKEY_INTERVAL_MESSAGES) {
    checkInterval(rekeyInterval);
    this.rekeyInterval = rekeyInterval;
    this.key = copyKey(key);
  }

  /**
   * Encrypts the concatenation of `parts` with `aad` into `out` at `outOffset` (ciphertext ‖ 16-byte
   * tag) and advances to the next message. Returns the bytes written.
   */
  encryptInto(parts: readonly Uint8Array[], aad: Uint8Array, out: Uint8Array, outOffset: number): number {
    const written = aeadEncryptInto(this.key, this.nonce(), parts, aad, out, outOffset);
    this.nextPacket();
    return written;
  }

  /** Encrypts `plaintext` with `aad`: ciphertext ‖ tag. */
  encrypt(plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    const out = new Uint8Array(plaintext.length + POLY1305_TAG_BYTES);
    this.encryptInto([plaintext], aad, out, 0);
    return out;
  }

  /** Decrypts `sealed` (ciphertext ‖ tag) with `aad`: the plaintext, or undefined if it does not authenticate. */
  decrypt(sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    const plain = aeadDecrypt(this.key, this.nonce(), sealed, aad);
    this.nextPacket();
    return plain;
  }

  private nonce(): Uint8Array {
    return chachaNonce(this.packetCounter, this.rekeyCounter);
  }

  private nextPacket(): void {
    if (++this.packetCounter === this.rekeyInterval) {
      this.key = chacha20Keystream(this.key, chachaNonce(REKEY_NONCE_WORD, this.rekeyCounter), CHACHA20_KEY_BYTES, AEAD_FIRST_KEYSTREAM_BLOCK);
      this.packetCounter = 0;
      this.rekeyCounter++;
    }
  }
}
