/**
 * The authenticated transport over real loopback TCP sockets: handshakes both ways, data both ways,
 * every refusal reason with its counter, a flood of handshakes from one IP, and the interoperability
 * vectors reproduced byte for byte on the wire. Time is a VirtualClock shared by both ends (timestamps
 * and deadlines), so timeouts are driven, not waited for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NetAddress } from '../../../src/address/netaddress.js';
import { NetService } from '../../../src/address/service.js';
import { HandshakeLimiter } from '../../../src/peerset/handshake-limiter.js';
import { PeerSetTracker } from '../../../src/peerset/tracker.js';
import { HELLO_BYTES, FINISH_BYTES } from '../../../src/transport/secure/authenticated/constants.js';
import { AuthError } from '../../../src/transport/secure/authenticated/errors.js';
import { Identity } from '../../../src/transport/secure/authenticated/identity.js';
import { secureInbound, secureOutbound } from '../../../src/transport/secure/authenticated/upgrade.js';
import { AuthCounters } from '../../../src/transport/secure/authenticated/counters.js';
import type { SecureConnection } from '../../../src/transport/secure/authenticated/secure-connection.js';
import { TcpTransport } from '../../../src/transport/tcp.js';
import { VirtualClock } from '../../../src/util/clock.js';
import { ChaChaRandom } from '../../../src/util/random.js';
import { waitUntil } from '../../support/wait.js';
import { NAMESPACE, T0, closed, collect, identity, rejection, scriptedRandom } from './helpers.js';
import { rawConnect, startNode, startTap } from './tcp-helpers.js';
import { VECTORS_PATH, type PeersetVectors } from './vectors.js';

/** A socket test that breaks fails within 20 s instead of hanging on a promise that never settles. */
const SOCKET_TEST = { timeout: 20_000 };

const alice = identity(1);
const bob = identity(2);
const carol = identity(3);

test('two nodes handshake in both directions over TCP and exchange data both ways', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const a = await startNode(alice, clock);
  const b = await startNode(bob, clock);
  try {
    for (const [from, to, toKey] of [[a, b, bob], [b, a, alice]] as const) {
      const acceptedP = to.nextAccepted();
      const out = await from.transport.connect(to.address, toKey.publicKeyHex);
      const inn = await acceptedP;
      assert.equal(out.peerKey, toKey.publicKeyHex);
      assert.equal(inn.peerKey, (from === a ? alice : bob).publicKeyHex);
      assert.equal(out.sessionId, inn.sessionId);
      assert.equal(out.role, 'initiator');
      assert.equal(inn.role, 'responder');
      const got = collect(inn, 5);
      out.write(Buffer.from('hello'));
      assert.equal((await got).toString(), 'hello');
      const back = collect(out, 3);
      inn.write(Buffer.from('hey'));
      assert.equal((await back).toString(), 'hey');
      out.destroy();
      await closed(inn);
    }
    assert.equal(a.transport.counters.snapshot().completed.initiator, 1);
    assert.equal(a.transport.counters.snapshot().completed.responder, 1);
  } finally {
    await a.listener.close();
    await b.listener.close();
  }
});

test('a megabyte each way arrives intact, cut into 64 KiB frames', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  const a = await startNode(alice, clock);
  try {
    const acceptedP = b.nextAccepted();
    const out = await a.transport.connect(b.address, bob.publicKey);
    const inn = await acceptedP;
    const payload = Buffer.alloc(1 << 20);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
    const got = collect(inn, payload.length);
    const back = collect(out, payload.length);
    out.write(payload);
    inn.write(payload);
    assert.ok((await got).equals(payload));
    assert.ok((await back).equals(payload));
    assert.equal(out.framesSent, 16);
    assert.equal(inn.framesReceived, 16);
    out.destroy();
  } finally {
    await a.listener.close();
    await b.listener.close();
  }
});

test('data written right after the handshake is held until the first data listener attaches', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  try {
    const acceptedP = b.nextAccepted();
    const out = await new TcpTransport(clock).connect(b.address).then((raw) => secureOutbound(raw, {
      identity: alice, namespace: NAMESPACE, clock, random: ChaChaRandom.fromSeed(1), expectedKey: bob.publicKey,
    }));
    out.write(Buffer.from('early'));
    const inn = await acceptedP;
    await new Promise((r) => setTimeout(r, 50)); // the bytes are in; nobody listens yet
    assert.equal((await collect(inn, 5)).toString(), 'early');
    out.destroy();
  } finally {
    await b.listener.close();
  }
});

test('an unknown key is refused after the first 33 bytes, before the responder does any crypto', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const tracker = new PeerSetTracker({ self: bob.publicKey }, { clock, random: ChaChaRandom.fromSeed(1) });
  tracker.track(1, { [carol.publicKeyHex]: '127.0.0.1:1' });
  const b = await startNode(bob, clock, { gate: (key, remote) => tracker.checkInbound(key, remote.addr) });
  try {
    const raw = await rawConnect(b.address);
    const gotBack: Uint8Array[] = [];
    raw.on('data', (c) => gotBack.push(c));
    const prefix = new Uint8Array(33);
    prefix[0] = 1;
    prefix.set(alice.publicKey, 1); // Alice is not in any set; the rest of the Hello is never sent
    raw.write(prefix);
    await closed(raw);
    assert.equal(gotBack.length, 0);
    assert.equal(b.transport.counters.rejections('unknown-key', 'responder'), 1);
  } finally {
    await b.listener.close();
  }
});

test('a full initiator with an unknown key gets the connection closed without a Reply', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock, { gate: () => 'unknown-key' });
  const a = await startNode(alice, clock);
  try {
    const tap = await startTap(b.address);
    const err = await rejection(a.transport.connect(tap.address, bob.publicKey));
    assert.equal(err.reason, 'closed');
    assert.equal(tap.serverToClient().length, 0);
    assert.equal(b.transport.counters.rejections('unknown-key', 'responder'), 1);
    assert.equal(a.transport.counters.rejections('closed', 'initiator'), 1);
    await tap.close();
  } finally {
    await a.listener.close();
    await b.listener.close();
  }
});

test('a known key from a source IP other than its registered one is refused as wrong-source-ip', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const tracker = new PeerSetTracker({ self: bob.publicKey }, { clock, random: ChaChaRandom.fromSeed(1) });
  tracker.track(1, { [alice.publicKeyHex]: { dial: '127.0.0.1:1', sourceIp: '127.0.0.2' } });
  const b = await startNode(bob, clock, { gate: (key, remote) => tracker.checkInbound(key, remote.addr) });
  try {
    const fromWrongIp = await rawConnect(b.address, '127.0.0.1');
    const err = await rejection(secureOutbound(fromWrongIp, { identity: alice, namespace: NAMESPACE, clock, random: ChaChaRandom.fromSeed(2), expectedKey: bob.publicKey }));
    assert.equal(err.reason, 'closed');
    assert.equal(b.transport.counters.rejections('wrong-source-ip', 'responder'), 1);
    const acceptedP = b.nextAccepted();
    const fromRightIp = await rawConnect(b.address, '127.0.0.2');
    const ok = await secureOutbound(fromRightIp, { identity: alice, namespace: NAMESPACE, clock, random: ChaChaRandom.fromSeed(3), expectedKey: bob.publicKey });
    assert.equal((await acceptedP).remote.addr.toString(), '127.0.0.2');
    ok.destroy();
  } finally {
    await b.listener.close();
  }
});

test('dialing a listener under the wrong expected key is refused as wrong-key and counted', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  const a = await startNode(alice, clock);
  try {
    const err = await rejection(a.transport.connect(b.address, carol.publicKey));
    assert.equal(err.reason, 'closed');
    await waitUntil('the responder to count wrong-key', () => b.transport.counters.rejections('wrong-key', 'responder') === 1);
  } finally {
    await a.listener.close();
    await b.listener.close();
  }
});

test('an initiator whose clock is 11 s behind is refused as stale-timestamp', SOCKET_TEST, async () => {
  const responderClock = new VirtualClock(T0 + 11_000);
  const initiatorClock = new VirtualClock(T0);
  const b = await startNode(bob, responderClock);
  const a = await startNode(alice, initiatorClock);
  try {
    await rejection(a.transport.connect(b.address, bob.publicKey));
    await waitUntil('stale-timestamp counted', () => b.transport.counters.rejections('stale-timestamp', 'responder') === 1);
  } finally {
    await a.listener.close();
    await b.listener.close();
  }
});

test('a responder whose clock is 6 s ahead is refused by the initiator as future-timestamp', SOCKET_TEST, async () => {
  // The responder sees the initiator's timestamp 6 s old (accepted); its own is 6 s in the initiator's future.
  const b = await startNode(bob, new VirtualClock(T0 + 4_000));
  const a = await startNode(alice, new VirtualClock(T0 - 2_000));
  try {
    const err = await rejection(a.transport.connect(b.address, bob.publicKey));
    assert.equal(err.reason, 'future-timestamp');
    assert.equal(a.transport.counters.rejections('future-timestamp', 'initiator'), 1);
  } finally {
    await a.listener.close();
    await b.listener.close();
  }
});

test('a Hello recorded on the wire and replayed is refused as replay', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  const a = await startNode(alice, clock);
  try {
    const tap = await startTap(b.address);
    const acceptedP = b.nextAccepted();
    const conn = await a.transport.connect(tap.address, bob.publicKey);
    await acceptedP;
    const hello = tap.clientToServer().subarray(0, HELLO_BYTES);
    conn.destroy();
    await tap.close();
    clock.advance(2_000); // still inside the 10 s window
    const raw = await rawConnect(b.address);
    raw.write(hello);
    await closed(raw);
    assert.equal(b.transport.counters.rejections('replay', 'responder'), 1);
  } finally {
    await a.listener.close();
    await b.listener.close();
  }
});

test('a frame tampered with on the wire closes the connection with tampered-frame, counted', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  const a = await startNode(alice, clock);
  try {
    const handshakeBytes = HELLO_BYTES + FINISH_BYTES;
    const tap = await startTap(b.address, (dir, offset, chunk) => {
      const out = Buffer.from(chunk);
      const firstFrameByte = handshakeBytes + 6; // inside the first frame's ciphertext
      if (dir === 'c2s' && offset <= firstFrameByte && firstFrameByte < offset + chunk.length) out[firstFrameByte - offset] ^= 0x01;
      return out;
    });
    const acceptedP = b.nextAccepted();
    const out = await a.transport.connect(tap.address, bob.publicKey);
    const inn = await acceptedP;
    const received: Uint8Array[] = [];
    inn.on('data', (d) => received.push(d));
    const closeErr = closed(inn);
    out.write(Buffer.from('this frame will be altered in transit'));
    const err = await closeErr;
    assert.ok(err instanceof AuthError);
    assert.equal(err.reason, 'tampered-frame');
    assert.equal(received.length, 0);
    assert.equal(b.transport.counters.rejections('tampered-frame', 'responder'), 1);
    await tap.close();
  } finally {
    await a.listener.close();
    await b.listener.close();
  }
});

test('a tampered Reply is refused by the initiator (bad-signature) and nothing is accepted', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  const a = await startNode(alice, clock);
  try {
    const tap = await startTap(b.address, (dir, offset, chunk) => {
      const out = Buffer.from(chunk);
      const sigByte = 72 + 3;
      if (dir === 's2c' && offset <= sigByte && sigByte < offset + chunk.length) out[sigByte - offset] ^= 0x10;
      return out;
    });
    const err = await rejection(a.transport.connect(tap.address, bob.publicKey));
    assert.equal(err.reason, 'bad-signature');
    assert.equal(b.accepted.length, 0);
    await tap.close();
  } finally {
    await a.listener.close();
    await b.listener.close();
  }
});

test('an initiator that never sends a Hello is dropped after 5 s (timeout)', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const b = await startNode(bob, clock);
  try {
    const raw = await rawConnect(b.address);
    await waitUntil('the handshake timer', () => clock.pendingTimers > 0);
    clock.advance(4_999);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(raw.closed, false);
    clock.advance(1);
    await closed(raw);
    assert.equal(b.transport.counters.rejections('timeout', 'responder'), 1);
  } finally {
    await b.listener.close();
  }
});

test('a responder that never replies times the initiator out after 5 s', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const silent = await new TcpTransport(clock).listen(NetService.parse('127.0.0.1:0'), () => undefined);
  try {
    const counters = new AuthCounters();
    const raw = await new TcpTransport(clock).connect(silent.address);
    const pending = secureOutbound(raw, { identity: alice, namespace: NAMESPACE, clock, random: ChaChaRandom.fromSeed(4), expectedKey: bob.publicKey, counters });
    clock.advance(5_000);
    assert.equal((await rejection(pending)).reason, 'timeout');
    assert.equal(counters.rejections('timeout', 'initiator'), 1);
  } finally {
    await silent.close();
  }
});

test('a flood of handshakes from one IP starts one handshake per 5 s', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const limiter = new HandshakeLimiter();
  const b = await startNode(bob, clock, {
    screen: (remote) => {
      const r = limiter.tryStart(remote.addr, clock.now());
      return r.ok ? { release: r.release } : { refuse: r.reason };
    },
  });
  try {
    const flood = await Promise.all(Array.from({ length: 30 }, () => rawConnect(b.address)));
    await waitUntil('30 screened connections', () => limiter.counters().started + limiter.counters().refused['ip-rate'] === 30);
    assert.equal(limiter.counters().started, 1);
    assert.equal(limiter.counters().refused['ip-rate'], 29);
    assert.equal(b.refused.filter((r) => r === 'ip-rate').length, 29);
    await waitUntil('29 refused sockets closed', () => flood.filter((c) => c.closed).length === 29);
    for (const c of flood) c.destroy();
    clock.advance(5_000);
    const acceptedP = b.nextAccepted();
    const ok = await rawConnect(b.address);
    const conn = await secureOutbound(ok, { identity: alice, namespace: NAMESPACE, clock, random: ChaChaRandom.fromSeed(5), expectedKey: bob.publicKey });
    await acceptedP;
    assert.equal(limiter.counters().started, 2);
    conn.destroy();
  } finally {
    await b.listener.close();
  }
});

test('the vectors are reproduced byte for byte on a real TCP connection', SOCKET_TEST, async () => {
  const v = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as PeersetVectors;
  const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
  const initiator = Identity.fromSecretKey(hex(v.initiator.staticSecret));
  const responder = Identity.fromSecretKey(hex(v.responder.staticSecret));
  const namespace = new Uint8Array(Buffer.from(v.namespace.ascii, 'ascii'));
  const responderClock = new VirtualClock(v.responder.timestampMs);
  const initiatorClock = new VirtualClock(v.initiator.timestampMs);
  let acceptInbound!: (p: Promise<SecureConnection>) => void;
  const inboundP = new Promise<Promise<SecureConnection>>((r) => { acceptInbound = r; });
  const listener = await new TcpTransport(responderClock).listen(NetService.parse('127.0.0.1:0'), (raw) => {
    acceptInbound(secureInbound(raw, {
      identity: responder, namespace, clock: responderClock, random: scriptedRandom(hex(v.responder.ephemeralSecret)), gate: () => undefined,
    }));
  });
  const tap = await startTap(listener.address);
  try {
    const raw = await new TcpTransport(initiatorClock).connect(tap.address);
    const out = await secureOutbound(raw, {
      identity: initiator, namespace, clock: initiatorClock, random: scriptedRandom(hex(v.initiator.ephemeralSecret)), expectedKey: responder.publicKey,
    });
    const inn = await (await inboundP);
    const i2r = v.framesInitiatorToResponder.map((f) => Buffer.from(f.plaintext, 'hex'));
    const r2i = v.framesResponderToInitiator.map((f) => Buffer.from(f.plaintext, 'hex'));
    const i2rTotal = i2r.reduce((n, b) => n + b.length, 0);
    const r2iTotal = r2i.reduce((n, b) => n + b.length, 0);
    const gotIn = collect(inn, i2rTotal);
    const gotOut = collect(out, r2iTotal);
    for (const p of i2r) out.write(p);
    for (const p of r2i) inn.write(p);
    await gotIn;
    await gotOut;
    assert.equal(tap.clientToServer().toString('hex'), v.hello + v.finish + v.framesInitiatorToResponder.map((f) => f.frame).join(''));
    assert.equal(tap.serverToClient().toString('hex'), v.reply + v.framesResponderToInitiator.map((f) => f.frame).join(''));
    out.destroy();
  } finally {
    await tap.close();
    await listener.close();
  }
});

test('the gate receives the source address the transport saw', SOCKET_TEST, async () => {
  const clock = new VirtualClock(T0);
  const seen: string[] = [];
  const b = await startNode(bob, clock, { gate: (_key, remote) => { seen.push(remote.addr.toString()); return undefined; } });
  try {
    const acceptedP = b.nextAccepted();
    const raw = await rawConnect(b.address, '127.0.0.3');
    const conn = await secureOutbound(raw, { identity: alice, namespace: NAMESPACE, clock, random: ChaChaRandom.fromSeed(6), expectedKey: bob.publicKey });
    await acceptedP;
    assert.deepEqual(seen, ['127.0.0.3']);
    assert.ok(NetAddress.parse('127.0.0.3').equals((await acceptedP).remote.addr));
    conn.destroy();
  } finally {
    await b.listener.close();
  }
});
