/**
 * Where the time of two missed address-manager targets goes: Core's `AddrManSelect` (Select on the
 * table filled with Core's 64 × 256 bench addresses, into a reused batch; target 150 ns) and saving a
 * full peers.dat (81,512 entries, serialised in memory; target 25 ms).
 *
 * For each, in one process: the figure measured exactly as bench/addrman.ts measures it (median of 7
 * batches), then again and again (Select: the compiler settling; save: save by save with the page
 * faults each took — a save into fresh memory against one into reused memory), the figure over a
 * longer steady-state window with V8's sampling profiler on (profile-window.ts;
 * the `.cpuprofile` is written to `--out`), the top functions by self time, and the parts of the
 * operation timed on their own (inlining hides small helpers inside their callers in the profile).
 *
 *   nice node --expose-gc dist/bench/profile-addrman.js [--phase select|save|all] [--seconds 4] [--out /tmp/peerbook-prof] [--save-json]
 *
 * Prints the tables on stderr and the figures as JSON on stdout; `--save-json` also writes them to
 * bench/results/profile-addrman-<time>.json.
 */
import { hash as oneShotHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { AddressBatch } from '../src/addrman/index.js';
import { selectSlot } from '../src/addrman/selection.js';
import { tableOf } from '../src/addrman/testing.js';
import { VirtualClock } from '../src/util/clock.js';
import { sha256d } from '../src/util/hash.js';
import { ChaChaRandom } from '../src/util/random.js';
import { createAddresses, fill, fillCompletely, MAINNET_MAGIC, newAddrMan } from './addrman.js';
import { formatTop, machineLoad, profileWindow, topFunctions } from './profile-window.js';
import { medianNs, perOpNs } from './timing.js';

/** Repetitions of the bench-style medians (bench/addrman.ts full mode). */
const RUNS = 7;
/** Select calls per timed batch (bench/addrman.ts). */
const SELECT_BATCH = 20_000;
/** Bench-style Select measurements in a row (the first is the bench's figure). */
const SELECT_TREND_STEPS = 8;
/** Saves timed one by one, with the page faults each takes. */
const SAVE_SERIES = 16;
/** A save that faults in fewer pages than this wrote into reused memory; more, into fresh memory. */
const FRESH_MEMORY_FAULTS = 100;

const round = (x: number): number => Number(x.toPrecision(4));

/** Calls `fn` in batches of `batch` until `seconds` have passed; returns calls made and ns per call. */
function steadyState(seconds: number, batch: number, fn: () => void): { calls: number; nsPerCall: number } {
  const t0 = process.hrtime.bigint();
  const until = t0 + BigInt(Math.round(seconds * 1e9));
  let calls = 0;
  let now = t0;
  while (now < until) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    now = process.hrtime.bigint();
  }
  return { calls, nsPerCall: round(Number(now - t0) / calls) };
}

/** Select: bench figure, profiled steady state, and its parts. */
async function profileSelect(seconds: number, out: string): Promise<Record<string, unknown>> {
  const clock = new VirtualClock();
  const data = createAddresses(clock.nowSeconds());
  const filled = newAddrMan(clock, 'filled');
  fill(filled, data);
  const picked = new AddressBatch(1);
  const select = (): void => {
    if (filled.selectInto(picked) < 0 || picked.port[0] === 0) throw new Error('AddrManSelect: port 0');
  };
  // The bench's figure is the first of these; the later ones show the just-in-time compiler settling
  // (on a loaded 2-core machine its background thread waits for a core too).
  const trendNs: number[] = [];
  for (let k = 0; k < SELECT_TREND_STEPS; k++) trendNs.push(round(perOpNs(RUNS, SELECT_BATCH, select)));
  const benchNs = trendNs[0];

  // The parts, each in the same loop shape as the bench.
  const t = tableOf(filled);
  const now = clock.nowSeconds();
  let slot = 0;
  const slotOnlyNs = perOpNs(RUNS, SELECT_BATCH, () => {
    slot = selectSlot(t, now, { newOnly: false, netMask: 0 });
  });
  // Select draws one pair (16 bits) and its acceptance draw (30 bits) in one randbits(46) (bit-reservoir.ts).
  const rng = ChaChaRandom.fromSeed('parts');
  let sink = 0;
  const randbitsNs = perOpNs(RUNS, SELECT_BATCH, () => {
    sink += rng.randbits(46);
  });
  const copyRowNs = perOpNs(RUNS, SELECT_BATCH, () => {
    picked.clear();
    picked.pushRow(t.entries, slot);
  });
  const clockNs = perOpNs(RUNS, SELECT_BATCH, () => {
    sink += clock.nowSeconds();
  });
  const chanceNs = perOpNs(RUNS, SELECT_BATCH, () => {
    sink += t.chance(slot, now);
  });
  if (sink === -1) console.error(sink); // keeps the loops' results alive

  const window = await profileWindow('select', out, () => steadyState(seconds, SELECT_BATCH, select));
  const afterNs = perOpNs(RUNS, SELECT_BATCH, select);
  return {
    entries: filled.size(),
    benchNs: round(benchNs),
    trendNs,
    profiledSteadyStateNs: window.result.nsPerCall,
    profiledCalls: window.result.calls,
    benchAfterProfileNs: round(afterNs),
    targetNs: 150,
    partsNs: {
      selectSlot: round(slotOnlyNs),
      randbits46: round(randbitsNs),
      copyRowIntoBatch: round(copyRowNs),
      clockNowSeconds: round(clockNs),
      chance: round(chanceNs),
    },
    profile: { file: window.file, wallMs: window.summary.wallMs, busyMs: window.summary.busyMs, top: topFunctions(window.summary, 15) },
    text: formatTop(window.summary, 15),
  };
}

/** Save of a full table: bench figure, profiled steady state, and the hashing floor of the same bytes. */
async function profileSave(seconds: number, out: string): Promise<Record<string, unknown>> {
  const clock = new VirtualClock();
  const full = newAddrMan(clock, 'full');
  const fillStart = process.hrtime.bigint();
  fillCompletely(full, clock, new ChaChaRandom(new Uint8Array(32).fill(7)));
  const fillMs = Number(process.hrtime.bigint() - fillStart) / 1e6;
  // Save by save: time and minor page faults (the kernel mapping fresh pages of the 5 MB output on
  // first touch). The bench's figure is the median of 7 saves with no warm-up: the first 7 here.
  let file: Uint8Array = new Uint8Array(0);
  const series: { ms: number; pageFaults: number }[] = [];
  for (let k = 0; k < SAVE_SERIES; k++) {
    const faults = process.resourceUsage().minorPageFault;
    const t0 = process.hrtime.bigint();
    file = full.serialize(MAINNET_MAGIC);
    series.push({ ms: round(Number(process.hrtime.bigint() - t0) / 1e6), pageFaults: process.resourceUsage().minorPageFault - faults });
  }
  const medianOf = (xs: number[]): number | null => (xs.length === 0 ? null : round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]));
  const benchNs = (medianOf(series.slice(0, RUNS).map((r) => r.ms)) ?? 0) * 1e6;
  const fresh = series.slice(RUNS).filter((r) => r.pageFaults >= FRESH_MEMORY_FAULTS).map((r) => r.ms);
  const reusedMemory = series.slice(RUNS).filter((r) => r.pageFaults < FRESH_MEMORY_FAULTS).map((r) => r.ms);

  // The envelope's checksum alone: sha256d over everything before it, as the writer computes it.
  const body = file.subarray(0, file.length - 32);
  const sha256dNs = medianNs(RUNS, () => {
    sha256d(body);
  });
  const sha256OnceNs = medianNs(RUNS, () => {
    oneShotHash('sha256', body, 'buffer');
  });
  // Allocating and zero-filling the output alone (the writer's `new Uint8Array(size)`).
  const allocNs = medianNs(RUNS, () => {
    file = new Uint8Array(body.length + 32);
    file[0] = 1;
  });
  file = full.serialize(MAINNET_MAGIC);

  let loops = 0;
  const window = await profileWindow('save', out, () => {
    const t0 = process.hrtime.bigint();
    const until = t0 + BigInt(Math.round(seconds * 1e9));
    let now = t0;
    while (now < until) {
      file = full.serialize(MAINNET_MAGIC);
      loops++;
      now = process.hrtime.bigint();
    }
    return Number(now - t0) / loops;
  });
  return {
    entries: full.size(),
    newEntries: full.size({ inNew: true }),
    triedEntries: full.size({ inNew: false }),
    fileBytes: file.length,
    fillMs: round(fillMs),
    benchMs: round(benchNs / 1e6),
    series,
    warmSavesIntoFreshMemoryMedianMs: medianOf(fresh),
    warmSavesIntoReusedMemoryMedianMs: medianOf(reusedMemory),
    pagesOfFile: Math.ceil(file.length / 4096),
    profiledSteadyStateMs: round(window.result / 1e6),
    profiledSaves: loops,
    targetMs: 25,
    partsMs: {
      sha256dOfFile: round(sha256dNs / 1e6),
      sha256OnceOfFile: round(sha256OnceNs / 1e6),
      allocateOutput: round(allocNs / 1e6),
    },
    profile: { file: window.file, wallMs: window.summary.wallMs, busyMs: window.summary.busyMs, top: topFunctions(window.summary, 15) },
    text: formatTop(window.summary, 15),
  };
}

/** Runs the chosen phases and returns their figures. */
export async function runAddrmanProfiles(opts: { phase: string; seconds: number; out: string }): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = { startedAt: new Date().toISOString(), node: process.version, loadStart: machineLoad() };
  if (opts.phase === 'select' || opts.phase === 'all') result.select = await profileSelect(opts.seconds, opts.out);
  if (opts.phase === 'save' || opts.phase === 'all') result.save = await profileSave(opts.seconds, opts.out);
  result.loadEnd = machineLoad();
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const opt = (k: string, d: string): string => {
    const i = args.indexOf(k);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : d;
  };
  runAddrmanProfiles({ phase: opt('--phase', 'all'), seconds: Number(opt('--seconds', '4')), out: opt('--out', '/tmp/peerbook-prof') }).then((r) => {
    for (const k of ['select', 'save']) {
      const part = r[k] as { text?: string } | undefined;
      if (part?.text) console.error(`--- ${k}\n${part.text}`);
    }
    const json = JSON.stringify(r, null, 2);
    console.log(json);
    if (args.includes('--save-json')) {
      const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\..*/, 'Z');
      writeFileSync(new URL(`../../bench/results/profile-addrman-${stamp}.json`, import.meta.url), `${json}\n`);
    }
  }, (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
