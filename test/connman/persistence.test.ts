/** Persistence: what is written when, in real temp directories (removed after each test). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { NetAddress } from '../../src/address/netaddress.js';
import { Subnet } from '../../src/address/subnet.js';
import { AddrMan } from '../../src/addrman/addrman.js';
import { DUMP_INTERVAL_MS } from '../../src/connman/persistence.js';
import { records, Sim } from '../../src/sim/network.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';
import { tempDirFor } from '../support/tmp.js';
import { waitUntil } from '../support/wait.js';
import { world } from './fixtures.js';

async function peersDat(dir: string): Promise<{ format: number; size: number }> {
  const bytes = new Uint8Array(await readFile(path.join(dir, 'peers.dat')));
  const table = AddrMan.deserialize(bytes, REGTEST.magic, { clock: new VirtualClock(), random: ChaChaRandom.fromSeed(1) });
  return { format: bytes[4], size: table.size() };
}

test('peers.dat is written in the configured format on every occasion: the 15-minute dump, flush() and stop()', async (t) => {
  const dir = await tempDirFor(t, 'persist');
  const sim = new Sim();
  const me = sim.node('30.0.0.1', { dataDir: dir, peersDatFormat: 3 });
  await sim.startAll();
  const source = NetAddress.parse('9.9.9.9');
  me.addrman.add(records(1, sim.clock.nowSeconds() - 60, 0), source);
  await sim.fastForward(DUMP_INTERVAL_MS);
  assert.deepEqual(await waitUntil('the periodic dump', () => peersDat(dir)), { format: 3, size: 1 }, 'periodic dump');
  me.addrman.add(records(1, sim.clock.nowSeconds() - 60, 1), source);
  await me.flush();
  assert.deepEqual(await peersDat(dir), { format: 3, size: 2 }, 'flush');
  me.addrman.add(records(1, sim.clock.nowSeconds() - 60, 2), source);
  await sim.stopAll();
  assert.deepEqual(await peersDat(dir), { format: 3, size: 3 }, 'stop');
});

test('banlist.json is written at the maintenance pass after a ban changes, not during the call', async (t) => {
  const dir = await tempDirFor(t, 'persist');
  const w = world('30.0.0.1', { dataDir: dir });
  await w.c.persistence.load(() => w.c.table.options(), false);
  w.c.banman.ban(Subnet.parse('50.0.0.0/8'));
  await assert.rejects(access(path.join(dir, 'banlist.json')), 'nothing written yet');
  w.c.persistence.tick(w.clock.now());
  await w.c.tasks.settled();
  const doc = JSON.parse(await readFile(path.join(dir, 'banlist.json'), 'utf8')) as { banned_nets: Array<{ address: string }> };
  assert.deepEqual(doc.banned_nets.map((b) => b.address), ['50.0.0.0/8']);
});

test('without a data directory nothing is loaded or written', async () => {
  const w = world();
  assert.equal(w.c.persistence.enabled, false);
  assert.deepEqual(await w.c.persistence.load(() => w.c.table.options(), true), { addrman: undefined, anchors: [], serviceAnchors: [] });
  await w.c.persistence.savePeers();
  await w.c.persistence.writeAtStop({ blockRelay: [], service: [] });
  w.c.persistence.start(0);
  w.c.persistence.tick(DUMP_INTERVAL_MS);
  assert.equal(w.c.tasks.size, 0, 'no write was started');
});
