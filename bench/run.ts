/**
 * `npm run bench`: Peerbook's addrman benchmarks (Core's six scenarios, full-table memory, peers.dat
 * save and load) and the same operations on bcoin's HostList, then the cost of the BIP324 v2 transport
 * next to v1 (handshake, throughput, ChaCha20-Poly1305 backends), in one run. Prints a comparison table and
 * writes bench/results/<date>-<host>.json and bench/results/latest.json. A missed target is reported,
 * not fatal: the exit status is 0 unless a bench could not run at all.
 *
 * Then the network benches (net-benches.ts): wire framing and codecs, and connections at scale.
 *
 *   node --expose-gc dist/bench/run.js [--quick] [--skip-bcoin] [--skip-bip324] [--no-save] [--skip-wire] [--skip-scale] [--scale-peers n]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAddrmanExtraBench, type AddrmanExtraFigures } from './addrman-extra.js';
import { runAddrmanBench } from './addrman.js';
import { runHashFloorBench, type HashFloorFigures } from './hash-floor.js';
import { runBcoinBenchIsolated, type BcoinBenchResult } from './bcoin.js';
import { formatBip324, runBip324Bench, type Bip324Figures } from './bip324.js';
import { addressSetDigest, coreBenchAddresses } from './core-addresses.js';
import { formatNetBenches, NET_BENCH_USAGE, netMisses, runNetBenches, takeNetBenchFlags, type NetBenchOptions } from './net-benches.js';
import { buildScenarios, codeVersion, cpuPressure, formatMisses, formatTable, machineInfo } from './report.js';
import { gcExposed } from './timing.js';

/** Version of the results file layout (bench/README.md describes it). */
const RESULTS_SCHEMA = 'peerbook-bench/2';

const USAGE = `Usage: node --expose-gc dist/bench/run.js [--quick] [--skip-bcoin] [--skip-bip324] [--no-save]
  --quick        fewer repetitions (3 instead of 7); results are marked "quick"
  --skip-bcoin   Peerbook only (no bcoin comparison)
  --skip-bip324  no BIP324 v2-transport figures
  --no-save      print only; write no files under bench/results/
${NET_BENCH_USAGE}`;

/** CPU pressure (% of the last minute with a task waiting for a CPU) above which the run is called noisy. */
const BUSY_PRESSURE_PCT = 10;

/** bench/ in the source tree (this file runs from dist/bench/). */
const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench');

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** `2026-01-02T03-04-05Z`: an ISO time without characters that file systems dislike. */
function fileStamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const quick = argv.includes('--quick');
  let net: NetBenchOptions;
  let rest: string[];
  try {
    ({ options: net, rest } = takeNetBenchFlags(argv, quick));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const unknown = rest.filter((a) => !['--quick', '--skip-bcoin', '--skip-bip324', '--no-save'].includes(a));
  if (unknown.length > 0) {
    console.error(`Unknown option ${unknown.join(' ')}\n${USAGE}`);
    return 2;
  }
  const skipBcoin = argv.includes('--skip-bcoin');
  const skipBip324 = argv.includes('--skip-bip324');
  const save = !argv.includes('--no-save');

  const started = new Date();
  const machine = machineInfo();
  if (!gcExposed()) log('warning: run with node --expose-gc; without it the memory figures are unreliable');
  const pressure = machine.cpuPressureStart ? `, CPU pressure ${machine.cpuPressureStart.avg10}% (10 s)` : '';
  log(`bench (${quick ? 'quick' : 'full'}) on ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadAverageStart.join(' ')}${pressure}`);

  log('Peerbook: Core addrman scenarios, full table, peers.dat …');
  const addrman = await runAddrmanBench({ quick });
  log('Peerbook: add with v1 decoding, connected …');
  const extra: AddrmanExtraFigures = runAddrmanExtraBench({ quick });
  log('Peerbook: the hashing floor (ns per bucket hash on each path) …');
  const hashFloor: HashFloorFigures = runHashFloorBench({ quick });

  let bcoin: BcoinBenchResult | null = null;
  let bcoinError: string | null = null;
  if (!skipBcoin) {
    log('bcoin HostList (child process, NODE_BACKEND=js) …');
    try {
      bcoin = await runBcoinBenchIsolated({ quick });
    } catch (err) {
      bcoinError = err instanceof Error ? err.message : String(err);
    }
  }
  let bip324: Bip324Figures | null = null;
  if (!skipBip324) {
    log('BIP324: v2 transport handshake and throughput next to v1, ChaCha20-Poly1305 backends …');
    bip324 = await runBip324Bench({ quick });
  }
  const netResults = await runNetBenches(net, quick, log);
  const finished = new Date();
  const pressureEnd = cpuPressure();

  const addressSetSha256 = addressSetDigest(coreBenchAddresses());
  if (bcoin && bcoin.addressSetSha256 !== addressSetSha256) {
    bcoinError = `bcoin ran on a different address set (${bcoin.addressSetSha256} ≠ ${addressSetSha256})`;
  }
  const scenarios = buildScenarios(addrman, extra, bcoin);
  const misses = formatMisses(scenarios);

  console.log('');
  console.log(formatTable(scenarios, bcoin));
  console.log('');
  console.log('ratio = Core C++ ÷ Peerbook, bcoin ÷ Peerbook (above 1: Peerbook is faster or smaller).');
  console.log('* Core C++: Bitcoin Core\'s own src/bench/addrman.cpp, built natively, measured on this 2-core machine type, not in this run (issue 13).');
  if (bcoin) {
    console.log(
      `bcoin ${bcoin.version} with NODE_BACKEND=${bcoin.backend.NODE_BACKEND ?? '(unset)'}: ` +
        `as shipped (${bcoin.shipped.maxBuckets}×${bcoin.shipped.maxEntries}, capacity ${bcoin.shipped.capacity}) on the first ` +
        `${bcoin.shipped.addressesOffered} of Core's addresses (${bcoin.shipped.entriesHeld} held); ` +
        `scaled (${bcoin.scaled.maxBuckets}×${bcoin.scaled.maxEntries}) on all ${bcoin.scaled.addressesOffered}.`,
    );
  }
  console.log(
    `Hashing floor, ns per sha256d bucket hash: batched SIMD ${hashFloor.batchedKeyed44Ns.toFixed(0)} (44 B) / ${hashFloor.batchedKeyed56Ns.toFixed(0)} (56 B), ` +
      `scalar single ${hashFloor.singleKeyed44Ns.toFixed(0)} / ${hashFloor.singleKeyed56Ns.toFixed(0)}, JavaScript ${hashFloor.javascript44Ns.toFixed(0)}, ` +
      `node:crypto hash() ×2 ${hashFloor.nodeCryptoHash44Ns.toFixed(0)}. Add = 2 batched hashes, Good = 3 single, a full load ≈ 114k batched.`,
  );
  if (bcoinError) console.log(`bcoin comparison FAILED: ${bcoinError}`);
  if (skipBcoin) console.log('bcoin comparison skipped (--skip-bcoin).');
  if (pressureEnd && pressureEnd.avg60 >= BUSY_PRESSURE_PCT) {
    console.log(`Note: other work competed for the CPU (pressure ${pressureEnd.avg60}% over the last minute); expect noisy figures.`);
  }
  console.log(misses.length === 0 ? 'All targets met.' : `${misses.length} target(s) missed:\n  ${misses.join('\n  ')}`);
  if (bip324) {
    console.log('');
    console.log(formatBip324(bip324));
  }
  const netSummary = formatNetBenches(netResults);
  if (netSummary) console.log(`\n${netSummary}`);

  const result = {
    schema: RESULTS_SCHEMA,
    mode: quick ? 'quick' : 'full',
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: Number(((finished.getTime() - started.getTime()) / 1000).toFixed(1)),
    machine: { ...machine, loadAverageEnd: os.loadavg().map((x) => Number(x.toFixed(2))), cpuPressureEnd: pressureEnd, gcExposed: gcExposed() },
    code: codeVersion(path.resolve(BENCH_DIR, '..')),
    addressSetSha256,
    units: 'Field-name suffixes: Ns nanoseconds, Ms milliseconds, Bytes (bytesPerEntry, fileBytes) bytes; scenario values carry `unit`.',
    ratioDefinition: 'ratio: bcoin ÷ Peerbook; ratioCore: Core C++ ÷ Peerbook; above 1 means Peerbook is faster or smaller',
    coreCppSource: 'Bitcoin Core src/bench/addrman.cpp (C++, built natively, master after v31), measured on this 2-core machine type, not in this run (issue 13)',
    scenarios,
    misses: [...scenarios.filter((s) => s.met === false).map((s) => s.id), ...netMisses(netResults)],
    allTargetsMet: misses.length === 0 && netMisses(netResults).length === 0,
    peerbook: { addrman, extra, hashFloor },
    bcoin: bcoin ?? { error: bcoinError ?? 'skipped (--skip-bcoin)' },
    bip324: bip324 ?? { error: 'skipped (--skip-bip324)' },
    wire: netResults.wire,
    connectionCosts: netResults.connectionCosts,
    connections: netResults.connections,
  };

  if (save) {
    const dir = path.join(BENCH_DIR, 'results');
    mkdirSync(dir, { recursive: true });
    const host = machine.hostname.replace(/[^A-Za-z0-9.-]/g, '_') || 'host';
    const file = path.join(dir, `${fileStamp(started)}-${host}${quick ? '-quick' : ''}.json`);
    const text = `${JSON.stringify(result, null, 2)}\n`;
    writeFileSync(file, text);
    writeFileSync(path.join(dir, 'latest.json'), text);
    console.log(`Results: ${path.relative(process.cwd(), file)} (and latest.json)`);
  }
  const netFailed = [netResults.wire, netResults.connectionCosts, netResults.connections].some((r) => r !== null && 'error' in r);
  return bcoinError || netFailed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
