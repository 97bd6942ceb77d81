/**
 * `peerbook sim SCENARIO [--seed N] [--out DIR]`: runs one simulator scenario (a JSON file, or the name
 * of one under sim/scenarios/) and writes result.json, nodes.json, perf.json and SVG plots into
 * `--out` (default `sim-results/<name>-seed<N>`). A progress bar is drawn on stderr only when stderr
 * is a terminal; summary lines go to stdout. A bad scenario prints one line naming the JSON path of
 * the problem and exits 2 before anything runs.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { runScenario } from '../sim/runner.js';
import { parseScenarioText, type Scenario } from '../sim/scenario.js';
import { SystemClock } from '../util/clock.js';
import { CliError, processIO, type CliIO } from './io.js';

/** Where named scenarios live: <package>/sim/scenarios (this file is dist/src/cli/sim.js). */
export const SCENARIO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../sim/scenarios');
/** Most often the progress bar is redrawn, ms. */
const PROGRESS_REDRAW_MS = 250;
/** Cells of the progress bar. */
const BAR_CELLS = 30;

/** Flags as commander hands them over. */
export interface SimFlags {
  seed?: string;
  out?: string;
  /** --log-progress SECONDS: a plain progress line every this many seconds (for logs, when stderr is no terminal). */
  logProgress?: string;
}

/** Options for tests. */
export interface SimCommandDeps {
  /** Whether stderr is a terminal (default: process.stderr.isTTY and TERM is not `dumb`). */
  stderrIsTTY?: boolean;
}

/** Resolves SCENARIO: an existing file path, else a name under sim/scenarios (with or without `.json`). */
export async function resolveScenarioPath(arg: string): Promise<string> {
  const candidates = [arg, path.join(SCENARIO_DIR, arg.endsWith('.json') ? arg : `${arg}.json`)];
  for (const c of candidates) {
    try {
      if ((await stat(c)).isFile()) return c;
    } catch {
      // try the next
    }
  }
  throw new CliError(`scenario not found: ${arg} (neither a file nor a name in ${SCENARIO_DIR})`);
}

/** Reads and validates a scenario file. */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read scenario ${file}: ${(e as Error).message}`);
  }
  return parseScenarioText(text, file);
}

function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw new CliError(`--seed must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function parsePositiveSeconds(text: string): number {
  const v = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(v > 0)) throw new CliError(`--log-progress must be a positive number of seconds, got ${JSON.stringify(text)}`);
  return v;
}

/** One progress line: `sim [██████░░░░]  42%  eclipse-botnet, 1:05 elapsed`. */
export function formatSimProgress(name: string, fraction: number, elapsedMs: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * BAR_CELLS);
  const s = Math.floor(elapsedMs / 1000);
  const clock = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `sim [${'█'.repeat(full)}${'░'.repeat(BAR_CELLS - full)}] ${String(Math.floor(f * 100)).padStart(3)}%  ${name}, ${clock} elapsed`;
}

/** Runs the command. */
export async function runSimCommand(scenarioArg: string, flags: SimFlags, io: CliIO = processIO, deps: SimCommandDeps = {}): Promise<void> {
  const seedOverride = parseSeed(flags.seed);
  const file = await resolveScenarioPath(scenarioArg);
  const scenario = await loadScenario(file);
  const seed = seedOverride ?? scenario.seed;
  const outDir = path.resolve(flags.out ?? path.join('sim-results', `${scenario.name}-seed${seed}`));
  const tty = deps.stderrIsTTY ?? (io === processIO && process.stderr.isTTY === true && process.env.TERM !== 'dumb');
  const clock = new SystemClock();
  const startedAt = clock.now();
  let lastDraw = 0;
  const logEveryMs = flags.logProgress === undefined ? undefined : parsePositiveSeconds(flags.logProgress) * 1000;
  const onProgress = tty || logEveryMs !== undefined ? (fraction: number): void => {
    const now = clock.now();
    if (now - lastDraw < (logEveryMs ?? PROGRESS_REDRAW_MS) && fraction < 1) return;
    lastDraw = now;
    const line = formatSimProgress(scenario.name, fraction, now - startedAt);
    io.err(tty ? `\r${line}` : `${line}\n`);
  } : undefined;
  const output = await runScenario(scenario, { seed, outDir, onProgress });
  if (tty) io.err('\n');
  for (const line of output.summary) io.out(`${line}\n`);
  io.out(`wrote ${output.files.join(', ')} to ${output.dir}\n`);
}

/** Registers `peerbook sim`. */
export function registerSimCommand(program: Command, io: CliIO = processIO, deps: SimCommandDeps = {}): void {
  program
    .command('sim')
    .description('run a network-simulator scenario (JSON file or name under sim/scenarios) and write metrics and plots')
    .argument('<scenario>', 'scenario file, or the name of one in sim/scenarios (e.g. eclipse-heilman)')
    .option('--seed <n>', 'seed (default: the scenario\'s); the same seed gives the same result.json')
    .option('--out <dir>', 'output directory (default sim-results/<name>-seed<n>)')
    .option('--log-progress <seconds>', 'print a plain progress line every this many seconds (when stderr is not a terminal)')
    .action(async (scenario: string, flags: SimFlags) => {
      await runSimCommand(scenario, flags, io, deps);
    });
}
