import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { formatSimProgress } from '../../src/cli/sim.js';
import type { CliIO } from '../../src/cli/io.js';

function capture(): CliIO & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out(t: string) { io.stdout += t; }, err(t: string) { io.stderr += t; } };
  return io;
}

test('peerbook sim runs a scenario file and writes result, nodes, perf, Markdown tables quoting the result, and plots', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'peerbook-sim-cli-'));
  try {
    const file = path.join(dir, 'tiny.json');
    await writeFile(file, JSON.stringify({ kind: 'network', name: 'tiny', world: { honestNodes: 8, startSpreadS: 5 }, durationS: 90, sampleIntervalS: 30 }));
    const io = capture();
    const code = await main(['node', 'peerbook', 'sim', file, '--seed', '3', '--out', path.join(dir, 'out')], io);
    assert.equal(code, 0, io.stderr);
    assert.match(io.stdout, /network scenario "tiny", seed 3/);
    assert.equal(io.stderr, '', 'no progress bar when stderr is not a terminal');
    const files = (await readdir(path.join(dir, 'out'))).sort();
    assert.deepEqual(files, ['connections.svg', 'nodes.json', 'perf.json', 'result.json', 'tables.md', 'tables.svg']);
    const result = JSON.parse(await readFile(path.join(dir, 'out', 'result.json'), 'utf8')) as {
      seed: number; samples: Array<{ running: number; newEntries: { mean: number }; triedEntries: { mean: number } }>; links: { linksOpened: number };
    };
    assert.equal(result.seed, 3);
    assert.equal(result.samples.length, 3);
    const last = result.samples.at(-1)!;
    const tables = await readFile(path.join(dir, 'out', 'tables.md'), 'utf8');
    assert.ok(tables.includes(`| nodes running at the end | ${last.running} |`), tables);
    assert.ok(tables.includes(`| table: new / tried entries per node (mean) | ${last.newEntries.mean} / ${last.triedEntries.mean} |`), tables);
    assert.ok(tables.includes(`| links opened, dials timed out | ${result.links.linksOpened}, `), tables);
    assert.match(await readFile(path.join(dir, 'out', 'connections.svg'), 'utf8'), /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a bad scenario exits 2 with one line naming the JSON path, before anything runs', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'peerbook-sim-cli-'));
  try {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ kind: 'network', name: 'bad', world: { honestNodes: -1 }, durationS: 10 }));
    const io = capture();
    assert.equal(await main(['node', 'peerbook', 'sim', file, '--out', path.join(dir, 'out')], io), 2);
    assert.match(io.stderr, /^peerbook: scenario \$\.world\.honestNodes: must be ≥ 1, got -1\n$/);
    assert.equal(io.stdout, '');
    await assert.rejects(readdir(path.join(dir, 'out')), 'nothing written');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unknown scenario name and a bad --seed exit 2', async () => {
  const io = capture();
  assert.equal(await main(['node', 'peerbook', 'sim', 'no-such-scenario'], io), 2);
  assert.match(io.stderr, /scenario not found: no-such-scenario/);
  const io2 = capture();
  assert.equal(await main(['node', 'peerbook', 'sim', 'network-small', '--seed', 'x'], io2), 2);
  assert.match(io2.stderr, /--seed must be a non-negative integer/);
});

test('the progress line shows a bar, the percentage and the elapsed time', () => {
  assert.equal(formatSimProgress('x', 0.5, 65_000), `sim [${'█'.repeat(15)}${'░'.repeat(15)}]  50%  x, 1:05 elapsed`);
});
