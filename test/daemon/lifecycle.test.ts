/**
 * The daemon's life as an operator sees it, with real child processes and real ports: start, stop by
 * signal and by RPC, `npm start` passing signals on, and refusing to start half-way when a port is
 * taken (by a real listener standing in for bitcoind or litecoind).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../cli/run-cli.js';
import { tempDirFor } from '../support/tmp.js';
import { daemonArgs, daemonPorts, occupyPort, portIsClosed, spawnPeerbook, spawnProcess } from './process.js';

/** How long a daemon may take to shut down after being asked, ms (it closes sockets and writes three files). */
const STOP_WITHIN_MS = 15_000;

async function exitWithin<T>(p: Promise<T>, ms = STOP_WITHIN_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`process still running after ${ms} ms`)), ms); });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function rpc(port: number, cookieFile: string, method: string, params: unknown[] = []): Promise<{ status: number; body: any }> {
  const cookie = (await readFile(cookieFile, 'utf8')).trim();
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(cookie).toString('base64')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '1.0', id: 1, method, params }),
  });
  return { status: res.status, body: await res.json() };
}

test('`peerbook run` listens, serves metrics, and on SIGTERM exits 0 having written its data files', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const ports = await daemonPorts();
  const d = spawnPeerbook(t, daemonArgs(datadir, ports));
  await d.waitFor(/running on regtest/);
  assert.match(d.output(), /Bound to 127\.0\.0\.1:\d+/);
  assert.equal(await portIsClosed(ports.p2p), false, 'the P2P port accepts connections');
  const metricsText = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
  assert.match(metricsText, /peerbook_peers/);
  d.child.kill('SIGTERM');
  assert.equal(await exitWithin(d.exited), 0, d.output());
  assert.match(d.output(), /SIGTERM received, shutting down/);
  const files = await readdir(path.join(datadir, 'regtest'));
  assert.ok(files.includes('peers.dat') && files.includes('banlist.json') && files.includes('peerbook.log'), files.join(','));
  assert.ok(!files.includes('.cookie'), 'the RPC cookie is removed at shutdown');
  assert.match(await readFile(path.join(datadir, 'regtest', 'peerbook.log'), 'utf8'), /Shutdown: done/);
});

test('the RPC `stop` call shuts the daemon down with exit status 0 and its data files written', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const ports = await daemonPorts();
  const d = spawnPeerbook(t, daemonArgs(datadir, ports));
  await d.waitFor(/running on regtest/);
  const reply = await rpc(ports.rpc, path.join(datadir, 'regtest', '.cookie'), 'stop');
  assert.equal(reply.status, 200);
  assert.equal(reply.body.result, 'Peerbook stopping');
  assert.equal(await exitWithin(d.exited), 0, d.output());
  const files = await readdir(path.join(datadir, 'regtest'));
  assert.ok(files.includes('peers.dat') && files.includes('banlist.json'), files.join(','));
});

test('with its RPC port taken the daemon refuses to start: exit 1, one plain message, nothing left listening', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const ports = await daemonPorts();
  await occupyPort(t, ports.rpc);
  const d = spawnPeerbook(t, daemonArgs(datadir, ports));
  assert.equal(await exitWithin(d.exited), 1, d.output());
  assert.match(d.output(), new RegExp(`peerbook: cannot listen for JSON-RPC: port ${ports.rpc} is already in use .*rpcport=`));
  assert.doesNotMatch(d.output(), /Bound to|running on regtest/, 'neither the P2P listener nor the manager was started');
  assert.ok(await portIsClosed(ports.metrics) && await portIsClosed(ports.p2p));
  const files = await readdir(path.join(datadir, 'regtest'));
  assert.ok(!files.includes('peers.dat') && !files.includes('.cookie'), `nothing written: ${files.join(',')}`);
  const log = await readFile(path.join(datadir, 'regtest', 'peerbook.log'), 'utf8');
  assert.match(log, /Error: cannot listen for JSON-RPC/);
  assert.match(log, /Shutdown: done/);
});

test('with its metrics port taken the daemon refuses to start, closing the RPC port it had opened', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const ports = await daemonPorts();
  await occupyPort(t, ports.metrics);
  const d = spawnPeerbook(t, daemonArgs(datadir, ports));
  assert.equal(await exitWithin(d.exited), 1, d.output());
  assert.match(d.output(), new RegExp(`peerbook: cannot serve metrics and the dashboard: port ${ports.metrics} is already in use .*metricsbind=`));
  assert.ok(await portIsClosed(ports.rpc), 'the RPC server was stopped');
  assert.ok(!(await readdir(path.join(datadir, 'regtest'))).includes('.cookie'), 'and its cookie removed');
});

test('with its P2P port taken the daemon refuses to start and leaves an existing peers.dat untouched', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const ports = await daemonPorts();
  // A first run writes a peers.dat; the second, failing run must not overwrite it.
  const first = spawnPeerbook(t, daemonArgs(datadir, ports));
  await first.waitFor(/running on regtest/);
  first.child.kill('SIGTERM');
  assert.equal(await exitWithin(first.exited), 0, first.output());
  const peersDat = path.join(datadir, 'regtest', 'peers.dat');
  const before = await readFile(peersDat);
  await occupyPort(t, ports.p2p);
  const d = spawnPeerbook(t, daemonArgs(datadir, ports));
  assert.equal(await exitWithin(d.exited), 1, d.output());
  assert.match(d.output(), new RegExp(`peerbook: cannot listen for P2P connections: port ${ports.p2p} is already in use .*port= or bind=`));
  assert.ok(await portIsClosed(ports.rpc) && await portIsClosed(ports.metrics), 'RPC and metrics were stopped');
  assert.deepEqual(await readFile(peersDat), before, 'peers.dat was not rewritten');
});

test('`npm start` passes SIGTERM on to the daemon, which shuts down cleanly instead of being orphaned', async (t) => {
  const datadir = await tempDirFor(t, 'daemon');
  const npmHome = await tempDirFor(t, 'npm-home');
  const ports = await daemonPorts();
  // npm's own files (logs, update check) go to a throw-away home; no registry is contacted.
  const env = { ...process.env, HOME: npmHome, npm_config_cache: path.join(npmHome, 'cache'), npm_config_update_notifier: 'false', npm_config_logs_max: '0' };
  // --ignore-scripts skips the prestart build (dist/ is built, and other test files are running from it).
  const npm = spawnProcess(t, 'npm', ['start', '--silent', '--ignore-scripts', '--', ...daemonArgs(datadir, ports).slice(1)], { env, cwd: REPO_ROOT });
  await npm.waitFor(/running on regtest/);
  npm.child.kill('SIGTERM');
  await exitWithin(npm.exited);
  const log = path.join(datadir, 'regtest', 'peerbook.log');
  // npm returns once its child has exited; the daemon logged the signal and finished its shutdown.
  assert.match(await readFile(log, 'utf8'), /SIGTERM received, shutting down[\s\S]*Shutdown: done/);
  assert.ok(await portIsClosed(ports.p2p) && await portIsClosed(ports.rpc) && await portIsClosed(ports.metrics), 'no orphaned daemon holds the ports');
  assert.ok((await readdir(path.join(datadir, 'regtest'))).includes('peers.dat'));
});

test('a --datadir that does not exist is refused with Core\'s message and exit status 2', async (t) => {
  const parent = await tempDirFor(t, 'daemon');
  const missing = path.join(parent, 'nope');
  const d = spawnPeerbook(t, ['run', '--network', 'regtest', '--datadir', missing, '--connect', '0']);
  assert.equal(await exitWithin(d.exited), 2, d.output());
  assert.equal(d.output(), `peerbook: Specified data directory "${missing}" does not exist.\n`);
  assert.deepEqual(await readdir(parent), [], 'nothing was created');
});
