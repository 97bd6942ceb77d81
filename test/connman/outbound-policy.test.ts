/** The pure outbound rules on plain data (anchors, candidate verdicts, desirable services) and the maintenance schedule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { Net } from '../../src/address/network.js';
import type { AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import {
  BAD_PORT_TRIES, chooseAnchor, hasDesirableServices, judgeCandidate, RECENTLY_TRIED_TRIES, type CandidateRules,
} from '../../src/connman/policy/outbound.js';
import { SCHEDULED_JOBS, Schedule } from '../../src/connman/schedule.js';
import { bytesToHex } from '../../src/util/hex.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { NODE_NETWORK, NODE_NETWORK_LIMITED, NODE_WITNESS } from '../../src/wire/services.js';

const groups = new NetGroupManager();
const rec = (text: string, services = 9n, time = 0): AddressRecord => ({ service: NetService.parse(text), services, time });
const rules = (over: Partial<CandidateRules> = {}): CandidateRules => ({
  outboundGroups: new Set(), groupKey: (a) => bytesToHex(groups.getGroup(a)), reachable: new Set([Net.IPV4, Net.IPV6]),
  isOwnAddress: () => false, isConnected: () => false, isAddedNode: () => false,
  hasDesirableServices: (s) => (s & 9n) === 9n, mayHaveUsefulAddressDB: (s) => (s & 1n) !== 0n, defaultPort: 8333, ...over,
});
const NOW_MS = 1_700_000_000_000;
const LONG_AGO_S = 0;

test('an anchor is taken from the end of the list; unusable ones on the way are consumed too', () => {
  const anchors = [rec('80.1.1.1:8333'), rec('81.1.1.1:8333'), rec('82.1.1.1:8333', 1n)];
  assert.deepEqual(chooseAnchor(anchors, rules()), { record: anchors[1], consumed: 2 });
  assert.equal(anchors.length, 3, 'the list is not modified');
});

test('with no usable anchor every anchor is consumed', () => {
  const used = new Set([bytesToHex(groups.getGroup(NetAddress.parse('80.1.9.9')))]);
  const anchors = [rec('80.1.1.1:8333'), rec('[2a01:4f8::1]:8333')];
  assert.deepEqual(chooseAnchor(anchors, rules({ outboundGroups: used, reachable: new Set([Net.IPV4]) })), { record: undefined, consumed: 2 });
  assert.deepEqual(chooseAnchor([], rules()), { record: undefined, consumed: 0 });
});

test('a candidate in a used netgroup is skipped, except for feelers', () => {
  const used = new Set([bytesToHex(groups.getGroup(NetAddress.parse('20.1.9.9')))]);
  const c = { record: rec('20.1.1.1:8333'), lastTryS: LONG_AGO_S };
  assert.equal(judgeCandidate(c, 1, NOW_MS, false, rules({ outboundGroups: used })), 'netgroup');
  assert.equal(judgeCandidate(c, 1, NOW_MS, true, rules({ outboundGroups: used })), 'accept');
});

test('our own address ends the search instead of being skipped (Core breaks out of the loop)', () => {
  assert.equal(judgeCandidate({ record: rec('20.1.1.1:8333'), lastTryS: LONG_AGO_S }, 1, NOW_MS, false, rules({ isOwnAddress: () => true })), 'stop');
});

test('a recently tried address is skipped until the 30th try', () => {
  const c = { record: rec('20.1.1.1:8333'), lastTryS: NOW_MS / 1000 - 60 };
  assert.equal(judgeCandidate(c, RECENTLY_TRIED_TRIES - 1, NOW_MS, false, rules()), 'recently-tried');
  assert.equal(judgeCandidate(c, RECENTLY_TRIED_TRIES, NOW_MS, false, rules()), 'accept');
});

test('a bad port is skipped until the 50th try; strict mode skips any non-default port', () => {
  const bad = { record: rec('20.1.1.1:22'), lastTryS: LONG_AGO_S };
  assert.equal(judgeCandidate(bad, BAD_PORT_TRIES - 1, NOW_MS, false, rules()), 'port');
  assert.equal(judgeCandidate(bad, BAD_PORT_TRIES, NOW_MS, false, rules()), 'accept');
  const odd = { record: rec('20.1.1.1:18333'), lastTryS: LONG_AGO_S };
  assert.equal(judgeCandidate(odd, 1, NOW_MS, false, rules()), 'accept');
  assert.equal(judgeCandidate(odd, 1, NOW_MS, false, rules({ strictPorts: true })), 'port');
});

test('verdicts follow Core order: unreachable, connected, services, added node', () => {
  const c = { record: rec('[2a01:4f8::1]:8333', 1n), lastTryS: LONG_AGO_S };
  assert.equal(judgeCandidate(c, 1, NOW_MS, false, rules({ reachable: new Set([Net.IPV4]), isConnected: () => true })), 'unreachable');
  assert.equal(judgeCandidate(c, 1, NOW_MS, false, rules({ isConnected: () => true })), 'connected');
  assert.equal(judgeCandidate(c, 1, NOW_MS, false, rules({ isAddedNode: () => true })), 'services');
  assert.equal(judgeCandidate(c, 1, NOW_MS, true, rules({ isAddedNode: () => true })), 'added-node', 'feelers only need a useful address table');
});

test('desirable services follow Core unless the application names its own bits', () => {
  assert.equal(hasDesirableServices(NODE_NETWORK | NODE_WITNESS, undefined, 1_000_000), true);
  assert.equal(hasDesirableServices(NODE_NETWORK_LIMITED | NODE_WITNESS, undefined, 1_000_000), false, 'far from the tip a pruned peer is not enough');
  assert.equal(hasDesirableServices(NODE_NETWORK_LIMITED | NODE_WITNESS, undefined, 10), true);
  assert.equal(hasDesirableServices(64n, 64n, 1_000_000), true);
  assert.equal(hasDesirableServices(NODE_NETWORK | NODE_WITNESS, 64n, 1_000_000), false);
});

test('every scheduled job is due at once until its owner sets it', () => {
  const s = new Schedule();
  for (const job of SCHEDULED_JOBS) assert.equal(s.isDue(job, 0), true, job);
  assert.equal(SCHEDULED_JOBS.length, 9);
  s.set('dump', 1000);
  assert.equal(s.isDue('dump', 999), false);
  assert.equal(s.isDue('dump', 1000), true);
  assert.equal(s.snapshot().dump, 1000);
});

test('exponential jobs are drawn with the given mean (Core Poisson timers)', () => {
  const s = new Schedule();
  const random = ChaChaRandom.fromSeed('schedule');
  let sum = 0;
  for (let i = 0; i < 2000; i++) {
    s.setExponential('feeler', 0, 120_000, random);
    sum += s.at('feeler');
  }
  const mean = sum / 2000;
  assert.ok(mean > 110_000 && mean < 130_000, `mean ${mean}`);
});
