/** peers.json: the readable export/import of the address table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan } from '../../src/addrman/addrman.js';
import type { EntryPosition } from '../../src/addrman/types.js';
import { ADDRMAN_MAX_ENTRIES } from '../../src/addrman/constants.js';
import {
  decodePeersJson,
  decodePeersJsonDocument,
  encodePeersJson,
  MAX_PEERS_JSON_BYTES,
  PEERS_JSON_VERSION,
  PeersJsonError,
} from '../../src/addrman/peers-json.js';
import type { RestoreEntry } from '../../src/addrman/restore.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST_MAGIC, SIGNET_MAGIC, testAsmapGroups } from './helpers.js';

const NOW = 1_700_000_000;
const opts = (): { clock: VirtualClock; random: ChaChaRandom } => ({ clock: new VirtualClock(NOW * 1000), random: ChaChaRandom.fromSeed('decode') });

/** A small address space over every network, so that random operations hit the same entries and cells. */
function addressOf(n: number): NetService {
  const kind = n % 12;
  const b32 = (tag: number): Uint8Array => {
    const k = new Uint8Array(32);
    k[0] = n & 0xff; k[1] = tag;
    return k;
  };
  if (kind < 7) return new NetService(NetAddress.ipv4(Uint8Array.of(250, (n >> 4) & 3, (n >> 6) & 7, n & 0xff)), [0, 8333, 8334][n % 3]);
  if (kind < 9) {
    const b = new Uint8Array(16);
    b[0] = 0x20; b[1] = 0x01; b[2] = 0x48; b[3] = n & 0x0f; b[15] = n & 0xff;
    return new NetService(NetAddress.ipv6(b), 8333);
  }
  if (kind === 9) return new NetService(NetAddress.torV3(b32(1)), 8333);
  if (kind === 10) return new NetService(NetAddress.i2p(b32(2)), 0);
  const c = new Uint8Array(16);
  c[0] = 0xfc; c[15] = n & 0xff; c[14] = 1;
  return new NetService(NetAddress.cjdns(c), 8333);
}

const sourceOf = (n: number): NetAddress => (n === 7 ? NetAddress.torV3(new Uint8Array(32).fill(5)) : NetAddress.ipv4(Uint8Array.of(251, n & 7, 1, 1)));

type Op =
  | { op: 'add'; addrs: number[]; source: number; dt: number; services: number }
  | { op: 'good' | 'attempt' | 'connected' | 'failed' | 'disconnected' | 'markConnected'; addr: number; flag: boolean }
  | { op: 'setServices'; addr: number; services: number }
  | { op: 'resolve' }
  | { op: 'advance'; seconds: number };

const SPACE = 400;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('add' as const), addrs: fc.array(fc.nat(SPACE - 1), { minLength: 1, maxLength: 12 }), source: fc.nat(7), dt: fc.integer({ min: -3 * 3600, max: 0 }), services: fc.nat(1 << 12) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('good' as const, 'attempt' as const, 'connected' as const), addr: fc.nat(SPACE - 1), flag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('failed' as const, 'disconnected' as const, 'markConnected' as const), addr: fc.nat(SPACE - 1), flag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('setServices' as const), addr: fc.nat(SPACE - 1), services: fc.integer({ min: 0, max: 2 ** 31 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('resolve' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 3 * 3600 }) }) },
);

function apply(man: AddrMan, clock: VirtualClock, o: Op): void {
  const now = clock.nowSeconds();
  switch (o.op) {
    case 'add': man.add(o.addrs.map((n) => ({ service: addressOf(n), services: BigInt(o.services) << BigInt(n % 40), time: now + o.dt })), sourceOf(o.source)); break;
    case 'good': man.good(addressOf(o.addr)); break;
    case 'attempt': man.attempt(addressOf(o.addr), o.flag); break;
    case 'connected': man.connected(addressOf(o.addr)); break;
    case 'failed': man.markFailed(addressOf(o.addr)); break;
    case 'disconnected': man.markDisconnected(addressOf(o.addr), now - 60); break;
    case 'markConnected': man.markConnected(addressOf(o.addr)); break;
    case 'setServices': man.setServices(addressOf(o.addr), BigInt(o.services) << 33n); break;
    case 'resolve': man.resolveCollisions(); break;
    case 'advance': clock.advance(o.seconds * 1000); break;
  }
}

function randomTable(seed: number, ops: Op[]): { man: AddrMan; clock: VirtualClock } {
  const clock = new VirtualClock(NOW * 1000);
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed(seed) });
  for (const o of ops) apply(man, clock, o);
  return { man, clock };
}

/** Every cell with everything known about its entry. */
function rows(entries: EntryPosition[]): string[] {
  return entries.map((p) => JSON.stringify([
    p.bucket, p.position, p.multiplicity, p.info.record.service.toString(), p.info.record.service.addr.networkType(), String(p.info.record.services),
    p.info.record.time, p.info.source.toString(), p.info.lastTry, p.info.lastCountAttempt, p.info.lastSuccess, p.info.attempts, p.info.refCount,
    p.info.inTried, p.info.state,
  ]));
}

function jsonError(fn: () => unknown): PeersJsonError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PeersJsonError, `expected PeersJsonError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a PeersJsonError');
}

/** A small table exported as a parsed JSON document, for tests that edit it. */
function sampleDoc(): { header: Record<string, unknown>; entries: Array<Record<string, unknown>> } {
  const { man } = randomTable(11, fc.sample(opArb, { numRuns: 150, seed: 3 }));
  return JSON.parse(encodePeersJson(man, REGTEST_MAGIC));
}

// ---- round trips ---------------------------------------------------------------------------------

test('random tables → JSON → table give the same cells, fields, states, collisions and consistency', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), fc.array(opArb, { minLength: 10, maxLength: 150 }), (seed, ops) => {
      const { man } = randomTable(seed, ops);
      const text = encodePeersJson(man, REGTEST_MAGIC);
      const back = decodePeersJson(text, opts());
      assert.equal(back.checkConsistency(), 0);
      assert.deepEqual(rows(back.getEntries(false)), rows(man.getEntries(false)));
      assert.deepEqual(rows(back.getEntries(true)), rows(man.getEntries(true)));
      // Header fields (key, lastGood, collisions) included: a second export is byte-identical.
      assert.equal(encodePeersJson(back, REGTEST_MAGIC), text);
    }),
    { numRuns: 60 },
  );
});

test('peers.dat → JSON → peers.dat keeps every address and its cells', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), fc.array(opArb, { minLength: 10, maxLength: 150 }), (seed, ops) => {
      const { man, clock } = randomTable(seed, ops);
      const dat = AddrMan.deserialize(man.serialize(REGTEST_MAGIC), REGTEST_MAGIC, { clock, random: ChaChaRandom.fromSeed(1) });
      const viaJson = decodePeersJson(encodePeersJson(dat, REGTEST_MAGIC), opts());
      const again = AddrMan.deserialize(viaJson.serialize(REGTEST_MAGIC), REGTEST_MAGIC, { clock, random: ChaChaRandom.fromSeed(2) });
      const addrs = (m: AddrMan): string[] => m.snapshot().entries.map((e) => e.record.service.toString()).sort();
      assert.deepEqual(addrs(again), addrs(man));
      assert.deepEqual(again.getEntries(false).map((p) => `${p.bucket}/${p.position} ${p.info.record.service}`), man.getEntries(false).map((p) => `${p.bucket}/${p.position} ${p.info.record.service}`));
      assert.deepEqual(again.getEntries(true).map((p) => `${p.bucket}/${p.position} ${p.info.record.service}`), man.getEntries(true).map((p) => `${p.bucket}/${p.position} ${p.info.record.service}`));
    }),
    { numRuns: 30 },
  );
});

test('the file is one header object and one entry per line, with Core\'s names for networks and services', () => {
  const clock = new VirtualClock(NOW * 1000);
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed('format') });
  man.add([{ service: NetService.parse('1.2.3.4:8333'), services: 0x409n, time: NOW - 100 }], NetAddress.parse('5.6.7.8'));
  man.good(NetService.parse('1.2.3.4:8333'), NOW - 50);
  man.add([{ service: NetService.parse('[2a01:4f8::1]:8333'), services: 9n, time: NOW }], NetAddress.parse('5.6.7.8'));
  const text = encodePeersJson(man, REGTEST_MAGIC);
  const lines = text.split('\n');
  const entryLines = lines.filter((l) => l.trimStart().startsWith('{"address"'));
  assert.equal(entryLines.length, 2);
  const doc = JSON.parse(text);
  assert.deepEqual(Object.keys(doc), ['header', 'entries']);
  assert.equal(doc.header.format, 'peerbook-peers-json');
  assert.equal(doc.header.version, PEERS_JSON_VERSION);
  assert.equal(doc.header.magic, 'fabfb5da');
  assert.match(doc.header.key, /^[0-9a-f]{64}$/);
  assert.deepEqual(doc.header.counts, { new: 1, tried: 1, total: 2 });
  assert.deepEqual(doc.entries[0], {
    address: '1.2.3.4', port: 8333, network: 'ipv4', services: '0000000000000409', servicesnames: ['NETWORK', 'WITNESS', 'NETWORK_LIMITED'],
    time: NOW - 100, lastTry: NOW - 50, lastCountAttempt: 0, lastSuccess: NOW - 50, attempts: 0, source: '5.6.7.8', sourceNetwork: 'ipv4',
    table: 'tried', refCount: 0, cells: doc.entries[0].cells, state: { kind: 'never-tried' },
  });
  assert.deepEqual(doc.entries[0].cells, [{ bucket: man.findEntry(NetService.parse('1.2.3.4:8333'))!.bucket, position: man.findEntry(NetService.parse('1.2.3.4:8333'))!.position }]);
  assert.equal(doc.entries[1].network, 'ipv6');
  assert.equal(doc.entries[1].table, 'new');
  assert.equal(doc.entries[1].refCount, 1);
});

test('a hand-written file with only address, port, services, time, source and table loads', () => {
  const text = JSON.stringify({
    header: { format: 'peerbook-peers-json', version: 1, magic: 'fabfb5da', key: '07'.repeat(32) },
    entries: [
      { address: '1.2.3.4', port: 8333, services: '9', time: NOW, source: '1.2.3.4', table: 'new' },
      { address: 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion', port: 8333, services: '409', time: NOW, source: '5.6.7.8', table: 'new' },
      { address: '2a01:4f8::2', port: 8333, services: '9', time: NOW, source: '5.6.7.8', table: 'tried', lastSuccess: NOW - 10 },
    ],
  });
  const man = decodePeersJson(text, opts());
  assert.equal(man.checkConsistency(), 0);
  assert.equal(man.size({ inNew: true }), 2);
  assert.equal(man.size({ inNew: false }), 1);
  const info = man.getInfo(NetService.parse('1.2.3.4:8333'))!;
  assert.equal(info.refCount, 1);
  assert.equal(info.record.services, 9n);
  assert.deepEqual(info.state, { kind: 'never-tried' });
  // The new entry sits in its own-source cell (Core's FindAddressEntry position).
  const loc = man.findEntry(NetService.parse('1.2.3.4:8333'))!;
  assert.ok(man.getEntries(false).some((p) => p.bucket === loc.bucket && p.position === loc.position));
});

test('a "banned" state written by an older version is read as the state without the ban (bans belong to banlist.json)', () => {
  const header = { format: 'peerbook-peers-json', version: 1, magic: 'fabfb5da', key: '07'.repeat(32) };
  const text = JSON.stringify({
    header,
    entries: [
      { address: '1.2.3.4', port: 8333, services: '9', time: NOW, source: '1.2.3.4', table: 'new', state: { kind: 'banned', until: NOW + 3600 } },
      { address: '2a01:4f8::2', port: 8333, services: '9', time: NOW, source: '5.6.7.8', table: 'tried', lastSuccess: NOW - 10, state: { kind: 'banned', until: NOW + 60 } },
    ],
  });
  const man = decodePeersJson(text, opts());
  assert.deepEqual(man.stateOf(NetService.parse('1.2.3.4:8333')), { kind: 'never-tried' });
  assert.deepEqual(man.stateOf(NetService.parse('[2a01:4f8::2]:8333')), { kind: 'tried', at: NOW - 10 });
  assert.ok(!encodePeersJson(man, REGTEST_MAGIC).includes('banned'));
  // Its expiry is still checked as a number.
  const bad = JSON.stringify({ header, entries: [{ address: '1.2.3.4', port: 8333, services: '9', time: NOW, source: '1.2.3.4', table: 'new', state: { kind: 'banned', until: 'soon' } }] });
  assert.equal(jsonError(() => decodePeersJson(bad, opts())).field, 'entries[0].state.until');
});

test('an fc00::/8 address written as network "ipv6" stays IPv6; without it, it is read as CJDNS', () => {
  const entry = { address: 'fc00::1', port: 1, services: '0', time: NOW, source: '1.1.1.1', table: 'new' };
  const doc = (e: object): string => JSON.stringify({ header: { format: 'peerbook-peers-json', version: 1, magic: 'fabfb5da', key: '07'.repeat(32) }, entries: [e] });
  assert.equal(decodePeersJson(doc({ ...entry, network: 'ipv6' }), opts()).snapshot().entries[0].record.service.addr.networkType(), 'ipv6');
  assert.equal(decodePeersJson(doc(entry), opts()).snapshot().entries[0].record.service.addr.networkType(), 'cjdns');
});

test('a file written under another asmap is re-bucketed by each entry\'s own source, as Core does with peers.dat', () => {
  const { man } = randomTable(5, fc.sample(opArb, { numRuns: 200, seed: 9 }));
  const back = decodePeersJson(encodePeersJson(man, REGTEST_MAGIC), { ...opts(), netgroups: testAsmapGroups() });
  assert.equal(back.checkConsistency(), 0);
  for (const p of back.getEntries(false)) assert.equal(p.multiplicity, 1);
  assert.ok(back.size() > 0 && back.size() <= man.size());
});

test('decodePeersJsonDocument returns the header and magic; an expected magic of another network is refused', () => {
  const text = encodePeersJson(randomTable(1, fc.sample(opArb, { numRuns: 30, seed: 1 })).man, SIGNET_MAGIC);
  const doc = decodePeersJsonDocument(text, opts());
  assert.deepEqual([...doc.magic], [...SIGNET_MAGIC]);
  assert.equal(doc.header.magic, '0a03cf40');
  const err = jsonError(() => decodePeersJson(text, { ...opts(), magic: REGTEST_MAGIC }));
  assert.equal(err.field, 'header.magic');
  assert.match(err.message, /^peers\.json: header\.magic: Invalid network magic number 0a03cf40 \(expected fabfb5da\)$/);
});

// ---- malformed input -----------------------------------------------------------------------------

test('every defect is a PeersJsonError naming the entry index and field', () => {
  const cases: Array<[string, (d: ReturnType<typeof sampleDoc>) => void, string, number | undefined]> = [
    ['port out of range', (d) => { d.entries[2].port = 70000; }, 'entries[2].port', 2],
    ['address unparsable', (d) => { d.entries[1].address = '1.2.3.256'; }, 'entries[1].address', 1],
    ['network disagrees', (d) => { d.entries[0].network = 'onion'; }, 'entries[0].address', 0],
    ['services not hex', (d) => { d.entries[3].services = '0x9'; }, 'entries[3].services', 3],
    ['time missing', (d) => { delete d.entries[4].time; }, 'entries[4].time', 4],
    ['time fractional', (d) => { d.entries[4].time = 1.5; }, 'entries[4].time', 4],
    ['unknown field', (d) => { d.entries[0].lastSucess = 1; }, 'entries[0].lastSucess', 0],
    ['table unknown', (d) => { d.entries[1].table = 'old'; }, 'entries[1].table', 1],
    ['state kind unknown', (d) => { d.entries[1].state = { kind: 'asleep' }; }, 'entries[1].state.kind', 1],
    ['refCount disagrees with cells', (d) => { const i = d.entries.findIndex((e) => e.table === 'new'); d.entries[i].refCount = 5; }, 'refCount', undefined],
    ['position not the hashed one', (d) => { const i = d.entries.findIndex((e) => e.table === 'new'); const c = (d.entries[i].cells as Array<{ position: number }>)[0]; c.position = (c.position + 1) % 64; }, 'cells[0].position', undefined],
    ['tried without success', (d) => { const i = d.entries.findIndex((e) => e.table === 'tried'); d.entries[i].lastSuccess = 0; }, 'lastSuccess', undefined],
    ['duplicate address', (d) => { d.entries.push({ ...d.entries[0], cells: undefined, refCount: undefined, table: 'new' }); }, 'address', undefined],
    ['header key short', (d) => { d.header.key = 'abcd'; }, 'header.key', undefined],
    ['header key all zero', (d) => { d.header.key = '00'.repeat(32); }, 'header.key', undefined],
    ['counts disagree', (d) => { (d.header.counts as { total: number }).total += 1; }, 'header.counts.total', undefined],
    ['newer version', (d) => { d.header.version = PEERS_JSON_VERSION + 1; }, 'header.version', undefined],
    ['not a peers.json', (d) => { d.header.format = 'something-else'; }, 'header.format', undefined],
    ['collision index out of range', (d) => { d.header.collisions = [d.entries.length]; }, 'header.collisions[0]', undefined],
  ];
  for (const [name, edit, field, index] of cases) {
    const d = sampleDoc();
    edit(d);
    if (name === 'duplicate address') (d.header.counts as Record<string, number>) = { new: d.entries.filter((e) => e.table === 'new').length, tried: d.entries.filter((e) => e.table === 'tried').length, total: d.entries.length };
    const err = jsonError(() => decodePeersJson(JSON.stringify(d), opts()));
    if (index !== undefined || field.startsWith('header')) {
      assert.equal(err.field, field, name);
      assert.equal(err.index, index, name);
    } else {
      assert.match(err.field ?? '', new RegExp(`^entries\\[\\d+\\]\\.${field.replace(/[[\]]/g, '\\$&')}$`), name);
      assert.equal(typeof err.index, 'number', name);
    }
    assert.ok(err.message.startsWith(`peers.json: ${err.field}: `), err.message);
    assert.equal(err.code, 'ERR_PEERS_JSON');
  }
});

test('text that is not JSON, not an object, or not UTF-8 is a PeersJsonError', () => {
  assert.match(jsonError(() => decodePeersJson('{"header": ', opts())).message, /^peers\.json: not valid JSON/);
  assert.match(jsonError(() => decodePeersJson('[]', opts())).message, /must be an object/);
  assert.match(jsonError(() => decodePeersJson(Uint8Array.of(0x7b, 0xff, 0x7d), opts())).message, /not valid UTF-8/);
  assert.equal(jsonError(() => decodePeersJson('{"header":{}}', opts())).field, 'header.format');
});

test('input past the size limit is refused before it is parsed', () => {
  const text = encodePeersJson(randomTable(2, fc.sample(opArb, { numRuns: 40, seed: 2 })).man, REGTEST_MAGIC);
  assert.match(jsonError(() => decodePeersJson(text, { ...opts(), maxBytes: text.length - 1 })).message, /more than the \d+-byte limit/);
  assert.equal(decodePeersJson(text, { ...opts(), maxBytes: text.length }).checkConsistency(), 0);
  // The default limit, MAX_PEERS_JSON_BYTES: one byte more is refused from its length alone.
  const huge = Buffer.allocUnsafe(MAX_PEERS_JSON_BYTES + 1);
  assert.match(jsonError(() => decodePeersJson(huge, opts())).message, new RegExp(`${MAX_PEERS_JSON_BYTES + 1} bytes, more than the ${MAX_PEERS_JSON_BYTES}-byte limit`));
});

test('the size limit admits the largest table encodePeersJson can write', () => {
  // Worst case per entry: onion address and source, all 64 service bits, 8 references, long numbers.
  const key = new Uint8Array(32).fill(9);
  const onion = (tag: number): NetAddress => NetAddress.torV3(new Uint8Array(32).fill(tag));
  const big = 2 ** 52;
  const entry: RestoreEntry = {
    record: { service: new NetService(onion(1), 65535), services: (1n << 64n) - 1n, time: big },
    source: onion(2), lastTry: big, lastCountAttempt: big, lastSuccess: big, attempts: -(2 ** 31),
    state: { kind: 'failed', at: big }, table: 'new', cells: Array.from({ length: 8 }, (_, b) => ({ bucket: 1000 + b })),
  };
  const man = AddrMan.restore({ key, entries: [entry] }, opts());
  const text = encodePeersJson(man, REGTEST_MAGIC);
  const line = text.split('\n').find((l) => l.includes('"address"'))!;
  const headerBytes = text.length - line.length;
  const worst = (line.length + 2) * ADDRMAN_MAX_ENTRIES + headerBytes + 64 * 10;
  assert.ok(worst <= MAX_PEERS_JSON_BYTES, `worst case ${worst} bytes > limit ${MAX_PEERS_JSON_BYTES}`);
});

test('more entries than a table can hold are refused before any entry is read', () => {
  const header = { format: 'peerbook-peers-json', version: 1, magic: 'fabfb5da', key: '07'.repeat(32) };
  const text = `{"header":${JSON.stringify(header)},"entries":[${new Array(ADDRMAN_MAX_ENTRIES + 1).fill('{}').join(',')}]}`;
  const err = jsonError(() => decodePeersJson(text, opts()));
  assert.equal(err.field, 'entries');
  assert.match(err.message, /81921 entries, more than a table can hold \(81920\)/);
});

test('random edits of a valid file only ever yield a consistent table or a PeersJsonError (fuzz)', () => {
  const base = encodePeersJson(randomTable(4, fc.sample(opArb, { numRuns: 60, seed: 4 })).man, REGTEST_MAGIC);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.constantFrom('0', '9', '"', '-', '.', 'x', ',', '}', 'e', ' ')), { minLength: 1, maxLength: 4 }), (edits) => {
      const chars = base.split('');
      for (const [at, ch] of edits) chars[at] = ch;
      try {
        assert.equal(decodePeersJson(chars.join(''), opts()).checkConsistency(), 0);
      } catch (e) {
        if (!(e instanceof PeersJsonError)) throw e;
      }
    }),
    { numRuns: 300 },
  );
});
