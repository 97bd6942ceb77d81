/**
 * The operator surface of a peer-set node: peerDetails with keys and roles, the Prometheus series next
 * to the connection manager's, and the dashboard's peer-set panel (JSON, and rendered in Chromium).
 */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createDashboardHandler } from '../../src/dashboard/handler.js';
import { startOperatorHttpServer, type OperatorHttpServer } from '../../src/dashboard/server.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createPeerSetMetrics, PEERSET_METRIC_NAMES } from '../../src/peerset/metrics.js';
import type { PeerSetNode } from '../../src/peerset/node.js';
import { launchBrowser, requireChromium } from '../support/browser.js';
import { NodeNet } from './node-harness.js';

const OPERATOR_TEST = { timeout: 60_000 };

interface Scene {
  net: NodeNet;
  a: PeerSetNode;
  b: PeerSetNode;
  c: PeerSetNode;
  server: OperatorHttpServer;
}

let scene: Promise<Scene> | undefined;

/** a tracks {a, b (primary), c (primary, offline: never started)} and {s (secondary)}; b is connected. */
function load(): Promise<Scene> {
  scene ??= (async () => {
    const net = new NodeNet();
    const [a, b] = [await net.add(1), await net.add(2)];
    const c = await net.add(3);
    const cAddress = c.listenAddress!.toString();
    await c.stop(); // c's address is known but nobody answers there
    a.track(1, { ...net.addresses(a, b), [c.publicKey]: cAddress });
    a.track(2, { primary: net.addresses(a, b), secondary: { ['5e'.repeat(32)]: '127.0.0.50:1' } });
    b.track(2, net.addresses(a, b));
    a.block('bb'.repeat(32), 60_000);
    await net.until('a and b connected', () => a.isConnected(b.publicKey) && b.isConnected(a.publicKey));
    const registry = new Registry();
    const metrics = createMetrics(a.manager, { registry });
    createPeerSetMetrics(a.metricsSource(), registry);
    const dashboard = createDashboardHandler(a.manager, { peerSets: () => a.peerSetsDocument() });
    const server = await startOperatorHttpServer({ metrics, dashboard });
    return { net, a, b, c, server };
  })();
  return scene;
}

after(async () => {
  if (!scene) return;
  const { net, server } = await scene;
  await server.stop();
  await net.stopAll();
});

test('peerDetails lists each connection with its key, role and set counts', OPERATOR_TEST, async () => {
  const { a, b } = await load();
  const details = a.peerDetails();
  assert.equal(details.length, 1);
  assert.equal(details[0].key, b.publicKey);
  assert.equal(details[0].role, 'primary');
  assert.equal(details[0].primarySets, 2);
  assert.equal(details[0].connType === 'manual' || details[0].connType === 'inbound', true);
  const tracked = a.trackedPeers().map((p) => [p.role, p.status]);
  assert.deepEqual(tracked.filter(([, s]) => s === 'connected').length, 1);
  assert.ok(tracked.some(([r]) => r === 'secondary'));
});

test('the peer-set series report sets, roles, connected primaries, blocks and handshakes', OPERATOR_TEST, async () => {
  const { server } = await load();
  const text = await (await fetch(`${server.url}/metrics`)).text();
  for (const name of PEERSET_METRIC_NAMES) assert.ok(text.includes(`# TYPE ${name} `), `${name} is exposed`);
  const value = (series: string): number => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
  assert.equal(value('peerbook_peerset_sets'), 2);
  assert.equal(value('peerbook_peerset_active_set_id'), 2);
  assert.equal(value('peerbook_peerset_peers{role="primary"}'), 3);
  assert.equal(value('peerbook_peerset_peers{role="secondary"}'), 1);
  assert.equal(value('peerbook_peerset_primaries{state="connected"}'), 1);
  assert.equal(value('peerbook_peerset_primaries{state="not_connected"}'), 1);
  assert.equal(value('peerbook_peerset_blocked_keys'), 1);
  assert.ok(value('peerbook_peerset_handshakes_total{role="initiator"}') + value('peerbook_peerset_handshakes_total{role="responder"}') >= 1);
  assert.ok(value('peerbook_peerset_dials_total{result="failed"}') >= 1, 'the dial of the offline peer failed');
  assert.ok(text.includes('peerbook_peers{'), 'the connection manager\'s own series are there too');
});

test('the dashboard serves the peer-set document: sets newest first, which primaries are connected', OPERATOR_TEST, async () => {
  const { server, a, b, c } = await load();
  const doc = await (await fetch(`${server.url}/api/peersets`)).json() as ReturnType<PeerSetNode['peerSetsDocument']>;
  assert.equal(doc.self, a.publicKey);
  assert.equal(doc.active_id, 2);
  assert.deepEqual(doc.sets.map((s) => s.id), [2, 1]);
  assert.deepEqual(doc.sets[1].primary.map((p) => [p.key, p.connected]).sort(), [[b.publicKey, true], [c.publicKey, false]].sort());
  assert.equal(doc.sets[0].secondary, 1);
  assert.equal(doc.sets[0].connected_primaries, 1);
  assert.equal(doc.blocked, 1);
});

test('a dashboard without a peer-set source answers null for the peer-set document', OPERATOR_TEST, async () => {
  const { a } = await load();
  const server = await startOperatorHttpServer({ dashboard: createDashboardHandler(a.manager) });
  try {
    const r = await fetch(`${server.url}/api/peersets`);
    assert.equal(r.status, 200);
    assert.equal(await r.json(), null);
  } finally {
    await server.stop();
  }
});

test('the dashboard page shows the peer-set panel with each set\'s connected primaries', { timeout: 90_000 }, async (t: TestContext) => {
  if (!requireChromium(t)) return;
  const { server, b, c } = await load();
  const browser = await launchBrowser(1400, 1000);
  try {
    const { page } = browser;
    await page.goto(`${server.url}/`);
    await page.waitForFunction("document.querySelectorAll('#peersets-sets tr').length === 3", undefined, { timeout: 20_000 });
    assert.equal(await page.locator('#peersets-panel').isVisible(), true);
    const rows = await page.locator('#peersets-sets tr').allTextContents();
    assert.match(rows[1], /^2\s*1 \/ 1\s*1/);
    assert.match(rows[2], /^1\s*1 \/ 2\s*0/);
    assert.ok(rows[2].includes(`\u25CF ${b.publicKey.slice(0, 12)}`), 'b shown connected');
    assert.ok(rows[2].includes(`\u25CB ${c.publicKey.slice(0, 12)}`), 'c shown not connected');
    assert.equal((await page.locator('#peersets-peers tr').count()), 1 + 3);
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});
