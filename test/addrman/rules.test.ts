/**
 * Core's per-entry rules, one behaviour per test: IsTerrible, GetChance, AddSingle's time update and
 * self-announcement exemption, the refcount odds, Attempt's one-failure-per-Good rule, Connected's
 * 20-minute rule, and the 60-second grace of test-before-evict.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddrMan } from '../../src/addrman/index.js';
import type { AddrTable } from '../../src/addrman/table.js';
import { tableOf } from '../../src/addrman/testing.js';
import { coreAddrman, ip, rec, svc } from './helpers.js';

const DAY = 86_400;

function oneEntry(time: (now: number) => number = (now) => now): { man: AddrMan; t: AddrTable; slot: number; now: number } {
  const { man, clock } = coreAddrman({ consistencyCheckRatio: 0 });
  const now = clock.nowSeconds();
  man.add([rec(svc('250.1.1.1', 8333), 1n, time(now))], ip('252.2.2.2'));
  const t = tableOf(man);
  return { man, t, slot: t.entries.find(ip('250.1.1.1'), 8333), now };
}

test('IsTerrible: a time more than 10 minutes in the future is terrible', () => {
  const { t, slot, now } = oneEntry((n) => n + 601);
  assert.equal(t.isTerrible(slot, now), true);
  const ok = oneEntry((n) => n + 600);
  assert.equal(ok.t.isTerrible(ok.slot, ok.now), false);
});

test('IsTerrible: not seen for more than 30 days is terrible', () => {
  const { t, slot, now } = oneEntry((n) => n - 30 * DAY - 1);
  assert.equal(t.isTerrible(slot, now), true);
  const ok = oneEntry((n) => n - 30 * DAY);
  assert.equal(ok.t.isTerrible(ok.slot, ok.now), false);
});

test('IsTerrible: three counted failures without any success is terrible; two is not', () => {
  const { man, t, slot, now } = oneEntry();
  man.attempt(svc('250.1.1.1', 8333), true, now - 120);
  man.good(svc('9.9.9.9', 1), now - 100); // an unrelated Good opens a new failure-counting epoch
  man.attempt(svc('250.1.1.1', 8333), true, now - 90);
  assert.equal(t.entries.attempts[slot], 2);
  assert.equal(t.isTerrible(slot, now), false);
  man.good(svc('9.9.9.9', 1), now - 80);
  man.attempt(svc('250.1.1.1', 8333), true, now - 70);
  assert.equal(t.isTerrible(slot, now), true);
});

test('IsTerrible: ten failures with the last success over a week ago is terrible', () => {
  const { t, slot, now } = oneEntry();
  t.entries.lastSuccess[slot] = now - 7 * DAY - 1;
  t.entries.attempts[slot] = 10;
  assert.equal(t.isTerrible(slot, now), true);
  t.entries.lastSuccess[slot] = now - 7 * DAY;
  assert.equal(t.isTerrible(slot, now), false);
});

test('IsTerrible: anything tried within the last minute is never terrible', () => {
  const { t, slot, now } = oneEntry((n) => n - 60 * DAY);
  t.entries.lastTry[slot] = now - 60;
  assert.equal(t.isTerrible(slot, now), false);
  t.entries.lastTry[slot] = now - 61;
  assert.equal(t.isTerrible(slot, now), true);
});

test('GetChance: 1 % within 10 minutes of a try, times 0.66 per failure up to 8', () => {
  const { t, slot, now } = oneEntry();
  assert.equal(t.chance(slot, now), 1);
  t.entries.lastTry[slot] = now - 599;
  assert.equal(t.chance(slot, now), 0.01);
  t.entries.lastTry[slot] = now - 600;
  t.entries.attempts[slot] = 3;
  assert.equal(t.chance(slot, now), Math.pow(0.66, 3));
  t.entries.attempts[slot] = 20;
  assert.equal(t.chance(slot, now), Math.pow(0.66, 8));
});

test('Attempt counts at most one failure between two Good calls (offline protection)', () => {
  const { man, t, slot, now } = oneEntry();
  man.attempt(svc('250.1.1.1', 8333), true, now - 50);
  man.attempt(svc('250.1.1.1', 8333), true, now - 40);
  assert.equal(t.entries.attempts[slot], 1);
  assert.equal(t.entries.lastTry[slot], now - 40);
  man.attempt(svc('250.1.1.1', 8333), false, now - 30);
  assert.equal(t.entries.attempts[slot], 1);
});

test('a gossiped address is penalised by the time penalty, a self-announcement is not', () => {
  const { man, clock } = coreAddrman({ consistencyCheckRatio: 0 });
  const now = clock.nowSeconds();
  const a = svc('250.1.1.1', 8333);
  man.add([rec(a, 1n, now)], ip('252.2.2.2'), 7200);
  assert.equal(man.getInfo(a)!.record.time, now - 7200);
  const b = svc('250.2.2.2', 8333);
  man.add([rec(b, 1n, now)], b.addr, 7200);
  assert.equal(man.getInfo(b)!.record.time, now);
});

test('AddSingle refreshes nTime only past the update interval: 1 h for online addresses, 24 h otherwise', () => {
  const { man, clock } = coreAddrman({ consistencyCheckRatio: 0 });
  const now = clock.nowSeconds();
  const a = svc('250.1.1.1', 8333);
  const src = ip('252.2.2.2');
  man.add([rec(a, 1n, now - 3000)], src);
  man.add([rec(a, 1n, now)], src); // online; 3000 s newer is within 1 h
  assert.equal(man.getInfo(a)!.record.time, now - 3000);
  man.add([rec(a, 1n, now + 700)], src); // 3700 s newer: refreshed
  assert.equal(man.getInfo(a)!.record.time, now + 700);
  const b = svc('250.2.2.2', 8333);
  man.add([rec(b, 1n, now - 5 * DAY)], src);
  man.add([rec(b, 1n, now - 4 * DAY)], src); // offline: 24 h interval, exactly one day newer is not enough
  assert.equal(man.getInfo(b)!.record.time, now - 5 * DAY);
  man.add([rec(b, 1n, now - 4 * DAY + 1)], src);
  assert.equal(man.getInfo(b)!.record.time, now - 4 * DAY + 1);
});

test('Connected refreshes nTime only when it is more than 20 minutes old', () => {
  const { man, t, slot, now } = oneEntry((n) => n - 1200);
  man.connected(svc('250.1.1.1', 8333), now);
  assert.equal(t.entries.time[slot], now - 1200);
  man.connected(svc('250.1.1.1', 8333), now + 1);
  assert.equal(t.entries.time[slot], now + 1);
});

test('an entry never holds more than 8 new-table references, however often it is re-announced', () => {
  const { man, clock } = coreAddrman({ consistencyCheckRatio: 0 });
  const now = clock.nowSeconds();
  const a = svc('250.1.1.1', 8333);
  for (let i = 1; i < 3000; i++) man.add([rec(a, 1n, now + i)], ip(`${(i % 200) + 1}.${i >> 8}.1.1`));
  assert.equal(man.findEntry(a)!.multiplicity, 8);
  assert.equal(man.checkConsistency(), 0);
});

test('test-before-evict gives a tried entry that was just attempted 60 seconds before replacing it', () => {
  const { man, clock } = coreAddrman({ consistencyCheckRatio: 0 });
  const source = ip('252.2.2.2');
  for (let i = 1; i < 36; i++) {
    man.add([rec(svc(`250.1.1.${i}`))], source);
    man.good(svc(`250.1.1.${i}`));
  }
  man.add([rec(svc('250.1.1.36'))], source);
  assert.equal(man.good(svc('250.1.1.36')), false);
  const old = svc('250.1.1.19');
  man.good(old, 1); // its last success is long ago
  man.attempt(old, false, clock.nowSeconds() - 30); // tried 30 s ago: still within the grace period
  man.resolveCollisions();
  assert.equal(man.findEntry(svc('250.1.1.36'))!.inTried, false);
  assert.equal(man.selectTriedCollision()?.record.service.toString(), '250.1.1.19:0');
  clock.advance(31_000);
  man.resolveCollisions();
  assert.equal(man.findEntry(svc('250.1.1.36'))!.inTried, true);
  assert.equal(man.findEntry(old)!.inTried, false);
  assert.equal(man.checkConsistency(), 0);
});
