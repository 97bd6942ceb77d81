/**
 * The handshake as two pure state machines, one per role (no sockets, no clock: the caller passes the
 * time and the ephemeral secret, which is what makes the test vectors reproducible).
 *
 *   initiator                                   responder
 *   Hello  = v ‖ I ‖ R ‖ tsI ‖ eI      ──▶     gate(I, source IP)         ← before any expensive work
 *                                               R is me? tsI in window? eI not replayed?
 *                                               dh, th, sigR, keys
 *          ◀──   Reply = R ‖ tsR ‖ eR ‖ sigR ‖ confirmR
 *   R as expected? tsR in window? sigR? dh, keys, confirmR?
 *   Finish = sigI ‖ confirmI           ──▶     sigI? confirmI?
 *   (application frames may follow)             (application frames accepted from here on)
 *
 * Each side signs the transcript hash `th`, which covers the namespace, both static keys, both
 * ephemeral keys and both timestamps; each proves it holds the session keys (key confirmation)
 * before the other accepts any application data.
 */
import { bytesEqual, bytesToHex } from '../../../util/hex.js';
import {
  AUTH_PROTOCOL_VERSION, HELLO_KEY_PREFIX_BYTES, MAX_CLOCK_SKEW_MS, MAX_HANDSHAKE_AGE_MS, PUBLIC_KEY_BYTES,
  REPLY_TRANSCRIPT_BYTES,
} from './constants.js';
import { AuthError } from './errors.js';
import { type Identity, verifySignature } from './identity.js';
import {
  confirmationsEqual, deriveSessionSecrets, ephemeralPublicKey, ephemeralSharedSecret, initiatorSignedMessage,
  responderSignedMessage, transcriptHash, type SessionSecrets,
} from './key-schedule.js';
import { decodeFinish, decodeHello, decodeReply, encodeFinish, encodeHello, encodeReply } from './messages.js';
import type { ReplayCache } from './replay-cache.js';

/** Refuses a peer timestamp outside [now − MAX_HANDSHAKE_AGE_MS, now + MAX_CLOCK_SKEW_MS]. */
export function checkTimestamp(peerMs: number, nowMs: number): void {
  if (peerMs < nowMs - MAX_HANDSHAKE_AGE_MS) {
    throw new AuthError('stale-timestamp', `handshake timestamp ${peerMs} is ${nowMs - peerMs} ms old (limit ${MAX_HANDSHAKE_AGE_MS} ms)`);
  }
  if (peerMs > nowMs + MAX_CLOCK_SKEW_MS) {
    throw new AuthError('future-timestamp', `handshake timestamp ${peerMs} is ${peerMs - nowMs} ms ahead (limit ${MAX_CLOCK_SKEW_MS} ms)`);
  }
}

/**
 * The initiator's claimed key, from the first 33 bytes of a Hello: what the responder's gate needs.
 * A wrong version byte is `AuthError('malformed')`.
 */
export function peekInitiatorKey(prefix: Uint8Array): Uint8Array {
  if (prefix.length < HELLO_KEY_PREFIX_BYTES) throw new AuthError('malformed', `Hello prefix must be ${HELLO_KEY_PREFIX_BYTES} bytes`);
  if (prefix[0] !== AUTH_PROTOCOL_VERSION) throw new AuthError('malformed', `unsupported handshake version ${prefix[0]} (expected ${AUTH_PROTOCOL_VERSION})`);
  return prefix.slice(1, 1 + PUBLIC_KEY_BYTES);
}

/** Inputs of one initiator handshake. */
export interface InitiatorInput {
  /** Our static identity. */
  identity: Identity;
  /** The application namespace both sides agreed on. */
  namespace: Uint8Array;
  /** The static key we mean to reach. */
  expectedKey: Uint8Array;
  /** Our clock when the Hello is built (ms since the epoch). */
  nowMs: number;
  /** 32 random bytes: the ephemeral X25519 secret (fresh per handshake). */
  ephemeralSecret: Uint8Array;
}

/** Result of a completed handshake on either side. */
export interface HandshakeResult {
  /** Frame keys and confirmations. */
  secrets: SessionSecrets;
  /** The transcript hash (a unique session id both sides share). */
  transcriptHash: Uint8Array;
  /** The authenticated static key of the other side. */
  peerKey: Uint8Array;
}

/** Initiator side: build the Hello, then check the Reply and build the Finish. */
export class InitiatorHandshake {
  /** The Hello to send. */
  readonly hello: Uint8Array;
  private done = false;

  /** @param input identity, namespace, expected peer key, time and ephemeral secret. */
  constructor(private readonly input: InitiatorInput) {
    if (input.expectedKey.length !== PUBLIC_KEY_BYTES) throw new AuthError('malformed', `expected key must be ${PUBLIC_KEY_BYTES} bytes`);
    this.hello = encodeHello({
      version: AUTH_PROTOCOL_VERSION,
      initiatorKey: input.identity.publicKey,
      responderKey: input.expectedKey,
      timestampMs: input.nowMs,
      initiatorEphemeral: ephemeralPublicKey(input.ephemeralSecret),
    });
  }

  /** Checks the Reply (at `nowMs`) and returns the Finish to send and the session. Throws `AuthError`. */
  onReply(replyBytes: Uint8Array, nowMs: number): { finish: Uint8Array; result: HandshakeResult } {
    if (this.done) throw new AuthError('malformed', 'Reply already processed');
    this.done = true;
    const reply = decodeReply(replyBytes);
    if (!bytesEqual(reply.responderKey, this.input.expectedKey)) {
      throw new AuthError('wrong-key', `dialed ${bytesToHex(this.input.expectedKey)} but the responder is ${bytesToHex(reply.responderKey)}`);
    }
    checkTimestamp(reply.timestampMs, nowMs);
    const th = transcriptHash(this.input.namespace, this.hello, replyBytes.subarray(0, REPLY_TRANSCRIPT_BYTES));
    if (!verifySignature(reply.signature, responderSignedMessage(th), reply.responderKey)) {
      throw new AuthError('bad-signature', `responder ${bytesToHex(reply.responderKey)} signature does not verify`);
    }
    const secrets = deriveSessionSecrets(ephemeralSharedSecret(this.input.ephemeralSecret, reply.responderEphemeral), th);
    if (!confirmationsEqual(reply.confirmation, secrets.confirmResponder)) {
      throw new AuthError('bad-confirmation', 'responder key confirmation does not match');
    }
    const finish = encodeFinish({ signature: this.input.identity.sign(initiatorSignedMessage(th)), confirmation: secrets.confirmInitiator });
    return { finish, result: { secrets, transcriptHash: th, peerKey: reply.responderKey } };
  }
}

/** Inputs of one responder handshake. */
export interface ResponderInput {
  /** Our static identity. */
  identity: Identity;
  /** The application namespace both sides agreed on. */
  namespace: Uint8Array;
  /** Shared cache of recent Hello ephemeral keys (omit to rely on key confirmation alone). */
  replayCache?: ReplayCache;
}

/** Responder side: check the Hello and build the Reply, then check the Finish. */
export class ResponderHandshake {
  private state: { th: Uint8Array; secrets: SessionSecrets; initiatorKey: Uint8Array } | undefined;
  private finished = false;

  /** @param input identity, namespace and replay cache. */
  constructor(private readonly input: ResponderInput) {}

  /**
   * Checks a whole Hello (the caller has already run its gate on `peekInitiatorKey`) and returns the
   * Reply. The cheap checks (addressee, self, timestamp, replay) come before the X25519 and the signature.
   */
  onHello(helloBytes: Uint8Array, nowMs: number, ephemeralSecret: Uint8Array): Uint8Array {
    if (this.state) throw new AuthError('malformed', 'Hello already processed');
    const hello = decodeHello(helloBytes);
    const me = this.input.identity.publicKey;
    if (!bytesEqual(hello.responderKey, me)) {
      throw new AuthError('wrong-key', `Hello is addressed to ${bytesToHex(hello.responderKey)}, not to us (${bytesToHex(me)})`);
    }
    if (bytesEqual(hello.initiatorKey, me)) throw new AuthError('self', 'Hello comes from our own key');
    checkTimestamp(hello.timestampMs, nowMs);
    if (this.input.replayCache?.checkAndRemember(bytesToHex(hello.initiatorEphemeral), nowMs)) {
      throw new AuthError('replay', `Hello ephemeral key ${bytesToHex(hello.initiatorEphemeral)} was already used`);
    }
    const shared = ephemeralSharedSecret(ephemeralSecret, hello.initiatorEphemeral);
    const replyHead = new Uint8Array(REPLY_TRANSCRIPT_BYTES);
    replyHead.set(me, 0);
    new DataView(replyHead.buffer).setBigUint64(PUBLIC_KEY_BYTES, BigInt(nowMs), false);
    const responderEphemeral = ephemeralPublicKey(ephemeralSecret);
    replyHead.set(responderEphemeral, PUBLIC_KEY_BYTES + 8);
    const th = transcriptHash(this.input.namespace, helloBytes, replyHead);
    const secrets = deriveSessionSecrets(shared, th);
    this.state = { th, secrets, initiatorKey: hello.initiatorKey };
    return encodeReply({
      responderKey: me,
      timestampMs: nowMs,
      responderEphemeral,
      signature: this.input.identity.sign(responderSignedMessage(th)),
      confirmation: secrets.confirmResponder,
    });
  }

  /** Checks the Finish; returns the session. Throws `AuthError`. */
  onFinish(finishBytes: Uint8Array): HandshakeResult {
    if (!this.state || this.finished) throw new AuthError('malformed', 'Finish out of order');
    this.finished = true;
    const { th, secrets, initiatorKey } = this.state;
    const finish = decodeFinish(finishBytes);
    if (!verifySignature(finish.signature, initiatorSignedMessage(th), initiatorKey)) {
      throw new AuthError('bad-signature', `initiator ${bytesToHex(initiatorKey)} signature does not verify`);
    }
    if (!confirmationsEqual(finish.confirmation, secrets.confirmInitiator)) {
      throw new AuthError('bad-confirmation', 'initiator key confirmation does not match');
    }
    return { secrets, transcriptHash: th, peerKey: initiatorKey };
  }
}
