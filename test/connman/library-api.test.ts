/** The application API: connect() with typed results, send() to unknown peers, getAddr() defaults, option names in errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { Subnet } from '../../src/address/subnet.js';
import { PeerManager } from '../../src/connman/manager.js';
import { ConfigError } from '../../src/connman/options.js';
import { PeerManagerError } from '../../src/connman/types.js';
import { FULL_NODE, RawPeer, records, settle, Sim, svc } from '../../src/sim/network.js';
import { ConnectError } from '../../src/transport/transport.js';
import { AbortError } from '../../src/util/clock.js';
import { ArgumentError } from '../../src/util/errors.js';
import { REGTEST } from '../../src/wire/params.js';

test('connect() resolves with the peer\'s info once the handshake completes', async () => {
  const sim = new Sim();
  const me = sim.node('30.0.0.1');
  await RawPeer.listen(sim, '40.0.0.1', { services: FULL_NODE });
  await sim.startAll();
  const info = await me.connect(svc('40.0.0.1'));
  assert.equal(info.addr.toString(), '40.0.0.1:18444');
  assert.equal(info.connType, 'manual');
  assert.equal(info.userAgent, '/raw-peer:1/');
  assert.equal(info.services, FULL_NODE);
  assert.equal(me.getPeer(info.id)?.isReady, true);
  await sim.stopAll();
});

test('connect() accepts host names and resolves them like -addnode', async () => {
  const sim = new Sim();
  const me = sim.node('30.0.0.1', { resolver: async (host) => (host === 'node.example' ? ['41.0.0.1'] : []) });
  await RawPeer.listen(sim, '41.0.0.1', {}, 8333);
  await sim.startAll();
  const info = await me.connect('node.example:8333');
  assert.equal(info.addr.toString(), '41.0.0.1:8333');
  assert.equal(me.getPeer(info.id)?.addrName, 'node.example:8333');
  await assert.rejects(me.connect('nowhere.example'), (e: unknown) => e instanceof ConnectError && e.code === 'ERR_CONNECT_UNREACHABLE');
  await sim.stopAll();
});

test('connect() rejects with a typed error when refused, when the dial fails, and when the peer leaves before the handshake', async () => {
  const sim = new Sim();
  const me = sim.node('30.0.0.1');
  await sim.net.transport(NetAddress.parse('42.0.0.2')).listen(svc('42.0.0.2'), (conn) => conn.destroy());
  await RawPeer.listen(sim, '42.0.0.3');
  await sim.startAll();
  await assert.rejects(me.connect(svc('42.0.0.1')), (e: unknown) => e instanceof ConnectError && e.code === 'ERR_CONNECT_REFUSED');
  await assert.rejects(me.connect(svc('30.0.0.1')), (e: unknown) => e instanceof ConnectError && e.code === 'ERR_OWN_ADDRESS');
  await assert.rejects(me.connect(svc('42.0.0.2')), (e: unknown) => e instanceof ConnectError && e.code === 'ERR_HANDSHAKE_FAILED');
  await me.connect(svc('42.0.0.3'));
  await assert.rejects(me.connect(svc('42.0.0.3')), (e: unknown) => e instanceof ConnectError && e.code === 'ERR_ALREADY_CONNECTED');
  await sim.stopAll();
});

test('connect() aborted during the handshake rejects with AbortError and closes the connection', async () => {
  const sim = new Sim();
  const me = sim.node('30.0.0.1');
  await sim.net.transport(NetAddress.parse('43.0.0.1')).listen(svc('43.0.0.1'), () => undefined); // accepts, never answers
  await sim.startAll();
  const controller = new AbortController();
  const pending = me.connect(svc('43.0.0.1'), { signal: controller.signal });
  await settle();
  assert.equal(me.nodeCount('out'), 1, 'connected, handshake under way');
  controller.abort();
  await assert.rejects(pending, (e: unknown) => e instanceof AbortError);
  assert.equal(me.nodeCount('out'), 0);
  await assert.rejects(me.connect(svc('43.0.0.1'), { signal: controller.signal }), AbortError, 'an aborted signal refuses at once');
  await sim.stopAll();
});

test('send() to an id that is not connected throws PeerManagerError ERR_UNKNOWN_PEER; to a live peer it queues', async () => {
  const sim = new Sim();
  const me = sim.node('30.0.0.1');
  const { peers } = await RawPeer.listen(sim, '44.0.0.1');
  await sim.startAll();
  assert.throws(() => me.send(99, { type: 'getaddr' }), (e: unknown) => e instanceof PeerManagerError && e.code === 'ERR_UNKNOWN_PEER');
  const info = await me.connect(svc('44.0.0.1'));
  assert.equal(me.send(info.id, { type: 'notfound', entries: [] }), true);
  await settle();
  assert.equal(peers[0].messages('notfound').length, 1);
  await sim.stopAll();
});

test('getAddr() returns one address by default (Core getnodeaddresses), 0 means all, banned ones never', async () => {
  const sim = new Sim();
  const me = sim.node('30.0.0.1');
  me.addrman.add(records(20, sim.clock.nowSeconds() - 3600), NetAddress.parse('9.9.9.9'));
  assert.equal(me.getAddr().length, 1);
  assert.equal(me.getAddr({ count: 5 }).length, 5);
  assert.equal(me.getAddr({ count: 0 }).length, 20);
  me.ban(Subnet.parse('120.0.0.0/8'));
  assert.ok(me.getAddr({ count: 0 }).every((r) => r.service.addr.bytes[0] !== 120));
  assert.throws(() => me.getAddr({ count: -1 }), ArgumentError);
});

test('library errors name the option as PeerManagerOptions spells it; the daemon form uses Core\'s flag', () => {
  let error: unknown;
  try {
    new PeerManager({ network: REGTEST, maxConnections: -1 });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError);
  assert.equal(error.option, 'maxConnections');
  assert.equal(error.message, 'invalid maxConnections: -1 is not a non-negative integer');
  assert.equal(error.flagMessage(), 'invalid -maxconnections: -1 is not a non-negative integer');
  assert.throws(() => PeerManager.validate({ network: REGTEST, onlyNet: ['onion'] }),
    (e: unknown) => e instanceof ConfigError && e.message === 'invalid onlyNet: onion needs proxy or onion' &&
      e.flagMessage() === 'invalid -onlynet: onion needs -proxy or -onion');
});
