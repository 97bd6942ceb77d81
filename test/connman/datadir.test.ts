/** The connection manager's data directory: typed errors for bad files, clean-up of interrupted writes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataDirectory, decodeServiceAnchors, ServiceAnchorsError } from '../../src/connman/datadir.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { REGTEST } from '../../src/wire/params.js';
import { tempDirFor } from '../support/tmp.js';

test('anchors.json holding null, a number, an array or a string is a ServiceAnchorsError, never a TypeError', () => {
  for (const text of ['null', '7', '[]', '"x"', '{"version":1}', '{"version":1,"anchors":null}', '{"version":1,"anchors":[null]}']) {
    assert.throws(() => decodeServiceAnchors(text), (e: unknown) => e instanceof ServiceAnchorsError && e.code === 'ERR_SERVICE_ANCHORS', text);
  }
});

test('a null anchors.json is moved aside with the typed error in the log line', async (t) => {
  const dir = await tempDirFor(t, 'datadir');
  await writeFile(path.join(dir, 'anchors.json'), 'null');
  const log = new MemoryLogger();
  assert.deepEqual(await new DataDirectory(dir, REGTEST.magic, log).loadServiceAnchors(), []);
  assert.ok(log.has(/^anchors\.json is corrupt \(anchors\.json: expected \{"version":1,"anchors":\[…\]\}\); moved to .*anchors\.json\.bak/), JSON.stringify(log.lines));
  assert.equal(await readFile(path.join(dir, 'anchors.json.bak'), 'utf8'), 'null');
});

test('start-up removes the temporary files of interrupted writes (peers.1a2b …) and keeps everything else', async (t) => {
  const dir = await tempDirFor(t, 'datadir');
  for (const name of ['peers.dat', 'peers.1a2b', 'peers.00ff', 'banlist.9999', 'anchors.abcd', 'peers.dat.bak', 'debug.log']) {
    await writeFile(path.join(dir, name), 'x');
  }
  const log = new MemoryLogger();
  await new DataDirectory(dir, REGTEST.magic, log).ensure();
  assert.deepEqual((await readdir(dir)).sort(), ['debug.log', 'peers.dat', 'peers.dat.bak']);
  assert.ok(log.has(/^Removed 4 temporary files of interrupted writes/));
});
