/**
 * Invariants of the tracker under random sequences of operations (fast-check model test): whatever the
 * application and the network do, records stay bounded, only idle unblocked primaries of kept sets are
 * dialed, only keys of kept sets from their registered IP are admitted, and the views agree with the sets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import type { Reservation } from '../../src/peerset/tracker.js';
import { PeerSetError } from '../../src/peerset/errors.js';
import { SELF, ipOf, key, makeTracker } from './helpers.js';

const KEYS = 8; // small key space so operations collide
const TRACKED = 3;
const PER_SET = 5;

type Op =
  | { kind: 'track'; primary: number[]; secondary: number[]; port: number }
  | { kind: 'overwrite'; who: number; port: number; ipShift: number }
  | { kind: 'block'; who: number; ms: number }
  | { kind: 'dial'; who: number }
  | { kind: 'dialDone'; index: number; ok: boolean }
  | { kind: 'inbound'; who: number; wrongIp: boolean }
  | { kind: 'inboundStart'; who: number }
  | { kind: 'inboundDone'; index: number; ok: boolean }
  | { kind: 'disconnect'; index: number }
  | { kind: 'time'; ms: number }
  | { kind: 'unblock' };

const who = fc.integer({ min: 1, max: KEYS });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('track' as const), primary: fc.array(who, { maxLength: 3 }), secondary: fc.array(who, { maxLength: 3 }), port: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('overwrite' as const), who, port: fc.integer({ min: 1, max: 3 }), ipShift: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('block' as const), who, ms: fc.integer({ min: 1, max: 200_000 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('dial' as const), who }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('dialDone' as const), index: fc.nat(), ok: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('inbound' as const), who, wrongIp: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), index: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('inboundStart' as const), who }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('inboundDone' as const), index: fc.nat(), ok: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 120_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unblock' as const) }) },
);

test('tracker invariants hold under any sequence of operations (property)', () => {
  fc.assert(fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 0, max: 1000 }), (ops, seed) => {
    const { tracker, clock } = makeTracker({ trackedPeerSets: TRACKED, maxPeersPerSet: PER_SET }, seed);
    let nextId = 0;
    const addressOf = new Map<string, string>(); // the address the model last gave each key
    const pendingDials: Reservation[] = [];
    const pendingInbound: Reservation[] = [];
    const live: Reservation[] = [];
    for (const o of ops) {
      switch (o.kind) {
        case 'track': {
          const primary = Object.fromEntries(o.primary.map((n) => [key(n), `${ipOf(n)}:${o.port}`]));
          const secondary = Object.fromEntries(o.secondary.map((n) => [key(n), `${ipOf(n)}:${o.port}`]));
          try {
            tracker.track(nextId++, { primary, secondary });
            for (const [k, a] of [...Object.entries(secondary), ...Object.entries(primary)]) addressOf.set(k, a);
          } catch (err) {
            assert.ok(err instanceof PeerSetError && err.code === 'ERR_PEERSET_TOO_LARGE');
          }
          break;
        }
        case 'overwrite': {
          const address = `10.1.${o.ipShift}.${o.who}:${o.port}`;
          const res = tracker.overwrite({ [key(o.who)]: address });
          if (res.changed.length > 0) addressOf.set(key(o.who), address);
          break;
        }
        case 'block':
          tracker.block(key(o.who), o.ms);
          break;
        case 'dial': {
          const r = tracker.reserveDial(key(o.who));
          if (r) {
            assert.ok(tracker.all().primary.includes(r.key), 'only primaries are dialed');
            assert.ok(!tracker.isBlocked(r.key), 'a blocked key is not dialed');
            pendingDials.push(r);
          }
          break;
        }
        case 'dialDone': {
          if (pendingDials.length === 0) break;
          const [r] = pendingDials.splice(o.index % pendingDials.length, 1);
          if (o.ok && tracker.connected(r)) live.push(r);
          else if (!o.ok) tracker.dialFailed(r);
          break;
        }
        case 'inbound': {
          const k = key(o.who);
          const a = tracker.addressOf(k);
          const ip = o.wrongIp || !a ? NetAddress.parse('10.200.0.1') : a.sourceIp;
          const res = tracker.admitInbound(k, ip);
          if (res.ok) {
            assert.ok(a && a.sourceIp.equals(ip) && !tracker.isBlocked(k), 'admitted only from the registered IP, unblocked');
            live.push(res.reservation);
          }
          break;
        }
        case 'inboundStart': {
          const a = tracker.addressOf(key(o.who));
          if (!a) break;
          const before = tracker.statusOf(key(o.who));
          const res = tracker.reserveInbound(key(o.who), a.sourceIp);
          if (res.ok) {
            assert.ok(before === 'idle' || (before === 'dialing' && key(o.who) < SELF), `reserved from ${before}`);
            assert.equal(tracker.statusOf(key(o.who)), 'accepting');
            assert.equal(tracker.reserveDial(key(o.who)), undefined, 'no dial while accepting');
            pendingInbound.push(res.reservation);
          }
          break;
        }
        case 'inboundDone': {
          if (pendingInbound.length === 0) break;
          const [r] = pendingInbound.splice(o.index % pendingInbound.length, 1);
          if (o.ok && tracker.connected(r)) live.push(r);
          else tracker.disconnected(r);
          break;
        }
        case 'disconnect': {
          if (live.length === 0) break;
          const [r] = live.splice(o.index % live.length, 1);
          tracker.disconnected(r);
          break;
        }
        case 'time':
          clock.advance(o.ms);
          break;
        case 'unblock':
          tracker.unblockExpired();
          break;
      }

      // ---- invariants -------------------------------------------------------------------------
      const all = tracker.all();
      const kept = new Set([...all.primary, ...all.secondary]);
      const views = tracker.peers();
      assert.ok(tracker.ids.length <= TRACKED);
      assert.ok(tracker.size <= TRACKED * PER_SET + live.length + pendingDials.length + pendingInbound.length, `size ${tracker.size}`);
      for (const v of views) {
        if (v.primarySets + v.secondarySets === 0) assert.notEqual(v.status, 'idle', 'an untracked idle record must be forgotten');
        else assert.ok(kept.has(v.key));
        assert.equal(v.role === 'primary', all.primary.includes(v.key));
      }
      for (const k of kept) if (k !== SELF) assert.ok(views.some((v) => v.key === k), `kept key ${k} has a record`);
      for (const k of all.secondary) assert.ok(!all.primary.includes(k));
      const plan = tracker.dialable();
      for (const k of plan.due) {
        const v = views.find((x) => x.key === k)!;
        assert.equal(v.role, 'primary');
        assert.equal(v.status, 'idle');
        assert.ok(!tracker.isBlocked(k));
        assert.ok(v.nextDialAtMs! <= clock.now());
      }
      if (plan.nextAtMs !== undefined) assert.ok(plan.nextAtMs > clock.now(), 'the next dial time lies ahead');
      for (let n = 1; n <= KEYS; n++) {
        const k = key(n);
        const a = tracker.addressOf(k);
        if (!a) {
          assert.equal(tracker.checkInbound(k, NetAddress.parse(ipOf(n))), 'unknown-key');
          continue;
        }
        const verdict = tracker.checkInbound(k, a.sourceIp);
        if (verdict === undefined) {
          assert.ok(kept.has(k) && !tracker.isBlocked(k));
          assert.notEqual(tracker.statusOf(k), 'connected');
        }
        if (kept.has(k)) assert.equal(`${a.dial}`, addressOf.get(k), 'the record holds the last address given');
      }
    }
  }), { numRuns: 300 });
});
