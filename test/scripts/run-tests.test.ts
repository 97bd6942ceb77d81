/**
 * scripts/run-tests.mjs, the `npm test` runner, on fixture test files: its summary, and the hygiene
 * check that fails a run whose tests leave temporary files behind or write into HOME.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../cli/run-cli.js';
import { tempDirFor } from '../support/tmp.js';

function runner(testDir: string, tapFile: string): Promise<{ code: number; stdout: string; stderr: string }> {
  // Node marks its test subprocesses with NODE_TEST_CONTEXT; without removing it the nested run would
  // refuse to start ("run() is being called recursively").
  const { NODE_TEST_CONTEXT: _nested, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/run-tests.mjs'], {
      cwd: REPO_ROOT, timeout: 60_000, env: { ...env, PEERBOOK_TEST_DIR: testDir, PEERBOOK_TEST_TAP_FILE: tapFile },
    }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
}

test('a run whose tests leave a temporary directory or write into HOME fails, naming what was left; the real home is untouched', async (t) => {
  const dir = await tempDirFor(t, 'runner');
  await writeFile(path.join(dir, 'leak.test.js'), `import { test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
test('leaks', () => { mkdtempSync(join(tmpdir(), 'peerbook-leak-')); writeFileSync(join(homedir(), '.stray-file'), 'x'); });
`);
  const r = await runner(dir, path.join(dir, 'out.tap'));
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /# tests 1, suites 0, pass 1, fail 0/);
  assert.match(r.stderr, /left 1 temporary file\(s\) behind .*: peerbook-leak-\w+\//);
  assert.match(r.stderr, /wrote into the home directory .*: \.stray-file/);
});

test('a clean run prints a short summary and passes; a failing test is shown in full', async (t) => {
  const dir = await tempDirFor(t, 'runner');
  await writeFile(path.join(dir, 'ok.test.js'), `import { test } from 'node:test';\ntest('fine', () => {});\n`);
  let r = await runner(dir, path.join(dir, 'out.tap'));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, '.\n\n# tests 1, suites 0, pass 1, fail 0, cancelled 0, skipped 0, todo 0, duration_ms ' + r.stdout.match(/duration_ms (\d+)/)![1] + '\n');
  await writeFile(path.join(dir, 'bad.test.js'), `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\ntest('breaks', () => { assert.equal(1, 2, 'one is not two'); });\n`);
  r = await runner(dir, path.join(dir, 'out.tap'));
  assert.equal(r.code, 1);
  assert.match(r.stdout, /not ok: breaks \(.*bad\.test\.js:3\)\n\s+AssertionError \[ERR_ASSERTION\]: one is not two/);
  assert.match(r.stdout, /# tests 2, suites 0, pass 1, fail 1/);
  assert.match(r.stderr, /full TAP output in .*out\.tap/);
});
