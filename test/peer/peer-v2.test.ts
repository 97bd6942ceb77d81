/**
 * `Peer` with the BIP324 transport over real loopback TCP (`TcpTransport`): two v2 peers complete the
 * version handshake encrypted and exchange messages; a v2-enabled inbound peer serves a plain v1 peer;
 * a v2 attempt to a v1-only peer ends in Core's "retry with v1"; counters, getpeerinfo fields, the
 * disconnect reason of a tampered packet, and the send-queue bound while the handshake holds messages.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { NetService } from '../../src/address/service.js';
import { Peer, type LocalNodeInfo, type PeerOptions } from '../../src/peer/peer.js';
import type { ConnectionType } from '../../src/peer/types.js';
import { V2MessageTransport } from '../../src/peer/v2-transport.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import type { Connection } from '../../src/transport/transport.js';
import { SystemClock, VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';
import { PROTOCOL_VERSION } from '../../src/wire/version.js';
import { waitUntil } from '../support/wait.js';
import { concat, RawV2Remote } from './v2-remote.js';

const MAGIC = REGTEST.magic;
const local = (ua: string): LocalNodeInfo => ({ protocolVersion: PROTOCOL_VERSION, services: 9n, userAgent: ua, startHeight: () => 3, relayTxs: true });

/** A connected TCP pair on 127.0.0.1 (dialer end, accepting end), closed when the test ends. */
async function tcpPair(t: TestContext): Promise<[Connection, Connection]> {
  const tcp = new TcpTransport(new SystemClock());
  let accept!: (c: Connection) => void;
  const accepted = new Promise<Connection>((r) => { accept = r; });
  const listener = await tcp.listen(NetService.parse('127.0.0.1:0'), (c) => accept(c));
  const dialer = await tcp.connect(listener.address);
  const server = await accepted;
  await listener.close();
  t.after(() => { dialer.destroy(); server.destroy(); });
  return [dialer, server];
}

function makePeer(conn: Connection, connType: ConnectionType, clock: VirtualClock, over: Partial<PeerOptions> = {}): Peer {
  return new Peer({
    id: connType === 'inbound' ? 2 : 1, connection: conn, connType, addr: conn.remote, magic: MAGIC, clock,
    random: ChaChaRandom.fromSeed(`peer-v2-${connType}`), local: local(`/peerbook-${connType}:1/`),
    nonce: connType === 'inbound' ? 22n : 11n, ...over,
  });
}

function closeReason(peer: Peer): Promise<string> {
  return new Promise((resolve) => peer.once('close', resolve));
}

test('two v2 peers over loopback TCP complete the version handshake encrypted and exchange messages', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = await tcpPair(t);
  const out = makePeer(a, 'outbound-full-relay', clock, { messageTransport: 'v2' });
  const inb = makePeer(b, 'inbound', clock, { messageTransport: 'v2' });
  const received: string[] = [];
  inb.on('message', (m) => received.push(m.type));
  inb.start();
  out.start();
  await waitUntil('both peers ready', () => out.isReady && inb.isReady);
  assert.equal(out.remote?.userAgent, '/peerbook-inbound:1/');
  assert.equal(inb.remote?.userAgent, '/peerbook-outbound-full-relay:1/');
  const so = out.stats();
  const si = inb.stats();
  assert.equal(so.transportType, 'v2');
  assert.equal(si.transportType, 'v2');
  assert.ok(so.sessionId && so.sessionId.length === 64);
  assert.equal(so.sessionId, si.sessionId);
  out.send({ type: 'getaddr' });
  out.send({ type: 'sendheaders' });
  out.send({ type: 'inv', entries: [{ type: 1, hash: new Uint8Array(32).fill(7) }] });
  await waitUntil('three messages at the inbound peer', () => received.length === 3);
  assert.deepEqual(received, ['getaddr', 'sendheaders', 'inv']);
});

test('v2 byte counters: per-message counts are whole packets, handshake bytes count only in the totals', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = await tcpPair(t);
  const garbage = new Uint8Array(100).fill(1);
  const outTransport = new V2MessageTransport({ magic: MAGIC, initiating: true, random: ChaChaRandom.fromSeed('counters'), garbage });
  const out = makePeer(a, 'outbound-full-relay', clock, { messageTransport: outTransport });
  const inb = makePeer(b, 'inbound', clock, { messageTransport: 'v2' });
  inb.start();
  out.start();
  await waitUntil('both peers ready', () => out.isReady && inb.isReady);
  await waitUntil('the inbound peer received all of it', () => inb.stats().bytesRecv === out.stats().bytesSent);
  const so = out.stats();
  const si = inb.stats();
  const perMsgSent = Object.values(so.bytesSentPerMsg).reduce((x, y) => x + y, 0);
  // key 64 + garbage 100 + terminator 16 + empty version packet 20.
  assert.equal(so.bytesSent - perMsgSent, 64 + 100 + 16 + 20);
  assert.equal(so.bytesSentPerMsg.verack, 13 + 20, 'verack: 0x00 + 12-byte type, no payload, 20 bytes of packet');
  assert.equal(si.bytesRecvPerMsg.verack, 13 + 20);
  assert.deepEqual(si.bytesRecvPerMsg, so.bytesSentPerMsg);
});

test('a v2-enabled inbound peer serves a plain v1 peer and reports it as v1', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = await tcpPair(t);
  const out = makePeer(a, 'outbound-full-relay', clock); // default transport: v1
  const inb = makePeer(b, 'inbound', clock, { messageTransport: 'v2' });
  inb.start();
  out.start();
  await waitUntil('both peers ready', () => out.isReady && inb.isReady);
  assert.equal(inb.stats().transportType, 'v1');
  assert.equal(inb.stats().sessionId, undefined);
  assert.equal(inb.stats().bytesRecvPerMsg.verack, 24);
  assert.equal(inb.stats().bytesRecv, out.stats().bytesSent);
});

test('a v2 attempt to a v1-only peer is hung up on after it read our key, and asks to be retried with v1', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = await tcpPair(t);
  const out = makePeer(a, 'outbound-full-relay', clock, { messageTransport: 'v2' });
  const v1Only = makePeer(b, 'inbound', clock);
  const v1Reason = closeReason(v1Only);
  const outReason = closeReason(out);
  v1Only.start();
  out.start();
  assert.match(await v1Reason, /framing error: wrong network magic/);
  assert.match(await outReason, /connection closed by peer|connection error/);
  assert.equal(out.shouldReconnectV1, true);
  assert.equal(out.stats().transportType, 'detecting');
  assert.equal(v1Only.shouldReconnectV1, false);
});

test('the v1 retry after a failed v2 attempt completes the handshake', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = await tcpPair(t);
  const retry = makePeer(a, 'outbound-full-relay', clock, { messageTransport: 'v1' });
  const v1Only = makePeer(b, 'inbound', clock);
  v1Only.start();
  retry.start();
  await waitUntil('both peers ready', () => retry.isReady && v1Only.isReady);
  assert.equal(retry.stats().transportType, 'v1');
});

test('an outbound v2 peer that received something before failing is not retried with v1', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = await tcpPair(t);
  const out = makePeer(a, 'outbound-full-relay', clock, { messageTransport: 'v2' });
  const closed = closeReason(out);
  out.start();
  b.write(new Uint8Array(10)); // part of a "key", then the other side hangs up
  await waitUntil('our peer read those bytes', () => out.stats().bytesRecv === 10);
  b.destroy();
  await closed;
  assert.equal(out.shouldReconnectV1, false);
});

test('a peer that sends a tampered packet is disconnected with the reason logged', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = await tcpPair(t);
  const outTransport = new V2MessageTransport({ magic: MAGIC, initiating: true, random: ChaChaRandom.fromSeed('tamper') });
  const out = makePeer(a, 'outbound-full-relay', clock, { messageTransport: outTransport });
  const inb = makePeer(b, 'inbound', clock, { messageTransport: 'v2' });
  inb.start();
  out.start();
  await waitUntil('both peers ready', () => out.isReady && inb.isReady);
  const reason = closeReason(inb);
  // The next packet of the outbound side, encrypted with the right keys, one bit flipped in its tag.
  outTransport.send('ping', new Uint8Array(8));
  const [packet] = outTransport.takeOutgoing();
  packet.bytes[packet.bytes.length - 1] ^= 0x10;
  a.write(packet.bytes);
  assert.equal(await reason, 'v2 transport error: packet decryption failure (9 bytes)');
});

test('messages held back by the v2 handshake count against the send-queue limit', async (t) => {
  const clock = new VirtualClock();
  const [a] = await tcpPair(t); // the far end never answers, so the handshake never completes
  const out = makePeer(a, 'outbound-full-relay', clock, { messageTransport: 'v2', limits: { maxSendQueueBytes: 50_000 } });
  const reason = closeReason(out);
  out.start();
  let accepted = 0;
  for (let i = 0; i < 100 && out.send({ type: 'unknown', command: 'big', payload: new Uint8Array(1000) }); i++) accepted++;
  assert.match(await reason, /send buffer overflow \(\d+ bytes queued\)/);
  assert.ok(accepted >= 45 && accepted < 55, `${accepted} messages accepted before the overflow`);
});

test('a send pause caused by messages held during the handshake lifts once the handshake lets them out', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = await tcpPair(t);
  const out = makePeer(a, 'outbound-full-relay', clock, { messageTransport: 'v2', limits: { sendBufferBytes: 2_000 } });
  out.start();
  for (let i = 0; i < 3; i++) out.send({ type: 'unknown', command: 'big', payload: new Uint8Array(1000) });
  assert.equal(out.isSendPaused, true, 'over 2,000 bytes held back');
  const inb = makePeer(b, 'inbound', clock, { messageTransport: 'v2' });
  inb.start();
  await waitUntil('both peers ready', () => out.isReady && inb.isReady);
  assert.equal(out.isSendPaused, false);
});

test('a v2 packet with an invalid message type is dropped and counted under *other*, and the peer stays connected', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = await tcpPair(t);
  const inb = makePeer(b, 'inbound', clock, { messageTransport: 'v2' });
  inb.start();
  // The far end is a scripted BIP324 initiator writing straight onto the socket.
  const remote = new RawV2Remote(MAGIC, true, 'invalid-type');
  const fromPeer: Uint8Array[] = [];
  a.on('data', (d) => fromPeer.push(d));
  a.write(remote.hello());
  await waitUntil('the peer\'s 64-byte key', () => fromPeer.reduce((n, c) => n + c.length, 0) >= 64);
  remote.keyFrom(concat(...fromPeer));
  a.write(concat(remote.terminator(), remote.packet(new Uint8Array(0)), remote.packet(Uint8Array.of(0xff, 1, 2))));
  await waitUntil('the packet counted', () => inb.stats().bytesRecvPerMsg['*other*'] === 3 + 20);
  assert.equal(inb.isDisconnecting, false);
  assert.equal(inb.stats().transportType, 'v2');
});
