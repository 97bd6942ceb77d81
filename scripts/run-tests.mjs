#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) on Node's built-in runner. Node 20 has no glob
// support on the command line, and `node --test dir` would also load helper modules as test files.
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** A single test may not hang CI: fail it after this long. */
const TEST_TIMEOUT_MS = 180_000;

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return find(p);
    return name.endsWith('.test.js') ? [p] : [];
  });
}

const filter = process.argv.slice(2);
const files = find('dist/test').filter((f) => filter.length === 0 || filter.some((s) => f.includes(s))).sort();
const result = spawnSync(process.execPath, ['--test', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
