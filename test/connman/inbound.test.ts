/** Inbound on its own (one manager's components, no shell): the gate, the connection layer, eviction candidates. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetService } from '../../src/address/service.js';
import { Subnet } from '../../src/address/subnet.js';
import type { ConnectionLayer, ConnectionUpgradeContext } from '../../src/connman/connection-layer.js';
import { evictionCandidate, MAX_INBOUND_UPGRADES_IN_FLIGHT } from '../../src/connman/inbound.js';
import { PeerRecord } from '../../src/connman/registry.js';
import { settle } from '../../src/sim/network.js';
import { createDuplexPair } from '../../src/transport/memory.js';
import { StreamConnection, type Connection } from '../../src/transport/transport.js';
import { VirtualClock } from '../../src/util/clock.js';
import { pipePeer, world } from './fixtures.js';

const LOCAL = NetService.parse('30.0.0.1:18444');

/** An inbound connection from `remote` as a listener would hand it over. */
function inboundFrom(remote: string): Connection {
  const [mine] = createDuplexPair();
  return new StreamConnection(mine, NetService.parse(remote), LOCAL);
}

test('the inbound gate is asked before any other work, and its reason refuses the connection', async () => {
  const asked: Array<[string, string | undefined]> = [];
  const w = world('30.0.0.1', { inboundGate: (remote, local) => { asked.push([remote.toString(), local?.toString()]); return 'unknown peer'; } });
  w.c.banman.ban(Subnet.parse('60.0.0.0/8'));
  const conn = inboundFrom('60.1.1.1:50000');
  w.c.inbound.accept(conn, 0);
  await settle();
  assert.deepEqual(asked, [['60.1.1.1:50000', '30.0.0.1:18444']]);
  assert.equal(conn.closed, true);
  assert.equal(w.c.counters.inboundRejected.banned, 0, 'refused by the gate before the ban check ran');
  assert.equal(w.c.registry.size, 0);
  assert.ok(w.log.has(/connection from 60\.1\.1\.1:50000 dropped \(unknown peer\)/));
});

test('a gate that returns no reason lets the usual checks decide', () => {
  const w = world('30.0.0.1', { inboundGate: () => undefined });
  w.c.inbound.accept(inboundFrom('61.1.1.1:50000'), 0);
  assert.equal(w.c.registry.nodeCount('in'), 1);
  w.c.banman.ban(Subnet.parse('62.0.0.0/8'));
  w.c.inbound.accept(inboundFrom('62.1.1.1:50000'), 0);
  assert.equal(w.c.counters.inboundRejected.banned, 1);
});

test('the connection layer upgrades inbound connections; the identity it proves lands on the record', async () => {
  const seen: ConnectionUpgradeContext[] = [];
  const layer: ConnectionLayer = { upgrade: async (connection, ctx) => { seen.push(ctx); return { connection, remoteIdentity: Uint8Array.of(9) }; } };
  const w = world('30.0.0.1', { connectionLayer: layer });
  w.c.inbound.accept(inboundFrom('63.1.1.1:50000'), 0);
  assert.equal(w.c.registry.size, 0, 'no peer before the upgrade finished');
  await settle();
  const [record] = [...w.c.registry.records()];
  assert.deepEqual(record.remoteIdentity, Uint8Array.of(9));
  assert.equal(record.peer.connType, 'inbound');
  assert.equal(seen[0].direction, 'inbound');
  assert.equal(seen[0].remote.toString(), '63.1.1.1:50000');
});

test(`at most MAX_INBOUND_UPGRADES_IN_FLIGHT (${MAX_INBOUND_UPGRADES_IN_FLIGHT}) inbound upgrades run at once; close() aborts them`, async () => {
  const signals: AbortSignal[] = [];
  const layer: ConnectionLayer = { upgrade: (_c, ctx) => { signals.push(ctx.signal); return new Promise(() => undefined); } };
  const w = world('30.0.0.1', { connectionLayer: layer, maxConnections: 1000 });
  const conns = Array.from({ length: MAX_INBOUND_UPGRADES_IN_FLIGHT + 5 }, (_, i) => inboundFrom(`64.0.${i}.1:50000`));
  for (const c of conns) w.c.inbound.accept(c, 0);
  assert.equal(signals.length, MAX_INBOUND_UPGRADES_IN_FLIGHT);
  await settle();
  assert.ok(conns.slice(MAX_INBOUND_UPGRADES_IN_FLIGHT).every((c) => c.closed), 'the surplus is dropped at once');
  await w.c.inbound.close();
  assert.ok(signals.every((s) => s.aborted));
  await settle();
  assert.ok(conns.every((c) => c.closed));
  assert.equal(w.c.registry.size, 0);
});

test('an eviction candidate carries units from the record and peer: seconds, microseconds, noban', () => {
  const clock = new VirtualClock(1_700_000_123_456);
  const peer = pipePeer(4, 'inbound', '65.1.1.1:50000', clock);
  const record = new PeerRecord({ peer, keyedNetGroup: 77n, preferEvict: true });
  record.lastBlockS = 1_700_000_100;
  record.lastTxS = 1_700_000_050;
  const c = evictionCandidate(record, () => true);
  assert.equal(c.connectedS, 1_700_000_123);
  assert.equal(c.minPingUs, Number.MAX_SAFE_INTEGER, 'no ping yet');
  assert.equal(c.lastBlockS, 1_700_000_100);
  assert.equal(c.lastTxS, 1_700_000_050);
  assert.equal(c.keyedNetGroup, 77n);
  assert.equal(c.preferEvict, true);
  assert.equal(c.relevantServices, false, 'no version yet');
  assert.equal(c.noBan, false);
});

test('a record keeps one eviction candidate and refreshes its changing fields on every call', () => {
  const clock = new VirtualClock(1_700_000_123_456);
  const peer = pipePeer(5, 'inbound', '65.1.1.2:50000', clock);
  const record = new PeerRecord({ peer, keyedNetGroup: 78n, preferEvict: false });
  const first = evictionCandidate(record, () => true);
  assert.equal(first.lastBlockS, 0);
  record.lastBlockS = 1_700_000_110;
  record.lastTxS = 1_700_000_111;
  record.preferEvict = true;
  const second = evictionCandidate(record, () => true);
  assert.equal(second, first, 'the same object, not a new one per decision');
  assert.equal(second.lastBlockS, 1_700_000_110);
  assert.equal(second.lastTxS, 1_700_000_111);
  assert.equal(second.preferEvict, true);
  assert.equal(second.connectedS, 1_700_000_123, 'fixed fields kept');
});
