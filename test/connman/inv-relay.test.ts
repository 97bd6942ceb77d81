/**
 * Inventory trickling (`PeerManager.announce`, src/connman/inv-relay.ts) on the simulated network:
 * Core's SendMessages trickle timers — one shared exponential timer for inbound peers (mean 5 s),
 * one per outbound peer (mean 2 s) — and the per-peer bounds, observed from scripted RawPeers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INVENTORY_BROADCAST_MAX, MAX_PENDING_INVENTORY } from '../../src/connman/protocols/inv-relay.js';
import { MAX_KNOWN_INVENTORY } from '../../src/peer/peer.js';
import { MSG_BLOCK, MSG_TX, MSG_WITNESS_TX, MSG_WTX, type InvEntry } from '../../src/wire/inventory.js';
import { peerOf, RawPeer, settle, Sim, svc, type RawPeerOptions } from '../../src/sim/network.js';

const ME = '10.1.1.1';

/** A distinct 32-byte hash for `n`. */
function hash(n: number, tag = 0xaa): Uint8Array {
  const h = new Uint8Array(32);
  new DataView(h.buffer).setUint32(0, n);
  h[31] = tag;
  return h;
}
const block = (n: number): InvEntry => ({ type: MSG_BLOCK, hash: hash(n) });
const txn = (n: number): InvEntry => ({ type: MSG_WTX, hash: hash(n, 0xcc) });
const hex = (e: InvEntry): string => Buffer.from(e.hash).toString('hex');

/** Inventory entries a raw peer was sent, in order. */
const invs = (raw: RawPeer): InvEntry[] => raw.messages('inv').flatMap((m) => m.entries);
/** Virtual times at which a raw peer received inv messages. */
const invTimes = (raw: RawPeer): number[] => raw.received.filter((r) => r.message.type === 'inv').map((r) => r.at);

async function network(inbound: RawPeerOptions[], outbound: RawPeerOptions[] = [], blockRelay = 0) {
  const sim = new Sim();
  const me = sim.node(ME);
  await sim.startAll();
  const ins: RawPeer[] = [];
  for (const [i, o] of inbound.entries()) ins.push(await RawPeer.dial(sim, `60.${i}.0.1`, svc(ME), o));
  const dialed = async (ip: string, type: 'outbound-full-relay' | 'block-relay-only', o: RawPeerOptions): Promise<RawPeer> => {
    const l = await RawPeer.listen(sim, ip, o);
    assert.equal(await me.openConnection(l.service, type), true);
    await settle();
    return l.peers[0];
  };
  const outs: RawPeer[] = [];
  for (const [i, o] of outbound.entries()) outs.push(await dialed(`70.${i}.0.1`, 'outbound-full-relay', o));
  const brs: RawPeer[] = [];
  for (let i = 0; i < blockRelay; i++) brs.push(await dialed(`71.${i}.0.1`, 'block-relay-only', {}));
  await sim.run(2_000);
  return { sim, me, ins, outs, brs };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]);

test('announce() reaches every ready peer, each exactly once', async () => {
  const { sim, me, ins, outs } = await network([{}, {}, {}], [{}, {}]);
  assert.equal(me.announce([block(1), block(2)]), 5);
  await sim.run(60_000);
  for (const raw of [...ins, ...outs]) assert.deepEqual(invs(raw).map(hex), [block(1), block(2)].map(hex));
  assert.equal(me.announce([block(1)]), 0, 'every peer already knows it');
  await sim.run(60_000);
  for (const raw of [...ins, ...outs]) assert.equal(invs(raw).length, 2);
  await sim.stopAll();
});

test('blocks are announced at once, transactions wait for the trickle timer', async () => {
  const { sim, me, ins, outs } = await network([{}], [{}]);
  me.announce([block(1), txn(1)]);
  await settle();
  for (const raw of [...ins, ...outs]) assert.deepEqual(invs(raw).map(hex), [hex(block(1))], 'the block went out immediately');
  await sim.run(60_000);
  for (const raw of [...ins, ...outs]) assert.deepEqual(invs(raw).map(hex), [hex(block(1)), hex(txn(1))]);
  await sim.stopAll();
});

test('inbound peers share one exponential trickle timer (mean 5 s); outbound peers have their own (mean 2 s)', async () => {
  const { sim, me, ins, outs } = await network([{}, {}, {}], [{}, {}]);
  const announcements = 4_800;
  for (let i = 0; i < announcements; i++) {
    me.announce([txn(i)]);
    await sim.clock.tick(500);
  }
  await sim.run(30_000);
  // Nothing was lost or sent twice.
  for (const raw of [...ins, ...outs]) assert.equal(new Set(invs(raw).map(hex)).size, announcements);
  // One timer for all inbound peers: they hear at exactly the same moments.
  const inboundTimes = invTimes(ins[0]);
  assert.deepEqual(invTimes(ins[1]), inboundTimes);
  assert.deepEqual(invTimes(ins[2]), inboundTimes);
  assert.notDeepEqual(invTimes(outs[0]), invTimes(outs[1]), 'each outbound peer has its own timer');
  // Trickled, not sent on announce: far fewer messages than announcements.
  assert.ok(inboundTimes.length < announcements / 5, `${inboundTimes.length} inv messages`);
  // Mean gaps: the timer's mean plus at most one 500 ms maintenance tick of rounding.
  const inGaps = gaps(inboundTimes);
  const outGaps = gaps(invTimes(outs[0]));
  assert.ok(mean(inGaps) > 4_600 && mean(inGaps) < 6_000, `inbound mean gap ${mean(inGaps)} ms`);
  assert.ok(mean(outGaps) > 1_900 && mean(outGaps) < 2_700, `outbound mean gap ${mean(outGaps)} ms`);
  // Exponential, not periodic: about e^-2 of the gaps exceed twice the mean.
  const long = inGaps.filter((g) => g > 10_000).length / inGaps.length;
  assert.ok(long > 0.07 && long < 0.22, `${long} of inbound gaps exceed 10 s`);
  await sim.stopAll();
});

test('what a peer announced to us is never announced back to it', async () => {
  const { sim, me, ins } = await network([{}, {}]);
  const [a, b] = ins;
  const tx = { type: MSG_WTX, hash: hash(7, 0xbb) };
  a.send({ type: 'inv', entries: [tx, block(1)] });
  await settle();
  me.announce([tx, block(1), block(2)]);
  // Queued for `a` before it announces transaction 3 to us: dropped at send time.
  me.announce([txn(3)]);
  a.send({ type: 'inv', entries: [txn(3)] });
  await settle();
  await sim.run(60_000);
  assert.deepEqual(invs(a).map(hex), [hex(block(2))]);
  assert.deepEqual(invs(b).map(hex).sort(), [tx, block(1), block(2), txn(3)].map(hex).sort());
  await sim.stopAll();
});

test('transactions are not announced to block-relay-only peers or peers that asked for no relay', async () => {
  const { sim, me, ins, brs } = await network([{}, { relay: false }], [], 1);
  const [full, norelay] = ins;
  const [blockRelay] = brs;
  const txs: InvEntry[] = [{ type: MSG_TX, hash: hash(1, 1) }, { type: MSG_WTX, hash: hash(2, 2) }, { type: MSG_WITNESS_TX, hash: hash(3, 3) }];
  assert.equal(me.announce(txs), 1, 'only the relaying peer is queued');
  assert.equal(me.announce([block(9)]), 3);
  await sim.run(60_000);
  assert.deepEqual(invs(full).map(hex).sort(), [...txs, block(9)].map(hex).sort());
  assert.deepEqual(invs(norelay).map(hex), [hex(block(9))]);
  assert.deepEqual(invs(blockRelay).map(hex), [hex(block(9))]);
  await sim.stopAll();
});

test(`a peer's queue keeps the newest MAX_PENDING_INVENTORY (${MAX_PENDING_INVENTORY}) entries, sent at most ${INVENTORY_BROADCAST_MAX} per inv`, async () => {
  const { sim, me, ins } = await network([{}]);
  const total = MAX_PENDING_INVENTORY + 5_000;
  me.announce(Array.from({ length: total }, (_, i) => txn(i)));
  await sim.run(5 * 60_000, 1_000);
  const got = invs(ins[0]).map(hex);
  assert.equal(got.length, MAX_PENDING_INVENTORY);
  assert.deepEqual(got, Array.from({ length: MAX_PENDING_INVENTORY }, (_, i) => hex(txn(total - MAX_PENDING_INVENTORY + i))), 'the oldest were dropped');
  assert.ok(ins[0].messages('inv').every((m) => m.entries.length <= INVENTORY_BROADCAST_MAX));
  await sim.stopAll();
});

test(`the known-inventory cache holds MAX_KNOWN_INVENTORY (${MAX_KNOWN_INVENTORY}) hashes per peer, forgetting the oldest`, async () => {
  const { sim, me, ins } = await network([{}]);
  const [a] = ins;
  const announced = Array.from({ length: MAX_KNOWN_INVENTORY + 1_000 }, (_, i) => block(i));
  a.send({ type: 'inv', entries: announced });
  await settle();
  const known = peerOf(me, a).knownInventory;
  assert.equal(known.size, MAX_KNOWN_INVENTORY);
  assert.equal(me.announce([announced[announced.length - 1]]), 0, 'recent: still known');
  assert.equal(me.announce([announced[0]]), 1, 'the oldest was forgotten, so it may be announced again');
  await sim.run(60_000);
  assert.deepEqual(invs(a).map(hex), [hex(announced[0])]);
  assert.equal(known.size, MAX_KNOWN_INVENTORY);
  await sim.stopAll();
});
