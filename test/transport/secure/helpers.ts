/** Shared helpers of the authenticated-transport tests: fixed identities, scripted randomness, handshake drivers. */
import assert from 'node:assert/strict';
import { AuthError } from '../../../src/transport/secure/authenticated/errors.js';
import { Identity } from '../../../src/transport/secure/authenticated/identity.js';
import { InitiatorHandshake, ResponderHandshake, type HandshakeResult } from '../../../src/transport/secure/authenticated/handshake.js';
import type { ReplayCache } from '../../../src/transport/secure/authenticated/replay-cache.js';
import type { Connection } from '../../../src/transport/transport.js';

/** The namespace most tests use. */
export const NAMESPACE = new Uint8Array(Buffer.from('peerbook-test', 'ascii'));

/** Start of the virtual clock in these tests: 2023-11-14T22:13:20Z. */
export const T0 = 1_700_000_000_000;

/** A deterministic identity: secret key = 32 bytes of `fill`. */
export function identity(fill: number): Identity {
  return Identity.fromSecretKey(new Uint8Array(32).fill(fill));
}

/** 32 bytes of `fill` (an ephemeral secret). */
export function secret(fill: number): Uint8Array {
  return new Uint8Array(32).fill(fill);
}

/** A `randbytes` source that hands out the given values in order, then fails. */
export function scriptedRandom(...values: Uint8Array[]): { randbytes(n: number): Uint8Array } {
  const queue = [...values];
  return {
    randbytes(n: number): Uint8Array {
      const v = queue.shift();
      if (!v || v.length !== n) throw new Error(`scriptedRandom: no ${n}-byte value left`);
      return v;
    },
  };
}

/** Runs a whole handshake between two identities in memory; returns both results and the three messages. */
export function fullHandshake(options: {
  initiator: Identity; responder: Identity; nowMs?: number; replayCache?: ReplayCache;
  initiatorNamespace?: Uint8Array; responderNamespace?: Uint8Array;
}): { hello: Uint8Array; reply: Uint8Array; finish: Uint8Array; initiator: HandshakeResult; responder: HandshakeResult } {
  const now = options.nowMs ?? T0;
  const init = new InitiatorHandshake({
    identity: options.initiator, namespace: options.initiatorNamespace ?? NAMESPACE,
    expectedKey: options.responder.publicKey, nowMs: now, ephemeralSecret: secret(0x11),
  });
  const resp = new ResponderHandshake({ identity: options.responder, namespace: options.responderNamespace ?? NAMESPACE, replayCache: options.replayCache });
  const reply = resp.onHello(init.hello, now, secret(0x22));
  const { finish, result: initiator } = init.onReply(reply, now);
  const responder = resp.onFinish(finish);
  return { hello: init.hello, reply, finish, initiator, responder };
}

/** Resolves with the first `bytes` bytes a connection emits. */
export function collect(conn: Connection, bytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Uint8Array[] = [];
    let n = 0;
    const onData = (c: Uint8Array): void => {
      parts.push(c);
      n += c.length;
      if (n >= bytes) {
        conn.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    conn.on('data', onData);
  });
}

/** Resolves with the 'close' event's error. */
export function closed(conn: Connection): Promise<Error | undefined> {
  return new Promise((resolve) => {
    if (conn.closed) resolve(undefined);
    else conn.once('close', (err) => resolve(err));
  });
}

/** Awaits `p`, which must reject with an AuthError; returns that error. */
export async function rejection(p: Promise<unknown>): Promise<AuthError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AuthError, `expected AuthError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}
