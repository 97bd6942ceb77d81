import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Net, type NetId } from '../../src/address/network.js';
import fc from 'fast-check';
import { EVICTION_ORDERINGS, protectByRatio, selectNodeToEvict, type EvictionCandidate } from '../../src/connman/policy/eviction.js';
import { ChaChaRandom, type Random } from '../../src/util/random.js';

const ALL_NETWORKS: NetId[] = [Net.UNROUTABLE, Net.IPV4, Net.IPV6, Net.ONION, Net.I2P, Net.CJDNS, Net.INTERNAL];

/** Core test/util/net.cpp GetRandomNodeEvictionCandidates. */
function randomCandidates(n: number, rng: Random): EvictionCandidate[] {
  return Array.from({ length: n }, (_, id) => ({
    id,
    connectedS: rng.randrange(100),
    minPingUs: rng.randrange(100),
    lastBlockS: rng.randrange(100),
    lastTxS: rng.randrange(100),
    relevantServices: rng.randbool(),
    relayTxs: rng.randbool(),
    bloomFilter: rng.randbool(),
    keyedNetGroup: BigInt(rng.randrange(100)),
    preferEvict: rng.randbool(),
    isLocal: rng.randbool(),
    network: ALL_NETWORKS[rng.randrange(7)],
    noBan: false,
    connType: 'inbound',
  }));
}

const rng = ChaChaRandom.deterministic();

/** Core IsProtected(): runs ratio protection and checks who was protected and who was not. */
function isProtected(n: number, setup: (c: EvictionCandidate) => void, protectedIds: number[], unprotectedIds: number[]): boolean {
  const candidates = randomCandidates(n, rng);
  candidates.forEach(setup);
  rng.shuffle(candidates);
  const remaining = [...candidates];
  protectByRatio(remaining);
  if (remaining.length !== n - Math.floor(n / 2)) return false;
  const left = new Set(remaining.map((c) => c.id));
  return protectedIds.every((id) => !left.has(id)) && unprotectedIds.every((id) => left.has(id));
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('ratio protection: uptime decides when all peers share a network (Core peer_protection_test)', () => {
  assert.ok(isProtected(12, (c) => { c.connectedS = c.id; c.isLocal = false; c.network = Net.IPV4; }, range(0, 5), range(6, 11)));
  assert.ok(isProtected(12, (c) => { c.connectedS = 12 - c.id; c.isLocal = false; c.network = Net.IPV6; }, range(6, 11), range(0, 5)));
});

test('ratio protection: a quarter is reserved for onion, localhost and I2P peers (Core scenarios 3-8)', () => {
  assert.ok(isProtected(12, (c) => { c.isLocal = false; c.network = [3, 8, 9].includes(c.id) ? Net.ONION : Net.IPV4; }, [3, 8, 9], []));
  assert.ok(isProtected(12, (c) => { c.connectedS = c.id; c.isLocal = false; c.network = c.id === 3 || c.id > 7 ? Net.ONION : Net.IPV6; }, [0, 1, 2, 3, 8, 9], [4, 5, 6, 7, 10, 11]));
  assert.ok(isProtected(12, (c) => { c.isLocal = [1, 9, 11].includes(c.id); c.network = Net.IPV4; }, [1, 9, 11], []));
  assert.ok(isProtected(12, (c) => { c.connectedS = c.id; c.isLocal = c.id > 6; c.network = Net.IPV6; }, [0, 1, 2, 7, 8, 9], [3, 4, 5, 6, 10, 11]));
  assert.ok(isProtected(12, (c) => { c.isLocal = false; c.network = [2, 7, 10].includes(c.id) ? Net.I2P : Net.IPV4; }, [2, 7, 10], []));
  assert.ok(isProtected(12, (c) => { c.connectedS = c.id; c.isLocal = false; c.network = c.id === 4 || c.id > 8 ? Net.I2P : Net.IPV6; }, [0, 1, 2, 4, 9, 10], [3, 5, 6, 7, 8, 11]));
});

/** Scenario with conn=id and explicit local/onion/i2p sets over a base network. */
function mixed(n: number, local: (id: number) => boolean, onion: (id: number) => boolean, i2p: (id: number) => boolean, base: NetId, p: number[], u: number[]): boolean {
  return isProtected(n, (c) => {
    c.connectedS = c.id;
    c.isLocal = local(c.id);
    c.network = onion(c.id) ? Net.ONION : i2p(c.id) ? Net.I2P : base;
  }, p, u);
}
const inSet = (...ids: number[]) => (id: number): boolean => ids.includes(id);
const none = (): boolean => false;

test('ratio protection: localhost and onion together (Core scenarios 9-16)', () => {
  assert.ok(mixed(4, inSet(4), inSet(3), none, Net.IPV4, [0, 4], [1, 2]));
  assert.ok(mixed(7, inSet(6), inSet(5), none, Net.IPV4, [0, 1, 6], [2, 3, 4, 5]));
  assert.ok(mixed(8, inSet(6), inSet(5), none, Net.IPV4, [0, 1, 5, 6], [2, 3, 4, 7]));
  assert.ok(mixed(12, inSet(6, 9, 11), inSet(7, 8, 10), none, Net.IPV6, [0, 1, 2, 6, 7, 9], [3, 4, 5, 8, 10, 11]));
  assert.ok(mixed(12, inSet(5, 6, 7, 8), inSet(10), none, Net.IPV4, [0, 1, 2, 5, 6, 10], [3, 4, 7, 8, 9, 11]));
  assert.ok(mixed(16, inSet(6, 9, 11, 12), inSet(8, 10), none, Net.IPV6, [0, 1, 2, 3, 6, 8, 9, 10], [4, 5, 7, 11, 12, 13, 14, 15]));
  assert.ok(mixed(16, (id) => id > 10, inSet(10), none, Net.IPV4, [0, 1, 2, 3, 10, 11, 12, 13], [...range(4, 9), 14, 15]));
  assert.ok(mixed(16, inSet(15), inSet(7, 8, 9, 10), none, Net.IPV6, [0, 1, 2, 3, 7, 8, 9, 15], [5, 6, 10, 11, 12, 13, 14]));
});

test('ratio protection: onion, I2P and localhost competing for the quarter (Core scenarios 17-25)', () => {
  assert.ok(mixed(12, none, inSet(8, 10), inSet(6, 9, 11, 12), Net.IPV4, [0, 1, 2, 6, 8, 10], [3, 4, 5, 7, 9, 11]));
  assert.ok(mixed(4, inSet(3), inSet(2), inSet(4), Net.IPV6, [0, 4], [1, 2]));
  assert.ok(mixed(7, inSet(4), inSet(5), inSet(6), Net.IPV6, [0, 1, 6], [2, 3, 4, 5]));
  assert.ok(mixed(8, inSet(6), inSet(4), inSet(5), Net.IPV6, [0, 1, 5, 6], [2, 3, 4, 7]));
  assert.ok(mixed(16, (id) => id === 6 || id > 11, inSet(9, 10), inSet(7, 11), Net.IPV4, [0, 1, 2, 3, 6, 7, 9, 11], [4, 5, 8, 10, 12, 13, 14, 15]));
  assert.ok(mixed(24, inSet(12), inSet(23), (id) => id >= 15 && id <= 22, Net.IPV6, [...range(0, 5), 12, 15, 16, 17, 18, 23], [...range(6, 11), 13, 14, 19, 20, 21, 22]));
  assert.ok(mixed(24, inSet(15), (id) => id > 17, inSet(12, 14, 17), Net.IPV4, [...range(0, 5), 12, 14, 15, 17, 18, 19], [...range(6, 11), 13, 16, 20, 21, 22, 23]));
  assert.ok(mixed(24, inSet(13), inSet(12, 14, 15, 16), (id) => id > 16, Net.IPV6, [...range(0, 5), 12, 13, 14, 15, 17, 18], [...range(6, 11), 16, 19, 20, 21, 22, 23]));
  assert.ok(mixed(24, (id) => id > 15, inSet(7, 8, 9), inSet(11, 12, 13, 14), Net.IPV4, [...range(0, 5), 7, 8, 11, 12, 16, 17], [6, 9, 10, 13, 14, 15, ...range(18, 23)]));
});

test('the harness can fail: a wrong expectation is detected', () => {
  assert.equal(isProtected(12, (c) => { c.connectedS = c.id; c.isLocal = false; c.network = Net.IPV4; }, range(6, 11), range(0, 5)), false);
});

/** Core IsEvicted-style check: the selected peer (if any) is never one of `protectedIds`. */
function neverEvicts(n: number, setup: (c: EvictionCandidate) => void, protectedIds: number[]): boolean {
  const candidates = randomCandidates(n, rng);
  candidates.forEach(setup);
  rng.shuffle(candidates);
  const evicted = selectNodeToEvict(candidates);
  return evicted === undefined || !protectedIds.includes(evicted);
}

test('eviction never picks the protected peers for 0..199 candidates (Core peer_eviction_test)', () => {
  for (let n = 0; n < 200; n++) {
    assert.ok(neverEvicts(n, (c) => { c.keyedNetGroup = BigInt(n - c.id); }, [0, 1, 2, 3]), `netgroup n=${n}`);
    assert.ok(neverEvicts(n, (c) => { c.minPingUs = c.id; }, range(0, 7)), `ping n=${n}`);
    assert.ok(neverEvicts(n, (c) => { c.lastTxS = n - c.id; }, [0, 1, 2, 3]), `tx n=${n}`);
    assert.ok(neverEvicts(n, (c) => {
      c.lastBlockS = n - c.id;
      if (c.id <= 7) { c.relayTxs = false; c.relevantServices = true; }
    }, range(0, 7)), `block-relay-only n=${n}`);
    assert.ok(neverEvicts(n, (c) => { c.lastBlockS = n - c.id; }, [0, 1, 2, 3]), `block n=${n}`);
    assert.ok(neverEvicts(n, (c) => {
      c.lastBlockS = n - c.id;
      if (c.id <= 7) { c.relayTxs = false; c.relevantServices = true; }
    }, range(0, 7)), `block-relay-only again n=${n}`);
    assert.ok(neverEvicts(n, (c) => {
      c.keyedNetGroup = BigInt(n - c.id);
      c.minPingUs = c.id;
      c.lastTxS = n - c.id;
      c.lastBlockS = n - c.id;
    }, range(0, 19)), `all n=${n}`);
    const evicted = selectNodeToEvict(randomCandidates(n, rng));
    if (n >= 29) assert.notEqual(evicted, undefined, `must evict with ${n} candidates`);
    if (n <= 20) assert.equal(evicted, undefined, `must not evict with ${n} candidates`);
  }
});

test('among the unprotected, the youngest peer of the largest netgroup is evicted', () => {
  const base = (id: number, group: bigint, connectedS: number): EvictionCandidate => ({
    id, connectedS, minPingUs: 1000, lastBlockS: 0, lastTxS: 0, relevantServices: false, relayTxs: true,
    bloomFilter: false, keyedNetGroup: group, preferEvict: false, isLocal: false, network: Net.IPV4, noBan: false, connType: 'inbound',
  });
  // 40 peers in 40 distinct groups, plus 10 from one attacker group connected later.
  const peers = [...Array.from({ length: 40 }, (_, i) => base(i, BigInt(i + 1000), 100 + i)),
    ...Array.from({ length: 10 }, (_, i) => base(40 + i, 7n, 500 + i))];
  assert.equal(selectNodeToEvict(peers), 49);
});

test('noban and outbound peers are never evicted; prefer-evict peers go first', () => {
  const mk = (id: number, over: Partial<EvictionCandidate>): EvictionCandidate => ({
    id, connectedS: id, minPingUs: 1000, lastBlockS: 0, lastTxS: 0, relevantServices: false, relayTxs: true,
    bloomFilter: false, keyedNetGroup: BigInt(id % 3), preferEvict: false, isLocal: false, network: Net.IPV4, noBan: false, connType: 'inbound', ...over,
  });
  const all = Array.from({ length: 60 }, (_, i) => mk(i, { noBan: i < 30 ? true : false, connType: i >= 30 && i < 35 ? 'outbound-full-relay' : 'inbound' }));
  const evicted = selectNodeToEvict(all);
  assert.ok(evicted === undefined || evicted >= 35);
  // Distinct netgroups; the oldest peers are protected by ping and uptime, so a young prefer-evict peer is the victim.
  const crowd = Array.from({ length: 60 }, (_, i) => mk(i, { keyedNetGroup: BigInt(i), minPingUs: i, preferEvict: i === 50 }));
  assert.equal(selectNodeToEvict(crowd), 50);
  // Without the flag the youngest of the (equal-sized) groups goes.
  assert.equal(selectNodeToEvict(crowd.map((c) => ({ ...c, preferEvict: false }))), 55);
});

// Core's orderings as "less than" predicates (node/eviction.cpp), transcribed one for one; the sort
// comparators eviction.ts uses must agree with them on every pair: -1 when less(a, b), 1 when less(b, a).
type Less = (a: EvictionCandidate, b: EvictionCandidate) => boolean;
const CORE_PREDICATES: Array<[keyof typeof EVICTION_ORDERINGS | string, Less, (a: EvictionCandidate, b: EvictionCandidate) => number]> = [
  ['ReverseCompareNodeMinPingTime', (a, b) => a.minPingUs > b.minPingUs, EVICTION_ORDERINGS.reverseMinPingTime],
  ['ReverseCompareNodeTimeConnected', (a, b) => a.connectedS > b.connectedS, EVICTION_ORDERINGS.reverseTimeConnected],
  ['CompareNetGroupKeyed', (a, b) => a.keyedNetGroup < b.keyedNetGroup, EVICTION_ORDERINGS.netGroupKeyed],
  ['CompareNodeBlockTime', (a, b) => {
    if (a.lastBlockS !== b.lastBlockS) return a.lastBlockS < b.lastBlockS;
    if (a.relevantServices !== b.relevantServices) return b.relevantServices;
    return a.connectedS > b.connectedS;
  }, EVICTION_ORDERINGS.blockTime],
  ['CompareNodeTXTime', (a, b) => {
    if (a.lastTxS !== b.lastTxS) return a.lastTxS < b.lastTxS;
    if (a.relayTxs !== b.relayTxs) return b.relayTxs;
    if (a.bloomFilter !== b.bloomFilter) return a.bloomFilter;
    return a.connectedS > b.connectedS;
  }, EVICTION_ORDERINGS.txTime],
  ['CompareNodeBlockRelayOnlyTime', (a, b) => {
    if (a.relayTxs !== b.relayTxs) return a.relayTxs;
    if (a.lastBlockS !== b.lastBlockS) return a.lastBlockS < b.lastBlockS;
    if (a.relevantServices !== b.relevantServices) return b.relevantServices;
    return a.connectedS > b.connectedS;
  }, EVICTION_ORDERINGS.blockRelayOnlyTime],
  ...[[true, undefined], [false, Net.ONION], [false, Net.I2P], [false, Net.CJDNS]].map(([isLocal, network]): [string, Less, (a: EvictionCandidate, b: EvictionCandidate) => number] => [
    `CompareNodeNetworkTime(${String(isLocal)}, ${String(network)})`, (a, b) => {
      if (isLocal && a.isLocal !== b.isLocal) return b.isLocal;
      if ((a.network === network) !== (b.network === network)) return b.network === network;
      return a.connectedS > b.connectedS;
    }, EVICTION_ORDERINGS.networkTime(isLocal as boolean, network as NetId | undefined)]),
];

const smallCandidate = fc.record({
  id: fc.nat(1000), connectedS: fc.integer({ min: 0, max: 3 }), minPingUs: fc.constantFrom(0, 5, 9, Number.MAX_SAFE_INTEGER),
  lastBlockS: fc.integer({ min: 0, max: 2 }), lastTxS: fc.integer({ min: 0, max: 2 }), relevantServices: fc.boolean(), relayTxs: fc.boolean(),
  bloomFilter: fc.boolean(), keyedNetGroup: fc.bigInt({ min: 0n, max: 3n }).map((g) => g * 0x1_0000_0000_0000n), preferEvict: fc.boolean(),
  isLocal: fc.boolean(), network: fc.constantFrom(...ALL_NETWORKS), noBan: fc.constant(false), connType: fc.constant('inbound'),
});

test('each eviction sort order agrees with Core\'s less-than predicate on every pair (ties included)', () => {
  fc.assert(fc.property(smallCandidate, smallCandidate, (a, b) => {
    for (const [name, less, cmp] of CORE_PREDICATES) {
      const want = less(a, b) ? -1 : less(b, a) ? 1 : 0;
      assert.equal(Math.sign(cmp(a, b)), want, name);
    }
  }), { numRuns: 2000 });
});
