/** The peer-set example program (examples/peerset-epochs.ts) runs to completion and says what happened. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const EXAMPLE = fileURLToPath(new URL('../../examples/peerset-epochs.js', import.meta.url));
/** The example's own waits give up after 20 s; the child is killed after this. */
const CHILD_TIMEOUT_MS = 45_000;

test('the peer-set example connects epoch 1, delivers a message by key, and moves to epoch 2', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [EXAMPLE], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.equal(code, 0, `exit ${code}\n${out}\n${err}`);
  const lines = out.trim().split('\n');
  assert.equal(lines[0], 'epoch 1: alice, bob and carol are connected to each other');
  assert.equal(lines[1], 'bob got "hello bob" from alice');
  assert.equal(lines[2], 'epoch 2: carol was disconnected, dave is connected to alice and bob');
  assert.deepEqual(lines.slice(3, 5).map((l) => l.replace(/,.*$/, '')).sort(), ['  alice ↔ bob: primary', '  alice ↔ dave: primary']);
  assert.equal(lines.at(-1), 'done');
});
