import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BucketFill } from '../../src/dashboard/api.js';
import { createDashboardHandler } from '../../src/dashboard/handler.js';
import { startOperatorHttpServer } from '../../src/dashboard/server.js';
import { TRAFFIC_SAMPLE_INTERVAL_MS } from '../../src/dashboard/traffic.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { artifactDir, tempDirFor } from '../support/tmp.js';
import { FULL_NODE, svc } from '../connman/harness.js';
import { getJson } from './http-client.js';
import { decodePng, regionStats } from './png.js';
import { HOSTILE_USER_AGENT, startScenario } from './scenario.js';

// The page functions below run in the browser; the test's tsconfig has no DOM library, so declare the little they use.
declare const document: {
  getElementById(id: string): { dataset: Record<string, string | undefined>; width: number; height: number;
    getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } | null;
  querySelectorAll(selector: string): { length: number };
};

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
/** Samples of traffic generated before the page opens. */
const TRAFFIC_SAMPLES = 24;
/** The heatmap's colour for an empty bucket (page.ts fillColor). */
const EMPTY_BUCKET_RGB = [0x1d, 0x23, 0x2b];

test('the dashboard shows a live simulated network in headless Chromium: peer table, counts, heatmaps and traffic', { timeout: 60_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.PEERBOOK_SKIP_BROWSER === '1') {
      t.skip(`${CHROMIUM} is missing and PEERBOOK_SKIP_BROWSER=1`);
      return;
    }
    assert.fail(`${CHROMIUM} is missing: install the Debian package chromium (scripts/install-test-deps.sh as root), or set PEERBOOK_SKIP_BROWSER=1 to skip this test`);
  }
  const { sim, me, peers, remotes } = await startScenario();
  const dashboard = createDashboardHandler(me, { historyLimit: 60 });
  const server = await startOperatorHttpServer({ metrics: createMetrics(me), dashboard });
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    // Traffic: pings both ways, plus gossip towards us in every other interval so the two lines differ.
    const gossip = remotes[0];
    for (let i = 0; i < TRAFFIC_SAMPLES; i++) {
      me.pingAll();
      if (i % 2 === 0) {
        const addresses = Array.from({ length: 10 + i }, (_, k) => ({ service: svc(`77.${i}.${k}.1`), services: FULL_NODE, time: sim.clock.nowSeconds() - 60 }));
        gossip.send(gossip.peers()[0].id, { type: 'addr', addresses });
      }
      await sim.run(TRAFFIC_SAMPLE_INTERVAL_MS, 1_000);
    }
    const profile = await tempDirFor(t, 'chromium-profile');
    const shotDir = await artifactDir('dashboard-screenshot');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1,
      // Chromium keeps caches and settings under HOME; give it the throw-away profile directory instead.
      env: { ...process.env, HOME: profile },
    });
    const page = context.pages()[0] ?? await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    await page.goto(`${server.url}/`);
    await page.waitForFunction((n) => {
      const drawn = (id: string): number => Number(document.getElementById(id)?.dataset.drawn ?? 0);
      return document.querySelectorAll('#peers-body tr').length === n && drawn('heat-new') > 0 && drawn('heat-tried') > 0 && drawn('traffic') > 1;
    }, peers.length, { timeout: 15_000 });

    // The peer table, cell by cell.
    const rows = await page.$$eval('#peers-body tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.equal(rows.length, peers.length);
    for (const p of peers) {
      const row = rows.find((r) => r[1].startsWith(`${p.ip}:`));
      assert.ok(row, `row for ${p.ip}`);
      assert.equal(row[2], 'ipv4');
      assert.equal(row[3], p.type);
      assert.equal(row[4], p.type === 'inbound' ? 'in' : 'out');
      assert.equal(row[5], p.userAgent, 'user agent shown verbatim, as text');
      assert.match(row[7], /^\d+(\.\d)? (B|kB|MB)$/, 'bytes in');
      assert.match(row[9], /^2m \d+s$/, 'connected for about two minutes of virtual time');
    }
    assert.ok(rows.some((r) => r[5] === HOSTILE_USER_AGENT));
    assert.equal(await page.locator('#peers img').count(), 0, 'peer text is never parsed as HTML');
    assert.equal(await page.title(), 'Peerbook dashboard');

    // Connections by type and network.
    const conns = await page.$$eval('#conns tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
    const header = conns[0];
    const ipv4 = header.indexOf('ipv4');
    assert.ok(ipv4 > 0);
    assert.equal(conns.find((r) => r[0] === 'inbound')![ipv4], '3');
    assert.equal(conns.find((r) => r[0] === 'block-relay-only')![ipv4], '1');
    assert.equal(conns.find((r) => r[0] === 'all')!.at(-1), '5');

    // The heatmaps: every bucket cell painted, non-empty exactly where the API says the bucket is used.
    const fill = await getJson<BucketFill>(`${server.url}/api/addrman/buckets`);
    for (const [id, counts, cols] of [['heat-new', fill.new, 64], ['heat-tried', fill.tried, 32]] as const) {
      const painted = await page.evaluate(([canvasId, columns, empty]) => {
        const c = document.getElementById(canvasId)!;
        const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const cells: boolean[] = [];
        for (let y = 4; y < c.height; y += 8) {
          for (let x = 4; x < columns * 8; x += 8) {
            const i = (y * c.width + x) * 4;
            cells.push(!(px[i] === empty[0] && px[i + 1] === empty[1] && px[i + 2] === empty[2]) && px[i + 3] === 255);
          }
        }
        return cells;
      }, [id, cols, EMPTY_BUCKET_RGB] as const);
      assert.equal(painted.length, counts.length, `${id}: one cell per bucket`);
      assert.deepEqual(painted, counts.map((n) => n > 0), `${id}: painted cells match the used buckets`);
      assert.ok(counts.some((n) => n > 0));
    }

    // The traffic chart has as many points as samples.
    assert.equal(await page.locator('#traffic').getAttribute('data-drawn'), String(TRAFFIC_SAMPLES));

    // The screenshot renders data: colourful heatmap cells and both traffic lines.
    const shot = path.join(shotDir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`dashboard screenshot: ${shot}`);
    console.log(`dashboard screenshot: ${shot}`);
    const img = decodePng(await readFile(shot));
    const box = async (sel: string): Promise<{ x: number; y: number; width: number; height: number }> => (await page.locator(sel).boundingBox())!;
    const saturated = (r: number, g: number, b: number): boolean => Math.max(r, g, b) - Math.min(r, g, b) > 60;
    const heat = regionStats(img, await box('#heat-new'), saturated);
    const usedNew = fill.new.filter((n) => n > 0).length;
    assert.ok(heat.interesting >= usedNew * 30, `heatmap: ${heat.interesting} coloured pixels for ${usedNew} used buckets`);
    assert.ok(heat.colours >= 3, `heatmap: ${heat.colours} colours`);
    const near = (rgb: readonly number[]) => (r: number, g: number, b: number): boolean =>
      Math.abs(r - rgb[0]) + Math.abs(g - rgb[1]) + Math.abs(b - rgb[2]) < 90;
    const trafficBox = await box('#traffic');
    const recvLine = regionStats(img, trafficBox, near([0x4b, 0xb3, 0xf0]));
    const sentLine = regionStats(img, trafficBox, near([0xf0, 0xa0, 0x4b]));
    assert.ok(recvLine.interesting > 200 && sentLine.interesting > 200, `traffic lines: ${recvLine.interesting} received, ${sentLine.interesting} sent pixels`);
    const table = regionStats(img, await box('#peers'), (r, g, b) => r + g + b > 500);
    assert.ok(table.interesting > 500, `peer table text: ${table.interesting} bright pixels`);

    assert.deepEqual(problems, [], 'no script errors and no CSP violations');
  } finally {
    await context?.close();
    await server.stop();
    await sim.stopAll();
  }
});
