/**
 * `npm run fuzz`: fuzzes every decoder (targets.ts) with 1,000,000 inputs each, prints one line per
 * target and every finding (hex input, seed, index), and exits 1 if any input broke the contract or
 * cost the decoder more than the limit (re-measured in CPU time after a GC; run with --expose-gc, as
 * the npm script does). Reproducible: the seed is printed first, and `--seed` replays a run.
 *
 *   node dist/test/fuzz/run.js [--inputs N] [--seed TEXT] [--target NAME,…] [--slow-ms MS] [--json FILE]
 *   node dist/test/fuzz/run.js --target NAME --replay HEX
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { formatReport, replay, runTarget, DEFAULT_SLOW_MS, type FuzzReport } from './engine.js';
import { TARGETS } from './targets.js';

/** Inputs per target at full size (the robustness issue's figure). */
export const FULL_INPUTS_PER_TARGET = 1_000_000;

const USAGE = `Usage: node dist/test/fuzz/run.js [--inputs N] [--seed TEXT] [--target NAME,...] [--slow-ms MS] [--json FILE]
       node dist/test/fuzz/run.js --target NAME --replay HEX
Targets: ${TARGETS.map((t) => t.name).join(', ')}`;

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const names = option(argv, '--target')?.split(',');
  const unknown = names?.filter((n) => !TARGETS.some((t) => t.name === n)) ?? [];
  if (unknown.length > 0) {
    console.error(`unknown target ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const targets = names ? TARGETS.filter((t) => names.includes(t.name)) : TARGETS;
  const hex = option(argv, '--replay');
  if (hex !== undefined) {
    if (targets.length !== 1) {
      console.error('--replay needs exactly one --target');
      return 2;
    }
    const target = targets[0];
    await target.open?.();
    try {
      const r = await replay(target, hex);
      console.log(`${target.name}: ${r.ok ? 'allowed' : 'CONTRACT BROKEN'} after ${r.ms.toFixed(2)} ms: ${r.outcome}`);
      return r.ok ? 0 : 1;
    } finally {
      await target.close?.();
    }
  }
  const inputs = Number(option(argv, '--inputs') ?? FULL_INPUTS_PER_TARGET);
  const slowMs = Number(option(argv, '--slow-ms') ?? DEFAULT_SLOW_MS);
  if (!Number.isInteger(inputs) || inputs < 1 || !(slowMs > 0)) {
    console.error(USAGE);
    return 2;
  }
  const seed = option(argv, '--seed') ?? `fuzz-${new Date().toISOString()}`;
  console.log(`fuzz: seed ${JSON.stringify(seed)}, ${inputs} inputs per target, ${targets.length} targets, limit ${slowMs} ms per input, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}`);
  const reports: FuzzReport[] = [];
  for (const target of targets) {
    const report = await runTarget(target, { inputs, seed, slowMs });
    reports.push(report);
    console.log(formatReport(report));
  }
  const broken = reports.filter((r) => r.failureCount > 0 || r.slowCount > 0);
  const total = reports.reduce((n, r) => n + r.inputs, 0);
  const seconds = reports.reduce((n, r) => n + r.seconds, 0);
  const slowest = reports.reduce((a, r) => (r.slowest.ms > a.slowest.ms ? r : a), reports[0]);
  const costliest = reports.reduce((a, r) => (r.slowestCpuMs > a.slowestCpuMs ? r : a), reports[0]);
  console.log(`fuzz: ${total} inputs in ${seconds.toFixed(0)} s; slowest input ${slowest.slowest.ms.toFixed(2)} ms wall (${slowest.target}), ` +
    `most costly input ${costliest.slowestCpuMs.toFixed(2)} ms CPU re-measured (${costliest.target}); ` +
    `${broken.length === 0 ? 'no findings' : `findings in ${broken.map((r) => r.target).join(', ')}`}`);
  const json = option(argv, '--json');
  if (json) writeFileSync(json, `${JSON.stringify({ seed, inputsPerTarget: inputs, slowMs, node: process.version, reports }, null, 2)}\n`);
  return broken.length === 0 ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
