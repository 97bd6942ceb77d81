/**
 * Temporary directories for tests that touch the filesystem: created under os.tmpdir(), removed after.
 * `npm test` (scripts/run-tests.mjs) points TMPDIR at a sandbox and fails the run if anything is left
 * in it, so every directory made here must be removed by the test that made it (`tempDirFor` does
 * that itself).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** Creates a fresh directory `<tmpdir>/peerbook-<label>-XXXXXX`; the caller removes it. */
export async function makeTempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `peerbook-${label}-`));
}

/** Creates a fresh temporary directory removed when the test `t` ends (also on failure). */
export async function tempDirFor(t: TestContext, label = 'test'): Promise<string> {
  const dir = await makeTempDir(label);
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
