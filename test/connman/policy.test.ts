import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { Net, type NetId } from '../../src/address/network.js';
import type { AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan } from '../../src/addrman/addrman.js';
import { BAD_PORTS, isBadPort } from '../../src/connman/policy/bad-ports.js';
import { chooseOutboundAddress, type AddressChoiceInput } from '../../src/connman/outbound-choice.js';
import {
  blockRelayPeerToEvict, fullRelayPeerToEvict, nextConnectionType, peerToReplaceForServices,
  pickPreferredNetwork, shouldCountFailures, slotBudget, type ConnectionTypeInput,
} from '../../src/connman/policy/outbound.js';
import { VirtualClock } from '../../src/util/clock.js';
import { bytesToHex } from '../../src/util/hex.js';
import { ChaChaRandom } from '../../src/util/random.js';

test('slot budget follows Core CConnman::Init: 125 → 8 full-relay, 2 block-relay, 1 feeler, 114 inbound', () => {
  assert.deepEqual(slotBudget(125), {
    maxConnections: 125, maxOutboundFullRelay: 8, maxBlockRelay: 2, maxFeeler: 1, maxAutomaticOutbound: 11, maxInbound: 114, maxAddnode: 8,
  });
  const small = slotBudget(9);
  assert.equal(small.maxOutboundFullRelay, 8);
  assert.equal(small.maxBlockRelay, 1);
  assert.equal(small.maxInbound, 0);
  assert.equal(slotBudget(0).maxOutboundFullRelay, 0);
});

const base = (over: Partial<ConnectionTypeInput> = {}): ConnectionTypeInput => ({
  nowMs: 1000, budget: slotBudget(125), anchorsLeft: 0, fullRelay: 8, blockRelay: 2, tryNewOutboundPeer: false,
  startExtraBlockRelayPeers: false, nextExtraBlockRelayAtMs: 5000, nextFeelerAtMs: 5000, nextExtraNetworkPeerAtMs: 5000, ...over,
});

test('the connection-type ladder picks anchors, full-relay, block-relay, stale-tip, extra block-relay, feeler, extra network in order', () => {
  assert.deepEqual(nextConnectionType(base({ anchorsLeft: 2, fullRelay: 0, blockRelay: 0 })), { type: 'block-relay-only', anchor: true });
  assert.deepEqual(nextConnectionType(base({ fullRelay: 3, blockRelay: 0 })), { type: 'outbound-full-relay', extra: false });
  assert.deepEqual(nextConnectionType(base({ fullRelay: 3, serviceDeficit: 64n })), { type: 'outbound-full-relay', extra: false, requiredServices: 64n });
  assert.deepEqual(nextConnectionType(base({ blockRelay: 1 })), { type: 'block-relay-only', anchor: false });
  assert.deepEqual(nextConnectionType(base({ tryNewOutboundPeer: true })), { type: 'outbound-full-relay', extra: true });
  assert.equal(nextConnectionType(base({ nextExtraBlockRelayAtMs: 10 })), undefined, 'extra block-relay waits for initial sync');
  assert.deepEqual(nextConnectionType(base({ nextExtraBlockRelayAtMs: 10, startExtraBlockRelayPeers: true })),
    { type: 'block-relay-only', anchor: false, reschedule: 'extra-block-relay' });
  assert.deepEqual(nextConnectionType(base({ nextFeelerAtMs: 999 })), { type: 'feeler', reschedule: 'feeler' });
  assert.equal(nextConnectionType(base({ nextExtraNetworkPeerAtMs: 10 })), undefined, 'no network to prefer');
  assert.deepEqual(nextConnectionType(base({ nextExtraNetworkPeerAtMs: 10, preferredNetwork: Net.ONION })),
    { type: 'outbound-full-relay', extra: true, preferredNetwork: Net.ONION, reschedule: 'extra-network' });
  assert.equal(nextConnectionType(base()), undefined);
});

test('the preferred network has no peers but has addresses, and is reachable', () => {
  const rng = ChaChaRandom.fromSeed(5);
  const reachable = new Set<NetId>([Net.IPV4, Net.IPV6, Net.ONION]);
  const peers = (n: NetId): number => (n === Net.IPV4 ? 8 : 0);
  const addrs = (n: NetId): number => (n === Net.ONION || n === Net.I2P || n === Net.IPV4 ? 10 : 0);
  for (let i = 0; i < 20; i++) assert.equal(pickPreferredNetwork(reachable, peers, addrs, rng), Net.ONION);
  assert.equal(pickPreferredNetwork(new Set([Net.IPV4]), peers, addrs, rng), undefined);
});

const groups = new NetGroupManager();
function world(addresses: Array<{ text: string; services?: bigint }>, seed = 1): { addrman: AddrMan; clock: VirtualClock } {
  const clock = new VirtualClock();
  const addrman = new AddrMan({ clock, random: ChaChaRandom.fromSeed(seed) });
  for (const a of addresses) {
    const rec: AddressRecord = { service: NetService.parse(a.text), services: a.services ?? 9n, time: clock.nowSeconds() - 100 };
    addrman.add([rec], NetAddress.parse('5.5.5.5'));
  }
  return { addrman, clock };
}

function choiceInput(addrman: AddrMan, clock: VirtualClock, over: Partial<AddressChoiceInput> = {}): AddressChoiceInput {
  return {
    addrman, decision: { type: 'outbound-full-relay', extra: false }, nowMs: clock.now(), anchors: [], outboundGroups: new Set(),
    groupKey: (a) => bytesToHex(groups.getGroup(a)), reachable: new Set([Net.IPV4, Net.IPV6, Net.ONION]),
    isOwnAddress: () => false, isConnected: () => false, isAddedNode: () => false,
    hasDesirableServices: (s) => (s & 9n) === 9n, mayHaveUsefulAddressDB: (s) => (s & 1n) !== 0n, defaultPort: 8333, ...over,
  };
}

test('automatic outbound never picks a second peer from a netgroup already in use', () => {
  const { addrman, clock } = world([{ text: '20.1.1.1:8333' }, { text: '20.1.2.2:8333' }, { text: '30.1.1.1:8333' }]);
  const used = new Set([bytesToHex(groups.getGroup(NetAddress.parse('20.1.9.9')))]);
  for (let i = 0; i < 20; i++) {
    const c = chooseOutboundAddress(choiceInput(addrman, clock, { outboundGroups: used }));
    assert.equal(c.record?.service.toString(), '30.1.1.1:8333');
  }
});

test('feelers ignore the netgroup rule and take new-table addresses', () => {
  const { addrman, clock } = world([{ text: '20.1.1.1:8333' }]);
  const used = new Set([bytesToHex(groups.getGroup(NetAddress.parse('20.1.9.9')))]);
  const c = chooseOutboundAddress(choiceInput(addrman, clock, { outboundGroups: used, decision: { type: 'feeler', reschedule: 'feeler' } }));
  assert.equal(c.record?.service.toString(), '20.1.1.1:8333');
  addrman.good(NetService.parse('20.1.1.1:8333'));
  const none = chooseOutboundAddress(choiceInput(addrman, clock, { decision: { type: 'feeler', reschedule: 'feeler' } }));
  assert.equal(none.record, undefined, 'the only address is in tried; feelers want new-table ones');
});

test('bad ports are skipped (Core ≥ 23); strict mode skips every non-default port (btcd, Core ≤ 22)', () => {
  const { addrman, clock } = world([{ text: '40.1.1.1:22' }, { text: '50.1.1.1:18333' }]);
  for (let i = 0; i < 10; i++) {
    assert.equal(chooseOutboundAddress(choiceInput(addrman, clock)).record?.service.port, 18333);
  }
  const strict = chooseOutboundAddress(choiceInput(addrman, clock, { strictPorts: true, defaultPort: 8333 }));
  // Every candidate is on a non-default port: after 50 tries one is accepted anyway.
  assert.ok(strict.record && strict.tries >= 50, `tries ${strict.tries}`);
  assert.ok(isBadPort(22) && isBadPort(6000) && isBadPort(1) && !isBadPort(8333) && !isBadPort(80) && !isBadPort(443));
  assert.equal(BAD_PORTS.size, 85);
});

test('addresses lacking desirable services, unreachable ones and recently tried ones are skipped', () => {
  const { addrman, clock } = world([{ text: '60.1.1.1:8333', services: 1n }, { text: '[2001:4860::1]:8333' }]);
  let c = chooseOutboundAddress(choiceInput(addrman, clock, { reachable: new Set([Net.IPV4]) }));
  assert.equal(c.record, undefined, 'IPv6 is not reachable and the IPv4 address lacks NODE_WITNESS');
  assert.ok((c.skipped.services ?? 0) > 0);
  const fresh = world([{ text: '[2001:4860::1]:8333' }]);
  fresh.addrman.attempt(NetService.parse('[2001:4860::1]:8333'), false);
  c = chooseOutboundAddress(choiceInput(fresh.addrman, fresh.clock));
  assert.equal(c.record?.service.toString(), '[2001:4860::1]:8333');
  assert.equal(c.tries, 30, 'a recently tried address is only accepted from the 30th try');
  assert.equal(c.skipped['recently-tried'], 29);
});

test('the selection loop is bounded on a table with nothing acceptable', () => {
  const { addrman, clock } = world([{ text: '70.1.1.1:8333', services: 0n }]);
  const c = chooseOutboundAddress(choiceInput(addrman, clock));
  assert.equal(c.record, undefined);
  assert.equal(c.tries, 100);
});

test('anchors are tried first, from the back, skipping unusable ones', () => {
  const { addrman, clock } = world([]);
  const anchors: AddressRecord[] = [
    { service: NetService.parse('80.1.1.1:8333'), services: 9n, time: 0 },
    { service: NetService.parse('90.1.1.1:8333'), services: 1n, time: 0 },
  ];
  const c = chooseOutboundAddress(choiceInput(addrman, clock, { anchors, decision: { type: 'block-relay-only', anchor: true } }));
  assert.equal(c.anchor, true);
  assert.equal(c.record?.service.toString(), '80.1.1.1:8333');
  assert.equal(c.anchorsConsumed, 2, 'the unusable anchor at the back and the chosen one are both consumed');
  assert.equal(anchors.length, 2, 'the decision leaves the list alone: the outbound component drops consumed anchors');
});

test('failures count only with outbound peers in two distinct groups', () => {
  const b = slotBudget(125);
  assert.equal(shouldCountFailures(0, 0, b), false);
  assert.equal(shouldCountFailures(1, 0, b), false);
  assert.equal(shouldCountFailures(1, 1, b), true);
  assert.equal(shouldCountFailures(2, 0, b), true);
});

const peer = (id: number, over: Partial<Parameters<typeof fullRelayPeerToEvict>[0][number]> = {}) => ({
  id, connectedAtMs: 0, lastBlockS: 0, protected: false, onlyOnItsNetwork: false, blocksInFlight: 0, ...over,
});

test('surplus block-relay peers: the youngest goes unless it sent a block more recently than the second youngest', () => {
  const now = 100_000;
  assert.equal(blockRelayPeerToEvict([peer(1), peer(2)], 2, now), undefined);
  assert.equal(blockRelayPeerToEvict([peer(1), peer(2), peer(3)], 2, now), 3);
  assert.equal(blockRelayPeerToEvict([peer(1), peer(2), peer(3, { lastBlockS: 50 })], 2, now), 2);
  assert.equal(blockRelayPeerToEvict([peer(1), peer(2), peer(3, { connectedAtMs: now - 1000 })], 2, now), undefined, 'kept 30 s');
});

test('surplus full-relay peers: the stalest unprotected one goes, never the only peer on its network', () => {
  const now = 100_000;
  const peers = Array.from({ length: 9 }, (_, i) => peer(i + 1, { lastBlockS: 1000 + i }));
  assert.equal(fullRelayPeerToEvict(peers, 8, now), 1);
  peers[0].protected = true;
  assert.equal(fullRelayPeerToEvict(peers, 8, now), 2);
  peers[1].onlyOnItsNetwork = true;
  assert.equal(fullRelayPeerToEvict(peers, 8, now), 3);
  assert.equal(fullRelayPeerToEvict(peers.slice(0, 8), 8, now), undefined);
});

test('service-aware replacement picks an unprotected peer lacking the service', () => {
  const rng = ChaChaRandom.fromSeed(9);
  const peers = [{ id: 1, services: 64n | 9n, protected: false }, { id: 2, services: 9n, protected: true }, { id: 3, services: 9n, protected: false }];
  for (let i = 0; i < 10; i++) assert.equal(peerToReplaceForServices(peers, 64n, rng), 3);
  assert.equal(peerToReplaceForServices(peers.slice(0, 2), 64n, rng), undefined);
});
