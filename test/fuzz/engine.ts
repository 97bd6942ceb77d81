/**
 * The fuzz engine: mutation-based generation from valid encodings, with a cheap feedback loop in
 * place of coverage instrumentation.
 *
 * A target (see targets.ts) names a decoder, its valid seed encodings, the typed errors the decoder
 * may throw, and how to mutate its input (bytes, text, JSON). Each input is a mutation of a corpus
 * entry (or, for targets that can, a freshly generated structured one), optionally "fixed up" (a
 * checksum recomputed) so that it reaches the parser behind the envelope. The contract checked on every
 * input: the decoder returns, or throws one of the target's typed errors — any other exception, or an
 * oracle of the target failing (a round trip that does not hold), is a failure, printed as hex with
 * the seed and index. Every input is timed; one slower than `slowMs` is re-run three times and counts
 * as slow only if its fastest run is still over the limit (a loaded machine must not invent findings).
 *
 * Feedback: the outcome of each input is reduced to a signature — "ok" plus the shape of the result,
 * or the error's class, code and message with numbers blanked — and an input with a signature not
 * seen before joins the corpus. New error paths and new kinds of accepted input so become starting
 * points for further mutation, which steers the run deeper without instrumenting the code.
 *
 * Everything is driven by one seeded generator, so a run is reproducible from its seed.
 */
import { FuzzRng } from './rng.js';
import { mutateBytes, mutateJson, mutateText } from './mutate.js';

/** Inputs larger than this are cut (mutations that repeat tokens can grow without bound). */
export const MAX_INPUT_BYTES = 1 << 20;
/** Most corpus entries kept per target (seeds plus inputs with new outcomes). */
export const MAX_CORPUS_ENTRIES = 4096;
/** Largest input added to the corpus, bytes (large ones slow every later mutation down). */
export const MAX_CORPUS_INPUT_BYTES = 64 * 1024;
/** The per-input time limit, ms. */
export const DEFAULT_SLOW_MS = 100;
/** An async target that has not settled after this long is reported as hung, ms (real time). */
export const HANG_MS = 5_000;
/** Failures and slow inputs kept in a report. */
const MAX_FINDINGS = 10;

/** A class of error a decoder may throw. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** A decoder under test. */
export interface FuzzTarget {
  /** Unique name, e.g. `message:addrv2`, `peers.dat`. */
  name: string;
  /** How inputs are mutated. */
  kind: 'bytes' | 'text' | 'json';
  /** Valid encodings to start from (at least one). */
  seeds(): Uint8Array[];
  /** Decodes the input: the timed part. Returns the decoded value (or a promise of it). */
  run(input: Uint8Array): unknown;
  /**
   * Oracles on an accepted input's decoded value (untimed): throw `OracleError` when one fails. May
   * return a short label of the outcome (e.g. the address's network), which feeds the corpus: an input
   * with a label not seen before is kept.
   */
  check?(decoded: unknown, input: Uint8Array): unknown;
  /** The typed errors `run` may throw for bad input. */
  errors: readonly ErrorClass[];
  /** Tokens for text and JSON mutations. */
  dictionary?: readonly string[];
  /** Makes a mutated input pass an outer check (e.g. recomputes a checksum); applied to 90 % of inputs. */
  fixup?(input: Uint8Array): Uint8Array;
  /** A fresh structure-aware input (used for 10 % of inputs when present). */
  generate?(rng: FuzzRng): Uint8Array;
  /**
   * Inputs in the reduced CI run when fewer than the default there — for a decoder whose every input
   * costs milliseconds (a key exchange). The full-size run ignores it.
   */
  ciInputs?: number;
  /** Sets up a live component the decoder needs (run once before the inputs). */
  open?(): Promise<void>;
  /** Tears it down (run once after the inputs, also after a failure). */
  close?(): Promise<void>;
}

/** An oracle of a target failed: a finding even though no unexpected exception was thrown. */
export class OracleError extends Error {}

/** One input that broke the contract. */
export interface FuzzFailure {
  index: number;
  hex: string;
  error: string;
}

/** One input over the time limit (`ms`: its re-measured CPU cost). */
export interface SlowInput {
  index: number;
  hex: string;
  ms: number;
}

/** The result of fuzzing one target. */
export interface FuzzReport {
  target: string;
  seed: string;
  inputs: number;
  seconds: number;
  /** Inputs the decoder accepted. */
  accepted: number;
  /** Inputs refused with one of the target's typed errors. */
  rejected: number;
  /** Distinct outcome signatures seen (the feedback signal). */
  outcomes: number;
  corpus: number;
  /**
   * The slowest input on its first run (wall clock, so including GC pauses and CPU contention), ms,
   * its hex, and its cost re-measured at the end of the run (fastest of three, CPU ms, after GC).
   */
  slowest: { ms: number; index: number; hex: string; cpuMs: number };
  /** The largest re-measured cost: of the slowest input and of every input over the limit, CPU ms. */
  slowestCpuMs: number;
  /** Inputs whose re-measured cost (fastest of three, CPU time, after GC) was over the limit. */
  slowCount: number;
  /** The first of them. */
  slow: SlowInput[];
  failures: FuzzFailure[];
  /** Failures beyond the first MAX_FINDINGS, counted only. */
  failureCount: number;
}

/** Options of `runTarget`. */
export interface RunOptions {
  /** Inputs to generate and run (the seeds first). */
  inputs: number;
  /** Seed text; the run is reproducible from it. */
  seed: string;
  /** Per-input time limit, ms (default DEFAULT_SLOW_MS). */
  slowMs?: number;
}

const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}${(e as { code?: unknown }).code ? ` [${String((e as { code?: unknown }).code)}]` : ''}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return String(e);
}

/** Where an error was thrown: its first two stack frames outside error constructors, as file:line:column. */
function throwSite(error: Error): string {
  const frames = (error.stack ?? '').split('\n').filter((l) => l.startsWith('    at ') && !l.includes(' at new '));
  return frames.slice(0, 2).map((l) => (/([^/\\(]+:\d+:\d+)\)?$/.exec(l) ?? [l])[1]).join('<');
}

/**
 * The coarse outcome of one input — the fuzzer's stand-in for coverage: for an accepted input the label
 * the target returned (a short string such as the address's network) or the result's shape; for a
 * refused one the error's class, code and reason and the place in the code that threw it (the first
 * stack frames), so each distinct rejection path counts once, whatever input text the message echoes.
 */
function signature(result: unknown, error: unknown): string {
  if (error === undefined) {
    if (typeof result === 'string') return `ok:${result.slice(0, 60)}`;
    if (result === null || typeof result !== 'object') return `ok:${typeof result}`;
    return `ok:${Array.isArray(result) ? `array${Math.min(result.length, 3)}` : Object.keys(result).slice(0, 6).join(',')}`;
  }
  if (!(error instanceof Error)) return `throw:${typeof error}`;
  const code = (error as { code?: unknown }).code;
  const reason = (error as { reason?: unknown }).reason;
  const cause = (error as { cause?: unknown }).cause;
  return `${error.constructor.name}:${String(code)}:${String(reason)}:${throwSite(error)}${cause instanceof Error ? `/${throwSite(cause)}` : ''}`;
}

async function settle(value: unknown): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([value, new Promise((_, reject) => {
      timer = setTimeout(() => reject(new OracleError(`did not settle within ${HANG_MS} ms`)), HANG_MS);
    })]);
  } finally {
    clearTimeout(timer);
  }
}

/** Decodes one input: its result or error, and how long it took (wall-clock ms). */
async function runOnce(target: FuzzTarget, input: Uint8Array): Promise<{ result: unknown; error: unknown; ms: number }> {
  const start = performance.now();
  let result: unknown;
  let error: unknown;
  try {
    result = target.run(input);
    if (result instanceof Promise) result = await settle(result);
  } catch (e) {
    error = e;
  }
  return { result, error, ms: performance.now() - start };
}

/**
 * What one input costs the decoder itself: the fastest of three runs, each after a full garbage
 * collection (with --expose-gc) and measured in process CPU time, so that neither garbage left by
 * earlier inputs nor waiting for a busy CPU is charged to it.
 */
async function remeasure(target: FuzzTarget, input: Uint8Array): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.cpuUsage();
    await runOnce(target, input);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

/** Whether `error` is one the target may throw (and not an oracle failure). */
function expected(target: FuzzTarget, error: unknown): boolean {
  return !(error instanceof OracleError) && target.errors.some((cls) => error instanceof cls);
}

/** The next input: a mutation of a corpus entry, or a freshly generated one. */
function nextInput(target: FuzzTarget, rng: FuzzRng, corpus: Uint8Array[]): Uint8Array {
  let out: Uint8Array;
  if (target.generate && rng.chance(0.1)) {
    out = target.generate(rng);
  } else {
    const base = rng.pick(corpus);
    const other = rng.pick(corpus);
    const dict = target.dictionary ?? [];
    out = target.kind === 'json' ? mutateJson(rng, base, other, dict)
      : target.kind === 'text' ? mutateText(rng, base, other, dict)
        : mutateBytes(rng, base, other);
  }
  if (out.length > MAX_INPUT_BYTES) out = out.subarray(0, MAX_INPUT_BYTES);
  if (target.fixup && rng.chance(0.9)) out = target.fixup(out);
  return out;
}

/** Fuzzes one target (see the module comment); never throws for findings, it reports them. */
export async function runTarget(target: FuzzTarget, options: RunOptions): Promise<FuzzReport> {
  const seeds = target.seeds();
  if (seeds.length === 0) throw new Error(`fuzz target ${target.name} has no seeds`);
  await target.open?.();
  try {
    return await fuzzLoop(target, seeds, options);
  } finally {
    await target.close?.();
  }
}

async function fuzzLoop(target: FuzzTarget, seeds: Uint8Array[], options: RunOptions): Promise<FuzzReport> {
  const slowMs = options.slowMs ?? DEFAULT_SLOW_MS;
  const rng = new FuzzRng(`${options.seed}/${target.name}`);
  const corpus = [...seeds];
  const seen = new Set<string>();
  const report: FuzzReport = {
    target: target.name, seed: options.seed, inputs: 0, seconds: 0, accepted: 0, rejected: 0, outcomes: 0, corpus: 0,
    slowest: { ms: 0, index: -1, hex: '', cpuMs: 0 }, slowestCpuMs: 0, slowCount: 0, slow: [], failures: [], failureCount: 0,
  };
  const started = performance.now();
  let slowestInput: Uint8Array = new Uint8Array(0);
  for (let index = 0; index < options.inputs; index++) {
    const input = index < seeds.length ? seeds[index] : nextInput(target, rng, corpus);
    const { result, error: decodeError, ms } = await runOnce(target, input);
    report.inputs++;
    if (ms > report.slowest.ms) {
      report.slowest = { ms, index, hex: '', cpuMs: 0 };
      slowestInput = input;
    }
    if (ms > slowMs) {
      const cpuMs = await remeasure(target, input);
      if (cpuMs > report.slowestCpuMs) report.slowestCpuMs = cpuMs;
      if (cpuMs > slowMs) {
        report.slowCount++;
        if (report.slow.length < MAX_FINDINGS) report.slow.push({ index, hex: toHex(input), ms: cpuMs });
      }
    }
    let error = decodeError;
    let label = result;
    if (error === undefined && target.check) {
      try {
        label = target.check(result, input);
      } catch (e) {
        error = e instanceof OracleError ? e : new OracleError(`oracle threw ${describe(e)}`);
      }
    }
    if (error === undefined) {
      report.accepted++;
    } else if (expected(target, error)) {
      report.rejected++;
    } else {
      report.failureCount++;
      if (report.failures.length < MAX_FINDINGS) report.failures.push({ index, hex: toHex(input), error: describe(error) });
      continue;
    }
    const sig = signature(label, error);
    if (!seen.has(sig)) {
      seen.add(sig);
      if (corpus.length < MAX_CORPUS_ENTRIES && input.length <= MAX_CORPUS_INPUT_BYTES) corpus.push(input);
    }
  }
  report.seconds = (performance.now() - started) / 1000;
  report.slowest.hex = toHex(slowestInput);
  report.slowest.cpuMs = await remeasure(target, slowestInput);
  report.slowestCpuMs = Math.max(report.slowestCpuMs, report.slowest.cpuMs);
  report.outcomes = seen.size;
  report.corpus = corpus.length;
  return report;
}

/** Runs one input (e.g. a printed failure) through a target: what it returned or threw, and whether that is allowed. */
export async function replay(target: FuzzTarget, hex: string): Promise<{ ok: boolean; outcome: string; ms: number }> {
  const input = Uint8Array.from(Buffer.from(hex, 'hex'));
  const { result, error, ms } = await runOnce(target, input);
  if (error === undefined) return { ok: true, outcome: `accepted: ${signature(result, undefined)}`, ms };
  return { ok: expected(target, error), outcome: describe(error), ms };
}

/** A report as text: one summary line, then each finding with its hex and seed. */
export function formatReport(r: FuzzReport): string {
  const rate = r.seconds > 0 ? Math.round(r.inputs / r.seconds) : r.inputs;
  const lines = [
    `${r.target}: ${r.inputs} inputs in ${r.seconds.toFixed(1)} s (${rate}/s), accepted ${r.accepted}, rejected ${r.rejected}, ` +
    `${r.outcomes} outcomes, corpus ${r.corpus}, slowest input ${r.slowest.index}: ${r.slowest.ms.toFixed(2)} ms wall, ` +
    `${r.slowest.cpuMs.toFixed(2)} ms CPU re-measured; most costly ${r.slowestCpuMs.toFixed(2)} ms CPU; slow ${r.slowCount}, failures ${r.failureCount}`,
  ];
  for (const f of r.failures) lines.push(`  FAILURE seed=${r.seed} target=${r.target} input=${f.index} hex=${f.hex}\n    ${f.error.replace(/\n/g, '\n    ')}`);
  for (const s of r.slow) lines.push(`  SLOW ${s.ms.toFixed(1)} ms CPU seed=${r.seed} target=${r.target} input=${s.index} hex=${s.hex}`);
  return lines.join('\n');
}
