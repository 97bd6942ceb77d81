import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NetService } from '../../src/address/service.js';
import { decodeAnchors, encodeAnchors } from '../../src/addrman/anchors.js';
import { decodeBanlist, encodeBanlist } from '../../src/addrman/banlist.js';
import { Subnet } from '../../src/address/subnet.js';
import {
  backupPathFor, loadDataFile, MAX_BACKUPS_PER_FILE, StoreError, writeFileAtomic, type CorruptFileReport,
} from '../../src/store/index.js';
import { hexToBytes } from '../../src/util/hex.js';
import { tempDirFor } from '../support/tmp.js';

const REGTEST = hexToBytes('fabfb5da');
const decodeText = (b: Uint8Array): string => {
  const s = Buffer.from(b).toString('utf8');
  if (!s.startsWith('ok:')) throw new Error(`bad header in ${JSON.stringify(s.slice(0, 8))}`);
  return s.slice(3);
};

function collector(): { reports: CorruptFileReport[]; onCorrupt: (r: CorruptFileReport) => void } {
  const reports: CorruptFileReport[] = [];
  return { reports, onCorrupt: (r) => reports.push(r) };
}

test('a missing file loads as undefined without a corruption report', async (t) => {
  const dir = await tempDirFor(t, 'load');
  const c = collector();
  assert.equal(await loadDataFile(join(dir, 'peers.dat'), decodeText, c), undefined);
  assert.deepEqual(c.reports, []);
});

test('a good file loads as its decoded value and stays in place', async (t) => {
  const dir = await tempDirFor(t, 'load');
  const path = join(dir, 'x.dat');
  await writeFile(path, 'ok:hello');
  const c = collector();
  assert.equal(await loadDataFile(path, decodeText, c), 'hello');
  assert.deepEqual(c.reports, []);
  assert.deepEqual(await readdir(dir), ['x.dat']);
});

test('a corrupt file is moved aside as .bak, reported once with a log line, and loads as undefined', async (t) => {
  const dir = await tempDirFor(t, 'load');
  const path = join(dir, 'x.dat');
  await writeFile(path, 'garbage');
  const c = collector();
  assert.equal(await loadDataFile(path, decodeText, c), undefined);
  assert.equal(c.reports.length, 1);
  const [r] = c.reports;
  assert.equal(r.path, path);
  assert.equal(r.backupPath, join(dir, 'x.dat.bak'));
  assert.match(r.message, /^x\.dat is corrupt \(bad header in "garbage"\); moved to .*x\.dat\.bak, starting without it$/);
  assert.deepEqual(await readdir(dir), ['x.dat.bak']);
  assert.equal(await readFile(join(dir, 'x.dat.bak'), 'utf8'), 'garbage');
});

test('a second corruption does not overwrite the first backup', async (t) => {
  const dir = await tempDirFor(t, 'load');
  const path = join(dir, 'x.dat');
  const c = collector();
  await writeFile(path, 'garbage one');
  await loadDataFile(path, decodeText, c);
  await writeFile(path, 'garbage two');
  await loadDataFile(path, decodeText, c);
  assert.deepEqual(c.reports.map((r) => r.backupPath), [join(dir, 'x.dat.bak'), join(dir, 'x.dat.bak.1')]);
  assert.equal(await readFile(join(dir, 'x.dat.bak'), 'utf8'), 'garbage one');
  assert.equal(await readFile(join(dir, 'x.dat.bak.1'), 'utf8'), 'garbage two');
});

test('a file over the size bound counts as corrupt and is never decoded', async (t) => {
  const dir = await tempDirFor(t, 'load');
  const path = join(dir, 'big.dat');
  await writeFile(path, 'ok:' + 'x'.repeat(100));
  const c = collector();
  let decoded = false;
  const result = await loadDataFile(path, (b) => { decoded = true; return decodeText(b); }, { ...c, maxBytes: 64 });
  assert.equal(result, undefined);
  assert.equal(decoded, false);
  assert.match(c.reports[0].message, /big\.dat is 103 bytes, more than the 64-byte limit/);
  assert.equal(c.reports[0].backupPath, join(dir, 'big.dat.bak'));
});

test('when every backup name is taken the corruption is still reported, the file stays, and nothing throws', async (t) => {
  const dir = await tempDirFor(t, 'load');
  const path = join(dir, 'x.dat');
  for (let i = 0; i < MAX_BACKUPS_PER_FILE; i++) await writeFile(backupPathFor(path, i), `old ${i}`);
  await writeFile(path, 'garbage');
  const c = collector();
  assert.equal(await loadDataFile(path, decodeText, c), undefined);
  const [r] = c.reports;
  assert.equal(r.backupPath, undefined);
  assert.ok(r.moveError instanceof StoreError);
  assert.match(r.message, /could not be moved aside/);
  assert.equal(await readFile(path, 'utf8'), 'garbage');
  assert.equal(await readFile(backupPathFor(path, 0), 'utf8'), 'old 0');
});

test('a path that cannot be read as a file throws StoreError instead of being treated as corrupt', async (t) => {
  const dir = await tempDirFor(t, 'load');
  const path = join(dir, 'x.dat');
  await mkdir(path);
  const c = collector();
  await assert.rejects(loadDataFile(path, decodeText, c), (e: Error) => e instanceof StoreError && /not a regular file/.test(e.message));
  assert.deepEqual(c.reports, []);
});

test('anchors.dat written atomically loads back, and a corrupted one is moved aside', async (t) => {
  const dir = await tempDirFor(t, 'load');
  const path = join(dir, 'anchors.dat');
  const records = [{ service: NetService.parse('127.0.0.1:18444'), services: 0x409n, time: 1_700_000_000 }];
  await writeFileAtomic(path, encodeAnchors(REGTEST, records));
  const c = collector();
  const loaded = await loadDataFile(path, (b) => decodeAnchors(REGTEST, b), c);
  assert.equal(loaded?.[0].service.toString(), '127.0.0.1:18444');
  const bytes = await readFile(path);
  bytes[20] ^= 0xff;
  await writeFile(path, bytes);
  assert.equal(await loadDataFile(path, (b) => decodeAnchors(REGTEST, b), c), undefined);
  assert.match(c.reports[0].message, /anchors\.dat is corrupt \(anchors\.dat: Checksum mismatch, data corrupted/);
});

test('banlist.json round-trips through the store', async (t) => {
  const dir = await tempDirFor(t, 'load');
  const path = join(dir, 'banlist.json');
  await writeFileAtomic(path, encodeBanlist([{ subnet: Subnet.parse('10.0.0.0/8'), created: 1, until: 2 }]));
  const c = collector();
  const loaded = await loadDataFile(path, (b) => decodeBanlist(Buffer.from(b).toString('utf8')), c);
  assert.equal(loaded?.[0].subnet.toString(), '10.0.0.0/8');
  await writeFile(path, '{"banned_nets": [');
  assert.equal(await loadDataFile(path, (b) => decodeBanlist(Buffer.from(b).toString('utf8')), c), undefined);
  assert.match(c.reports[0].message, /banlist\.json is corrupt \(banlist\.json: not valid JSON/);
});
