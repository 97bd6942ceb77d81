/**
 * Bitcoin Core's addrman unit tests (src/test/addrman_tests.cpp), transcribed: same fixtures
 * (EMPTY_NETGROUPMAN, DETERMINISTIC key uint256{1}, FastRandomContext(true), -checkaddrman=100),
 * same inputs, same expected values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Net } from '../../src/address/network.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { AddrMan } from '../../src/addrman/index.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { addrPort, coreAddrman, ip, rec, svc } from './helpers.js';

const NODE_NONE = 0n;
const NODE_NETWORK = 1n;
const NODE_NETWORK_LIMITED = 1n << 10n;
const NODE_P2P_V2 = 1n << 11n;
const I2P_1 = 'udhdrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jna.b32.i2p';
const I2P_2 = 'c4gfnttsuwqomiygupdqqqyy5y5emnk5c73hrfvatri67prd7vyq.b32.i2p';

test('addrman_simple: an empty addrman selects nothing; added addresses are counted and deduplicated', () => {
  let { man } = coreAddrman();
  const source = ip('252.2.2.2');
  assert.equal(man.size(), 0);
  assert.equal(addrPort(man.select()), '[::]:0');
  assert.equal(man.add([rec(svc('250.1.1.1', 8333))], source), true);
  assert.equal(man.size(), 1);
  assert.equal(addrPort(man.select()), '250.1.1.1:8333');
  assert.equal(man.add([rec(svc('250.1.1.1', 8333))], source), false);
  assert.equal(man.size(), 1);
  assert.equal(man.add([rec(svc('250.1.1.2', 8333))], source), true);
  assert.ok(man.size() >= 1);
  ({ man } = coreAddrman());
  assert.equal(man.add([rec(svc('250.1.1.3', 8333)), rec(svc('250.1.1.4', 8333))], source), true);
  assert.ok(man.size() >= 1);
});

test('addrman_ports: one IP with two ports is two entries, and Good moves only the right one', () => {
  const { man } = coreAddrman();
  const source = ip('252.2.2.2');
  assert.equal(man.add([rec(svc('250.1.1.1', 8333))], source), true);
  assert.equal(man.size(), 1);
  assert.equal(man.add([rec(svc('250.1.1.1', 8334))], source), true);
  assert.equal(man.size(), 2);
  assert.ok(['250.1.1.1:8333', '250.1.1.1:8334'].includes(addrPort(man.select())));
  man.good(svc('250.1.1.1', 8334));
  assert.equal(man.size(), 2);
  assert.equal(addrPort(man.select({ newOnly: true })), '250.1.1.1:8333');
});

test('addrman_select: selection from the new table, the tried table and both', () => {
  const { man } = coreAddrman();
  assert.equal(man.select({ newOnly: false }), undefined);
  assert.equal(man.select({ newOnly: true }), undefined);
  const source = ip('252.2.2.2');
  const addr1 = svc('250.1.1.1', 8333);
  assert.equal(man.add([rec(addr1)], source), true);
  assert.equal(man.size(), 1);
  assert.equal(addrPort(man.select({ newOnly: true })), '250.1.1.1:8333');
  assert.equal(addrPort(man.select({ newOnly: false })), '250.1.1.1:8333');
  assert.equal(man.good(addr1), true);
  assert.equal(man.size(), 1);
  assert.equal(man.select({ newOnly: true }), undefined);
  assert.equal(addrPort(man.select()), '250.1.1.1:8333');
  assert.equal(man.size(), 1);

  const addr2 = svc('250.3.1.1', 8333);
  assert.equal(man.add([rec(addr2)], addr2.addr), true);
  assert.equal(addrPort(man.select({ newOnly: true })), '250.3.1.1:8333');
  const addr3 = svc('250.3.2.2', 9999);
  const addr4 = svc('250.3.3.3', 9999);
  assert.equal(man.add([rec(addr3)], addr2.addr), true);
  assert.equal(man.add([rec(addr4)], ip('250.4.1.1')), true);
  const addr5 = svc('250.4.4.4', 8333);
  const addr6 = svc('250.4.5.5', 7777);
  const addr7 = svc('250.4.6.6', 8333);
  assert.equal(man.add([rec(addr5)], addr3.addr), true);
  assert.equal(man.good(addr5), true);
  assert.equal(man.add([rec(addr6)], addr3.addr), true);
  assert.equal(man.good(addr6), true);
  assert.equal(man.add([rec(addr7)], ip('250.1.1.3')), true);
  assert.equal(man.good(addr7), true);
  assert.equal(man.size(), 7);
  const ports = new Set<number>();
  for (let i = 0; i < 20; i++) ports.add(man.select()!.record.service.port);
  assert.equal(ports.size, 3);
});

test('addrman_select_by_network: select filters by network, including sets of networks', () => {
  const { man } = coreAddrman();
  assert.equal(man.select({ newOnly: true, networks: [Net.IPV4] }), undefined);
  assert.equal(man.select({ newOnly: false, networks: [Net.IPV4] }), undefined);
  const source = ip('252.2.2.2');
  const addr1 = svc('250.1.1.1', 8333);
  assert.equal(man.add([rec(addr1)], source), true);
  assert.equal(addrPort(man.select({ newOnly: true, networks: [Net.IPV4] })), '250.1.1.1:8333');
  assert.equal(addrPort(man.select({ newOnly: false, networks: [Net.IPV4] })), '250.1.1.1:8333');
  for (const net of [Net.IPV6, Net.ONION, Net.I2P, Net.CJDNS]) assert.equal(man.select({ networks: [net] }), undefined);
  assert.equal(man.select({ newOnly: true, networks: [Net.CJDNS] }), undefined);
  assert.equal(addrPort(man.select({ newOnly: false })), '250.1.1.1:8333');

  const i2p1 = svc(I2P_1); // Core: CAddress::SetSpecial → port 0
  assert.equal(man.add([rec(i2p1)], source), true);
  assert.equal(addrPort(man.select({ newOnly: true, networks: [Net.I2P] })), `${I2P_1}:0`);
  assert.equal(addrPort(man.select({ newOnly: false, networks: [Net.I2P] })), `${I2P_1}:0`);
  assert.equal(addrPort(man.select({ newOnly: false, networks: [Net.IPV4] })), '250.1.1.1:8333');
  assert.notEqual(man.select({ networks: [Net.IPV4, Net.I2P] }), undefined);
  for (const net of [Net.IPV6, Net.ONION, Net.CJDNS]) assert.equal(man.select({ networks: [net] }), undefined);
  assert.equal(man.select({ networks: [Net.IPV6, Net.ONION, Net.CJDNS] }), undefined);

  assert.equal(man.good(i2p1), true);
  assert.equal(man.select({ newOnly: true, networks: [Net.I2P] }), undefined);
  assert.equal(addrPort(man.select({ newOnly: false, networks: [Net.I2P] })), `${I2P_1}:0`);

  const i2p2 = svc(I2P_2);
  assert.equal(man.add([rec(i2p2)], source), true);
  assert.equal(addrPort(man.select({ newOnly: true, networks: [Net.I2P] })), `${I2P_2}:0`);
  let newSelected = false;
  let triedSelected = false;
  for (let counter = 255; counter > 0 && (!newSelected || !triedSelected); counter--) {
    const selected = addrPort(man.select({ networks: [Net.I2P] }));
    assert.ok(selected === `${I2P_1}:0` || selected === `${I2P_2}:0`);
    if (selected === `${I2P_1}:0`) triedSelected = true;
    else newSelected = true;
  }
  assert.ok(newSelected && triedSelected);
});

test('addrman_select_special: the table choice uses per-network counts (only IPv4 entry is in new)', () => {
  // A non-deterministic addrman, as Core's test, so passing does not depend on one seed.
  for (let seed = 0; seed < 20; seed++) {
    const man = new AddrMan({ clock: new VirtualClock(), random: ChaChaRandom.fromSeed(seed), consistencyCheckRatio: 100 });
    const source = ip('252.2.2.2');
    const i2p = svc(I2P_1);
    assert.equal(man.add([rec(i2p)], source), true);
    assert.equal(man.good(i2p), true);
    const addr1 = svc('250.1.1.3', 8333);
    assert.equal(man.add([rec(addr1)], source), true);
    assert.equal(addrPort(man.select({ newOnly: false, networks: [Net.IPV4] })), '250.1.1.3:8333');
  }
});

test('addrman_new_collisions: 250.1.1.1–22 do not collide; .23 and .24 each replace a terrible entry', () => {
  const { man } = coreAddrman();
  const source = ip('252.2.2.2');
  let n = 0;
  assert.equal(man.size(), 0);
  while (n < 22) {
    n++;
    assert.equal(man.add([rec(svc(`250.1.1.${n}`))], source), true);
    assert.equal(man.size(), n);
  }
  n++;
  assert.equal(man.add([rec(svc(`250.1.1.${n}`))], source), true);
  assert.equal(man.size(), n - 1);
  n++;
  assert.equal(man.add([rec(svc(`250.1.1.${n}`))], source), true);
  assert.equal(man.size(), n - 1);
});

test('addrman_new_multiplicity: one address reaches multiplicity 1 without newer times and 8 with them (deterministic RNG)', () => {
  const { man, clock } = coreAddrman();
  const start = clock.nowSeconds();
  const addr = svc('253.3.3.3', 8333);
  for (let i = 1; i < 20; i++) {
    man.add([rec(addr, NODE_NONE, start)], ip(`${i % 256}.${i >> 8}.1.1`));
  }
  assert.equal(man.findEntry(addr)!.multiplicity, 1);
  assert.equal(man.size(), 1);
  for (let i = 1; i < 400; i++) {
    man.add([rec(addr, NODE_NONE, start + i)], ip(`${i % 256}.${i >> 8}.1.1`));
  }
  assert.equal(man.findEntry(addr)!.multiplicity, 8);
  assert.equal(man.size(), 1);
});

test('addrman_tried_collisions: 250.1.1.1–35 enter tried; .36 collides; .37 enters', () => {
  const { man } = coreAddrman();
  const source = ip('252.2.2.2');
  let n = 0;
  while (n < 35) {
    n++;
    const addr = svc(`250.1.1.${n}`);
    assert.equal(man.add([rec(addr)], source), true);
    assert.equal(man.good(addr), true, `250.1.1.${n}`);
  }
  const addr36 = svc('250.1.1.36');
  assert.equal(man.add([rec(addr36)], source), true);
  assert.equal(man.good(addr36), false);
  const addr37 = svc('250.1.1.37');
  assert.equal(man.add([rec(addr37)], source), true);
  assert.equal(man.good(addr37), true);
});

test('addrman_getaddr: 23 % of the table, capped, with new and tried addresses (461 of 2006)', () => {
  const { man, clock } = coreAddrman();
  assert.equal(man.getAddr({ maxAddresses: 0, maxPct: 0 }).length, 0);
  const now = clock.nowSeconds();
  const a1 = rec(svc('250.250.2.1', 8333), NODE_NONE, now);
  const a2 = rec(svc('250.251.2.2', 9999), NODE_NONE, now);
  const a3 = rec(svc('251.252.2.3', 8333), NODE_NONE, now);
  const a4 = rec(svc('252.253.3.4', 8333), NODE_NONE, now);
  const a5 = rec(svc('252.254.4.5', 8333), NODE_NONE, now);
  assert.equal(man.add([a1, a3, a5], ip('250.1.2.1')), true);
  assert.equal(man.add([a2, a4], ip('250.2.3.3')), true);
  assert.equal(man.getAddr({ maxAddresses: 0, maxPct: 0 }).length, 5);
  assert.equal(man.getAddr({ maxAddresses: 2500, maxPct: 23 }).length, 1);
  assert.equal(man.good(a1.service), true);
  assert.equal(man.good(a2.service), true);
  assert.equal(man.getAddr({ maxAddresses: 0, maxPct: 0 }).length, 5);
  assert.equal(man.getAddr({ maxAddresses: 2500, maxPct: 23 }).length, 1);
  for (let i = 1; i < 8 * 256; i++) {
    const s = `${i % 256}.${i >> 8}.1.23`;
    const r = rec(svc(s), NODE_NONE, now);
    man.add([r], ip(s));
    if (i % 8 === 0) man.good(r.service);
  }
  const got = man.getAddr({ maxAddresses: 2500, maxPct: 23 });
  assert.equal(got.length, Math.floor((man.size() * 23) / 100));
  assert.equal(got.length, 461);
  assert.equal(man.size(), 2006);
});

test('getaddr_unfiltered: filtered GetAddr skips terrible entries, unfiltered returns them', () => {
  const { man, clock } = coreAddrman();
  const now = clock.nowSeconds();
  const a1 = rec(svc('250.250.2.1', 8333), NODE_NONE, now);
  const a2 = rec(svc('250.251.2.2', 9999)); // default time: terrible
  const source = ip('250.1.2.1');
  assert.equal(man.add([a1, a2], source), true);
  const a3 = rec(svc('250.251.2.3', 9998), NODE_NONE, now);
  man.good(a3.service, now);
  assert.equal(man.add([a3], source), true);
  for (let i = 0; i < 3; i++) man.attempt(a3.service, true, now - 61);
  assert.equal(man.getAddr({ maxAddresses: 0, maxPct: 0 }).length, 1);
  assert.equal(man.getAddr({ maxAddresses: 0, maxPct: 0, filtered: false }).length, 3);
});

test('addrman_selecttriedcollision: no collision is reported for fresh or duplicate Good calls', () => {
  const { man } = coreAddrman();
  assert.equal(man.size(), 0);
  assert.equal(addrPort(man.selectTriedCollision()), '[::]:0');
  const source = ip('252.2.2.2');
  for (let i = 1; i < 23; i++) {
    const addr = svc(`250.1.1.${i}`);
    assert.equal(man.add([rec(addr)], source), true);
    assert.equal(man.good(addr), true);
    assert.equal(addrPort(man.selectTriedCollision()), '[::]:0');
  }
  for (let i = 1; i < 23; i++) {
    assert.equal(man.good(svc(`250.1.1.${i}`)), false);
    assert.equal(addrPort(man.selectTriedCollision()), '[::]:0');
  }
});

test('addrman_noevict: a recently good tried entry is not evicted by a colliding newcomer', () => {
  const { man } = coreAddrman();
  const source = ip('252.2.2.2');
  for (let i = 1; i < 36; i++) {
    const addr = svc(`250.1.1.${i}`);
    assert.equal(man.add([rec(addr)], source), true);
    assert.equal(man.good(addr), true);
  }
  const addr36 = svc('250.1.1.36');
  assert.equal(man.add([rec(addr36)], source), true);
  assert.equal(man.good(addr36), false);
  assert.equal(addrPort(man.selectTriedCollision()), '250.1.1.19:0');
  man.resolveCollisions();
  assert.equal(addrPort(man.selectTriedCollision()), '[::]:0');
  for (let i = 37; i < 59; i++) {
    const addr = svc(`250.1.1.${i}`);
    assert.equal(man.add([rec(addr)], source), true);
    assert.equal(man.good(addr), true);
  }
  const addr59 = svc('250.1.1.59');
  assert.equal(man.add([rec(addr59)], source), true);
  assert.equal(man.good(addr59), false);
  assert.equal(addrPort(man.selectTriedCollision()), '250.1.1.10:0');
  assert.equal(man.add([rec(addr36)], source), false);
  assert.equal(man.good(addr36), false);
  assert.notEqual(addrPort(man.selectTriedCollision()), '[::]:0');
  man.resolveCollisions();
  assert.equal(addrPort(man.selectTriedCollision()), '[::]:0');
});

test('addrman_evictionworks: a tried entry that failed its test is evicted, and the test window expires', () => {
  const { man, clock } = coreAddrman();
  assert.equal(man.size(), 0);
  assert.equal(addrPort(man.selectTriedCollision()), '[::]:0');
  const source = ip('252.2.2.2');
  for (let i = 1; i < 36; i++) {
    const addr = svc(`250.1.1.${i}`);
    assert.equal(man.add([rec(addr)], source), true);
    assert.equal(man.good(addr), true);
  }
  const addr = svc('250.1.1.36');
  assert.equal(man.add([rec(addr)], source), true);
  assert.equal(man.good(addr), false);
  const info = man.selectTriedCollision();
  assert.equal(addrPort(info), '250.1.1.19:0');
  // Make the test of the tried entry fail: last success in the deep past, an attempt 61 s ago.
  assert.equal(man.good(info!.record.service, 1), false);
  man.attempt(info!.record.service, false, clock.nowSeconds() - 61);
  man.resolveCollisions();
  assert.equal(addrPort(man.selectTriedCollision()), '[::]:0');
  assert.equal(man.findEntry(addr)!.inTried, true);
  assert.equal(man.good(addr), false);
  assert.equal(addrPort(man.selectTriedCollision()), '[::]:0');
  const addr19 = svc('250.1.1.19');
  assert.equal(man.good(addr19), false);
  assert.equal(addrPort(man.selectTriedCollision()), '250.1.1.36:0');
  clock.advance(4 * 3600 * 1000);
  man.resolveCollisions();
  assert.equal(addrPort(man.selectTriedCollision()), '[::]:0');
  assert.equal(man.findEntry(addr19)!.inTried, true);
  assert.equal(man.findEntry(addr)!.inTried, false);
});

test('addrman_update_address: Connected/SetServices need the right port; Add ORs services; SetServices overwrites', () => {
  const { man, clock } = coreAddrman();
  const source = ip('252.2.2.2');
  const addr = svc('250.1.1.1', 8333);
  const start = clock.nowSeconds() - 10000;
  assert.equal(man.add([rec(addr, NODE_NONE, start)], source), true);
  assert.equal(man.size(), 1);
  const diffPort = svc('250.1.1.1', 8334);
  man.connected(diffPort);
  man.setServices(diffPort, NODE_NETWORK_LIMITED);
  let v = man.getAddr({ maxAddresses: 0, maxPct: 0 });
  assert.equal(v.length, 1);
  assert.equal(v[0].time, start);
  assert.equal(v[0].services, NODE_NONE);
  man.connected(addr);
  man.setServices(addr, NODE_NETWORK_LIMITED);
  v = man.getAddr({ maxAddresses: 0, maxPct: 0 });
  assert.equal(v.length, 1);
  assert.ok(v[0].time >= start + 10000);
  assert.equal(v[0].services, NODE_NETWORK_LIMITED);
  const addrV2 = rec(svc('250.1.1.1', 8333), NODE_P2P_V2, start);
  assert.equal(man.add([addrV2], source), false);
  v = man.getAddr({ maxAddresses: 0, maxPct: 0 });
  assert.equal(v[0].services, NODE_P2P_V2 | NODE_NETWORK_LIMITED);
  man.setServices(addr, NODE_NETWORK);
  v = man.getAddr({ maxAddresses: 0, maxPct: 0 });
  assert.equal(v[0].services, NODE_NETWORK);
  assert.equal(man.good(addr), true);
  v = man.getAddr({ maxAddresses: 0, maxPct: 0 });
  assert.equal(v[0].services, NODE_NETWORK);
  assert.equal(man.add([addrV2], source), false);
  v = man.getAddr({ maxAddresses: 0, maxPct: 0 });
  assert.equal(v.length, 1);
  assert.equal(v[0].services, NODE_NETWORK | NODE_P2P_V2);
});

test('addrman_size: Size(net, in_new) for IPv4 new/tried and I2P new', () => {
  const { man } = coreAddrman();
  const source = ip('252.2.2.2');
  assert.equal(man.size(), 0);
  assert.equal(man.size({ network: Net.IPV4 }), 0);
  assert.equal(man.size({ inNew: true }), 0);
  assert.equal(man.size({ network: Net.IPV4, inNew: false }), 0);
  const addr1 = svc('250.1.1.1', 8333);
  assert.equal(man.add([rec(addr1)], source), true);
  assert.equal(man.good(addr1), true);
  assert.equal(man.add([rec(svc('250.1.1.2', 8333))], source), true);
  assert.equal(man.size(), 2);
  assert.equal(man.size({ network: Net.IPV4 }), 2);
  assert.equal(man.size({ inNew: true }), 1);
  assert.equal(man.size({ inNew: false }), 1);
  assert.equal(man.size({ network: Net.IPV4, inNew: true }), 1);
  assert.equal(man.size({ network: Net.IPV4, inNew: false }), 1);
  const i2p = svc('UDHDrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jna.b32.I2P');
  assert.equal(man.add([rec(i2p)], source), true);
  assert.equal(man.size(), 3);
  assert.equal(man.size({ network: Net.IPV4 }), 2);
  assert.equal(man.size({ network: Net.I2P }), 1);
  assert.equal(man.size({ network: Net.I2P, inNew: true }), 1);
  assert.equal(man.size({ inNew: true }), 2);
  assert.equal(man.size({ inNew: false }), 1);
});

test('an unroutable address is never added, and NetAddress.invalid() is not a source problem', () => {
  const { man } = coreAddrman();
  assert.equal(man.add([rec(svc('10.0.0.1', 8333)), rec(svc('127.0.0.1', 8333))], NetAddress.invalid()), false);
  assert.equal(man.size(), 0);
});
