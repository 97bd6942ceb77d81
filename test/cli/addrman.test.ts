/** `peerbook addrman info|dump|convert`, run as the real CLI on files generated in temporary directories. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan } from '../../src/addrman/addrman.js';
import { decodePeersJson, encodePeersJson } from '../../src/addrman/peers-json.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { MAINNET, REGTEST, SIGNET, TESTNET3, TESTNET4 } from '../../src/wire/params.js';
import { tempDirFor } from '../support/tmp.js';
import { runCli } from './run-cli.js';

const NOW = 1_700_000_000;

/** A table over several networks: new entries (some with several references), tried ones, two ports on one IP. */
function sampleTable(): AddrMan {
  const clock = new VirtualClock(NOW * 1000);
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed('cli-addrman') });
  for (let s = 0; s < 4; s++) {
    const recs = [];
    for (let i = 0; i < 40; i++) recs.push({ service: new NetService(NetAddress.ipv4(Uint8Array.of(30 + i, s, 1, 1)), 9333), services: 9n, time: NOW - 60 * i });
    for (let i = 0; i < 6; i++) {
      const b = new Uint8Array(16);
      b.set([0x2a, 0x01, 0x04, 0xf8, s, i]);
      b[15] = 1;
      recs.push({ service: new NetService(NetAddress.ipv6(b), 9333), services: 0x409n, time: NOW - 10 });
    }
    recs.push({ service: new NetService(NetAddress.torV3(new Uint8Array(32).fill(s + 1)), 9333), services: 9n, time: NOW });
    man.add(recs, NetAddress.ipv4(Uint8Array.of(60 + s, 1, 1, 1)));
    man.add(recs.map((r) => ({ ...r, time: r.time + 1800 })), NetAddress.ipv4(Uint8Array.of(80 + s, 1, 1, 1)));
  }
  man.add([{ service: NetService.parse('30.0.1.1:9334'), services: 1n, time: NOW }], NetAddress.parse('30.0.1.1'));
  for (let i = 0; i < 10; i++) man.good(new NetService(NetAddress.ipv4(Uint8Array.of(30 + i, i % 4, 1, 1)), 9333), NOW);
  return man;
}

async function writeSample(t: TestContext, name: string, data: Uint8Array | string): Promise<string> {
  const dir = await tempDirFor(t, 'cli-addrman');
  const file = path.join(dir, name);
  await writeFile(file, data);
  return file;
}

/** What `info` should say about `man`. */
function expectedInfo(man: AddrMan, format: number | 'json'): unknown {
  const nets = { ipv4: 1, ipv6: 2, onion: 3, i2p: 4, cjdns: 5 } as const;
  const networks: Record<string, { new: number; tried: number }> = {};
  for (const [name, id] of Object.entries(nets)) networks[name] = { new: man.size({ network: id, inNew: true }), tried: man.size({ network: id, inNew: false }) };
  return { format, new: man.size({ inNew: true }), tried: man.size({ inNew: false }), total: man.size(), networks };
}

test('info prints the format and the entries per table and network of a peers.dat', async (t) => {
  const man = sampleTable();
  const file = await writeSample(t, 'peers.dat', man.serialize(REGTEST.magic));
  const r = await runCli(['addrman', 'info', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.split('\n').length, 2, 'one JSON object on one line');
  const info = JSON.parse(r.stdout) as { tried: number; networks: Record<string, { new: number }> };
  assert.ok(info.tried > 0 && info.networks.ipv6.new > 0 && info.networks.onion.new > 0);
  assert.deepEqual(info, expectedInfo(man, 4));
});

test('info detects the network of every known magic, the V3 format and peers.json by content', async (t) => {
  const man = sampleTable();
  for (const params of [MAINNET, TESTNET3, TESTNET4, SIGNET]) {
    const file = await writeSample(t, `peers-${params.name}.dat`, man.serialize(params.magic, { format: 3 }));
    const r = await runCli(['addrman', 'info', file]);
    assert.equal(r.code, 0, `${params.name}: ${r.stderr}`);
    // V3 keeps one entry per IP: the second port of 30.0.1.1 is left out.
    assert.equal(JSON.parse(r.stdout).format, 3);
    assert.equal(JSON.parse(r.stdout).total, man.size() - 1);
  }
  const json = await writeSample(t, 'table.whatever', encodePeersJson(man, TESTNET4.magic));
  const r = await runCli(['addrman', 'info', json]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), expectedInfo(man, 'json'));
});

test('an unknown magic needs --magic or --network; the wrong expected network is refused', async (t) => {
  const man = sampleTable();
  const custom = await writeSample(t, 'peers.dat', man.serialize(Uint8Array.of(0xde, 0xad, 0xbe, 0xef)));
  let r = await runCli(['addrman', 'info', custom]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `peerbook: ${custom}: unknown network magic deadbeef (not mainnet, testnet3, testnet4, signet or regtest); give --magic HEX or --network NAME\n`);
  r = await runCli(['addrman', 'info', custom, '--magic', 'deadbeef']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).total, man.size());
  const regtest = await writeSample(t, 'peers.dat', man.serialize(REGTEST.magic));
  r = await runCli(['addrman', 'info', regtest, '--network', 'signet']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `peerbook: ${regtest}: Invalid network magic number fabfb5da (expected 0a03cf40)\n`);
});

test('a corrupt peers.dat prints one line naming the file and the problem, exit 2, nothing on stdout', async (t) => {
  const bytes = sampleTable().serialize(REGTEST.magic);
  bytes[100] ^= 0x01;
  const file = await writeSample(t, 'peers.dat', bytes);
  for (const cmd of ['info', 'dump']) {
    const r = await runCli(['addrman', cmd, file]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `peerbook: ${file}: Checksum mismatch, data corrupted (${bytes.length} bytes)\n`);
  }
  const missing = path.join(path.dirname(file), 'nope.dat');
  const r = await runCli(['addrman', 'info', missing]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^peerbook: cannot read .*nope\.dat: ENOENT/);
  assert.equal(r.stderr.split('\n').length, 2);
});

test('a malformed peers.json names the entry and field', async (t) => {
  const doc = JSON.parse(encodePeersJson(sampleTable(), REGTEST.magic));
  doc.entries[7].port = 'http';
  const file = await writeSample(t, 'peers.json', JSON.stringify(doc));
  const r = await runCli(['addrman', 'info', file]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `peerbook: ${file}: entries[7].port: must be an integer 0–65535, got "http"\n`);
});

test('dump prints one JSON line per entry; --buckets adds the cells computed with the file\'s key', async (t) => {
  const man = sampleTable();
  const file = await writeSample(t, 'peers.dat', man.serialize(REGTEST.magic));
  const r = await runCli(['addrman', 'dump', file]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, man.size());
  const tried = lines.find((l) => l.table === 'tried');
  const info = man.getInfo(new NetService(NetAddress.parse(tried.address), tried.port))!;
  assert.deepEqual(tried, {
    address: tried.address, port: 9333, network: 'ipv4', services: '0000000000000009', time: info.record.time,
    source: info.source.toString(), lastSuccess: NOW, attempts: 0, table: 'tried',
  });
  assert.deepEqual(new Set(lines.map((l) => `${l.address}|${l.port}`)).size, man.size());

  const rb = await runCli(['addrman', 'dump', file, '--buckets']);
  assert.equal(rb.code, 0, rb.stderr);
  const withCells = rb.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  const cellsOf = (fromTried: boolean): string[] => man.getEntries(fromTried).map((p) => `${p.info.record.service}@${p.bucket}/${p.position}`).sort();
  const key = (l: { address: string; port: number }): string => new NetService(NetAddress.parse(l.address), l.port).toString();
  assert.deepEqual(withCells.filter((l) => l.table === 'new').flatMap((l) => l.references.map((c: { bucket: number; position: number }) => `${key(l)}@${c.bucket}/${c.position}`)).sort(), cellsOf(false));
  assert.deepEqual(withCells.filter((l) => l.table === 'tried').map((l) => `${key(l)}@${l.bucket}/${l.position}`).sort(), cellsOf(true));
  const multi = withCells.find((l) => l.table === 'new' && l.references.length > 1);
  assert.ok(multi, 'some entry has several references');
  assert.deepEqual([multi.bucket, multi.position], [multi.references[0].bucket, multi.references[0].position]);
});

test('convert writes format 4 by default, JSON and format 3 on request, atomically, and says what it kept', async (t) => {
  const man = sampleTable();
  const input = await writeSample(t, 'peers.dat', man.serialize(REGTEST.magic, { format: 3 }));
  const dir = path.dirname(input);
  const v3 = AddrMan.deserialize(await readFile(input), REGTEST.magic, { clock: new VirtualClock(NOW * 1000), random: ChaChaRandom.fromSeed(1) });

  const out4 = path.join(dir, 'out4.dat');
  let r = await runCli(['addrman', 'convert', input, out4]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { from: 3, to: 4, entries: v3.size(), omitted: 0 });
  const bytes4 = await readFile(out4);
  assert.deepEqual([...bytes4.subarray(0, 6)], [0xfa, 0xbf, 0xb5, 0xda, 4, 36]);

  const outJson = path.join(dir, 'out.json');
  r = await runCli(['addrman', 'convert', out4, outJson, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const fromJson = decodePeersJson(await readFile(outJson), { clock: new VirtualClock(NOW * 1000), random: ChaChaRandom.fromSeed(2) });
  assert.deepEqual(fromJson.getEntries(false).map((p) => `${p.bucket}/${p.position} ${p.info.record.service}`), v3.getEntries(false).map((p) => `${p.bucket}/${p.position} ${p.info.record.service}`));
  assert.deepEqual(fromJson.getEntries(true).map((p) => `${p.bucket}/${p.position} ${p.info.record.service}`), v3.getEntries(true).map((p) => `${p.bucket}/${p.position} ${p.info.record.service}`));

  // Multiport to V3: the two ports of 30.0.1.1 become one entry, and the summary says so.
  const multi = await writeSample(t, 'multi.json', encodePeersJson(man, REGTEST.magic));
  const out3 = path.join(dir, 'out3.dat');
  r = await runCli(['addrman', 'convert', multi, out3, '--format', '3']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { from: 'json', to: 3, entries: man.size() - 1, omitted: 1 });
  r = await runCli(['addrman', 'info', out3]);
  assert.equal(JSON.parse(r.stdout).format, 3);
  assert.equal(JSON.parse(r.stdout).total, man.size() - 1);

  // Nothing but the inputs and outputs in the directory: no temporary files left behind.
  const names = (await readdir(dir)).filter((n) => n !== path.basename(multi) && n !== path.basename(input));
  assert.deepEqual(names.sort(), ['out.json', 'out3.dat', 'out4.dat']);
});

test('convert refuses an unknown --format and leaves no output file', async (t) => {
  const input = await writeSample(t, 'peers.dat', sampleTable().serialize(REGTEST.magic));
  const out = path.join(path.dirname(input), 'out.dat');
  const r = await runCli(['addrman', 'convert', input, out, '--format', '5']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'peerbook: --format "5" must be 3, 4 or json\n');
  assert.deepEqual(await readdir(path.dirname(input)), ['peers.dat']);
});
