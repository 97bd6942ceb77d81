/**
 * Command lines of the connection-scale bench: the orchestrator (`run-scale.js`, also reached through
 * `npm run bench`) and the load-generator child process. Parsing is pure — argv in, a validated
 * options object out, or a `BenchArgsError` naming the bad option — so it is unit-tested apart from
 * the processes.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PeerbookError } from '../../src/util/errors.js';
import { checkSourcePlan, HOSTS_PER_GROUP, MAX_SOURCE_GROUPS, type SourcePlan, type SourcePlanKind } from './sources.js';

/** A bad command line (code `ERR_BENCH_ARGS`); the message names the option. */
export class BenchArgsError extends PeerbookError {
  /** @param message what is wrong, naming the option. */
  constructor(message: string) {
    super('ERR_BENCH_ARGS', message);
  }
}

/** Regtest network magic (Core chainparams.cpp, CRegTestParams pchMessageStart). */
export const REGTEST_MAGIC_HEX = 'fabfb5da';
/** Default scale curve: concurrent handshaken peers at each step. */
export const DEFAULT_STEPS = [500, 1_000, 2_000, 3_000, 4_000, 5_000] as const;
/** `--quick` scale curve. */
export const QUICK_STEPS = [250, 500, 1_000] as const;
/**
 * Most peers one run may ask for (file descriptors: one socket each on both sides). Below the
 * distinct source addresses of even a one-group plan, so every peer always has its own address.
 */
export const MAX_BENCH_PEERS = Math.min(50_000, HOSTS_PER_GROUP);
/** Default number of handshakes the load generator keeps in flight. */
export const DEFAULT_CONCURRENCY = 256;
/** Most handshakes in flight (the listener's accept backlog is 511 by default in Node). */
export const MAX_CONCURRENCY = 4_096;
/**
 * Default idle window at each step, ms: the event-loop lag is read over it, and the RSS at its end —
 * long enough for V8 to give back the young-generation space the handshake burst grew.
 */
export const DEFAULT_HOLD_MS = 8_000;
/** Default cap on bcoin's peers (it uses ~0.6 MB each, so 5,000 would take 3 GB of a shared machine). */
export const DEFAULT_BCOIN_MAX_PEERS = 2_000;
/** Default length of the at-maxconnections (eviction) phase, ms. */
export const DEFAULT_CHURN_MS = 5_000;
/** Longest hold or churn phase, ms. */
export const MAX_PHASE_MS = 600_000;

/** What the load generator does once a peer's handshake is complete. */
export type AfterHandshake = 'idle' | 'getaddr';

/** Options of the load-generator process. */
export interface LoadGenArgs {
  /** The Peerbook (or bcoin) listener, `ip:port`. */
  targetHost: string;
  targetPort: number;
  /** Network magic, 4 bytes. */
  magic: Uint8Array;
  /** Where the peers' source addresses come from. */
  plan: SourcePlan;
  /** After verack: stay quiet (answer pings only), or also send getaddr as Core does on its outbound links. */
  afterHandshake: AfterHandshake;
}

/** Which node implementation the scale bench runs against. */
export type ScaleServerKind = 'peerbook' | 'bcoin';

/** Options of the scale-bench orchestrator. */
export interface ScaleArgs {
  /** Peer counts of the scale curve, ascending. */
  steps: number[];
  /** Source-address plan (routable re-runs the bench inside a loopback-only network namespace). */
  plan: SourcePlan;
  /** Handshakes in flight. */
  concurrency: number;
  /** Event-loop-lag window at each step, ms. */
  holdMs: number;
  /** Length of the eviction phase at the last step, ms (0: skip it). */
  churnMs: number;
  /** What peers do after their handshake. */
  afterHandshake: AfterHandshake;
  /** Implementations to measure, in order. */
  servers: ScaleServerKind[];
  /** bcoin runs only the steps up to this many peers (and this count itself as its last step). */
  bcoinMaxPeers: number;
  /** Directory for the server's `--cpu-prof` output (undefined: no profile). */
  cpuProfDir: string | undefined;
  /** File-descriptor limit to raise each child process to (0: derive from the steps). */
  nofile: number;
  /** The `--quick` preset was asked for. */
  quick: boolean;
  /** Write no files. */
  noSave: boolean;
}

function integer(option: string, text: string | undefined, min: number, max: number): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new BenchArgsError(`--${option} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`);
  }
  return n;
}

function planKind(text: string | undefined): SourcePlanKind {
  if (text === undefined || text === 'loopback') return 'loopback';
  if (text === 'routable') return 'routable';
  throw new BenchArgsError(`--plan must be loopback or routable, got ${JSON.stringify(text)}`);
}

function parse(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new BenchArgsError((e as Error).message);
  }
}

/** Parses `ip:port` (IPv4 only: the bench runs on 127/8 or a namespace's 11/8). */
export function parseTarget(text: string | undefined): { host: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text ?? '');
  if (!m || m[1].split('.').some((o) => Number(o) > 255)) throw new BenchArgsError(`--target must be IPv4:port, got ${JSON.stringify(text)}`);
  return { host: m[1], port: integer('target port', m[2], 1, 65_535) };
}

/** Parses 8 hex digits into the 4 magic bytes. */
export function parseMagic(text: string | undefined): Uint8Array {
  const hex = text ?? REGTEST_MAGIC_HEX;
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new BenchArgsError(`--magic must be 8 hex digits, got ${JSON.stringify(text)}`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** The load generator's command line: `--target ip:port [--magic hex] [--plan loopback|routable] [--groups n] [--getaddr]`. */
export function parseLoadGenArgs(argv: readonly string[]): LoadGenArgs {
  const v = parse(argv, {
    target: { type: 'string' }, magic: { type: 'string' }, plan: { type: 'string' }, groups: { type: 'string' }, getaddr: { type: 'boolean' },
  });
  const target = parseTarget(v.target as string | undefined);
  const plan: SourcePlan = {
    kind: planKind(v.plan as string | undefined),
    groups: v.groups === undefined ? MAX_SOURCE_GROUPS : integer('groups', v.groups as string, 1, MAX_SOURCE_GROUPS),
  };
  checkSourcePlan(plan);
  return { targetHost: target.host, targetPort: target.port, magic: parseMagic(v.magic as string | undefined), plan, afterHandshake: v.getaddr ? 'getaddr' : 'idle' };
}

/** Parses `500,1000,2000`: ascending distinct peer counts. */
export function parseSteps(text: string): number[] {
  const steps = text.split(',').map((s) => integer('steps', s.trim(), 1, MAX_BENCH_PEERS));
  for (let i = 1; i < steps.length; i++) {
    if (steps[i] <= steps[i - 1]) throw new BenchArgsError(`--steps must be ascending, got ${JSON.stringify(text)}`);
  }
  return steps;
}

function parseServers(text: string | undefined): ScaleServerKind[] {
  if (text === undefined) return ['peerbook'];
  const list = text.split(',').map((s) => s.trim());
  for (const s of list) if (s !== 'peerbook' && s !== 'bcoin') throw new BenchArgsError(`--servers lists peerbook and/or bcoin, got ${JSON.stringify(text)}`);
  if (new Set(list).size !== list.length) throw new BenchArgsError(`--servers lists each implementation once, got ${JSON.stringify(text)}`);
  return list as ScaleServerKind[];
}

/** Usage text of the orchestrator. */
export const SCALE_USAGE = `Usage: node --expose-gc dist/bench/scale/run-scale.js [options]
  --steps a,b,c       peer counts of the scale curve (default ${DEFAULT_STEPS.join(',')})
  --max-peers n       the default curve cut at n (adds n as the last step)
  --quick             steps ${QUICK_STEPS.join(',')}, 2 s holds and churn
  --plan p            loopback (127/8, default) or routable (11/8 in a loopback-only network namespace; root)
  --groups n          /16 source prefixes, 1..${MAX_SOURCE_GROUPS} (default ${MAX_SOURCE_GROUPS})
  --concurrency n     handshakes in flight (default ${DEFAULT_CONCURRENCY})
  --hold-ms n         event-loop-lag window at each step (default ${DEFAULT_HOLD_MS})
  --churn-ms n        eviction phase at the last step, 0 to skip (default ${DEFAULT_CHURN_MS})
  --getaddr           peers send getaddr after the handshake (as Core does on outbound links)
  --servers list      peerbook,bcoin (default peerbook)
  --bcoin-max-peers n bcoin's steps stop at n peers (default ${DEFAULT_BCOIN_MAX_PEERS}: ~0.6 MB each)
  --cpu-prof dir      write the server's CPU profile (node --cpu-prof) into dir
  --nofile n          file-descriptor limit for the child processes (default: from the steps)
  --no-save           print only`;

/** The orchestrator's command line (see SCALE_USAGE). */
export function parseScaleArgs(argv: readonly string[]): ScaleArgs {
  const v = parse(argv, {
    steps: { type: 'string' }, 'max-peers': { type: 'string' }, quick: { type: 'boolean' }, plan: { type: 'string' },
    groups: { type: 'string' }, concurrency: { type: 'string' }, 'hold-ms': { type: 'string' }, 'churn-ms': { type: 'string' },
    getaddr: { type: 'boolean' }, servers: { type: 'string' }, 'bcoin-max-peers': { type: 'string' }, 'cpu-prof': { type: 'string' }, nofile: { type: 'string' },
    'no-save': { type: 'boolean' },
  });
  const quick = v.quick === true;
  let steps = v.steps !== undefined ? parseSteps(v.steps as string) : [...(quick ? QUICK_STEPS : DEFAULT_STEPS)];
  if (v['max-peers'] !== undefined) {
    if (v.steps !== undefined) throw new BenchArgsError('give --steps or --max-peers, not both');
    const max = integer('max-peers', v['max-peers'] as string, 1, MAX_BENCH_PEERS);
    steps = [...steps.filter((s) => s < max), max];
  }
  const plan: SourcePlan = {
    kind: planKind(v.plan as string | undefined),
    groups: v.groups === undefined ? MAX_SOURCE_GROUPS : integer('groups', v.groups as string, 1, MAX_SOURCE_GROUPS),
  };
  const phase = quick ? 2_000 : undefined;
  return {
    steps,
    plan,
    concurrency: v.concurrency === undefined ? DEFAULT_CONCURRENCY : integer('concurrency', v.concurrency as string, 1, MAX_CONCURRENCY),
    holdMs: v['hold-ms'] === undefined ? phase ?? DEFAULT_HOLD_MS : integer('hold-ms', v['hold-ms'] as string, 100, MAX_PHASE_MS),
    churnMs: v['churn-ms'] === undefined ? phase ?? DEFAULT_CHURN_MS : integer('churn-ms', v['churn-ms'] as string, 0, MAX_PHASE_MS),
    afterHandshake: v.getaddr ? 'getaddr' : 'idle',
    servers: parseServers(v.servers as string | undefined),
    bcoinMaxPeers: v['bcoin-max-peers'] === undefined ? DEFAULT_BCOIN_MAX_PEERS : integer('bcoin-max-peers', v['bcoin-max-peers'] as string, 1, MAX_BENCH_PEERS),
    cpuProfDir: v['cpu-prof'] as string | undefined,
    nofile: v.nofile === undefined ? 0 : integer('nofile', v.nofile as string, 64, 1_048_576),
    quick,
    noSave: v['no-save'] === true,
  };
}

/** File descriptors a child needs for `peers` sockets plus the churn newcomers and slack. */
export function nofileFor(peers: number, concurrency: number): number {
  return peers + 2 * concurrency + 1_024;
}
