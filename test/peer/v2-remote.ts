/**
 * The far end of a BIP324 connection, driven byte by byte by a test: it builds keys, garbage,
 * terminators and packets with the real `Bip324Cipher`, so tests can send what a well-behaved peer
 * never would (oversized lengths, bad AAD, decoys, odd message types) to a `V2MessageTransport`.
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { Bip324Cipher } from '../../src/bip324/cipher.js';
import { generateEllSwiftKey } from '../../src/bip324/ellswift.js';
import { LONG_MESSAGE_TYPE_BYTES, shortMessageId } from '../../src/bip324/message-ids.js';
import type { MessageTransport } from '../../src/peer/message-transport.js';
import type { CompletedFrame } from '../../src/wire/errors.js';
import { ChaChaRandom } from '../../src/util/random.js';

const EMPTY = new Uint8Array(0);

/** Concatenates byte arrays (@noble/hashes' concatBytes, under the name the tests use). */
export const concat = concatBytes;

/** All bytes a transport has ready, joined. */
export function drain(transport: MessageTransport): Uint8Array {
  return concat(...transport.takeOutgoing().map((o) => o.bytes));
}

/** Message contents: short id or 0 ‖ 12-byte type, then payload. */
export function contentsFor(command: string, payload: Uint8Array = EMPTY): Uint8Array {
  const id = shortMessageId(command);
  if (id !== undefined) return concat(Uint8Array.of(id), payload);
  const type = new Uint8Array(1 + LONG_MESSAGE_TYPE_BYTES);
  for (let i = 0; i < command.length; i++) type[1 + i] = command.charCodeAt(i);
  return concat(type, payload);
}

/** A scripted BIP324 peer. */
export class RawV2Remote {
  readonly cipher: Bip324Cipher;
  readonly publicKey: Uint8Array;

  /** @param magic network magic; @param initiating whether this end is the initiator; @param seed key seed. */
  constructor(magic: Uint8Array, readonly initiating: boolean, seed = 'raw-v2-remote') {
    const key = generateEllSwiftKey(ChaChaRandom.fromSeed(seed));
    this.publicKey = key.publicKey;
    this.cipher = new Bip324Cipher(key.privateKey, key.publicKey, magic);
  }

  /** Our key followed by `garbage`. */
  hello(garbage: Uint8Array = EMPTY): Uint8Array {
    return concat(this.publicKey, garbage);
  }

  /** Completes the key exchange with the other side's 64-byte key (the first 64 bytes it sent). */
  keyFrom(stream: Uint8Array): void {
    this.cipher.initialize(stream.subarray(0, 64), this.initiating);
  }

  /** Our garbage terminator. */
  terminator(): Uint8Array {
    return this.cipher.sendGarbageTerminator;
  }

  /** One encrypted packet. */
  packet(contents: Uint8Array, aad: Uint8Array = EMPTY, ignore = false): Uint8Array {
    return this.cipher.encrypt(contents, aad, ignore);
  }

  /** One encrypted application message. */
  message(command: string, payload: Uint8Array = EMPTY): Uint8Array {
    return this.packet(contentsFor(command, payload));
  }
}

/** Feeds `bytes` to `transport` `chunkSize` bytes at a time; returns the messages, in order. */
export function feed(transport: MessageTransport, bytes: Uint8Array, chunkSize = bytes.length || 1): CompletedFrame[] {
  const out: CompletedFrame[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) out.push(...transport.receive(bytes.subarray(i, i + chunkSize)));
  return out;
}

/**
 * Moves bytes between two transports until neither has anything to send; returns what each received.
 * `chunkSize` splits every delivery (1 exercises every state boundary).
 */
export function pump(a: MessageTransport, b: MessageTransport, chunkSize?: number): { atA: CompletedFrame[]; atB: CompletedFrame[] } {
  const atA: CompletedFrame[] = [];
  const atB: CompletedFrame[] = [];
  for (let round = 0; round < 100; round++) {
    const fromA = drain(a);
    const fromB = drain(b);
    if (fromA.length === 0 && fromB.length === 0) return { atA, atB };
    atB.push(...feed(b, fromA, chunkSize));
    atA.push(...feed(a, fromB, chunkSize));
  }
  throw new Error('pump: the transports never went quiet');
}
