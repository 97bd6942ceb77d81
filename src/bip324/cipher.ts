/**
 * `Bip324Cipher` (Core bip324.h `BIP324Cipher`): the packet layer of one BIP324 connection.
 *
 * A packet is `length (3 bytes, FSChaCha20) ‖ AEAD(header (1 byte) ‖ contents, aad) ‖ tag (16 bytes)`:
 * 20 bytes more than its contents. The header's top bit marks a decoy the receiver must ignore; the
 * AAD is empty except on the first packet each side sends, which authenticates the garbage that side
 * sent before its garbage terminator. Lengths are encrypted with their own key so that the receiver
 * learns where a packet ends before it can check the packet's tag — and an attacker flipping length
 * bits only makes the next tag check fail.
 */
import { ArgumentError, PeerbookError } from '../util/errors.js';
import { POLY1305_TAG_BYTES } from './chacha20.js';
import { bip324SharedSecret, ELLSWIFT_PUBKEY_BYTES } from './ellswift.js';
import { FSChaCha20, FSChaCha20Poly1305, REKEY_INTERVAL_MESSAGES } from './fschacha20.js';
import { deriveSessionKeys } from './keys.js';

/** Core BIP324Cipher::LENGTH_LEN: bytes of the encrypted length field. */
export const LENGTH_FIELD_BYTES = 3;
/** Core BIP324Cipher::HEADER_LEN: bytes of the encrypted header. */
export const HEADER_BYTES = 1;
/** Core BIP324Cipher::EXPANSION: bytes a packet adds to its contents (length + header + tag = 20). */
export const PACKET_EXPANSION_BYTES = LENGTH_FIELD_BYTES + HEADER_BYTES + POLY1305_TAG_BYTES;
/** Core BIP324Cipher::IGNORE_BIT: header bit of a decoy packet. */
export const IGNORE_BIT = 0x80;
/** Largest contents length a 3-byte length field can carry. */
export const MAX_LENGTH_FIELD_VALUE = 0xff_ffff;

const EMPTY = new Uint8Array(0);
const HEADER_PLAIN = new Uint8Array([0]);
const HEADER_IGNORE = new Uint8Array([IGNORE_BIT]);

/** A decrypted packet. */
export interface DecryptedPacket {
  /** The header's ignore bit: true for a decoy. */
  ignore: boolean;
  /** The contents (header byte removed). */
  contents: Uint8Array;
}

/** A cipher used before `initialize()` (code `ERR_BIP324_NOT_INITIALIZED`). */
export class CipherStateError extends PeerbookError {
  /** @param message what was called too early. */
  constructor(message: string) {
    super('ERR_BIP324_NOT_INITIALIZED', message);
  }
}

interface Ciphers {
  sendL: FSChaCha20;
  sendP: FSChaCha20Poly1305;
  recvL: FSChaCha20;
  recvP: FSChaCha20Poly1305;
  sendTerminator: Uint8Array;
  recvTerminator: Uint8Array;
  sessionId: Uint8Array;
}

/** The BIP324 packet cipher of one connection end. */
export class Bip324Cipher {
  /** Our 64-byte ElligatorSwift public key. */
  readonly ourPublicKey: Uint8Array;
  private privateKey: Uint8Array | undefined;
  private readonly magic: Uint8Array;
  private state: Ciphers | undefined;

  /**
   * @param privateKey our 32-byte ephemeral private key;
   * @param ourPublicKey its 64-byte ElligatorSwift encoding;
   * @param magic the 4-byte network magic (part of the HKDF salt).
   */
  constructor(privateKey: Uint8Array, ourPublicKey: Uint8Array, magic: Uint8Array) {
    if (ourPublicKey.length !== ELLSWIFT_PUBKEY_BYTES) throw new ArgumentError(`public key must be ${ELLSWIFT_PUBKEY_BYTES} bytes`);
    this.privateKey = Uint8Array.from(privateKey);
    this.ourPublicKey = Uint8Array.from(ourPublicKey);
    this.magic = Uint8Array.from(magic);
  }

  /**
   * Completes the key exchange with the peer's 64-byte public key. `initiator` says which side we are;
   * `selfDecrypt` swaps the send and receive keys so a cipher can decrypt its own packets (Core uses it
   * in tests). The private key is dropped afterwards.
   */
  initialize(theirPublicKey: Uint8Array, initiator: boolean, selfDecrypt = false): void {
    if (this.privateKey === undefined) throw new CipherStateError('BIP324 cipher already initialized');
    const secret = bip324SharedSecret(this.privateKey, this.ourPublicKey, theirPublicKey, initiator);
    const keys = deriveSessionKeys(secret, this.magic);
    secret.fill(0);
    this.privateKey.fill(0);
    this.privateKey = undefined;
    const side = initiator !== selfDecrypt;
    this.state = {
      sendL: new FSChaCha20(side ? keys.initiatorL : keys.responderL, REKEY_INTERVAL_MESSAGES),
      sendP: new FSChaCha20Poly1305(side ? keys.initiatorP : keys.responderP, REKEY_INTERVAL_MESSAGES),
      recvL: new FSChaCha20(side ? keys.responderL : keys.initiatorL, REKEY_INTERVAL_MESSAGES),
      recvP: new FSChaCha20Poly1305(side ? keys.responderP : keys.initiatorP, REKEY_INTERVAL_MESSAGES),
      sendTerminator: initiator ? keys.initiatorGarbageTerminator : keys.responderGarbageTerminator,
      recvTerminator: initiator ? keys.responderGarbageTerminator : keys.initiatorGarbageTerminator,
      sessionId: keys.sessionId,
    };
    for (const k of [keys.initiatorL, keys.initiatorP, keys.responderL, keys.responderP]) k.fill(0);
  }

  /** True once `initialize` ran. */
  get initialized(): boolean {
    return this.state !== undefined;
  }

  private get ready(): Ciphers {
    if (!this.state) throw new CipherStateError('BIP324 cipher used before initialize()');
    return this.state;
  }

  /** The 32-byte session id. */
  get sessionId(): Uint8Array {
    return this.ready.sessionId;
  }

  /** The 16 bytes we send after our garbage. */
  get sendGarbageTerminator(): Uint8Array {
    return this.ready.sendTerminator;
  }

  /** The 16 bytes that end the peer's garbage. */
  get receiveGarbageTerminator(): Uint8Array {
    return this.ready.recvTerminator;
  }

  /**
   * Encrypts one packet whose contents are the concatenation of `parts` into `out` at `outOffset`
   * (contents length + 20 bytes). Taking the contents in parts lets a message's type bytes and payload
   * be encrypted without first being copied together.
   */
  encryptPartsInto(parts: readonly Uint8Array[], aad: Uint8Array, ignore: boolean, out: Uint8Array, outOffset: number): void {
    const c = this.ready;
    let n = 0;
    for (const p of parts) n += p.length;
    if (n > MAX_LENGTH_FIELD_VALUE) throw new ArgumentError(`packet contents of ${n} bytes exceed the 3-byte length field`);
    out.set(c.sendL.crypt(new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff])), outOffset);
    c.sendP.encryptInto([ignore ? HEADER_IGNORE : HEADER_PLAIN, ...parts], aad, out, outOffset + LENGTH_FIELD_BYTES);
  }

  /** Encrypts one packet with `contents` into `out` at `outOffset` (contents.length + 20 bytes). */
  encryptInto(contents: Uint8Array, aad: Uint8Array, ignore: boolean, out: Uint8Array, outOffset: number): void {
    this.encryptPartsInto([contents], aad, ignore, out, outOffset);
  }

  /** Encrypts one packet: `contents.length + 20` bytes (Core `BIP324Cipher::Encrypt`). */
  encrypt(contents: Uint8Array, aad: Uint8Array = EMPTY, ignore = false): Uint8Array {
    const out = new Uint8Array(contents.length + PACKET_EXPANSION_BYTES);
    this.encryptInto(contents, aad, ignore, out, 0);
    return out;
  }

  /** Decrypts a packet's 3-byte length field: the contents length that follows (Core `DecryptLength`). */
  decryptLength(input: Uint8Array): number {
    if (input.length !== LENGTH_FIELD_BYTES) throw new ArgumentError(`length field must be ${LENGTH_FIELD_BYTES} bytes, got ${input.length}`);
    const b = this.ready.recvL.crypt(input);
    return b[0] | (b[1] << 8) | (b[2] << 16);
  }

  /**
   * Decrypts the rest of a packet (header ‖ contents ‖ tag, i.e. everything after the length field) with
   * `aad`: the contents and ignore bit, or undefined when the tag does not authenticate (Core `Decrypt`).
   */
  decrypt(input: Uint8Array, aad: Uint8Array = EMPTY): DecryptedPacket | undefined {
    if (input.length < HEADER_BYTES + POLY1305_TAG_BYTES) throw new ArgumentError(`packet body must be at least ${HEADER_BYTES + POLY1305_TAG_BYTES} bytes, got ${input.length}`);
    const plain = this.ready.recvP.decrypt(input, aad);
    if (plain === undefined) return undefined;
    return { ignore: (plain[0] & IGNORE_BIT) === IGNORE_BIT, contents: plain.subarray(HEADER_BYTES) };
  }
}
