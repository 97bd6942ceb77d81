import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { ByteReader } from '../../src/util/bytes.js';
import { bytesToHex } from '../../src/util/hex.js';
import { readRecordDisk } from '../../src/address/record.js';
import { ensureLitecoind, LITECOIND_FACTS, LitecoindRpcError, requireLitecoind, startLitecoind } from '../support/litecoind.js';
import { freePorts } from '../support/ports.js';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

test('freePorts hands out distinct ports that can be bound', async () => {
  const ports = await freePorts(5);
  assert.equal(new Set(ports).size, 5);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve));
  await new Promise((resolve) => server.close(resolve));
});

test('ensureLitecoind reports why when the binaries are missing and installing is off', async () => {
  const got = await ensureLitecoind({ searchPath: tmpdir(), allowInstall: false });
  assert.equal(got.available, false);
  assert.match(got.reason, /litecoind and litecoin-cli not found on PATH/);
});

test('the harness runs a real regtest litecoind on loopback, talks RPC to it and stops it cleanly', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const node = await startLitecoind();
  t.after(() => node.remove());

  await t.test('getnetworkinfo shows Litecoin Core 0.21.2 with its version, user agent and services', async () => {
    const info = await node.cli('getnetworkinfo');
    assert.equal(info.version, LITECOIND_FACTS.version);
    assert.equal(info.subversion, LITECOIND_FACTS.userAgent);
    assert.equal(info.protocolversion, LITECOIND_FACTS.protocolVersion);
    assert.equal(BigInt('0x' + info.localservices), LITECOIND_FACTS.localServices);
    assert.deepEqual(info.localservicesnames, ['NETWORK', 'WITNESS', 'NETWORK_LIMITED', 'MWEB']);
    assert.equal(info.connections, 0);
    assert.deepEqual(info.localaddresses, []);
  });

  await t.test('it listens on its P2P port on 127.0.0.1 and on no default port', async () => {
    assert.ok(await canConnect(node.p2pPort));
    const log = await node.debugLog();
    assert.match(log, new RegExp(`Bound to 127\\.0\\.0\\.1:${node.p2pPort}\\b`));
    assert.match(log, new RegExp(`Bound to 127\\.0\\.0\\.1:${node.onionPort}\\b`));
    assert.doesNotMatch(log, new RegExp(`Bound to [^\\n]*:${LITECOIND_FACTS.regtestPort}\\b`));
  });

  await t.test('addpeeraddress stores an address that getnodeaddresses then lists', async () => {
    assert.deepEqual(await node.cli('addpeeraddress', '1.2.3.4', 9333), { success: true });
    const addrs: Array<{ address: string; port: number; services: number }> = await node.cli('getnodeaddresses', 0);
    const found = addrs.find((a) => a.address === '1.2.3.4');
    assert.ok(found, JSON.stringify(addrs));
    assert.equal(found.port, 9333);
    assert.equal(found.services, LITECOIND_FACTS.addPeerAddressServices);
  });

  await t.test('a failing RPC rejects with the RPC error code', async () => {
    await assert.rejects(node.cli('getnodeaddresses', -1), (e: Error) => e instanceof LitecoindRpcError && e.rpcCode === -8);
  });

  await t.test('after stop, peers.dat in <datadir>/regtest holds the address in Core 0.21 V3 format', async () => {
    await node.stop();
    assert.equal(await canConnect(node.p2pPort), false);
    const bytes = await readFile(node.peersDatPath);
    assert.equal(node.peersDatPath, `${node.datadir}/regtest/peers.dat`);
    assert.equal(bytesToHex(bytes.subarray(0, 4)), LITECOIND_FACTS.regtestMagic);
    assert.equal(bytes[4], LITECOIND_FACTS.peersDatFormat);
    assert.equal(bytes[5], LITECOIND_FACTS.peersDatCompat);
    const r = new ByteReader(bytes.subarray(6 + 32));
    assert.equal(r.i32le(), 1, 'nNew');
    assert.equal(r.i32le(), 0, 'nTried');
    assert.equal(r.u32le(), 0x40000400, 'nUBuckets ^ (1 << 30)');
    const versionWord = new ByteReader(bytes.subarray(6 + 32 + 12, 6 + 32 + 16)).u32le();
    assert.equal(versionWord, LITECOIND_FACTS.peersDatRecordVersion);
    const rec = readRecordDisk(r, true);
    assert.equal(rec.service.toString(), '1.2.3.4:9333');
    assert.equal(rec.services, 9n);
    await node.stop(); // idempotent
  });
});
