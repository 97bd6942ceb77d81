import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { NetService } from '../../src/address/service.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import type { Connection } from '../../src/transport/transport.js';
import { SystemClock, VirtualClock } from '../../src/util/clock.js';

function collect(conn: Connection, bytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Uint8Array[] = [];
    let n = 0;
    conn.on('data', (c) => {
      parts.push(c);
      n += c.length;
      if (n >= bytes) resolve(Buffer.concat(parts));
    });
  });
}

test('TCP transport connects over IPv4 loopback, carries bytes both ways and reports addresses', async () => {
  const transport = new TcpTransport(new SystemClock());
  let accept!: (c: Connection) => void;
  const accepted = new Promise<Connection>((r) => { accept = r; });
  const listener = await transport.listen(NetService.parse('127.0.0.1:0'), (c) => accept(c));
  assert.ok(listener.address.port > 0);
  const client = await transport.connect(listener.address);
  const server = await accepted;
  assert.equal(server.remote.addr.toString(), '127.0.0.1');
  assert.equal(server.remote.port, client.local?.port);
  const got = collect(server, 5);
  client.write(Buffer.from('hello'));
  assert.equal((await got).toString(), 'hello');
  const back = collect(client, 3);
  server.write(Buffer.from('hey'));
  assert.equal((await back).toString(), 'hey');
  const closed = new Promise((r) => server.once('close', r));
  client.end();
  await closed;
  assert.ok(server.closed);
  await listener.close();
});

test('TCP transport works over IPv6 loopback', async () => {
  const transport = new TcpTransport(new SystemClock());
  const listener = await transport.listen(NetService.parse('[::1]:0'), (c) => c.write(Buffer.from('x')));
  const client = await transport.connect(listener.address);
  assert.equal((await collect(client, 1)).toString(), 'x');
  client.destroy();
  await listener.close();
});

test('a refused dial rejects with ERR_CONNECT_REFUSED', async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  await assert.rejects(new TcpTransport(new SystemClock()).connect(NetService.parse(`127.0.0.1:${port}`)), { code: 'ERR_CONNECT_REFUSED' });
});

test('the connect timeout is driven by the injected clock', async () => {
  const clock = new VirtualClock();
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const dial = new TcpTransport(clock).connect(NetService.parse(`127.0.0.1:${port}`), { timeoutMs: 1000 });
  clock.advance(1000); // fires before the event loop could complete the handshake
  await assert.rejects(dial, { code: 'ERR_CONNECT_TIMEOUT' });
  await new Promise<void>((r) => server.close(() => r()));
});

test('an aborted dial rejects with ERR_ABORTED', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(new TcpTransport(new SystemClock()).connect(NetService.parse('127.0.0.1:1'), { signal: ac.signal }), { code: 'ERR_ABORTED' });
});

test('onion and I2P targets are refused by plain TCP', async () => {
  const t = new TcpTransport(new SystemClock());
  await assert.rejects(t.connect(NetService.parse('pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion:8333')), { code: 'ERR_CONNECT_UNREACHABLE' });
});

test('closing a listener stops new connections', async () => {
  const transport = new TcpTransport(new SystemClock());
  const listener = await transport.listen(NetService.parse('127.0.0.1:0'), () => undefined);
  await listener.close();
  await assert.rejects(transport.connect(listener.address), { code: 'ERR_CONNECT_REFUSED' });
});

test('an accepted connection\'s local end is the listener\'s address and port, whether bound to one address or to all', async () => {
  const transport = new TcpTransport(new SystemClock());
  for (const bind of ['127.0.0.1:0', '0.0.0.0:0']) {
    let accept!: (c: Connection) => void;
    const accepted = new Promise<Connection>((r) => { accept = r; });
    const listener = await transport.listen(NetService.parse(bind), (c) => accept(c));
    const client = await transport.connect(NetService.parse(`127.0.0.1:${listener.address.port}`));
    const server = await accepted;
    assert.equal(server.local?.toString(), `127.0.0.1:${listener.address.port}`, bind);
    assert.equal(server.local?.toString(), client.remote.toString());
    const closed = new Promise((r) => server.once('close', r));
    client.destroy();
    await closed;
    await listener.close();
  }
});

test('writes of one event-loop turn leave together and arrive in order; backpressure still reports a full buffer', async () => {
  const transport = new TcpTransport(new SystemClock());
  let accept!: (c: Connection) => void;
  const accepted = new Promise<Connection>((r) => { accept = r; });
  const listener = await transport.listen(NetService.parse('127.0.0.1:0'), (c) => accept(c));
  const client = await transport.connect(listener.address);
  const server = await accepted;
  const got = collect(server, 6);
  client.write(Buffer.from('ab'));
  client.write(Buffer.from('cd'));
  assert.equal(client.writableLength, 4, 'held until the turn ends');
  client.write(Buffer.from('ef'));
  assert.equal((await got).toString(), 'abcdef');
  assert.equal(client.write(new Uint8Array(64 * 1024)), false, 'a write past the high-water mark asks the caller to wait');
  await new Promise<void>((r) => client.once('drain', () => r()));
  const closed = new Promise((r) => server.once('close', r));
  client.destroy();
  await closed;
  await listener.close();
});

test('a TCP transport with a local address dials from it', async () => {
  const transport = new TcpTransport(new SystemClock());
  let accept!: (c: Connection) => void;
  const accepted = new Promise<Connection>((r) => { accept = r; });
  const listener = await transport.listen(NetService.parse('127.0.0.1:0'), (c) => accept(c));
  const client = await new TcpTransport(new SystemClock(), { localAddress: '127.0.0.7' }).connect(listener.address);
  const server = await accepted;
  assert.equal(server.remote.addr.toString(), '127.0.0.7');
  assert.equal(client.local?.addr.toString(), '127.0.0.7');
  client.destroy();
  await listener.close();
});
