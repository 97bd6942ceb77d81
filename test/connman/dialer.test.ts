/** The dialer on its own (one manager's components, no shell): refusals, failure accounting, the connection layer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { Subnet } from '../../src/address/subnet.js';
import type { ConnectionLayer, ConnectionUpgradeContext } from '../../src/connman/connection-layer.js';
import { LocalScore } from '../../src/connman/local-addresses.js';
import { ConnectError, type Connection } from '../../src/transport/transport.js';
import { settle } from '../../src/sim/network.js';
import { world } from './fixtures.js';

const TARGET = NetService.parse('40.0.0.1:18444');

async function listenAt(w: ReturnType<typeof world>, service = TARGET): Promise<Connection[]> {
  const accepted: Connection[] = [];
  await w.net.transport(service.addr).listen(service, (conn) => accepted.push(conn));
  return accepted;
}

test('refusals are typed: network inactive, own address, banned, already connected', async () => {
  const w = world();
  await listenAt(w);
  w.run.networkActive = false;
  let r = await w.c.dialer.dial({ target: TARGET, connType: 'outbound-full-relay', countFailure: true });
  assert.equal(!r.ok && r.error.code, 'ERR_NETWORK_INACTIVE');
  w.run.networkActive = true;
  w.c.localAddresses.add(TARGET, LocalScore.MANUAL);
  r = await w.c.dialer.dial({ target: TARGET, connType: 'outbound-full-relay', countFailure: true });
  assert.equal(!r.ok && r.error.code, 'ERR_OWN_ADDRESS');
  const other = NetService.parse('41.0.0.1:18444');
  await listenAt(w, other);
  w.c.banman.ban(Subnet.parse('41.0.0.0/8'));
  r = await w.c.dialer.dial({ target: other, connType: 'outbound-full-relay', countFailure: true });
  assert.equal(!r.ok && r.error.code, 'ERR_BANNED');
  assert.ok(!r.ok && r.error instanceof ConnectError);
  r = await w.c.dialer.dial({ target: other, connType: 'manual', countFailure: false, manual: { kind: 'onetry', target: String(other) } });
  assert.equal(r.ok, true, 'a manual connection is not refused for a ban');
  r = await w.c.dialer.dial({ target: other, connType: 'manual', countFailure: false, manual: { kind: 'onetry', target: String(other) } });
  assert.equal(!r.ok && r.error.code, 'ERR_ALREADY_CONNECTED');
  assert.equal(w.c.counters.connectFailures, 0, 'refusals are not dial failures');
});

test('a failed dial is an attempt in the table, a counted failure and a connect:failed event with the typed error', async () => {
  const w = world();
  w.c.table.current.add([{ service: TARGET, services: 9n, time: w.clock.nowSeconds() - 100 }], NetAddress.parse('9.9.9.9'));
  const r = await w.c.dialer.dial({ target: TARGET, connType: 'outbound-full-relay', countFailure: true });
  assert.equal(!r.ok && r.error.code, 'ERR_CONNECT_REFUSED');
  assert.equal(w.c.counters.connectFailures, 1);
  assert.equal(w.c.table.current.getInfo(TARGET)!.attempts, 1, 'counted against the address');
  assert.equal(w.c.table.current.getInfo(TARGET)!.lastTry, w.clock.nowSeconds());
  const failed = w.events.filter((e) => e.event === 'connect:failed');
  assert.equal(failed.length, 1);
  assert.equal((failed[0].args[3] as ConnectError).code, 'ERR_CONNECT_REFUSED');
  assert.equal(w.c.registry.isConnectedTo(TARGET), false, 'the reservation is released');
});

test('a dial the caller aborts, or one failing while the manager stops, is not counted', async () => {
  const w = world();
  w.c.table.current.add([{ service: TARGET, services: 9n, time: w.clock.nowSeconds() - 100 }], NetAddress.parse('9.9.9.9'));
  w.net.setUnreachable(TARGET.addr, true);
  const controller = new AbortController();
  const pending = w.c.dialer.dial({ target: TARGET, connType: 'manual', countFailure: false, manual: { kind: 'onetry', target: String(TARGET) }, signal: controller.signal });
  controller.abort();
  const r = await pending;
  assert.equal(!r.ok && r.error.code, 'ERR_ABORTED');
  const stopping = w.c.dialer.dial({ target: TARGET, connType: 'outbound-full-relay', countFailure: true });
  w.run.stop.abort();
  w.c.registry.abortPending();
  assert.equal((await stopping).ok, false);
  assert.equal(w.c.counters.connectFailures, 0);
  assert.equal(w.c.table.current.getInfo(TARGET)!.lastTry, 0, 'no attempt recorded');
  assert.equal(w.events.length, 0);
});

test('dials in flight add no listener to the manager\'s stop signal (no MaxListenersExceededWarning)', async () => {
  const w = world();
  const targets = Array.from({ length: 30 }, (_, i) => NetService.parse(`50.0.${i}.1:18444`));
  for (const t of targets) w.net.setUnreachable(t.addr, true);
  const dials = targets.map((target) => w.c.dialer.dial({ target, connType: 'manual', countFailure: false, manual: { kind: 'onetry', target: String(target) } }));
  await settle();
  assert.equal(getEventListeners(w.run.stop.signal, 'abort').length, 0);
  w.run.stop.abort();
  w.c.registry.abortPending();
  assert.ok((await Promise.all(dials)).every((r) => !r.ok && r.error.code === 'ERR_ABORTED'), 'stop still aborts every dial');
});

test('the connection layer upgrades an outbound connection before the peer exists; its identity lands on the record', async () => {
  const seen: ConnectionUpgradeContext[] = [];
  const identity = Uint8Array.of(2, 7, 1, 8);
  const layer: ConnectionLayer = { upgrade: async (connection, ctx) => { seen.push(ctx); return { connection, remoteIdentity: identity }; } };
  const w = world('30.0.0.1', { connectionLayer: layer });
  await listenAt(w);
  const r = await w.c.dialer.dial({ target: TARGET, connType: 'outbound-full-relay', countFailure: false });
  assert.ok(r.ok);
  assert.equal(r.record.remoteIdentity, identity);
  assert.equal(w.c.registry.get(r.record.id), r.record);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].direction, 'outbound');
  assert.ok(seen[0].remote.equals(TARGET));
  assert.equal(seen[0].connType, 'outbound-full-relay');
});

test('a failed upgrade destroys the connection and is a failed dial (ERR_CONNECT_UPGRADE)', async () => {
  let raw: Connection | undefined;
  const layer: ConnectionLayer = { upgrade: async (connection) => { raw = connection; throw new Error('bad handshake'); } };
  const w = world('30.0.0.1', { connectionLayer: layer });
  await listenAt(w);
  const r = await w.c.dialer.dial({ target: TARGET, connType: 'outbound-full-relay', countFailure: false });
  assert.equal(!r.ok && r.error.code, 'ERR_CONNECT_UPGRADE');
  assert.match(!r.ok ? r.error.message : '', /bad handshake/);
  await settle();
  assert.equal(raw?.closed, true);
  assert.equal(w.c.counters.connectFailures, 1);
  assert.equal(w.c.registry.size, 0);
});

test('an upgrade that does not finish within its timeout is aborted', async () => {
  let signal: AbortSignal | undefined;
  const layer: ConnectionLayer = { timeoutMs: 3_000, upgrade: (_conn, ctx) => { signal = ctx.signal; return new Promise(() => undefined); } };
  const w = world('30.0.0.1', { connectionLayer: layer });
  await listenAt(w);
  const pending = w.c.dialer.dial({ target: TARGET, connType: 'outbound-full-relay', countFailure: false });
  await settle();
  await w.clock.tick(2_999);
  assert.equal(signal?.aborted, false);
  await w.clock.tick(1);
  const r = await pending;
  assert.equal(!r.ok && r.error.code, 'ERR_CONNECT_UPGRADE');
  assert.match(!r.ok ? r.error.message : '', /timed out after 3000 ms/);
  assert.equal(signal?.aborted, true, 'the layer is told to give up');
});
