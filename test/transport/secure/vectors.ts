/**
 * The interoperability vectors of docs/peerset-vectors.json: fixed static keys, fixed ephemeral secrets,
 * fixed timestamps, and the exact bytes of the three handshake messages and the first frames of each
 * direction. `computeVectors()` builds them with Peerbook's own code; vectors.test.ts checks that the
 * committed file equals it and re-derives every value with `node:crypto` alone.
 */
import { extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Identity } from '../../../src/transport/secure/authenticated/identity.js';
import { InitiatorHandshake, ResponderHandshake } from '../../../src/transport/secure/authenticated/handshake.js';
import { ephemeralPublicKey, ephemeralSharedSecret } from '../../../src/transport/secure/authenticated/key-schedule.js';
import { FrameSealer } from '../../../src/transport/secure/authenticated/frames.js';
import { bytesToHex } from '../../../src/util/hex.js';

/** Path of the committed vector file, relative to the repository root. */
export const VECTORS_PATH = 'docs/peerset-vectors.json';

/** 32 bytes counting up from `start`. */
function counting(start: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (start + i) & 0xff);
}

/** Inputs of the vectors. */
export const VECTOR_INPUTS = {
  namespace: 'peerbook-vectors',
  initiatorStaticSecret: counting(0x00),
  responderStaticSecret: counting(0x20),
  initiatorEphemeralSecret: counting(0x40),
  responderEphemeralSecret: counting(0x60),
  initiatorTimestampMs: 1_700_000_000_000,
  responderTimestampMs: 1_700_000_000_037,
  initiatorToResponder: ['hello responder', 'a'.repeat(100)],
  responderToInitiator: ['hello initiator', 'second frame'],
};

/** One frame of the vectors. */
export interface FrameVector {
  counter: number;
  plaintext: string;
  frame: string;
}

/** The whole vector file. */
export interface PeersetVectors {
  description: string;
  namespace: { ascii: string; hex: string };
  initiator: { staticSecret: string; staticPublic: string; ephemeralSecret: string; ephemeralPublic: string; timestampMs: number };
  responder: { staticSecret: string; staticPublic: string; ephemeralSecret: string; ephemeralPublic: string; timestampMs: number };
  hello: string;
  reply: string;
  finish: string;
  transcriptHash: string;
  sharedSecret: string;
  prk: string;
  keyInitiatorToResponder: string;
  keyResponderToInitiator: string;
  confirmResponder: string;
  confirmInitiator: string;
  framesInitiatorToResponder: FrameVector[];
  framesResponderToInitiator: FrameVector[];
}

/** Computes the vectors with Peerbook's implementation. */
export function computeVectors(): PeersetVectors {
  const v = VECTOR_INPUTS;
  const namespace = new Uint8Array(Buffer.from(v.namespace, 'ascii'));
  const initiator = Identity.fromSecretKey(v.initiatorStaticSecret);
  const responder = Identity.fromSecretKey(v.responderStaticSecret);
  const init = new InitiatorHandshake({
    identity: initiator, namespace, expectedKey: responder.publicKey, nowMs: v.initiatorTimestampMs, ephemeralSecret: v.initiatorEphemeralSecret,
  });
  const resp = new ResponderHandshake({ identity: responder, namespace });
  const reply = resp.onHello(init.hello, v.responderTimestampMs, v.responderEphemeralSecret);
  const { finish, result } = init.onReply(reply, v.responderTimestampMs);
  resp.onFinish(finish);
  const shared = ephemeralSharedSecret(v.initiatorEphemeralSecret, ephemeralPublicKey(v.responderEphemeralSecret));
  const frames = (key: Uint8Array, texts: string[]): FrameVector[] => {
    const sealer = new FrameSealer(key);
    return texts.map((text, counter) => ({ counter, plaintext: Buffer.from(text, 'utf8').toString('hex'), frame: sealer.seal(new Uint8Array(Buffer.from(text, 'utf8'))).toString('hex') }));
  };
  return {
    description: 'Peerbook authenticated peer-set handshake, version 1 (docs/peerset.md). All byte strings are hex.',
    namespace: { ascii: v.namespace, hex: bytesToHex(namespace) },
    initiator: {
      staticSecret: bytesToHex(v.initiatorStaticSecret), staticPublic: initiator.publicKeyHex,
      ephemeralSecret: bytesToHex(v.initiatorEphemeralSecret), ephemeralPublic: bytesToHex(ephemeralPublicKey(v.initiatorEphemeralSecret)),
      timestampMs: v.initiatorTimestampMs,
    },
    responder: {
      staticSecret: bytesToHex(v.responderStaticSecret), staticPublic: responder.publicKeyHex,
      ephemeralSecret: bytesToHex(v.responderEphemeralSecret), ephemeralPublic: bytesToHex(ephemeralPublicKey(v.responderEphemeralSecret)),
      timestampMs: v.responderTimestampMs,
    },
    hello: bytesToHex(init.hello),
    reply: bytesToHex(reply),
    finish: bytesToHex(finish),
    transcriptHash: bytesToHex(result.transcriptHash),
    sharedSecret: bytesToHex(shared),
    prk: bytesToHex(extract(sha256, shared, result.transcriptHash)),
    keyInitiatorToResponder: bytesToHex(result.secrets.keyInitiatorToResponder),
    keyResponderToInitiator: bytesToHex(result.secrets.keyResponderToInitiator),
    confirmResponder: bytesToHex(result.secrets.confirmResponder),
    confirmInitiator: bytesToHex(result.secrets.confirmInitiator),
    framesInitiatorToResponder: frames(result.secrets.keyInitiatorToResponder, v.initiatorToResponder),
    framesResponderToInitiator: frames(result.secrets.keyResponderToInitiator, v.responderToInitiator),
  };
}
