/** Manual connections as a component (one manager's components, no shell): typed targets, budgets, bounds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { Net } from '../../src/address/network.js';
import { NetService } from '../../src/address/service.js';
import { ADDED_NODE_RECHECK_MS, ADDED_NODE_RETRY_MS, MAX_ADDED_NODES, MAX_ADDR_FETCH_QUEUE } from '../../src/connman/manual.js';
import type { ManualTarget } from '../../src/connman/registry.js';
import { settle } from '../../src/sim/network.js';
import { createDuplexPair, MemoryNetwork } from '../../src/transport/memory.js';
import { RoutingTransport } from '../../src/transport/router.js';
import { StreamConnection } from '../../src/transport/transport.js';
import { VirtualClock } from '../../src/util/clock.js';
import { world, type World } from './fixtures.js';

/** Registers a manual peer directly through the lifecycle (its one construction path). */
function manualPeer(w: World, addr: string, manual: ManualTarget): void {
  const [mine] = createDuplexPair();
  const service = NetService.parse(addr);
  w.c.lifecycle.create({ connection: new StreamConnection(mine, service, undefined), connType: 'manual', addr: service, permissions: 0, manual });
}

test('only -addnode peers count against the addnode budget, recognised by their typed target', () => {
  const w = world('30.0.0.1', { addNode: ['40.0.0.1'] });
  for (let i = 0; i < 8; i++) manualPeer(w, `41.0.0.${i + 1}:18444`, { kind: 'onetry', target: `41.0.0.${i + 1}` });
  const now = w.clock.now();
  w.c.manual.openAddedNodes(now);
  assert.equal(w.c.schedule.at('addedNodeCheck'), now + ADDED_NODE_RETRY_MS, 'onetry peers leave the budget free: the added node was dialed');
  const full = world('30.0.0.2', { addNode: ['40.0.0.1'] });
  for (let i = 0; i < 8; i++) manualPeer(full, `41.0.0.${i + 1}:18444`, { kind: 'addnode', target: `41.0.0.${i + 1}` });
  full.c.manual.openAddedNodes(now);
  assert.equal(full.c.schedule.at('addedNodeCheck'), now + ADDED_NODE_RECHECK_MS, 'eight addnode peers fill the budget: nothing dialed');
});

test('getaddednodeinfo matches an added node to the peer opened for it', () => {
  const w = world('30.0.0.1', { addNode: ['42.0.0.1:18444'] });
  manualPeer(w, '42.0.0.1:18444', { kind: 'addnode', target: '42.0.0.1:18444' });
  assert.deepEqual(w.c.manual.addedNodeInfo(), [{ addednode: '42.0.0.1:18444', connected: true, addresses: [{ address: '42.0.0.1:18444', connected: 'outbound' }] }]);
  assert.throws(() => w.c.manual.addedNodeInfo('9.9.9.9'), { code: 'ERR_NODE_NOT_ADDED' });
});

test('onetry connections carry their own kind', async () => {
  const w = world();
  const target = NetService.parse('43.0.0.1:18444');
  await w.net.transport(target.addr).listen(target, () => undefined);
  w.c.manual.connectOnce('43.0.0.1');
  await settle();
  const [record] = [...w.c.registry.records()];
  assert.deepEqual(record.manual, { kind: 'onetry', target: '43.0.0.1' });
});

test(`the -addnode list holds at most MAX_ADDED_NODES (${MAX_ADDED_NODES}) entries and refuses duplicates`, () => {
  const w = world();
  for (let i = 0; i < MAX_ADDED_NODES; i++) w.c.manual.addNode(`44.0.${i >> 8}.${i & 0xff}`);
  assert.throws(() => w.c.manual.addNode('45.0.0.1'), { code: 'ERR_ADDED_NODES_FULL' });
  assert.throws(() => w.c.manual.addNode(' 44.0.0.0 '), { code: 'ERR_NODE_ALREADY_ADDED' });
  assert.equal(w.c.manual.addedNodeList.length, MAX_ADDED_NODES);
});

test(`at most MAX_ADDR_FETCH_QUEUE (${MAX_ADDR_FETCH_QUEUE}) addr-fetch destinations wait; the rest are dropped`, async () => {
  const w = world();
  for (let i = 0; i < MAX_ADDR_FETCH_QUEUE + 10; i++) w.c.manual.addAddrFetch(`46.0.0.${i + 1}`);
  for (let i = 0; i < MAX_ADDR_FETCH_QUEUE + 10; i++) w.c.manual.processAddrFetch(w.clock.now());
  await settle();
  const failed = w.events.filter((e) => e.event === 'connect:failed');
  assert.equal(failed.length, MAX_ADDR_FETCH_QUEUE, 'one dial per queued destination, nobody listens');
  assert.ok(failed.every((e) => e.args[1] === 'addr-fetch'));
});

test('names resolve through the resolver with their port', async () => {
  const w = world('30.0.0.1', { resolver: async (host) => (host === 'seed.example' ? ['2a01:4f8::2', '47.0.0.1'] : []) });
  assert.deepEqual((await w.c.manual.resolve('seed.example:1234')).map(String), ['[2a01:4f8::2]:1234', '47.0.0.1:1234']);
  assert.deepEqual((await w.c.manual.resolve('47.0.0.2')).map(String), ['47.0.0.2:18444'], 'numeric text needs no lookup');
  const r = await w.c.manual.dialName('nothing.example', { connType: 'manual', countFailure: false });
  assert.equal(!r.ok && r.error.code, 'ERR_CONNECT_UNREACHABLE');
});

test('a name is dialed at its first address on a network the transport can reach (Transport.canReach)', async () => {
  const net = new MemoryNetwork(new VirtualClock(1_700_000_000_000));
  const ipv4Only = new RoutingTransport(net.transport(NetAddress.parse('30.0.0.1'))).route(Net.IPV4, net.transport(NetAddress.parse('30.0.0.1')));
  const w = world('30.0.0.1', { transport: ipv4Only, resolver: async (host) => (host === 'v6.example' ? ['2a01:4f8::2'] : ['2a01:4f8::3', '48.0.0.1']) }, net);
  await net.transport(NetAddress.parse('48.0.0.1')).listen(NetService.parse('48.0.0.1:18444'), () => undefined);
  const only6 = await w.c.manual.dialName('v6.example', { connType: 'manual', countFailure: false });
  assert.equal(!only6.ok && only6.error.code, 'ERR_CONNECT_UNREACHABLE');
  const both = await w.c.manual.dialName('both.example', { connType: 'manual', countFailure: false });
  assert.ok(both.ok);
  assert.equal(both.record.peer.addr.toString(), '48.0.0.1:18444');
});
