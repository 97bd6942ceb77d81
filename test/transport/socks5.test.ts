import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { NetService } from '../../src/address/service.js';
import { Socks5Transport } from '../../src/transport/socks5.js';
import { SystemClock, VirtualClock } from '../../src/util/clock.js';

/**
 * A minimal SOCKS5 server (RFC 1928 CONNECT with RFC 1929 username/password) written for this test.
 * It records what clients asked for and forwards every CONNECT to one local echo server, standing in
 * for Tor: the real protocol runs over real sockets; only the far end is local.
 */
async function startProxy(backendPort: number, opts: { silent?: boolean } = {}): Promise<{ port: number; connected: Promise<void>; requests: Array<{ user: string; host: string; port: number }>; close(): Promise<void> }> {
  const requests: Array<{ user: string; host: string; port: number }> = [];
  const sockets = new Set<net.Socket>();
  let onConnected!: () => void;
  const connected = new Promise<void>((r) => { onConnected = r; });
  const server = net.createServer((sock) => {
    sockets.add(sock);
    onConnected();
    sock.on('close', () => sockets.delete(sock));
    if (opts.silent) return;
    let stage = 0;
    let buf = Buffer.alloc(0);
    let user = '';
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (stage === 0 && buf.length >= 2 && buf.length >= 2 + buf[1]) {
        const methods = [...buf.subarray(2, 2 + buf[1])];
        buf = buf.subarray(2 + buf[1]);
        stage = methods.includes(2) ? 1 : 2;
        sock.write(Buffer.from([5, methods.includes(2) ? 2 : 0]));
      }
      if (stage === 1 && buf.length >= 2) {
        const ulen = buf[1];
        if (buf.length < 3 + ulen) return;
        const plen = buf[2 + ulen];
        if (buf.length < 3 + ulen + plen) return;
        user = buf.subarray(2, 2 + ulen).toString();
        buf = buf.subarray(3 + ulen + plen);
        sock.write(Buffer.from([1, 0]));
        stage = 2;
      }
      if (stage === 2 && buf.length >= 5 && buf[3] === 3) {
        const len = buf[4];
        if (buf.length < 5 + len + 2) return;
        const host = buf.subarray(5, 5 + len).toString();
        const port = buf.readUInt16BE(5 + len);
        requests.push({ user, host, port });
        buf = Buffer.alloc(0);
        stage = 3;
        const upstream = net.connect(backendPort, '127.0.0.1', () => {
          sockets.add(upstream);
          sock.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          sock.pipe(upstream).pipe(sock);
        });
        upstream.on('error', () => sock.destroy());
        sock.on('close', () => upstream.destroy());
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connected,
    requests,
    close: () => new Promise<void>((r) => { sockets.forEach((s) => s.destroy()); server.close(() => r()); }),
  };
}

const ONION = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';

test('SOCKS5 dials an onion by name through the proxy, with fresh credentials per connection', async () => {
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const proxy = await startProxy((echo.address() as net.AddressInfo).port);
  const t = new Socks5Transport(new SystemClock(), { proxy: NetService.parse(`127.0.0.1:${proxy.port}`) });
  const conn = await t.connect(NetService.parse(`${ONION}:8333`));
  const got = new Promise<string>((r) => conn.on('data', (d) => r(Buffer.from(d).toString())));
  conn.write(Buffer.from('through tor'));
  assert.equal(await got, 'through tor');
  conn.destroy();
  const second = await t.connect(NetService.parse(`${ONION}:8333`));
  second.destroy();
  assert.equal(proxy.requests.length, 2);
  assert.deepEqual(proxy.requests.map((r) => [r.host, r.port]), [[ONION, 8333], [ONION, 8333]]);
  assert.notEqual(proxy.requests[0].user, proxy.requests[1].user);
  await proxy.close();
  await new Promise<void>((r) => echo.close(() => r()));
});

test('an unreachable proxy is reported as a proxy failure', async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const t = new Socks5Transport(new SystemClock(), { proxy: NetService.parse(`127.0.0.1:${port}`) });
  await assert.rejects(t.connect(NetService.parse(`${ONION}:8333`)), (e: { code: string; proxyFailure: boolean }) => e.code === 'ERR_CONNECT_PROXY' && e.proxyFailure);
});

test('a proxy that never answers times out on the injected clock', async () => {
  const proxy = await startProxy(1, { silent: true });
  const clock = new VirtualClock();
  const t = new Socks5Transport(clock, { proxy: NetService.parse(`127.0.0.1:${proxy.port}`) });
  const dial = t.connect(NetService.parse(`${ONION}:8333`), { timeoutMs: 2000 });
  await proxy.connected; // the proxy has the TCP connection and stays silent
  clock.advance(2000);
  await assert.rejects(dial, { code: 'ERR_CONNECT_TIMEOUT' });
  await proxy.close();
});

test('listening through a proxy is refused', async () => {
  const t = new Socks5Transport(new SystemClock(), { proxy: NetService.parse('127.0.0.1:9050') });
  await assert.rejects(t.listen(NetService.parse('127.0.0.1:0')), { code: 'ERR_CONNECT_FAILED' });
});
