/**
 * The real `peerbook crawl` binary against a real TCP network of Peerbook nodes — inside a
 * loopback-only network namespace, so nothing can be dialed outside this machine (see
 * test/support/netns.ts). The script netns-network.ts builds the network and runs the CLI; this file
 * checks what came out. Takes about 10 s of wall time (nodes answer getaddr within a second; the
 * failing addresses time out after 2 s; the interrupted crawl is stopped after 1.5 s).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrawlNodeRecord, CrawlReport } from '../../src/crawl/record.js';
import { netnsSetupScript, requireNetns, runInNetns } from '../support/netns.js';
import { tempDirFor } from '../support/tmp.js';
import type { NetnsCrawlResults } from './netns-network.js';
import { BLACKHOLE_ROUTE, CHAIN, EXPECTED_FAILURES, KNOWS, LOCAL_IPS, PORT, SILENT } from './netns-scenario.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'netns-network.js');

let results: Promise<NetnsCrawlResults> | undefined;

/** Runs the namespaced script once and shares its results between the tests below. */
function crawlResults(dir: string): Promise<NetnsCrawlResults> {
  results ??= runInNetns({ ips: LOCAL_IPS, silentRoutes: [BLACKHOLE_ROUTE], script: SCRIPT, args: [dir], timeoutMs: 150_000 })
    .then((r) => {
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
  const r = await crawlResults(await tempDirFor(t, 'crawl-netns'));
  for (const ip of CHAIN) assert.equal(r.tableSizes[ip], KNOWS[ip].length, `${ip}'s table holds what it was given`);
  assert.equal(r.full.code, 0, r.full.stderr);
  const nodes = nodesOf(r.full.report);
  for (const ip of CHAIN) {
    const n = nodes.get(`${ip}:${PORT}`);
    assert.ok(n, `${ip} was not tried\n${r.full.stdout}`);
    assert.equal(n.reachable, true, `${ip}: ${n.error}`);
    assert.equal(n.userAgent, '/Peerbook:0.1.0/');
    assert.equal(n.protocolVersion, 70016);
    assert.equal(n.services, '0000000000000009');
    assert.deepEqual(n.servicesNames, ['NETWORK', 'WITNESS']);
    assert.ok(n.latencyMs !== null && n.latencyMs >= 0 && n.latencyMs < 2_000, `latency ${n.latencyMs}`);
    assert.ok(n.addressesReceived > 1, 'each node answered getaddr');
  }
});

test('addresses that do not exist are listed as unreachable, each with its reason', async (t) => {
  if (!requireNetns(t)) return;
  const r = await crawlResults(await tempDirFor(t, 'crawl-netns'));
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
  const r = await crawlResults(await tempDirFor(t, 'crawl-netns'));
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
});

test('SIGINT stops the crawl at once, writes what it has and exits 0', async (t) => {
  if (!requireNetns(t)) return;
  const r = await crawlResults(await tempDirFor(t, 'crawl-netns'));
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
  const r = await crawlResults(await tempDirFor(t, 'crawl-netns'));
  assert.equal(r.badFlag.code, 2);
  assert.equal(r.badFlag.stdout, '');
  assert.equal(r.badFlag.stderr, 'peerbook: --concurrency "0" must be an integer in [1, 512]\n');
});
