/**
 * Connections at scale: how many concurrent handshaken peers one Peerbook process holds, what each
 * costs in resident memory, how fast it completes handshakes, how long its event loop stalls at that
 * load, and how fast it admits newcomers once full (every admission then evicts someone).
 *
 * Three processes on one machine, all on loopback: this orchestrator; the node under test
 * (peerbook-server.ts, or bcoin-server.ts for the comparison) with maxInbound = the last step; and the
 * load generator (load-generator.ts), which opens real TCP connections from per-peer source addresses
 * (sources.ts). Both children get a raised file-descriptor limit (spawn.ts). For each step of the
 * curve the load generator tops the peers up to the step (that ramp gives the handshake rate and the
 * lag under a handshake burst), the node's RSS is read after two forced collections, and then the
 * peers sit idle for `holdMs` (the steady-state lag: the node's 500 ms maintenance tick over all
 * peers). At the last step the node is full, and a churn phase keeps newcomers coming with the same
 * concurrency: the inbound accept rate with eviction active.
 *
 * With `--plan routable` the whole run moves into a fresh loopback-only network namespace
 * (`unshare --net`) where 11.0.0.0/8 is local on `lo`, so peers come from routable addresses that
 * Core's rules put in distinct /16 network groups (127/8 is a single group under those rules).
 *
 *   node --expose-gc dist/bench/scale/run-scale.js [--quick] [--steps …] [--servers peerbook,bcoin] …
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { codeVersion, cpuPressure, machineInfo, type CpuPressure, type MachineInfo } from '../report.js';
import { nofileFor, parseScaleArgs, REGTEST_MAGIC_HEX, SCALE_USAGE, BenchArgsError, type ScaleArgs, type ScaleServerKind } from './args.js';
import type { ChurnResult, LoadStatus, OpenResult } from './load-generator.js';
import type { LagFigures, MemoryFigures } from './monitor.js';
import { spawnChild } from './spawn.js';
import { serverAddress } from './sources.js';
import type { RpcClient } from './rpc.js';

/** Targets of issue 13 ("Connections at scale"). */
export const SCALE_TARGETS = {
  /** Concurrent handshaken peers in one process. */
  concurrentPeers: 5_000,
  /** Resident memory per peer at that count, bytes (20 KB, decimal). */
  rssBytesPerPeer: 20_000,
  /** Completed handshakes per second. */
  handshakesPerS: 2_000,
  /** Event-loop lag p99 at that load, ms. */
  lagP99Ms: 50,
};

/** Version of the scale results layout. */
export const SCALE_RESULTS_SCHEMA = 'peerbook-bench-scale/1';
/** Environment variable set inside the namespace the routable plan re-runs in. */
const NETNS_ENV = 'PEERBOOK_SCALE_IN_NETNS';
/** How long to wait for the server to count a step's peers as ready after the load generator did, ms. */
const SETTLE_TIMEOUT_MS = 30_000;

const DIST_DIR = path.dirname(fileURLToPath(import.meta.url));

/** One point of the scale curve. */
export interface ScalePoint {
  /** Handshaken peers held at this step. */
  peers: number;
  /** The ramp to this step (handshakes opened since the previous step). */
  ramp: OpenResult;
  /** Event-loop lag while ramping (handshake burst), ms. */
  lagRampMs: LagFigures;
  /** Event-loop lag while the peers sit idle for the hold window, ms. */
  lagHoldMs: LagFigures;
  /** The node's memory after two forced collections. */
  memory: MemoryFigures;
  /** (RSS − RSS after start) ÷ peers, bytes. */
  rssBytesPerPeer: number;
  /** (heap used + external − the same after start) ÷ peers, bytes. */
  heapBytesPerPeer: number;
  /** The node's own count of ready inbound peers. */
  serverReady: number;
  /** Node CPU time during ramp + hold, ms. */
  serverCpuMs: number;
  /**
   * Node CPU time (user + system) during the ramp ÷ handshakes completed, µs: what one handshake costs
   * the node, much less sensitive than the rate to other processes competing for the CPU.
   */
  serverCpuUsPerHandshake: number;
  /** The kernel's part of it (system CPU: accept, socket writes and reads, loopback TCP), µs. */
  serverSystemCpuUsPerHandshake: number;
  /** Node CPU time while the peers sit idle, ms per second (the maintenance tick, pings). */
  serverCpuMsPerSecondHeld: number;
}

/** One implementation's run. */
export interface ServerRun {
  server: ScaleServerKind;
  /** Implementation version and settings in words. */
  description: string;
  maxInbound: number;
  maxConnections: number | null;
  memoryAfterStart: MemoryFigures;
  points: ScalePoint[];
  /** The eviction phase at the last step, or null when skipped. */
  churn: (ChurnResult & {
    lagMs: LagFigures;
    /** Inbound evictions the node counted in the phase: one per newcomer it admitted. */
    serverEvictions: number;
    /** serverEvictions ÷ duration: the node's accept rate at maxconnections, per second. */
    serverAcceptedPerS: number;
    serverRejected: unknown;
  }) | null;
  /** Handshakes completed ÷ ramp time over all steps. */
  handshakesPerS: number;
  loadGenerator: LoadStatus;
  /** Where the CPU profile went, if one was asked for. */
  cpuProfile: string | null;
  /** Set when the run failed part-way. */
  error?: string;
}

/** The whole scale bench's result. */
export interface ScaleResult {
  schema: string;
  mode: 'full' | 'quick';
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo & { loadAverageEnd: number[]; cpuPressureEnd: CpuPressure | null };
  code: { commit: string | null; dirty: boolean | null };
  options: Omit<ScaleArgs, 'noSave' | 'quick'>;
  targets: typeof SCALE_TARGETS;
  runs: ServerRun[];
  /** Peerbook against the targets (null when Peerbook was not run). */
  summary: ScaleSummary | null;
}

/** Peerbook's figures against the targets. */
export interface ScaleSummary {
  peakPeers: number;
  /** (RSS at the peak − RSS after start) ÷ peers: the target's figure, bytes. */
  rssBytesPerPeer: number;
  /** RSS growth between the last two steps ÷ the peers added: the cost of one more peer, bytes. */
  marginalRssBytesPerPeer: number | null;
  /** V8 heap + external growth ÷ peers at the peak, bytes. */
  heapBytesPerPeer: number;
  /** Node CPU per handshake at the last step's ramp, µs (user + system). */
  cpuUsPerHandshake: number;
  handshakesPerS: number;
  lagP99HoldMs: number;
  lagP99RampMs: number;
  /** Newcomers admitted per second at maxconnections (each evicting a peer), the node's count. */
  acceptedPerSAtMax: number | null;
  /** Of those, newcomers per second whose handshake completed before a later newcomer evicted them. */
  handshakenPerSAtMax: number | null;
  met: { concurrentPeers: boolean; rssBytesPerPeer: boolean; handshakesPerS: boolean; lagP99Ms: boolean };
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function waitFor(rpc: RpcClient, pred: (s: { inboundReady: number }) => boolean, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await rpc.call<{ inboundReady: number }>('status');
    if (pred(s) || Date.now() > until) return s.inboundReady;
    await sleep(50);
  }
}

const round = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(4)) : 0);

/** Runs the curve and the churn phase against one implementation. */
/** The steps an implementation runs: all for Peerbook; for bcoin those up to its cap, ending at the cap. */
export function stepsFor(kind: ScaleServerKind, args: Pick<ScaleArgs, 'steps' | 'bcoinMaxPeers'>): number[] {
  if (kind !== 'bcoin' || args.steps[args.steps.length - 1] <= args.bcoinMaxPeers) return args.steps;
  return [...args.steps.filter((s) => s < args.bcoinMaxPeers), args.bcoinMaxPeers];
}

async function runOne(kind: ScaleServerKind, allArgs: ScaleArgs): Promise<ServerRun> {
  const args = { ...allArgs, steps: stepsFor(kind, allArgs) };
  const last = args.steps[args.steps.length - 1];
  const nofile = args.nofile || nofileFor(last, args.concurrency);
  const bind = serverAddress(args.plan.kind);
  let cpuProfile: string | null = null;
  const execArgv = ['--expose-gc'];
  if (args.cpuProfDir && kind === 'peerbook') {
    mkdirSync(args.cpuProfDir, { recursive: true });
    cpuProfile = path.resolve(args.cpuProfDir);
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${cpuProfile}`);
  }
  const script = path.join(DIST_DIR, kind === 'peerbook' ? 'peerbook-server.js' : 'bcoin-server.js');
  const server = spawnChild({ name: `${kind} server`, script, args: ['--bind', bind, '--max-inbound', String(last)], execArgv, nofile });
  let loadgen: ReturnType<typeof spawnChild> | undefined;
  const run: ServerRun = {
    server: kind, description: '', maxInbound: last, maxConnections: null, memoryAfterStart: undefined as unknown as MemoryFigures,
    points: [], churn: null, handshakesPerS: 0, loadGenerator: undefined as unknown as LoadStatus, cpuProfile,
  };
  try {
    const info = await server.rpc.call<{ port: number; maxConnections: number | null; maxInbound: number; memoryAfterStart: MemoryFigures; description?: string }>('info');
    run.maxConnections = info.maxConnections;
    run.memoryAfterStart = info.memoryAfterStart;
    run.description = info.description ?? `Peerbook PeerManager, maxConnections ${info.maxConnections} (maxInbound ${info.maxInbound})`;
    const base = info.memoryAfterStart;
    const loadArgs = ['--target', `${bind}:${info.port}`, '--magic', REGTEST_MAGIC_HEX, '--plan', args.plan.kind, '--groups', String(args.plan.groups)];
    if (args.afterHandshake === 'getaddr') loadArgs.push('--getaddr');
    loadgen = spawnChild({ name: 'load generator', script: path.join(DIST_DIR, 'load-generator.js'), args: loadArgs, nofile });
    let held = 0;
    let rampMsTotal = 0;
    let readyTotal = 0;
    for (const step of args.steps) {
      const cpu0 = (await server.rpc.call<{ cpuMs: { user: number; system: number } }>('status')).cpuMs;
      await server.rpc.call('lagStart');
      const ramp = await loadgen.rpc.call<OpenResult>('open', { count: step - held, concurrency: args.concurrency });
      const lagRampMs = await server.rpc.call<LagFigures>('lagRead');
      const serverReady = await waitFor(server.rpc, (s) => s.inboundReady >= step, SETTLE_TIMEOUT_MS);
      const cpuRamp = (await server.rpc.call<{ cpuMs: { user: number; system: number } }>('status')).cpuMs;
      const lg = await loadgen.rpc.call<LoadStatus>('status');
      held = lg.ready;
      rampMsTotal += ramp.durationMs;
      readyTotal += ramp.ready;
      await server.rpc.call('lagStart');
      await sleep(args.holdMs);
      const lagHoldMs = await server.rpc.call<LagFigures>('lagRead');
      const cpu1 = (await server.rpc.call<{ cpuMs: { user: number; system: number } }>('status')).cpuMs;
      const memory = await server.rpc.call<MemoryFigures>('memory', { collect: true });
      const point: ScalePoint = {
        peers: held, ramp, lagRampMs, lagHoldMs, memory,
        rssBytesPerPeer: round((memory.rss - base.rss) / held),
        heapBytesPerPeer: round((memory.heapUsed + memory.external - base.heapUsed - base.external) / held),
        serverReady, serverCpuMs: round(cpu1.user + cpu1.system - cpu0.user - cpu0.system),
        serverCpuUsPerHandshake: round((cpuRamp.user + cpuRamp.system - cpu0.user - cpu0.system) * 1000 / Math.max(1, ramp.ready)),
        serverSystemCpuUsPerHandshake: round((cpuRamp.system - cpu0.system) * 1000 / Math.max(1, ramp.ready)),
        serverCpuMsPerSecondHeld: round((cpu1.user + cpu1.system - cpuRamp.user - cpuRamp.system) / (args.holdMs / 1000)),
      };
      run.points.push(point);
      log(`  ${kind} ${held} peers: ${ramp.handshakesPerS} handshakes/s (p99 ${ramp.latencyMs.p99} ms, ${ramp.ready}/${ramp.requested} ok, ` +
        `${point.serverCpuUsPerHandshake} µs node CPU each, ${point.serverSystemCpuUsPerHandshake} in the kernel; idle ${point.serverCpuMsPerSecondHeld} ms CPU/s), ` +
        `RSS ${(memory.rss / 1e6).toFixed(1)} MB = ${(point.rssBytesPerPeer / 1000).toFixed(2)} kB/peer, ` +
        `lag p99 ramp ${lagRampMs.p99} ms, hold ${lagHoldMs.p99} ms`);
      if (ramp.ready < step - (held - ramp.ready) && ramp.ready === 0) throw new Error(`no handshake completed at step ${step}: ${ramp.errors.join('; ')}`);
    }
    run.handshakesPerS = round(readyTotal / (rampMsTotal / 1000));
    if (args.churnMs > 0) {
      const before = await server.rpc.call<{ evictions: number }>('status');
      await server.rpc.call('lagStart');
      const churn = await loadgen.rpc.call<ChurnResult>('churn', { durationMs: args.churnMs, concurrency: args.concurrency });
      const lagMs = await server.rpc.call<LagFigures>('lagRead');
      const after = await server.rpc.call<{ evictions: number; rejected: unknown }>('status');
      const serverEvictions = after.evictions - before.evictions;
      const serverAcceptedPerS = round(serverEvictions / (churn.durationMs / 1000));
      run.churn = { ...churn, lagMs, serverEvictions, serverAcceptedPerS, serverRejected: after.rejected };
      log(`  ${kind} at max (${held} peers): ${serverAcceptedPerS} newcomers admitted/s (each evicting a peer) of ${churn.attemptedPerS} attempted/s; ` +
        `${churn.acceptedPerS}/s completed their handshake; evicted: ${churn.evictedEstablished} established, ${churn.evictedNewcomers} newcomers; lag p99 ${lagMs.p99} ms`);
    }
    run.loadGenerator = await loadgen.rpc.call<LoadStatus>('status');
  } catch (e) {
    run.error = e instanceof Error ? e.message : String(e);
    log(`  ${kind}: FAILED: ${run.error}`);
  } finally {
    await loadgen?.rpc.call('closeAll').catch(() => undefined);
    loadgen?.child.kill();
    await server.rpc.call('stop').catch(() => undefined);
    await server.rpc.waitExit();
    if (loadgen) await loadgen.rpc.waitExit();
  }
  return run;
}

/** Peerbook's figures against the targets. */
export function summarise(run: ServerRun | undefined): ScaleSummary | null {
  if (!run || run.points.length === 0) return null;
  const peak = run.points[run.points.length - 1];
  const lagP99HoldMs = Math.max(...run.points.map((p) => p.lagHoldMs.p99));
  const lagP99RampMs = Math.max(...run.points.map((p) => p.lagRampMs.p99));
  const prev = run.points.length > 1 ? run.points[run.points.length - 2] : undefined;
  return {
    peakPeers: peak.peers, rssBytesPerPeer: peak.rssBytesPerPeer,
    marginalRssBytesPerPeer: prev ? round((peak.memory.rss - prev.memory.rss) / (peak.peers - prev.peers)) : null,
    heapBytesPerPeer: peak.heapBytesPerPeer, cpuUsPerHandshake: peak.serverCpuUsPerHandshake,
    handshakesPerS: run.handshakesPerS, lagP99HoldMs, lagP99RampMs,
    acceptedPerSAtMax: run.churn?.serverAcceptedPerS ?? null,
    handshakenPerSAtMax: run.churn?.acceptedPerS ?? null,
    met: {
      concurrentPeers: peak.peers >= SCALE_TARGETS.concurrentPeers,
      rssBytesPerPeer: peak.rssBytesPerPeer <= SCALE_TARGETS.rssBytesPerPeer,
      handshakesPerS: run.handshakesPerS >= SCALE_TARGETS.handshakesPerS,
      lagP99Ms: Math.max(lagP99HoldMs, lagP99RampMs) <= SCALE_TARGETS.lagP99Ms,
    },
  };
}

/** Re-runs this bench inside a loopback-only network namespace with 11.0.0.0/8 local on `lo`; returns its result. */
function runInNamespace(argv: readonly string[]): ScaleResult {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'peerbook-scale-'));
  const out = path.join(dir, 'result.json');
  try {
    const script = 'ip link set lo up && ip addr add 11.0.0.1/8 dev lo && exec "$0" "$@"';
    execFileSync('unshare', ['--net', 'sh', '-c', script, process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...argv, '--no-save'], {
      stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, [NETNS_ENV]: out },
    });
    return JSON.parse(readFileSync(out, 'utf8')) as ScaleResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when this process runs in a network namespace whose only interface is `lo`. */
function isolatedNetwork(): boolean {
  try {
    const devs = readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean);
    return devs.length === 1 && devs[0] === 'lo';
  } catch {
    return false;
  }
}

/** Runs the scale bench (in a namespace for the routable plan) and returns its result. */
export async function runScaleBench(args: ScaleArgs, argv: readonly string[] = []): Promise<ScaleResult> {
  if (args.plan.kind === 'routable' && process.env[NETNS_ENV] === undefined) return runInNamespace(argv);
  if (args.plan.kind === 'routable' && !isolatedNetwork()) throw new BenchArgsError('the routable plan runs only inside a loopback-only network namespace');
  const started = new Date();
  const machine = machineInfo();
  log(`scale bench (${args.quick ? 'quick' : 'full'}; ${args.plan.kind} sources over ${args.plan.groups} /16s; steps ${args.steps.join(',')}; ` +
    `${args.concurrency} in flight) on ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadAverageStart.join(' ')}` +
    (machine.cpuPressureStart ? `, CPU pressure ${machine.cpuPressureStart.avg10}%` : ''));
  const runs: ServerRun[] = [];
  for (const kind of args.servers) runs.push(await runOne(kind, args));
  const { noSave: _n, quick: _q, ...options } = args;
  const result: ScaleResult = {
    schema: SCALE_RESULTS_SCHEMA, mode: args.quick ? 'quick' : 'full', startedAt: started.toISOString(), finishedAt: new Date().toISOString(),
    machine: { ...machine, loadAverageEnd: os.loadavg().map((x) => Number(x.toFixed(2))), cpuPressureEnd: cpuPressure() },
    code: codeVersion(path.resolve(DIST_DIR, '../../..')), options, targets: SCALE_TARGETS, runs,
    summary: summarise(runs.find((r) => r.server === 'peerbook')),
  };
  const inner = process.env[NETNS_ENV];
  if (inner) writeFileSync(inner, JSON.stringify(result));
  return result;
}

/** The summary as printable lines. */
export function formatScaleSummary(result: ScaleResult): string {
  const s = result.summary;
  const lines: string[] = [];
  if (s) {
    const t = SCALE_TARGETS;
    const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED');
    lines.push(`Connections at scale (${result.options.plan.kind} sources), Peerbook:`);
    lines.push(`  concurrent handshaken peers   ${s.peakPeers} (target ≥ ${t.concurrentPeers}: ${mark(s.met.concurrentPeers)})`);
    lines.push(`  RSS per peer                  ${(s.rssBytesPerPeer / 1000).toFixed(2)} kB (target ≤ ${t.rssBytesPerPeer / 1000} kB: ${mark(s.met.rssBytesPerPeer)}; ratio ${(t.rssBytesPerPeer / s.rssBytesPerPeer).toFixed(2)})`);
    lines.push(`    (one more peer: ${s.marginalRssBytesPerPeer === null ? '—' : `${(s.marginalRssBytesPerPeer / 1000).toFixed(2)} kB`} RSS; JS heap ${(s.heapBytesPerPeer / 1000).toFixed(2)} kB per peer)`);
    lines.push(`  handshakes per second         ${s.handshakesPerS} (target ≥ ${t.handshakesPerS}: ${mark(s.met.handshakesPerS)}; ratio ${(s.handshakesPerS / t.handshakesPerS).toFixed(2)})`);
    lines.push(`    (node CPU per handshake ${s.cpuUsPerHandshake} µs → ${Math.round(1e6 / s.cpuUsPerHandshake)} handshakes per CPU-second)`);
    lines.push(`  event-loop lag p99            idle ${s.lagP99HoldMs} ms, ramping ${s.lagP99RampMs} ms (target ≤ ${t.lagP99Ms} ms: ${mark(s.met.lagP99Ms)})`);
    lines.push(`  accepted/s at maxconnections  ${s.acceptedPerSAtMax ?? '—'} (each evicting a peer; ${s.handshakenPerSAtMax ?? '—'}/s also completed the handshake)`);
  }
  for (const r of result.runs.filter((x) => x.server !== 'peerbook')) {
    const p = r.points[r.points.length - 1];
    if (!p) {
      lines.push(`${r.server}: ${r.error ?? 'no figures'}`);
      continue;
    }
    lines.push(`${r.description}: ${p.peers} peers, ${(p.rssBytesPerPeer / 1000).toFixed(2)} kB/peer, ${r.handshakesPerS} handshakes/s, ` +
      `lag p99 idle ${Math.max(...r.points.map((x) => x.lagHoldMs.p99))} ms, ramping ${Math.max(...r.points.map((x) => x.lagRampMs.p99))} ms` +
      (r.churn ? `, at max ${r.churn.serverAcceptedPerS || r.churn.acceptedPerS} accepted/s` : ''));
  }
  return lines.join('\n');
}

/** `2026-01-02T03-04-05Z`. */
function fileStamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

/** Writes the result as bench/results/<stamp>-<host>-scale[-quick].json; returns the path. */
export function saveScaleResult(result: ScaleResult, resultsDir: string): string {
  mkdirSync(resultsDir, { recursive: true });
  const host = result.machine.hostname.replace(/[^A-Za-z0-9.-]/g, '_') || 'host';
  const file = path.join(resultsDir, `${fileStamp(new Date(result.startedAt))}-${host}-scale${result.mode === 'quick' ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    console.log(SCALE_USAGE);
    return 0;
  }
  let args: ScaleArgs;
  try {
    args = parseScaleArgs(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n${SCALE_USAGE}`);
    return 2;
  }
  const result = await runScaleBench(args, argv);
  if (process.env[NETNS_ENV]) return 0;
  console.log(formatScaleSummary(result));
  if (!args.noSave) console.log(`Results: ${path.relative(process.cwd(), saveScaleResult(result, path.resolve(DIST_DIR, '../../../bench/results')))}`);
  return result.runs.some((r) => r.error) ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then((code) => { process.exitCode = code; }, (e: unknown) => { console.error(e); process.exitCode = 1; });
}
