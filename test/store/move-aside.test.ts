import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { backupPathFor, MAX_BACKUPS_PER_FILE, moveAside, StoreError } from '../../src/store/index.js';
import { tempDirFor } from '../support/tmp.js';

test('moveAside renames the file to <name>.bak and returns the new path', async (t) => {
  const dir = await tempDirFor(t, 'aside');
  const path = join(dir, 'peers.dat');
  await writeFile(path, 'first');
  assert.equal(await moveAside(path), join(dir, 'peers.dat.bak'));
  assert.deepEqual(await readdir(dir), ['peers.dat.bak']);
  assert.equal(await readFile(join(dir, 'peers.dat.bak'), 'utf8'), 'first');
});

test('a second corruption goes to .bak.1 and does not overwrite the first backup', async (t) => {
  const dir = await tempDirFor(t, 'aside');
  const path = join(dir, 'banlist.json');
  await writeFile(path, 'first');
  await moveAside(path);
  await writeFile(path, 'second');
  assert.equal(await moveAside(path), join(dir, 'banlist.json.bak.1'));
  assert.equal(await readFile(join(dir, 'banlist.json.bak'), 'utf8'), 'first');
  assert.equal(await readFile(join(dir, 'banlist.json.bak.1'), 'utf8'), 'second');
});

test('a gap in the backup names is filled before later names are used', async (t) => {
  const dir = await tempDirFor(t, 'aside');
  const path = join(dir, 'peers.dat');
  await writeFile(backupPathFor(path, 1), 'old one');
  await writeFile(path, 'new');
  assert.equal(await moveAside(path), backupPathFor(path, 0));
  assert.equal(await readFile(backupPathFor(path, 1), 'utf8'), 'old one');
});

test('when all MAX_BACKUPS_PER_FILE names are taken, moveAside fails, leaves the file and overwrites nothing', async (t) => {
  const dir = await tempDirFor(t, 'aside');
  const path = join(dir, 'peers.dat');
  for (let i = 0; i < MAX_BACKUPS_PER_FILE; i++) {
    await writeFile(path, `copy ${i}`);
    assert.equal(await moveAside(path), backupPathFor(path, i));
  }
  await writeFile(path, 'one too many');
  await assert.rejects(moveAside(path), (e: Error) => e instanceof StoreError && /all 10 backup names/.test(e.message));
  assert.equal(await readFile(path, 'utf8'), 'one too many');
  for (let i = 0; i < MAX_BACKUPS_PER_FILE; i++) assert.equal(await readFile(backupPathFor(path, i), 'utf8'), `copy ${i}`);
});

test('moving a missing file is a StoreError carrying ENOENT', async (t) => {
  const dir = await tempDirFor(t, 'aside');
  await assert.rejects(moveAside(join(dir, 'absent.dat')), (e: Error) => e instanceof StoreError && (e as StoreError).fsCode === 'ENOENT');
});
