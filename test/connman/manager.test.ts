import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { Subnet } from '../../src/address/subnet.js';
import { ConfigError } from '../../src/connman/options.js';
import { bytesToHex } from '../../src/util/hex.js';
import { tempDirFor } from '../support/tmp.js';
import { FULL_NODE, RawPeer, Sim, svc } from '../../src/sim/network.js';

const groups = new NetGroupManager();
const group = (a: NetAddress): string => bytesToHex(groups.getGroup(a));

function seedAddrman(node: ReturnType<Sim['node']>, ips: string[], nowSeconds: number): void {
  node.addrman.add(ips.map((ip) => ({ service: svc(ip), services: FULL_NODE, time: nowSeconds - 3600 })), NetAddress.parse('9.9.9.9'));
}

test('outbound slots fill with 8 full-relay and 2 block-relay peers, one per netgroup', async () => {
  const sim = new Sim();
  const targets = Array.from({ length: 30 }, (_, i) => `20.${i}.1.1`);
  const sameGroup = Array.from({ length: 10 }, (_, i) => `20.0.2.${i + 1}`);
  for (const ip of [...targets, ...sameGroup]) sim.node(ip);
  const me = sim.node('30.0.0.1', { connect: undefined });
  seedAddrman(me, [...targets, ...sameGroup], sim.clock.nowSeconds());
  await sim.startAll();
  await sim.run(60_000);
  const out = me.peers().filter((p) => !p.inbound && p.isReady);
  assert.equal(me.nodeCount('out', 'outbound-full-relay'), 8);
  assert.equal(me.nodeCount('out', 'block-relay-only'), 2);
  const groupsUsed = out.filter((p) => p.connType !== 'feeler').map((p) => group(p.addr.addr));
  assert.equal(new Set(groupsUsed).size, groupsUsed.length, 'no two automatic outbound peers share a /16');
  // Connected peers were moved to the tried table.
  assert.ok(me.addrman.size({ inNew: false }) >= 10);
  await sim.stopAll();
});

test('feelers test new-table addresses on an exponential timer and disconnect after the handshake', async () => {
  const sim = new Sim();
  const targets = Array.from({ length: 40 }, (_, i) => `21.${i}.1.1`);
  for (const ip of targets) sim.node(ip);
  const me = sim.node('31.0.0.1', { connect: undefined });
  seedAddrman(me, targets, sim.clock.nowSeconds());
  const feelers: string[] = [];
  await sim.startAll();
  await sim.run(30 * 60_000, 1000);
  const log = sim.logs.get(me)!;
  for (const l of log.lines) if (/disconnected: feeler connection completed/.test(l.message)) feelers.push(l.message);
  // 30 minutes at a mean of 2 minutes: about 15 feelers (Poisson); allow wide bounds.
  assert.ok(feelers.length >= 5 && feelers.length <= 35, `${feelers.length} feelers`);
  assert.equal(me.nodeCount('out', 'feeler'), me.peers().filter((p) => p.connType === 'feeler' && !p.isDisconnecting).length);
  await sim.stopAll();
});

test('an inbound flood from one netgroup evicts its own connections, not the diverse honest peers', async () => {
  const sim = new Sim();
  const me = sim.node('40.0.0.1', { maxConnections: 40 }); // 29 inbound slots
  const honest = Array.from({ length: 29 }, (_, i) => sim.node(`50.${i}.1.1`));
  const attackers = Array.from({ length: 40 }, (_, i) => sim.node(`60.1.${i}.1`));
  await sim.startAll();
  for (const h of honest) void h.openConnection(svc('40.0.0.1'), 'manual');
  await sim.run(5_000);
  assert.equal(me.nodeCount('in'), 29);
  for (const a of attackers) {
    void a.openConnection(svc('40.0.0.1'), 'manual');
    await sim.run(500);
  }
  await sim.run(5_000);
  const inbound = me.peers().filter((p) => p.inbound && !p.isDisconnecting);
  assert.ok(inbound.length <= 29, `inbound ${inbound.length}`);
  const honestLeft = inbound.filter((p) => p.addr.addr.bytes[0] === 50).length;
  const attackersLeft = inbound.filter((p) => p.addr.addr.bytes[0] === 60).length;
  assert.ok(attackersLeft >= 1, 'newcomers do get in by evicting');
  assert.ok(honestLeft >= 28, `honest peers kept: ${honestLeft}`);
  await sim.stopAll();
});

test('a ban disconnects matching peers and refuses them afterwards', async () => {
  const sim = new Sim();
  const me = sim.node('70.0.0.1');
  const bad = sim.node('70.1.0.5');
  const good = sim.node('70.2.0.5');
  await sim.startAll();
  assert.equal(await bad.openConnection(svc('70.0.0.1'), 'manual'), true);
  assert.equal(await good.openConnection(svc('70.0.0.1'), 'manual'), true);
  await sim.run(2_000);
  assert.equal(me.nodeCount('in'), 2);
  me.ban(Subnet.parse('70.1.0.0/16'));
  await sim.run(1_000);
  assert.equal(me.nodeCount('in'), 1);
  assert.throws(() => me.ban(Subnet.parse('70.1.0.0/16')), { code: 'ERR_ALREADY_BANNED' });
  await bad.openConnection(svc('70.0.0.1'), 'manual');
  await sim.run(2_000);
  assert.equal(me.nodeCount('in'), 1, 'banned peer refused');
  me.unban(Subnet.parse('70.1.0.0/16'));
  assert.throws(() => me.unban(Subnet.parse('70.1.0.0/16')), { code: 'ERR_NOT_BANNED' });
  await bad.openConnection(svc('70.0.0.1'), 'manual');
  await sim.run(2_000);
  assert.equal(me.nodeCount('in'), 2);
  await sim.stopAll();
});

test('a discouraged address is accepted while inbound slots are plentiful and refused when they are nearly full', async () => {
  const sim = new Sim();
  const me = sim.node('71.0.0.1', { maxConnections: 14 }); // 14 − 11 outbound = 3 inbound slots
  const others = [sim.node('71.2.0.5'), sim.node('71.3.0.5')];
  await sim.startAll();
  me.banman.discourage(NetAddress.parse('71.1.0.5'));
  await RawPeer.dial(sim, '71.1.0.5', svc('71.0.0.1'));
  await sim.run(2_000);
  assert.equal(me.nodeCount('in'), 1, 'room: the discouraged peer is accepted');
  await others[0].openConnection(svc('71.0.0.1'), 'manual');
  await sim.run(2_000);
  // Now inbound + 1 >= 3 slots: another connection from the discouraged address is refused outright.
  await RawPeer.dial(sim, '71.1.0.5', svc('71.0.0.1')).catch(() => undefined);
  await sim.run(2_000);
  assert.equal(me.counters.inboundRejected.discouraged, 1);
  // Peers from other addresses still get the last slot.
  await others[1].openConnection(svc('71.0.0.1'), 'manual');
  await sim.run(2_000);
  assert.equal(me.nodeCount('in'), 3);
  await sim.stopAll();
});

test('dialing one of our own advertised addresses is refused', async () => {
  const sim = new Sim();
  const me = sim.node('80.0.0.1');
  await sim.startAll();
  assert.equal(await me.openConnection(svc('80.0.0.1'), 'manual'), false);
  await sim.stopAll();
});

test('a connection to ourselves through an address we do not advertise is detected by nonce and dropped', async () => {
  const sim = new Sim();
  const me = sim.node('10.80.0.1'); // private, so not one of our advertised addresses
  await sim.startAll();
  assert.equal(await me.openConnection(svc('10.80.0.1'), 'manual'), true);
  await sim.run(2_000);
  assert.ok(sim.logs.get(me)!.has(/connected to self/));
  assert.equal(me.nodeCount('all'), 0);
  await sim.stopAll();
});

test('turning the network off disconnects everyone and stops dialing', async () => {
  const sim = new Sim();
  const me = sim.node('81.0.0.1', { addNode: ['81.1.0.1'] });
  sim.node('81.1.0.1');
  await sim.startAll();
  await sim.run(3_000);
  assert.equal(me.nodeCount('out', 'manual'), 1);
  me.setNetworkActive(false);
  await sim.run(5 * 60_000, 1000);
  assert.equal(me.nodeCount('all'), 0);
  me.setNetworkActive(true);
  await sim.run(70_000, 1000);
  assert.equal(me.nodeCount('out', 'manual'), 1, 'added node reconnected');
  await sim.stopAll();
});

test('-connect keeps only the listed peers connected; addnode list and onetry work', async () => {
  const sim = new Sim();
  const me = sim.node('82.0.0.1', { connect: ['82.1.0.1'] });
  const other = sim.node('82.1.0.1');
  sim.node('82.2.0.1');
  seedAddrman(me, ['82.2.0.1'], sim.clock.nowSeconds());
  await sim.startAll();
  await sim.run(3_000);
  assert.deepEqual(me.peers().map((p) => p.addr.toString()), ['82.1.0.1:18444']);
  me.addNode('82.2.0.1');
  assert.throws(() => me.addNode('82.2.0.1'), { code: 'ERR_NODE_ALREADY_ADDED' });
  await sim.run(3_000);
  assert.equal(me.addedNodeInfo()[0].connected, true);
  me.removeNode('82.2.0.1');
  assert.throws(() => me.removeNode('82.2.0.1'), { code: 'ERR_NODE_NOT_ADDED' });
  // The listed peer drops us: -connect redials it.
  other.disconnect({ address: '82.0.0.1:' + me.peers()[0].addrBind?.port }, 'test');
  for (const p of other.peers()) p.disconnect('test');
  await sim.run(10_000);
  assert.ok(me.findByService(svc('82.1.0.1')).length === 1);
  await sim.stopAll();
});

test('an empty node fills its table from a -seednode through an addr-fetch connection, which then closes', async () => {
  const sim = new Sim();
  const seed = sim.node('90.0.0.1');
  const known = Array.from({ length: 200 }, (_, i) => `91.${i}.1.1`);
  seedAddrman(seed, known, sim.clock.nowSeconds());
  const me = sim.node('92.0.0.1', { connect: undefined, seedNode: ['90.0.0.1'] });
  await sim.startAll();
  await sim.run(3 * 60_000, 500);
  assert.ok(me.addrman.size() >= 20, `learned ${me.addrman.size()} addresses`);
  assert.ok(sim.logs.get(me)!.has(/addrfetch connection completed/));
  assert.equal(me.peers().filter((p) => p.connType === 'addr-fetch').length, 0);
  await sim.stopAll();
});

test('stop() writes peers.dat, banlist.json and anchors.dat; a restart reloads them and dials anchors first', async (t) => {
  const dir = await tempDirFor(t, 'mgr');
  let sim = new Sim();
  const targets = Array.from({ length: 20 }, (_, i) => `23.${i}.1.1`);
  for (const ip of targets) sim.node(ip);
  let me = sim.node('33.0.0.1', { connect: undefined, dataDir: dir });
  seedAddrman(me, targets, sim.clock.nowSeconds());
  await sim.startAll();
  await sim.run(60_000);
  const blockRelay = me.peers().filter((p) => p.connType === 'block-relay-only' && p.isReady).map((p) => p.addr.toString()).sort();
  assert.equal(blockRelay.length, 2);
  me.ban(Subnet.parse('99.0.0.0/8'));
  const size = me.addrman.size();
  await me.stop();
  const files = (await readdir(dir)).sort();
  assert.deepEqual(files.filter((f) => !f.endsWith('.bak')), ['anchors.dat', 'anchors.json', 'banlist.json', 'peers.dat']);
  assert.match(await readFile(path.join(dir, 'banlist.json'), 'utf8'), /"address": "99\.0\.0\.0\/8"/);
  await sim.stopAll();
  sim = new Sim();
  for (const ip of targets) sim.node(ip);
  me = sim.node('33.0.0.1', { connect: undefined, dataDir: dir });
  await sim.startAll();
  assert.equal(me.addrman.size(), size);
  assert.equal(me.listBanned().length, 1);
  assert.ok(!(await readdir(dir)).includes('anchors.dat'), 'anchors.dat is deleted once read');
  await sim.run(1_500);
  const firstBlockRelay = me.peers().filter((p) => p.connType === 'block-relay-only').map((p) => p.addr.toString()).sort();
  assert.deepEqual(firstBlockRelay, blockRelay, 'the anchors are the first block-relay-only connections');
  await sim.stopAll();
});

test('a corrupt peers.dat is moved aside and the node starts empty', async (t) => {
  const dir = await tempDirFor(t, 'mgr');
  await writeFile(path.join(dir, 'peers.dat'), Buffer.from('not a peers.dat file at all, clearly'));
  const sim = new Sim();
  const me = sim.node('34.0.0.1', { dataDir: dir });
  await me.start();
  assert.equal(me.addrman.size(), 0);
  assert.ok((await readdir(dir)).includes('peers.dat.bak'));
  assert.ok(sim.logs.get(me)!.has(/peers\.dat is corrupt .*moved to/));
  await me.stop();
});

test('bad options fail at construction with the option named', () => {
  const sim = new Sim();
  assert.throws(() => sim.node('35.0.0.1', { bind: ['1.2.3.4:99999'] }), (e: unknown) => e instanceof ConfigError && e.option === 'bind' && /^invalid bind: "1\.2\.3\.4:99999"/.test(e.message));
  assert.throws(() => sim.node('35.0.0.2', { whitelist: ['bogus@1.2.3.4'] }), /Invalid P2P permission: 'bogus'/);
  assert.throws(() => sim.node('35.0.0.3', { onlyNet: ['onion'] }), /^ConfigError: invalid onlyNet: onion needs proxy or onion$/);
  assert.throws(() => sim.node('35.0.0.4', { maxConnections: -1 }), /invalid maxConnections/);
});

test('stop() is idempotent and leaves no timers behind', async () => {
  const sim = new Sim();
  const me = sim.node('36.0.0.1', { connect: undefined });
  const other = sim.node('36.1.0.1');
  seedAddrman(me, ['36.1.0.1'], sim.clock.nowSeconds());
  await sim.startAll();
  await sim.run(5_000);
  await Promise.all([me.stop(), me.stop(), other.stop()]);
  await sim.run(10_000);
  assert.equal(sim.clock.pendingTimers, 0);
  assert.equal(sim.net.listenerCount, 0);
  await assert.rejects(me.start(), { code: 'ERR_PEER_MANAGER' });
});

test('stop() leaves no timer pending the moment it resolves, even after closing connected peers', async () => {
  const sim = new Sim();
  const me = sim.node('37.0.0.1');
  const other = sim.node('37.1.0.1');
  await sim.startAll();
  assert.equal(await other.openConnection(svc('37.0.0.1'), 'manual'), true);
  await sim.run(5_000);
  assert.equal(me.nodeCount('in'), 1);
  for (const node of [me, other]) {
    let stopped = false;
    const stopping = node.stop().then(() => { stopped = true; });
    while (!stopped) await sim.clock.tick(100);
    await stopping;
  }
  // No 10 s of slack here: a peer's force-close timer must go with its socket.
  assert.equal(sim.clock.pendingTimers, 0);
});
