/** AddrMan.snapshot() / AddrMan.restore(): the table as data and back, under Core's placement rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan } from '../../src/addrman/addrman.js';
import type { EntryPosition } from '../../src/addrman/types.js';
import { AddrManRestoreError, type RestoreEntry, type TableSnapshot } from '../../src/addrman/restore.js';
import { VirtualClock } from '../../src/util/clock.js';
import type { Random } from '../../src/util/random.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { testAsmapGroups } from './helpers.js';

const NOW = 1_700_000_000;

function clock(): VirtualClock {
  return new VirtualClock(NOW * 1000);
}

/** A random stream that fails the test if anything draws from it. */
const NO_DRAWS: Random = new Proxy({} as Random, {
  get: (_t, name) => () => assert.fail(`restore drew from the random stream (${String(name)})`),
});

/** A table with new entries from several sources, some tried entries, states and a pending collision. */
function sampleTable(seed = 'restore'): AddrMan {
  const c = clock();
  const man = new AddrMan({ clock: c, random: ChaChaRandom.fromSeed(seed) });
  for (let s = 0; s < 6; s++) {
    const records = [];
    for (let i = 0; i < 120; i++) {
      records.push({ service: new NetService(NetAddress.ipv4(Uint8Array.of(20 + (i % 30), s, i, 1)), 8333), services: BigInt(1 + s), time: NOW - 600 * i });
    }
    man.add(records, NetAddress.ipv4(Uint8Array.of(60 + s, 1, 1, 1)));
    // Re-announcing with a newer time (within the 1 h update interval) from another source adds references, with chance 1/2^refs.
    man.add(records.map((r) => ({ ...r, time: r.time + 1800 })), NetAddress.ipv4(Uint8Array.of(90 + s, 1, 1, 1)));
  }
  for (let i = 0; i < 60; i++) man.good(new NetService(NetAddress.ipv4(Uint8Array.of(20 + (i % 30), i % 6, i, 1)), 8333), NOW - i);
  man.attempt(new NetService(NetAddress.ipv4(Uint8Array.of(21, 0, 1, 1)), 8333), true, NOW - 5);
  man.markFailed(new NetService(NetAddress.ipv4(Uint8Array.of(22, 1, 2, 1)), 8333), NOW - 9);
  man.markDisconnected(new NetService(NetAddress.ipv4(Uint8Array.of(23, 1, 3, 1)), 8333), NOW - 7);
  man.markConnected(new NetService(NetAddress.ipv4(Uint8Array.of(24, 1, 4, 1)), 8333));
  return man;
}

/** Comparable rows of one table: every cell with everything known about its entry. */
function rows(entries: EntryPosition[]): string[] {
  return entries.map((p) => JSON.stringify([
    p.bucket, p.position, p.multiplicity, p.info.record.service.toString(), String(p.info.record.services), p.info.record.time,
    p.info.source.toString(), p.info.lastTry, p.info.lastCountAttempt, p.info.lastSuccess, p.info.attempts, p.info.refCount, p.info.inTried, p.info.state,
  ]));
}

/** A snapshot with addresses as strings (NetAddress objects carry lazily filled caches). */
function plain(snap: TableSnapshot): unknown {
  return JSON.parse(JSON.stringify({ ...snap, entries: snap.entries.map((e) => ({ ...e, record: { ...e.record, service: e.record.service.toString() }, source: e.source.toString() })) },
    (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
}

function restoreError(fn: () => unknown): AddrManRestoreError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AddrManRestoreError, `expected AddrManRestoreError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected restore to throw');
}

test('restore(snapshot()) rebuilds the same cells, statistics, states and collisions', () => {
  const man = sampleTable();
  const snap = man.snapshot();
  assert.ok(snap.entries.some((e) => e.table === 'new' && (e.cells?.length ?? 0) > 1), 'the sample has multi-reference entries');
  assert.ok((snap.collisions?.length ?? 0) > 0, 'the sample has pending collisions');
  const back = AddrMan.restore(snap, { clock: clock(), random: NO_DRAWS });
  assert.equal(back.checkConsistency(), 0);
  assert.deepEqual(rows(back.getEntries(false)), rows(man.getEntries(false)));
  assert.deepEqual(rows(back.getEntries(true)), rows(man.getEntries(true)));
  assert.deepEqual(plain(back.snapshot()), plain(snap));
});

test('entries without cells go to their own-source new cell or their hashed tried cell', () => {
  // Each address announced once, by itself or one source: every new entry sits in its own-source cell.
  const c = clock();
  const man = new AddrMan({ clock: c, random: ChaChaRandom.fromSeed('bare') });
  for (let i = 0; i < 300; i++) {
    man.add([{ service: new NetService(NetAddress.ipv4(Uint8Array.of(40 + (i % 50), i, 7, 1)), 8333), services: 9n, time: NOW - i }], NetAddress.ipv4(Uint8Array.of(70 + (i % 5), 1, 1, 1)));
  }
  for (let i = 0; i < 300; i += 3) man.good(new NetService(NetAddress.ipv4(Uint8Array.of(40 + (i % 50), i, 7, 1)), 8333), NOW);
  const snap = man.snapshot();
  const bare: TableSnapshot = { key: snap.key, lastGood: snap.lastGood, collisions: snap.collisions, entries: snap.entries.map((e) => ({ ...e, cells: undefined })) };
  const back = AddrMan.restore(bare, { clock: clock(), random: NO_DRAWS });
  assert.equal(back.checkConsistency(), 0);
  assert.ok(man.size({ inNew: false }) > 50);
  assert.deepEqual(rows(back.getEntries(false)), rows(man.getEntries(false)));
  assert.deepEqual(rows(back.getEntries(true)), rows(man.getEntries(true)));
});

test('a position the key does not give is refused with the entry and field', () => {
  const snap = sampleTable().snapshot();
  const i = snap.entries.findIndex((e) => e.table === 'new');
  const cell = snap.entries[i].cells![0];
  const entries = snap.entries.map((e, j) => (j === i ? { ...e, cells: [{ bucket: cell.bucket, position: (cell.position! + 1) % 64 }] } : e));
  const err = restoreError(() => AddrMan.restore({ ...snap, entries }, { clock: clock(), random: NO_DRAWS }));
  assert.equal(err.index, i);
  assert.equal(err.field, 'cells[0].position');
});

test('a tried bucket other than the hashed one is refused', () => {
  const snap = sampleTable().snapshot();
  const i = snap.entries.findIndex((e) => e.table === 'tried');
  const cell = snap.entries[i].cells![0];
  const entries = snap.entries.map((e, j) => (j === i ? { ...e, cells: [{ bucket: (cell.bucket + 1) % 256 }] } : e));
  const err = restoreError(() => AddrMan.restore({ ...snap, entries }, { clock: clock(), random: NO_DRAWS }));
  assert.deepEqual([err.index, err.field], [i, 'cells[0].bucket']);
});

test('a tried entry without a last success is refused (Core CheckAddrman -1)', () => {
  const snap = sampleTable().snapshot();
  const i = snap.entries.findIndex((e) => e.table === 'tried');
  const entries = snap.entries.map((e, j) => (j === i ? { ...e, lastSuccess: 0 } : e));
  const err = restoreError(() => AddrMan.restore({ ...snap, entries }, { clock: clock(), random: NO_DRAWS }));
  assert.deepEqual([err.index, err.field], [i, 'lastSuccess']);
});

test('the same address and port twice is refused (Core CheckAddrman -5), naming both entries', () => {
  const snap = sampleTable().snapshot();
  const entries = [...snap.entries, { ...snap.entries[3], cells: undefined }];
  const err = restoreError(() => AddrMan.restore({ ...snap, entries }, { clock: clock(), random: NO_DRAWS }));
  assert.deepEqual([err.index, err.field], [entries.length - 1, 'address']);
  assert.match(err.message, /repeats entry 3/);
});

test('two entries that hash to one cell are refused instead of one being silently dropped', () => {
  const key = new Uint8Array(32).fill(7);
  const source = NetAddress.ipv4(Uint8Array.of(9, 9, 9, 9));
  // 2,000 addresses from one source group share at most 64 buckets × 64 cells: some must collide.
  const entries: RestoreEntry[] = Array.from({ length: 2000 }, (_, i) => ({
    record: { service: new NetService(NetAddress.ipv4(Uint8Array.of(30 + (i % 100), i >> 8, i & 255, 1)), 8333), services: 1n, time: NOW },
    source, lastTry: 0, lastCountAttempt: 0, lastSuccess: 0, attempts: 0, state: { kind: 'never-tried' }, table: 'new',
  }));
  const err = restoreError(() => AddrMan.restore({ key, entries }, { clock: clock(), random: NO_DRAWS }));
  assert.equal(err.field, 'cells');
  assert.match(err.message, /already taken by entry \d+/);
});

test('under another asmap every entry is re-bucketed by its own source and collisions drop entries, as Core does', () => {
  const man = sampleTable();
  const snap = man.snapshot();
  const back = AddrMan.restore(snap, { clock: clock(), random: NO_DRAWS, netgroups: testAsmapGroups() });
  assert.equal(back.checkConsistency(), 0);
  for (const p of back.getEntries(false)) assert.equal(p.multiplicity, 1);
  assert.ok(back.size() <= man.size());
  assert.ok(back.size() > man.size() / 2);
  // Back under the original (no asmap) grouping, the cells are those of the snapshot again.
  const again = AddrMan.restore(snap, { clock: clock(), random: NO_DRAWS, netgroups: new NetGroupManager() });
  assert.deepEqual(rows(again.getEntries(false)), rows(man.getEntries(false)));
});

test('field ranges are checked: bucket numbers, reference counts, times, attempts, states', () => {
  const snap = sampleTable().snapshot();
  const n = snap.entries.findIndex((e) => e.table === 'new');
  const cases: Array<[Partial<RestoreEntry>, string]> = [
    [{ cells: [{ bucket: 1024 }] }, 'cells[0].bucket'],
    [{ cells: [] }, 'cells'],
    [{ cells: Array.from({ length: 9 }, (_, b) => ({ bucket: b })) }, 'cells'],
    [{ cells: [{ bucket: 5 }, { bucket: 5 }] }, 'cells[1].bucket'],
    [{ cells: [{ bucket: 5, position: 64 }] }, 'cells[0].position'],
    [{ lastTry: -1 }, 'lastTry'],
    [{ lastSuccess: 1.5 }, 'lastSuccess'],
    [{ attempts: 2 ** 31 }, 'attempts'],
    [{ state: { kind: 'failed', at: Number.NaN } }, 'state.at'],
    [{ state: { kind: 'banned', until: 1 } as never }, 'state.kind'],
    [{ state: { kind: 'asleep' } as never }, 'state.kind'],
    [{ table: 'old' as never }, 'table'],
    [{ record: { ...snap.entries[n].record, services: 1n << 64n } }, 'services'],
    [{ record: { ...snap.entries[n].record, service: new NetService(NetAddress.invalid(), 1) } }, 'address'],
  ];
  for (const [patch, field] of cases) {
    const entries = snap.entries.map((e, j) => (j === n ? { ...e, ...patch } : e));
    const err = restoreError(() => AddrMan.restore({ ...snap, entries }, { clock: clock(), random: NO_DRAWS }));
    assert.deepEqual([err.index, err.field], [n, field], JSON.stringify(patch, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
  }
});

test('snapshot-level limits: all-zero key, too many collisions, a collision index out of range or listed twice', () => {
  const snap = sampleTable().snapshot();
  assert.equal(restoreError(() => AddrMan.restore({ ...snap, key: new Uint8Array(32) }, { clock: clock(), random: NO_DRAWS })).field, 'key');
  assert.equal(restoreError(() => AddrMan.restore({ ...snap, collisions: Array.from({ length: 11 }, (_, i) => i) }, { clock: clock(), random: NO_DRAWS })).field, 'collisions');
  assert.equal(restoreError(() => AddrMan.restore({ ...snap, collisions: [snap.entries.length] }, { clock: clock(), random: NO_DRAWS })).field, 'collisions[0]');
  assert.equal(restoreError(() => AddrMan.restore({ ...snap, collisions: [0, 0] }, { clock: clock(), random: NO_DRAWS })).field, 'collisions[1]');
});

test('more entries than a table can hold (81,920) are refused before anything is built', () => {
  const snap = sampleTable().snapshot();
  const entries = new Array<RestoreEntry>(81_921).fill(snap.entries[0]);
  const err = restoreError(() => AddrMan.restore({ ...snap, entries }, { clock: clock(), random: NO_DRAWS }));
  assert.deepEqual([err.index, err.field], [-1, 'entries']);
});

test('valid but unroutable addresses (as peers.dat may hold) restore, with their own network kept', () => {
  const key = new Uint8Array(32).fill(3);
  const base = { lastTry: 0, lastCountAttempt: 0, lastSuccess: 0, attempts: 0, state: { kind: 'never-tried' } as const, table: 'new' as const };
  const fc = Uint8Array.of(0xfc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  const entries: RestoreEntry[] = [
    { ...base, record: { service: new NetService(NetAddress.ipv6(fc), 1), services: 0n, time: NOW }, source: NetAddress.ipv4(Uint8Array.of(1, 1, 1, 1)) },
    { ...base, record: { service: new NetService(NetAddress.cjdns(fc), 1), services: 0n, time: NOW }, source: NetAddress.ipv4(Uint8Array.of(1, 1, 1, 1)) },
    { ...base, record: { service: new NetService(NetAddress.ipv4(Uint8Array.of(10, 0, 0, 1)), 1), services: 0n, time: NOW }, source: NetAddress.ipv4(Uint8Array.of(1, 1, 1, 1)) },
  ];
  const back = AddrMan.restore({ key, entries }, { clock: clock(), random: NO_DRAWS });
  assert.equal(back.checkConsistency(), 0);
  assert.deepEqual(back.snapshot().entries.map((e) => e.record.service.addr.networkType()), ['ipv6', 'cjdns', 'ipv4']);
});
