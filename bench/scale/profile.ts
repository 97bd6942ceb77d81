/**
 * Reads a V8 CPU profile (`node --cpu-prof` writes `*.cpuprofile`: a call tree of nodes with their
 * call frames, plus the sampled node ids and the time between samples) and sums it up by function:
 * self time (samples whose top frame is the function) and total time (samples with the function
 * anywhere on the stack, counted once per sample even under recursion). That is the table the
 * performance report quotes to say where the time goes.
 *
 *   node dist/bench/scale/profile.js <file.cpuprofile> [--top 30] [--by self|total] [--filter text] [--from-ms a] [--to-ms b]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the profile. */
export interface FunctionCost {
  /** `name (file:line)`; `(program)`, `(idle)`, `(garbage collector)` for V8's pseudo-frames. */
  name: string;
  /** Time with this function on top of the stack, ms. */
  selfMs: number;
  /** Time with this function anywhere on the stack, ms. */
  totalMs: number;
  /** selfMs as % of the non-idle time. */
  selfPct: number;
  /** totalMs as % of the non-idle time. */
  totalPct: number;
}

/** The summary. */
export interface ProfileSummary {
  /** Wall time the profile covers, ms. */
  wallMs: number;
  /** Time not idle, ms. */
  busyMs: number;
  /** Functions by self time, descending. */
  functions: FunctionCost[];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const fn = functionName || '(anonymous)';
  if (!url) return fn;
  const file = url.replace(/^file:\/\//, '');
  const short = file.includes('/dist/') ? file.slice(file.indexOf('/dist/') + 6) : file.includes('node_modules/') ? file.slice(file.lastIndexOf('node_modules/')) : path.basename(file);
  return `${fn} (${short}:${lineNumber + 1})`;
}

/** Sums a profile by function; `window` keeps only samples taken in [fromMs, toMs) after the profile started. */
export function summariseProfile(profile: CpuProfile, window: { fromMs?: number; toMs?: number } = {}): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let idleUs = 0;
  let allUs = 0;
  const fromUs = (window.fromMs ?? 0) * 1000;
  const toUs = (window.toMs ?? Infinity) * 1000;
  let atUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    atUs += profile.timeDeltas[i] ?? 0;
    // The delta after sample i is the time until the next sample: attribute it to sample i.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (dt <= 0 || atUs < fromUs || atUs >= toUs) continue;
    allUs += dt;
    const leaf = byId.get(profile.samples[i]);
    if (!leaf) continue;
    const leafName = frameName(leaf);
    if (leafName === '(idle)') {
      idleUs += dt;
      continue;
    }
    self.set(leafName, (self.get(leafName) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const name = frameName(byId.get(id)!);
      if (name === '(root)' || seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + dt);
    }
  }
  const busyUs = allUs - idleUs;
  const pct = (us: number): number => (busyUs > 0 ? Number(((100 * us) / busyUs).toFixed(2)) : 0);
  const functions = [...total.keys()].map((name) => ({
    name, selfMs: Number(((self.get(name) ?? 0) / 1000).toFixed(2)), totalMs: Number(((total.get(name) ?? 0) / 1000).toFixed(2)),
    selfPct: pct(self.get(name) ?? 0), totalPct: pct(total.get(name) ?? 0),
  }));
  functions.sort((a, b) => b.selfMs - a.selfMs || b.totalMs - a.totalMs);
  return { wallMs: Number((allUs / 1000).toFixed(1)), busyMs: Number((busyUs / 1000).toFixed(1)), functions };
}

/** Reads and sums a `.cpuprofile` file. */
export function summariseProfileFile(file: string, window: { fromMs?: number; toMs?: number } = {}): ProfileSummary {
  return summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, window);
}

/** A plain-text table of the top functions. */
export function formatProfile(summary: ProfileSummary, top = 30, by: 'self' | 'total' = 'self', filter?: string): string {
  const rows = summary.functions
    .filter((f) => !filter || f.name.includes(filter))
    .sort((a, b) => (by === 'self' ? b.selfMs - a.selfMs : b.totalMs - a.totalMs))
    .slice(0, top);
  const lines = [`wall ${summary.wallMs} ms, busy ${summary.busyMs} ms`, '   self ms  self %   total ms total %  function'];
  for (const f of rows) {
    lines.push(`${f.selfMs.toFixed(1).padStart(10)} ${f.selfPct.toFixed(1).padStart(6)} ${f.totalMs.toFixed(1).padStart(10)} ${f.totalPct.toFixed(1).padStart(7)}  ${f.name}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, ...rest] = process.argv.slice(2);
  const opt = (k: string): string | undefined => {
    const i = rest.indexOf(k);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (!file) {
    console.error('Usage: node dist/bench/scale/profile.js <file.cpuprofile> [--top n] [--by self|total] [--filter text] [--from-ms a] [--to-ms b]');
    process.exitCode = 2;
  } else {
    const window = { fromMs: opt('--from-ms') === undefined ? undefined : Number(opt('--from-ms')), toMs: opt('--to-ms') === undefined ? undefined : Number(opt('--to-ms')) };
    console.log(formatProfile(summariseProfileFile(file, window), Number(opt('--top') ?? 30), opt('--by') === 'total' ? 'total' : 'self', opt('--filter')));
  }
}
