/**
 * Turns the raw bench figures into the comparison: one row per scenario with Peerbook's figure, the
 * target from the issue, whether it is met, bcoin's figure for its two table configurations and the
 * ratio bcoin ÷ Peerbook (above 1: Peerbook is faster or smaller). Also the machine description and
 * the plain-text table `npm run bench` prints.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { AddrmanExtraFigures } from './addrman-extra.js';
import type { BcoinBenchResult, BcoinConfigFigures } from './bcoin.js';

/** Units a scenario value can carry. */
export type Unit = 'ns' | 'µs' | 'ms' | 'bytes';

/** One line of the comparison. */
export interface Scenario {
  /** Stable key (also used in `misses`). */
  id: string;
  /** What is measured, in words. */
  name: string;
  /** Core bench this corresponds to, if any (src/bench/addrman.cpp). */
  core: string | null;
  /** bcoin's operation measured against it, or why there is none. */
  bcoinOperation: string;
  /** Unit of `peerbook`, `target` and `bcoin`. */
  unit: Unit;
  /** Peerbook's figure, or null when the bench did not produce it. */
  peerbook: number | null;
  /** The issue's ceiling for Peerbook, or null when the scenario has none. */
  target: number | null;
  /**
   * Bitcoin Core's C++ figure for the same bench (src/bench/addrman.cpp), measured on this 2-core
   * machine type but not in this run (issue 13), or null when Core has no such bench.
   */
  coreCpp: number | null;
  /** Core C++ ÷ Peerbook (above 1: Peerbook is faster), or null. */
  ratioCore: number | null;
  /** peerbook ≤ target; null without a target or a figure. */
  met: boolean | null;
  /** bcoin's figure as shipped (20 × 50 buckets, first 1,000 addresses) and scaled (1024 × 64, all 16,384). */
  bcoin: { shipped: number | null; scaled: number | null };
  /** bcoin ÷ Peerbook for each configuration. */
  ratio: { shipped: number | null; scaled: number | null };
  /** Caveat for this row, if any. */
  note?: string;
}

/** Reads a number at a dotted path of an untyped result; undefined when absent. */
export function numberAt(obj: unknown, path: string): number | undefined {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return typeof cur === 'number' && Number.isFinite(cur) ? cur : undefined;
}

const ratioOf = (b: number | null, p: number | null): number | null => (b === null || p === null || p === 0 ? null : round(b / p));
/** Four significant digits: the runs are not more precise than that. */
const round = (v: number | null): number | null => (v === null ? null : Number(v.toPrecision(4)));

/** Builds the scenario rows from runAddrmanBench()'s result, the extra Peerbook figures and bcoin's. */
export function buildScenarios(addrman: unknown, extra: AddrmanExtraFigures | null, bcoin: BcoinBenchResult | null): Scenario[] {
  const fig = (path: string): number | null => numberAt(addrman, `figures.${path}`) ?? null;
  const target = (key: string): number | null => numberAt(addrman, `targets.${key}`) ?? null;
  const core = (key: string): number | null => numberAt(addrman, `coreCpp.${key}`) ?? null;
  const both = (f: (c: BcoinConfigFigures) => number | null) => ({
    shipped: bcoin ? f(bcoin.shipped) : null,
    scaled: bcoin ? f(bcoin.scaled) : null,
  });
  const entries = fig('fullTable.entries');
  const perEntryUs = (ms: number | null): number | null => (ms === null || !entries ? null : (ms * 1000) / entries);
  const bcoinPerEntryUs = (ms: number, n: number): number => (ms * 1000) / n;

  const rows: Array<Omit<Scenario, 'met' | 'ratio' | 'ratioCore' | 'coreCpp'> & { coreCpp?: number | null }> = [
    {
      id: 'add', name: 'Add, per address', core: 'AddrManAdd', bcoinOperation: 'HostList.add(NetAddress, src)', unit: 'ns',
      peerbook: fig('addNsPerAddress'), target: target('addNsPerAddress'), coreCpp: core('addNsPerAddress'), bcoin: both((c) => c.addNsPerAddress),
      note: 'Core: a new addrman plus 64 Add calls of 256 ready-made addresses; bcoin as shipped: the first 1,000 addresses (its capacity).',
    },
    {
      id: 'addOnlyNewCell', name: 'Add, tried bucket left to Good', core: null, bcoinOperation: 'HostList.add(NetAddress, src)', unit: 'ns',
      peerbook: fig('addOnlyNewCellNsPerAddress'), target: null, bcoin: both((c) => c.addNsPerAddress),
      note: 'The other side of the Add/Good trade (addHashesTriedBucket = false): Add hashes only the new-table cell; Good then hashes all three tried hashes (next rows).',
    },
    {
      id: 'addWithParse', name: 'Add incl. decoding v1 addr bytes', core: null, bcoinOperation: 'NetAddress.fromReader + add', unit: 'ns',
      peerbook: extra?.addWithV1DecodeNsPerAddress ?? null, target: null, bcoin: both((c) => c.addWithParseNsPerAddress),
      note: 'Not a Core bench: both sides decode 30-byte v1 addr entries (one 256-entry buffer per source) before adding.',
    },
    {
      id: 'select', name: 'Select into a batch', core: 'AddrManSelect', bcoinOperation: 'HostList.getHost()', unit: 'ns',
      peerbook: fig('selectNs'), target: target('selectNs'), coreCpp: core('selectNs'), bcoin: both((c) => c.getHostNs),
      note: 'Peerbook: selectInto, the address copied into a reused batch (Core returns a copy by value); bcoin returns a reference to its stored entry.',
    },
    {
      id: 'selectObject', name: 'Select as an object', core: null, bcoinOperation: 'as above', unit: 'ns',
      peerbook: fig('selectObjectNs'), target: null, bcoin: both((c) => c.getHostNs),
      note: 'select: the same draw, the record materialised as an AddressRecord (NetService, NetAddress with its own bytes).',
    },
    {
      id: 'selectFromAlmostEmpty', name: 'Select, one address in the table', core: 'AddrManSelectFromAlmostEmpty',
      bcoinOperation: 'HostList.getHost() with one entry', unit: 'ns',
      peerbook: fig('selectFromAlmostEmptyNs'), target: target('selectFromAlmostEmptyNs'), coreCpp: core('selectFromAlmostEmptyNs'), bcoin: both((c) => c.getHostFromAlmostEmptyNs),
      note: 'Worst case for bucket scans: bcoin probes random buckets until it hits the one non-empty one (20 or 1,024 buckets).',
    },
    {
      id: 'selectByNetwork', name: 'Select(I2P), one I2P address in 16k', core: 'AddrManSelectByNetwork',
      bcoinOperation: 'none (getHost has no network filter)', unit: 'ns',
      peerbook: fig('selectByNetworkNs'), target: target('selectByNetworkNs'), coreCpp: core('selectByNetworkNs'), bcoin: { shipped: null, scaled: null },
    },
    {
      id: 'getAddr', name: 'GetAddr(2500, 23%) into a batch', core: 'AddrManGetAddr', bcoinOperation: 'pool getaddr reply: toArray(), first ≤1,000', unit: 'ms',
      peerbook: fig('getAddrMs'), target: target('getAddrMs'), coreCpp: core('getAddrMs'), bcoin: both((c) => c.getAddrMs),
      note: 'Peerbook: getAddrInto, the records copied into a reused column batch (Core returns a vector of CAddress copies). Different work: Core draws a random 23% (≤2,500) and skips terrible entries; bcoin returns its map in insertion order (≤1,000).',
    },
    {
      id: 'getAddrObjects', name: 'GetAddr(2500, 23%) as objects', core: null, bcoinOperation: 'as above', unit: 'ms',
      peerbook: fig('getAddrObjectsMs'), target: null, bcoin: both((c) => c.getAddrMs),
      note: 'getAddr: the same draws, each record materialised as an AddressRecord (NetService, NetAddress with its bytes, bigint services).',
    },
    {
      id: 'good', name: 'Good, per address', core: 'AddrManAddThenGood (Good loop only)', bcoinOperation: 'HostList.markAck()', unit: 'ns',
      peerbook: fig('goodNsPerAddress'), target: target('goodNsPerAddress'), coreCpp: core('goodNsPerAddress'), bcoin: both((c) => c.markAckNsPerAddress),
      note: 'Both move every entry of a freshly filled table from new/fresh to tried/used; the Add before it is not timed. Peerbook hashes each tried cell here (Add does not).',
    },
    {
      id: 'goodAllTriedHashes', name: 'Good, all tried hashes in Good', core: null, bcoinOperation: 'HostList.markAck()', unit: 'ns',
      peerbook: fig('goodAllTriedHashesNsPerAddress'), target: null, bcoin: both((c) => c.markAckNsPerAddress),
      note: 'With addHashesTriedBucket = false: the first Good of an entry hashes its tried bucket (two hashes) and position on the scalar kernel.',
    },
    {
      id: 'addThenGood', name: 'AddThenGood, per run', core: 'AddrManAddThenGood', bcoinOperation: 'none', unit: 'ms',
      peerbook: fig('addThenGoodMsPerRun'), target: target('addThenGoodMsPerRun'), coreCpp: core('addThenGoodMsPerRun'), bcoin: { shipped: null, scaled: null },
      note: "Core's shape: a fresh addrman, Add 64 × 256, then Good on each, all timed. Core's figure is derived: (1.74 + 2.13) µs × 16,384.",
    },
    {
      id: 'connected', name: 'Connected', core: null, bcoinOperation: 'HostList.markSuccess()', unit: 'ns',
      peerbook: extra?.connectedNs ?? null, target: null, bcoin: both((c) => c.markSuccessNs),
      note: 'Not a Core bench: both refresh the entry time when older than 20 minutes (here: a lookup, times are fresh).',
    },
    {
      id: 'memory', name: 'Memory per entry (full table)', core: null, bcoinOperation: 'heap + external per held entry', unit: 'bytes',
      peerbook: fig('fullTable.bytesPerEntry'), target: target('bytesPerEntry'), bcoin: both((c) => c.bytesPerEntry),
      note: 'Peerbook: 81,920-cell table filled to 99.5%; bcoin: 16 shipped tables of ~1,000 entries, or one scaled table of 16,384.',
    },
    {
      id: 'save', name: `Save peers.dat (${entries ?? '?'} entries)`, core: null, bcoinOperation: 'see the per-entry row', unit: 'ms',
      peerbook: fig('fullTable.saveMs'), target: target('saveMs'), bcoin: { shipped: null, scaled: null },
    },
    {
      id: 'load', name: `Load peers.dat (${entries ?? '?'} entries)`, core: null, bcoinOperation: 'see the per-entry row', unit: 'ms',
      peerbook: fig('fullTable.loadMs'), target: target('loadMs'), bcoin: { shipped: null, scaled: null },
    },
    {
      id: 'savePerEntry', name: 'Save, per entry', core: null, bcoinOperation: 'toJSON() + JSON.stringify (hosts.json text)', unit: 'µs',
      peerbook: perEntryUs(fig('fullTable.saveMs')), target: null, bcoin: both((c) => bcoinPerEntryUs(c.saveMs, c.saveLoadEntries)),
      note: `In memory on both sides (no file I/O). Entries: Peerbook ${entries ?? '?'}, bcoin ${bcoin ? `${bcoin.shipped.saveLoadEntries} / ${bcoin.scaled.saveLoadEntries}` : '—'}.`,
    },
    {
      id: 'loadPerEntry', name: 'Load, per entry', core: null, bcoinOperation: 'JSON.parse + fromJSON()', unit: 'µs',
      peerbook: perEntryUs(fig('fullTable.loadMs')), target: null, bcoin: both((c) => bcoinPerEntryUs(c.loadMs, c.saveLoadEntries)),
    },
  ];
  return rows.map((r) => ({
    ...r,
    peerbook: round(r.peerbook),
    coreCpp: r.coreCpp ?? null,
    ratioCore: ratioOf(r.coreCpp ?? null, r.peerbook),
    bcoin: { shipped: round(r.bcoin.shipped), scaled: round(r.bcoin.scaled) },
    met: r.target === null || r.peerbook === null ? null : r.peerbook <= r.target,
    ratio: { shipped: ratioOf(r.bcoin.shipped, r.peerbook), scaled: ratioOf(r.bcoin.scaled, r.peerbook) },
  }));
}

/** A value with a readable unit (ns become µs or ms when large). */
export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return '—';
  if (unit === 'bytes') return `${value.toFixed(0)} B`;
  const ns = unit === 'ns' ? value : unit === 'µs' ? value * 1e3 : value * 1e6;
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1_000_000_000) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}

const formatRatio = (r: number | null): string => (r === null ? '—' : `${r < 10 ? r.toFixed(2) : r.toFixed(0)}×`);

/** The plain-text comparison table. */
export function formatTable(scenarios: Scenario[], bcoin: BcoinBenchResult | null): string {
  const shippedLabel = bcoin ? `bcoin ${bcoin.shipped.maxBuckets}×${bcoin.shipped.maxEntries}` : 'bcoin (shipped)';
  const scaledLabel = bcoin ? `bcoin ${bcoin.scaled.maxBuckets}×${bcoin.scaled.maxEntries}` : 'bcoin (scaled)';
  const header = ['Scenario', 'Peerbook', 'Target', 'Met', 'Core C++*', 'ratio', shippedLabel, 'ratio', scaledLabel, 'ratio'];
  const body = scenarios.map((s) => [
    s.name,
    formatValue(s.peerbook, s.unit),
    s.target === null ? '' : `≤ ${formatValue(s.target, s.unit)}`,
    s.met === null ? '' : s.met ? 'yes' : 'MISS',
    formatValue(s.coreCpp, s.unit),
    formatRatio(s.ratioCore),
    formatValue(s.bcoin.shipped, s.unit),
    formatRatio(s.ratio.shipped),
    formatValue(s.bcoin.scaled, s.unit),
    formatRatio(s.ratio.scaled),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Lines naming each missed target, empty when all are met. */
export function formatMisses(scenarios: Scenario[]): string[] {
  return scenarios
    .filter((s) => s.met === false)
    .map((s) => `MISSED ${s.name}: ${formatValue(s.peerbook, s.unit)} > target ${formatValue(s.target, s.unit)}`);
}

/** What the figures were measured on. */
export interface MachineInfo {
  /** os.hostname(). */
  hostname: string;
  /** os.platform(), e.g. linux. */
  platform: string;
  /** Kernel release. */
  release: string;
  /** CPU architecture, e.g. x64. */
  arch: string;
  /** Model name of the first CPU. */
  cpuModel: string;
  /** Logical CPUs. */
  cores: number;
  /** Physical memory. */
  totalMemoryBytes: number;
  /** os.loadavg() (1, 5, 15 minutes) when the bench started. */
  loadAverageStart: number[];
  /** Linux CPU pressure (/proc/pressure/cpu "some": % of time a task waited for a CPU) when the bench started; null elsewhere. */
  cpuPressureStart: CpuPressure | null;
  /** process.version. */
  nodeVersion: string;
  /** V8 version (JIT behaviour differs between versions). */
  v8Version: string;
}

/** Share of wall time, in %, during which at least one runnable task waited for a CPU (Linux PSI). */
export interface CpuPressure {
  avg10: number;
  avg60: number;
  avg300: number;
}

/** Reads /proc/pressure/cpu; null where the kernel does not offer it. */
export function cpuPressure(): CpuPressure | null {
  try {
    const some = readFileSync('/proc/pressure/cpu', 'utf8').split('\n').find((l) => l.startsWith('some '));
    const field = (name: string): number => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(some ?? '')?.[1] ?? NaN);
    const p = { avg10: field('avg10'), avg60: field('avg60'), avg300: field('avg300') };
    return Object.values(p).every(Number.isFinite) ? p : null;
  } catch {
    return null;
  }
}

/** Describes this machine (call at the start: it records the load average and CPU pressure). */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length || os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    loadAverageStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    cpuPressureStart: cpuPressure(),
    nodeVersion: process.version,
    v8Version: process.versions.v8,
  };
}

/** The commit measured and whether the work tree had changes (read-only git calls; null outside git). */
export function codeVersion(repoRoot: string): { commit: string | null; dirty: boolean | null } {
  const git = (...args: string[]): string =>
    execFileSync('git', ['--no-optional-locks', ...args], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    return { commit: git('rev-parse', 'HEAD').trim(), dirty: git('status', '--porcelain', '--untracked-files=no').trim() !== '' };
  } catch {
    return { commit: null, dirty: null };
  }
}
