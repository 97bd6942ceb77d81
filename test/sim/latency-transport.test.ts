import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { LatencyNetwork, LINK_SEND_WINDOW_BYTES } from '../../src/sim/latency-transport.js';
import type { Connection } from '../../src/transport/transport.js';
import { ConnectError } from '../../src/transport/transport.js';
import { VirtualClock, yieldToEventLoop } from '../../src/util/clock.js';

const A = NetAddress.parse('11.0.0.1');
const B = NetAddress.parse('12.0.0.1');
const B_SVC = new NetService(B, 8333);

/** A network with a constant 40 ms one-way latency and a listener on B. */
async function pair(): Promise<{ clock: VirtualClock; net: LatencyNetwork; client: Connection; server: Connection }> {
  const clock = new VirtualClock(0);
  const net = new LatencyNetwork(clock, { oneWayMs: () => 40 });
  let server: Connection | undefined;
  await net.transport(B).listen(B_SVC, (c) => { server = c; });
  const dial = net.transport(A).connect(B_SVC);
  clock.advance(80);
  const client = await dial;
  return { clock, net, client, server: server! };
}

test('a dial completes after one round trip, and the listener sees the dialer as remote', async () => {
  const clock = new VirtualClock(0);
  const net = new LatencyNetwork(clock, { oneWayMs: () => 40 });
  let accepted: Connection | undefined;
  await net.transport(B).listen(B_SVC, (c) => { accepted = c; });
  let done = false;
  const dial = net.transport(A).connect(B_SVC).then((c) => { done = true; return c; });
  clock.advance(79);
  await yieldToEventLoop();
  assert.equal(done, false);
  clock.advance(1);
  const c = await dial;
  assert.ok(c.remote.equals(B_SVC));
  assert.ok(accepted!.remote.addr.equals(A));
});

test('bytes arrive one-way latency after they were written, in order', async () => {
  const { clock, client, server } = await pair();
  const got: Array<{ at: number; byte: number }> = [];
  server.on('data', (d) => got.push({ at: clock.now(), byte: d[0] }));
  client.write(Uint8Array.of(1));
  clock.advance(10);
  client.write(Uint8Array.of(2));
  clock.advance(29);
  assert.deepEqual(got, []);
  clock.advance(1);
  assert.deepEqual(got, [{ at: 120, byte: 1 }]);
  clock.advance(10);
  assert.deepEqual(got, [{ at: 120, byte: 1 }, { at: 130, byte: 2 }]);
});

test('a dial to an address where no host is up fails only at its timeout', async () => {
  const clock = new VirtualClock(0);
  const net = new LatencyNetwork(clock, { oneWayMs: () => 40 });
  const outcome = {} as { error?: ConnectError };
  const dial = net.transport(A).connect(B_SVC, { timeoutMs: 5000 }).catch((e) => { outcome.error = e; });
  clock.advance(4999);
  await yieldToEventLoop();
  assert.equal(outcome.error, undefined);
  clock.advance(1);
  await dial;
  const error = outcome.error as ConnectError | undefined;
  assert.ok(error instanceof ConnectError);
  assert.equal(error.code, 'ERR_CONNECT_TIMEOUT');
});

test('a dial to a host that is up but not listening is refused after one round trip', async () => {
  const clock = new VirtualClock(0);
  const net = new LatencyNetwork(clock, { oneWayMs: () => 40 });
  net.setHostUp(B, true);
  let error: unknown;
  const dial = net.transport(A).connect(B_SVC, { timeoutMs: 5000 }).catch((e) => { error = e; });
  clock.advance(80);
  await dial;
  assert.equal((error as ConnectError).code, 'ERR_CONNECT_REFUSED');
});

test('an aborted dial rejects at once with ERR_ABORTED', async () => {
  const clock = new VirtualClock(0);
  const net = new LatencyNetwork(clock, { oneWayMs: () => 40 });
  const abort = new AbortController();
  const dial = net.transport(A).connect(B_SVC, { signal: abort.signal });
  abort.abort();
  await assert.rejects(dial, (e: ConnectError) => e.code === 'ERR_ABORTED');
});

test('end() closes our side on the next tick and the other side after the data written before it', async () => {
  const { clock, client, server } = await pair();
  const events: string[] = [];
  server.on('data', () => events.push('data'));
  server.on('close', () => events.push('close'));
  let clientClosed = false;
  client.on('close', () => { clientClosed = true; });
  client.write(Uint8Array.of(7));
  client.end();
  await yieldToEventLoop();
  assert.equal(clientClosed, true, 'our end closes without waiting for virtual time');
  assert.deepEqual(events, []);
  clock.advance(40);
  assert.deepEqual(events, ['data', 'close']);
});

test('past the send window write() reports backpressure, and drain follows once the other side has read', async () => {
  const { clock, client, server } = await pair();
  server.on('data', () => undefined);
  let drained = false;
  client.on('drain', () => { drained = true; });
  const big = new Uint8Array(LINK_SEND_WINDOW_BYTES);
  assert.equal(client.write(big), true);
  assert.equal(client.write(Uint8Array.of(1)), false);
  assert.equal(client.writableLength, LINK_SEND_WINDOW_BYTES + 1);
  clock.advance(40);
  assert.equal(drained, true);
  assert.equal(client.writableLength, 0);
});

test('a paused receiver gets nothing until resumed, then everything in order', async () => {
  const { clock, client, server } = await pair();
  const got: number[] = [];
  server.on('data', (d) => got.push(d[0]));
  server.pause();
  client.write(Uint8Array.of(1));
  client.write(Uint8Array.of(2));
  clock.advance(40);
  assert.deepEqual(got, []);
  assert.equal(client.writableLength, 2, 'unread bytes stay in the sender\'s window');
  server.resume();
  await yieldToEventLoop();
  assert.deepEqual(got, [1, 2]);
});
