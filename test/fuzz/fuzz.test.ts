/**
 * Fuzzes every decoder (targets.ts) at reduced size in CI — PEERBOOK_FUZZ_INPUTS inputs per target,
 * default 3,000 (fewer for a target that sets `ciInputs`: the BIP324 and peer-set handshakes, a key
 * exchange per input); with PEERBOOK_FULL=1 the full 1,000,000 — from a fixed seed (PEERBOOK_FUZZ_SEED
 * overrides it), so a CI failure replays exactly. Each test asserts the contract: no input made the
 * decoder throw anything but its typed errors, and no oracle failed; a failure prints the input as hex
 * with the seed. Time per input is measured and reported (slowest input, inputs over the 100 ms limit
 * after re-runs) but not asserted here — timing on a shared CI machine is no unit-test material; the
 * full run (`npm run fuzz`) fails on a slow input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, runTarget } from './engine.js';
import { TARGETS } from './targets.js';

const FULL = process.env.PEERBOOK_FULL === '1';
const INPUTS_SET = process.env.PEERBOOK_FUZZ_INPUTS !== undefined;
const INPUTS = Number(process.env.PEERBOOK_FUZZ_INPUTS ?? (FULL ? 1_000_000 : 3_000));
const SEED = process.env.PEERBOOK_FUZZ_SEED ?? 'peerbook-ci';

for (const target of TARGETS) {
  // A target whose inputs each cost a key exchange runs fewer in CI (its `ciInputs`); full size is the same for all.
  const inputs = FULL || INPUTS_SET || target.ciInputs === undefined ? INPUTS : Math.min(INPUTS, target.ciInputs);
  test(`fuzz ${target.name}: ${inputs} mutated inputs give only typed errors and pass the oracles`, async (t) => {
    const report = await runTarget(target, { inputs, seed: SEED });
    t.diagnostic(formatReport(report));
    assert.equal(report.inputs, inputs);
    assert.equal(report.failureCount, 0, formatReport(report));
  });
}
