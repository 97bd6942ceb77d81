import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createDashboardHandler } from '../../src/dashboard/handler.js';
import { DASHBOARD_HTML } from '../../src/dashboard/page.js';
import { isLoopbackHost, MAX_OPERATOR_CONNECTIONS, startOperatorHttpServer } from '../../src/dashboard/server.js';
import { MAX_PATH_LENGTH } from '../../src/dashboard/handler.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Sim } from '../../src/sim/network.js';
import { httpRequest } from './http-client.js';
import { parseExposition } from '../metrics/exposition.js';

async function oneNode(): Promise<{ sim: Sim; me: ReturnType<Sim['node']> }> {
  const sim = new Sim();
  const me = sim.node('34.0.0.1');
  await sim.startAll();
  return { sim, me };
}

test('/metrics and the dashboard are served on one port, bound to 127.0.0.1 by default', async () => {
  const { sim, me } = await oneNode();
  const server = await startOperatorHttpServer({ metrics: createMetrics(me), dashboard: createDashboardHandler(me) });
  try {
    assert.equal(server.address.addr.toString(), '127.0.0.1');
    assert.ok(server.address.port > 0);
    const metrics = await httpRequest(`${server.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(parseExposition(metrics.body).value('peerbook_network_active'), 1);
    const page = await httpRequest(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.body, DASHBOARD_HTML);
    const summary = await httpRequest(`${server.url}/api/summary?x=1`);
    assert.equal(summary.status, 200);
    assert.equal(JSON.parse(summary.body).chain, 'regtest');
    assert.equal(summary.headers['cache-control'], 'no-store');
    assert.equal(summary.headers['x-content-type-options'], 'nosniff');
  } finally {
    await server.stop();
    await sim.stopAll();
  }
});

test('only GET and HEAD are answered, and HEAD gets the headers without a body', async () => {
  const { sim, me } = await oneNode();
  const server = await startOperatorHttpServer({ metrics: createMetrics(me), dashboard: createDashboardHandler(me) });
  try {
    for (const path of ['/metrics', '/api/peers', '/']) {
      const post = await httpRequest(`${server.url}${path}`, { method: 'POST' });
      assert.equal(post.status, 405, path);
      assert.equal(post.headers.allow, 'GET, HEAD');
    }
    const head = await httpRequest(`${server.url}/api/peers`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], '2'); // "[]"
  } finally {
    await server.stop();
    await sim.stopAll();
  }
});

test('a request naming a non-loopback Host is refused while bound to loopback (DNS rebinding)', async () => {
  const { sim, me } = await oneNode();
  const server = await startOperatorHttpServer({ metrics: createMetrics(me), dashboard: createDashboardHandler(me) });
  try {
    const evil = await httpRequest(`${server.url}/api/peers`, { headers: { host: `attacker.example:${server.address.port}` } });
    assert.equal(evil.status, 403);
    assert.equal((await httpRequest(`${server.url}/metrics`, { headers: { host: 'attacker.example' } })).status, 403);
    assert.equal((await httpRequest(`${server.url}/api/peers`, { headers: { host: `localhost:${server.address.port}` } })).status, 200);
  } finally {
    await server.stop();
    await sim.stopAll();
  }
});

test('loopback Host headers are recognised by name, IPv4 and bracketed IPv6, with or without a port', () => {
  for (const h of ['localhost', 'localhost:8080', '127.0.0.1:9332', '127.1.2.3', '[::1]:9332', '[::1]', 'app.localhost:1']) assert.ok(isLoopbackHost(h), h);
  for (const h of [undefined, '', 'example.com', '10.0.0.1:9332', '[2001:db8::1]:80', 'localhost.example.com', '127.0.0.1.nip.io']) assert.ok(!isLoopbackHost(h), String(h));
});

test('unknown paths are 404 and overlong paths 414', async () => {
  const { sim, me } = await oneNode();
  const server = await startOperatorHttpServer({ dashboard: createDashboardHandler(me) });
  try {
    assert.equal((await httpRequest(`${server.url}/api/nothing`)).status, 404);
    assert.equal((await httpRequest(`${server.url}/metrics`)).status, 404, 'no metrics endpoint configured');
    assert.equal((await httpRequest(`${server.url}/api/peers?${'a'.repeat(MAX_PATH_LENGTH)}`)).status, 414);
  } finally {
    await server.stop();
    await sim.stopAll();
  }
});

test('the page loads nothing from elsewhere and its CSP admits exactly its inline script and style', async () => {
  const { sim, me } = await oneNode();
  const server = await startOperatorHttpServer({ dashboard: createDashboardHandler(me) });
  try {
    const page = await httpRequest(`${server.url}/`);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    assert.doesNotMatch(page.body, /\b(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no external resource');
    const script = /<script>([\s\S]*)<\/script>/.exec(page.body)![1];
    const style = /<style>([\s\S]*)<\/style>/.exec(page.body)![1];
    const hash = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');
    assert.ok(csp.includes(`script-src 'sha256-${hash(script)}'`), 'script hash');
    assert.ok(csp.includes(`style-src 'sha256-${hash(style)}'`), 'style hash');
  } finally {
    await server.stop();
    await sim.stopAll();
  }
});

test('stop() closes idle keep-alive connections and frees the port, and is idempotent', async () => {
  const { sim, me } = await oneNode();
  const server = await startOperatorHttpServer({ metrics: createMetrics(me) });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const r = await httpRequest(`${server.url}/metrics`, { agent });
  assert.equal(r.status, 200);
  const idle = Object.values(agent.freeSockets).flat();
  assert.equal(idle.length, 1, 'the client keeps the connection open');
  idle[0]!.ref(); // the agent unrefs idle sockets; keep the event loop alive until the server closes it
  const closed = new Promise<void>((resolve) => idle[0]!.once('close', () => resolve()));
  await Promise.all([server.stop(), server.stop()]);
  await closed;
  await assert.rejects(new Promise((resolve, reject) => {
    const s = connect(server.address.port, '127.0.0.1', () => { s.destroy(); resolve(undefined); });
    s.once('error', reject);
  }), { code: 'ECONNREFUSED' });
  agent.destroy();
  await sim.stopAll();
});

test('connections beyond MAX_OPERATOR_CONNECTIONS are dropped while the first ones are served', async () => {
  const { sim, me } = await oneNode();
  const server = await startOperatorHttpServer({ metrics: createMetrics(me) });
  const extra = 8;
  const closed = new Set<Socket>();
  let eightClosed!: () => void;
  const allExtraClosed = new Promise<void>((resolve) => { eightClosed = resolve; });
  const sockets = await Promise.all(Array.from({ length: MAX_OPERATOR_CONNECTIONS + extra }, () => new Promise<Socket>((resolve) => {
    const s = connect(server.address.port, '127.0.0.1', () => resolve(s));
    s.on('error', () => {});
    s.once('close', () => {
      closed.add(s);
      if (closed.size === extra) eightClosed();
    });
  })));
  await allExtraClosed;
  const open = sockets.find((s) => !closed.has(s))!;
  const response = await new Promise<string>((resolve) => {
    let text = '';
    open.on('data', (d: Buffer) => { text += d.toString('utf8'); });
    open.once('end', () => resolve(text));
    open.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  });
  assert.match(response, /^HTTP\/1\.1 200 /);
  assert.equal(closed.size, extra, 'only the surplus connections were dropped');
  for (const s of sockets) s.destroy();
  await server.stop();
  await sim.stopAll();
});

test('a port already in use is reported as an OperatorHttpError naming the address', async () => {
  const first = await startOperatorHttpServer({});
  try {
    await assert.rejects(startOperatorHttpServer({ port: first.address.port }),
      (e: Error & { code?: string }) => e.code === 'ERR_OPERATOR_HTTP' && e.message.includes(`127.0.0.1:${first.address.port}`) && /EADDRINUSE/.test(e.message));
  } finally {
    await first.stop();
  }
});

test('a failing scrape answers 500 and the server keeps serving', async () => {
  let fail = true;
  const server = await startOperatorHttpServer({
    metrics: { scrape: async () => { if (fail) throw new Error('registry broke'); return { contentType: 'text/plain', body: 'ok\n' }; } },
  });
  try {
    const r = await httpRequest(`${server.url}/metrics`);
    assert.equal(r.status, 500);
    assert.match(r.body, /registry broke/);
    fail = false;
    assert.equal((await httpRequest(`${server.url}/metrics`)).body, 'ok\n');
  } finally {
    await server.stop();
  }
});

test('the server starts the dashboard\'s traffic sampler and stops it on shutdown', async () => {
  const { sim, me } = await oneNode();
  const dashboard = createDashboardHandler(me);
  assert.equal(dashboard.traffic.running, false);
  const server = await startOperatorHttpServer({ dashboard });
  assert.equal(dashboard.traffic.running, true);
  await server.stop();
  assert.equal(dashboard.traffic.running, false);
  await sim.stopAll();
});
