/** The bench's report helpers: CPU-profile sums and the scale-curve charts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summariseProfile, type CpuProfile } from '../../bench/scale/profile.js';
import { lagChart, rssChart } from '../../bench/scale/plot.js';
import type { ScaleResult, ScalePoint, ServerRun } from '../../bench/scale/run-scale.js';

const frame = (functionName: string) => ({ functionName, url: `file:///x/dist/src/${functionName}.js`, lineNumber: 0, columnNumber: 0 });

// root → a → b → a (recursion), root → (idle). Samples: b, a(inner), a(outer), idle; 1 ms apart.
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { ...frame('(root)'), url: '' }, children: [2, 5] },
    { id: 2, callFrame: frame('a'), children: [3] },
    { id: 3, callFrame: frame('b'), children: [4] },
    { id: 4, callFrame: frame('a') },
    { id: 5, callFrame: { ...frame('(idle)'), url: '' } },
  ],
  startTime: 0, endTime: 5000, samples: [3, 4, 2, 5, 5], timeDeltas: [0, 1000, 1000, 1000, 1000],
};

test('profile sums give self time to the top frame and total time once per sample, recursion included', () => {
  const s = summariseProfile(PROFILE);
  const by = (n: string) => s.functions.find((f) => f.name.startsWith(`${n} `))!;
  assert.equal(s.busyMs, 3);
  assert.equal(s.wallMs, 4);
  assert.deepEqual([by('a').selfMs, by('a').totalMs], [2, 3], 'a: inner and outer samples are self; the b sample counts in total once');
  assert.deepEqual([by('b').selfMs, by('b').totalMs], [1, 2]);
  assert.equal(by('a').totalPct, 100);
});

test('a profile window keeps only the samples taken inside it', () => {
  const s = summariseProfile(PROFILE, { fromMs: 1.5, toMs: 2.5 });
  assert.equal(s.busyMs, 1);
  assert.equal(s.functions[0].name.startsWith('a '), true);
});

function point(peers: number, rssMb: number, lagHold: number, lagRamp: number): ScalePoint {
  const lag = (p99: number) => ({ p50: 0, p90: 0, p99, max: p99, mean: 0, samples: 10, windowMs: 1000 });
  return {
    peers, ramp: undefined as never, lagRampMs: lag(lagRamp), lagHoldMs: lag(lagHold),
    memory: { rss: rssMb * 1e6, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0, collected: true },
    rssBytesPerPeer: 0, heapBytesPerPeer: 0, serverReady: peers, serverCpuMs: 0, serverCpuUsPerHandshake: 0,
    serverSystemCpuUsPerHandshake: 0, serverCpuMsPerSecondHeld: 0,
  };
}

function run(server: 'peerbook' | 'bcoin', points: ScalePoint[]): ServerRun {
  return {
    server, description: server, maxInbound: 0, maxConnections: null, points, churn: null, handshakesPerS: 0,
    memoryAfterStart: { rss: 60e6, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0, collected: true },
    loadGenerator: undefined as never, cpuProfile: null,
  };
}

const RESULT = {
  startedAt: '2026-12-05T21:00:00.000Z', options: { concurrency: 256 },
  machine: { cpuModel: 'AMD EPYC', cores: 2, loadAverageStart: [0.5, 0.5, 0.5] },
  targets: { concurrentPeers: 5000, rssBytesPerPeer: 20_000, handshakesPerS: 2000, lagP99Ms: 50 },
  runs: [run('peerbook', [point(1000, 75, 3, 20), point(5000, 130, 5, 40)]), run('bcoin', [point(1000, 640, 6, 70)])],
} as unknown as ScaleResult;

test('the memory chart draws each implementation and the target line from the start RSS', () => {
  const svg = rssChart(RESULT);
  assert.match(svg, /^<svg/);
  for (const name of ['Peerbook RSS', 'bcoin RSS', 'target: start + 20 kB per peer']) assert.ok(svg.includes(`data-series="${name}"`), name);
  assert.ok(svg.includes('AMD EPYC, 2 cores'), 'the machine is in the description');
});

test('the lag chart draws idle and handshake-burst lag per implementation and the 50 ms target', () => {
  const svg = lagChart(RESULT);
  for (const name of ['Peerbook idle', 'Peerbook during handshakes', 'bcoin idle', 'target 50 ms']) assert.ok(svg.includes(`data-series="${name}"`), name);
});
