/**
 * Service-aware outbound peers (Floresta's policy, docs/policy.md "Service-aware peers"): with
 * `requiredServices`, the manager keeps enough outbound peers offering rare service bits, replacing
 * regular full-relay peers at most once per 5 minutes, and remembers them in anchors.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { NetAddress } from '../../src/address/netaddress.js';
import type { PeerManager } from '../../src/connman/manager.js';
import { NODE_COMPACT_FILTERS } from '../../src/wire/services.js';
import { tempDirFor } from '../support/tmp.js';
import { FULL_NODE, Sim, svc } from '../../src/sim/network.js';

const FILTERS = FULL_NODE | NODE_COMPACT_FILTERS;
const REGULAR = Array.from({ length: 16 }, (_, i) => `23.${i}.1.1`);
const FILTER_NODES = Array.from({ length: 4 }, (_, i) => `24.${i}.1.1`);
const MIN = 60_000;

function world(sim: Sim, dir: string): PeerManager {
  for (const ip of REGULAR) sim.node(ip);
  for (const ip of FILTER_NODES) sim.node(ip, { services: FILTERS });
  return sim.node('33.0.0.1', { connect: undefined, dataDir: dir, requiredServices: [{ services: NODE_COMPACT_FILTERS, minPeers: 2 }] });
}

const withFilters = (me: PeerManager): string[] => me.peers()
  .filter((p) => !p.inbound && p.isReady && !p.isDisconnecting && p.connType !== 'feeler' && ((p.remote?.services ?? 0n) & NODE_COMPACT_FILTERS) !== 0n)
  .map((p) => p.addr.toString()).sort();

test('regular full-relay peers are replaced, at most once per 5 minutes, until two outbound peers offer the required service; they are anchored across a restart', async (t) => {
  const dir = await tempDirFor(t, 'svc');
  let sim = new Sim();
  let me = world(sim, dir);
  const now = sim.clock.nowSeconds();
  me.addrman.add(REGULAR.map((ip) => ({ service: svc(ip), services: FULL_NODE, time: now - 3600 })), NetAddress.parse('9.9.9.9'));
  const replaced: number[] = [];
  me.on('peer:disconnect', (_p, reason) => { if (/replaced by a peer with a needed service/.test(reason)) replaced.push(sim.clock.now()); });
  await sim.startAll();
  await sim.run(30_000);
  assert.equal(me.nodeCount('out', 'outbound-full-relay'), 8);
  assert.deepEqual(withFilters(me), [], 'nobody offers compact filters yet');
  // While the table has no address offering the service, no good peer is sacrificed for it.
  await sim.run(11 * MIN, 1_000);
  assert.deepEqual(replaced, [], 'no replacement without a candidate in the table');
  // Gossip tells us about nodes with compact filters.
  me.addrman.add(FILTER_NODES.map((ip) => ({ service: svc(ip), services: FILTERS, time: now - 600 })), NetAddress.parse('9.8.8.8'));
  await sim.run(12 * MIN, 1_000);
  const found = withFilters(me);
  assert.ok(found.length >= 2, `outbound peers with compact filters: ${found}`);
  assert.ok(replaced.length >= 1, 'regular peers were replaced');
  for (let i = 1; i < replaced.length; i++) assert.ok(replaced[i] - replaced[i - 1] >= 5 * MIN, 'at most one replacement per 5 minutes');
  assert.equal(me.nodeCount('out', 'outbound-full-relay'), 8, 'replacement keeps the slot count');
  // Satisfied: no more replacements.
  const before = replaced.length;
  await sim.run(11 * MIN, 1_000);
  assert.equal(replaced.length, before);
  const anchored = withFilters(me);
  await me.stop();
  const json = JSON.parse(await readFile(path.join(dir, 'anchors.json'), 'utf8')) as { anchors: Array<{ address: string; services: string }> };
  assert.deepEqual(json.anchors.map((a) => a.address).sort(), anchored);
  assert.ok(json.anchors.every((a) => (BigInt(`0x${a.services}`) & NODE_COMPACT_FILTERS) !== 0n));
  await sim.stopAll();

  // Restart without peers.dat: only anchors.json knows where the filter peers are, and they come first.
  await rm(path.join(dir, 'peers.dat'));
  sim = new Sim();
  me = world(sim, dir);
  const connected: string[] = [];
  me.on('peer:connect', (p) => { if (p.connType === 'outbound-full-relay') connected.push(p.addr.toString()); });
  await sim.startAll();
  await sim.run(1_500);
  assert.deepEqual(connected.slice(0, anchored.length).sort(), anchored);
  assert.deepEqual(withFilters(me).filter((a) => anchored.includes(a)), anchored);
  await sim.stopAll();
});
