import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Asmap, encodeAsmap } from '../../src/address/asmap.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { AddrMan } from '../../src/addrman/addrman.js';
import { addressScope } from '../../src/dashboard/api.js';
import { addrmanComposition, COMPOSITION_TOP_GROUPS, MAX_COMPOSITION_GROUPS } from '../../src/dashboard/composition.js';
import type { EntryPosition } from '../../src/addrman/types.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { FULL_NODE, svc } from '../../src/sim/network.js';

function table(groups = new NetGroupManager()): AddrMan {
  return new AddrMan({ clock: new VirtualClock(1_700_000_000_000), random: ChaChaRandom.fromSeed('composition'), netgroups: groups });
}

const rec = (ip: string, time: number) => ({ service: svc(ip), services: FULL_NODE, time });

test('every entry counts once, however many new buckets reference it, and the sizes match the table', () => {
  const am = table();
  const now = 1_700_000_000;
  // The same addresses heard again, a little newer (within the update interval), from other sources get more new-table references (Core AddSingle).
  for (let s = 0; s < 8; s++) {
    am.add(Array.from({ length: 200 }, (_, i) => rec(`44.${i % 40}.${i}.1`, now - 80_000 + s * 60)), NetAddress.parse(`60.${s}.0.1`));
  }
  for (let i = 0; i < 20; i++) am.good(svc(`44.${i % 40}.${i}.1`));
  const newEntries = am.getEntries(false);
  assert.ok(newEntries.some((e) => e.multiplicity > 1), 'the scenario has multiply referenced entries');
  const c = addrmanComposition(newEntries, am.getEntries(true), new NetGroupManager());
  assert.equal(c.total, am.size());
  assert.equal(c.new, am.size({ inNew: true }));
  assert.equal(c.tried, am.size({ inNew: false }));
  assert.deepEqual(c.by_network.ipv4, { new: c.new, tried: c.tried });
  assert.equal(c.by_address_group.groups, 40, 'addresses in 40 /16s');
  assert.equal(c.by_source_group.top.reduce((a, g) => a + g.entries, 0), c.total, 'each entry counted once, under the source it was first heard from');
  assert.equal(c.by_source_group.top[0].group, '60.0.0.0/16', 'most were first heard from the first source');
});

test('source groups rank the peers that taught us the most, with shares of the whole table', () => {
  const am = table();
  const now = 1_700_000_000;
  // 60 % of the table from one /16 of sources, the rest spread over 20 others.
  am.add(Array.from({ length: 60 }, (_, i) => rec(`45.${i}.0.1`, now - 100)), NetAddress.parse('66.6.1.1'));
  for (let s = 0; s < 20; s++) am.add([rec(`46.${s}.1.1`, now - 100), rec(`46.${s}.2.1`, now - 100)], NetAddress.parse(`70.${s}.0.1`));
  const c = addrmanComposition(am.getEntries(false), am.getEntries(true), new NetGroupManager(), { topN: 100 });
  const src = c.by_source_group;
  const total = am.size(); // a few may have collided in their bucket
  assert.ok(total >= 95);
  assert.equal(c.total, total);
  assert.equal(src.groups, 21);
  assert.equal(src.top[0].group, '66.6.0.0/16');
  assert.ok(src.top[0].entries >= 57 && src.top[0].entries <= 60);
  assert.equal(src.top[0].share, src.top[0].entries / total);
  assert.equal(src.top1_share, src.top[0].share);
  assert.equal(src.top.reduce((a, g) => a + g.entries, 0), total, 'every entry in exactly one source group');
  assert.ok(src.top.slice(1).every((g) => g.entries <= 2));
  assert.equal(src.uncounted, 0);
  const twos = src.top.filter((g) => g.entries === 2).map((g) => g.group);
  assert.ok(twos.length >= 15);
  assert.deepEqual(twos, [...twos].sort(), 'ties ordered by name');
  assert.equal(addrmanComposition(am.getEntries(false), [], new NetGroupManager()).by_source_group.top.length, COMPOSITION_TOP_GROUPS);
  assert.ok(c.by_address_group.groups >= 75, 'addresses spread over 60 + 20 /16s');
  assert.equal(c.grouping, 'prefix');
  assert.deepEqual(c.limits, { new_buckets: 1024, new_buckets_per_source_group: 64, bucket_size: 64 });
});

test('with the manager\'s asmap, groups are autonomous systems', () => {
  const prefix = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 45, 0, 0, 0);
  const groups = new NetGroupManager(Asmap.fromBytes(encodeAsmap([{ prefix, prefixLength: 96 + 8, asn: 64_512 }])));
  const am = table(groups);
  am.add(Array.from({ length: 30 }, (_, i) => rec(`45.${i}.0.1`, 1_700_000_000 - 100)), NetAddress.parse('45.200.0.1'));
  const c = addrmanComposition(am.getEntries(false), am.getEntries(true), groups);
  assert.equal(c.grouping, 'asmap');
  assert.deepEqual(c.by_address_group.top.map((g) => [g.group, g.entries]), [['AS64512', am.size()]], 'thirty /16s, one AS');
  assert.ok(am.size() > 10);
  assert.deepEqual(c.by_source_group.top.map((g) => g.group), ['AS64512']);
});

test('past the group cap, further groups are not counted and their entries are reported as uncounted', () => {
  const fake = (i: number): EntryPosition => ({
    bucket: 0, position: 0, multiplicity: 1,
    info: { record: { service: svc(`47.${i}.0.1`) }, source: NetAddress.parse(`48.${i % 3}.0.1`) },
  }) as unknown as EntryPosition;
  const entries = Array.from({ length: 12 }, (_, i) => fake(i));
  const c = addrmanComposition(entries, [], new NetGroupManager(), { maxGroups: 5 });
  assert.equal(c.by_address_group.groups, 5);
  assert.equal(c.by_address_group.uncounted, 7);
  assert.equal(c.by_source_group.groups, 3, 'under the cap: all counted');
  assert.equal(c.by_source_group.uncounted, 0);
  assert.equal(c.total, 12, 'the table total is not affected');
  assert.ok(MAX_COMPOSITION_GROUPS >= 81_920, 'the default cap is above the number of entries a table can hold');
});

test('a peer\'s scope says loopback for 127/8 and ::1, private for unroutable ranges, public otherwise', () => {
  assert.equal(addressScope(NetAddress.parse('127.0.0.1')), 'loopback');
  assert.equal(addressScope(NetAddress.parse('::1')), 'loopback');
  assert.equal(addressScope(NetAddress.parse('10.0.0.5')), 'private');
  assert.equal(addressScope(NetAddress.parse('192.168.1.5')), 'private');
  assert.equal(addressScope(NetAddress.parse('fe80::1')), 'private');
  assert.equal(addressScope(NetAddress.parse('100.64.0.1')), 'private');
  assert.equal(addressScope(NetAddress.parse('8.8.8.8')), 'public');
});
