/**
 * Runs a bench script in a child process of its own (`node --expose-gc <script> --json`) and returns
 * the JSON it prints last. Benches that allocate per message are sensitive to what else lives in the
 * heap: run after the address-manager benches in the same process, a collector working through their
 * large tables made the 1000-entry addrv2 decode twenty times slower. A fresh process measures the code,
 * not the neighbours.
 */
import { execFile } from 'node:child_process';

/** Longest an isolated bench may run, ms. */
const ISOLATED_TIMEOUT_MS = 10 * 60_000;

/** Runs `script` with `args` in a fresh Node with --expose-gc; resolves with its last stdout line, parsed. */
export function runIsolated<T>(script: string, args: readonly string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', script, ...args, '--json'], { timeout: ISOLATED_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${script} failed: ${err.message}${stderr ? `\n${stderr}` : ''}`));
        return;
      }
      const lines = stdout.trim().split('\n');
      try {
        resolve(JSON.parse(lines[lines.length - 1]) as T);
      } catch (e) {
        reject(new Error(`${script} printed no JSON result: ${(e as Error).message}`));
      }
    });
  });
}
