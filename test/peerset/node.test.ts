/**
 * The peer-set mode end to end: several nodes on loopback TCP (each its own host 127.0.0.N, distinct
 * ports) with real handshakes and encryption, driven through epoch transitions on one virtual clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tcp from 'node:net';
import { HANDSHAKE_INTERVAL_PER_IP_MS, HANDSHAKES_PER_SUBNET_PER_SECOND } from '../../src/peerset/constants.js';
import type { PeerSetNode } from '../../src/peerset/node.js';
import { waitUntil } from '../support/wait.js';
import { NodeNet, hostOf, identityOf } from './node-harness.js';

const NODE_TEST = { timeout: 60_000 };
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Resolves with the next application message `node` receives. */
function nextMessage(node: PeerSetNode): Promise<[string, string]> {
  return new Promise((resolve) => node.once('message', (key, m) => resolve([key, Buffer.from(m.payload).toString()])));
}

test('three nodes tracking the same set connect to each other and exchange data by key', NODE_TEST, async () => {
  const net = new NodeNet();
  try {
    const [a, b, c] = [await net.add(1), await net.add(2), await net.add(3)];
    const set = net.addresses(a, b, c);
    for (const n of [a, b, c]) n.track(1, set);
    await net.until('a full mesh', () => [a, b, c].every((n) => n.connectedKeys().length === 2));
    const got = nextMessage(b);
    assert.equal(a.send(b.publicKey, text('hello b')), true);
    assert.deepEqual(await net.settle('the message', got), [a.publicKey, 'hello b']);
    const reply = nextMessage(a);
    assert.deepEqual(c.broadcast(text('to all'), 'news').sort(), [a.publicKey, b.publicKey].sort());
    assert.deepEqual(await net.settle('the broadcast', reply), [c.publicKey, 'to all']);
    // One connection per pair, whoever dialed first.
    for (const n of [a, b, c]) assert.equal(n.manager.peerDetails().length, 2);
  } finally {
    await net.stopAll();
  }
});

test('secondary peers are never dialed, may connect in, and receive what is sent to them', NODE_TEST, async () => {
  const net = new NodeNet();
  try {
    const [a, b, s] = [await net.add(1), await net.add(2), await net.add(3)];
    a.track(1, { primary: net.addresses(a, b), secondary: net.addresses(s) });
    b.track(1, net.addresses(a, b));
    await net.until('a and b connected', () => a.isConnected(b.publicKey) && b.isConnected(a.publicKey));
    await net.run(5 * 60_000, 5_000); // five virtual minutes: many dial rounds
    // s tracks nothing yet, so a dial from a would have been refused at s's allow-list and counted.
    assert.equal(s.component.counters.unregisteredIp, 0, 'a never dialed its secondary');
    assert.equal(s.manager.peerDetails().length, 0);
    s.track(7, { primary: net.addresses(a) });
    await net.until('s connected in to a', () => a.isConnected(s.publicKey));
    assert.equal(a.trackedPeers().find((p) => p.key === s.publicKey)!.direction, 'inbound');
    const got = nextMessage(s);
    assert.equal(a.send(s.publicKey, text('for the secondary')), true);
    assert.deepEqual(await net.settle('the message to s', got), [a.publicKey, 'for the secondary']);
  } finally {
    await net.stopAll();
  }
});

test('connections follow the kept sets through epochs; a peer dropped from every kept set is disconnected', NODE_TEST, async () => {
  const net = new NodeNet();
  try {
    const [a, b, c, d] = [await net.add(1, { tracker: { trackedPeerSets: 2 } }), await net.add(2, { tracker: { trackedPeerSets: 2 } }), await net.add(3), await net.add(4)];
    const set1 = net.addresses(a, b, c);
    for (const n of [a, b, c]) n.track(1, set1);
    await net.until('epoch 1 mesh', () => [a, b, c].every((n) => n.connectedKeys().length === 2));
    const updates: number[] = [];
    a.on('peerset:update', (u) => updates.push(u.id));
    for (const n of [a, b]) n.track(2, net.addresses(a, b));
    await net.run(2_000);
    assert.ok(a.isConnected(c.publicKey) && b.isConnected(c.publicKey), 'c is still in kept set 1');
    const cLost = new Promise<string>((resolve) => c.on('peer:disconnect', (key) => { if (key === a.publicKey) resolve(key); }));
    for (const n of [a, b]) {
      const result = n.track(3, net.addresses(a, b, d));
      assert.deepEqual(result.dropped, [c.publicKey]);
      assert.deepEqual(result.disconnect, [c.publicKey]);
    }
    d.track(3, net.addresses(a, b, d));
    await net.settle('c to lose a', cLost);
    await net.until('epoch 3 mesh', () => a.isConnected(d.publicKey) && b.isConnected(d.publicKey) && !a.isConnected(c.publicKey) && !b.isConnected(c.publicKey));
    // c still has a and b as primaries and keeps dialing: refused as unknown, it stays out.
    await net.run(3 * 60_000, 2_000);
    assert.ok(!a.isConnected(c.publicKey) && !b.isConnected(c.publicKey));
    assert.ok(a.component.auth.rejections('unknown-key', 'responder') + a.component.counters.unregisteredIp >= 1, 'c was refused');
    assert.deepEqual(a.peerSet(1), undefined);
    assert.deepEqual(updates, [2, 3]);
    assert.deepEqual(a.peerSet(3)!.primary.sort(), [a.publicKey, b.publicKey, d.publicKey].sort());
  } finally {
    await net.stopAll();
  }
});

test('overwrite moves a peer to a new port: the old connection is dropped and the new address dialed', NODE_TEST, async () => {
  const net = new NodeNet();
  try {
    const a = await net.add(1);
    const oldB = await net.add(2);
    a.track(1, net.addresses(a, oldB));
    oldB.track(1, net.addresses(a, oldB));
    await net.until('a and b connected', () => a.isConnected(oldB.publicKey) && oldB.isConnected(a.publicKey));
    // The same key comes up on a new port of the same host; it accepts a (secondary) but dials no one.
    const newB = await net.add(2);
    newB.track(1, { primary: net.addresses(newB), secondary: net.addresses(a) });
    const oldDropped = new Promise<string>((resolve) => oldB.on('peer:disconnect', (key, reason) => { if (key === a.publicKey) resolve(reason); }));
    const result = a.overwrite({ [newB.publicKey]: newB.listenAddress!.toString() });
    assert.deepEqual(result, { changed: [newB.publicKey], sever: [newB.publicKey], redial: [newB.publicKey], skipped: [] });
    await net.settle('the old connection to drop', oldDropped);
    await net.until('a connected to b at the new port', () => newB.isConnected(a.publicKey) && a.isConnected(newB.publicKey));
    const details = a.peerDetails().find((d) => d.key === newB.publicKey)!;
    assert.equal(details.addr.port, newB.listenAddress!.port);
    await net.run(2 * 60_000, 2_000);
    assert.ok(!oldB.isConnected(a.publicKey), 'the old instance stays out (a holds the key elsewhere)');
  } finally {
    await net.stopAll();
  }
});

test('an unregistered IP is refused at the listener and an unknown key at the handshake gate, before any handshake completes', NODE_TEST, async () => {
  const net = new NodeNet();
  try {
    const [a, b] = [await net.add(1), await net.add(2)];
    a.track(1, net.addresses(a, b));
    const completedBefore = a.component.auth.snapshot().completed.responder;
    // A stranger on its own host: refused on the raw socket (allow-list).
    const stranger = await net.add(9);
    stranger.track(1, net.addresses(a, stranger));
    await net.until('the stranger refused by IP', () => a.component.counters.unregisteredIp >= 1);
    // A stranger on b's registered host: refused by key after 33 bytes.
    const impostor = await net.add(8, { listen: `${hostOf(2)}:0` });
    impostor.track(1, net.addresses(a, impostor));
    await net.until('the impostor refused by key', () => a.component.auth.rejections('unknown-key', 'responder') >= 1);
    assert.equal(a.component.auth.snapshot().completed.responder, completedBefore);
    assert.ok(!a.isConnected(stranger.publicKey) && !a.isConnected(impostor.publicKey));
    assert.equal(a.manager.peerDetails().length, 0);
  } finally {
    await net.stopAll();
  }
});

test('a blocked peer is disconnected and stays out until its block expires', NODE_TEST, async () => {
  const net = new NodeNet();
  try {
    const [a, b] = [await net.add(1), await net.add(2)];
    for (const n of [a, b]) n.track(1, net.addresses(a, b));
    await net.until('connected', () => a.isConnected(b.publicKey));
    const blockMs = 10 * 60_000;
    const { untilMs, disconnect } = a.block(b.publicKey, blockMs);
    assert.equal(disconnect, true);
    let reconnected = false;
    a.on('peer:connect', (key) => { if (key === b.publicKey) reconnected = true; });
    await net.until('b disconnected', () => !a.isConnected(b.publicKey) && !b.isConnected(a.publicKey));
    await net.run(untilMs - net.clock.now() - 5_000, 5_000);
    assert.equal(reconnected, false, 'no connection while blocked');
    assert.ok(b.component.counters.dialsStarted >= 2, 'b kept trying');
    await net.until('reconnected after expiry', () => a.isConnected(b.publicKey), 15 * 60_000);
    assert.ok(net.clock.now() >= untilMs);
  } finally {
    await net.stopAll();
  }
});

test('a flood of handshakes from one IP starts one handshake per 5 s; a /24 is held to 64 per second', NODE_TEST, async () => {
  const net = new NodeNet();
  const sockets: tcp.Socket[] = [];
  try {
    const a = await net.add(1);
    // 70 members on 70 hosts of one /24 (127.0.0.100 …), so every source below is on the allow-list.
    const members: Record<string, string> = { ...net.addresses(a) };
    for (let i = 0; i < 70; i++) members[identityOf(100 + i).publicKeyHex] = `127.0.0.${100 + i}:9`;
    a.track(1, members);
    const port = a.listenAddress!.port;
    const open = (from: string): void => { sockets.push(tcp.connect({ host: hostOf(1), port, localAddress: from }).on('error', () => undefined)); };
    const screened = (): number => {
      const c = a.component.limiter.counters();
      return c.started + c.refused['ip-rate'] + c.refused['subnet-rate'] + c.refused['in-flight'];
    };
    // The virtual clock stands still while the flood arrives: every connection lands in the same instant.
    for (let i = 0; i < 40; i++) open('127.0.0.100');
    await waitUntil('40 connections screened', () => screened() === 40);
    assert.equal(a.component.limiter.counters().started, 1);
    assert.equal(a.component.limiter.counters().refused['ip-rate'], 39);
    net.clock.advance(HANDSHAKE_INTERVAL_PER_IP_MS); // the subnet allowance is full again too
    for (let i = 1; i < 70; i++) open(`127.0.0.${100 + i}`);
    await waitUntil('69 more screened', () => screened() === 40 + 69);
    const c = a.component.limiter.counters();
    assert.equal(c.started, 1 + HANDSHAKES_PER_SUBNET_PER_SECOND);
    assert.equal(c.refused['subnet-rate'], 69 - HANDSHAKES_PER_SUBNET_PER_SECOND);
    assert.equal(a.manager.peerDetails().length, 0, 'raw sockets never become peers');
  } finally {
    for (const s of sockets) s.destroy();
    await net.stopAll();
  }
});
