/** The experiment-only switches (ExperimentOptions): each turns one eclipse defence off, as the simulator needs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan } from '../../src/addrman/addrman.js';
import { ConfigError } from '../../src/connman/options.js';
import { slotBudget } from '../../src/connman/policy/outbound.js';
import { VirtualClock } from '../../src/util/clock.js';
import { bytesToHex } from '../../src/util/hex.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { FULL_NODE, Sim, svc } from '../../src/sim/network.js';

const groups = new NetGroupManager();
const group = (a: NetAddress): string => bytesToHex(groups.getGroup(a));

function seed(node: ReturnType<Sim['node']>, ips: string[], nowSeconds: number): void {
  node.addrman.add(ips.map((ip) => ({ service: svc(ip), services: FULL_NODE, time: nowSeconds - 3600 })), NetAddress.parse('9.9.9.9'));
}

test('with feelers off, a node with full outbound slots opens no feeler in 30 minutes', async () => {
  const sim = new Sim();
  const targets = Array.from({ length: 40 }, (_, i) => `21.${i}.1.1`);
  for (const ip of targets) sim.node(ip);
  const me = sim.node('31.0.0.1', { connect: undefined, experiment: { feelers: false } });
  seed(me, targets, sim.clock.nowSeconds());
  await sim.startAll();
  await sim.run(30 * 60_000, 1000);
  assert.equal(me.nodeCount('out', 'outbound-full-relay'), 8, 'the slots are full, so feelers would be due');
  assert.equal(sim.logs.get(me)!.lines.filter((l) => /feeler connection completed/.test(l.message)).length, 0);
  await sim.stopAll();
});

test('without netgroup diversity, automatic outbound peers may share a /16', async () => {
  const sim = new Sim();
  const sameGroup = Array.from({ length: 30 }, (_, i) => `20.0.${i}.1`);
  for (const ip of sameGroup) sim.node(ip);
  const me = sim.node('30.0.0.1', { connect: undefined, experiment: { netgroupDiversity: false } });
  seed(me, sameGroup, sim.clock.nowSeconds());
  await sim.startAll();
  await sim.run(60_000);
  const out = me.peers().filter((p) => !p.inbound && p.isReady && p.connType !== 'feeler');
  assert.equal(out.length, 10, 'all ten slots filled from one /16');
  assert.equal(new Set(out.map((p) => group(p.addr.addr))).size, 1);
  await sim.stopAll();
});

test('without block-relay-only connections the node keeps 8 full-relay peers and gives the two slots to inbound', () => {
  assert.deepEqual(
    { ...slotBudget(125, false) },
    { maxConnections: 125, maxOutboundFullRelay: 8, maxBlockRelay: 0, maxFeeler: 1, maxAutomaticOutbound: 9, maxInbound: 116, maxAddnode: 8 },
  );
});

test('without block-relay-only connections none are opened, not even the rotating extra one', async () => {
  const sim = new Sim();
  const targets = Array.from({ length: 30 }, (_, i) => `22.${i}.1.1`);
  for (const ip of targets) sim.node(ip);
  const me = sim.node('32.0.0.1', { connect: undefined, experiment: { blockRelayOnly: false } });
  seed(me, targets, sim.clock.nowSeconds());
  await sim.startAll();
  me.setInitialSyncComplete(true);
  let blockRelaySeen = 0;
  me.on('peer:connect', (p) => { if (p.connType === 'block-relay-only') blockRelaySeen++; });
  await sim.run(20 * 60_000, 1000);
  assert.equal(me.nodeCount('out', 'outbound-full-relay'), 8);
  assert.equal(blockRelaySeen, 0);
  await sim.stopAll();
});

test('without test-before-evict, good() on an occupied tried slot evicts the occupant at once instead of queueing a collision', () => {
  const clock = new VirtualClock(1_700_000_000_000);
  const make = (testBeforeEvict: boolean): AddrMan => new AddrMan({ clock, random: ChaChaRandom.fromSeed('tbe'), deterministic: true, testBeforeEvict });
  const source = NetAddress.parse('250.1.1.1');
  for (const testBeforeEvict of [true, false]) {
    const am = make(testBeforeEvict);
    // Fill tried until some newcomer collides with an occupant.
    let collided: NetService | undefined;
    for (let i = 0; i < 20_000 && !collided; i++) {
      const s = new NetService(NetAddress.parse(`250.${(i >> 8) & 255}.${i & 255}.1`), 8333);
      am.add([{ service: s, services: FULL_NODE, time: clock.nowSeconds() }], source);
      const before = am.size({ inNew: false });
      am.good(s);
      if (am.size({ inNew: false }) === before && am.findEntry(s)?.inTried === false) collided = s;
      else if (!testBeforeEvict && am.findEntry(s)?.inTried && am.size({ inNew: false }) === before) collided = s;
    }
    assert.ok(collided, 'a collision happened');
    if (testBeforeEvict) {
      assert.equal(am.findEntry(collided)?.inTried, false, 'the newcomer waits in new');
      assert.ok(am.selectTriedCollision() !== undefined, 'and is queued for a test');
    } else {
      assert.equal(am.findEntry(collided)?.inTried, true, 'the newcomer took the tried slot');
      assert.equal(am.selectTriedCollision(), undefined, 'nothing queued');
    }
  }
});

test('the maintenance tick runs every tickIntervalMs; values outside 100..60,000 ms are a ConfigError', async () => {
  const sim = new Sim();
  const me = sim.node('33.0.0.1', { experiment: { tickIntervalMs: 5000 } });
  sim.node('34.0.0.1');
  await sim.startAll();
  await sim.run(1000, 100); // the first tick ran at start; the next is due at 5 s
  const addedAt = sim.clock.now();
  let connectedAfterMs = -1;
  me.on('peer:connect', () => { if (connectedAfterMs < 0) connectedAfterMs = sim.clock.now() - addedAt; });
  me.addNode(svc('34.0.0.1').toString()); // the added-node loop runs on the tick
  await sim.run(10_000, 100);
  assert.ok(connectedAfterMs >= 3_900 && connectedAfterMs <= 4_200, `dialed at the next 5 s tick, ${connectedAfterMs} ms after addnode`);
  assert.throws(() => sim.node('35.0.0.1', { experiment: { tickIntervalMs: 50 } }), ConfigError);
  assert.throws(() => sim.node('36.0.0.1', { experiment: { tickIntervalMs: 120_000 } }), ConfigError);
  await sim.stopAll();
});
