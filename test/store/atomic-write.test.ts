import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStaleTempFiles, StoreError, tempPathFor, writeFileAtomic } from '../../src/store/index.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { tempDirFor } from '../support/tmp.js';

test('the temporary name is the file stem, a dot and four hex digits in the same directory, like Core', () => {
  assert.equal(tempPathFor('/data/regtest/peers.dat', Uint8Array.of(0x1a, 0x2b)), '/data/regtest/peers.1a2b');
  assert.equal(tempPathFor('/data/banlist.json', Uint8Array.of(0, 0xff)), '/data/banlist.00ff');
  assert.equal(tempPathFor('/data/noext', Uint8Array.of(1, 2)), '/data/noext.0102');
});

test('an atomic write creates the file with the data and leaves no temporary file behind', async (t) => {
  const dir = await tempDirFor(t, 'atomic');
  const path = join(dir, 'peers.dat');
  await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
  assert.deepEqual([...await readFile(path)], [1, 2, 3]);
  await writeFileAtomic(path, 'replaced');
  assert.equal(await readFile(path, 'utf8'), 'replaced');
  assert.deepEqual(await readdir(dir), ['peers.dat']);
});

test('a failed write removes its temporary file, keeps nothing at the target and throws StoreError', async (t) => {
  const dir = await tempDirFor(t, 'atomic');
  const path = join(dir, 'anchors.dat');
  await mkdir(path); // a directory in the way: the rename over it fails
  await assert.rejects(writeFileAtomic(path, 'x', { random: ChaChaRandom.fromSeed('fail') }), (e: Error) =>
    e instanceof StoreError && e.code === 'ERR_STORE' && /cannot write .*anchors\.dat \(rename of anchors\.[0-9a-f]{4} failed\)/.test(e.message));
  assert.deepEqual(await readdir(dir), ['anchors.dat']);
  assert.deepEqual(await readdir(path), []);
});

test('a write into a missing directory throws StoreError carrying ENOENT', async (t) => {
  const dir = await tempDirFor(t, 'atomic');
  await assert.rejects(writeFileAtomic(join(dir, 'nope', 'peers.dat'), 'x'), (e: Error) =>
    e instanceof StoreError && e.fsCode === 'ENOENT' && /cannot create temporary file/.test(e.message));
});

test('a temporary name that already exists is skipped, never overwritten', async (t) => {
  const dir = await tempDirFor(t, 'atomic');
  const path = join(dir, 'peers.dat');
  const firstDraw = ChaChaRandom.fromSeed('collide').randbytes(2);
  const squatter = tempPathFor(path, firstDraw);
  await writeFile(squatter, 'not ours');
  await writeFileAtomic(path, 'data', { random: ChaChaRandom.fromSeed('collide') });
  assert.equal(await readFile(path, 'utf8'), 'data');
  assert.equal(await readFile(squatter, 'utf8'), 'not ours');
  assert.deepEqual((await readdir(dir)).sort(), ['peers.dat', squatter.slice(dir.length + 1)].sort());
});

// ---- crash simulation ----------------------------------------------------------------------------

/** Size of each generation's content: large enough that a kill often lands mid-write. */
const CRASH_FILE_BYTES = 256 * 1024;
/** Child processes killed with SIGKILL while rewriting the file. */
const CRASH_ROUNDS = 12;
/** Writes a round may complete before it is killed regardless of its trigger (keeps the test finite). */
const MAX_WRITES_PER_ROUND = 20;

const CHILD_SCRIPT = `
import { writeFileAtomic } from ${JSON.stringify(new URL('../../src/store/atomic-write.js', import.meta.url).href)};
const [path, size, startGen] = process.argv.slice(2);
let gen = Number(startGen);
for (;;) {
  gen++;
  await writeFileAtomic(path, Buffer.alloc(Number(size), gen % 256));
  process.send?.(gen);
}
`;

function checkWhole(content: Buffer): number {
  assert.equal(content.length, CRASH_FILE_BYTES, 'file has a complete generation');
  const gen = content[0];
  assert.ok(content.every((b) => b === gen), 'file is a single generation, not a torn mix');
  return gen;
}

test('a writer killed with SIGKILL mid-write always leaves the old or the new complete file', async (t) => {
  const dir = await tempDirFor(t, 'crash');
  const path = join(dir, 'peers.dat');
  const script = join(dir, 'writer.mjs');
  await writeFile(script, CHILD_SCRIPT);
  await writeFileAtomic(path, Buffer.alloc(CRASH_FILE_BYTES, 0));
  let lastSeen = 0;
  for (let round = 0; round < CRASH_ROUNDS; round++) {
    // Even rounds kill right after the writer acknowledges a write (the kill lands anywhere in the
    // next one); odd rounds kill when a new temporary file appears (the kill lands mid-write).
    const onTempFile = round % 2 === 1;
    const killAfter = 1 + (round % 3);
    const child = fork(script, [path, String(CRASH_FILE_BYTES), String(lastSeen)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    let acknowledged = lastSeen;
    let tempsSeen = 0;
    let killed = false;
    const kill = (): void => {
      if (!killed) { killed = true; child.kill('SIGKILL'); }
    };
    const watcher = watch(dir, (_event, name) => {
      if (onTempFile && name !== null && /^peers\.[0-9a-f]{4}$/.test(name) && ++tempsSeen >= killAfter) kill();
    });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('message', (gen) => {
        acknowledged = Math.max(acknowledged, Number(gen));
        // A writer that never shows a temporary file is killed after a bounded number of writes.
        if ((!onTempFile && acknowledged - lastSeen >= killAfter) || acknowledged - lastSeen >= MAX_WRITES_PER_ROUND) kill();
      });
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    watcher.close();
    assert.equal(exit.signal, 'SIGKILL', `writer exited with ${exit.code} instead of being killed: ${stderr}`);
    const gen = checkWhole(await readFile(path));
    // The file holds the last acknowledged generation or one completed after it whose ack was lost
    // with the process; never an older one.
    assert.ok(gen >= acknowledged && gen <= acknowledged + 2 && gen < 256, `round ${round}: generation ${gen}, last acknowledged ${acknowledged}`);
    lastSeen = gen;
  }
  // Temporary files of killed writers remain (Core leaves them too): proof that kills landed mid-write.
  const names = await readdir(dir);
  assert.ok(names.every((n) => n === 'peers.dat' || n === 'writer.mjs' || /^peers\.[0-9a-f]{4}$/.test(n)), names.join(','));
  assert.ok(names.length > 2, 'at least one kill interrupted a write after its temporary file was created');
});

test('removeStaleTempFiles removes the temporary files of interrupted writes of the named files, and nothing else', async (t) => {
  const dir = await tempDirFor(t, 'stale');
  const keep = ['peers.dat', 'peers.dat.bak', 'banlist.json', 'peers.12345', 'peers.12g4', 'other.1a2b', 'peers.1A2B', 'notes.txt'];
  const stale = ['peers.1a2b', 'peers.ffff', 'banlist.0000', 'anchors.beef'];
  for (const name of [...keep, ...stale]) await writeFile(join(dir, name), 'x');
  const removed = await removeStaleTempFiles(dir, ['peers.dat', 'banlist.json', 'anchors.dat', 'anchors.json']);
  assert.deepEqual(removed.map((p) => p.slice(dir.length + 1)).sort(), [...stale].sort());
  assert.deepEqual((await readdir(dir)).sort(), [...keep].sort());
  assert.deepEqual(await removeStaleTempFiles(join(dir, 'missing'), ['peers.dat']), []);
});
