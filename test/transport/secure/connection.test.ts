/**
 * The rest of the refusal reasons over real TCP (bad confirmation, malformed Hello, oversized frame,
 * exhausted nonce, the tracker's blocked/duplicate/self), backpressure through the secure layer, aborting
 * a handshake, and hostile handshake bytes (property: always a typed refusal, never a crash).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../../src/address/netaddress.js';
import { NetService } from '../../../src/address/service.js';
import { MemoryNetwork } from '../../../src/transport/memory.js';
import { PeerSetTracker } from '../../../src/peerset/tracker.js';
import { HELLO_BYTES, FINISH_BYTES, MAX_HANDSHAKE_BUFFER_BYTES, REPLY_BYTES } from '../../../src/transport/secure/authenticated/constants.js';
import { AuthError } from '../../../src/transport/secure/authenticated/errors.js';
import { FrameOpener, FrameSealer } from '../../../src/transport/secure/authenticated/frames.js';
import { InitiatorHandshake, ResponderHandshake } from '../../../src/transport/secure/authenticated/handshake.js';
import { SecureConnection } from '../../../src/transport/secure/authenticated/secure-connection.js';
import { AuthCounters } from '../../../src/transport/secure/authenticated/counters.js';
import { secureInbound, secureOutbound } from '../../../src/transport/secure/authenticated/upgrade.js';
import { TcpTransport } from '../../../src/transport/tcp.js';
import type { Connection } from '../../../src/transport/transport.js';
import { VirtualClock } from '../../../src/util/clock.js';
import { ChaChaRandom } from '../../../src/util/random.js';
import { waitUntil } from '../../support/wait.js';
import { NAMESPACE, T0, closed, collect, identity, rejection, secret } from './helpers.js';
import { rawConnect, startNode, startTap } from './tcp-helpers.js';

/** A socket test that breaks fails within 20 s instead of hanging. */
const SOCKET_TEST = { timeout: 20_000 };

const alice = identity(1);
const bob = identity(2);

/** A raw TCP pair on loopback. */
async function tcpPair(clock: VirtualClock): Promise<{ client: Connection; server: Connection; close: () => Promise<void> }> {
  const tcp = new TcpTransport(clock);
  let accept!: (c: Connection) => void;
  const accepted = new Promise<Connection>((r) => { accept = r; });
  const listener = await tcp.listen(NetService.parse('127.0.0.1:0'), (c) => accept(c));
  const client = await tcp.connect(listener.address);
  const server = await accepted;
  return { client, server, close: () => listener.close() };
}

test('a Reply with a tampered confirmation is refused by the initiator as bad-confirmation', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  const a = await startNode(alice, clock);
  const tap = await startTap(b.address, (dir, offset, chunk) => {
    const out = Buffer.from(chunk);
    const lastConfirmByte = REPLY_BYTES - 1;
    if (dir === 's2c' && offset <= lastConfirmByte && lastConfirmByte < offset + chunk.length) out[lastConfirmByte - offset] ^= 0x01;
    return out;
  });
  try {
    assert.equal((await rejection(a.transport.connect(tap.address, bob.publicKey))).reason, 'bad-confirmation');
    assert.equal(a.transport.counters.rejections('bad-confirmation', 'initiator'), 1);
  } finally {
    await tap.close();
    await a.listener.close();
    await b.listener.close();
  }
});

test('a Finish with a tampered confirmation is refused by the responder as bad-confirmation', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  const a = await startNode(alice, clock);
  const tap = await startTap(b.address, (dir, offset, chunk) => {
    const out = Buffer.from(chunk);
    const lastFinishByte = HELLO_BYTES + FINISH_BYTES - 1;
    if (dir === 'c2s' && offset <= lastFinishByte && lastFinishByte < offset + chunk.length) out[lastFinishByte - offset] ^= 0x01;
    return out;
  });
  try {
    await a.transport.connect(tap.address, bob.publicKey).then((c) => c.destroy(), () => undefined);
    await waitUntil('bad-confirmation counted', () => b.transport.counters.rejections('bad-confirmation', 'responder') === 1);
    assert.equal(b.accepted.length, 0);
  } finally {
    await tap.close();
    await a.listener.close();
    await b.listener.close();
  }
});

test('a Hello with an unknown version is refused as malformed after its first byte', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  try {
    const raw = await rawConnect(b.address);
    raw.write(new Uint8Array(HELLO_BYTES).fill(2));
    await closed(raw);
    assert.equal(b.transport.counters.rejections('malformed', 'responder'), 1);
  } finally {
    await b.listener.close();
  }
});

test('a single chunk larger than the handshake buffer is refused as malformed (memory transport: one chunk)', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const network = new MemoryNetwork();
  const a = NetAddress.parse('10.0.0.1');
  const b = NetAddress.parse('10.0.0.2');
  await network.transport(b).listen(new NetService(b, 1), (conn) => conn.write(new Uint8Array(MAX_HANDSHAKE_BUFFER_BYTES + 1)));
  const client = await network.transport(a).connect(new NetService(b, 1));
  const counters = new AuthCounters();
  const err = await rejection(secureOutbound(client, { identity: alice, namespace: NAMESPACE, clock, random: ChaChaRandom.fromSeed(1), expectedKey: bob.publicKey, counters }));
  assert.equal(err.reason, 'malformed');
  assert.equal(counters.rejections('malformed', 'initiator'), 1);
});

test('a frame header announcing more than 64 KiB closes the connection with frame-too-large', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  const a = await startNode(alice, clock);
  try {
    const tap = await startTap(b.address, (dir, offset, chunk) => {
      const out = Buffer.from(chunk);
      const headerStart = HELLO_BYTES + FINISH_BYTES;
      if (dir === 'c2s' && offset <= headerStart && headerStart < offset + chunk.length) out[headerStart - offset] = 0xff;
      return out;
    });
    const acceptedP = b.nextAccepted();
    const out = await a.transport.connect(tap.address, bob.publicKey);
    const inn = await acceptedP;
    inn.on('data', () => undefined);
    const err = closed(inn);
    out.write(Buffer.from('x'));
    const e = await err;
    assert.ok(e instanceof AuthError && e.reason === 'frame-too-large');
    assert.equal(b.transport.counters.rejections('frame-too-large', 'responder'), 1);
    await tap.close();
  } finally {
    await a.listener.close();
    await b.listener.close();
  }
});

test('a connection closes with nonce-exhausted instead of reusing a nonce', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const { client, server, close } = await tcpPair(clock);
  try {
    const key = secret(9);
    const counters = new AuthCounters();
    const session = { role: 'initiator' as const, peerKey: bob.publicKey, transcriptHash: secret(1) };
    const out = new SecureConnection(client, { ...session, sealer: new FrameSealer(key, 2), opener: new FrameOpener(secret(8)) }, new Uint8Array(0), counters);
    const inn = new SecureConnection(server, { ...session, role: 'responder', sealer: new FrameSealer(secret(8)), opener: new FrameOpener(key) }, new Uint8Array(0));
    const got = collect(inn, 2);
    assert.equal(out.write(Buffer.from('a')), true);
    out.write(Buffer.from('b'));
    assert.equal((await got).toString(), 'ab');
    const err = closed(out);
    assert.equal(out.write(Buffer.from('c')), false);
    const e = await err;
    assert.ok(e instanceof AuthError && e.reason === 'nonce-exhausted');
    assert.equal(counters.rejections('nonce-exhausted', 'initiator'), 1);
  } finally {
    client.destroy();
    await close();
  }
});

test('the tracker as gate refuses a blocked key, a duplicate connection and our own key', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const carol = identity(3);
  const tracker = new PeerSetTracker({ self: bob.publicKey }, { clock, random: ChaChaRandom.fromSeed(1) });
  tracker.track(1, { [alice.publicKeyHex]: '127.0.0.1:1', [carol.publicKeyHex]: '127.0.0.1:2', [bob.publicKeyHex]: '127.0.0.1:3' });
  tracker.block(carol.publicKey, 60_000);
  assert.ok(tracker.admitInbound(alice.publicKey, NetService.parse('127.0.0.1:1').addr).ok); // Alice already connected
  const b = await startNode(bob, clock, { gate: (key, remote) => tracker.checkInbound(key, remote.addr) });
  try {
    for (const [who, reason] of [[carol, 'blocked'], [alice, 'duplicate'], [bob, 'self']] as const) {
      const raw = await rawConnect(b.address);
      await rejection(secureOutbound(raw, { identity: who, namespace: NAMESPACE, clock, random: ChaChaRandom.fromSeed(reason), expectedKey: bob.publicKey }));
      await waitUntil(`${reason} counted`, () => b.transport.counters.rejections(reason, 'responder') === 1);
    }
  } finally {
    await b.listener.close();
  }
});

test('backpressure passes through: write returns false when the socket buffer is full, then drain', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  const a = await startNode(alice, clock);
  try {
    const acceptedP = b.nextAccepted();
    const out = await a.transport.connect(b.address, bob.publicKey);
    const inn = await acceptedP;
    inn.pause();
    const chunk = new Uint8Array(1 << 16);
    let writes = 0;
    while (out.write(chunk)) if (++writes > 10_000) assert.fail('write never reported backpressure');
    assert.ok(out.writableLength > 0);
    const drained = new Promise<void>((r) => out.once('drain', () => r()));
    let received = 0;
    inn.on('data', (d) => { received += d.length; });
    inn.resume();
    await drained;
    await waitUntil('everything received', () => received === (writes + 1) * chunk.length);
    out.destroy();
  } finally {
    await a.listener.close();
    await b.listener.close();
  }
});

test('aborting a handshake destroys the connection and is not counted as a refusal', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const { client, server, close } = await tcpPair(clock);
  try {
    const counters = new AuthCounters();
    const controller = new AbortController();
    const pending = secureOutbound(client, { identity: alice, namespace: NAMESPACE, clock, random: ChaChaRandom.fromSeed(1), expectedKey: bob.publicKey, counters, signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, { code: 'ERR_ABORTED' });
    await closed(server);
    const snapshot = counters.snapshot();
    assert.equal(Object.values(snapshot.rejected.initiator).reduce((a, b) => a + b, 0), 0);
  } finally {
    await close();
  }
});

test('hostile Hello bytes always end in a typed refusal, never a crash (property)', () => {
  const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
  fc.assert(fc.property(fc.uint8Array({ minLength: HELLO_BYTES, maxLength: HELLO_BYTES }), fc.boolean(), (bytes, keepHeader) => {
    const hello = bytes.slice();
    if (keepHeader) hello.set(init.hello.subarray(0, 73)); // valid version, keys, timestamp; random ephemeral
    try {
      new ResponderHandshake({ identity: bob, namespace: NAMESPACE }).onHello(hello, T0, secret(0x22));
    } catch (err) {
      assert.ok(err instanceof AuthError, String(err));
    }
  }), { numRuns: 150 });
});

test('hostile Reply bytes always end in a typed refusal, never a crash (property)', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: REPLY_BYTES, maxLength: REPLY_BYTES }), (bytes) => {
    const init = new InitiatorHandshake({ identity: alice, namespace: NAMESPACE, expectedKey: bob.publicKey, nowMs: T0, ephemeralSecret: secret(0x11) });
    const reply = bytes.slice();
    reply.set(bob.publicKey, 0);
    assert.throws(() => init.onReply(reply, T0), (err: unknown) => err instanceof AuthError);
  }), { numRuns: 100 });
});

test('an inbound handshake over a connection that is already closed fails as closed', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const { client, server, close } = await tcpPair(clock);
  client.destroy();
  await closed(server);
  const err = await rejection(secureInbound(server, { identity: bob, namespace: NAMESPACE, clock, random: ChaChaRandom.fromSeed(1), gate: () => undefined }));
  assert.equal(err.reason, 'closed');
  await close();
});
