/** The daemon in-process: data directory, configuration, logs and the status line, on a virtual clock. */
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Daemon } from '../../src/daemon/daemon.js';
import { encodeAsmap } from '../../src/address/asmap.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { MemoryNetwork } from '../../src/transport/memory.js';
import { VirtualClock } from '../../src/util/clock.js';
import { tempDirFor } from '../support/tmp.js';

/** Collects what a stream receives, line by line. */
function lineSink(): { stream: PassThrough; lines: string[] } {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  return { stream, lines };
}

const flags = (entries: Record<string, string | string[]>) =>
  new Map(Object.entries(entries).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map((value) => ({ value, origin: `--${k}` }))]));

test('the daemon lays out the data directory like Core, moves corrupt files aside and keeps going', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const netDir = path.join(datadir, 'regtest');
  await mkdir(netDir, { recursive: true });
  await writeFile(path.join(netDir, 'peers.dat'), 'garbage');
  await writeFile(path.join(netDir, 'anchors.dat'), 'garbage');
  await writeFile(path.join(netDir, 'banlist.json'), '{"banned_nets": [');
  await writeFile(path.join(datadir, 'peerbook.conf'), 'regtest=1\n[regtest]\ndnsseed=0\nlisten=0\nserver=0\n');
  const { stream: console, lines } = lineSink();
  const clock = new VirtualClock();
  const daemon = await Daemon.create({ flags: new Map(), datadir, clock, console, consoleIsTTY: false, transport: new MemoryNetwork(clock).transport(NetAddress.parse('10.0.0.1')) });
  t.after(() => daemon.stop());
  assert.equal(daemon.netDir, netDir);
  await daemon.start();
  await daemon.stop();
  const files = (await readdir(netDir)).sort();
  for (const f of ['peers.dat.bak', 'anchors.dat.bak', 'banlist.json.bak', 'peers.dat', 'banlist.json', 'peerbook.log']) {
    assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
  }
  const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40).map((l) => l.msg);
  assert.equal(warnings.filter((w) => /is corrupt .*moved to/.test(w)).length, 3, warnings.join('\n'));
  assert.match(await readFile(path.join(netDir, 'peerbook.log'), 'utf8'), /Shutdown: done/);
});

test('with nobody reachable the status line says so plainly and the daemon keeps trying', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const clock = new VirtualClock();
  const network = new MemoryNetwork(clock); // nobody listens anywhere
  const daemon = await Daemon.create({
    flags: flags({ addnode: ['20.0.0.1', '20.0.0.2'], listen: '0', server: '0', printtoconsole: '0', dnsseed: '0' }),
    network: 'regtest', datadir, clock, transport: network.transport(NetAddress.parse('30.0.0.1')),
  });
  t.after(() => daemon.stop());
  await daemon.start();
  daemon.manager.addrman.add([{ service: NetService.parse('40.0.0.1:18444'), services: 9n, time: clock.nowSeconds() }],
    NetAddress.parse('40.0.0.1'));
  for (let i = 0; i < 180; i++) await clock.tick(1000);
  const line = daemon.statusLine();
  assert.match(line, /^peers 0 \(in 0, out 0; none; by network: none\); addrman new 1 tried 0; no peers: none of the 1 known addresses answered; .*still trying$/);
  assert.ok(daemon.manager.running);
  await daemon.stop();
});

test('bad configuration is refused before anything starts, naming the key and line', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  await writeFile(path.join(datadir, 'peerbook.conf'), 'regtest=1\nmaxconnections=12\nfrobnicate=1\n');
  await assert.rejects(Daemon.create({ flags: new Map(), datadir }), /peerbook\.conf:3: unknown option "frobnicate"/);
  await writeFile(path.join(datadir, 'peerbook.conf'), 'regtest=1\n[regtest]\nbind=1.2.3.4:99999\n');
  await assert.rejects(Daemon.create({ flags: new Map(), datadir }), /bind/);
  // Errors from the connection manager's own validation are printed with Core's flag names.
  await writeFile(path.join(datadir, 'peerbook.conf'), 'regtest=1\n[regtest]\nonlynet=onion\n');
  await assert.rejects(Daemon.create({ flags: new Map(), datadir }), /^ConfigFileError: invalid -onlynet: onion needs -proxy or -onion$/);
  await assert.rejects(Daemon.create({ flags: new Map(), datadir, conf: 'missing.conf' }), /cannot read config file/);
});

test('an unknown network is named once, with the names that are accepted', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const error = await Daemon.create({ flags: new Map(), datadir, network: 'foonet' }).then(() => undefined, (e: Error) => e);
  assert.ok(error);
  assert.equal(error.message.match(/unknown network/g)?.length, 1, error.message);
  assert.match(error.message, /^unknown network "foonet": expected one of main, mainnet, test/);
});

test('a --datadir that does not exist is refused with Core\'s message, and nothing is created', async (t) => {
  const parent = await tempDirFor(t, 'daemon');
  const missing = path.join(parent, 'missing');
  await assert.rejects(Daemon.create({ flags: new Map(), datadir: missing, network: 'regtest' }),
    { code: 'ERR_CONFIG_FILE', message: `Specified data directory "${missing}" does not exist.` });
  await writeFile(path.join(parent, 'a-file'), '');
  await assert.rejects(Daemon.create({ flags: new Map(), datadir: path.join(parent, 'a-file'), network: 'regtest' }), /does not exist/);
  assert.deepEqual(await readdir(parent), ['a-file']);
});

test('when every DNS lookup fails, the status line says DNS resolution failed, with the name and the error', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const clock = new VirtualClock();
  const network = new MemoryNetwork(clock);
  const asked: string[] = [];
  const resolver = async (host: string): Promise<string[]> => {
    asked.push(host);
    throw new Error(`getaddrinfo EAI_AGAIN ${host}`);
  };
  const daemon = await Daemon.create({
    flags: flags({ listen: '0', server: '0', printtoconsole: '0', dnsseed: '1' }),
    network: 'regtest', datadir, clock, resolver, transport: network.transport(NetAddress.parse('30.0.0.1')),
  });
  t.after(() => daemon.stop());
  await daemon.start();
  for (let i = 0; i < 180; i++) await clock.tick(1000);
  assert.ok(asked.includes('x9.dummySeed.invalid.'), `lookups: ${asked.join(', ')}`);
  const line = daemon.statusLine();
  assert.match(line, /; no peers: DNS resolution failed: (\d+) of \1 lookups failed and none answered \(last: \S*dummySeed\.invalid\.?: getaddrinfo EAI_AGAIN \S+\); check this machine's DNS and connectivity/);
  await daemon.stop();
});

test('DNS that answers is not reported as failing', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const clock = new VirtualClock();
  const daemon = await Daemon.create({
    flags: flags({ listen: '0', server: '0', printtoconsole: '0', dnsseed: '1' }),
    network: 'regtest', datadir, clock, resolver: async () => ['40.0.0.9'], transport: new MemoryNetwork(clock).transport(NetAddress.parse('30.0.0.1')),
  });
  t.after(() => daemon.stop());
  await daemon.start();
  for (let i = 0; i < 5; i++) await clock.tick(1000);
  assert.equal(daemon.dns.failed, 0);
  assert.ok(daemon.dns.answered > 0);
  assert.doesNotMatch(daemon.statusLine(), /DNS resolution failed/);
  await daemon.stop();
});

test('on a terminal the console shows readable log lines; peerbook.log and a pipe get JSON lines', async (t) => {
  for (const tty of [true, false]) {
    const datadir = await tempDirFor(t, 'daemon');
    const { stream, lines } = lineSink();
    const clock = new VirtualClock();
    const daemon = await Daemon.create({
      flags: flags({ listen: '0', server: '0', metricsbind: '0', dnsseed: '0', connect: '0' }), network: 'regtest', datadir, clock,
      console: stream, consoleIsTTY: tty, transport: new MemoryNetwork(clock).transport(NetAddress.parse('30.0.0.1')),
    });
    t.after(() => daemon.stop());
    await daemon.start();
    await daemon.stop();
    const started = lines.find((l) => l.includes('PeerManager started on regtest'));
    assert.ok(started, lines.join('\n'));
    if (tty) {
      assert.throws(() => JSON.parse(started), SyntaxError, 'not JSON on a terminal');
      // eslint-disable-next-line no-control-regex
      assert.match(started.replace(/\x1b\[\d+m/g, ''), /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] INFO: PeerManager started on regtest$/);
    } else {
      assert.equal(JSON.parse(started).msg, 'PeerManager started on regtest');
    }
    const logLines = (await readFile(path.join(datadir, 'regtest', 'peerbook.log'), 'utf8')).trim().split('\n');
    assert.ok(logLines.length > 2 && logLines.every((l) => typeof JSON.parse(l).msg === 'string'), 'peerbook.log is JSON lines');
  }
});

test('when stop() resolves, peerbook.log holds every line, up to the shutdown line', async (t) => {
  for (let round = 0; round < 5; round++) {
    const datadir = await tempDirFor(t, 'daemon');
    const clock = new VirtualClock();
    const daemon = await Daemon.create({
      flags: flags({ listen: '0', server: '0', metricsbind: '0', dnsseed: '0', connect: '0', printtoconsole: '0' }), network: 'regtest', datadir, clock,
      transport: new MemoryNetwork(clock).transport(NetAddress.parse('30.0.0.1')),
    });
    await daemon.start();
    await daemon.stop();
    const logLines = (await readFile(path.join(datadir, 'regtest', 'peerbook.log'), 'utf8')).trim().split('\n');
    assert.equal(JSON.parse(logLines.at(-1)!).msg, 'Shutdown: done', `round ${round}: the last line on disk`);
  }
});

test('a stop asked for while the daemon starts waits for the start, then closes everything', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const clock = new VirtualClock();
  const daemon = await Daemon.create({
    flags: flags({ listen: '0', dnsseed: '0', connect: '0', rpcport: '0', metricsbind: '127.0.0.1:0', printtoconsole: '0' }), network: 'regtest', datadir, clock,
    transport: new MemoryNetwork(clock).transport(NetAddress.parse('30.0.0.1')),
  });
  t.after(() => daemon.stop());
  const started = daemon.start();
  const stopped = daemon.stop();
  await started;
  await stopped;
  await daemon.done;
  assert.equal(daemon.manager.running, false);
  assert.ok(!(await readdir(path.join(datadir, 'regtest'))).includes('.cookie'), 'the RPC server was stopped');
});

test('with an asmap the log names the file, its size and its SHA-256, so the operator can check which map is in use', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const map = encodeAsmap([{ prefix: NetAddress.parse('::ffff:250.0.0.0').toV1(), prefixLength: 104, asn: 1000 }]);
  await writeFile(path.join(datadir, 'asmap.dat'), map);
  const { stream, lines } = lineSink();
  const clock = new VirtualClock();
  const daemon = await Daemon.create({
    flags: flags({ asmap: 'asmap.dat', listen: '0', server: '0', metricsbind: '0', dnsseed: '0', connect: '0' }), network: 'regtest', datadir, clock,
    console: stream, consoleIsTTY: false, transport: new MemoryNetwork(clock).transport(NetAddress.parse('30.0.0.1')),
  });
  t.after(() => daemon.stop());
  const sha = createHash('sha256').update(map).digest('hex');
  const note = lines.map((l) => JSON.parse(l).msg as string).find((m) => m.startsWith('Using asmap'));
  assert.equal(note, `Using asmap ${path.join(datadir, 'asmap.dat')} (${map.length} bytes, sha256 ${sha}) for IP bucketing`);
});

test('v2transport=0 in the config file turns BIP324 off (no NODE_P2P_V2), and the --v2transport flag overrides the file', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  await writeFile(path.join(datadir, 'peerbook.conf'), 'regtest=1\n[regtest]\ndnsseed=0\nlisten=0\nserver=0\nprinttoconsole=0\nv2transport=0\n');
  const clock = new VirtualClock();
  const transport = new MemoryNetwork(clock).transport(NetAddress.parse('10.0.0.1'));
  const off = await Daemon.create({ flags: new Map(), datadir, clock, transport });
  assert.equal(off.manager.v2transport, false);
  assert.equal(off.manager.localServices & (1n << 11n), 0n);
  const on = await Daemon.create({ flags: flags({ v2transport: '1' }), datadir, clock, transport });
  assert.equal(on.manager.v2transport, true, 'the flag wins over the file');
  assert.equal(on.manager.localServices & (1n << 11n), 1n << 11n);
});

test('timeout= above what a timer can wait (2^31 - 1 ms) stops the daemon at start with the key named', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  await writeFile(path.join(datadir, 'peerbook.conf'), 'regtest=1\ntimeout=2147483648\n');
  await assert.rejects(Daemon.create({ flags: new Map(), datadir }), /invalid -timeout: 2147483648 is not an integer in \[1, 2147483647\] ms/);
});
