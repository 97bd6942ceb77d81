/**
 * `peerbook crawl` in-process, with every dependency injected (memory network, virtual clock, a
 * resolver that refuses): flag validation, crawl.json, the summary, progress output and Ctrl-C.
 * Nothing here can dial a real socket; the real binary is exercised inside a network namespace
 * (netns.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { encodeAsmap } from '../../src/address/asmap.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { Net } from '../../src/address/network.js';
import { CRAWL_FILE_NAME, CRAWL_REPORT_FILE_NAME, parseCrawlFlags, registerCrawlCommand, type CrawlCommandDeps } from '../../src/cli/crawl.js';
import { CliError, EXIT_BAD_INPUT, type CliIO } from '../../src/cli/io.js';
import type { Resolver } from '../../src/util/resolver.js';
import { MAX_CRAWL_NODES } from '../../src/crawl/book.js';
import type { CrawlReport } from '../../src/crawl/record.js';
import { MemoryNetwork } from '../../src/transport/memory.js';
import type { Transport } from '../../src/transport/transport.js';
import { VirtualClock } from '../../src/util/clock.js';
import { PeerbookError } from '../../src/util/errors.js';
import { hexToBytes } from '../../src/util/hex.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { tempDirFor } from '../support/tmp.js';
import { drive, FakeNode, rec } from './helpers.js';

interface Harness {
  clock: VirtualClock;
  net: MemoryNetwork;
  io: CliIO & { stdout: string; stderr: string };
  dials: string[];
  lookups: string[];
  deps: CrawlCommandDeps;
  interrupt: (() => void) | undefined;
  unsubscribed: boolean;
  run(args: string[]): Promise<void>;
}

function harness(over: Partial<CrawlCommandDeps> = {}): Harness {
  const clock = new VirtualClock();
  const net = new MemoryNetwork(clock);
  const inner = net.transport(NetAddress.parse('20.0.0.250'));
  const h: Harness = {
    clock, net, dials: [], lookups: [], interrupt: undefined, unsubscribed: false,
    io: { stdout: '', stderr: '', out(s) { h.io.stdout += s; }, err(s) { h.io.stderr += s; } },
    deps: {},
    run: async (args) => {
      const program = new Command('peerbook').exitOverride().configureOutput({ writeOut: (s) => h.io.out(s), writeErr: (s) => h.io.err(s) });
      registerCrawlCommand(program, h.io, h.deps);
      await drive(clock, program.parseAsync(['node', 'peerbook', 'crawl', ...args]));
    },
  };
  const transport: Transport = {
    connect: (target, o) => { h.dials.push(target.toString()); return inner.connect(target, o); },
    listen: (b, cb) => inner.listen(b, cb),
  };
  const resolver: Resolver = async (host) => { h.lookups.push(host); throw new Error('no DNS in tests'); };
  h.deps = {
    clock, random: ChaChaRandom.fromSeed('cli'), resolver, stderrIsTTY: false,
    dialer: () => ({ transport, canReach: (n) => n === Net.IPV4 || n === Net.IPV6 }),
    onInterrupt: (handler) => { h.interrupt = handler; return () => { h.unsubscribed = true; }; },
    ...over,
  };
  return h;
}

async function readReport(dir: string): Promise<CrawlReport> {
  return JSON.parse(await readFile(path.join(dir, CRAWL_FILE_NAME), 'utf8')) as CrawlReport;
}

const BAD_FLAGS: string[][] = [
  ['--concurrency', '0'],
  ['--concurrency', 'many'],
  ['--concurrency', '513'],
  ['--duration', '0'],
  ['--duration', '1.5'],
  ['--timeout', 'abc'],
  ['--getaddr-wait', '601'],
  ['--max-nodes', String(MAX_CRAWL_NODES + 1)],
  ['--magic', 'xyz', '--port', '1'],
  ['--magic', 'fabfb5da'],
  ['--network', 'regtest', '--magic', 'fabfb5da', '--port', '18444'],
  ['--port', '70000'],
  ['--seed', 'bad host!'],
  ['--out', ''],
  ['--asmap', '/nonexistent/peerbook-test.asmap'],
];

for (const flags of BAD_FLAGS) {
  test(`crawl ${flags.join(' ')} is refused with exit 2 before anything is dialed`, async () => {
    const h = harness();
    await assert.rejects(h.run(['--network', 'regtest', '--seed', '20.0.0.1', ...flags]), (e: unknown) => {
      assert.ok(e instanceof CliError, String(e));
      assert.equal(e.exitCode, EXIT_BAD_INPUT);
      return true;
    });
    assert.deepEqual(h.dials, []);
    assert.deepEqual(h.lookups, []);
  });
}

test('an unknown network name is a ParseError (exit 2) and an unknown flag a commander usage error', async () => {
  const h = harness();
  await assert.rejects(h.run(['--network', 'moonnet']), PeerbookError);
  await assert.rejects(h.run(['--frobnicate']), (e: unknown) => e instanceof CommanderError && e.code === 'commander.unknownOption');
  assert.deepEqual(h.dials, []);
});

test('--out naming a file, not a directory, is refused before the crawl starts', async (t) => {
  const dir = await tempDirFor(t, 'crawl-cli');
  const file = path.join(dir, 'a-file');
  await writeFile(file, 'x');
  const h = harness();
  await assert.rejects(h.run(['--network', 'regtest', '--seed', '20.0.0.1', '--out', file]), (e: unknown) => e instanceof CliError && /--out/.test(e.message));
  assert.deepEqual(h.dials, []);
});

test('flags are parsed into settings with Core\'s defaults', () => {
  const s = parseCrawlFlags({ network: 'regtest', seed: ['20.0.0.1', 'seed.example:1'] });
  assert.equal(s.params.name, 'regtest');
  assert.equal(s.concurrency, 32);
  assert.equal(s.durationMs, 600_000);
  assert.equal(s.timeoutMs, 5_000);
  assert.equal(s.getaddrWaitMs, 30_000);
  assert.equal(s.maxNodes, MAX_CRAWL_NODES);
  assert.equal(s.outDir, path.resolve('.'));
  assert.equal(parseCrawlFlags({}).params.name, 'main');
  assert.equal(parseCrawlFlags({ network: 'signet', port: '1234' }).params.defaultPort, 1234);
  const custom = parseCrawlFlags({ network: 'my-coin', magic: '0A0B0C0D', port: '19999' }).params;
  assert.deepEqual([custom.name, [...custom.magic], custom.defaultPort], ['my-coin', [10, 11, 12, 13], 19999]);
});

test('a crawl writes crawl.json, prints the summary on stdout and plain progress lines on stderr', async (t) => {
  const out = path.join(await tempDirFor(t, 'crawl-cli'), 'new', 'dir');
  const h = harness();
  const now = h.clock.nowSeconds();
  await new FakeNode(h.net, h.clock, { ip: '20.0.0.1', userAgent: '/Peerbook:0.1.0/', answer: [rec('20.0.0.2', now), rec('20.0.0.3', now)] }).start();
  await new FakeNode(h.net, h.clock, { ip: '20.0.0.2', userAgent: '/Peerbook:0.1.0/' }).start(); // never answers: 25 s wait
  await h.run(['--network', 'regtest', '--seed', '20.0.0.1', '--getaddr-wait', '25', '--timeout', '1000', '--out', out]);
  const report = await readReport(out);
  assert.deepEqual(Object.keys(report), ['network', 'magic', 'startedAt', 'finishedAt', 'stoppedBy', 'seedErrors', 'stats', 'nodes']);
  assert.equal(report.network, 'regtest');
  assert.deepEqual(report.nodes.map((n) => [n.address, n.reachable]), [['20.0.0.1:18444', true], ['20.0.0.3:18444', false], ['20.0.0.2:18444', true]]);
  assert.match(h.io.stdout, /^Crawl of regtest: 3 tried, 2 reachable, 1 unreachable, 0 not tried/);
  assert.match(h.io.stdout, /^ipv4\s+2\s+1\s+3$/m);
  const lines = h.io.stderr.trimEnd().split('\n');
  assert.ok(lines.filter((l) => /^crawl: \d+ tried \(\d+ reachable, \d+ unreachable\), \d+ in flight, \d+ queued, \d+ s$/.test(l)).length >= 3,
    `progress every 10 s of a 25 s crawl, then a final line:\n${h.io.stderr}`);
  assert.ok(!h.io.stderr.includes('\r'), 'no carriage returns when stderr is not a terminal');
  assert.match(lines.at(-1)!, /^peerbook: wrote .*crawl\.json \(3 nodes\)$/);
  assert.equal(h.unsubscribed, true, 'the Ctrl-C handler is removed at the end');
});

test('on a terminal the progress bar is redrawn in place, fits the width, and ends at 100% when the queue runs dry', async (t) => {
  const out = await tempDirFor(t, 'crawl-cli');
  const h = harness({ stderrIsTTY: true, stdoutIsTTY: true, terminalColumns: () => 90 });
  await new FakeNode(h.net, h.clock, { ip: '20.0.0.1' }).start();
  await h.run(['--network', 'regtest', '--seed', '20.0.0.1', '--getaddr-wait', '3', '--out', out]);
  const progress = h.io.stderr.split('peerbook: wrote')[0];
  assert.match(progress, /^(\rcrawl \[[█░]+\] +\d+%  [^\r\n]*\u001b\[K)+\n$/);
  const lines = progress.split('\r').filter((l) => l !== '').map((l) => l.replace(/\u001b\[K\n?$/, ''));
  assert.ok(lines.length >= 3, `redrawn about once a second:\n${progress}`);
  for (const l of lines) assert.ok([...l].length <= 89, `${[...l].length} columns: ${l}`);
  const percents = lines.map((l) => Number(/(\d+)%/.exec(l)![1]));
  assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'the bar never moves backwards');
  assert.match(lines.at(-1)!, /^crawl \[█+\] 100%  1 tried: 1 ok, 0 failed · 0 in flight · 0 queued · 0:0\d\/10:00$/);
});

test('with stdout redirected, progress stays plain lines even when stderr is a terminal', async (t) => {
  const out = await tempDirFor(t, 'crawl-cli');
  const h = harness({ stderrIsTTY: true, stdoutIsTTY: false });
  await new FakeNode(h.net, h.clock, { ip: '20.0.0.1' }).start();
  await h.run(['--network', 'regtest', '--seed', '20.0.0.1', '--getaddr-wait', '12', '--out', out]);
  assert.ok(!h.io.stderr.includes('\r') && !h.io.stderr.includes('\u001b'), 'no carriage returns or escape codes');
  assert.match(h.io.stderr, /^crawl: 1 tried \(1 reachable, 0 unreachable\), 0 in flight, 0 queued, \d+ s$/m);
});

test('a crawl also writes crawl.html: one self-contained page with the charts, hostile user agents escaped', async (t) => {
  const out = await tempDirFor(t, 'crawl-cli');
  const h = harness();
  const now = h.clock.nowSeconds();
  const hostile = '<script>alert(1)</script>\u0007';
  await new FakeNode(h.net, h.clock, { ip: '20.0.0.1', userAgent: hostile, answer: [rec('20.0.0.2', now), rec('20.1.0.3', now)] }).start();
  await new FakeNode(h.net, h.clock, { ip: '20.0.0.2', userAgent: '/Satoshi:27.0.0/' }).start();
  await h.run(['--network', 'regtest', '--seed', '20.0.0.1', '--getaddr-wait', '2', '--timeout', '1000', '--out', out]);
  const html = await readFile(path.join(out, CRAWL_REPORT_FILE_NAME), 'utf8');
  assert.match(h.io.stderr, /peerbook: wrote .*crawl\.html \(report with charts; open it in a browser\)\n/);
  assert.ok(html.startsWith('<!doctype html>'));
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  assert.ok(!/<script|<link|<img|src=|href=/i.test(html), 'no script and nothing fetched');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;\ufffd'), 'the user agent is escaped, its control character replaced');
  for (const id of ['chart-timeline', 'chart-networks', 'chart-versions', 'chart-user-agents', 'chart-services', 'chart-ports', 'chart-concentration', 'chart-top-prefix', 'chart-errors']) {
    assert.ok(html.includes(`<svg xmlns="http://www.w3.org/2000/svg" id="${id}"`), `${id} is drawn`);
  }
  assert.ok(!html.includes('id="chart-as"'), 'no AS chart without an asmap');
  assert.match(html, /Run the crawl with --asmap FILE/);
  assert.match(html, /<p id="concentration-prefix">2 reachable nodes in 1 \/16 group\. The largest \/16 group \(20\.0\.0\.0\/16\) holds 100%/);
});

test('--asmap groups the report\'s reachable nodes by autonomous system', async (t) => {
  const out = await tempDirFor(t, 'crawl-cli');
  const asmapFile = path.join(out, 'test.asmap');
  const v4 = (a: number, b: number): Uint8Array => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, 0, 0);
  await writeFile(asmapFile, encodeAsmap([{ prefix: v4(20, 0), prefixLength: 96 + 16, asn: 64_500 }, { prefix: v4(20, 1), prefixLength: 96 + 16, asn: 64_501 }]));
  const h = harness();
  const now = h.clock.nowSeconds();
  await new FakeNode(h.net, h.clock, { ip: '20.0.0.1', answer: [rec('20.0.0.2', now), rec('20.1.0.3', now)] }).start();
  await new FakeNode(h.net, h.clock, { ip: '20.0.0.2' }).start();
  await new FakeNode(h.net, h.clock, { ip: '20.1.0.3' }).start();
  await h.run(['--network', 'regtest', '--seed', '20.0.0.1', '--getaddr-wait', '2', '--asmap', asmapFile, '--out', out]);
  const html = await readFile(path.join(out, CRAWL_REPORT_FILE_NAME), 'utf8');
  assert.ok(html.includes('id="chart-as"') && html.includes('id="chart-top-as"'));
  assert.match(html, /<p id="concentration-as">3 reachable nodes in 2 ASes\. The largest AS \(AS64500\) holds 66\.7%/);
  assert.match(html, /data-category="AS64500" data-series="reachable nodes" data-value="2"/);
  assert.match(html, /data-category="AS64501" data-series="reachable nodes" data-value="1"/);
});

test('a file that is not an asmap is refused with exit 2 before anything is dialed', async (t) => {
  const dir = await tempDirFor(t, 'crawl-cli');
  const bad = path.join(dir, 'bad.asmap');
  await writeFile(bad, Uint8Array.of(0xff, 0xff, 0xff));
  const h = harness();
  await assert.rejects(h.run(['--network', 'regtest', '--seed', '20.0.0.1', '--asmap', bad, '--out', dir]),
    (e: unknown) => e instanceof CliError && e.exitCode === EXIT_BAD_INPUT && /--asmap .*bad\.asmap: asmap:/.test(e.message));
  assert.deepEqual(h.dials, []);
});

test('Ctrl-C stops the crawl, and what it found is still written and summarised', async (t) => {
  const out = await tempDirFor(t, 'crawl-cli');
  const h = harness();
  await new FakeNode(h.net, h.clock, { ip: '20.0.0.1', selfAnnounce: true }).start();
  h.net.setUnreachable(NetAddress.parse('20.0.0.9'), true);
  const program = new Command('peerbook').exitOverride();
  registerCrawlCommand(program, h.io, h.deps);
  const running = program.parseAsync(['node', 'peerbook', 'crawl', '--network', 'regtest', '--seed', '20.0.0.1', '20.0.0.9',
    '--getaddr-wait', '60', '--timeout', '60000', '--out', out]);
  // The output directory is checked on the real filesystem first; then the crawl starts.
  for (let i = 0; i < 1000 && !h.interrupt; i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(h.interrupt, 'the command listens for Ctrl-C');
  await h.clock.tick(2_000);
  h.interrupt();
  await drive(h.clock, running);
  const report = await readReport(out);
  assert.equal(report.stoppedBy, 'interrupted');
  assert.deepEqual(report.nodes.map((n) => n.address), ['20.0.0.1:18444']);
  assert.equal(report.stats.notTried, 1);
  assert.match(h.io.stderr, /interrupted; writing what the crawl has so far/);
  assert.match(h.io.stdout, /stopped: interrupted/);
});

test('--magic and --port crawl a custom network under its own name', async (t) => {
  const out = await tempDirFor(t, 'crawl-cli');
  const h = harness();
  await new FakeNode(h.net, h.clock, { ip: '20.0.0.1', port: 19999, magic: hexToBytes('0a0b0c0d') }).start();
  await h.run(['--network', 'my-coin', '--magic', '0a0b0c0d', '--port', '19999', '--seed', '20.0.0.1', '--getaddr-wait', '0', '--out', out]);
  const report = await readReport(out);
  assert.equal(report.network, 'my-coin');
  assert.equal(report.magic, '0a0b0c0d');
  assert.deepEqual(report.nodes.map((n) => [n.address, n.reachable]), [['20.0.0.1:19999', true]]);
});
