/**
 * The real `peerbook crawl` binary against a real TCP network of Peerbook nodes — inside a
 * loopback-only network namespace, so nothing can be dialed outside this machine (see
 * test/support/netns.ts). The script netns-network.ts builds the network and runs the CLI; this file
 * checks what came out — and renders the HTML report of the full crawl in headless Chromium (outside
 * the namespace; the page is a local file that loads nothing). Takes about 10 s of wall time (nodes
 * answer getaddr within a second; the failing addresses time out after 2 s; the interrupted crawl is
 * stopped after 1.5 s), plus a few seconds for the browser.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CrawlNodeRecord, CrawlReport } from '../../src/crawl/record.js';
import { colourNear, launchBrowser, requireChromium, rgb, screenshot } from '../support/browser.js';
import { netnsSetupScript, requireNetns, runInNetns } from '../support/netns.js';
import { makeTempDir } from '../support/tmp.js';
import type { NetnsCrawlResults } from './netns-network.js';
import { BLACKHOLE_ROUTE, CHAIN, EXPECTED_AS_NODES, EXPECTED_FAILURES, KNOWS, LOCAL_IPS, PORT, SILENT } from './netns-scenario.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'netns-network.js');

let results: Promise<NetnsCrawlResults> | undefined;
let workDir: string | undefined;
after(async () => { if (workDir) await rm(workDir, { recursive: true, force: true }); });

/** Runs the namespaced script once (in a work directory kept until the last test) and shares its results. */
function crawlResults(): Promise<NetnsCrawlResults> {
  results ??= makeTempDir('crawl-netns').then((dir) => {
    workDir = dir;
    return runInNetns({ ips: LOCAL_IPS, silentRoutes: [BLACKHOLE_ROUTE], script: SCRIPT, args: [dir], timeoutMs: 150_000 });
  }).then((r) => {
    assert.equal(r.timedOut, false, `the namespaced run timed out\n${r.stderr}`);
    assert.equal(r.code, 0, `the namespaced run failed (${r.code ?? r.signal})\n${r.stderr}`);
    return JSON.parse(r.stdout) as NetnsCrawlResults;
  });
  return results;
}

function nodesOf(report: unknown): Map<string, CrawlNodeRecord> {
  return new Map((report as CrawlReport).nodes.map((n) => [n.address, n]));
}

test('the namespace setup only adds loopback addresses and routes, and rejects anything else', () => {
  assert.equal(netnsSetupScript(['20.0.0.1'], ['20.0.2.0/24']),
    'set -e\nip link set lo up\nip addr add 20.0.0.1/32 dev lo\nip route add 20.0.2.0/24 dev lo\nexec "$@"');
  assert.throws(() => netnsSetupScript(['20.0.0.1; reboot']), RangeError);
  assert.throws(() => netnsSetupScript([], ['20.0.2.0/24 via 10.0.0.1']), RangeError);
});

test('a crawl from one seed finds every node of the chain, reachable with Peerbook\'s user agent and version 70016', async (t) => {
  if (!requireNetns(t)) return;
  const r = await crawlResults();
  for (const ip of CHAIN) assert.equal(r.tableSizes[ip], KNOWS[ip].length, `${ip}'s table holds what it was given`);
  assert.equal(r.full.code, 0, r.full.stderr);
  const nodes = nodesOf(r.full.report);
  for (const ip of CHAIN) {
    const n = nodes.get(`${ip}:${PORT}`);
    assert.ok(n, `${ip} was not tried\n${r.full.stdout}`);
    assert.equal(n.reachable, true, `${ip}: ${n.error}`);
    assert.equal(n.userAgent, '/Peerbook:0.1.0/');
    assert.equal(n.protocolVersion, 70016);
    assert.equal(n.services, '0000000000000809', 'NETWORK | WITNESS | P2P_V2: Peerbook advertises BIP324 by default');
    assert.deepEqual(n.servicesNames, ['NETWORK', 'WITNESS', 'P2P_V2']);
    assert.ok(n.latencyMs !== null && n.latencyMs >= 0 && n.latencyMs < 2_000, `latency ${n.latencyMs}`);
    assert.ok(n.addressesReceived > 1, 'each node answered getaddr');
  }
});

test('addresses that do not exist are listed as unreachable, each with its reason', async (t) => {
  if (!requireNetns(t)) return;
  const r = await crawlResults();
  const nodes = nodesOf(r.full.report);
  for (const [ip, code] of Object.entries(EXPECTED_FAILURES)) {
    const n = nodes.get(`${ip}:${PORT}`);
    assert.ok(n, `${ip} was not tried`);
    assert.equal(n.reachable, false);
    assert.equal(n.errorCode, code, `${ip}: ${n.error}`);
    assert.equal(n.userAgent, null);
  }
  assert.equal(nodes.size, CHAIN.length + Object.keys(EXPECTED_FAILURES).length, 'nothing else was tried');
});

test('crawl.json has the documented fields and the summary table states the counts', async (t) => {
  if (!requireNetns(t)) return;
  const r = await crawlResults();
  const report = r.full.report as CrawlReport;
  assert.deepEqual(Object.keys(report), ['network', 'magic', 'startedAt', 'finishedAt', 'stoppedBy', 'seedErrors', 'stats', 'nodes']);
  assert.equal(report.network, 'regtest');
  assert.equal(report.stoppedBy, 'queue-empty');
  assert.ok(Date.parse(report.finishedAt) >= Date.parse(report.startedAt));
  assert.deepEqual(Object.keys(report.nodes[0]), [
    'address', 'network', 'reachable', 'source', 'triedAt', 'latencyMs', 'protocolVersion', 'userAgent', 'services',
    'servicesNames', 'startHeight', 'relay', 'addressesReceived', 'newAddresses', 'error', 'errorCode',
  ]);
  assert.match(r.full.stdout, /^Crawl of regtest: 12 tried, 8 reachable, 4 unreachable, 0 not tried/m);
  assert.match(r.full.stdout, /^ipv4\s+8\s+4\s+12$/m);
  assert.match(r.full.stdout, /^total\s+8\s+4\s+12$/m);
  assert.match(r.full.stdout, /^\/Peerbook:0\.1\.0\/\s+8$/m);
  assert.match(r.full.stdout, /^70016\s+8$/m);
  assert.match(r.full.stdout, /^NETWORK\s+8$/m);
  assert.match(r.full.stderr, /^crawl: 12 tried \(8 reachable, 4 unreachable\), 0 in flight, 0 queued, \d+ s$/m);
  assert.match(r.full.stderr, /wrote .*crawl\.json \(12 nodes\)/);
  assert.match(r.full.stderr, /wrote .*crawl\.html \(report with charts; open it in a browser\)/);
  assert.ok(!r.full.stderr.includes('\r'), 'progress as plain lines: the CLI\'s stderr is a pipe here, not a terminal');
});

test('the HTML report renders in headless Chromium with every chart, the counts of crawl.json, nodes by AS and nothing fetched', { timeout: 120_000 }, async (t) => {
  if (!requireNetns(t) || !requireChromium(t)) return;
  const r = await crawlResults();
  assert.ok(r.full.htmlPath, 'crawl.html was written');
  const report = r.full.report as CrawlReport;
  const browser = await launchBrowser(1100, 900);
  try {
    const { page } = browser;
    const url = pathToFileURL(r.full.htmlPath).href;
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(url);
    assert.deepEqual(requests, [url], 'the page loads nothing but itself');
    assert.equal(await page.title(), 'Crawl of regtest');
    const stat = (name: string): Promise<string | null> => page.locator(`.card[data-stat="${name}"] b`).textContent();
    assert.deepEqual([await stat('tried'), await stat('reachable'), await stat('unreachable')],
      [String(report.stats.tried), String(report.stats.reachable), String(report.stats.unreachable)]);
    const charts = ['timeline', 'networks', 'versions', 'user-agents', 'services', 'ports', 'as', 'concentration', 'top-prefix', 'top-as', 'errors'];
    for (const c of charts) {
      const box = await page.locator(`svg#chart-${c}`).boundingBox();
      assert.ok(box && box.width > 300 && box.height > 60, `chart-${c} is drawn (${JSON.stringify(box)})`);
      assert.equal(await page.locator(`svg#chart-${c}`).getAttribute('role'), 'img');
      assert.ok((await page.locator(`svg#chart-${c} > title`).textContent())!.length > 5, `chart-${c} has an accessible name`);
    }
    // Nodes by network, and by AS: the bars carry the counts of crawl.json.
    const bars = (chart: string): Promise<Array<{ cat: string; series: string; value: number; fill: string; x: number; y: number; w: number; h: number }>> =>
      page.$$eval(`svg#chart-${chart} [data-bars] rect`, (rs) => rs.map((el) => {
        const b = el.getBoundingClientRect();
        return { cat: el.getAttribute('data-category')!, series: el.getAttribute('data-series')!, value: Number(el.getAttribute('data-value')), fill: el.getAttribute('fill')!, x: b.x, y: b.y, w: b.width, h: b.height };
      }));
    const nets = await bars('networks');
    assert.deepEqual(nets.map((b) => [b.cat, b.series, b.value]), [['ipv4', 'reachable', 8], ['ipv4', 'unreachable', 4]]);
    const ases = await bars('as');
    assert.deepEqual(ases.map((b) => [b.cat, b.value]), EXPECTED_AS_NODES);
    assert.deepEqual((await bars('top-prefix')).map((b) => [b.cat, b.value]), [['20.0.0.0/16', 100]]);
    assert.match(await page.locator('#concentration-as').textContent() ?? '', /^8 reachable nodes in 3 ASes\. The largest AS \(AS65002\) holds 50%/);
    assert.deepEqual((await bars('errors')).map((b) => b.cat).sort(), Object.values(EXPECTED_FAILURES).sort());
    // The bars are on screen where the layout puts them, in their colours; the charts fit the page.
    const img = await screenshot(page, 'crawl-report');
    for (const b of [...nets, ...ases]) {
      assert.ok(colourNear(img, b.x + b.w / 2, b.y + b.h / 2, rgb(b.fill), 0, 12), `${b.cat} ${b.series}: the bar is drawn`);
    }
    assert.ok(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number }).document.documentElement.scrollWidth <=
      (globalThis as unknown as { innerWidth: number }).innerWidth), 'nothing wider than the window');
    assert.deepEqual(browser.problems, [], 'no CSP violation or error');
  } finally {
    await browser.close();
  }
});

test('SIGINT stops the crawl at once, writes what it has and exits 0', async (t) => {
  if (!requireNetns(t)) return;
  const r = await crawlResults();
  const i = r.interrupted;
  assert.equal(i.code, 0, i.stderr);
  assert.ok(i.exitAfterSigintMs !== undefined && i.exitAfterSigintMs >= 0 && i.exitAfterSigintMs < 5_000,
    `exited ${i.exitAfterSigintMs} ms after SIGINT (the silent node's 30 s timeout was not waited for)`);
  const report = i.report as CrawlReport;
  assert.equal(report.stoppedBy, 'interrupted');
  const nodes = nodesOf(report);
  assert.equal(nodes.get(`${CHAIN[0]}:${PORT}`)?.reachable, true);
  assert.equal(nodes.has(`${SILENT}:${PORT}`), false, 'an attempt cut short is not recorded');
  assert.ok(report.stats.notTried >= 1);
  assert.match(i.stderr, /interrupted; writing what the crawl has so far/);
  assert.match(i.stdout, /stopped: interrupted/);
});

test('a bad flag prints one line on stderr and exits 2', async (t) => {
  if (!requireNetns(t)) return;
  const r = await crawlResults();
  assert.equal(r.badFlag.code, 2);
  assert.equal(r.badFlag.stdout, '');
  assert.equal(r.badFlag.stderr, 'peerbook: --concurrency "0" must be an integer in [1, 512]\n');
});
