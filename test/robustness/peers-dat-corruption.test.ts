/**
 * A 1,000-entry peers.dat, damaged every way a disk or a crash can damage it: cut at every length, and
 * one bit flipped at every byte. Every damaged file must be refused with a PeersDatError (never loaded
 * silently, never another exception); the reasons are tallied in the diagnostics. Then a real daemon
 * (in-memory network, nothing dialed) is started on damaged files: it must start, move the file aside
 * with its bytes unchanged, and write a loadable peers.dat when it stops.
 *
 * CI checks every truncation and flip within the first and last 256 bytes (header, checksum) and every
 * 61st elsewhere; PEERBOOK_FULL=1 checks every one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan, PeersDatError, type AddrManOptions } from '../../src/addrman/index.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryNetwork } from '../../src/transport/memory.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';
import { tempDirFor } from '../support/tmp.js';

const FULL = process.env.PEERBOOK_FULL === '1';
/** Bytes at each end of the file that are always checked exhaustively. */
const EDGE_BYTES = 256;
/** In CI, the stride through the middle of the file. */
const CI_STRIDE = 61;
const ENTRIES = 1000;
const MAGIC = REGTEST.magic;

function options(): AddrManOptions {
  return { clock: new VirtualClock(1_700_000_000_000), random: ChaChaRandom.fromSeed('corruption') };
}

/** A peers.dat with exactly 1,000 entries over IPv4, IPv6 and Tor, about a quarter of them in tried. */
function thousandEntryFile(): Uint8Array {
  const opts = options();
  const man = new AddrMan(opts);
  const now = opts.clock.nowSeconds();
  for (let i = 0; man.size() < ENTRIES; i++) {
    const addr = i % 10 === 9 ? NetAddress.torV3(new Uint8Array(32).fill(i & 0xff).map((b, k) => (k < 2 ? (i >> (8 * k)) & 0xff : b)))
      : i % 10 === 8 ? NetAddress.ipv6(Uint8Array.of(0x20, 0x01, 0x04, 0x70, i & 0xff, i >> 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))
        : NetAddress.ipv4(Uint8Array.of(30 + (i % 150), i & 0xff, i >> 8, 1));
    const service = new NetService(addr, 8333);
    // One address per call from a varying source, so that the table keeps exactly what was added.
    if (man.add([{ service, services: 9n, time: now - (i % 5000) }], NetAddress.ipv4(Uint8Array.of(9, i & 0xff, (i >> 8) & 0xff, 1))) && i % 4 === 0) {
      man.good(service);
    }
  }
  assert.equal(man.size(), ENTRIES);
  assert.ok(man.size({ inNew: false }) > 100, 'some entries are in tried');
  return man.serialize(MAGIC);
}

/** The positions checked: all in full mode; in CI, the edges exhaustively and a stride through the middle. */
function positions(length: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    if (FULL || i < EDGE_BYTES || i >= length - EDGE_BYTES || i % CI_STRIDE === 0) out.push(i);
  }
  return out;
}

/** Loads `bytes`; returns the PeersDatError reason, or fails the test if it loads or throws anything else. */
function refusal(bytes: Uint8Array, what: string): string {
  try {
    AddrMan.deserialize(bytes, MAGIC, options());
  } catch (e) {
    if (e instanceof PeersDatError) return e.reason;
    assert.fail(`${what}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)} instead of a PeersDatError`);
  }
  assert.fail(`${what}: the damaged file loaded`);
}

const file = thousandEntryFile();

test(`every truncation of a ${ENTRIES}-entry peers.dat (${file.length} bytes) is refused with a PeersDatError`, (t) => {
  const reasons = new Map<string, number>();
  const cuts = positions(file.length);
  for (const length of cuts) {
    const r = refusal(file.subarray(0, length), `cut to ${length} bytes`);
    reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  t.diagnostic(`${cuts.length} truncations checked${FULL ? ' (all)' : ''}; reasons: ${JSON.stringify(Object.fromEntries(reasons))}`);
  assert.ok(AddrMan.deserialize(file, MAGIC, options()).size() === ENTRIES, 'the intact file loads');
});

test(`a bit flipped at any byte of a ${ENTRIES}-entry peers.dat is refused with a PeersDatError`, (t) => {
  const reasons = new Map<string, number>();
  const bytes = positions(file.length);
  for (const i of bytes) {
    const damaged = file.slice();
    damaged[i] ^= 1 << (i % 8);
    const r = refusal(damaged, `bit ${i % 8} of byte ${i} flipped`);
    reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  t.diagnostic(`${bytes.length} bit flips checked${FULL ? ' (every byte)' : ''}; reasons: ${JSON.stringify(Object.fromEntries(reasons))}`);
});

const DAMAGE: Array<{ name: string; damage: (f: Uint8Array) => Uint8Array }> = [
  { name: 'cut in the middle', damage: (f) => f.slice(0, Math.floor(f.length / 2)) },
  { name: 'one bit flipped in an entry', damage: (f) => { const d = f.slice(); d[2000] ^= 0x10; return d; } },
  { name: 'cut to 20 bytes (right magic)', damage: (f) => f.slice(0, 20) },
  { name: 'zero-filled (a crash before the data reached the disk)', damage: (f) => new Uint8Array(f.length) },
];

for (const { name, damage } of DAMAGE) {
  test(`a daemon starts on a damaged peers.dat (${name}), keeps the original bytes in peers.dat.bak and writes a loadable file`, async (t) => {
    const datadir = await tempDirFor(t, 'corrupt');
    const netDir = path.join(datadir, 'regtest');
    await mkdir(netDir, { recursive: true });
    const damaged = damage(file);
    await writeFile(path.join(netDir, 'peers.dat'), damaged);
    await writeFile(path.join(datadir, 'peerbook.conf'), 'regtest=1\n[regtest]\ndnsseed=0\nfixedseeds=0\nlisten=0\nserver=0\n');
    const console = new PassThrough();
    const lines: string[] = [];
    console.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    const clock = new VirtualClock();
    const daemon = await Daemon.create({ flags: new Map(), datadir, clock, console, transport: new MemoryNetwork(clock).transport(NetAddress.parse('10.0.0.1')) });
    await daemon.start();
    assert.ok(daemon.manager.running, 'the daemon runs');
    assert.equal(daemon.manager.addrman.size(), 0, 'it started with an empty table');
    await daemon.stop();
    assert.ok(Buffer.from(await readFile(path.join(netDir, 'peers.dat.bak'))).equals(Buffer.from(damaged)), 'peers.dat.bak holds the original bytes');
    assert.ok(lines.some((l) => /peers\.dat is corrupt .*moved to .*peers\.dat\.bak/.test(l)), 'a warning says so');
    AddrMan.deserialize(await readFile(path.join(netDir, 'peers.dat')), MAGIC, options());
    assert.deepEqual((await readdir(netDir)).filter((f) => f.startsWith('peers')).sort(), ['peers.dat', 'peers.dat.bak']);
  });
}
