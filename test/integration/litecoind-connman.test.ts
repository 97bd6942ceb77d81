/**
 * Independent check of the connection manager against a real litecoind (Litecoin Core 0.21.2.1, a
 * Bitcoin Core 0.21 fork): handshakes in both directions, bans, feelers, getpeerinfo counters and a
 * clean stop — over real TCP on 127.0.0.1. Nothing dials off the machine: litecoind runs with
 * -connect=0 and is only told to dial Peerbook (`addnode … onetry`); Peerbook runs with
 * `connect: ['0']` (or an explicit loopback list), no DNS or fixed seeds, and an empty address table.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Subnet } from '../../src/address/subnet.js';
import { DEFAULT_USER_AGENT } from '../../src/wire/user-agent.js';
import { PROTOCOL_VERSION } from '../../src/wire/version.js';
import { LITECOIND_FACTS, requireLitecoind, startLitecoind, type LitecoindNode } from '../support/litecoind.js';
import { loopback, startPeerbook } from '../support/peerbook-node.js';
import { waitUntil } from '../support/wait.js';

/** litecoind's getpeerinfo entry (the fields these tests read). */
interface LtcPeer {
  id: number;
  addr: string;
  subver: string;
  inbound: boolean;
  connection_type: string;
  version: number;
  services: string;
  pingtime?: number;
  bytessent_per_msg: Record<string, number>;
  bytesrecv_per_msg: Record<string, number>;
}

/** A regtest litecoind with -debug=net (its connection log), removed when `t` ends. */
async function startLtc(t: TestContext): Promise<LitecoindNode> {
  const node = await startLitecoind({ extraArgs: ['-debug=net'] });
  t.after(() => node.remove());
  return node;
}

async function ltcPeers(node: LitecoindNode): Promise<LtcPeer[]> {
  return node.cli('getpeerinfo');
}

async function peerbookAtLtc(node: LitecoindNode): Promise<LtcPeer | undefined> {
  return (await ltcPeers(node)).find((p) => p.subver === DEFAULT_USER_AGENT);
}

/** TCP handles (sockets and listeners) this process holds; litecoin-cli runs over pipes, not TCP. */
function tcpHandles(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap');
}

/** Pending timers that keep this process alive. */
function timers(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout');
}

test('Peerbook dials litecoind, completes the handshake, and each side reports the other\'s user agent and services', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t);
  const pb = await startPeerbook(t, { defaultTransport: true, options: { connect: [`127.0.0.1:${ltc.p2pPort}`] } });

  const peer = await waitUntil('peer:connect for litecoind', () => pb.events.connects[0]);
  assert.equal(peer.inbound, false);
  assert.equal(peer.connType, 'manual');
  assert.equal(peer.addr.toString(), `127.0.0.1:${ltc.p2pPort}`);
  assert.equal(peer.userAgent, LITECOIND_FACTS.userAgent);
  assert.equal(peer.services, LITECOIND_FACTS.localServices);
  assert.equal(peer.version, LITECOIND_FACTS.protocolVersion);

  const seen = await waitUntil('litecoind lists Peerbook in getpeerinfo', () => peerbookAtLtc(ltc));
  assert.equal(seen.inbound, true);
  assert.equal(seen.connection_type, 'inbound');
  assert.equal(seen.version, PROTOCOL_VERSION);
  assert.equal(seen.services, '0000000000000800', 'Peerbook advertises NODE_P2P_V2 alone by default (BIP324 on, no blocks served)');
  assert.equal(pb.manager.nodeCount('out', 'manual'), 1);
});

test('litecoind dials Peerbook with addnode onetry and Peerbook reports an inbound peer', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t);
  const pb = await startPeerbook(t, { defaultTransport: true });

  await ltc.cli('addnode', `127.0.0.1:${pb.port}`, 'onetry');
  const peer = await waitUntil('peer:connect for litecoind', () => pb.events.connects[0]);
  assert.equal(peer.inbound, true);
  assert.equal(peer.connType, 'inbound');
  assert.equal(peer.userAgent, LITECOIND_FACTS.userAgent);
  assert.equal(peer.services, LITECOIND_FACTS.localServices);
  assert.equal(pb.manager.nodeCount('in'), 1);

  const seen = await waitUntil('litecoind lists its manual connection to Peerbook', () => peerbookAtLtc(ltc));
  assert.equal(seen.inbound, false);
  assert.equal(seen.connection_type, 'manual');
  assert.equal(seen.addr, `127.0.0.1:${pb.port}`);
});

test('a ban disconnects litecoind and refuses it when it dials again', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t);
  const pb = await startPeerbook(t, { defaultTransport: true });
  const target = `127.0.0.1:${pb.port}`;

  await ltc.cli('addnode', target, 'onetry');
  await waitUntil('litecoind connected inbound', () => pb.events.connects.length === 1);
  await waitUntil('litecoind lists Peerbook', () => peerbookAtLtc(ltc));

  pb.manager.ban(Subnet.parse('127.0.0.1'));
  const gone = await waitUntil('peer:disconnect after the ban', () => pb.events.disconnects[0]);
  assert.equal(gone.reason, 'banned');
  assert.deepEqual(pb.manager.listBanned().map((b) => b.subnet.toString()), ['127.0.0.1/32']);
  await waitUntil('litecoind to notice the disconnection', async () => (await ltcPeers(ltc)).length === 0);

  const refusedBefore = pb.manager.counters.inboundRejected.banned;
  await ltc.cli('addnode', target, 'onetry');
  await waitUntil('Peerbook to refuse the banned address', () => pb.manager.counters.inboundRejected.banned === refusedBefore + 1);
  assert.ok(pb.logger.has(/connection from 127\.0\.0\.1:\d+ dropped \(banned\)/));
  await waitUntil('litecoind to have no connection', async () => (await ltcPeers(ltc)).length === 0);
  assert.equal(pb.events.connects.length, 1, 'no second peer:connect');
  assert.equal(pb.manager.nodeCount('all'), 0);
  // litecoind really dialed twice: its log shows two connections to Peerbook's port.
  const log = await ltc.debugLog();
  assert.equal(log.split('\n').filter((l) => l.includes(`trying connection ${target}`)).length, 2, 'two dials in litecoind\'s log');
});

test('a feeler to litecoind closes right after the version exchange, and litecoind saw it', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t);
  const pb = await startPeerbook(t, { defaultTransport: true });

  const connected = await pb.manager.openConnection(loopback(ltc.p2pPort), 'feeler');
  assert.equal(connected, true);
  const feeler = pb.manager.peers().find((p) => p.connType === 'feeler');
  assert.ok(feeler, 'the feeler peer exists once the dial succeeded');
  const reason = await waitUntil('the feeler to disconnect', () => feeler.disconnectReason);
  assert.equal(reason, 'feeler connection completed');
  assert.equal(feeler.remote?.userAgent, LITECOIND_FACTS.userAgent, 'the version exchange happened');
  assert.equal(feeler.isReady, false, 'a feeler never becomes a full peer');
  assert.equal(pb.events.connects.length, 0, 'no peer:connect for a feeler');
  assert.equal(pb.manager.counters.handshakeFailures, 0, 'a completed feeler is not a handshake failure');
  await waitUntil('the feeler peer to be gone', () => pb.manager.nodeCount('all') === 0 && pb.manager.peers().length === 0);

  // litecoind's side: it received our version on an inbound connection, which then closed.
  const log = await waitUntil('litecoind to log the feeler\'s version and the disconnection', async () => {
    const text = await ltc.debugLog();
    return /receive version message: \/Peerbook:0\.1\.0\/: version 70016/.test(text) && /socket closed for peer=0|disconnecting peer=0/.test(text) ? text : undefined;
  });
  assert.match(log, /peer=0/);
  await waitUntil('litecoind to have no connection', async () => (await ltcPeers(ltc)).length === 0);
});

test('stop() closes every socket and listener and leaves no timer, and litecoind sees both connections go', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t);
  const before = tcpHandles();
  const timersBefore = timers();
  const pb = await startPeerbook(t, { defaultTransport: true });

  assert.equal(await pb.manager.openConnection(loopback(ltc.p2pPort), 'manual'), true);
  await ltc.cli('addnode', `127.0.0.1:${pb.port}`, 'onetry');
  await waitUntil('an outbound and an inbound peer', () => pb.manager.nodeCount('out') === 1 && pb.manager.nodeCount('in') === 1 && pb.events.connects.length === 2);
  await waitUntil('litecoind to list both connections', async () => (await ltcPeers(ltc)).length === 2);
  const during = tcpHandles();
  assert.equal(during.length - before.length, 3, `a listener and two sockets while running (${during.join(', ')})`);

  await pb.manager.stop();
  assert.deepEqual(tcpHandles(), before, 'no TCP handle left after stop() resolved');
  assert.deepEqual(timers(), timersBefore, 'no timer left either (the process could exit at once)');
  assert.equal(pb.manager.peers().length, 0);
  await waitUntil('litecoind to have no connection', async () => (await ltcPeers(ltc)).length === 0);
});

test('peerDetails() shows per-message byte counts that match litecoind\'s and a measured ping', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t);
  const pb = await startPeerbook(t, { defaultTransport: true });

  assert.equal(await pb.manager.openConnection(loopback(ltc.p2pPort), 'manual'), true);
  await waitUntil('peer:connect for litecoind', () => pb.events.connects[0]);
  const details = () => pb.manager.peerDetails()[0];
  // Peerbook pings a new peer at its first maintenance tick; then ask for another round trip.
  await waitUntil('the first pong', () => details().bytesRecvPerMsg.pong === 32);
  pb.manager.pingAll();
  await waitUntil('a second ping round trip', () => details().bytesRecvPerMsg.pong === 64 && details().pingWaitMs === undefined);
  const d = details();
  assert.ok(d.lastPingMs !== undefined && d.lastPingMs >= 0, `lastPingMs ${d.lastPingMs}`);
  assert.ok(d.minPingMs !== undefined && d.minPingMs <= d.lastPingMs);
  assert.equal(d.bytesSentPerMsg.ping, 64, 'two 8-byte pings with 24-byte headers');
  for (const m of ['version', 'verack', 'wtxidrelay', 'sendaddrv2', 'getaddr', 'ping']) assert.ok(d.bytesSentPerMsg[m] > 0, `sent ${m}`);
  for (const m of ['version', 'verack', 'wtxidrelay', 'sendaddrv2', 'ping', 'pong', 'sendheaders', 'sendcmpct']) assert.ok(d.bytesRecvPerMsg[m] > 0, `received ${m}`);
  assert.equal(d.bytesSent, Object.values(d.bytesSentPerMsg).reduce((a, b) => a + b, 0), 'per-message counts add up to the total sent');

  // The two implementations count the same wire bytes for the handshake messages.
  const seen = await waitUntil('litecoind to have answered both pings', async () => {
    const p = await peerbookAtLtc(ltc);
    return p && p.bytesrecv_per_msg.ping === 64 && p.pingtime !== undefined ? p : undefined;
  });
  for (const m of ['version', 'verack', 'wtxidrelay', 'sendaddrv2', 'getaddr']) {
    assert.equal(seen.bytesrecv_per_msg[m], d.bytesSentPerMsg[m], `${m}: litecoind received what Peerbook sent`);
  }
  for (const m of ['version', 'verack', 'wtxidrelay', 'sendaddrv2', 'sendheaders', 'sendcmpct']) {
    assert.equal(d.bytesRecvPerMsg[m], seen.bytessent_per_msg[m], `${m}: Peerbook received what litecoind sent`);
  }
  assert.ok(seen.bytesrecv_per_msg.pong > 0, 'Peerbook answered litecoind\'s ping');
});
