/**
 * The scale curve as SVG, drawn with the project's chart module (src/report `lineChart`): resident
 * memory against concurrent peers (with the 20 kB-per-peer target as a line), and event-loop lag p99
 * against peers (idle and while handshakes pour in, with the 50 ms target), for Peerbook and, when the
 * run measured it, bcoin.
 *
 *   node dist/bench/scale/plot.js <results.json> <out-dir>     writes scale-rss.svg and scale-lag.svg
 *
 * `results.json` is a scale result (run-scale.js) or a full `npm run bench` result holding one under
 * `connections`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatCount, lineChart, type LineSeries } from '../../src/report/index.js';
import type { ScaleResult, ServerRun } from './run-scale.js';

const NAMES: Record<string, string> = { peerbook: 'Peerbook', bcoin: 'bcoin' };

function label(run: ServerRun): string {
  return NAMES[run.server] ?? run.server;
}

/** The machine in one line, for the charts' descriptions. */
function machineLine(r: ScaleResult): string {
  const m = r.machine;
  return `${m.cpuModel}, ${m.cores} cores, load average ${m.loadAverageStart[0]} at start, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
}

/** RSS (MB) against peers, with the target line. */
export function rssChart(result: ScaleResult): string {
  const series: LineSeries[] = result.runs.filter((r) => r.points.length > 0).map((r) => ({
    name: `${label(r)} RSS`,
    points: [[0, r.memoryAfterStart.rss / 1e6] as const, ...r.points.map((p) => [p.peers, p.memory.rss / 1e6] as const)],
  }));
  const pb = result.runs.find((r) => r.server === 'peerbook' && r.points.length > 0);
  if (pb) {
    const base = pb.memoryAfterStart.rss / 1e6;
    const maxPeers = Math.max(...result.runs.flatMap((r) => r.points.map((p) => p.peers)));
    series.push({ name: `target: start + ${result.targets.rssBytesPerPeer / 1000} kB per peer`, points: [[0, base], [maxPeers, base + (maxPeers * result.targets.rssBytesPerPeer) / 1e6]], dash: '6 4', markers: false });
  }
  return lineChart({
    id: 'scale-rss', title: 'Resident memory against concurrent handshaken peers',
    description: `One node process on loopback TCP; RSS after two forced collections at the end of each idle hold. ${machineLine(result)}.`,
    width: 720, height: 340, x: { label: 'concurrent handshaken peers', integers: true, format: (v) => formatCount(v) }, y: { label: 'RSS', unit: 'MB' }, series,
  });
}

/** Event-loop lag p99 (ms) against peers: idle and ramping, with the target line. */
export function lagChart(result: ScaleResult): string {
  const series: LineSeries[] = [];
  for (const r of result.runs.filter((x) => x.points.length > 0)) {
    series.push({ name: `${label(r)} idle`, points: r.points.map((p) => [p.peers, p.lagHoldMs.p99] as const) });
    series.push({ name: `${label(r)} during handshakes`, points: r.points.map((p) => [p.peers, p.lagRampMs.p99] as const) });
  }
  const maxPeers = Math.max(...result.runs.flatMap((r) => r.points.map((p) => p.peers)), 1);
  series.push({ name: `target ${result.targets.lagP99Ms} ms`, points: [[0, result.targets.lagP99Ms], [maxPeers, result.targets.lagP99Ms]], dash: '6 4', markers: false });
  return lineChart({
    id: 'scale-lag', title: 'Event-loop lag p99 against concurrent handshaken peers',
    description: `monitorEventLoopDelay (10 ms resolution, resolution subtracted): idle = the hold window at each step; during handshakes = the ramp to that step (${result.options.concurrency} handshakes in flight). ${machineLine(result)}.`,
    width: 720, height: 340, x: { label: 'concurrent handshaken peers', integers: true, format: (v) => formatCount(v) }, y: { label: 'lag p99', unit: 'ms' }, series,
  });
}

/** Reads a scale result from a scale or full bench results file. */
export function readScaleResult(file: string): ScaleResult {
  const json = JSON.parse(readFileSync(file, 'utf8')) as ScaleResult | { connections?: ScaleResult };
  const r = 'runs' in json ? json : json.connections;
  if (!r || !('runs' in r)) throw new Error(`${file} holds no scale results`);
  return r;
}

/** Writes scale-rss.svg and scale-lag.svg into `dir`; returns their paths. */
export function writeScalePlots(result: ScaleResult, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, 'scale-rss.svg'), path.join(dir, 'scale-lag.svg')];
  writeFileSync(files[0], `${rssChart(result)}\n`);
  writeFileSync(files[1], `${lagChart(result)}\n`);
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, dir] = process.argv.slice(2);
  if (!file || !dir) {
    console.error('Usage: node dist/bench/scale/plot.js <results.json> <out-dir>');
    process.exitCode = 2;
  } else {
    for (const f of writeScalePlots(readScaleResult(file), dir)) console.log(f);
  }
}
