/**
 * The shape of the CLI's output, the same for every command: one JSON line per result on stdout
 * (`--pretty`: the same values, indented), and errors that say each thing once. Runs the CLI in-process
 * through `main()` with captured output.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan } from '../../src/addrman/addrman.js';
import { main } from '../../src/cli/main.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';
import { tempDirFor } from '../support/tmp.js';

const VERACK = 'f9beb4d976657261636b000000000000000000005df6e0e2';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'peerbook', ...args], { out: (s) => { stdout += s; }, err: (s) => { stderr += s; } });
  return { code, stdout, stderr };
}

async function samplePeersDat(t: TestContext): Promise<{ file: string; dir: string }> {
  const man = new AddrMan({ clock: new VirtualClock(), random: ChaChaRandom.fromSeed('cli-output') });
  man.add(['30.1.1.1', '30.2.1.1', '30.3.1.1'].map((ip) => ({ service: NetService.parse(`${ip}:18444`), services: 9n, time: 1_700_000_000 })),
    NetAddress.parse('40.1.1.1'));
  const dir = await tempDirFor(t, 'cli-output');
  const file = path.join(dir, 'peers.dat');
  await writeFile(file, man.serialize(REGTEST.magic));
  return { file, dir };
}

/** Every command that prints JSON, with how many results it prints. */
async function jsonCommands(t: TestContext): Promise<Array<{ args: string[]; results: number }>> {
  const { file, dir } = await samplePeersDat(t);
  return [
    { args: ['address', 'inspect', '1.2.3.4'], results: 1 },
    { args: ['address', 'decode', '--v2', '010401020304'], results: 1 },
    { args: ['wire', 'decode', VERACK], results: 1 },
    { args: ['addrman', 'info', file], results: 1 },
    { args: ['addrman', 'dump', file], results: 3 },
    { args: ['addrman', 'convert', file, path.join(dir, 'out.json'), '--format', 'json'], results: 1 },
  ];
}

test('every command prints one JSON line per result', async (t) => {
  for (const { args, results } of await jsonCommands(t)) {
    const r = await cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stdout.split('\n');
    assert.equal(lines.pop(), '', `${args.join(' ')}: ends with a newline`);
    assert.equal(lines.length, results, `${args.join(' ')}: ${r.stdout}`);
    for (const line of lines) assert.equal(typeof JSON.parse(line), 'object', args.join(' '));
  }
});

test('--pretty prints the same values indented, for every command', async (t) => {
  for (const { args, results } of await jsonCommands(t)) {
    if (args[1] === 'convert') continue; // writes a file: run once above
    const plain = (await cli(...args)).stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    const r = await cli(...args, '--pretty');
    assert.equal(r.code, 0, `${args.join(' ')} --pretty: ${r.stderr}`);
    const docs = r.stdout.trimEnd().split(/\n(?=\{)/);
    assert.equal(docs.length, results);
    assert.ok(docs.every((d) => d.startsWith('{\n  "')), `${args.join(' ')}: indented`);
    assert.deepEqual(docs.map((d) => JSON.parse(d) as unknown), plain);
  }
});

test('addresses with no 16-byte form print "v1": null: Tor v3, I2P and CJDNS', async () => {
  const cases = [
    ['address', 'inspect', 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion'],
    ['address', 'decode', '--v2', '0520a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87'],
    ['address', 'decode', '--v2', '0610fc000000000000000000000000000001'],
  ];
  const networks: string[] = [];
  for (const args of cases) {
    const r = await cli(...args);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    networks.push(j.network);
    assert.equal(j.v1, null, args.join(' '));
    assert.match(j.v2, /^0[456]/);
  }
  assert.deepEqual(networks, ['onion', 'i2p', 'cjdns']);
  const v4 = JSON.parse((await cli('address', 'inspect', '1.2.3.4')).stdout);
  assert.equal(v4.v1, '00000000000000000000ffff01020304', 'IPv4 keeps its v1 form');
});

test('errors say each thing once', async (t) => {
  const { dir } = await samplePeersDat(t);
  const missing = path.join(dir, 'missing.dat');
  for (const [args, expected] of [
    [['wire', 'decode', VERACK, '--network', 'foonet'], /^peerbook: unknown network "foonet": expected one of main, /],
    [['addrman', 'info', missing], new RegExp(`^peerbook: cannot read ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT: no such file or directory\\n$`)],
    [['address', 'inspect', '1.2.3.4', '--asmap', missing], /^peerbook: cannot read asmap file \S+missing\.dat: ENOENT: no such file or directory\n$/],
  ] as const) {
    const r = await cli(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, expected);
    assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
    const words = r.stderr.match(/unknown network|missing\.dat/g) ?? [];
    assert.ok(words.length <= 1, `said once: ${r.stderr}`);
  }
});
