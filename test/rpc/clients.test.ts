/**
 * The RPC server driven by clients nobody here wrote: `litecoin-cli` (Litecoin Core 0.21, a Bitcoin
 * Core 0.21 fork: Core's own C++ client, its argument conversion table and its error printing), the
 * `bitcoin-core` npm client, and — as a reference — the same `litecoin-cli` calls made to a real
 * `litecoind`, whose answers ours must match.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Client from 'bitcoin-core';
import { SystemClock } from '../../src/util/clock.js';
import { requireLitecoind, startLitecoind } from '../support/litecoind.js';
import { tempDirFor } from '../support/tmp.js';
import { svc } from '../../src/sim/network.js';
import { PASSWORD, RpcHarness, USER } from './helpers.js';

/** bitcoin-cli's exit status for an RPC error: abs(code), as the OS keeps it (one byte). */
const exitFor = (rpcCode: number): number => Math.abs(rpcCode) & 0xff;

/** What a CLI run printed. */
interface CliResult { code: number; stdout: string; stderr: string }

/** Runs litecoin-cli with `args`, never rejecting: the exit code and output are the result. */
function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('litecoin-cli', args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** A Peerbook node with one inbound and one outbound peer, and its RPC server on real time. */
async function peerbook(t: TestContext, options: Parameters<RpcHarness['start']>[0] = {}): Promise<RpcHarness> {
  const h = new RpcHarness();
  const inbound = h.sim.node('20.0.0.1');
  const outbound = h.sim.node('30.0.0.1');
  await h.start({ clock: new SystemClock(true), ...options });
  t.after(() => h.stop());
  void inbound.openConnection(svc('10.0.0.1'), 'manual');
  void h.node.openConnection(svc(outbound.listenAddresses[0].addr.toString()), 'manual');
  await h.sim.run(2_000);
  return h;
}

test('litecoin-cli with -rpcuser/-rpcpassword reads peers, network info, bans and addresses', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const h = await peerbook(t);
  const dir = await tempDirFor(t, 'cli');
  const cli = (...args: string[]) => runCli([`-datadir=${dir}`, '-rpcconnect=127.0.0.1', `-rpcport=${h.port}`, `-rpcuser=${USER}`, `-rpcpassword=${PASSWORD}`, ...args]);

  assert.deepEqual(await cli('getconnectioncount'), { code: 0, stdout: '2', stderr: '' });

  const peers = JSON.parse((await cli('getpeerinfo')).stdout);
  assert.deepEqual(peers.map((p: any) => p.connection_type).sort(), ['inbound', 'manual']);
  assert.ok(peers.every((p: any) => p.services === '0000000000000809' && p.subver === '/Peerbook:0.1.0/'));

  const info = JSON.parse((await cli('getnetworkinfo')).stdout);
  assert.deepEqual([info.connections, info.connections_in, info.connections_out], [2, 1, 1]);
  assert.equal(info.networks.length, 5);

  assert.deepEqual(await cli('setban', '20.0.0.1', 'add', '3600'), { code: 0, stdout: '', stderr: '' });
  const banned = JSON.parse((await cli('listbanned')).stdout);
  assert.deepEqual(banned.map((b: any) => [b.address, b.ban_duration]), [['20.0.0.1/32', 3600]]);
  await h.sim.run(3_000);
  assert.equal((await cli('getconnectioncount')).stdout, '1', 'the banned inbound peer was disconnected');

  h.node.addrman.add([{ service: svc('40.1.2.3', 8333), services: 9n, time: h.sim.clock.nowSeconds() - 60 }], svc('9.9.9.9').addr);
  const addrs = JSON.parse((await cli('getnodeaddresses', '0')).stdout);
  assert.deepEqual(addrs.find((a: any) => a.address === '40.1.2.3'), { time: h.sim.clock.nowSeconds() - 60, services: 9, address: '40.1.2.3', port: 8333, network: 'ipv4' });
  assert.ok(h.node.addrman.getInfo(svc('20.0.0.1')), 'the banned peer is in the address table…');
  assert.equal(addrs.some((a: any) => a.address === '20.0.0.1'), false, '…but not handed out');

  assert.deepEqual(await cli('addnode', '50.0.0.1:18444', 'add'), { code: 0, stdout: '', stderr: '' });
  assert.deepEqual(JSON.parse((await cli('getaddednodeinfo')).stdout), [{ addednode: '50.0.0.1:18444', connected: false, addresses: [] }]);
  assert.equal((await cli('uptime')).stdout, String(Math.floor((h.sim.clock.now() - h.node.startTime) / 1000)));
});

test('litecoin-cli prints Core\'s error codes and messages from the server', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const h = await peerbook(t);
  const dir = await tempDirFor(t, 'cli');
  const cli = (...args: string[]) => runCli([`-datadir=${dir}`, '-rpcconnect=127.0.0.1', `-rpcport=${h.port}`, `-rpcuser=${USER}`, `-rpcpassword=${PASSWORD}`, ...args]);
  assert.deepEqual(await cli('setban', 'not-an-ip', 'add'), { code: exitFor(-30), stdout: '', stderr: 'error code: -30\nerror message:\nError: Invalid IP/Subnet' });
  assert.deepEqual(await cli('getnodeaddresses', '-1'), { code: exitFor(-8), stdout: '', stderr: 'error code: -8\nerror message:\nAddress count out of range' });
  assert.deepEqual(await cli('getnodeaddresses', '1', 'Foo'), { code: exitFor(-8), stdout: '', stderr: 'error code: -8\nerror message:\nNetwork not recognized: Foo' });
  assert.deepEqual(await cli('addnode', '1.2.3.4:5', 'remove'), { code: exitFor(-24), stdout: '', stderr: 'error code: -24\nerror message:\nError: Node could not be removed. It has not been added previously.' });
  assert.deepEqual(await cli('getblockcount'), { code: exitFor(-32601), stdout: '', stderr: 'error code: -32601\nerror message:\nMethod not found' });
  const help = await cli('setban');
  assert.equal(help.code, exitFor(-1));
  assert.ok(help.stderr.startsWith('error code: -1\nerror message:\nsetban "subnet" "command" ( bantime absolute )'));
  assert.equal((await cli('help', 'getnodeaddresses')).stdout.split('\n')[0], 'getnodeaddresses ( count "network" )');
  const named = await cli('-named', 'getnodeaddresses', 'network=ipv6', 'count=0');
  assert.deepEqual(named, { code: 0, stdout: '[\n]', stderr: '' });
});

test('litecoin-cli authenticates with -rpccookiefile, and a wrong password is refused', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const dir = await tempDirFor(t, 'cli-cookie');
  const cookieFile = path.join(dir, '.cookie');
  const h = await peerbook(t, { auth: { cookieFile } });
  assert.match(await readFile(cookieFile, 'utf8'), /^__cookie__:[0-9a-f]{64}$/);
  const viaCookie = await runCli([`-datadir=${dir}`, '-rpcconnect=127.0.0.1', `-rpcport=${h.port}`, `-rpccookiefile=${cookieFile}`, 'getconnectioncount']);
  assert.deepEqual(viaCookie, { code: 0, stdout: '2', stderr: '' });
  const wrong = await runCli([`-datadir=${dir}`, '-rpcconnect=127.0.0.1', `-rpcport=${h.port}`, '-rpcuser=__cookie__', '-rpcpassword=nope', 'getconnectioncount']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /Authorization failed: Incorrect rpcuser or rpcpassword/);
});

test('litecoin-cli stop stops the server through onStop', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const h = await peerbook(t);
  const dir = await tempDirFor(t, 'cli');
  const r = await runCli([`-datadir=${dir}`, '-rpcconnect=127.0.0.1', `-rpcport=${h.port}`, `-rpcuser=${USER}`, `-rpcpassword=${PASSWORD}`, 'stop']);
  assert.deepEqual(r, { code: 0, stdout: 'Peerbook stopping', stderr: '' });
  assert.equal(h.stopCalls, 1);
});

test('the same litecoin-cli calls get the same answers from Peerbook as from a real litecoind', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLitecoind({ listen: false });
  t.after(() => ltc.remove());
  const h = new RpcHarness();
  await h.start({ clock: new SystemClock(true) });
  t.after(() => h.stop());
  const dir = await tempDirFor(t, 'cli-diff');
  const theirs = (args: string[]) => runCli(['-regtest', `-datadir=${ltc.datadir}`, '-rpcconnect=127.0.0.1', `-rpcport=${ltc.rpcPort}`, ...args]);
  const ours = (args: string[]) => runCli([`-datadir=${dir}`, '-rpcconnect=127.0.0.1', `-rpcport=${h.port}`, `-rpcuser=${USER}`, `-rpcpassword=${PASSWORD}`, ...args]);
  const calls: string[][] = [
    ['getconnectioncount'],
    ['setban', 'foo', 'add'],
    ['setban', '1.2.3.4/33', 'add'],
    ['setban', '1.2.3.4', 'remove'],
    ['setban', '1.2.3.0/24', 'add'],
    ['setban', '1.2.3.0/24', 'add'],
    ['setban', '1.2.3.7', 'add'],
    ['setban', '1.2.3.0/24', 'remove'],
    ['listbanned'],
    ['clearbanned'],
    ['getnodeaddresses', '-1'],
    ['getnodeaddresses', '0'],
    ['addnode', '1.2.3.4:5', 'remove'],
    ['addnode', '1.2.3.4:5', 'add'],
    ['addnode', '1.2.3.4:5', 'add'],
    ['getaddednodeinfo'],
    ['getaddednodeinfo', '9.9.9.9'],
    ['disconnectnode', '1.2.3.4:5'],
    ['disconnectnode', '', '7'],
    ['setnetworkactive', 'false'],
    ['setnetworkactive', 'true'],
    ['nosuchmethod'],
  ];
  for (const call of calls) {
    assert.deepEqual(await ours(call), await theirs(call), `litecoin-cli ${call.join(' ')}`);
  }
  // Known difference: Litecoin 0.21 bans with an absolute time in the past; Core ≥ 22 (and Peerbook) refuse it.
  const past = ['setban', '5.6.7.8', 'add', '1000', 'true'];
  assert.equal((await theirs(past)).code, 0);
  assert.equal((await ours(past)).stderr, 'error code: -8\nerror message:\nError: Absolute timestamp is in the past');
});

test('the bitcoin-core npm client calls methods, batches, named parameters and sees RpcErrors', async (t) => {
  const h = await peerbook(t);
  const client = new Client({ host: `http://127.0.0.1:${h.port}`, username: USER, password: PASSWORD });
  assert.equal(await client.command('getconnectioncount'), 2);
  const peers = await client.command('getpeerinfo');
  assert.equal(peers.length, 2);
  const info = await (client as unknown as { getNetworkInfo(): Promise<any> }).getNetworkInfo();
  assert.equal(info.subversion, '/Peerbook:0.1.0/');

  const batch = await client.command([
    { method: 'getconnectioncount', parameters: [] },
    { method: 'setban', parameters: ['bogus', 'add'] },
    { method: 'getaddednodeinfo', parameters: [] },
  ]);
  assert.equal(batch[0], 2);
  assert.equal(batch[1].name, 'RpcError');
  assert.equal(batch[1].code, -30);
  assert.equal(batch[1].message, 'Error: Invalid IP/Subnet');
  assert.deepEqual(batch[2], []);

  await assert.rejects(client.command('getnodeaddresses', -1), (e: any) => e.name === 'RpcError' && e.code === -8 && e.message === 'Address count out of range');
  await assert.rejects(client.command('nosuchmethod'), (e: any) => e.code === -32601);

  const named = new Client({ host: `http://127.0.0.1:${h.port}`, username: USER, password: PASSWORD, version: '0.21.0' });
  await client.command('addpeeraddress', '2a01:4f8::1', 8333);
  assert.deepEqual((await named.command('getnodeaddresses', { count: 0, network: 'ipv6' })).map((a: any) => a.address), ['2a01:4f8::1']);

  const wrong = new Client({ host: `http://127.0.0.1:${h.port}`, username: USER, password: 'wrong' });
  await assert.rejects(wrong.command('getconnectioncount'), (e: any) => e.code === 401);
});
