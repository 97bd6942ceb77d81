import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { Subnet } from '../../src/address/subnet.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { RpcConfigError } from '../../src/rpc/errors.js';
import { AUTH_FAILURE_DELAY_MS, clientAllowed, DEFAULT_REQUEST_TIMEOUT_MS, loopbackSubnets, MAX_HEADER_BYTES, RpcServer } from '../../src/rpc/server.js';
import { tempDirFor } from '../support/tmp.js';
import { basic, eventually, PASSWORD, rawRequest, RpcHarness, USER } from './helpers.js';

test('a legacy call over HTTP answers 200 with application/json and Core\'s reply shape', async (t) => {
  const h = await new RpcHarness().start();
  t.after(() => h.stop());
  const r = await h.post({ method: 'getconnectioncount', params: [], id: 'a' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.text, '{"result":0,"error":null,"id":"a"}\n');
});

test('legacy errors map to HTTP 404, 500 and 400 while JSON-RPC 2.0 errors stay 200', async (t) => {
  const h = await new RpcHarness().start();
  t.after(() => h.stop());
  const notFound = await h.post({ method: 'getblock', id: 1 });
  assert.equal(notFound.status, 404);
  assert.deepEqual(notFound.json, { result: null, error: { code: -32601, message: 'Method not found' }, id: 1 });
  const badParam = await h.post({ method: 'getnodeaddresses', params: [-1], id: 2 });
  assert.equal(badParam.status, 500);
  assert.deepEqual(badParam.json.error, { code: -8, message: 'Address count out of range' });
  const invalid = await h.post({ params: [], id: 3 });
  assert.equal(invalid.status, 400);
  const parse = await h.post('{oops');
  assert.equal(parse.status, 500);
  assert.deepEqual(parse.json, { result: null, error: { code: -32700, message: 'Parse error' }, id: null });
  const v2 = await h.post({ jsonrpc: '2.0', method: 'getblock', id: 4 });
  assert.equal(v2.status, 200);
  assert.deepEqual(v2.json, { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 4 });
  const note = await h.post({ jsonrpc: '2.0', method: 'ping' });
  assert.equal(note.status, 204);
  assert.equal(note.text, '');
});

test('a batch over HTTP returns an array in order, errors included, with HTTP 200', async (t) => {
  const h = await new RpcHarness().start();
  t.after(() => h.stop());
  const r = await h.post([
    { method: 'getconnectioncount', id: 1 },
    { method: 'setban', params: ['nonsense', 'add'], id: 2 },
    { jsonrpc: '2.0', method: 'getnetworkinfo', id: 3 },
  ]);
  assert.equal(r.status, 200);
  assert.equal(r.json.length, 3);
  assert.deepEqual(r.json[0], { result: 0, error: null, id: 1 });
  assert.deepEqual(r.json[1], { result: null, error: { code: -30, message: 'Error: Invalid IP/Subnet' }, id: 2 });
  assert.equal(r.json[2].result.subversion, '/Peerbook:0.1.0/');
});

test('the batch size limit is configurable and refuses larger batches with 400', async (t) => {
  const h = await new RpcHarness().start({ limits: { maxBatchSize: 2 } });
  t.after(() => h.stop());
  const r = await h.post([{ method: 'ping', id: 1 }, { method: 'ping', id: 2 }, { method: 'ping', id: 3 }]);
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, -32600);
});

test('named parameters work over HTTP', async (t) => {
  const h = await new RpcHarness().start();
  t.after(() => h.stop());
  await h.call('addpeeraddress', { address: '1.2.3.4', port: 8333 });
  const r = await h.call('getnodeaddresses', { count: 0, network: 'ipv4' });
  assert.deepEqual(r.result.map((a: any) => a.address), ['1.2.3.4']);
});

test('a request without an Authorization header gets 401 with Core\'s WWW-Authenticate', async (t) => {
  const h = await new RpcHarness().start();
  t.after(() => h.stop());
  const r = await h.post({ method: 'uptime', id: 1 }, { auth: null });
  assert.equal(r.status, 401);
  assert.equal(r.headers['www-authenticate'], 'Basic realm="jsonrpc"');
  assert.equal(r.text, '');
});

test('a wrong password is answered 401 only after the delay on the injected clock, and logged', async (t) => {
  const logger = new MemoryLogger();
  const h = await new RpcHarness().start({ logger });
  t.after(() => h.stop());
  let answered: { status: number } | undefined;
  const pending = h.post({ method: 'uptime', id: 1 }, { auth: basic(USER, 'wrong') }).then((r) => { answered = r; });
  await eventually(() => h.rpc.activeRequests === 1, 'the request to wait out the delay');
  await h.sim.clock.tick(AUTH_FAILURE_DELAY_MS - 1);
  assert.equal(answered, undefined, 'not answered before the delay');
  await h.sim.clock.tick(1);
  await pending;
  assert.equal(answered!.status, 401);
  assert.ok(logger.has(/^ThreadRPCServer incorrect password attempt from 127\.0\.0\.1:\d+$/));
  const right = await h.post({ method: 'uptime', id: 1 });
  assert.equal(right.status, 200);
});

test('loopback clients are always allowed and others only inside -rpcallowip, as Core\'s ClientAllowed', () => {
  const loop = loopbackSubnets();
  const extra = [...loop, Subnet.parse('192.0.2.0/24')];
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(clientAllowed(a, loop), true, a);
  for (const a of ['192.0.2.7', '::ffff:192.0.2.7', '10.0.0.1', '::2', 'not an address', undefined]) assert.equal(clientAllowed(a, loop), false, String(a));
  assert.equal(clientAllowed('192.0.2.7', extra), true);
  assert.equal(clientAllowed('::ffff:192.0.2.7', extra), true);
  assert.equal(clientAllowed('192.0.3.7', extra), false);
});

test('a client outside rpcallowip is refused 403 even with the right password', async (t) => {
  const ip = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (ip === undefined) {
    t.skip('this host has no non-loopback IPv4 interface to connect from (clientAllowed is covered by the test above)');
    return;
  }
  const h = await new RpcHarness().start({ bind: [{ host: ip, port: 0 }] });
  t.after(() => h.stop());
  const r = await h.post({ method: 'uptime', id: 1 }, { host: ip, localAddress: ip });
  assert.equal(r.status, 403);
  assert.equal(r.text, '');
  const h2 = await new RpcHarness().start({ bind: [{ host: ip, port: 0 }], allowIps: [Subnet.parse(`${ip}/32`)] });
  t.after(() => h2.stop());
  assert.equal((await h2.post({ method: 'uptime', id: 1 }, { host: ip, localAddress: ip })).status, 200);
});

test('only POST to / is served: GET is 405 with Core\'s text, an unknown method 405, another path 404', async (t) => {
  const h = await new RpcHarness().start();
  t.after(() => h.stop());
  const get = await rawRequest(h.port, undefined, { method: 'GET' });
  assert.equal(get.status, 405);
  assert.equal(get.text, 'JSONRPC server handles only POST requests');
  const del = await rawRequest(h.port, undefined, { method: 'DELETE' });
  assert.equal(del.status, 405);
  assert.equal(del.text, '');
  const other = await rawRequest(h.port, '{}', { path: '/rest/chaininfo.json' });
  assert.equal(other.status, 404);
});

test('cookie authentication writes __cookie__:<64 hex> with mode 0600, accepts it, and deletes it on stop', async (t) => {
  const dir = await tempDirFor(t, 'rpc-cookie');
  const cookieFile = path.join(dir, '.cookie');
  const h = await new RpcHarness().start({ auth: { cookieFile } });
  const content = await readFile(cookieFile, 'utf8');
  assert.match(content, /^__cookie__:[0-9a-f]{64}$/);
  assert.equal((await stat(cookieFile)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ['.cookie'], 'no temporary file is left behind');
  const [user, pass] = [content.slice(0, content.indexOf(':')), content.slice(content.indexOf(':') + 1)];
  assert.equal((await h.post({ method: 'uptime', id: 1 }, { auth: basic(user, pass) })).status, 200);
  assert.equal(await pendingStatus(h, basic('__cookie__', 'f'.repeat(64))), 401, 'any other cookie is refused');
  await h.stop();
  assert.deepEqual(await readdir(dir), [], 'the cookie is deleted on stop');
});

/** Sends a request with a wrong credential, advancing the virtual clock past the auth delay; resolves with its status. */
async function pendingStatus(h: RpcHarness, auth: string): Promise<number> {
  const p = h.post({ method: 'uptime', id: 1 }, { auth });
  await eventually(() => h.rpc.activeRequests >= 1, 'the request to wait out the delay');
  await h.sim.clock.tick(AUTH_FAILURE_DELAY_MS);
  return (await p).status;
}

test('each start writes a fresh cookie', async (t) => {
  const dir = await tempDirFor(t, 'rpc-cookie2');
  const cookieFile = path.join(dir, '.cookie');
  const a = await new RpcHarness().start({ auth: { cookieFile } });
  const first = await readFile(cookieFile, 'utf8');
  await a.stop();
  const b = await new RpcHarness().start({ auth: { cookieFile } });
  t.after(() => b.stop());
  assert.notEqual(await readFile(cookieFile, 'utf8'), first);
});

test('the cookie goes to <data dir>/.cookie by default, and without either a password or a location start() fails', async (t) => {
  const dir = await tempDirFor(t, 'rpc-datadir');
  const h = await new RpcHarness('10.0.0.1', { dataDir: dir }).start({ auth: {} });
  assert.equal(h.rpc.cookieFile, path.join(dir, '.cookie'));
  assert.match(await readFile(path.join(dir, '.cookie'), 'utf8'), /^__cookie__:/);
  await h.stop();
  const bare = new RpcHarness();
  await bare.sim.startAll();
  const server = new RpcServer({ manager: bare.node, bind: [{ host: '127.0.0.1', port: 0 }] });
  await assert.rejects(server.start(), RpcConfigError);
  await bare.sim.stopAll();
});

test('a body larger than maxRequestBytes is refused 413, by Content-Length or while streaming', async (t) => {
  const h = await new RpcHarness().start({ maxRequestBytes: 100 });
  t.after(() => h.stop());
  const fits = JSON.stringify({ method: 'uptime', id: 1, pad: 'x'.repeat(40) });
  assert.ok(fits.length <= 100);
  assert.equal((await h.post(fits)).status, 200);
  const big = JSON.stringify({ method: 'uptime', id: 1, pad: 'x'.repeat(200) });
  const declared = await h.post(big);
  assert.equal(declared.status, 413);
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: h.port, method: 'POST', path: '/', agent: false,
      headers: { Authorization: basic(USER, PASSWORD), 'Transfer-Encoding': 'chunked' } }, (res) => { res.resume(); resolve(res.statusCode!); });
    req.on('error', reject);
    req.write(big.slice(0, 60));
    req.write(big.slice(60));
    req.end();
  });
  assert.equal(chunked, 413);
});

test('requests past the work queue depth are refused 503 "Work queue depth exceeded"', async (t) => {
  const h = await new RpcHarness().start({ workQueue: 2 });
  t.after(() => h.stop());
  const wrong = basic(USER, 'wrong');
  const first = [h.post({ method: 'uptime', id: 1 }, { auth: wrong }), h.post({ method: 'uptime', id: 2 }, { auth: wrong })];
  await eventually(() => h.rpc.activeRequests === 2, 'two requests to hold the queue');
  const third = await h.post({ method: 'uptime', id: 3 }, { auth: wrong });
  assert.equal(third.status, 503);
  assert.equal(third.text, 'Work queue depth exceeded');
  await h.sim.clock.tick(AUTH_FAILURE_DELAY_MS);
  assert.deepEqual((await Promise.all(first)).map((r) => r.status), [401, 401]);
  assert.equal((await h.post({ method: 'uptime', id: 4 })).status, 200, 'the queue has room again');
});

test('connections past maxConnections are closed at once', async (t) => {
  const h = await new RpcHarness().start({ maxConnections: 2 });
  t.after(() => h.stop());
  const open = (): Promise<net.Socket> => new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: h.port }, () => resolve(s));
    s.on('error', reject);
  });
  const a = await open();
  const b = await open();
  const c = await open();
  const closed = await new Promise<boolean>((resolve) => {
    c.on('close', () => resolve(true));
    c.on('error', () => undefined);
  });
  assert.equal(closed, true);
  for (const s of [a, b]) s.destroy();
});

test('a request not completed within the timeout on the injected clock has its connection closed', async (t) => {
  const h = await new RpcHarness().start();
  t.after(() => h.stop());
  const socket = net.connect({ host: '127.0.0.1', port: h.port });
  await new Promise((resolve) => socket.once('connect', resolve));
  let closed = false;
  socket.on('close', () => { closed = true; });
  socket.on('error', () => undefined);
  socket.write(`POST / HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic(USER, PASSWORD)}\r\nContent-Length: 50\r\n\r\n{"method":`);
  await eventually(() => h.rpc.openRequests === 1, 'the request to start');
  await h.sim.clock.tick(DEFAULT_REQUEST_TIMEOUT_MS - 1);
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false);
  await h.sim.clock.tick(1);
  await eventually(() => closed, 'the connection to close');
});

test('stop() closes idle keep-alive connections and the port, leaving nothing open', async () => {
  const h = await new RpcHarness().start();
  const agent = new http.Agent({ keepAlive: true });
  let socketClosed = false;
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: h.port, method: 'POST', path: '/', agent, headers: { Authorization: basic(USER, PASSWORD) } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.once('socket', (s) => s.once('close', () => { socketClosed = true; }));
    req.on('error', reject);
    req.end('{"method":"uptime","id":1}');
  });
  await eventually(() => Object.keys(agent.freeSockets).length === 1, 'the keep-alive socket to be idle');
  const port = h.port;
  await h.stop();
  await eventually(() => socketClosed, 'the server to close the idle keep-alive connection');
  await assert.rejects(rawRequest(port, '{}'), /ECONNREFUSED/);
  await h.stop();
  agent.destroy();
});

test('the stop method\'s reply gets out intact even when onStop shuts the server down, and onStop runs once', async (t) => {
  const h = new RpcHarness();
  let stops = 0;
  await h.start({ onStop: () => { stops++; void h.rpc.stop(); } });
  t.after(() => h.stop());
  const port = h.port;
  const r = await h.call('stop');
  assert.deepEqual(r, { result: 'Peerbook stopping', error: null, id: 1 });
  await eventually(() => stops === 1, 'onStop');
  await assert.rejects(rawRequest(port, '{"method":"uptime","id":1}'), /ECONNREFUSED/);
  assert.equal(stops, 1);
});

test('onStop is called once however many stop calls arrive', async (t) => {
  const h = await new RpcHarness().start();
  t.after(() => h.stop());
  await h.call('stop');
  await eventually(() => h.stopCalls === 1, 'onStop');
  await h.call('stop');
  await h.post([{ method: 'stop', id: 1 }, { method: 'stop', id: 2 }]);
  assert.equal(h.stopCalls, 1);
});

test('uptime over HTTP counts from the manager\'s start', async (t) => {
  const h = await new RpcHarness().start();
  t.after(() => h.stop());
  h.sim.clock.advance(42_000);
  assert.equal((await h.call('uptime')).result, 42);
});

test('binding a port in use fails start() with RpcConfigError and leaves no cookie behind', async (t) => {
  const dir = await tempDirFor(t, 'rpc-bind');
  const a = await new RpcHarness().start();
  t.after(() => a.stop());
  const b = new RpcHarness();
  await b.sim.startAll();
  const server = new RpcServer({ manager: b.node, bind: [{ host: '127.0.0.1', port: a.port }], auth: { cookieFile: path.join(dir, '.cookie') } });
  await assert.rejects(server.start(), (e: Error) => e instanceof RpcConfigError && /Binding RPC on address 127\.0\.0\.1 port \d+ failed/.test(e.message));
  assert.deepEqual(await readdir(dir), []);
  await assert.rejects(server.start(), /called when stopped/);
  await b.sim.stopAll();
});

test('addresses reports every bound address with its real port', async (t) => {
  const h = await new RpcHarness().start({ bind: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0 }] });
  t.after(() => h.stop());
  assert.equal(h.rpc.addresses.length, 2);
  for (const a of h.rpc.addresses) {
    assert.equal(a.addr.toString(), '127.0.0.1');
    assert.equal((await rawRequest(a.port, '{"method":"uptime","id":1}')).status, 200);
  }
});

test('request headers over MAX_HEADER_BYTES are refused 431 before anything runs', async (t) => {
  const h = await new RpcHarness().start();
  t.after(() => h.stop());
  const r = await h.post({ method: 'stop', id: 1 }, { headers: { 'X-Padding': 'x'.repeat(MAX_HEADER_BYTES) } });
  assert.equal(r.status, 431);
  assert.equal(h.stopCalls, 0);
});

test('in warmup every call, even an unknown one, is answered RPC_IN_WARMUP with the status text, until the warmup ends', async (t) => {
  const h = await new RpcHarness().start({ warmupStatus: 'Loading P2P addresses…' });
  t.after(() => h.stop());
  assert.ok(h.rpc.inWarmup);
  for (const method of ['getconnectioncount', 'stop', 'nosuchmethod']) {
    const r = await h.post({ method, params: [], id: 1 });
    assert.equal(r.status, 500);
    assert.deepEqual(r.json, { result: null, error: { code: -28, message: 'Loading P2P addresses…' }, id: 1 }, method);
  }
  assert.equal(h.stopCalls, 0, 'stop did not run during warmup');
  h.rpc.setWarmupFinished();
  assert.deepEqual(await h.call('getconnectioncount'), { result: 0, error: null, id: 1 });
});
