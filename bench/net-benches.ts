/**
 * The network half of `npm run bench`: the wire benchmarks (wire.ts), the in-process connection costs
 * (one handshake, one eviction decision) — each in a fresh child process (isolated.ts), so the heap the
 * address-manager benches leave behind does not slow them — and connections at scale
 * (scale/run-scale.ts, its own child processes), with the command-line flags `run.ts` passes through.
 * Kept apart from run.ts so the address-manager benches and these can change independently.
 *
 * Flags (also listed by `npm run bench -- --help`):
 *   --skip-wire            no wire benchmarks
 *   --skip-scale           no connection-scale benchmark
 *   --scale-peers n        the scale curve stops at n peers (default 5,000; 1,000 with --quick)
 *   --scale-servers list   peerbook,bcoin (default: both; bcoin's steps stop at 2,000 peers)
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runIsolated } from './isolated.js';
import { parseScaleArgs, type ScaleArgs } from './scale/args.js';
import { runEvictionCost, type EvictionCostFigures } from './scale/eviction-cost.js';
import { runHandshakeCost, type HandshakeCostFigures } from './scale/handshake-cost.js';
import { formatScaleSummary, runScaleBench, type ScaleResult } from './scale/run-scale.js';
import { formatWire, type WireFigures } from './wire.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Flags this module takes (value-taking ones listed with their argument). */
const FLAGS = ['--skip-wire', '--skip-scale'];
const VALUE_FLAGS = ['--scale-peers', '--scale-servers'];

/** Usage lines for run.ts's help. */
export const NET_BENCH_USAGE = `  --skip-wire   no wire benchmarks (framing, checksums, codecs)
  --skip-scale  no connection-scale benchmark (child processes on loopback TCP)
  --scale-peers n        the scale curve stops at n peers (default 5000; 1000 with --quick)
  --scale-servers list   peerbook,bcoin (default both; bcoin stops at 2000 peers)`;

/** The network benches' options. */
export interface NetBenchOptions {
  wire: boolean;
  /** The scale bench's arguments, or null to skip it. */
  scale: ScaleArgs | null;
}

/**
 * Takes this module's flags out of `argv`: returns the options and the arguments left for run.ts.
 * Throws the scale parser's `BenchArgsError` for a bad value.
 */
export function takeNetBenchFlags(argv: readonly string[], quick: boolean): { options: NetBenchOptions; rest: string[] } {
  const rest: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    if (FLAGS.includes(argv[i])) flags.add(argv[i]);
    else if (VALUE_FLAGS.includes(argv[i])) values.set(argv[i], argv[++i] ?? '');
    else rest.push(argv[i]);
  }
  const scaleArgv = [...(quick ? ['--quick'] : []), '--servers', values.get('--scale-servers') ?? 'peerbook,bcoin', '--no-save'];
  if (values.has('--scale-peers')) scaleArgv.push('--max-peers', values.get('--scale-peers')!);
  return {
    options: { wire: !flags.has('--skip-wire'), scale: flags.has('--skip-scale') ? null : parseScaleArgs(scaleArgv) },
    rest,
  };
}

/** In-process costs behind the scale figures (no sockets: robust to other processes on the machine). */
export interface ConnectionCosts {
  /** One inbound handshake through a PeerManager on in-process connections, at 5,000 peers. */
  handshake: HandshakeCostFigures;
  /** One eviction decision at 125, 1,000 and 5,000 inbound peers: 127/8 sources (one netgroup) and routable ones (254 /16s). */
  eviction: { loopback: EvictionCostFigures[]; routable: EvictionCostFigures[] };
}

/** The network benches' results (`error` when one could not run). */
export interface NetBenchResults {
  wire: WireFigures | { error: string } | null;
  connectionCosts: ConnectionCosts | { error: string } | null;
  connections: ScaleResult | { error: string } | null;
}

/** Peer counts of the eviction-cost rows. */
const EVICTION_COST_PEERS = [125, 1_000, 5_000];

/** The in-process connection costs (run in a child process of their own by `runNetBenches`). */
export async function runConnectionCosts(quick: boolean): Promise<ConnectionCosts> {
  await runHandshakeCost(500); // warm-up
  const handshake = await runHandshakeCost(quick ? 1_000 : 5_000);
  const runs = quick ? 5 : 11;
  return { handshake, eviction: { loopback: runEvictionCost(EVICTION_COST_PEERS, 'loopback', 254, runs), routable: runEvictionCost(EVICTION_COST_PEERS, 'routable', 254, runs) } };
}

const failure = (e: unknown): { error: string } => ({ error: e instanceof Error ? e.message : String(e) });

/** Runs the wire benches, then the scale bench. */
export async function runNetBenches(options: NetBenchOptions, quick: boolean, log: (m: string) => void): Promise<NetBenchResults> {
  let wire: NetBenchResults['wire'] = null;
  let connections: NetBenchResults['connections'] = null;
  let connectionCosts: NetBenchResults['connectionCosts'] = null;
  if (options.wire) {
    log('Wire: framing and checksums, ping and addrv2 codecs …');
    wire = await runIsolated<WireFigures>(path.join(HERE, 'wire.js'), quick ? ['--quick'] : []).catch(failure);
  }
  if (options.scale) {
    log('Connection costs in process: one handshake, one eviction decision …');
    connectionCosts = await runIsolated<ConnectionCosts>(fileURLToPath(import.meta.url), quick ? ['--quick'] : []).catch(failure);
    log('Connections at scale (child processes on loopback TCP) …');
    connections = await runScaleBench(options.scale).catch(failure);
  }
  return { wire, connectionCosts, connections };
}

/** The printed summary. */
export function formatNetBenches(r: NetBenchResults): string {
  const lines: string[] = [];
  if (r.wire) lines.push('error' in r.wire ? `Wire bench FAILED: ${r.wire.error}` : formatWire(r.wire));
  if (r.connectionCosts) {
    if ('error' in r.connectionCosts) lines.push(`Connection-cost bench FAILED: ${r.connectionCosts.error}`);
    else {
      const { handshake: h, eviction: e } = r.connectionCosts;
      const ev = (rows: EvictionCostFigures[]): string => rows.map((x) => `${x.peers}: ${x.decisionUs} µs`).join(', ');
      lines.push(`Connection costs in process (no sockets): one inbound handshake ${h.cpuUsPerHandshake} µs CPU (${h.handshakesPerS}/CPU-s) at ${h.peers} peers; ` +
        `idle ${h.idleCpuMsPerS} ms CPU/s\n  one eviction decision by inbound peers — 127/8 (one group) ${ev(e.loopback)}; routable (254 groups) ${ev(e.routable)}`);
    }
  }
  if (r.connections) lines.push('error' in r.connections ? `Scale bench FAILED: ${r.connections.error}` : formatScaleSummary(r.connections));
  return lines.join('\n\n');
}

/** Ids of the network targets missed (for the results file's `misses`). */
export function netMisses(r: NetBenchResults): string[] {
  const out: string[] = [];
  if (r.wire && !('error' in r.wire) && !r.wire.met.checksumRatio) out.push('wire.checksumRatio');
  if (r.connections && !('error' in r.connections) && r.connections.summary) {
    for (const [k, ok] of Object.entries(r.connections.summary.met)) if (!ok) out.push(`connections.${k}`);
  }
  return out;
}

// `node --expose-gc dist/bench/net-benches.js [--quick] --json`: the connection costs alone, as one JSON line.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runConnectionCosts(process.argv.includes('--quick')).then((c) => console.log(JSON.stringify(c)), (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
