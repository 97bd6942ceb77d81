import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { DISCONNECT_GRACE_MS, Peer, type LocalNodeInfo, type PeerOptions } from '../../src/peer/peer.js';
import type { ConnectionType } from '../../src/peer/types.js';
import { MemoryNetwork } from '../../src/transport/memory.js';
import type { Connection } from '../../src/transport/transport.js';
import { VirtualClock, yieldToEventLoop } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { encodeFrame, FrameDecoder } from '../../src/wire/frame.js';
import { decodeMessage, encodeMessageFrame, type Message } from '../../src/wire/messages.js';
import { REGTEST } from '../../src/wire/params.js';
import { PROTOCOL_VERSION, zeroVersionAddress, type VersionMessage } from '../../src/wire/version.js';

const MAGIC = REGTEST.magic;
const A = NetAddress.parse('10.0.0.1');
const B = NetAddress.parse('10.0.0.2');
const local = (ua: string): LocalNodeInfo => ({ protocolVersion: PROTOCOL_VERSION, services: 9n, userAgent: ua, startHeight: () => 7, relayTxs: true });

/** A connected pair of raw connections over the memory transport (dialer side first). */
async function pipe(): Promise<[Connection, Connection]> {
  const net = new MemoryNetwork();
  let accepted!: Connection;
  await net.transport(B).listen(new NetService(B, 18444), (c) => { accepted = c; });
  const dialer = await net.transport(A).connect(new NetService(B, 18444));
  return [dialer, accepted];
}

function makePeer(conn: Connection, connType: ConnectionType, clock: VirtualClock, over: Partial<PeerOptions> = {}): Peer {
  return new Peer({
    id: 1, connection: conn, connType, addr: conn.remote, magic: MAGIC, clock, random: ChaChaRandom.fromSeed(connType),
    local: local('/peerbook-test:1/'), nonce: connType === 'inbound' ? 2n : 1n, ...over,
  });
}

/** The far end of a connection, driven by the test: sends frames, collects decoded messages. */
class Remote {
  readonly received: Message[] = [];
  private readonly decoder = new FrameDecoder(MAGIC);
  constructor(readonly conn: Connection) {
    conn.on('data', (d) => { for (const f of this.decoder.push(d)) this.received.push(decodeMessage(f.command, f.payload)); });
  }
  send(m: Message): void {
    this.conn.write(encodeMessageFrame(MAGIC, m));
  }
  raw(bytes: Uint8Array): void {
    this.conn.write(bytes);
  }
  types(): string[] {
    return this.received.map((m) => m.type);
  }
}

function version(over: Partial<VersionMessage> = {}): VersionMessage {
  return {
    type: 'version', version: PROTOCOL_VERSION, services: 9n, timestamp: 1_700_000_000n, addrRecv: zeroVersionAddress(),
    addrFrom: zeroVersionAddress(), nonce: 99n, userAgent: '/remote:1/', startHeight: 5, relay: true, ...over,
  };
}

const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await yieldToEventLoop(); };

test('two peers complete the version handshake in both directions and negotiate addrv2 and wtxid relay', async () => {
  const clock = new VirtualClock();
  const [a, b] = await pipe();
  const out = makePeer(a, 'outbound-full-relay', clock);
  const inb = makePeer(b, 'inbound', clock);
  const events: string[] = [];
  out.on('version', (v) => events.push(`out:version:${v.userAgent}:${v.startHeight}`));
  inb.on('version', (v) => events.push(`in:version:${v.nonce}`));
  out.on('ready', () => events.push('out:ready'));
  inb.on('ready', () => events.push('in:ready'));
  inb.start();
  out.start();
  await settle();
  assert.ok(out.isReady && inb.isReady);
  assert.ok(out.wantsAddrV2 && inb.wantsAddrV2 && out.wtxidRelay && inb.wtxidRelay);
  assert.deepEqual(events.sort(), ['in:ready', 'in:version:1', 'out:ready', 'out:version:/peerbook-test:1/:7'].sort());
  assert.equal(out.version, PROTOCOL_VERSION);
  assert.ok(out.stats().bytesSentPerMsg.version > 0 && out.stats().bytesRecvPerMsg.verack === 24);
});

test('an inbound peer answers version with version, wtxidrelay, sendaddrv2, verack in Core\'s order', async () => {
  const clock = new VirtualClock();
  const [a, b] = await pipe();
  const remote = new Remote(a);
  makePeer(b, 'inbound', clock).start();
  remote.send(version());
  await settle();
  assert.deepEqual(remote.types(), ['version', 'wtxidrelay', 'sendaddrv2', 'verack']);
  const v = remote.received[0] as VersionMessage;
  assert.equal(v.userAgent, '/peerbook-test:1/');
  assert.equal(v.startHeight, 7);
  assert.equal(v.nonce, 2n);
});

test('our own nonce on an inbound connection is a self-connection and is dropped', async () => {
  const clock = new VirtualClock();
  const [a, b] = await pipe();
  const remote = new Remote(a);
  const peer = makePeer(b, 'inbound', clock, { isOwnNonce: (n) => n === 12345n });
  let reason = '';
  peer.on('close', (r) => { reason = r; });
  remote.send(version({ nonce: 12345n }));
  await settle();
  assert.match(reason, /connected to self/);
  assert.deepEqual(remote.types(), []);
});

test('a feeler disconnects right after the version exchange', async () => {
  const clock = new VirtualClock();
  const [a, b] = await pipe();
  const remote = new Remote(b);
  const peer = makePeer(a, 'feeler', clock);
  let reason = '';
  let gotVersion = false;
  peer.on('version', () => { gotVersion = true; });
  peer.on('close', (r) => { reason = r; });
  peer.start();
  await settle();
  remote.send(version());
  await settle();
  assert.ok(gotVersion);
  assert.equal(reason, 'feeler connection completed');
  assert.ok(remote.types().includes('verack'));
});

test('sendaddrv2 after verack disconnects, as Core does', async () => {
  const clock = new VirtualClock();
  const [a, b] = await pipe();
  const remote = new Remote(b);
  const peer = makePeer(a, 'outbound-full-relay', clock);
  let reason = '';
  peer.on('close', (r) => { reason = r; });
  peer.start();
  remote.send(version());
  remote.send({ type: 'verack' });
  await settle();
  assert.ok(peer.isReady);
  assert.equal(peer.wantsAddrV2, false);
  remote.send({ type: 'sendaddrv2' });
  await settle();
  assert.equal(reason, 'sendaddrv2 received after verack');
});

test('an outbound peer without the desirable services, or with an obsolete version, is dropped', async () => {
  const clock = new VirtualClock();
  let [a, b] = await pipe();
  let peer = makePeer(a, 'outbound-full-relay', clock, { hasDesirableServices: (s) => (s & 9n) === 9n });
  let reason = '';
  peer.on('close', (r) => { reason = r; });
  peer.start();
  new Remote(b).send(version({ services: 1n }));
  await settle();
  assert.match(reason, /does not offer the expected services \(0000000000000001 offered\)/);
  assert.equal(peer.remote?.services, 1n);
  [a, b] = await pipe();
  peer = makePeer(a, 'manual', clock, { hasDesirableServices: () => false });
  peer.on('close', (r) => { reason = r; });
  peer.start();
  new Remote(b).send(version({ version: 31799 }));
  await settle();
  assert.equal(reason, 'using obsolete version 31799');
});

test('messages before version and non-handshake messages before verack are ignored', async () => {
  const clock = new VirtualClock();
  const [a, b] = await pipe();
  const remote = new Remote(b);
  const peer = makePeer(a, 'outbound-full-relay', clock);
  const seen: string[] = [];
  peer.on('message', (m) => seen.push(m.type));
  peer.start();
  remote.send({ type: 'getaddr' });
  remote.send(version());
  remote.send({ type: 'inv', entries: [] });
  remote.send({ type: 'verack' });
  remote.send({ type: 'getaddr' });
  await settle();
  assert.deepEqual(seen, ['getaddr']);
  assert.ok(!peer.isDisconnecting);
});

async function readyPair(clock: VirtualClock, over: Partial<PeerOptions> = {}): Promise<{ peer: Peer; remote: Remote; reasons: string[] }> {
  const [a, b] = await pipe();
  const remote = new Remote(b);
  const peer = makePeer(a, 'outbound-full-relay', clock, over);
  const reasons: string[] = [];
  peer.on('close', (r) => reasons.push(r));
  peer.start();
  remote.send(version());
  remote.send({ type: 'verack' });
  await settle();
  assert.ok(peer.isReady);
  return { peer, remote, reasons };
}

test('ping goes out after the handshake, the pong sets ping and min ping, and pings repeat every 2 min', async () => {
  const clock = new VirtualClock();
  const { peer, remote } = await readyPair(clock);
  peer.tick();
  await settle();
  const ping = remote.received.find((m) => m.type === 'ping');
  assert.ok(ping && ping.type === 'ping' && ping.nonce !== 0n);
  await clock.tick(250);
  remote.send({ type: 'pong', nonce: ping.nonce });
  await settle();
  assert.equal(peer.stats().lastPingMs, 250);
  assert.equal(peer.stats().minPingMs, 250);
  await clock.tick(60_000);
  peer.tick();
  await settle();
  assert.equal(remote.received.filter((m) => m.type === 'ping').length, 1);
  await clock.tick(61_000);
  peer.tick();
  await settle();
  const second = remote.received.filter((m) => m.type === 'ping')[1];
  assert.ok(second && second.type === 'ping');
  await clock.tick(100);
  remote.send({ type: 'pong', nonce: second.nonce });
  await settle();
  assert.equal(peer.stats().lastPingMs, 100);
  assert.equal(peer.stats().minPingMs, 100);
});

test('a ping unanswered for 20 minutes disconnects the peer even while other traffic flows', async () => {
  const clock = new VirtualClock();
  const { peer, remote, reasons } = await readyPair(clock);
  peer.tick(); // sends our ping, which the remote never answers
  for (let minute = 1; minute <= 20; minute++) {
    remote.send({ type: 'ping', nonce: BigInt(minute) }); // keeps both directions busy
    await clock.tick(60_000);
    peer.tick();
  }
  assert.equal(reasons.length, 0);
  remote.send({ type: 'ping', nonce: 99n });
  await clock.tick(1_000);
  peer.tick();
  assert.equal(reasons.length, 1);
  assert.match(reasons[0], /^ping timeout: 1201\.000s$/);
});

test('a connection that says nothing is dropped after 60 s; one that never sends verack times out the handshake', async () => {
  const clock = new VirtualClock();
  let [a, b] = await pipe();
  let peer = makePeer(b, 'inbound', clock);
  const reasons: string[] = [];
  peer.on('close', (r) => reasons.push(r));
  await clock.tick(60_000);
  peer.tick();
  assert.equal(reasons.length, 0);
  await clock.tick(1_000);
  peer.tick();
  assert.deepEqual(reasons, ['socket no message in first 60 seconds, 0 0']);
  [a, b] = await pipe();
  const remote = new Remote(b);
  peer = makePeer(a, 'outbound-full-relay', clock);
  peer.on('close', (r) => reasons.push(r));
  peer.start();
  remote.send(version());
  await settle();
  await clock.tick(61_000);
  peer.tick();
  assert.equal(reasons[1], 'version handshake timeout');
});

test('a wrong network magic disconnects with the reason (Core: "Wrong MessageStart")', async () => {
  const clock = new VirtualClock();
  const { peer, remote, reasons } = await readyPair(clock);
  remote.raw(encodeFrame(Uint8Array.of(1, 2, 3, 4), 'ping', new Uint8Array(8)));
  await settle();
  assert.match(reasons[0], /^framing error: .*magic/i);
  assert.ok(peer.isDisconnecting);
});

test('a bad checksum drops the message, books its bytes under *other* and keeps the peer (Core test_checksum)', async () => {
  const clock = new VirtualClock();
  const { peer, remote, reasons } = await readyPair(clock);
  const dropped: Array<{ command: string; bytes: number; reason: string }> = [];
  peer.on('dropped', (d) => dropped.push(d));
  const frame = encodeFrame(MAGIC, 'ping', new Uint8Array(8));
  frame[20] ^= 0xff;
  remote.raw(frame);
  remote.send({ type: 'ping', nonce: 7n });
  await settle();
  assert.deepEqual(reasons, []);
  assert.equal(peer.isDisconnecting, false);
  assert.equal(peer.stats().bytesRecvPerMsg['*other*'], 32);
  assert.equal(dropped.length, 1);
  assert.match(dropped[0].reason, /Wrong checksum \(ping, 8 bytes\)/);
  assert.ok(remote.received.some((m) => m.type === 'pong' && m.nonce === 7n), 'the peer still answers');
});

test('an invalid command drops the message under *other* and keeps the peer (Core test_msgtype)', async () => {
  const clock = new VirtualClock();
  const { peer, remote, reasons } = await readyPair(clock);
  const frame = encodeFrame(MAGIC, 'badmsg', Uint8Array.of(1, 0x64));
  frame[4 + 6] = 0x01; // "badmsg\x01", as Core's msg_unrecognized
  remote.raw(frame);
  await settle();
  assert.deepEqual(reasons, []);
  assert.equal(peer.stats().bytesRecvPerMsg['*other*'], 26);
});

test('a payload that fails to decode is dropped, booked under its own type, and the peer stays (Core test_addrv2_empty)', async () => {
  const clock = new VirtualClock();
  const { peer, remote, reasons } = await readyPair(clock);
  const dropped: string[] = [];
  peer.on('dropped', (d) => dropped.push(d.reason));
  remote.raw(encodeFrame(MAGIC, 'addrv2', new Uint8Array(0)));
  remote.raw(encodeFrame(MAGIC, 'ping', new Uint8Array(3)));
  await settle();
  assert.deepEqual(reasons, []);
  assert.equal(peer.stats().bytesRecvPerMsg.addrv2, 24);
  assert.equal(peer.stats().bytesRecvPerMsg.ping, 27);
  assert.equal(dropped.length, 2);
  assert.match(dropped[0], /^ProcessMessages\(addrv2, 0 bytes\): .*end of data/);
});

test('with malformedMessages: disconnect, a bad checksum or payload disconnects (non-default strict mode)', async () => {
  const clock = new VirtualClock();
  let { peer, remote, reasons } = await readyPair(clock, { limits: { malformedMessages: 'disconnect' } });
  const frame = encodeFrame(MAGIC, 'ping', new Uint8Array(8));
  frame[20] ^= 0xff;
  remote.raw(frame);
  await settle();
  assert.match(reasons[0], /^framing error: .*checksum/i);
  ({ peer, remote, reasons } = await readyPair(clock, { limits: { malformedMessages: 'disconnect' } }));
  remote.raw(encodeFrame(MAGIC, 'ping', new Uint8Array(3)));
  await settle();
  assert.match(reasons[0], /^malformed ping message/);
  assert.ok(peer.isDisconnecting);
});

test('more than 1000 addresses in one message is misbehaviour', async () => {
  const clock = new VirtualClock();
  const { remote, peer } = await readyPair(clock);
  const misbehaving: string[] = [];
  peer.on('misbehaving', (r) => misbehaving.push(r));
  const w = [0xfd, 1001 & 0xff, 1001 >> 8];
  const payload = new Uint8Array(3 + 1001 * 30);
  payload.set(w);
  remote.raw(encodeFrame(MAGIC, 'addr', payload));
  await settle();
  assert.equal(misbehaving.length, 1);
  assert.match(misbehaving[0], /1001/);
  assert.ok(peer.isDisconnecting);
});

test('unknown commands are passed through and counted under *other*', async () => {
  const clock = new VirtualClock();
  const { remote, peer } = await readyPair(clock);
  const seen: Message[] = [];
  peer.on('message', (m) => seen.push(m));
  remote.raw(encodeFrame(MAGIC, 'mwebheader', Uint8Array.of(1, 2, 3)));
  remote.raw(encodeFrame(MAGIC, 'headers', Uint8Array.of(0)));
  await settle();
  assert.deepEqual(seen.map((m) => (m.type === 'unknown' ? m.command : m.type)), ['mwebheader', 'headers']);
  assert.equal(peer.stats().bytesRecvPerMsg['*other*'], 27);
  assert.equal(peer.stats().bytesRecvPerMsg.headers, 25);
});

test('a peer that sends requests but never reads stops being served, then stops being read (send and flood limits)', async () => {
  const clock = new VirtualClock();
  const limits = { sendBufferBytes: 20_000, receiveFloodBytes: 50_000, maxSendQueueBytes: 10_000_000 };
  const { peer, remote } = await readyPair(clock, { limits });
  remote.conn.pause(); // the remote stops reading our pongs
  const ping = encodeFrame(MAGIC, 'ping', new Uint8Array(8));
  let sentBytes = 0;
  for (let i = 0; i < 20_000; i++) {
    remote.raw(ping);
    sentBytes += ping.length;
    if (i % 500 === 0) await settle();
  }
  await settle();
  assert.ok(peer.isSendPaused, 'request processing paused by the full send buffer');
  assert.ok(peer.isReceivePaused, 'reading paused by the receive flood limit');
  assert.ok(peer.receiveQueueBytes <= limits.receiveFloodBytes + 65_536, `queue ${peer.receiveQueueBytes}`);
  assert.ok(peer.sendQueueBytes < limits.sendBufferBytes + 65_536, `send queue ${peer.sendQueueBytes}`);
  // The remote reads again: everything is answered.
  remote.conn.resume();
  for (let i = 0; i < 200 && remote.received.filter((m) => m.type === 'pong').length < 20_000; i++) await settle();
  assert.equal(remote.received.filter((m) => m.type === 'pong').length, 20_000);
  assert.ok(!peer.isReceivePaused && !peer.isSendPaused);
  assert.ok(sentBytes > 0);
});

test('the hard send-queue cap disconnects a peer that never reads', async () => {
  const clock = new VirtualClock();
  const { peer, remote, reasons } = await readyPair(clock, { limits: { maxSendQueueBytes: 100_000 } });
  remote.conn.pause();
  for (let i = 0; i < 100 && !peer.isDisconnecting; i++) {
    peer.send({ type: 'unknown', command: 'block', payload: new Uint8Array(10_000) });
    await settle();
  }
  assert.match(reasons[0] ?? '', /^send buffer overflow/);
});

test('disconnect closes the socket and resolves `closed`', async () => {
  const clock = new VirtualClock();
  const { peer, remote } = await readyPair(clock);
  const remoteClosed = new Promise((r) => remote.conn.once('close', r));
  peer.disconnect('test');
  await peer.closed;
  await remoteClosed;
  assert.equal(peer.disconnectReason, 'test');
  assert.equal(peer.send({ type: 'getaddr' }), false);
});

test('disconnect leaves no timer behind once the socket has closed, yet destroys a socket that stays open after the grace period', async () => {
  const clock = new VirtualClock();
  const { peer } = await readyPair(clock);
  assert.equal(clock.pendingTimers, 0);
  peer.disconnect('test');
  await peer.closed;
  assert.equal(clock.pendingTimers, 0, 'the grace-period timer went with the socket');

  // A remote that never acknowledges the close: only the grace timer ends the connection.
  const stuck = await readyPair(clock);
  stuck.remote.conn.pause();
  const remoteEnd = stuck.remote.conn as unknown as { on: Connection['on'] };
  let remoteClosed = false;
  remoteEnd.on('close', () => { remoteClosed = true; });
  const openConn = (stuck.peer as unknown as { conn: Connection }).conn;
  // Keep our side open after end(): the memory stream would otherwise close as soon as both sides ended.
  openConn.end = () => undefined;
  stuck.peer.disconnect('stuck');
  await settle();
  assert.equal(openConn.closed, false);
  assert.equal(clock.pendingTimers, 1);
  await clock.tick(DISCONNECT_GRACE_MS);
  await stuck.peer.closed;
  await settle();
  assert.equal(openConn.closed, true);
  assert.equal(remoteClosed, true);
  assert.equal(clock.pendingTimers, 0);
});

test('twenty minutes without receiving anything disconnects with "socket receive timeout"', async () => {
  const clock = new VirtualClock();
  const { peer, reasons } = await readyPair(clock, { limits: { pingIntervalMs: Number.MAX_SAFE_INTEGER } });
  for (let minute = 1; minute <= 20; minute++) {
    peer.send({ type: 'getaddr' }); // we keep sending; the remote says nothing
    await settle();
    await clock.tick(60_000);
    peer.tick();
  }
  assert.deepEqual(reasons, []);
  await clock.tick(1_000);
  peer.tick();
  assert.deepEqual(reasons, ['socket receive timeout: 1201s']);
});

test('twenty minutes in which nothing we send gets through disconnects with "socket sending timeout"', async () => {
  const clock = new VirtualClock();
  const { peer, remote, reasons } = await readyPair(clock, { limits: { pingIntervalMs: Number.MAX_SAFE_INTEGER } });
  remote.conn.pause(); // the remote stops reading; what we write piles up unsent
  peer.send({ type: 'unknown', command: 'block', payload: new Uint8Array(200_000) });
  await settle();
  for (let minute = 1; minute <= 20; minute++) {
    remote.send({ type: 'ping', nonce: BigInt(minute) }); // it keeps talking to us
    await settle();
    await clock.tick(60_000);
    peer.tick();
  }
  assert.deepEqual(reasons, []);
  await clock.tick(1_000);
  peer.tick();
  assert.deepEqual(reasons, ['socket sending timeout: 1201s']);
});

test('a pong with another nonce is ignored, a zero nonce cancels the ping, and an unsolicited pong does nothing', async () => {
  const clock = new VirtualClock();
  const { peer, remote } = await readyPair(clock);
  remote.send({ type: 'pong', nonce: 5n }); // before any ping
  await settle();
  assert.equal(peer.stats().pingWaitMs, undefined);
  peer.tick();
  await settle();
  const ping = remote.received.find((m) => m.type === 'ping');
  assert.ok(ping && ping.type === 'ping');
  await clock.tick(300);
  remote.send({ type: 'pong', nonce: ping.nonce + 1n });
  await settle();
  assert.equal(peer.stats().pingWaitMs, 300, 'still waiting for the right nonce');
  assert.equal(peer.stats().lastPingMs, undefined);
  remote.send({ type: 'pong', nonce: 0n });
  await settle();
  assert.equal(peer.stats().pingWaitMs, undefined, 'cancelled');
  assert.equal(peer.stats().lastPingMs, undefined, 'without a ping time');
});
