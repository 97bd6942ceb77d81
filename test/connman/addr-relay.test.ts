/**
 * Address gossip, transcribed from Core's functional tests p2p_addr_relay.py, p2p_addrv2_relay.py,
 * p2p_getaddr_caching.py and p2p_addrfetch.py onto the simulated network: one PeerManager under test
 * and scripted RawPeers (Core's P2PInterface) around it, on one virtual clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { Net } from '../../src/address/network.js';
import type { AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import { Subnet } from '../../src/address/subnet.js';
import { AddrRelay, MAX_ADDR_RESPONSE_CACHES } from '../../src/connman/protocols/addr-relay.js';
import type { PeerManager } from '../../src/connman/manager.js';
import type { PeerManagerOptions } from '../../src/connman/options.js';
import { FULL_NODE, peerOf, RawPeer, records, settle, Sim, svc } from '../../src/sim/network.js';

/** The node under test; a private address, so it has nothing of its own to advertise unless told (-externalip). */
const ME = '10.1.1.1';
const DAY_S = 24 * 3600;

async function node(over: Partial<PeerManagerOptions> = {}): Promise<{ sim: Sim; me: PeerManager }> {
  const sim = new Sim();
  const me = sim.node(ME, over);
  await sim.startAll();
  return { sim, me };
}

/** A connection the manager opens to a new RawPeer at `ip`. */
async function dialRaw(sim: Sim, me: PeerManager, ip: string, type: Parameters<PeerManager['openConnection']>[1],
  options: ConstructorParameters<typeof RawPeer>[2] = {}): Promise<RawPeer> {
  const listener = await RawPeer.listen(sim, ip, options);
  assert.equal(await me.openConnection(listener.service, type), true);
  await settle();
  assert.equal(listener.peers.length, 1);
  return listener.peers[0];
}

const details = (me: PeerManager, raw: RawPeer) => me.peerDetails().find((d) => d.id === peerOf(me, raw).id)!;
const has = (raw: RawPeer, rec: AddressRecord): boolean => raw.addresses().some((a) => a.service.equals(rec.service));
/** Addresses a raw peer received from the table (the node under test has no address of its own to advertise). */
const tableAddresses = (raw: RawPeer): AddressRecord[] => raw.addresses();
const keys = (recs: AddressRecord[]): string[] => recs.map((r) => r.service.toString()).sort();

function fill(me: PeerManager, count: number, now: number, octet = 130): AddressRecord[] {
  // Many sources, so the new table (64 buckets per source group) can hold them all.
  const all = records(count, now - 3600, 0, octet);
  for (let i = 0; i < all.length; i += 200) me.addrman.add(all.slice(i, i + 200), NetAddress.parse(`9.${i / 200}.0.1`));
  return all;
}

// ---- rate limiting (p2p_addr_relay.py rate_limit_tests) ---------------------------------------

/**
 * Core's rate_limit_tests: send 600, 600, 10 addresses, then 200 after +100 s and 200 after
 * +1000 s (mocktime jumps: no timer runs), checking addr_processed and addr_rate_limited each time.
 */
async function rateLimitScenario(connType: 'outbound-full-relay' | 'block-relay-only' | 'inbound', initialTokens: number,
  over: Partial<PeerManagerOptions> = {}): Promise<Array<[number, number]>> {
  const { sim, me } = await node(over);
  const raw = connType === 'inbound' ? await RawPeer.dial(sim, '2.2.2.2', svc(ME)) : await dialRaw(sim, me, '2.2.2.2', connType);
  let tokens = initialTokens;
  let total = 0;
  const seen: Array<[number, number]> = [];
  const send = async (n: number): Promise<void> => {
    raw.send({ type: 'addr', addresses: records(n, sim.clock.nowSeconds(), total) });
    total += n;
    await settle();
    const d = details(me, raw);
    seen.push([d.addrProcessed, d.addrRateLimited]);
    if (connType !== 'block-relay-only' && !over.whitelist) {
      assert.equal(d.addrProcessed, Math.min(total, tokens), `processed after ${total}`);
      assert.equal(d.addrRateLimited, Math.max(0, total - tokens), `rate-limited after ${total}`);
    }
  };
  await send(600);
  await send(600);
  await send(10);
  sim.clock.setTime(sim.clock.now() + 100_000);
  tokens += 10;
  await send(200);
  sim.clock.setTime(sim.clock.now() + 1_000_000);
  tokens += 100;
  await send(200);
  await sim.stopAll();
  return seen;
}

test('an outbound full-relay peer may send 1 + 1000 addresses after our getaddr, then 0.1 per second', async () => {
  await rateLimitScenario('outbound-full-relay', 1 + 1000);
});

test('an inbound peer starts with one addr token and earns 0.1 per second', async () => {
  await rateLimitScenario('inbound', 1);
});

test('addresses from a block-relay-only peer are ignored and not even counted', async () => {
  const seen = await rateLimitScenario('block-relay-only', 0);
  assert.deepEqual(seen, [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]);
});

test('a peer with the addr permission is never rate-limited', async () => {
  const seen = await rateLimitScenario('inbound', 1, { whitelist: ['addr@2.2.2.2'] });
  assert.deepEqual(seen, [[600, 0], [1200, 0], [1210, 0], [1410, 0], [1610, 0]]);
});

test('an inbound peer\'s addr tokens accrue from the moment it connects, up to 1000', async () => {
  // Core sets m_addr_token_timestamp when the Peer is created, not at its first addr message.
  const { sim, me } = await node();
  const raw = await RawPeer.dial(sim, '2.2.2.2', svc(ME));
  sim.clock.setTime(sim.clock.now() + 100_000);
  raw.send({ type: 'addr', addresses: records(20, sim.clock.nowSeconds()) });
  await settle();
  assert.deepEqual([details(me, raw).addrProcessed, details(me, raw).addrRateLimited], [11, 9]);
  sim.clock.setTime(sim.clock.now() + 20_000_000); // +2 million tokens' worth, capped at 1000
  raw.send({ type: 'addr', addresses: records(1000, sim.clock.nowSeconds(), 20) });
  raw.send({ type: 'addr', addresses: records(1, sim.clock.nowSeconds(), 1020) });
  await settle();
  assert.deepEqual([details(me, raw).addrProcessed, details(me, raw).addrRateLimited], [1011, 10]);
  await sim.stopAll();
});

// ---- relay (p2p_addr_relay.py relay_tests, inbound_blackhole_tests) -----------------------------

/**
 * A manager with `count` inbound receivers (each sent getaddr, so addr relay is on) and a source peer
 * with the addr permission (Core's p2p_addr_relay.py runs with -whitelist=addr@127.0.0.1).
 */
async function relayNetwork(count = 7, over: Partial<PeerManagerOptions> = {}) {
  const { sim, me } = await node({ whitelist: ['addr@50.0.0.1'], ...over });
  const receivers: RawPeer[] = [];
  for (let i = 0; i < count; i++) {
    const r = await RawPeer.dial(sim, `60.${i}.0.1`, svc(ME));
    r.send({ type: 'getaddr' });
    receivers.push(r);
  }
  const source = await RawPeer.dial(sim, '50.0.0.1', svc(ME));
  await sim.run(2_000);
  return { sim, me, receivers, source };
}

const relayCounts = (receivers: RawPeer[], sent: AddressRecord[]): number[] =>
  sent.map((rec) => receivers.filter((r) => has(r, rec)).length);

test('each of ten fresh addresses is relayed to exactly two addr-relay peers, never back to the sender', async () => {
  const { sim, me, receivers, source } = await relayNetwork(7);
  const blockRelay = await dialRaw(sim, me, '70.0.0.1', 'block-relay-only');
  const fullOutbound = await dialRaw(sim, me, '71.0.0.1', 'outbound-full-relay');
  await sim.run(2_000);
  const sent = records(10, sim.clock.nowSeconds(), 0, 140);
  source.send({ type: 'addr', addresses: sent });
  await sim.run(10 * 60_000, 1_000);
  const everyone = [...receivers, fullOutbound];
  assert.deepEqual(relayCounts(everyone, sent), Array(10).fill(2), 'every address goes to exactly two peers');
  assert.equal(sent.filter((r) => has(source, r)).length, 0, 'nothing echoed to the sender');
  assert.equal(sent.filter((r) => has(blockRelay, r)).length, 0, 'nothing to the block-relay-only peer');
  assert.equal(blockRelay.messages('addr').length + blockRelay.messages('addrv2').length, 0, 'block-relay-only links carry no addr at all');
  assert.equal(blockRelay.messages('getaddr').length, 0, 'and we do not ask them');
  assert.equal(fullOutbound.messages('getaddr').length, 1, 'full-relay outbound peers are asked once');
  await sim.stopAll();
});

test('only addresses fresher than 10 minutes are relayed', async () => {
  const { sim, receivers, source } = await relayNetwork(5);
  const now = sim.clock.nowSeconds();
  const stale = records(5, now - 600, 0, 140);
  const fresh = records(5, now - 599, 5, 140);
  source.send({ type: 'addr', addresses: stale });
  source.send({ type: 'addr', addresses: fresh });
  await sim.run(10 * 60_000, 1_000);
  assert.deepEqual(relayCounts(receivers, stale), [0, 0, 0, 0, 0]);
  assert.deepEqual(relayCounts(receivers, fresh), [2, 2, 2, 2, 2]);
  await sim.stopAll();
});

test('addresses from a message of more than 10 entries are not relayed', async () => {
  const { sim, receivers, source } = await relayNetwork(5);
  const eleven = records(11, sim.clock.nowSeconds(), 0, 140);
  source.send({ type: 'addr', addresses: eleven });
  await sim.run(10 * 60_000, 1_000);
  assert.deepEqual(relayCounts(receivers, eleven), Array(11).fill(0));
  await sim.stopAll();
});

test('the answer to our getaddr is not relayed; the next message from that peer is', async () => {
  const { sim, me, receivers } = await relayNetwork(5);
  const outbound = await dialRaw(sim, me, '71.0.0.1', 'outbound-full-relay');
  assert.equal(outbound.messages('getaddr').length, 1);
  const answer = records(10, sim.clock.nowSeconds(), 0, 140);
  outbound.send({ type: 'addr', addresses: answer });
  await settle();
  const later = records(10, sim.clock.nowSeconds(), 10, 140);
  outbound.send({ type: 'addr', addresses: later });
  await sim.run(10 * 60_000, 1_000);
  assert.deepEqual(relayCounts(receivers, answer), Array(10).fill(0), 'm_getaddr_sent: not relayed');
  assert.deepEqual(relayCounts(receivers, later), Array(10).fill(2));
  await sim.stopAll();
});

test('addresses on an unreachable network go to one or two peers and are not stored', async () => {
  const { sim, me, receivers, source } = await relayNetwork(6);
  const now = sim.clock.nowSeconds();
  const onion = Array.from({ length: 20 }, (_, i): AddressRecord => ({
    service: new NetService(NetAddress.torV3(new Uint8Array(32).fill(i + 1)), 8333), services: FULL_NODE, time: now,
  }));
  source.send({ type: 'addrv2', addresses: onion.slice(0, 10) });
  source.send({ type: 'addrv2', addresses: onion.slice(10) });
  await sim.run(10 * 60_000, 1_000);
  const counts = relayCounts(receivers, onion);
  assert.ok(counts.every((c) => c === 1 || c === 2), `counts ${counts}`);
  assert.ok(counts.includes(1) && counts.includes(2), 'the number of relay peers is a coin flip per address');
  assert.equal(me.addrman.size({ network: Net.ONION }), 0, 'not stored: onion is not reachable');
  await sim.stopAll();
});

test('an inbound peer gets relayed addresses only after it sent addr, addrv2 or getaddr', async () => {
  const { sim, me, receivers, source } = await relayNetwork(1);
  const blackhole = await RawPeer.dial(sim, '61.0.0.1', svc(ME));
  await sim.run(2_000);
  assert.equal(details(me, receivers[0]).addrRelayEnabled, true);
  assert.equal(details(me, blackhole).addrRelayEnabled, false);
  const first = records(2, sim.clock.nowSeconds(), 0, 140);
  source.send({ type: 'addr', addresses: first });
  await sim.run(10 * 60_000, 1_000);
  assert.deepEqual(relayCounts([receivers[0], blackhole], first), [1, 1], 'each goes to the one enabled peer');
  assert.equal(first.filter((r) => has(blackhole, r)).length, 0);
  blackhole.send({ type: 'addrv2', addresses: [] });
  await settle();
  assert.equal(details(me, blackhole).addrRelayEnabled, true);
  const second = records(2, sim.clock.nowSeconds(), 2, 140);
  source.send({ type: 'addr', addresses: second });
  await sim.run(10 * 60_000, 1_000);
  assert.equal(second.filter((r) => has(blackhole, r)).length, 2);
  await sim.stopAll();
});

// ---- getaddr (p2p_addr_relay.py getaddr_tests, p2p_getaddr_caching.py) ---------------------------

test('getaddr is answered only for inbound peers, and only once per connection', async () => {
  // The inbound peer has the addr permission, so a second answer would be a fresh sample, not a repeat.
  const { sim, me } = await node({ whitelist: ['addr@60.0.0.1'] });
  fill(me, 1000, sim.clock.nowSeconds());
  const outbound = await dialRaw(sim, me, '71.0.0.1', 'outbound-full-relay');
  const inbound = await RawPeer.dial(sim, '60.0.0.1', svc(ME));
  outbound.send({ type: 'getaddr' });
  inbound.send({ type: 'getaddr' });
  await sim.run(5 * 60_000, 1_000);
  assert.equal(tableAddresses(outbound).length, 0, 'outbound peers are not answered');
  const first = tableAddresses(inbound).length;
  assert.ok(first > 100, `inbound answered with ${first} addresses`);
  inbound.send({ type: 'getaddr' });
  await sim.run(5 * 60_000, 1_000);
  assert.equal(tableAddresses(inbound).length, first, 'a second getaddr is ignored');
  await sim.stopAll();
});

test('a getaddr answer holds at most 23 % of the table and at most 1000 addresses, in one message', async () => {
  for (const count of [200, 8000]) {
    const { sim, me } = await node();
    fill(me, count, sim.clock.nowSeconds());
    const size = me.addrman.size();
    const raw = await RawPeer.dial(sim, '60.0.0.1', svc(ME));
    raw.send({ type: 'getaddr' });
    await sim.run(5 * 60_000, 1_000);
    const expected = Math.min(1000, Math.floor((size * 23) / 100));
    assert.equal(tableAddresses(raw).length, expected, `table of ${size}`);
    assert.equal(new Set(keys(tableAddresses(raw))).size, expected, 'no duplicates');
    assert.equal(raw.messages('addrv2').length, 1, 'one message');
    await sim.stopAll();
  }
});

test('getaddr from different inbound peers within the cache lifetime gets the same answer; three days later a new one', async () => {
  const { sim, me } = await node();
  fill(me, 2000, sim.clock.nowSeconds());
  const answers: string[][] = [];
  for (const ip of ['60.0.0.1', '60.1.0.1', '60.2.0.1']) {
    const raw = await RawPeer.dial(sim, ip, svc(ME));
    raw.send({ type: 'getaddr' });
    await sim.run(5 * 60_000, 1_000);
    answers.push(keys(tableAddresses(raw)));
    raw.close();
  }
  assert.ok(answers[0].length > 400);
  assert.deepEqual(answers[1], answers[0]);
  assert.deepEqual(answers[2], answers[0]);
  await sim.fastForward(3 * DAY_S * 1000);
  const late = await RawPeer.dial(sim, '60.3.0.1', svc(ME));
  late.send({ type: 'getaddr' });
  await sim.run(5 * 60_000, 1_000);
  const fresh = keys(tableAddresses(late));
  assert.equal(fresh.length, answers[0].length);
  assert.notDeepEqual(fresh, answers[0], 'the cache expired and was rebuilt');
  await sim.stopAll();
});

test('getaddr answers are cached per local address and port', async () => {
  const { sim, me } = await node({ bind: [`${ME}:18444`, `${ME}:18445`] });
  fill(me, 2000, sim.clock.nowSeconds());
  const answer = async (ip: string, port: number): Promise<string[]> => {
    const raw = await RawPeer.dial(sim, ip, svc(ME, port));
    raw.send({ type: 'getaddr' });
    await sim.run(5 * 60_000, 1_000);
    raw.close();
    return keys(tableAddresses(raw));
  };
  const a = await answer('60.0.0.1', 18444);
  const b = await answer('60.1.0.1', 18445);
  const c = await answer('60.2.0.1', 18445);
  assert.notDeepEqual(a, b, 'another local port has its own cache');
  assert.deepEqual(b, c);
  await sim.stopAll();
});

test('banned and discouraged addresses are left out of getaddr answers', async () => {
  const { sim, me } = await node();
  const now = sim.clock.nowSeconds();
  const banned = Array.from({ length: 100 }, (_, i): AddressRecord => ({ service: svc(`130.${i}.0.1`), services: FULL_NODE, time: now }));
  const other = Array.from({ length: 100 }, (_, i): AddressRecord => ({ service: svc(`131.${i}.0.1`), services: FULL_NODE, time: now }));
  me.addrman.add(banned, NetAddress.parse('9.0.0.1'));
  me.addrman.add(other, NetAddress.parse('9.1.0.1'));
  me.ban(Subnet.parse('130.0.0.0/8'));
  const discouraged = other.filter((_, i) => i % 2 === 0);
  for (const r of discouraged) me.banman.discourage(r.service.addr);
  const raw = await RawPeer.dial(sim, '60.0.0.1', svc(ME));
  raw.send({ type: 'getaddr' });
  await sim.run(5 * 60_000, 1_000);
  const got = tableAddresses(raw);
  assert.ok(got.length > 0, `${got.length} addresses`);
  assert.equal(got.filter((r) => r.service.addr.bytes[0] === 130).length, 0, 'no banned address');
  assert.equal(got.filter((r) => discouraged.some((d) => d.service.equals(r.service))).length, 0, 'no discouraged address');
  await sim.stopAll();
});

test('a peer with the addr permission bypasses the getaddr cache', async () => {
  const { sim, me } = await node({ whitelist: ['addr@70.0.0.0/8'] });
  fill(me, 2000, sim.clock.nowSeconds());
  const answer = async (ip: string): Promise<string[]> => {
    const raw = await RawPeer.dial(sim, ip, svc(ME));
    raw.send({ type: 'getaddr' });
    await sim.run(5 * 60_000, 1_000);
    raw.close();
    return keys(tableAddresses(raw));
  };
  const [p1, p2] = [await answer('70.0.0.1'), await answer('70.0.0.2')];
  const [c1, c2] = [await answer('80.0.0.1'), await answer('80.0.0.2')];
  assert.equal(p1.length, c1.length);
  assert.notDeepEqual(p1, p2, 'permission: a fresh sample each time');
  assert.deepEqual(c1, c2, 'no permission: the cached answer');
  await sim.stopAll();
});

// ---- addrv2 (p2p_addrv2_relay.py) ----------------------------------------------------------------

test('a v1 peer never receives Tor v3, I2P or CJDNS addresses; an addrv2 peer does', async () => {
  const { sim, me } = await node({ whitelist: ['addr@50.0.0.1'] });
  const now = sim.clock.nowSeconds();
  const bytes = (n: number, len: number, first?: number): Uint8Array => {
    const b = new Uint8Array(len).fill(n);
    if (first !== undefined) b[0] = first;
    return b;
  };
  const v1 = records(100, now - 3600, 0, 130);
  const v2only: AddressRecord[] = [];
  for (let i = 1; i <= 60; i++) {
    v2only.push({ service: new NetService(NetAddress.torV3(bytes(i, 32)), 8333), services: FULL_NODE, time: now - 3600 });
    v2only.push({ service: new NetService(NetAddress.i2p(bytes(i, 32)), 0), services: FULL_NODE, time: now - 3600 });
    v2only.push({ service: new NetService(NetAddress.cjdns(bytes(i, 16, 0xfc)), 8333), services: FULL_NODE, time: now - 3600 });
  }
  me.addrman.add(v1, NetAddress.parse('9.0.0.1'));
  me.addrman.add(v2only, NetAddress.parse('9.1.0.1'));
  const oldPeer = await RawPeer.dial(sim, '60.0.0.1', svc(ME), { addrv2: false });
  const newPeer = await RawPeer.dial(sim, '60.1.0.1', svc(ME));
  oldPeer.send({ type: 'getaddr' });
  newPeer.send({ type: 'getaddr' });
  await sim.run(5 * 60_000, 1_000);
  assert.equal(oldPeer.messages('addrv2').length, 0);
  assert.ok(oldPeer.messages('addr').length > 0);
  assert.equal(newPeer.messages('addr').length, 0);
  const newGot = tableAddresses(newPeer);
  assert.ok(newGot.some((r) => !r.service.addr.isAddrV1Compatible()), 'the addrv2 peer gets Tor/I2P/CJDNS addresses');
  assert.deepEqual(keys(tableAddresses(oldPeer)), keys(newGot.filter((r) => r.service.addr.isAddrV1Compatible())),
    'the v1 peer gets the same cached answer minus what it cannot decode');
  // Relay too: fresh Tor addresses go only to peers that can take them.
  const source = await RawPeer.dial(sim, '50.0.0.1', svc(ME));
  const now2 = sim.clock.nowSeconds();
  const onion = Array.from({ length: 5 }, (_, i): AddressRecord => ({
    service: new NetService(NetAddress.torV3(bytes(100 + i, 32)), 8333), services: FULL_NODE, time: now2,
  }));
  source.send({ type: 'addrv2', addresses: onion });
  await sim.run(10 * 60_000, 1_000);
  assert.equal(oldPeer.addresses().filter((r) => !r.service.addr.isAddrV1Compatible()).length, 0);
  assert.deepEqual(relayCounts([newPeer], onion), [1, 1, 1, 1, 1], 'the only compatible peer gets them all');
  await sim.stopAll();
});

// ---- timestamps ----------------------------------------------------------------------------------

test('timestamps before 1973 or over 10 minutes ahead become five days ago; gossip is stored with a 2 h penalty', async () => {
  const { sim, me } = await node({ whitelist: ['addr@50.0.0.1'] });
  const source = await RawPeer.dial(sim, '50.0.0.1', svc(ME));
  const now = sim.clock.nowSeconds();
  const times = [0, 100_000_000, 100_000_001, now - 3600, now + 600, now + 601, now + 365 * DAY_S];
  const sent = times.map((time, i): AddressRecord => ({ service: svc(`140.${i}.0.1`), services: FULL_NODE, time }));
  source.send({ type: 'addr', addresses: sent });
  await settle();
  const PENALTY = 2 * 3600;
  const insane = now - 5 * DAY_S - PENALTY;
  const expected = [insane, insane, 100_000_001 - PENALTY, now - 3600 - PENALTY, now + 600 - PENALTY, insane, insane];
  assert.deepEqual(sent.map((r) => me.addrman.getInfo(r.service)?.record.time), expected);
  // A peer announcing itself (same IP as the connection) gets no penalty (Core AddrMan::Add).
  const self: AddressRecord = { service: svc('50.0.0.1'), services: FULL_NODE, time: now };
  source.send({ type: 'addr', addresses: [self] });
  await settle();
  assert.equal(me.addrman.getInfo(self.service)?.record.time, now);
  await sim.stopAll();
});

test('addresses without useful services cost a token but are neither counted, stored nor relayed', async () => {
  const { sim, me, receivers, source } = await relayNetwork(3);
  const now = sim.clock.nowSeconds();
  const useless = [0n, 4n, 8n, 64n].map((services, i): AddressRecord => ({ service: svc(`141.${i}.0.1`), services, time: now }));
  const limited: AddressRecord = { service: svc('141.9.0.1'), services: 1024n | 8n, time: now }; // NETWORK_LIMITED|WITNESS
  source.send({ type: 'addr', addresses: [...useless, limited] });
  await sim.run(10 * 60_000, 1_000);
  assert.deepEqual(useless.map((r) => me.addrman.getInfo(r.service)), [undefined, undefined, undefined, undefined]);
  assert.deepEqual(relayCounts(receivers, useless), [0, 0, 0, 0]);
  assert.ok(me.addrman.getInfo(limited.service), 'NODE_NETWORK_LIMITED may have a useful address table');
  assert.deepEqual(relayCounts(receivers, [limited]), [2]);
  assert.equal(details(me, source).addrProcessed, 1);
  // Without the addr permission the skipped address still spends the peer's only token.
  const plain = await RawPeer.dial(sim, '51.0.0.1', svc(ME));
  plain.send({ type: 'addr', addresses: [{ ...useless[0], service: svc('141.10.0.1') }] });
  plain.send({ type: 'addr', addresses: records(1, sim.clock.nowSeconds(), 0, 142) });
  await settle();
  assert.deepEqual([details(me, plain).addrProcessed, details(me, plain).addrRateLimited], [0, 1]);
  await sim.stopAll();
});

// ---- addr-fetch (p2p_addrfetch.py) ---------------------------------------------------------------

test('an addr-fetch connection closes after an addr with more than one entry, not after a self-announcement', async () => {
  const { sim, me } = await node();
  const raw = await dialRaw(sim, me, '71.0.0.1', 'addr-fetch');
  assert.equal(raw.messages('getaddr').length, 1);
  raw.send({ type: 'addr', addresses: [{ service: svc('71.0.0.1'), services: FULL_NODE, time: sim.clock.nowSeconds() }] });
  await sim.run(2_000);
  assert.equal(me.nodeCount('out', 'addr-fetch'), 1, 'a self-announcement does not end it');
  raw.send({ type: 'addr', addresses: records(2, sim.clock.nowSeconds()) });
  await sim.run(2_000);
  assert.equal(me.nodeCount('out', 'addr-fetch'), 0);
  assert.ok(raw.closed);
  assert.ok(sim.logs.get(me)!.has(/addrfetch connection completed/));
  await sim.stopAll();
});

test('an addr-fetch connection that gets no addresses closes after 5 minutes', async () => {
  const { sim, me } = await node();
  const raw = await dialRaw(sim, me, '71.0.0.1', 'addr-fetch');
  await sim.run(5 * 60_000 - 1_000, 500);
  assert.equal(me.nodeCount('out', 'addr-fetch'), 1);
  await sim.run(2_000, 500);
  assert.equal(me.nodeCount('out', 'addr-fetch'), 0);
  assert.ok(raw.closed);
  await sim.stopAll();
});

// ---- self-advertisement (p2p_addrv2_relay.py, -externalip) ---------------------------------------

test('our external address goes to a new peer at once, with our services and listen port, and again after the 24 h timer', async () => {
  const { sim, me } = await node({ externalIp: ['42.42.42.42'], bind: [`${ME}:18555`] });
  const t0 = sim.clock.nowSeconds();
  const raw = await dialRaw(sim, me, '71.0.0.1', 'outbound-full-relay');
  await sim.run(2_000);
  const selfAds = (): Array<{ at: number; rec: AddressRecord }> => raw.received.flatMap((r) =>
    r.message.type === 'addr' || r.message.type === 'addrv2'
      ? r.message.addresses.filter((a) => a.service.addr.toString() === '42.42.42.42').map((rec) => ({ at: r.at, rec })) : []);
  assert.equal(selfAds().length, 1);
  const [first] = selfAds();
  assert.equal(first.rec.service.toString(), '42.42.42.42:18555', 'advertised with the port we listen on');
  assert.equal(first.rec.services, me.localServices);
  assert.ok(first.rec.time >= t0 && first.rec.time <= sim.clock.nowSeconds(), 'stamped now');
  // The same address again needs the known-filter reset; the timer is exponential with mean 24 h.
  const start = sim.clock.now();
  while (selfAds().length < 2 && sim.clock.now() - start < 8 * DAY_S * 1000) await sim.fastForward(3600_000);
  assert.equal(selfAds().length, 2, 'a second self-advertisement within 8 days');
  const second = selfAds()[1];
  assert.ok(Math.abs(second.rec.time - Math.floor(second.at / 1000)) <= 60, 'stamped with the time it was sent');
  await sim.stopAll();
});

// ---- bounds --------------------------------------------------------------------------------------

test('a peer\'s queue of addresses to send stays at 1000, later ones replacing random earlier ones', async () => {
  const { sim, receivers, source } = await relayNetwork(1);
  const receiver = receivers[0];
  const before = receiver.addresses().length;
  const sent = records(1500, sim.clock.nowSeconds(), 0, 140);
  for (let i = 0; i < sent.length; i += 10) source.send({ type: 'addr', addresses: sent.slice(i, i + 10) });
  await settle(50);
  await sim.run(10 * 60_000, 1_000);
  const got = receiver.addresses().slice(before);
  assert.equal(got.length, 1000, 'the queue holds 1000');
  assert.equal(new Set(keys(got)).size, 1000);
  const early = sent.slice(0, 1000).filter((r) => has(receiver, r)).length;
  const late = sent.slice(1000).filter((r) => has(receiver, r)).length;
  assert.equal(early + late, 1000);
  // Random replacement keeps about 1000·(1 − 1/1000)^500 ≈ 606 of the first 1000 (dropping the oldest: 500; the newest: 1000).
  assert.ok(early > 540 && early < 680, `${early} of the first 1000 survive random replacement`);
  await sim.stopAll();
});

/** The manager's address-relay plug-in (its diagnostics show bounds no message can show). */
const relayOf = (m: PeerManager): AddrRelay => m.protocols.find((p): p is AddrRelay => p instanceof AddrRelay)!;

test(`getaddr response caches are capped at MAX_ADDR_RESPONSE_CACHES (${MAX_ADDR_RESPONSE_CACHES})`, async () => {
  const ports = Array.from({ length: MAX_ADDR_RESPONSE_CACHES + 6 }, (_, i) => 20_000 + i);
  const { sim, me } = await node({ bind: ports.map((p) => `${ME}:${p}`) });
  fill(me, 200, sim.clock.nowSeconds());
  const answerSize = Math.floor((me.addrman.size() * 23) / 100);
  const raws: RawPeer[] = [];
  for (const [i, port] of ports.entries()) {
    const raw = await RawPeer.dial(sim, `60.${i}.0.1`, svc(ME, port));
    raw.send({ type: 'getaddr' });
    await settle();
    raws.push(raw);
    assert.ok(relayOf(me).cacheCount <= MAX_ADDR_RESPONSE_CACHES);
  }
  assert.equal(relayOf(me).cacheCount, MAX_ADDR_RESPONSE_CACHES);
  await sim.run(5 * 60_000, 1_000);
  assert.ok(raws.every((r) => tableAddresses(r).length === answerSize), 'every peer was still answered');
  await sim.stopAll();
});

test('an addr flood costs bounded memory: the known filter has a fixed size and send queues stay capped', async () => {
  const { sim, me, receivers, source } = await relayNetwork(2);
  const id = peerOf(me, source).id;
  source.send({ type: 'addr', addresses: records(1000, sim.clock.nowSeconds(), 60_000, 140) });
  await settle();
  const filterBytes = relayOf(me).diagnostics(id)!.knownFilterBytes;
  for (let m = 0; m < 50; m++) source.send({ type: 'addr', addresses: records(1000, sim.clock.nowSeconds(), m * 1000, 140) });
  for (let m = 0; m < 300; m++) source.send({ type: 'addr', addresses: records(10, sim.clock.nowSeconds(), 50_000 + m * 10, 140) });
  await settle(200);
  assert.equal(details(me, source).addrProcessed, 54_000, 'all processed (addr permission)');
  assert.equal(relayOf(me).diagnostics(id)!.knownFilterBytes, filterBytes, 'the filter did not grow');
  for (const r of receivers) assert.ok(relayOf(me).diagnostics(peerOf(me, r).id)!.queued <= 1000);
  assert.equal(relayOf(me).trackedPeers, me.peers().length, 'relay state only for live peers');
  await sim.stopAll();
});
