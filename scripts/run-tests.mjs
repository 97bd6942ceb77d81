#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) on Node's built-in runner. Node 20 has no glob
// support on the command line, and `node --test dir` would also load helper modules as test files.
//
//   node scripts/run-tests.mjs [--tap] [<substr>…]
//
// Output: a short summary (scripts/summary-reporter.mjs) — failing tests in full, skip reasons,
// warnings, counts — and the complete TAP stream in dist/test-results.tap. `--tap` (or
// PEERBOOK_TEST_TAP=1) prints the TAP stream instead, as before.
//
// Hygiene: the tests run with TMPDIR and HOME pointing into a fresh sandbox directory. A test that
// leaves a temporary file behind, or writes into "the user's home", fails the run here, naming what
// it left; the real home is never touched. The sandbox is removed afterwards.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

/** A single test may not hang CI: fail it after this long. */
const TEST_TIMEOUT_MS = 180_000;
/** Where the full TAP stream of the last run is kept. */
const TAP_FILE = process.env.PEERBOOK_TEST_TAP_FILE ?? 'dist/test-results.tap';
/** Where the compiled test files are (the runner's own test points it at fixtures). */
const TEST_DIR = process.env.PEERBOOK_TEST_DIR ?? 'dist/test';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return find(p);
    return name.endsWith('.test.js') ? [p] : [];
  });
}

/** Every path under `dir`, relative, directories listed without their contents. */
function leftovers(dir) {
  return readdirSync(dir).map((name) => {
    const isDir = statSync(path.join(dir, name), { throwIfNoEntry: false })?.isDirectory();
    return isDir ? `${name}/` : name;
  });
}

const args = process.argv.slice(2);
const tap = args.includes('--tap') || process.env.PEERBOOK_TEST_TAP === '1';
const filter = args.filter((a) => a !== '--tap');
const files = find(TEST_DIR).filter((f) => filter.length === 0 || filter.some((s) => f.includes(s))).sort();

const sandbox = mkdtempSync(path.join(tmpdir(), 'peerbook-test-run-'));
const sandboxTmp = path.join(sandbox, 'tmp');
const sandboxHome = path.join(sandbox, 'home');
mkdirSync(sandboxTmp);
mkdirSync(sandboxHome);

const reporters = tap
  ? ['--test-reporter=tap', '--test-reporter-destination=stdout']
  : [
    `--test-reporter=${path.resolve('scripts/summary-reporter.mjs')}`, '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${TAP_FILE}`,
  ];
const env = {
  ...process.env,
  TMPDIR: sandboxTmp,
  HOME: sandboxHome,
  // The packed-tarball test installs from the npm cache; it lives in the real home, read-only for the tests.
  PEERBOOK_NPM_CACHE: process.env.npm_config_cache ?? path.join(homedir(), '.npm'),
};
const result = spawnSync(process.execPath, ['--test', `--test-timeout=${TEST_TIMEOUT_MS}`, ...reporters, ...files], { stdio: 'inherit', env });

let status = result.status ?? 1;
const leftTmp = leftovers(sandboxTmp);
const leftHome = leftovers(sandboxHome);
if (leftTmp.length > 0) {
  console.error(`\nrun-tests: the tests left ${leftTmp.length} temporary file(s) behind (each test must remove what it creates): ${leftTmp.join(', ')}`);
  status ||= 1;
}
if (leftHome.length > 0) {
  console.error(`\nrun-tests: the tests wrote into the home directory (HOME=${sandboxHome}): ${leftHome.join(', ')}`);
  status ||= 1;
}
rmSync(sandbox, { recursive: true, force: true });
if (!tap && status !== 0) console.error(`run-tests: full TAP output in ${TAP_FILE}`);
process.exit(status);
