/**
 * Independent check of address gossip and inventory relay against a real litecoind (Litecoin Core
 * 0.21.2.1): getaddr answers, relay of a freshly gossiped address, BIP155 addrv2 with Tor v3 and I2P
 * addresses in both directions, and block announcements — over real TCP on 127.0.0.1.
 *
 * Staying on the machine: litecoind runs with -connect=0 (its `-onion=127.0.0.1:9` only makes Tor
 * addresses storable; with -listenonion=0 and -connect=0 it never uses it); Peerbook runs in
 * manual-only mode behind `LoopbackOnlyTransport`, which refuses any dial off 127.0.0.0/8 and records
 * it, and every test asserts it recorded none. The gossiped addresses (11.x, 12.x, Tor, I2P) are never
 * dialed by anyone.
 *
 * Timers: litecoind trickles addr messages on an exponential timer (mean 30 s) that runs on its
 * mockable clock, so tests bump it with `setmocktime` once the getaddr is in; Peerbook's own trickle
 * timers run on a `VirtualClock` that the test advances while real I/O happens (`driveUntil`).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import type { AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import { DEFAULT_USER_AGENT } from '../../src/wire/user-agent.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { hashToDisplayHex, MSG_BLOCK, type InvEntry } from '../../src/wire/inventory.js';
import type { Message } from '../../src/wire/messages.js';
import { LITECOIND_FACTS, requireLitecoind, startLitecoind, type LitecoindNode } from '../support/litecoind.js';
import { loopback, startPeerbook, type TestPeerbook } from '../support/peerbook-node.js';
import { RawPeer } from '../support/raw-peer.js';
import { drive, driveUntil, waitUntil } from '../support/wait.js';
import { WireTap } from '../support/wire-tap.js';
import { Sim, svc } from '../../src/sim/network.js';

/** Core MAX_PCT_ADDR_TO_SEND: litecoind answers getaddr with this percentage of its table. */
const GETADDR_PCT = 23;
/** Core ADDRMAN_HORIZON_DAYS: older addresses are "terrible" and never handed out. */
const HORIZON_S = 30 * 24 * 3600;
/** More than litecoind's addr trickle could plausibly take after a 10-minute clock bump. */
const MOCKTIME_BUMP_S = 600;

const ONION = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
const ONION_2 = 'sp3k262uwy4r2k3ycr5awluarykdpag6a7y33jxop4cs2lu5uz5sseqd.onion';
const I2P = 'ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p';
const I2P_2 = 'c4gfnttsuwqomiygupdqqqyy5y5emnk5c73hrfvatri67prd7vyq.b32.i2p';

interface LtcPeer {
  subver: string;
  inbound: boolean;
  connection_type: string;
  bytessent_per_msg: Record<string, number>;
  bytesrecv_per_msg: Record<string, number>;
}

async function startLtc(t: TestContext, extraArgs: string[] = []): Promise<LitecoindNode> {
  const node = await startLitecoind({ extraArgs: ['-debug=net', ...extraArgs] });
  t.after(() => node.remove());
  return node;
}

async function peerbookAtLtc(node: LitecoindNode): Promise<LtcPeer | undefined> {
  return ((await node.cli('getpeerinfo')) as LtcPeer[]).find((p) => p.subver === DEFAULT_USER_AGENT);
}

/** litecoind's non-terrible addresses (getnodeaddresses 0) as `host:port`. */
async function ltcAddresses(node: LitecoindNode): Promise<string[]> {
  const list: Array<{ address: string; port: number }> = await node.cli('getnodeaddresses', 0);
  return list.map((a) => `${a.address}:${a.port}`).sort();
}

/** Everything in Peerbook's table, terrible or not, as `host:port`. */
function tableOf(pb: TestPeerbook): string[] {
  return pb.manager.addrman.getAddr({ maxAddresses: 0, maxPct: 0, filtered: false }).map((r) => r.service.toString()).sort();
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function rawConnect(t: TestContext, port: number): Promise<RawPeer> {
  return RawPeer.connect(port).then((raw) => {
    t.after(() => raw.close());
    return raw;
  });
}

function tapOn(t: TestContext, targetPort: number): Promise<WireTap> {
  return WireTap.start(targetPort).then((tap) => {
    t.after(() => tap.close());
    return tap;
  });
}

function record(text: string, time: number): AddressRecord {
  return { service: NetService.parse(text), services: 9n, time };
}

function addrEntries(messages: Message[]): string[] {
  return messages.flatMap((m) => (m.type === 'addr' || m.type === 'addrv2' ? m.addresses.map((r) => r.service.toString()) : []));
}

/**
 * Makes litecoind send its getaddr answer now instead of after its exponential addr timer (mean 30 s):
 * once its log shows it processing our getaddr (the `getaddrCount`-th it got; its timer was armed when
 * it processed our verack, just before), move its mock clock 10 minutes past `now`, and further if the
 * answer still has not come.
 */
async function hurryLitecoindGetaddrAnswer<T>(ltc: LitecoindNode, now: number, answered: () => T | undefined, getaddrCount = 1): Promise<NonNullable<T>> {
  await waitUntil('litecoind to process Peerbook\'s getaddr', async () =>
    ((await ltc.debugLog()).match(/received: getaddr \(0 bytes\) peer=\d+/g) ?? []).length >= getaddrCount);
  for (let bump = 1; ; bump++) {
    await ltc.cli('setmocktime', now + bump * MOCKTIME_BUMP_S);
    try {
      return await waitUntil('litecoind\'s getaddr answer', answered, { timeoutMs: 3_000 });
    } catch (e) {
      if (bump >= 3) throw e;
    }
  }
}

test('litecoind\'s getaddr answer fills Peerbook\'s table with 23% of exactly the addresses litecoind knows, none dialed', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t);
  const offered = Array.from({ length: 60 }, (_, i) => `11.${i + 1}.${(i * 7) % 250}.${i + 1}:9333`);
  for (const a of offered) {
    const [host, port] = a.split(':');
    assert.deepEqual(await ltc.cli('addpeeraddress', host, Number(port)), { success: true }, a);
  }
  // What litecoind really holds: a new-bucket collision in its own table may drop one of ours (~3 %).
  const known = await ltcAddresses(ltc);
  assert.ok(known.length >= 55 && known.every((a) => offered.includes(a)), `litecoind holds ${known.length} of ours`);

  const clock = new VirtualClock(Date.now());
  const pb = await startPeerbook(t, { clock, options: { connect: [`127.0.0.1:${ltc.p2pPort}`], listen: false } });
  await driveUntil(clock, 'peer:connect for litecoind', () => pb.events.connects[0], { stepMs: 100 });
  const got = await hurryLitecoindGetaddrAnswer(ltc, nowSeconds(), () => pb.events.addrNew[0]);

  const expected = Math.floor((GETADDR_PCT * known.length) / 100);
  assert.equal(got.from.userAgent, LITECOIND_FACTS.userAgent);
  const received = got.records.map((r) => r.service.toString());
  assert.equal(received.length, expected, `litecoind answers with ${GETADDR_PCT}% of its table`);
  assert.equal(new Set(received).size, received.length);
  for (const a of received) assert.ok(known.includes(a), `${a} is one of litecoind's addresses`);
  for (const r of got.records) assert.equal(r.services, 9n, 'services as addpeeraddress stored them');
  const table = tableOf(pb);
  for (const a of table) assert.ok(received.includes(a), `${a} in Peerbook's table came from litecoind`);
  // All come from one source (127.0.0.1), so they share 64 new buckets of 64 slots: two of 13 land in the
  // same slot ~2 % of the time and Core's rules keep the first. Anything missing must be such a refusal.
  const missing = got.records.filter((r) => !table.includes(r.service.toString()));
  assert.ok(missing.length <= 1, `missing from the table: ${missing.map((r) => r.service.toString()).join(', ')}`);
  for (const r of missing) assert.equal(pb.manager.addrman.add([r], NetAddress.parse('127.0.0.1'), 7200), false, 'its slot is taken');
  assert.equal(pb.manager.addrman.checkConsistency(), 0);

  // Manual-only mode: the learned addresses are never dialed, not even by feelers (mean interval 2 min).
  await drive(clock, 10 * 60_000, 5_000);
  assert.deepEqual(pb.transport!.refused, []);
  // The -connect peer twice: a BIP324 attempt litecoind (v1 only) hung up on, then Core's one retry with v1.
  assert.deepEqual(pb.transport!.dialed, [`127.0.0.1:${ltc.p2pPort}`, `127.0.0.1:${ltc.p2pPort}`]);
  assert.equal(pb.events.connectFailed.length, 0);
  assert.equal(pb.manager.peers().length, 1);
});

test('an address gossiped to Peerbook by one peer is relayed to litecoind, which stores it', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t);
  const clock = new VirtualClock(Date.now());
  const pb = await startPeerbook(t, { clock });
  assert.equal(await pb.manager.openConnection(loopback(ltc.p2pPort), 'manual'), true);
  await driveUntil(clock, 'peer:connect for litecoind', () => pb.events.connects[0], { stepMs: 100 });

  const source = await rawConnect(t, pb.port);
  await source.handshake();
  await waitUntil('the source peer to be ready at Peerbook', () => pb.events.connects.length === 2);
  const fresh = `12.${1 + ChaChaRandom.secure().randrange(250)}.34.56:9333`;
  source.send({ type: 'addr', addresses: [record(fresh, nowSeconds())] });

  await driveUntil(clock, 'litecoind to store the relayed address', async () => (await ltcAddresses(ltc)).includes(fresh), { maxVirtualMs: 10 * 60_000 });
  assert.deepEqual(await ltcAddresses(ltc), [fresh]);
  assert.deepEqual(tableOf(pb), [fresh], 'Peerbook stored it too');
  const atLtc = await peerbookAtLtc(ltc);
  assert.ok(atLtc && atLtc.bytesrecv_per_msg.addrv2 > 0, 'litecoind received it in an addrv2 message');
  // Not echoed to the peer it came from.
  await drive(clock, 60_000);
  assert.deepEqual(addrEntries(source.received.map((r) => r.message)), []);
  assert.deepEqual(pb.transport!.refused, []);
});

test('addrv2 is negotiated on the wire and litecoind\'s Tor v3 and I2P addresses reach Peerbook\'s table intact', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t, ['-onion=127.0.0.1:9']);
  const now = nowSeconds();
  // 50 IPv4 addresses older than the 30-day horizon: they count towards the 23% but are never handed out,
  // so the getaddr answer is exactly the two fresh ones below (litecoind's GetAddr skips terrible entries).
  await ltc.cli('setmocktime', now - HORIZON_S - 24 * 3600);
  for (let i = 0; i < 50; i++) assert.deepEqual(await ltc.cli('addpeeraddress', `11.${i + 100}.1.1`, 9333), { success: true });
  await ltc.cli('setmocktime', now);
  assert.deepEqual(await ltc.cli('addpeeraddress', ONION, 9333), { success: true });
  // litecoind 0.21 cannot parse I2P names in RPCs, so the I2P address arrives by addrv2 from a scripted peer.
  const feeder = await rawConnect(t, ltc.p2pPort);
  await feeder.handshake();
  feeder.send({ type: 'addrv2', addresses: [record(`${I2P}:0`, now)] });
  await waitUntil('litecoind to store the I2P address', async () => (await ltcAddresses(ltc)).includes(`${I2P}:0`));
  await feeder.close();
  assert.deepEqual(await ltcAddresses(ltc), [`${ONION}:9333`, `${I2P}:0`].sort(), 'only the two fresh addresses are not terrible');

  const tap = await tapOn(t, ltc.p2pPort);
  // v1 only: the tap reads v1 frames (BIP324 against litecoind: litecoind-v2.test.ts, litecoind-connman.test.ts).
  const pb = await startPeerbook(t, {
    options: { connect: [`127.0.0.1:${tap.port}`], listen: false, onion: '127.0.0.1:9', i2pProxy: '127.0.0.1:9', v2transport: false },
  });
  await waitUntil('peer:connect for litecoind', () => pb.events.connects[0]);
  await hurryLitecoindGetaddrAnswer(ltc, now, () => pb.events.addrNew[0]);
  assert.deepEqual(tableOf(pb), [`${ONION}:9333`, `${I2P}:0`].sort());

  // On the wire: both sides announce addrv2 support between version and verack, and litecoind used it.
  const fromPeerbook = tap.commands('from-client');
  assert.deepEqual(fromPeerbook.slice(0, 5), ['version', 'wtxidrelay', 'sendaddrv2', 'verack', 'getaddr']);
  const fromLtc = tap.commands('from-target');
  assert.ok(fromLtc.indexOf('sendaddrv2') > 0 && fromLtc.indexOf('sendaddrv2') < fromLtc.indexOf('verack'), fromLtc.join(', '));
  assert.ok(!fromLtc.includes('addr'), 'no v1 addr from litecoind');
  assert.deepEqual(addrEntries(tap.messages('from-target')).sort(), [`${ONION}:9333`, `${I2P}:0`].sort());
  // Stored as Core stores gossip: litecoind's timestamp minus the 2 h penalty, services as sent.
  for (const m of tap.messages('from-target')) {
    if (m.type !== 'addrv2') continue;
    for (const r of m.addresses) {
      const info = pb.manager.addrman.getInfo(r.service);
      assert.ok(info, `${r.service} in Peerbook's table`);
      assert.equal(info.record.time, r.time - 2 * 3600, `${r.service} time`);
      assert.equal(info.record.services, r.services);
      assert.equal(info.source.toString(), '127.0.0.1');
    }
  }
  const atLtc = await peerbookAtLtc(ltc);
  assert.ok(atLtc, 'litecoind lists Peerbook');
  assert.equal(atLtc.bytesrecv_per_msg.sendaddrv2, 24, 'litecoind received sendaddrv2 from Peerbook');
  assert.ok(atLtc.bytessent_per_msg.addrv2 > 0, 'litecoind sent Peerbook addrv2');
  assert.equal(pb.manager.peerDetails()[0].wantsAddrV2, true, 'Peerbook saw litecoind\'s sendaddrv2');
  assert.deepEqual(pb.transport!.refused, [], 'the Tor and I2P addresses were never dialed');

  // Control: a Peerbook with no Tor or I2P proxy gets the same (cached) answer and, like Core, drops
  // addresses of networks it cannot reach.
  const plain = await startPeerbook(t, { options: { connect: [`127.0.0.1:${ltc.p2pPort}`], listen: false } });
  await waitUntil('peer:connect for litecoind', () => plain.events.connects[0]);
  const details = await hurryLitecoindGetaddrAnswer(ltc, now + 3 * MOCKTIME_BUMP_S, () => {
    const d = plain.manager.peerDetails()[0];
    return d?.bytesRecvPerMsg.addrv2 ? d : undefined;
  }, 2);
  assert.equal(details.bytesRecvPerMsg.addrv2, pb.manager.peerDetails()[0].bytesRecvPerMsg.addrv2, 'the same answer');
  assert.equal(details.addrProcessed, 2);
  assert.deepEqual(tableOf(plain), []);
  assert.equal(plain.events.addrNew.length, 0);
});

test('Peerbook relays Tor v3 and I2P addresses to litecoind in addrv2, and litecoind stores them', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t, ['-onion=127.0.0.1:9']);
  const clock = new VirtualClock(Date.now());
  const pb = await startPeerbook(t, { clock, options: { onion: '127.0.0.1:9', i2pProxy: '127.0.0.1:9' } });
  // litecoind dials Peerbook (through a tap, to see the bytes).
  const tap = await tapOn(t, pb.port);
  await ltc.cli('addnode', `127.0.0.1:${tap.port}`, 'onetry');
  await driveUntil(clock, 'peer:connect for litecoind', () => pb.events.connects[0], { stepMs: 100 });

  const source = await rawConnect(t, pb.port);
  await source.handshake();
  await waitUntil('the source peer to be ready at Peerbook', () => pb.events.connects.length === 2);
  source.send({ type: 'addrv2', addresses: [record(`${ONION_2}:9333`, nowSeconds())] });
  // Peerbook grants a new inbound peer one address token, then 0.1/s: wait 11 s before the second.
  await driveUntil(clock, 'Peerbook to store the onion address', () => tableOf(pb).includes(`${ONION_2}:9333`));
  await clock.tick(11_000);
  source.send({ type: 'addrv2', addresses: [record(`${I2P_2}:0`, nowSeconds())] });

  const relayed = [`${ONION_2}:9333`, `${I2P_2}:0`].sort();
  await driveUntil(clock, 'litecoind to store both relayed addresses', async () => {
    const got = await ltcAddresses(ltc);
    return relayed.every((a) => got.includes(a));
  }, { maxVirtualMs: 15 * 60_000 });
  assert.deepEqual(await ltcAddresses(ltc), relayed);

  // Peerbook → litecoind on the wire: its handshake put sendaddrv2 before verack, and the relay was addrv2.
  const fromPeerbook = tap.commands('from-target');
  assert.deepEqual(fromPeerbook.slice(0, 4), ['version', 'wtxidrelay', 'sendaddrv2', 'verack']);
  assert.ok(!fromPeerbook.includes('addr'), 'never v1 addr to an addrv2 peer');
  assert.deepEqual(addrEntries(tap.messages('from-target')).sort(), relayed);
  const atLtc = await peerbookAtLtc(ltc);
  assert.ok(atLtc, 'litecoind lists Peerbook');
  assert.equal(atLtc.connection_type, 'manual');
  assert.equal(atLtc.bytesrecv_per_msg.sendaddrv2, 24);
  assert.ok(atLtc.bytesrecv_per_msg.addrv2 > 0);
  assert.deepEqual(pb.transport!.refused, []);
});

test('Peerbook answers litecoind\'s getaddr with 23% of its table, and litecoind stores them', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t);
  const clock = new VirtualClock(Date.now());
  const pb = await startPeerbook(t, { clock });
  const ours = Array.from({ length: 60 }, (_, i) => `11.${i + 1}.2.${i + 1}:9333`);
  const now = clock.nowSeconds();
  // Heard from 60 different sources, so Peerbook's own table keeps them all.
  ours.forEach((a, i) => pb.manager.addrman.add([record(a, now - 600)], NetAddress.parse(`13.${i}.0.1`)));
  const table = tableOf(pb);
  assert.ok(table.length >= 58, `Peerbook's table holds ${table.length}`);

  await ltc.cli('addnode', `127.0.0.1:${pb.port}`, 'onetry');
  await driveUntil(clock, 'peer:connect for litecoind', () => pb.events.connects[0], { stepMs: 100 });
  const answered = await driveUntil(clock, 'Peerbook\'s answer to litecoind\'s getaddr', async () => {
    const p = await peerbookAtLtc(ltc);
    return p && p.bytesrecv_per_msg.addrv2 ? p : undefined;
  });
  assert.equal(answered.bytessent_per_msg.getaddr, 24, 'litecoind asked once');
  const expected = Math.floor((GETADDR_PCT * table.length) / 100);
  // One addrv2 message: 24-byte header, a 1-byte count, 13 bytes per IPv4 entry (time 4, services 1,
  // network 1, length 1, address 4, port 2).
  assert.equal(answered.bytesrecv_per_msg.addrv2, 24 + 1 + 13 * expected, `one addrv2 with ${expected} entries`);
  const stored = await waitUntil('litecoind to store the answer', async () => {
    const got = await ltcAddresses(ltc);
    return got.length > 0 ? got : undefined;
  });
  for (const a of stored) assert.ok(table.includes(a), `${a} came from Peerbook's table`);
  // litecoind files them all under one source (Peerbook), i.e. 64 buckets: allow one slot collision.
  assert.ok(stored.length >= expected - 1 && stored.length <= expected, `litecoind stored ${stored.length} of ${expected}`);
  assert.deepEqual(pb.transport!.refused, []);
});

/** The hash_stop of a getheaders payload (its last 32 bytes). */
function getheadersStop(message: Message): string | undefined {
  if (message.type !== 'unknown' || message.command !== 'getheaders') return undefined;
  return hashToDisplayHex(message.payload.subarray(message.payload.length - 32));
}

test('a block announced by Peerbook makes litecoind ask for its headers', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t);
  const pb = await startPeerbook(t);
  assert.equal(await pb.manager.openConnection(loopback(ltc.p2pPort), 'manual'), true);
  await waitUntil('peer:connect for litecoind', () => pb.events.connects[0]);

  const hash = ChaChaRandom.secure().randbytes(32);
  const entry: InvEntry = { type: MSG_BLOCK, hash };
  assert.equal(pb.manager.announce([entry]), 1);
  const stop = await waitUntil('litecoind\'s getheaders for the announced block', () =>
    pb.events.messages.map((m) => getheadersStop(m.message)).find((h) => h === hashToDisplayHex(hash)));
  assert.equal(stop, hashToDisplayHex(hash));
  const atLtc = await peerbookAtLtc(ltc);
  assert.equal(atLtc?.bytesrecv_per_msg.inv, 24 + 1 + 36, 'one inv with one entry');
  assert.equal(pb.manager.announce([entry]), 0, 'litecoind already knows it: not announced twice');
});

test('a block litecoind announces is passed on to Peerbook\'s other peers but never announced back to litecoind', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLtc(t);
  const clock = new VirtualClock(Date.now());
  const pb = await startPeerbook(t, { clock });
  assert.equal(await pb.manager.openConnection(loopback(ltc.p2pPort), 'manual'), true);
  await driveUntil(clock, 'peer:connect for litecoind', () => pb.events.connects[0], { stepMs: 100 });
  const other = await rawConnect(t, pb.port);
  await other.handshake();
  await waitUntil('the other peer to be ready at Peerbook', () => pb.events.connects.length === 2);

  const [blockHash] = (await ltc.cli('generatetodescriptor', 1, 'raw(51)')) as string[];
  const announced = await driveUntil(clock, 'litecoind\'s inv for the new block', () =>
    pb.events.inv.find((e) => e.entries.some((x) => hashToDisplayHex(x.hash) === blockHash)), { stepMs: 200 });
  assert.equal(announced.peer.userAgent, LITECOIND_FACTS.userAgent);
  const entries = announced.entries.filter((x) => hashToDisplayHex(x.hash) === blockHash);
  assert.equal(pb.manager.announce(entries), 1, 'queued for the other peer only');
  await driveUntil(clock, 'the other peer to get the inv', () =>
    other.received.some((r) => r.message.type === 'inv' && r.message.entries.some((x) => hashToDisplayHex(x.hash) === blockHash)));
  // Give the outbound trickle (mean 2 s) ample virtual time, then check litecoind got no inv from us.
  await drive(clock, 60_000);
  const atLtc = await peerbookAtLtc(ltc);
  assert.ok(atLtc, 'litecoind lists Peerbook');
  assert.equal(atLtc.bytesrecv_per_msg.inv, undefined, 'Peerbook never sent litecoind an inv');
  assert.ok(atLtc.bytessent_per_msg.inv > 0, 'litecoind did announce it');
});

test('(memory transport) an inv announced by a peer is relayed onwards but never back to that peer', async () => {
  const sim = new Sim();
  const a = sim.node('100.0.0.1');
  const me = sim.node('100.1.0.1');
  const c = sim.node('100.2.0.1');
  await sim.startAll();
  assert.equal(await a.openConnection(svc('100.1.0.1'), 'manual'), true);
  assert.equal(await c.openConnection(svc('100.1.0.1'), 'manual'), true);
  await sim.run(2_000);
  const got: Record<string, InvEntry[][]> = { a: [], me: [], c: [] };
  a.on('inv', (_p, e) => got.a.push(e));
  me.on('inv', (_p, e) => got.me.push(e));
  c.on('inv', (_p, e) => got.c.push(e));
  const entry: InvEntry = { type: MSG_BLOCK, hash: Uint8Array.from({ length: 32 }, (_, i) => i + 1) };
  assert.equal(a.announce([entry]), 1);
  await sim.run(30_000);
  assert.equal(got.me.length, 1);
  assert.equal(me.announce(got.me[0]), 1, 'only c does not know it');
  await sim.run(30_000);
  assert.equal(got.c.length, 1);
  assert.equal(got.a.length, 0, 'never announced back to its source');
  assert.equal(me.announce(got.me[0]), 0, 'every peer knows it now');
  await sim.stopAll();
});
