/**
 * CPU profiles of one measured window, for the profiling scripts (profile-addrman.ts, profile-wire.ts).
 *
 * `node --cpu-prof` profiles a whole process, and in these scripts most of a process is set-up (filling
 * a full table takes seconds); the loop being explained would be a small share of it. So the scripts
 * start V8's sampling profiler — the same one `--cpu-prof` drives, producing the same `.cpuprofile`
 * format — through `node:inspector` just around the loop, write the profile to a file (open it in
 * Chrome DevTools) and sum it by function with scale/profile.ts. Run under `node --cpu-prof` as well to
 * get the whole-process profile beside it.
 *
 * Caveat for reading the shares: V8 attributes an inlined function's samples to the function it was
 * inlined into, so a small helper (a bit draw, a row copy) shows up inside its caller's self time.
 * The scripts therefore also time the parts of an operation separately.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadavg } from 'node:os';
import path from 'node:path';
import { formatProfile, summariseProfile, type CpuProfile, type ProfileSummary } from './scale/profile.js';

/** Sampling interval of the window profiles, µs (`--cpu-prof`'s default is 1,000: too coarse for a 1-s loop). */
export const PROFILE_SAMPLING_INTERVAL_US = 100;

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/** A profiled window: the summary, where the `.cpuprofile` was written, and what the window did. */
export interface ProfiledWindow<R> {
  /** Sum by function (self and total time, % of non-idle samples). */
  summary: ProfileSummary;
  /** Path of the written `.cpuprofile`. */
  file: string;
  /** `fn`'s return value. */
  result: R;
}

/**
 * Runs `fn` with V8's sampling profiler on, writes `<dir>/<name>.cpuprofile` and returns its summary.
 * `fn` is synchronous: the window is exactly its run.
 */
export async function profileWindow<R>(name: string, dir: string, fn: () => R): Promise<ProfiledWindow<R>> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: PROFILE_SAMPLING_INTERVAL_US });
    await post(session, 'Profiler.start');
    const result = fn();
    const { profile } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return { summary: summariseProfile(profile), file, result };
  } finally {
    session.disconnect();
  }
}

/** The top `top` functions by self time, as the table the docs quote. */
export function formatTop(summary: ProfileSummary, top = 12): string {
  return formatProfile(summary, top, 'self');
}

/** The top functions as data (name, self %, total %) for a JSON report. */
export function topFunctions(summary: ProfileSummary, top = 12): { name: string; selfPct: number; totalPct: number }[] {
  return summary.functions.slice(0, top).map((f) => ({ name: f.name, selfPct: f.selfPct, totalPct: f.totalPct }));
}

/** Load average and CPU pressure now (the machine is shared; every figure is read against them). */
export function machineLoad(): { loadAverage: number[]; cpuPressureSomeAvg10: number | null } {
  let psi: number | null = null;
  try {
    const text = readFileSync('/proc/pressure/cpu', 'utf8');
    const m = /some avg10=([\d.]+)/.exec(text);
    psi = m ? Number(m[1]) : null;
  } catch {
    psi = null;
  }
  return { loadAverage: loadavg().map((x) => Number(x.toFixed(2))), cpuPressureSomeAvg10: psi };
}
