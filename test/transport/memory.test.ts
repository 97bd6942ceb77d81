import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { MemoryNetwork } from '../../src/transport/memory.js';
import type { Connection } from '../../src/transport/transport.js';
import { VirtualClock } from '../../src/util/clock.js';

const A = NetAddress.parse('10.0.0.1');
const B = NetAddress.parse('10.0.0.2');

test('memory dials reach the listener with the dialer\'s address and carry bytes both ways', async () => {
  const network = new MemoryNetwork();
  let server: Connection | undefined;
  await network.transport(B).listen(new NetService(B, 8333), (c) => { server = c; });
  const client = await network.transport(A).connect(new NetService(B, 8333));
  assert.ok(server);
  assert.ok(server.remote.addr.equals(A));
  assert.equal(server.remote.port, client.local?.port);
  const got = new Promise<string>((r) => server!.on('data', (d) => r(Buffer.from(d).toString())));
  client.write(Buffer.from('ping'));
  assert.equal(await got, 'ping');
  const closed = new Promise((r) => server!.once('close', r));
  client.destroy();
  await closed;
  assert.ok(server.closed && client.closed);
});

test('end() on one side closes the other after delivering queued bytes', async () => {
  const network = new MemoryNetwork();
  const chunks: string[] = [];
  let serverClosed!: Promise<unknown>;
  await network.transport(B).listen(new NetService(B, 1), (c) => {
    c.on('data', (d) => chunks.push(Buffer.from(d).toString()));
    serverClosed = new Promise((r) => c.once('close', r));
  });
  const client = await network.transport(A).connect(new NetService(B, 1));
  client.write(Buffer.from('last words'));
  client.end();
  await serverClosed;
  assert.deepEqual(chunks, ['last words']);
});

test('dialing an address nobody listens on is refused', async () => {
  const network = new MemoryNetwork();
  await assert.rejects(network.transport(A).connect(new NetService(B, 1)), { code: 'ERR_CONNECT_REFUSED' });
});

test('a black-holed host times out on the virtual clock; latency delays completion', async () => {
  const clock = new VirtualClock(0);
  const network = new MemoryNetwork(clock, 100);
  network.setUnreachable(B, true);
  const dial = network.transport(A).connect(new NetService(B, 1), { timeoutMs: 5000 });
  let settled = false;
  dial.catch(() => { settled = true; });
  await clock.tick(4999);
  assert.equal(settled, false);
  await clock.tick(1);
  await assert.rejects(dial, { code: 'ERR_CONNECT_TIMEOUT' });
  network.setUnreachable(B, false);
  await network.transport(B).listen(new NetService(B, 1), () => undefined);
  let done = false;
  const ok = network.transport(A).connect(new NetService(B, 1)).then(() => { done = true; });
  await clock.tick(99);
  assert.equal(done, false);
  await clock.tick(1);
  await ok;
  assert.equal(done, true);
});

test('closing a memory listener frees its address', async () => {
  const network = new MemoryNetwork();
  const l = await network.transport(B).listen(new NetService(B, 1), () => undefined);
  assert.equal(network.listenerCount, 1);
  await l.close();
  assert.equal(network.listenerCount, 0);
  await assert.rejects(network.transport(A).connect(new NetService(B, 1)), { code: 'ERR_CONNECT_REFUSED' });
});
