/**
 * Independent check of the peers.dat codec against a real litecoind (Litecoin Core 0.21.2.1, whose
 * addrman is Bitcoin Core 0.21's and writes peers.dat format V3): Peerbook reads the file litecoind
 * wrote, and litecoind loads a file Peerbook wrote. litecoind runs on regtest, loopback only, not
 * listening (-listen=0) and never dialing (-connect=0): the addresses it is given are never contacted.
 *
 * The harness starts each daemon in a fresh datadir; loading a file we wrote needs the same datadir
 * started again, so `relaunch` starts litecoind on the stopped node's datadir with the harness's
 * arguments (same ports, so the node's `cli` keeps working). Polling is on the wall clock: litecoind
 * is a separate process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan } from '../../src/addrman/addrman.js';
import { VirtualClock } from '../../src/util/clock.js';
import { bytesToHex } from '../../src/util/hex.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { runCli } from '../cli/run-cli.js';
import {
  LITECOIND_FACTS, litecoindCommand, litecoindEnv, READY_TIMEOUT_MS, requireLitecoind, startLitecoind, STOP_TIMEOUT_MS, type LitecoindNode,
} from '../support/litecoind.js';
import { tempDirFor } from '../support/tmp.js';

const REGTEST_MAGIC = Uint8Array.of(0xfa, 0xbf, 0xb5, 0xda);
/** Routable IPv4 addresses given to litecoind with addpeeraddress (never dialled). */
const LTC_IPV4_COUNT = 40;
/** Candidates tried at most, in case a few land on a taken cell of litecoind's randomly keyed table. */
const MAX_CANDIDATES = 80;
const POLL_MS = 100;

/** getnodeaddresses in 0.21: no `network` field yet. */
interface NodeAddress {
  time: number;
  services: number;
  address: string;
  port: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts litecoind again on a stopped harness node's datadir (its arguments, -listen=0); returns a stopper. */
async function relaunch(node: LitecoindNode): Promise<() => Promise<void>> {
  const pidFile = join(node.datadir, 'litecoind.pid');
  const args = [
    '-regtest', `-datadir=${node.datadir}`, `-pid=${pidFile}`,
    `-port=${node.p2pPort}`, '-connect=0', '-dnsseed=0', '-discover=0', '-upnp=0', '-listenonion=0',
    '-server=1', '-rpcbind=127.0.0.1', '-rpcallowip=127.0.0.1', `-rpcport=${node.rpcPort}`,
    '-disablewallet', '-printtoconsole=0', '-daemon', '-listen=0',
  ];
  await new Promise<void>((resolve, reject) => {
    execFile(litecoindCommand(), args, { timeout: READY_TIMEOUT_MS, env: litecoindEnv(node.datadir) }, (err, _out, stderr) => (err ? reject(new Error(`litecoind relaunch: ${stderr || err.message}`)) : resolve()));
  });
  let pid: number | undefined;
  const stop = async (): Promise<void> => {
    pid ??= Number((await readFile(pidFile, 'utf8').catch(() => '')).trim()) || undefined;
    await node.cli('stop').catch(() => undefined);
    const until = Date.now() + STOP_TIMEOUT_MS;
    while (pid !== undefined && alive(pid) && Date.now() < until) await sleep(POLL_MS);
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    pid ??= Number((await readFile(pidFile, 'utf8').catch(() => '')).trim()) || undefined;
    try {
      await node.cli('getnetworkinfo');
      return stop;
    } catch (e) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`relaunched litecoind did not answer RPC: ${(e as Error).message}`);
      }
    }
    await sleep(POLL_MS);
  }
}

test('Peerbook reads the peers.dat litecoind writes, and litecoind loads the one Peerbook writes', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const node = await startLitecoind({ listen: false });
  let stopRelaunched: (() => Promise<void>) | undefined;
  t.after(async () => {
    if (stopRelaunched) await stopRelaunched();
    await node.remove();
  });
  const scratch = await tempDirFor(t, 'ltc-peers');

  // 1. Fill litecoind's table. Its answer is not proof of presence: 0.21's Add_ returns "created",
  //    also when the new entry then found its cell taken and was deleted again (Core ≥ 22 returns
  //    whether it was inserted). So what litecoind holds is read back with getnodeaddresses, and
  //    candidates are added until 40 IPv4 addresses are really in its table.
  const svcText = (a: NodeAddress): string => new NetService(NetAddress.parse(a.address), a.port).toString();
  const held = async (): Promise<string[]> => ((await node.cli('getnodeaddresses', 0)) as NodeAddress[]).map(svcText);
  const added = new Set<string>();
  let next = 0;
  for (let have = 0; have < LTC_IPV4_COUNT; have = (await held()).filter((a) => !a.startsWith('[')).length) {
    for (let k = have; k < LTC_IPV4_COUNT; k++, next++) {
      assert.ok(next < MAX_CANDIDATES, `litecoind kept fewer than ${LTC_IPV4_COUNT} of ${MAX_CANDIDATES} addresses`);
      const ip = `11.${next}.${(next * 7) % 256}.1`;
      if ((await node.cli('addpeeraddress', ip, 9333)).success === true) added.add(`${ip}:9333`);
    }
  }
  for (const ip of ['2a0b:f4c0:1::1', '2a0b:f4c0:2::7', '2a0b:f4c0:3::9']) {
    if ((await node.cli('addpeeraddress', ip, 9333)).success === true) added.add(`[${ip}]:9333`);
  }
  const accepted = await held();
  assert.ok(accepted.every((a) => added.has(a)), 'litecoind holds only addresses we gave it');
  assert.equal(accepted.filter((a) => !a.startsWith('[')).length, LTC_IPV4_COUNT);
  assert.ok(accepted.some((a) => a.startsWith('[')), 'an IPv6 address is in the table');
  const addedAt = Math.floor(Date.now() / 1000);
  await node.stop();

  await t.test('litecoind\'s peers.dat is format V3 and holds exactly the added addresses, services 9, each its own source', async () => {
    const bytes = await readFile(node.peersDatPath);
    assert.equal(bytesToHex(bytes.subarray(0, 4)), LITECOIND_FACTS.regtestMagic);
    assert.deepEqual([bytes[4], bytes[5]], [LITECOIND_FACTS.peersDatFormat, LITECOIND_FACTS.peersDatCompat]);
    const man = AddrMan.deserialize(bytes, REGTEST_MAGIC, { clock: new VirtualClock(addedAt * 1000), random: ChaChaRandom.fromSeed('ltc') });
    assert.equal(man.checkConsistency(), 0);
    const entries = man.snapshot().entries;
    assert.deepEqual(entries.map((e) => e.record.service.toString()).sort(), [...accepted].sort());
    for (const e of entries) {
      assert.equal(e.record.services, BigInt(LITECOIND_FACTS.addPeerAddressServices), e.record.service.toString());
      assert.ok(e.source.equals(e.record.service.addr), `${e.record.service} source ${e.source}`);
      assert.equal(e.table, 'new');
      assert.ok(Math.abs(e.record.time - addedAt) < 600, `time ${e.record.time} is about when it was added (${addedAt})`);
      assert.deepEqual([e.lastSuccess, e.attempts], [0, 0]);
    }
  });

  await t.test('peerbook addrman info reports format 3 and the counts of litecoind\'s file', async () => {
    const copy = join(scratch, 'litecoind-peers.dat');
    await copyFile(node.peersDatPath, copy);
    const r = await runCli(['addrman', 'info', copy]);
    assert.equal(r.code, 0, r.stderr);
    const ipv6 = accepted.filter((a) => a.startsWith('[')).length;
    assert.deepEqual(JSON.parse(r.stdout), {
      format: 3, new: accepted.length, tried: 0, total: accepted.length,
      networks: { ipv4: { new: accepted.length - ipv6, tried: 0 }, ipv6: { new: ipv6, tried: 0 }, onion: { new: 0, tried: 0 }, i2p: { new: 0, tried: 0 }, cjdns: { new: 0, tried: 0 } },
    });
  });

  // 2. A different table written by Peerbook as V3, with fresh times (getnodeaddresses skips terrible
  //    entries), new and tried entries, and two service sets.
  const now = Math.floor(Date.now() / 1000);
  const clock = new VirtualClock(now * 1000);
  const ours = new AddrMan({ clock, random: ChaChaRandom.fromSeed('peerbook-for-litecoind') });
  const expected = new Map<string, bigint>();
  for (let i = 0; i < 30; i++) {
    const service = new NetService(NetAddress.ipv4(Uint8Array.of(12, i, 3, 1)), i % 2 === 0 ? 9333 : 19444);
    const services = i % 3 === 0 ? 0x0100_0009n : 9n;
    ours.add([{ service, services, time: now - 60 - i }], NetAddress.ipv4(Uint8Array.of(13, i % 4, 1, 1)));
    expected.set(service.toString(), services);
  }
  for (const text of ['[2a0b:f4c0:10::1]:9333', '[2a0b:f4c0:11::5]:9333']) {
    const service = NetService.parse(text);
    ours.add([{ service, services: 0x409n, time: now - 30 }], service.addr);
    expected.set(text, 0x409n);
  }
  for (let i = 0; i < 30; i += 5) assert.equal(ours.good(new NetService(NetAddress.ipv4(Uint8Array.of(12, i, 3, 1)), i % 2 === 0 ? 9333 : 19444), now - 10), true);
  assert.equal(ours.size(), expected.size, 'every address is in our table');
  assert.equal(ours.size({ inNew: false }), 6);
  const file = ours.serialize(REGTEST_MAGIC, { format: 3 });
  await writeFile(node.peersDatPath, file);
  stopRelaunched = await relaunch(node);

  await t.test('litecoind loads exactly those addresses (new and tried) with their ports and services', async () => {
    const got: NodeAddress[] = await node.cli('getnodeaddresses', 0);
    assert.deepEqual(got.map((a) => new NetService(NetAddress.parse(a.address), a.port).toString()).sort(), [...expected.keys()].sort());
    for (const a of got) {
      const key = new NetService(NetAddress.parse(a.address), a.port).toString();
      assert.equal(BigInt(a.services), expected.get(key), key);
    }
    const log = await node.debugLog();
    assert.match(log, new RegExp(`Loaded ${expected.size} addresses from peers\\.dat`));
  });

  await t.test('litecoind writes the table back with the same key, the same tried entries and the same cells', async () => {
    await stopRelaunched!();
    stopRelaunched = undefined;
    const back = AddrMan.deserialize(await readFile(node.peersDatPath), REGTEST_MAGIC, { clock, random: ChaChaRandom.fromSeed('back') });
    assert.deepEqual(back.snapshot().key, ours.snapshot().key);
    const cells = (m: AddrMan, tried: boolean): string[] => m.getEntries(tried).map((p) => `${p.bucket}/${p.position} ${p.info.record.service} ${p.info.record.services}`);
    assert.deepEqual(cells(back, true), cells(ours, true));
    assert.deepEqual(cells(back, false), cells(ours, false));
  });
});
