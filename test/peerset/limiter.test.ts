import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import { HANDSHAKE_INTERVAL_PER_IP_MS, HANDSHAKES_PER_SUBNET_PER_SECOND, MAX_CONCURRENT_HANDSHAKES } from '../../src/peerset/constants.js';
import { HandshakeLimiter, subnetKey } from '../../src/peerset/handshake-limiter.js';
import { KeyedRateLimiter } from '../../src/peerset/rate-limiter.js';

const ip = (s: string): NetAddress => NetAddress.parse(s);
const T = 1_700_000_000_000;

test('one IP starts one handshake per 5 s', () => {
  const limiter = new HandshakeLimiter();
  assert.ok(limiter.tryStart(ip('10.0.0.1'), T).ok);
  const second = limiter.tryStart(ip('10.0.0.1'), T + HANDSHAKE_INTERVAL_PER_IP_MS - 1);
  assert.deepEqual(second, { ok: false, reason: 'ip-rate' });
  assert.ok(limiter.tryStart(ip('10.0.0.1'), T + HANDSHAKE_INTERVAL_PER_IP_MS).ok);
});

test('a /24 starts at most 64 handshakes at once, then 64 per second', () => {
  const limiter = new HandshakeLimiter();
  for (let i = 0; i < HANDSHAKES_PER_SUBNET_PER_SECOND; i++) assert.ok(limiter.tryStart(ip(`10.0.0.${i}`), T).ok, `ip ${i}`);
  assert.deepEqual(limiter.tryStart(ip('10.0.0.200'), T), { ok: false, reason: 'subnet-rate' });
  assert.ok(limiter.tryStart(ip('10.0.1.1'), T).ok, 'another /24 is unaffected');
  assert.ok(limiter.tryStart(ip('10.0.0.201'), T + 1000 / HANDSHAKES_PER_SUBNET_PER_SECOND).ok);
  assert.deepEqual(limiter.tryStart(ip('10.0.0.202'), T + 1000 / HANDSHAKES_PER_SUBNET_PER_SECOND), { ok: false, reason: 'subnet-rate' });
});

test('IPv6 addresses share a limit within a /48 and not across /48s', () => {
  assert.equal(subnetKey(ip('2001:db8:1:ffff::1')), subnetKey(ip('2001:db8:1:0::2')));
  assert.notEqual(subnetKey(ip('2001:db8:1::1')), subnetKey(ip('2001:db8:2::1')));
  assert.equal(subnetKey(ip('192.168.7.1')), subnetKey(ip('192.168.7.254')));
  assert.notEqual(subnetKey(ip('192.168.7.1')), subnetKey(ip('192.168.8.1')));
});

test('a flood from one IP also spends its subnet allowance (both limiters are charged)', () => {
  const limiter = new HandshakeLimiter({ perSubnetPerSecond: 4 });
  for (let i = 0; i < 4; i++) limiter.tryStart(ip('10.0.0.1'), T);
  assert.deepEqual(limiter.tryStart(ip('10.0.0.2'), T), { ok: false, reason: 'subnet-rate' });
});

test('at most 512 handshakes are in flight; a release frees a slot once', () => {
  const limiter = new HandshakeLimiter({ perSubnetPerSecond: 1e6 });
  const slots = [];
  for (let i = 0; i < MAX_CONCURRENT_HANDSHAKES; i++) {
    const r = limiter.tryStart(ip(`10.${(i >> 8) & 0xff}.${i & 0xff}.1`), T);
    assert.ok(r.ok);
    slots.push(r);
  }
  assert.deepEqual(limiter.tryStart(ip('11.0.0.1'), T), { ok: false, reason: 'in-flight' });
  const first = slots[0];
  assert.ok(first.ok);
  first.release();
  first.release();
  assert.equal(limiter.inFlight, MAX_CONCURRENT_HANDSHAKES - 1);
  assert.ok(limiter.tryStart(ip('11.0.0.2'), T).ok);
  assert.deepEqual(limiter.tryStart(ip('11.0.0.3'), T), { ok: false, reason: 'in-flight' });
  assert.equal(limiter.counters().refused['in-flight'], 2);
});

test('the per-IP table is bounded: when full of live entries a new IP is refused as table-full', () => {
  const limiter = new HandshakeLimiter({ maxTrackedIps: 3 });
  for (let i = 1; i <= 3; i++) assert.ok(limiter.tryStart(ip(`10.0.${i}.1`), T).ok);
  assert.deepEqual(limiter.tryStart(ip('10.0.4.1'), T), { ok: false, reason: 'table-full' });
  assert.ok(limiter.tryStart(ip('10.0.4.1'), T + HANDSHAKE_INTERVAL_PER_IP_MS).ok, 'expired entries are pruned to make room');
});

test('GCRA never allows more than burst + elapsed / interval events (property)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 1000 }),
    fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
    (burst, interval, gaps) => {
      const limiter = new KeyedRateLimiter(interval, burst, 10);
      let now = 0;
      let allowed = 0;
      for (const g of gaps) {
        now += g;
        if (limiter.check('k', now) === 'ok') allowed++;
      }
      assert.ok(allowed <= burst + Math.floor(now / interval), `${allowed} allowed in ${now} ms`);
    }));
});

test('a key whose allowance has refilled is pruned and behaves like a new key', () => {
  const limiter = new KeyedRateLimiter(100, 2, 10);
  limiter.check('a', 0);
  limiter.check('b', 0);
  limiter.prune(50);
  assert.equal(limiter.size, 2);
  limiter.prune(100);
  assert.equal(limiter.size, 0);
  assert.equal(limiter.check('a', 100), 'ok');
  assert.equal(limiter.check('a', 100), 'ok');
  assert.equal(limiter.check('a', 100), 'limited');
  assert.equal(limiter.nextAllowedAtMs('a', 100), 200);
});
