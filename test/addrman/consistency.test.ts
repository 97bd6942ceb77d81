/**
 * checkConsistency() returns Core's error code for each kind of corruption (reference §1.18), and
 * Peerbook's own codes for its own structures; an addrman that fails its check during an operation
 * throws AddrManConsistencyError where Core asserts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddrMan, AddrManConsistencyError } from '../../src/addrman/index.js';
import type { AddrTable } from '../../src/addrman/table.js';
import { tableOf } from '../../src/addrman/testing.js';
import { ip, rec, svc, coreAddrman } from './helpers.js';

/** An addrman with two new entries (one referenced twice) and one tried entry, plus its table. */
function fixture(): { man: AddrMan; t: AddrTable; newSlot: number; triedSlot: number } {
  const { man, clock } = coreAddrman({ consistencyCheckRatio: 0 });
  const now = clock.nowSeconds();
  man.add([rec(svc('250.1.1.1', 8333), 1n, now), rec(svc('250.2.2.2', 8333), 1n, now)], ip('252.2.2.2'));
  man.add([rec(svc('250.9.9.9', 8333), 1n, now)], ip('252.3.3.3'));
  assert.equal(man.good(svc('250.9.9.9', 8333)), true);
  const t = tableOf(man);
  const newSlot = t.entries.find(ip('250.1.1.1'), 8333);
  const triedSlot = t.entries.find(ip('250.9.9.9'), 8333);
  assert.equal(man.checkConsistency(), 0);
  return { man, t, newSlot, triedSlot };
}

const cellOf = (cells: Int32Array, slot: number): number => cells.indexOf(slot);

test('a consistent table checks 0', () => {
  assert.equal(fixture().man.checkConsistency(), 0);
});

test('-7: vRandom size differs from nNew + nTried', () => {
  const { man, t } = fixture();
  t.nNew++;
  assert.equal(man.checkConsistency(), -7);
});

test('-1: a tried entry that never succeeded', () => {
  const { man, t, triedSlot } = fixture();
  t.entries.lastSuccess[triedSlot] = 0;
  assert.equal(man.checkConsistency(), -1);
});

test('-2: a tried entry with new-table references', () => {
  const { man, t, triedSlot } = fixture();
  t.entries.refCount[triedSlot] = 1;
  assert.equal(man.checkConsistency(), -2);
});

test('-3 and -4: a new entry with too many or no references', () => {
  const a = fixture();
  a.t.entries.refCount[a.newSlot] = 9;
  assert.equal(a.man.checkConsistency(), -3);
  const b = fixture();
  b.t.entries.refCount[b.newSlot] = 0;
  assert.equal(b.man.checkConsistency(), -4);
});

test('-5: the service index does not lead back to the entry', () => {
  const { man, t, newSlot } = fixture();
  t.entries.index.remove(newSlot);
  assert.equal(man.checkConsistency(), -5);
});

test('-14: the entry\'s random position is wrong', () => {
  const { man, t, newSlot } = fixture();
  t.entries.randomPos[newSlot] = 99;
  assert.equal(man.checkConsistency(), -14);
});

test('-6 and -8: negative last-try and last-success times', () => {
  const a = fixture();
  a.t.entries.lastTry[a.newSlot] = -5;
  assert.equal(a.man.checkConsistency(), -6);
  const b = fixture();
  b.t.entries.lastSuccess[b.newSlot] = -5;
  assert.equal(b.man.checkConsistency(), -8);
});

test('-9 and -10: tried and new counts off while vRandom still matches', () => {
  const a = fixture();
  a.t.nTried++;
  a.t.nNew--;
  assert.equal(a.man.checkConsistency(), -9);
  const b = fixture();
  b.t.entries.inTried[b.newSlot] = 1;
  b.t.entries.refCount[b.newSlot] = 0;
  b.t.entries.lastSuccess[b.newSlot] = 5;
  assert.equal(b.man.checkConsistency(), -9);
});

test('-11 and -12: a cell naming an entry of the other table', () => {
  const a = fixture();
  a.t.vvTried[0] = a.newSlot;
  assert.equal(a.man.checkConsistency(), -11);
  const b = fixture();
  const cell = b.t.vvNew.indexOf(-1);
  b.t.vvNew[cell] = b.triedSlot;
  assert.equal(b.man.checkConsistency(), -12);
});

test('-17 and -18: a tried entry in the wrong bucket or position', () => {
  const a = fixture();
  const cell = cellOf(a.t.vvTried, a.triedSlot);
  a.t.vvTried[cell] = -1;
  a.t.vvTried[(cell + 64) % a.t.vvTried.length] = a.triedSlot;
  assert.equal(a.man.checkConsistency(), -17);
  const b = fixture();
  const c2 = cellOf(b.t.vvTried, b.triedSlot);
  b.t.vvTried[c2] = -1;
  b.t.vvTried[(c2 & ~63) | ((c2 + 1) & 63)] = b.triedSlot;
  assert.equal(b.man.checkConsistency(), -18);
});

test('-19: a new entry at the wrong position of a bucket', () => {
  const { man, t, newSlot } = fixture();
  const cell = cellOf(t.vvNew, newSlot);
  t.vvNew[cell] = -1;
  t.vvNew[(cell & ~63) | ((cell + 1) & 63)] = newSlot;
  assert.equal(man.checkConsistency(), -19);
});

test('-13: a tried entry missing from the tried table', () => {
  const { man, t, triedSlot } = fixture();
  t.vvTried[cellOf(t.vvTried, triedSlot)] = -1;
  assert.equal(man.checkConsistency(), -13);
});

test('-15: reference counts do not match the new table', () => {
  const { man, t, newSlot } = fixture();
  t.entries.refCount[newSlot] = 2;
  assert.equal(man.checkConsistency(), -15);
});

test('-16: the key is all zero', () => {
  const { man, t } = fixture();
  t.bucketer.key.fill(0);
  assert.equal(man.checkConsistency(), -16);
});

test('-20 and -21: per-network counts missing or wrong', () => {
  const a = fixture();
  a.t.netPresent[1] = 0;
  assert.equal(a.man.checkConsistency(), -20);
  const b = fixture();
  b.t.netNew[1]++;
  assert.equal(b.man.checkConsistency(), -21);
});

test('Peerbook codes: -101 occupancy, -102 service index, -103 cached buckets, -104 collisions', () => {
  const a = fixture();
  a.t.newFill[0]++;
  assert.equal(a.man.checkConsistency(), -101);
  const b = fixture();
  b.t.entries.services.members[0]++;
  assert.equal(b.man.checkConsistency(), -102);
  const c = fixture();
  c.t.entries.triedPos[c.triedSlot] ^= 1;
  assert.equal(c.man.checkConsistency(), -103);
  const d = fixture();
  d.t.collisions = [{ id: 5, slot: 0 }, { id: 2, slot: 1 }];
  assert.equal(d.man.checkConsistency(), -104);
});

test('with -checkaddrman=1 a corrupted table makes the next operation throw AddrManConsistencyError', () => {
  const { man, clock } = coreAddrman({ consistencyCheckRatio: 1 });
  man.add([rec(svc('250.1.1.1', 8333), 1n, clock.nowSeconds())], ip('252.2.2.2'));
  tableOf(man).nNew++;
  assert.throws(() => man.size(), (err: unknown) => err instanceof AddrManConsistencyError && err.checkCode === -7 && err.code === 'ERR_ADDRMAN_CONSISTENCY');
});
