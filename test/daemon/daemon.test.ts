import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Daemon } from '../../src/daemon/daemon.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { MemoryNetwork } from '../../src/transport/memory.js';
import { VirtualClock } from '../../src/util/clock.js';
import { REPO_ROOT } from '../cli/run-cli.js';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const flags = (entries: Record<string, string | string[]>) =>
  new Map(Object.entries(entries).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map((value) => ({ value, origin: `--${k}` }))]));

test('the daemon lays out the data directory like Core, moves corrupt files aside and keeps going', async () => {
  const datadir = await mkdtemp(path.join(tmpdir(), 'peerbook-daemon-'));
  const netDir = path.join(datadir, 'regtest');
  await mkdir(netDir, { recursive: true });
  await writeFile(path.join(netDir, 'peers.dat'), 'garbage');
  await writeFile(path.join(netDir, 'anchors.dat'), 'garbage');
  await writeFile(path.join(netDir, 'banlist.json'), '{"banned_nets": [');
  await writeFile(path.join(datadir, 'peerbook.conf'), 'regtest=1\n[regtest]\ndnsseed=0\nlisten=0\nserver=0\n');
  const console = new PassThrough();
  const lines: string[] = [];
  console.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  const clock = new VirtualClock();
  const daemon = await Daemon.create({ flags: new Map(), datadir, clock, console, transport: new MemoryNetwork(clock).transport(NetAddress.parse('10.0.0.1')) });
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

test('with nobody reachable the status line says so plainly and the daemon keeps trying', async () => {
  const datadir = await mkdtemp(path.join(tmpdir(), 'peerbook-daemon-'));
  const clock = new VirtualClock();
  const network = new MemoryNetwork(clock); // nobody listens anywhere
  const daemon = await Daemon.create({
    flags: flags({ addnode: ['20.0.0.1', '20.0.0.2'], listen: '0', server: '0', printtoconsole: '0' }),
    network: 'regtest', datadir, clock, transport: network.transport(NetAddress.parse('30.0.0.1')),
  });
  await daemon.start();
  daemon.manager.addrman.add([{ service: (await import('../../src/address/service.js')).NetService.parse('40.0.0.1:18444'), services: 9n, time: clock.nowSeconds() }],
    NetAddress.parse('40.0.0.1'));
  for (let i = 0; i < 180; i++) await clock.tick(1000);
  const line = daemon.statusLine();
  assert.match(line, /^peers 0 \(in 0, out 0; none; by network: none\); addrman new 1 tried 0; no peers: none of the 1 known addresses answered; .*still trying$/);
  assert.ok(daemon.manager.running);
  await daemon.stop();
});

test('bad configuration is refused before anything starts, naming the key and line', async () => {
  const datadir = await mkdtemp(path.join(tmpdir(), 'peerbook-daemon-'));
  await writeFile(path.join(datadir, 'peerbook.conf'), 'regtest=1\nmaxconnections=12\nfrobnicate=1\n');
  await assert.rejects(Daemon.create({ flags: new Map(), datadir }), /peerbook\.conf:3: unknown option "frobnicate"/);
  await writeFile(path.join(datadir, 'peerbook.conf'), 'regtest=1\n[regtest]\nbind=1.2.3.4:99999\n');
  await assert.rejects(Daemon.create({ flags: new Map(), datadir }), /bind/);
  // Errors from the connection manager's own validation are printed with Core's flag names.
  await writeFile(path.join(datadir, 'peerbook.conf'), 'regtest=1\n[regtest]\nonlynet=onion\n');
  await assert.rejects(Daemon.create({ flags: new Map(), datadir }), /^ConfigFileError: invalid -onlynet: onion needs -proxy or -onion$/);
  await assert.rejects(Daemon.create({ flags: new Map(), datadir, conf: 'missing.conf' }), /cannot read config file/);
});

test('`peerbook run` as a real process: listens, writes its files, and exits cleanly on SIGTERM', async () => {
  const datadir = await mkdtemp(path.join(tmpdir(), 'peerbook-daemon-'));
  const [p2p, rpc, metrics] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/peerbook.js'), 'run', '--network', 'regtest', '--datadir', datadir,
    '--connect', '0', '--bind', `127.0.0.1:${p2p}`, '--rpcport', String(rpc), '--metricsbind', `127.0.0.1:${metrics}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // Wait for the P2P listener, then prove it speaks by connecting.
  for (let i = 0; i < 100 && !/Bound to 127\.0\.0\.1/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(out, /Bound to 127\.0\.0\.1:\d+/);
  await new Promise<void>((resolve, reject) => {
    const s = net.connect(p2p, '127.0.0.1', () => { s.destroy(); resolve(); });
    s.on('error', reject);
  });
  const metricsText = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
  assert.match(metricsText, /peerbook_peers/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  assert.match(out, /SIGTERM received, shutting down/);
  const files = await readdir(path.join(datadir, 'regtest'));
  assert.ok(files.includes('peers.dat') && files.includes('banlist.json') && files.includes('peerbook.log'), files.join(','));
  assert.ok(!files.includes('.cookie'), 'the RPC cookie is removed at shutdown');
});
