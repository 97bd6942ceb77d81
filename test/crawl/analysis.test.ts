import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Asmap, encodeAsmap } from '../../src/address/asmap.js';
import { analyzeCrawl, concentration, CONCENTRATION_CURVE_MAX_K, crawlTimeline, TIMELINE_MAX_POINTS } from '../../src/crawl/analysis.js';
import type { CrawlNodeRecord, CrawlReport } from '../../src/crawl/record.js';

const START = Date.parse('2024-05-01T12:00:00Z');

function node(address: string, reachable: boolean, triedAfterMs: number, userAgent = '/Satoshi:27.0.0/'): CrawlNodeRecord {
  return {
    address, network: address.startsWith('[') ? 'ipv6' : 'ipv4', reachable, source: 'seed', triedAt: new Date(START + triedAfterMs).toISOString(),
    latencyMs: reachable ? 50 : null, protocolVersion: reachable ? 70016 : null, userAgent: reachable ? userAgent : null,
    services: reachable ? '0000000000000009' : null, servicesNames: reachable ? ['NETWORK', 'WITNESS'] : null, startHeight: reachable ? 1 : null,
    relay: reachable ? true : null, addressesReceived: 0, newAddresses: 0, error: reachable ? null : 'refused', errorCode: reachable ? null : 'ERR_CONNECT_REFUSED',
  };
}

function report(nodes: CrawlNodeRecord[], durationMs = 60_000): CrawlReport {
  const reachable = nodes.filter((n) => n.reachable).length;
  return {
    network: 'main', magic: 'f9beb4d9', startedAt: new Date(START).toISOString(), finishedAt: new Date(START + durationMs).toISOString(),
    stoppedBy: 'queue-empty', seedErrors: [],
    stats: { tried: nodes.length, reachable, unreachable: nodes.length - reachable, known: nodes.length, notTried: 0,
      skipped: { duplicate: 0, unreachableNetwork: 0, unroutable: 0, badPort: 0, portsPerAddress: 0, cap: 0 } },
    nodes,
  };
}

test('concentration ranks groups, gives the top shares and the smallest number of groups holding half', () => {
  const c = concentration(new Map([['a', 50], ['b', 20], ['c', 20], ['d', 10]]));
  assert.equal(c.total, 100);
  assert.equal(c.groups, 4);
  assert.deepEqual(c.top.map((g) => [g.group, g.nodes, g.share]), [['a', 50, 0.5], ['b', 20, 0.2], ['c', 20, 0.2], ['d', 10, 0.1]]);
  assert.equal(c.top1Share, 0.5);
  assert.equal(c.top5Share, 1);
  assert.equal(c.groupsForHalf, 1);
  assert.deepEqual(c.curve, [[1, 0.5], [2, 0.7], [3, 0.9], [4, 1]]);
  const spread = concentration(new Map(Array.from({ length: 300 }, (_, i) => [`g${i}`, 1])));
  assert.equal(spread.groupsForHalf, 150);
  assert.equal(spread.curve.length, CONCENTRATION_CURVE_MAX_K, 'the curve is bounded');
  assert.equal(spread.top.length, 10);
  assert.deepEqual(concentration(new Map()).curve, []);
});

test('reachable nodes are grouped by /16 (and /32 for IPv6), by port, and unreachable ones are left out of both', () => {
  const r = report([
    node('1.2.3.4:8333', true, 0), node('1.2.9.9:8333', true, 0), node('1.3.0.1:8334', true, 0),
    node('[2a01:4f8::1]:8333', true, 0), node('5.5.5.5:8333', false, 0),
  ]);
  const a = analyzeCrawl(r);
  assert.deepEqual(a.byPrefix.top.map((g) => [g.group, g.nodes]), [['1.2.0.0/16', 2], ['1.3.0.0/16', 1], ['2a01:4f8::/32', 1]]);
  assert.equal(a.byPrefix.total, 4);
  assert.deepEqual(a.ports, [{ value: 8333, count: 3 }, { value: 8334, count: 1 }]);
  assert.equal(a.byAs, undefined);
  assert.equal(a.asns, undefined);
  assert.equal(a.durationS, 60);
});

test('with an asmap, reachable nodes are grouped by AS; addresses it does not cover are counted as unmapped, outside the AS ranking', () => {
  const v4 = (a: number, b: number): Uint8Array => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, 0, 0);
  const asmap = Asmap.fromBytes(encodeAsmap([{ prefix: v4(1, 2), prefixLength: 112, asn: 100 }, { prefix: v4(1, 3), prefixLength: 112, asn: 100 }, { prefix: v4(9, 9), prefixLength: 112, asn: 200 }]));
  const a = analyzeCrawl(report([node('1.2.3.4:8333', true, 0), node('1.3.0.1:8333', true, 0), node('9.9.0.1:8333', true, 0), node('7.7.7.7:8333', true, 0)]), asmap);
  assert.deepEqual(a.byAs!.top.map((g) => [g.group, g.nodes]), [['AS100', 2], ['AS200', 1]]);
  assert.equal(a.byAs!.total, 3);
  assert.equal(a.asUnmapped, 1);
  assert.deepEqual(a.asns, [{ value: 100, count: 2 }, { value: 0, count: 1 }, { value: 200, count: 1 }]);
  assert.equal(a.byPrefix.groups, 4, 'the /16 view is there too');
});

test('the timeline counts attempts by outcome cumulatively, from 0 to the end of the crawl, in at most TIMELINE_MAX_POINTS points', () => {
  const t = crawlTimeline(report([node('1.1.1.1:8333', true, 10_000), node('1.1.1.2:8333', false, 20_000), node('1.1.1.3:8333', true, 59_000)]));
  assert.equal(t[0].seconds, 0);
  assert.equal(t.at(-1)!.seconds, 60);
  assert.deepEqual([t.at(-1)!.reachable, t.at(-1)!.failed], [2, 1]);
  const at = (s: number): [number, number] => { const p = t.filter((x) => x.seconds <= s).at(-1)!; return [p.reachable, p.failed]; };
  assert.deepEqual(at(9), [0, 0]);
  assert.deepEqual(at(21), [1, 1]);
  assert.ok(t.every((p, i) => i === 0 || (p.reachable >= t[i - 1].reachable && p.failed >= t[i - 1].failed)), 'never decreasing');
  const many = report(Array.from({ length: 5_000 }, (_, i) => node(`2.${i >> 8}.${i & 255}.1:8333`, i % 2 === 0, i * 10)), 50_000);
  const long = crawlTimeline(many);
  assert.equal(long.length, TIMELINE_MAX_POINTS + 1);
  assert.deepEqual([long.at(-1)!.reachable, long.at(-1)!.failed], [2_500, 2_500]);
});

test('an address in crawl.json that does not parse is skipped, not fatal', () => {
  const a = analyzeCrawl(report([node('not-an-address', true, 0), node('1.2.3.4:8333', true, 0)]));
  assert.equal(a.byPrefix.total, 1);
  assert.equal(a.summary.userAgents[0].count, 2, 'the summary still counts it');
});
