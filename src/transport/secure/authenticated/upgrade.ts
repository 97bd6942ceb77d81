/**
 * Running the handshake over a `Connection`: the I/O shell around the pure state machines of
 * handshake.ts. `secureOutbound` dials a known key; `secureInbound` answers, calling the caller's gate
 * with the initiator's claimed key and source address as soon as the first 33 bytes arrive — before
 * the rest of the Hello is even read, and before any signature or Diffie-Hellman work.
 *
 * Both enforce one deadline for the whole handshake (HANDSHAKE_TIMEOUT_MS on the injected clock), hold
 * at most MAX_HANDSHAKE_BUFFER_BYTES, close the inner connection on any refusal, count every outcome,
 * and reject with a typed `AuthError`.
 */
import { AbortError, type Clock } from '../../../util/clock.js';
import type { Random } from '../../../util/random.js';
import type { NetService } from '../../../address/service.js';
import type { Connection } from '../../transport.js';
import {
  FINISH_BYTES, HANDSHAKE_TIMEOUT_MS, HELLO_BYTES, HELLO_KEY_PREFIX_BYTES, MAX_HANDSHAKE_BUFFER_BYTES, REPLY_BYTES,
} from './constants.js';
import type { AuthCounters, HandshakeRole } from './counters.js';
import { AuthError, isGateRejectReason, type GateRejectReason } from './errors.js';
import { FrameOpener, FrameSealer } from './frames.js';
import { InitiatorHandshake, peekInitiatorKey, ResponderHandshake, type HandshakeResult } from './handshake.js';
import { peerKeyBytes, toPeerKeyHex, type Identity, type PeerKeyHex } from './identity.js';
import { checkNamespace } from './key-schedule.js';
import type { ReplayCache } from './replay-cache.js';
import { SecureConnection } from './secure-connection.js';

/**
 * The responder's cheap admission check: given the initiator's claimed key and the connection's source
 * address, return undefined to continue or a reason to refuse at once. Runs before any expensive work.
 */
export type HandshakeGate = (peerKey: PeerKeyHex, remote: NetService) => GateRejectReason | undefined;

/** Settings common to both roles. */
export interface SecureOptions {
  /** Our static identity. */
  identity: Identity;
  /** The application namespace (both sides must use the same bytes). */
  namespace: Uint8Array;
  /** Time for timestamps and the deadline. */
  clock: Clock;
  /** Source of ephemeral secrets (securely seeded in production: `ChaChaRandom.secure()`). */
  random: Pick<Random, 'randbytes'>;
  /** Where outcomes are counted. */
  counters?: AuthCounters;
  /** Deadline of the whole handshake (default HANDSHAKE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Aborts the handshake (the connection is destroyed; rejects with `AbortError`, not counted). */
  signal?: AbortSignal;
}

/** Settings of an outbound handshake. */
export interface SecureOutboundOptions extends SecureOptions {
  /** The key we mean to reach. */
  expectedKey: PeerKeyHex | Uint8Array;
}

/** Settings of an inbound handshake. */
export interface SecureInboundOptions extends SecureOptions {
  /** Admission check on the initiator's claimed key and source address. */
  gate: HandshakeGate;
  /** Shared cache refusing replayed Hellos (one per node). */
  replayCache?: ReplayCache;
}

/** Accumulates handshake bytes and hands out fixed-size messages. */
class HandshakeBuffer {
  private bytes = new Uint8Array(0);

  get length(): number {
    return this.bytes.length;
  }

  push(chunk: Uint8Array): void {
    const next = new Uint8Array(this.bytes.length + chunk.length);
    next.set(this.bytes);
    next.set(chunk, this.bytes.length);
    this.bytes = next;
    if (this.bytes.length > MAX_HANDSHAKE_BUFFER_BYTES) {
      throw new AuthError('malformed', `more than ${MAX_HANDSHAKE_BUFFER_BYTES} bytes before the handshake completed`);
    }
  }

  peek(n: number): Uint8Array {
    return this.bytes.subarray(0, n);
  }

  take(n: number): Uint8Array {
    const out = this.bytes.slice(0, n);
    this.bytes = this.bytes.subarray(n);
    return out;
  }

  rest(): Uint8Array {
    return this.bytes.slice();
  }
}

/**
 * Drives one handshake: wires listeners, the deadline and the abort signal, and turns every failure into
 * a destroyed connection, a counted reason and a rejected promise. `step` consumes the buffer and returns
 * the session when the handshake completed.
 */
function runHandshake(
  conn: Connection, role: HandshakeRole, options: SecureOptions,
  step: (buffer: HandshakeBuffer) => HandshakeResult | undefined,
  start: () => void,
): Promise<SecureConnection> {
  return new Promise<SecureConnection>((resolve, reject) => {
    const buffer = new HandshakeBuffer();
    let settled = false;
    const cleanup = (): void => {
      settled = true;
      timer.cancel();
      conn.off('data', onData);
      conn.off('close', onClose);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: Error): void => {
      if (settled) return;
      cleanup();
      if (err instanceof AuthError) options.counters?.rejected(role, err.reason);
      conn.destroy(err);
      reject(err);
    };
    const onData = (chunk: Uint8Array): void => {
      if (settled) return;
      try {
        buffer.push(chunk);
        const result = step(buffer);
        if (!result) return;
        cleanup();
        const [sendKey, receiveKey] = role === 'initiator'
          ? [result.secrets.keyInitiatorToResponder, result.secrets.keyResponderToInitiator]
          : [result.secrets.keyResponderToInitiator, result.secrets.keyInitiatorToResponder];
        options.counters?.completed(role);
        resolve(new SecureConnection(conn, {
          role, peerKey: result.peerKey, transcriptHash: result.transcriptHash,
          sealer: new FrameSealer(sendKey), opener: new FrameOpener(receiveKey),
        }, buffer.rest(), options.counters));
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const onClose = (): void => fail(new AuthError('closed', `${conn.remote} closed the connection during the handshake`));
    const onAbort = (): void => fail(new AbortError('handshake aborted'));
    const timeoutMs = options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    const timer = options.clock.setTimeout(() => fail(new AuthError('timeout', `handshake with ${conn.remote} took longer than ${timeoutMs} ms`)), timeoutMs);
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    conn.on('data', onData);
    conn.on('close', onClose);
    if (conn.closed) {
      onClose();
      return;
    }
    try {
      start();
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** Runs the initiator's side over `conn` and resolves with the encrypted connection to `expectedKey`. */
export function secureOutbound(conn: Connection, options: SecureOutboundOptions): Promise<SecureConnection> {
  checkNamespace(options.namespace);
  const initiator = new InitiatorHandshake({
    identity: options.identity,
    namespace: options.namespace,
    expectedKey: peerKeyBytes(options.expectedKey),
    nowMs: options.clock.now(),
    ephemeralSecret: options.random.randbytes(32),
  });
  return runHandshake(conn, 'initiator', options, (buffer) => {
    if (buffer.length < REPLY_BYTES) return undefined;
    const { finish, result } = initiator.onReply(buffer.take(REPLY_BYTES), options.clock.now());
    conn.write(finish);
    return result;
  }, () => conn.write(initiator.hello));
}

/** Runs the responder's side over `conn` and resolves with the encrypted connection to whoever passed. */
export function secureInbound(conn: Connection, options: SecureInboundOptions): Promise<SecureConnection> {
  checkNamespace(options.namespace);
  const responder = new ResponderHandshake({ identity: options.identity, namespace: options.namespace, replayCache: options.replayCache });
  let stage: 'key' | 'hello' | 'finish' = 'key';
  return runHandshake(conn, 'responder', options, (buffer) => {
    if (stage === 'key') {
      if (buffer.length < HELLO_KEY_PREFIX_BYTES) return undefined;
      const key = toPeerKeyHex(peekInitiatorKey(buffer.peek(HELLO_KEY_PREFIX_BYTES)));
      const verdict = options.gate(key, conn.remote);
      if (verdict !== undefined) {
        const reason = isGateRejectReason(verdict) ? verdict : 'unknown-key';
        throw new AuthError(reason, `initiator ${key} from ${conn.remote} refused by the gate: ${String(verdict)}`);
      }
      stage = 'hello';
    }
    if (stage === 'hello') {
      if (buffer.length < HELLO_BYTES) return undefined;
      conn.write(responder.onHello(buffer.take(HELLO_BYTES), options.clock.now(), options.random.randbytes(32)));
      stage = 'finish';
    }
    if (buffer.length < FINISH_BYTES) return undefined;
    return responder.onFinish(buffer.take(FINISH_BYTES));
  }, () => undefined);
}

