/**
 * Core's bucket vectors (src/test/addrman_tests.cpp caddrinfo_get_tried_bucket_legacy,
 * caddrinfo_get_new_bucket_legacy): keys nKey1 = sha256d(le32(1)), nKey2 = sha256d(le32(2)), no asmap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetGroupManager } from '../../src/address/netgroup.js';
import type { NetAddress } from '../../src/address/netaddress.js';
import type { NetService } from '../../src/address/service.js';
import { Bucketer } from '../../src/addrman/bucketing.js';
import { hashInt, ip, svc, testAsmapGroups } from './helpers.js';

const groups = new NetGroupManager();
const key1 = new Bucketer(hashInt(1));
const key2 = new Bucketer(hashInt(2));

function tried(b: Bucketer, s: NetService, ngm = groups): number {
  const k = s.getKey();
  return b.triedBucket(k, k.length, ngm.getGroup(s.addr));
}

function fresh(b: Bucketer, s: NetService, source: NetAddress, ngm = groups): number {
  return b.newBucket(ngm.getGroup(s.addr), ngm.getGroup(source));
}

test('250.1.1.1:8333 lands in tried bucket 40 under nKey1 (Core caddrinfo_get_tried_bucket_legacy)', () => {
  assert.equal(tried(key1, svc('250.1.1.1', 8333)), 40);
});

test('the key changes the tried bucket', () => {
  assert.notEqual(tried(key1, svc('250.1.1.1', 8333)), tried(key2, svc('250.1.1.1', 8333)));
});

test('the port changes the tried bucket (GetKey includes it)', () => {
  assert.notEqual(tried(key1, svc('250.1.1.1', 8333)), tried(key1, svc('250.1.1.1', 9999)));
});

test('255 addresses of one /16 reach exactly 8 tried buckets', () => {
  const buckets = new Set<number>();
  for (let i = 0; i < 255; i++) buckets.add(tried(key1, svc(`250.1.1.${i}`)));
  assert.equal(buckets.size, 8);
});

test('255 addresses in different /16s reach exactly 160 tried buckets', () => {
  const buckets = new Set<number>();
  for (let j = 0; j < 255; j++) buckets.add(tried(key1, svc(`250.${j}.1.1`)));
  assert.equal(buckets.size, 160);
});

test('250.1.2.1:8333 from its own address lands in new bucket 786 under nKey1 (Core caddrinfo_get_new_bucket_legacy)', () => {
  assert.equal(fresh(key1, svc('250.1.2.1', 8333), ip('250.1.2.1')), 786);
});

test('the key changes the new bucket', () => {
  assert.notEqual(fresh(key1, svc('250.1.2.1', 8333), ip('250.1.2.1')), fresh(key2, svc('250.1.2.1', 8333), ip('250.1.2.1')));
});

test('the port does not change the new bucket', () => {
  assert.equal(fresh(key1, svc('250.1.2.1', 8333), ip('250.1.2.1')), fresh(key1, svc('250.1.2.1', 9999), ip('250.1.2.1')));
});

test('addresses of one group from that group land in one new bucket', () => {
  const buckets = new Set<number>();
  for (let i = 0; i < 255; i++) buckets.add(fresh(key1, svc(`250.1.1.${i}`), ip(`250.1.1.${i}`)));
  assert.equal(buckets.size, 1);
});

test('addresses from one source group reach at most 64 new buckets', () => {
  const buckets = new Set<number>();
  for (let j = 0; j < 4 * 255; j++) buckets.add(fresh(key1, svc(`${250 + Math.floor(j / 255)}.${j % 256}.1.1`), ip('251.4.1.1')));
  assert.ok(buckets.size <= 64, `got ${buckets.size}`);
});

test('one address from 255 source groups reaches more than 64 new buckets', () => {
  const buckets = new Set<number>();
  for (let p = 0; p < 255; p++) buckets.add(fresh(key1, svc('250.1.1.1'), ip(`250.${p}.1.1`)));
  assert.ok(buckets.size > 64, `got ${buckets.size}`);
});

test('bucket positions are in [0, 64) and depend on the table letter and the bucket', () => {
  const k = svc('250.1.1.1', 8333).getKey();
  const n = key1.position(true, 40, k, k.length);
  const t = key1.position(false, 40, k, k.length);
  assert.ok(n >= 0 && n < 64 && t >= 0 && t < 64);
  const positions = new Set<number>();
  for (let b = 0; b < 64; b++) positions.add(key1.position(true, b, k, k.length));
  assert.ok(positions.size > 20);
});

// ---- with Core's test asmap (caddrinfo_get_tried_bucket / caddrinfo_get_new_bucket) ------------------

const testAsmap = testAsmapGroups;

test('with the test asmap 250.1.1.1:8333 lands in tried bucket 236 (Core caddrinfo_get_tried_bucket)', () => {
  const asmap = testAsmap();
  assert.equal(tried(key1, svc('250.1.1.1', 8333), asmap), 236);
  assert.notEqual(tried(key1, svc('250.1.1.1', 8333), asmap), tried(key2, svc('250.1.1.1', 8333), asmap));
  assert.notEqual(tried(key1, svc('250.1.1.1', 8333), asmap), tried(key1, svc('250.1.1.1', 9999), asmap));
});

test('with the test asmap, /16s in different ASes reach more than 8 tried buckets, /16s in one AS exactly 8', () => {
  const asmap = testAsmap();
  const spread = new Set<number>();
  for (let j = 0; j < 255; j++) spread.add(tried(key1, svc(`101.${j}.1.1`), asmap));
  assert.ok(spread.size > 8, `got ${spread.size}`);
  const oneAs = new Set<number>();
  for (let j = 0; j < 255; j++) oneAs.add(tried(key1, svc(`250.${j}.1.1`), asmap));
  assert.equal(oneAs.size, 8);
});

test('with the test asmap 250.1.2.1:8333 from itself lands in new bucket 795 (Core caddrinfo_get_new_bucket)', () => {
  const asmap = testAsmap();
  assert.equal(fresh(key1, svc('250.1.2.1', 8333), ip('250.1.2.1'), asmap), 795);
  assert.notEqual(fresh(key1, svc('250.1.2.1', 8333), ip('250.1.2.1'), asmap), fresh(key2, svc('250.1.2.1', 8333), ip('250.1.2.1'), asmap));
  assert.equal(fresh(key1, svc('250.1.2.1', 8333), ip('250.1.2.1'), asmap), fresh(key1, svc('250.1.2.1', 9999), ip('250.1.2.1'), asmap));
});

test('with the test asmap new-bucket spreads are 1, ≤ 64, > 1 and 1 (Core caddrinfo_get_new_bucket)', () => {
  const asmap = testAsmap();
  const same = new Set<number>();
  for (let i = 0; i < 255; i++) same.add(fresh(key1, svc(`250.1.1.${i}`), ip(`250.1.1.${i}`), asmap));
  assert.equal(same.size, 1);
  const oneSource = new Set<number>();
  for (let j = 0; j < 4 * 255; j++) oneSource.add(fresh(key1, svc(`${250 + Math.floor(j / 255)}.${j % 256}.1.1`), ip('251.4.1.1'), asmap));
  assert.ok(oneSource.size <= 64, `got ${oneSource.size}`);
  const manyAs = new Set<number>();
  for (let p = 0; p < 255; p++) manyAs.add(fresh(key1, svc('250.1.1.1'), ip(`101.${p}.1.1`), asmap));
  assert.ok(manyAs.size > 1, `got ${manyAs.size}`);
  const oneAs = new Set<number>();
  for (let p = 0; p < 255; p++) oneAs.add(fresh(key1, svc('250.1.1.1'), ip(`250.${p}.1.1`), asmap));
  assert.equal(oneAs.size, 1);
});
