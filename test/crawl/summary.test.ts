/** What a person reads: the summary tables, the progress line and the layout of crawl.json. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CrawlNodeRecord, CrawlReport } from '../../src/crawl/record.js';
import {
  formatCrawlJson, formatCrawlSummary, formatProgress, renderTable, sanitizeForTerminal, summarizeCrawl, SUMMARY_TOP_N,
} from '../../src/crawl/summary.js';

function node(over: Partial<CrawlNodeRecord>): CrawlNodeRecord {
  return {
    address: '20.0.0.1:8333', network: 'ipv4', reachable: true, source: 'seed', triedAt: '2024-01-01T00:00:00.000Z',
    latencyMs: 10, protocolVersion: 70016, userAgent: '/Satoshi:27.0.0/', services: '0000000000000409',
    servicesNames: ['NETWORK', 'WITNESS', 'NETWORK_LIMITED'], startHeight: 1, relay: true, addressesReceived: 0,
    newAddresses: 0, error: null, errorCode: null, ...over,
  };
}

const down = (address: string, code: string, network: CrawlNodeRecord['network'] = 'ipv4'): CrawlNodeRecord => node({
  address, network, reachable: false, latencyMs: null, protocolVersion: null, userAgent: null, services: null,
  servicesNames: null, startHeight: null, relay: null, error: code.toLowerCase(), errorCode: code,
});

function report(nodes: CrawlNodeRecord[], over: Partial<CrawlReport> = {}): CrawlReport {
  const reachable = nodes.filter((n) => n.reachable).length;
  return {
    network: 'main', magic: 'f9beb4d9', startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:01:30.000Z',
    stoppedBy: 'queue-empty', seedErrors: [],
    stats: {
      tried: nodes.length, reachable, unreachable: nodes.length - reachable, known: nodes.length, notTried: 0,
      skipped: { duplicate: 0, unreachableNetwork: 0, unroutable: 0, badPort: 0, portsPerAddress: 0, cap: 0 },
    },
    nodes, ...over,
  };
}

const sample = [
  node({ address: '20.0.0.1:8333' }),
  node({ address: '20.0.0.2:8333', userAgent: '/Satoshi:26.0.0/', protocolVersion: 70016, servicesNames: ['NETWORK', 'WITNESS'] }),
  node({ address: '20.0.0.3:8333' }),
  node({ address: '[2001:470::1]:8333', network: 'ipv6', protocolVersion: 70015, servicesNames: [] }),
  down('20.0.0.4:8333', 'ERR_CONNECT_TIMEOUT'),
  down('20.0.0.5:8333', 'ERR_CONNECT_TIMEOUT'),
  down('[2001:470::2]:8333', 'ERR_CONNECT_REFUSED', 'ipv6'),
];

test('the summary counts reachable and unreachable nodes per network, in Core\'s network order', () => {
  assert.deepEqual(summarizeCrawl(sample).byNetwork, [
    { network: 'ipv4', reachable: 3, unreachable: 2 },
    { network: 'ipv6', reachable: 1, unreachable: 1 },
  ]);
});

test('user agents and versions are ranked by how many reachable nodes have them', () => {
  const s = summarizeCrawl(sample);
  assert.deepEqual(s.userAgents, [{ value: '/Satoshi:27.0.0/', count: 3 }, { value: '/Satoshi:26.0.0/', count: 1 }]);
  assert.deepEqual(s.versions, [{ value: 70016, count: 3 }, { value: 70015, count: 1 }]);
  assert.deepEqual(s.errors, [{ value: 'ERR_CONNECT_TIMEOUT', count: 2 }, { value: 'ERR_CONNECT_REFUSED', count: 1 }]);
});

test('service flags are counted per flag, and nodes advertising none as NONE', () => {
  assert.deepEqual(summarizeCrawl(sample).services, [
    { value: 'NETWORK', count: 3 }, { value: 'WITNESS', count: 3 }, { value: 'NETWORK_LIMITED', count: 2 }, { value: 'NONE', count: 1 },
  ]);
});

test('the printed summary has a per-network table with totals and the top tables', () => {
  const text = formatCrawlSummary(report(sample));
  assert.match(text, /^Crawl of main: 7 tried, 4 reachable, 3 unreachable, 0 not tried; 90\.0 s, stopped: no addresses left to try$/m);
  assert.match(text, /^Network\s+Reachable\s+Unreachable\s+Tried$/m);
  assert.match(text, /^ipv4\s+3\s+2\s+5$/m);
  assert.match(text, /^ipv6\s+1\s+1\s+2$/m);
  assert.match(text, /^total\s+4\s+3\s+7$/m);
  assert.match(text, /^\/Satoshi:27\.0\.0\/\s+3$/m);
  assert.match(text, /^70016\s+3$/m);
  assert.match(text, /^WITNESS\s+3$/m);
  assert.match(text, /^ERR_CONNECT_TIMEOUT\s+2$/m);
});

test(`only the top ${SUMMARY_TOP_N} user agents are listed; the rest are summed in one row`, () => {
  const many = Array.from({ length: SUMMARY_TOP_N + 3 }, (_, i) => node({ address: `20.0.1.${i}:8333`, userAgent: `/Agent:${i}/` }));
  const text = formatCrawlSummary(report(many));
  assert.match(text, /^\(3 other agents\)\s+3$/m);
  assert.equal((text.match(/\/Agent:\d+\//g) ?? []).length, SUMMARY_TOP_N);
});

test('user agents cannot smuggle terminal escape sequences into the summary', () => {
  const evil = node({ userAgent: '/x\u001b[2J\u001b]0;pwned\u0007:1/' });
  const text = formatCrawlSummary(report([evil]));
  assert.ok(!/[\u0000-\u001f]/.test(text.replace(/\n/g, '')), 'no control characters besides newlines');
  assert.match(text, /\/x\?\[2J\?\]0;pwned\?:1\//);
  assert.equal(sanitizeForTerminal('a'.repeat(100), 10), `${'a'.repeat(9)}…`);
});

test('the summary says why the crawl stopped and lists seeds that gave nothing', () => {
  const text = formatCrawlSummary(report([], { stoppedBy: 'interrupted', seedErrors: ['seed.example: no addresses'] }));
  assert.match(text, /stopped: interrupted/);
  assert.match(text, /Seeds without addresses: seed\.example: no addresses/);
  assert.match(formatCrawlSummary(report([], { stoppedBy: 'duration' })), /stopped: duration reached/);
});

test('tables align the first column left and the others right', () => {
  assert.equal(renderTable(['A', 'Count'], [['xy', 5], ['z', 100]]), 'A   Count\nxy      5\nz     100\n');
});

test('the progress line shows tried, reachable, in flight, queued and elapsed time', () => {
  const line = formatProgress({
    tried: 12, reachable: 8, unreachable: 4, inFlight: 3, queued: 40, known: 55, elapsedMs: 15_900, seeding: 0,
    skipped: { duplicate: 0, unreachableNetwork: 0, unroutable: 0, badPort: 0, portsPerAddress: 0, cap: 0 },
  });
  assert.equal(line, 'crawl: 12 tried (8 reachable, 4 unreachable), 3 in flight, 40 queued, 15 s');
});

test('crawl.json is one JSON document with one node per line', () => {
  const r = report(sample);
  const text = formatCrawlJson(r);
  assert.deepEqual(JSON.parse(text), r);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, sample.length + 2);
  assert.deepEqual(JSON.parse(lines[1].replace(/,$/, '')), sample[0]);
  assert.deepEqual(JSON.parse(formatCrawlJson(report([]))), report([]));
});
