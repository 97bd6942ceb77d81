/**
 * Fuzz target for the peer-set handshake's receiving side (src/transport/secure/authenticated/): what a
 * responder does with the bytes an initiator sends — Hello (105 bytes: version, both static keys,
 * timestamp, ephemeral key), Finish (96 bytes: signature, key confirmation), then application frames.
 *
 * `peerset:handshake` runs, per input, the responder's path as `upgrade.ts` runs it: `peekInitiatorKey`
 * on the first 33 bytes (what the gate sees), `ResponderHandshake.onHello` on the Hello at a fixed
 * time with a fixed ephemeral secret (so a valid transcript is reproducible and the seeds get through),
 * `onFinish`, then a `FrameOpener` with the derived key over the rest. Mutations reach the version
 * byte, the addressee and self checks, the timestamp window, the replay cache, signature and
 * confirmation checks, the frame length bound (64 KiB) and frame authentication. Only `AuthError` may
 * come out. The gate itself (registered IP, known key, rate limits) is the peer-set tests' subject.
 */
import { AuthError } from '../../src/transport/secure/authenticated/errors.js';
import { FrameOpener, FrameSealer } from '../../src/transport/secure/authenticated/frames.js';
import { InitiatorHandshake, peekInitiatorKey, ResponderHandshake } from '../../src/transport/secure/authenticated/handshake.js';
import { Identity } from '../../src/transport/secure/authenticated/identity.js';
import { ReplayCache } from '../../src/transport/secure/authenticated/replay-cache.js';
import { HELLO_BYTES, FINISH_BYTES } from '../../src/transport/secure/authenticated/constants.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { OracleError, type FuzzTarget } from './engine.js';

/** The fixed moment every handshake happens at (ms since the epoch). */
const NOW_MS = 1_765_000_000_000;
const NAMESPACE = new TextEncoder().encode('peerbook-fuzz');
const RESPONDER_EPHEMERAL = new Uint8Array(32).fill(0x42);

let fixtures: { responder: Identity; initiator: Identity } | undefined;

function identities(): { responder: Identity; initiator: Identity } {
  fixtures ??= {
    responder: Identity.generate(ChaChaRandom.fromSeed('fuzz-peerset-responder')),
    initiator: Identity.generate(ChaChaRandom.fromSeed('fuzz-peerset-initiator')),
  };
  return fixtures;
}

const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A valid initiator stream: Hello, Finish (for the responder's fixed ephemeral and time) and `frames` sealed. */
function validStream(frames: Uint8Array[], initiatorEphemeralByte: number): Uint8Array {
  const { responder, initiator } = identities();
  const hs = new InitiatorHandshake({
    identity: initiator, namespace: NAMESPACE, expectedKey: responder.publicKey, nowMs: NOW_MS - 1_000,
    ephemeralSecret: new Uint8Array(32).fill(initiatorEphemeralByte),
  });
  const reply = new ResponderHandshake({ identity: responder, namespace: NAMESPACE }).onHello(hs.hello, NOW_MS, RESPONDER_EPHEMERAL);
  const { finish, result } = hs.onReply(reply, NOW_MS);
  const sealer = new FrameSealer(result.secrets.keyInitiatorToResponder);
  return concat(hs.hello, finish, ...frames.map((f) => sealer.seal(f)));
}

const handshakeTarget: FuzzTarget = {
  name: 'peerset:handshake',
  kind: 'bytes',
  errors: [AuthError],
  ciInputs: 300,
  seeds: () => [
    validStream([], 1),
    validStream([Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(300).fill(9)], 2),
    validStream([], 3).subarray(0, HELLO_BYTES),
  ],
  run: (input) => {
    const { responder } = identities();
    const claimed = peekInitiatorKey(input.subarray(0, 33));
    if (input.length < HELLO_BYTES) return 'waiting-for-hello';
    const hs = new ResponderHandshake({ identity: responder, namespace: NAMESPACE, replayCache: new ReplayCache() });
    hs.onHello(input.subarray(0, HELLO_BYTES), NOW_MS, RESPONDER_EPHEMERAL);
    if (input.length < HELLO_BYTES + FINISH_BYTES) return 'waiting-for-finish';
    const result = hs.onFinish(input.subarray(HELLO_BYTES, HELLO_BYTES + FINISH_BYTES));
    if (Buffer.compare(Buffer.from(result.peerKey), Buffer.from(claimed)) !== 0) {
      throw new OracleError('the authenticated key is not the one the gate was shown');
    }
    const opener = new FrameOpener(result.secrets.keyInitiatorToResponder);
    opener.push(input.subarray(HELLO_BYTES + FINISH_BYTES));
    let frames = 0;
    while (opener.next() !== undefined) frames++;
    return `established:${Math.min(frames, 3)}:${opener.bufferedBytes > 0 ? 'partial' : 'whole'}`;
  },
};

/** The peer-set handshake targets. */
export const PEERSET_TARGETS: FuzzTarget[] = [handshakeTarget];
