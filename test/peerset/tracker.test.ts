import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { PeerSetError } from '../../src/peerset/errors.js';
import { DEFAULT_BLOCK_DURATION_MS, PEER_CONNECTION_COOLDOWN_MS } from '../../src/peerset/constants.js';
import type { GateRejectReason } from '../../src/transport/secure/authenticated/errors.js';
import type { InboundRefusal } from '../../src/peerset/tracker.js';
import { SELF, ipOf, key, makeTracker, peers } from './helpers.js';

const ip = (s: string): NetAddress => NetAddress.parse(s);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PeerSetError, `expected PeerSetError, got ${String(err)}`);
    return err.code;
  }
  return 'none';
}

// A compile-time check: every refusal the tracker gives is a reason the transport gate accepts.
const refusalIsGateReason = (r: InboundRefusal): GateRejectReason => r;
void refusalIsGateReason;

test('the highest tracked id is the active set', () => {
  const { tracker } = makeTracker();
  tracker.track(3, peers(1));
  tracker.track(7, peers(2));
  assert.equal(tracker.activeId, 7);
  assert.deepEqual(tracker.ids, [3, 7]);
});

test('a repeated or lower id is a typed error and changes nothing', () => {
  const { tracker } = makeTracker();
  tracker.track(5, peers(1));
  assert.equal(code(() => tracker.track(5, peers(2))), 'ERR_PEERSET_ID_NOT_INCREASING');
  assert.equal(code(() => tracker.track(4, peers(2))), 'ERR_PEERSET_ID_NOT_INCREASING');
  assert.deepEqual(tracker.ids, [5]);
  assert.equal(tracker.roles(key(2)).primarySets, 0);
});

test('an id that is negative, fractional or unsafe is a typed error', () => {
  const { tracker } = makeTracker();
  for (const id of [-1, 1.5, Number.MAX_SAFE_INTEGER + 2, NaN]) assert.equal(code(() => tracker.track(id, peers(1))), 'ERR_PEERSET_INVALID_ID');
});

test('a set larger than maxPeersPerSet is a typed error; exactly the maximum is accepted', () => {
  const { tracker } = makeTracker({ maxPeersPerSet: 3 });
  assert.equal(code(() => tracker.track(1, { primary: peers(1, 2), secondary: peers(3, 4) })), 'ERR_PEERSET_TOO_LARGE');
  assert.equal(tracker.activeId, undefined);
  assert.equal(tracker.size, 0);
  tracker.track(1, { primary: peers(1, 2), secondary: peers(2, 3) }); // key 2 in both: 3 distinct keys
  assert.equal(tracker.size, 3);
});

test('our own key counts toward the set size but gets no record', () => {
  const { tracker } = makeTracker({ maxPeersPerSet: 2 });
  assert.equal(code(() => tracker.track(1, { ...peers(1, 2), [SELF]: '10.9.9.9:1' })), 'ERR_PEERSET_TOO_LARGE');
  tracker.track(1, { ...peers(1), [SELF]: '10.9.9.9:1' });
  assert.deepEqual(tracker.peerSet(1)!.primary.sort(), [key(1), SELF].sort());
  assert.equal(tracker.size, 1);
});

test('a key listed as both primary and secondary is stored as primary only', () => {
  const { tracker } = makeTracker();
  tracker.track(1, { primary: peers(1), secondary: peers(1, 2) });
  assert.deepEqual(tracker.peerSet(1), { primary: [key(1)], secondary: [key(2)] });
  assert.deepEqual(tracker.roles(key(1)), { primarySets: 1, secondarySets: 0 });
});

test('only the last four sets are kept by default', () => {
  const { tracker } = makeTracker();
  for (let id = 1; id <= 5; id++) tracker.track(id, peers(id));
  assert.deepEqual(tracker.ids, [2, 3, 4, 5]);
  assert.equal(tracker.peerSet(1), undefined);
  assert.deepEqual(tracker.peerSet(2)!.primary, [key(2)]);
});

test('a peer dropped from every kept set is reported and forgotten; an idle one needs no disconnect', () => {
  const { tracker } = makeTracker({ trackedPeerSets: 2 });
  tracker.track(1, peers(1, 2));
  tracker.track(2, peers(2));
  const result = tracker.track(3, peers(3));
  assert.deepEqual(result.evictedIds, [1]);
  assert.deepEqual(result.dropped, [key(1)]);
  assert.deepEqual(result.disconnect, []);
  assert.equal(tracker.roles(key(1)).primarySets, 0);
  assert.equal(tracker.addressOf(key(1)), undefined);
  assert.deepEqual(tracker.roles(key(2)), { primarySets: 1, secondarySets: 0 });
});

test('a connected peer dropped from every kept set is reported for disconnection and forgotten on disconnect', () => {
  const { tracker } = makeTracker({ trackedPeerSets: 1 });
  tracker.track(1, peers(1));
  const res = tracker.reserveDial(key(1))!;
  assert.ok(tracker.connected(res));
  const result = tracker.track(2, peers(2));
  assert.deepEqual(result.disconnect, [key(1)]);
  assert.equal(tracker.checkInbound(key(1), ip(ipOf(1))), 'unknown-key');
  tracker.disconnected(res);
  assert.equal(tracker.addressOf(key(1)), undefined);
  assert.equal(tracker.size, 1);
});

test('a peer moved to a new address by a new set is reported for disconnection', () => {
  const { tracker } = makeTracker();
  tracker.track(1, peers(1));
  const res = tracker.reserveDial(key(1))!;
  tracker.connected(res);
  const result = tracker.track(2, { [key(1)]: '10.7.7.7:9000' });
  assert.deepEqual(result.disconnect, [key(1)]);
  assert.equal(tracker.addressOf(key(1))!.dial.toString(), '10.7.7.7:9000');
});

test('secondary peers are never dialable', () => {
  const { tracker, clock } = makeTracker();
  tracker.track(1, { primary: peers(1), secondary: peers(2, 3) });
  assert.deepEqual(tracker.dialable().due, [key(1)]);
  assert.equal(tracker.reserveDial(key(2)), undefined);
  clock.advance(10 * PEER_CONNECTION_COOLDOWN_MS);
  assert.ok(!tracker.dialable().due.includes(key(2)));
});

test('primaries of older kept sets are still dialed, not only those of the active set', () => {
  const { tracker } = makeTracker();
  tracker.track(1, peers(1));
  tracker.track(2, { primary: peers(2), secondary: peers(1) });
  assert.deepEqual(tracker.dialable().due.sort(), [key(1), key(2)]);
});

test('our own key is never dialed, never admitted, and cannot be blocked', () => {
  const { tracker } = makeTracker();
  tracker.track(1, { ...peers(1), [SELF]: '10.9.9.9:1' });
  assert.ok(!tracker.dialable().due.includes(SELF));
  assert.equal(tracker.reserveDial(SELF), undefined);
  assert.equal(tracker.checkInbound(SELF, ip('10.9.9.9')), 'self');
  assert.equal(code(() => tracker.block(SELF)), 'ERR_PEERSET_BLOCK_SELF');
});

test('after a connection ends, a peer is dialed again no sooner than 60 s after the last dial and no later than 90 s', () => {
  const { tracker, clock } = makeTracker();
  tracker.track(1, peers(1));
  const reservedAt = clock.now();
  const r = tracker.reserveDial(key(1))!;
  tracker.connected(r);
  clock.advance(1_000);
  tracker.disconnected(r);
  assert.deepEqual(tracker.dialable().due, []);
  const next = tracker.dialable().nextAtMs!;
  assert.ok(next >= reservedAt + PEER_CONNECTION_COOLDOWN_MS && next <= reservedAt + 1.5 * PEER_CONNECTION_COOLDOWN_MS, `next dial at +${next - reservedAt} ms`);
  clock.setTime(next - 1);
  assert.deepEqual(tracker.dialable().due, []);
  clock.setTime(next);
  assert.deepEqual(tracker.dialable().due, [key(1)]);
});

test('a long-lived connection that ends is re-dialed at once (the cooldown counts from the last dial)', () => {
  const { tracker, clock } = makeTracker();
  tracker.track(1, peers(1));
  const r = tracker.reserveDial(key(1))!;
  tracker.connected(r);
  clock.advance(10 * PEER_CONNECTION_COOLDOWN_MS);
  tracker.disconnected(r);
  assert.deepEqual(tracker.dialable().due, [key(1)]);
});

test('different seeds spread the next dial over the jitter window', () => {
  const times = new Set<number>();
  for (let seed = 0; seed < 20; seed++) {
    const { tracker, clock } = makeTracker({}, seed);
    tracker.track(1, peers(1));
    const r = tracker.reserveDial(key(1))!;
    tracker.connected(r);
    times.add(tracker.peers()[0].nextDialAtMs! - clock.now());
  }
  assert.ok(times.size > 10, `only ${times.size} distinct dial times`);
  for (const t of times) assert.ok(t >= PEER_CONNECTION_COOLDOWN_MS && t <= 1.5 * PEER_CONNECTION_COOLDOWN_MS);
});

test('consecutive dial failures double the interval up to the cap, and a success resets it', () => {
  const { tracker, clock } = makeTracker({ maxDialBackoffMs: 4 * PEER_CONNECTION_COOLDOWN_MS });
  tracker.track(1, peers(1));
  const gaps: number[] = [];
  for (let i = 0; i < 4; i++) {
    const start = clock.now();
    const r = tracker.reserveDial(key(1))!;
    assert.ok(r, `dial ${i} reserved`);
    tracker.dialFailed(r);
    clock.setTime(tracker.dialable().nextAtMs!);
    gaps.push(clock.now() - start);
  }
  const base = PEER_CONNECTION_COOLDOWN_MS;
  const jitter = base / 2;
  assert.ok(gaps[0] >= 2 * base && gaps[0] <= 2 * base + jitter, `gap 0 = ${gaps[0]}`);
  assert.ok(gaps[1] >= 4 * base && gaps[1] <= 4 * base + jitter, `gap 1 = ${gaps[1]}`);
  assert.ok(gaps[3] >= 4 * base && gaps[3] <= 4 * base + jitter, `gap 3 capped = ${gaps[3]}`);
  const r = tracker.reserveDial(key(1))!;
  assert.ok(tracker.connected(r));
  assert.equal(tracker.peers()[0].dialFailures, 0);
});

test('a report about a superseded reservation changes nothing', () => {
  const { tracker } = makeTracker();
  tracker.track(1, peers(1));
  const r = tracker.reserveDial(key(1))!;
  tracker.dialFailed(r);
  tracker.dialFailed(r);
  assert.equal(tracker.peers()[0].dialFailures, 1);
  assert.equal(tracker.connected(r), false);
});

test('a dial that completes after its peer moved is not confirmed', () => {
  const { tracker } = makeTracker();
  tracker.track(1, peers(1));
  const r = tracker.reserveDial(key(1))!;
  const moved = tracker.overwrite({ [key(1)]: '10.8.8.8:9000' });
  assert.deepEqual(moved.sever, [key(1)]);
  assert.equal(tracker.connected(r), false);
  assert.equal(tracker.statusOf(key(1)), 'idle');
  assert.equal(tracker.reserveDial(key(1))!.address.dial.toString(), '10.8.8.8:9000');
});

test('overwrite moves a connected primary: sever, redial at once at the new address', () => {
  const { tracker, clock } = makeTracker();
  tracker.track(1, peers(1));
  const r = tracker.reserveDial(key(1))!;
  tracker.connected(r);
  const result = tracker.overwrite({ [key(1)]: '10.0.0.99:9100' });
  assert.deepEqual(result, { changed: [key(1)], sever: [key(1)], redial: [key(1)], skipped: [] });
  tracker.disconnected(r);
  assert.deepEqual(tracker.dialable().due, [key(1)], 'no cooldown wait for a new address');
  assert.equal(tracker.reserveDial(key(1))!.address.dial.toString(), '10.0.0.99:9100');
  void clock;
});

test('overwrite skips unknown keys, our own key and unchanged addresses, saying why', () => {
  const { tracker } = makeTracker();
  tracker.track(1, peers(1));
  const result = tracker.overwrite({ [key(1)]: `${ipOf(1)}:9000`, [key(2)]: '10.1.1.1:1', [SELF]: '10.1.1.2:1' });
  assert.deepEqual(result.changed, []);
  assert.deepEqual(result.skipped.sort((a, b) => a.reason.localeCompare(b.reason)), [
    { key: SELF, reason: 'self' }, { key: key(2), reason: 'unknown' }, { key: key(1), reason: 'unchanged' },
  ].sort((a, b) => a.reason.localeCompare(b.reason)));
});

test('overwrite of a secondary changes its allow-list entry but asks for no redial', () => {
  const { tracker } = makeTracker();
  tracker.track(1, { primary: peers(1), secondary: peers(2) });
  const result = tracker.overwrite({ [key(2)]: '10.5.5.5:9000' });
  assert.deepEqual(result.redial, []);
  assert.deepEqual(result.changed, [key(2)]);
  assert.equal(tracker.checkInbound(key(2), ip(ipOf(2))), 'wrong-source-ip');
  assert.equal(tracker.checkInbound(key(2), ip('10.5.5.5')), undefined);
});

test('the inbound allow-list follows an overwrite to the new source IP', () => {
  const { tracker } = makeTracker();
  tracker.track(1, peers(1));
  assert.ok(tracker.isRegisteredIp(ip(ipOf(1))));
  tracker.overwrite({ [key(1)]: { dial: '10.6.6.6:9000', sourceIp: '10.6.6.7' } });
  assert.ok(!tracker.isRegisteredIp(ip(ipOf(1))));
  assert.ok(tracker.isRegisteredIp(ip('10.6.6.7')));
  assert.ok(!tracker.isRegisteredIp(ip('10.6.6.6')));
});

test('inbound is refused for unknown keys, wrong source IPs and duplicates', () => {
  const { tracker } = makeTracker();
  tracker.track(1, { primary: peers(1), secondary: peers(2) });
  assert.equal(tracker.checkInbound(key(3), ip(ipOf(3))), 'unknown-key');
  assert.equal(tracker.checkInbound(key(1), ip(ipOf(2))), 'wrong-source-ip');
  assert.equal(tracker.checkInbound(key(2), ip(ipOf(2))), undefined, 'a secondary may connect in');
  const admitted = tracker.admitInbound(key(2), ip(ipOf(2)));
  assert.ok(admitted.ok);
  assert.equal(tracker.checkInbound(key(2), ip(ipOf(2))), 'duplicate');
});

test('of two simultaneous dials, the inbound from the lower key supersedes our dial; the other is refused', () => {
  const { tracker } = makeTracker();
  const lower = key(1); // below SELF
  const higher = 'f'.repeat(64);
  tracker.track(1, { ...peers(1), [higher]: '10.0.9.9:9000' });
  const ourDialToLower = tracker.reserveDial(lower)!;
  const ourDialToHigher = tracker.reserveDial(higher)!;
  assert.equal(tracker.checkInbound(higher, ip('10.0.9.9')), 'duplicate');
  const admitted = tracker.admitInbound(lower, ip(ipOf(1)));
  assert.ok(admitted.ok);
  assert.equal(tracker.connected(ourDialToLower), false, 'our superseded dial must be closed');
  assert.equal(tracker.statusOf(lower), 'connected');
  tracker.dialFailed(ourDialToLower);
  assert.equal(tracker.statusOf(lower), 'connected', 'a late failure of the superseded dial is ignored');
  assert.ok(tracker.connected(ourDialToHigher));
});

test('a blocked key is not dialed, is refused inbound, and its connection is reported for disconnection', () => {
  const { tracker } = makeTracker();
  tracker.track(1, peers(1, 2));
  const r = tracker.reserveDial(key(2))!;
  tracker.connected(r);
  assert.deepEqual(tracker.block(key(1)).disconnect, false);
  assert.deepEqual(tracker.block(key(2)).disconnect, true);
  assert.deepEqual(tracker.dialable().due, []);
  assert.equal(tracker.checkInbound(key(1), ip(ipOf(1))), 'blocked');
  assert.ok(!tracker.isRegisteredIp(ip(ipOf(1))));
});

test('a block lasts 4 h by default and then expires', () => {
  const { tracker, clock } = makeTracker();
  tracker.track(1, peers(1));
  const { untilMs } = tracker.block(key(1));
  assert.equal(untilMs, clock.now() + DEFAULT_BLOCK_DURATION_MS);
  assert.equal(tracker.nextUnblockAtMs(), untilMs);
  clock.setTime(untilMs - 1);
  assert.equal(tracker.checkInbound(key(1), ip(ipOf(1))), 'blocked');
  assert.equal(tracker.dialable().nextAtMs, untilMs);
  clock.setTime(untilMs);
  assert.equal(tracker.checkInbound(key(1), ip(ipOf(1))), undefined);
  assert.deepEqual(tracker.unblockExpired(), [key(1)]);
  assert.equal(tracker.blockedCount, 0);
});

test('a key blocked before it has a record stays blocked once tracked', () => {
  const { tracker, clock } = makeTracker();
  tracker.block(key(9), 60_000);
  tracker.track(1, peers(9));
  assert.equal(tracker.checkInbound(key(9), ip(ipOf(9))), 'blocked');
  assert.equal(tracker.reserveDial(key(9)), undefined);
  clock.advance(60_000);
  assert.ok(tracker.reserveDial(key(9)));
});

test('blocking again keeps the later end', () => {
  const { tracker, clock } = makeTracker();
  const long = tracker.block(key(1), 10_000).untilMs;
  assert.equal(tracker.block(key(1), 5_000).untilMs, long);
  clock.advance(8_000);
  assert.equal(tracker.block(key(1), 5_000).untilMs, clock.now() + 5_000);
});

test('a block duration outside 1 ms .. 1 year is a typed error', () => {
  const { tracker } = makeTracker();
  for (const d of [0, -5, 1.5, 366 * 24 * 3600_000]) assert.equal(code(() => tracker.block(key(1), d)), 'ERR_PEERSET_INVALID_DURATION');
});

test('the block list is bounded: past its limit the block ending soonest is dropped and counted', () => {
  const { tracker } = makeTracker({ maxBlockedKeys: 3 });
  tracker.block(key(1), 1_000);
  tracker.block(key(2), 3_000);
  tracker.block(key(3), 2_000);
  tracker.block(key(4), 4_000);
  assert.equal(tracker.blockedCount, 3);
  assert.equal(tracker.blockListEvictions, 1);
  assert.ok(!tracker.isBlocked(key(1)));
  assert.ok(tracker.isBlocked(key(2)) && tracker.isBlocked(key(3)) && tracker.isBlocked(key(4)));
});

test('expired blocks make room before any live block is dropped', () => {
  const { tracker, clock } = makeTracker({ maxBlockedKeys: 2 });
  tracker.block(key(1), 1_000);
  tracker.block(key(2), 5_000);
  clock.advance(1_000);
  tracker.block(key(3), 5_000);
  assert.equal(tracker.blockListEvictions, 0);
  assert.ok(tracker.isBlocked(key(2)) && tracker.isBlocked(key(3)));
});

test('records stay bounded by kept sets times set size however many sets are tracked', () => {
  const { tracker } = makeTracker({ trackedPeerSets: 3, maxPeersPerSet: 5 });
  for (let id = 0; id < 50; id++) {
    tracker.track(id, peers(...Array.from({ length: 5 }, (_, i) => 1 + id * 5 + i)));
    assert.ok(tracker.size <= 15, `size ${tracker.size} after set ${id}`);
  }
  assert.equal(tracker.size, 15);
});

test('the allow-list holds the source IPs of every key in a kept set, in either role', () => {
  const { tracker } = makeTracker({ trackedPeerSets: 2 });
  tracker.track(1, { primary: peers(1), secondary: peers(2) });
  tracker.track(2, peers(3));
  assert.deepEqual(tracker.registeredIps().length, 3);
  tracker.track(3, peers(3));
  assert.ok(!tracker.isRegisteredIp(ip(ipOf(1))));
  assert.ok(!tracker.isRegisteredIp(ip(ipOf(2))));
  assert.ok(tracker.isRegisteredIp(ip(ipOf(3))));
});

test('keys may be given as uppercase hex or bytes; a malformed key or address is a typed error', () => {
  const { tracker } = makeTracker();
  tracker.track(1, new Map<string | Uint8Array, string>([[key(1).toUpperCase(), '10.0.0.1:1'], [new Uint8Array(32).fill(0xab), '10.0.0.2:2']]));
  assert.deepEqual(tracker.peerSet(1)!.primary, [key(1), 'ab'.repeat(32)]);
  assert.equal(code(() => tracker.track(2, { abc: '10.0.0.1:1' })), 'ERR_PEERSET_INVALID_PEER');
  assert.equal(code(() => tracker.track(2, { [key(2)]: 'not an address' })), 'ERR_PEERSET_INVALID_PEER');
  assert.equal(code(() => tracker.track(2, { [key(2)]: '10.0.0.1:0' })), 'ERR_PEERSET_INVALID_PEER');
  assert.equal(tracker.activeId, 1);
});

test('peerDetails view shows role, state, address and block for each record', () => {
  const { tracker, clock } = makeTracker();
  tracker.track(1, { primary: peers(1), secondary: peers(2) });
  const r = tracker.reserveDial(key(1))!;
  tracker.connected(r);
  tracker.block(key(2), 1_000);
  const [p1, p2] = tracker.peers();
  assert.equal(p1.role, 'primary');
  assert.equal(p1.status, 'connected');
  assert.equal(p1.direction, 'outbound');
  assert.equal(p1.connectedAtMs, clock.now());
  assert.equal(p2.role, 'secondary');
  assert.equal(p2.nextDialAtMs, undefined);
  assert.equal(p2.blockedUntilMs, clock.now() + 1_000);
});

test('invalid options are typed errors', () => {
  assert.equal(code(() => makeTracker({ trackedPeerSets: 0 })), 'ERR_PEERSET_OPTION');
  assert.equal(code(() => makeTracker({ trackedPeerSets: 65 })), 'ERR_PEERSET_OPTION');
  assert.equal(code(() => makeTracker({ maxPeersPerSet: 16_385 })), 'ERR_PEERSET_OPTION');
});

test('an inbound handshake in progress holds the key: no dial of ours and no second inbound meanwhile', () => {
  const { tracker } = makeTracker();
  tracker.track(1, peers(1));
  const reserved = tracker.reserveInbound(key(1), ip(ipOf(1)));
  assert.ok(reserved.ok);
  assert.equal(tracker.statusOf(key(1)), 'accepting');
  assert.equal(tracker.reserveDial(key(1)), undefined);
  assert.deepEqual(tracker.dialable().due, []);
  assert.equal(tracker.checkInbound(key(1), ip(ipOf(1))), 'duplicate');
  assert.ok(tracker.connected(reserved.reservation));
  assert.equal(tracker.statusOf(key(1)), 'connected');
});

test('a failed inbound handshake releases the key without touching its dial schedule', () => {
  const { tracker } = makeTracker();
  tracker.track(1, peers(1));
  const reserved = tracker.reserveInbound(key(1), ip(ipOf(1)));
  assert.ok(reserved.ok);
  tracker.disconnected(reserved.reservation);
  assert.equal(tracker.statusOf(key(1)), 'idle');
  assert.equal(tracker.peers()[0].dialFailures, 0);
  assert.deepEqual(tracker.dialable().due, [key(1)]);
});

test('an inbound handshake that completes after its key was dropped is not confirmed', () => {
  const { tracker } = makeTracker({ trackedPeerSets: 1 });
  tracker.track(1, peers(1));
  const reserved = tracker.reserveInbound(key(1), ip(ipOf(1)));
  assert.ok(reserved.ok);
  assert.deepEqual(tracker.track(2, peers(2)).disconnect, [key(1)]);
  assert.equal(tracker.connected(reserved.reservation), false);
  assert.equal(tracker.addressOf(key(1)), undefined, 'released and forgotten');
});
