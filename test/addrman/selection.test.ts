/**
 * Selection: `selectSlot` draws the random stream in chunks (see selection.ts); these tests compare it
 * with a literal transcription of Core's `Select_` loop, result by result and draw by draw, and check
 * that every selection loop is bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan } from '../../src/addrman/index.js';
import { ADDRMAN_SELECT_MAX_ITERATIONS } from '../../src/addrman/constants.js';
import { getAddrSlots, selectSlot } from '../../src/addrman/selection.js';
import { AddrTable, NET_COUNT } from '../../src/addrman/table.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom, type Random } from '../../src/util/random.js';
import { DETERMINISTIC_KEY } from '../../src/addrman/addrman.js';

/** Core `AddrManImpl::Select_`, transcribed call for call. */
function coreSelect(t: AddrTable, now: number, newOnly: boolean, netMask: number): number {
  if (t.entries.randomLen === 0) return -1;
  let newCount = t.nNew;
  let triedCount = t.nTried;
  if (netMask !== 0) {
    newCount = 0;
    triedCount = 0;
    for (let n = 0; n < NET_COUNT; n++) if ((netMask >> n) & 1) { newCount += t.netNew[n]; triedCount += t.netTried[n]; }
  }
  if (newOnly && newCount === 0) return -1;
  if (newCount + triedCount === 0) return -1;
  let searchTried: boolean;
  if (newOnly || triedCount === 0) searchTried = false;
  else if (newCount === 0) searchTried = true;
  else searchTried = t.random.randbool();
  const bucketCount = searchTried ? 256 : 1024;
  let chanceFactor = 1.0;
  for (;;) {
    const bucket = t.random.randrange(bucketCount);
    const initial = t.random.randrange(64);
    let i: number;
    let node = -1;
    for (i = 0; i < 64; ++i) {
      const position = (initial + i) % 64;
      node = searchTried ? t.triedCell(bucket, position) : t.newCell(bucket, position);
      if (node !== -1 && (netMask === 0 || ((netMask >> t.entries.network[node]) & 1) === 1)) break;
    }
    if (i === 64) continue;
    if (t.random.randbits(30) < chanceFactor * t.chance(node, now) * (1 << 30)) return node;
    chanceFactor *= 1.2;
  }
}

/** Builds the same table twice (same key, same seed, same operations). */
function twin(seed: number, entries: number, goodEvery: number): [AddrTable, AddrTable] {
  const make = (): AddrTable => {
    const t = new AddrTable(DETERMINISTIC_KEY, new NetGroupManager(), ChaChaRandom.fromSeed(seed), new Uint8Array(32));
    const now = 1_700_000_000;
    for (let i = 0; i < entries; i++) {
      const addr = i % 7 === 3
        ? NetAddress.i2p(Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j) & 0xff))
        : NetAddress.ipv4(Uint8Array.of(250 + (i % 3), (i * 7) & 0xff, i >> 8, i & 0xff));
      const service = new NetService(addr, 8333);
      const source = NetAddress.ipv4(Uint8Array.of(252, i % 5, 1, 1));
      t.addSingle({ service, services: 1n, time: now - (i % 50) * 3600 }, source, new NetGroupManager().getGroup(source), 0, now);
      if (goodEvery > 0 && i % goodEvery === 0) t.good(addr, 8333, true, now - (i % 13) * 60);
      if (i % 4 === 1) t.attempt(addr, 8333, true, now - (i % 9) * 100);
    }
    return t;
  };
  return [make(), make()];
}

test('selectSlot returns what Core\'s Select_ returns and leaves the random stream where Core leaves it', () => {
  const cases: [number, number, number][] = [[1, 1, 0], [2, 3, 2], [3, 40, 5], [4, 400, 3], [5, 2000, 0], [6, 2000, 1], [7, 9, 0]];
  for (const [seed, n, goodEvery] of cases) {
    const [a, b] = twin(seed, n, goodEvery);
    const now = 1_700_000_000;
    for (let k = 0; k < 200; k++) {
      const newOnly = k % 5 === 0;
      const netMask = [0, 0, 1 << 1, 1 << 4, (1 << 1) | (1 << 4), 1 << 2][k % 6];
      const ours = selectSlot(a, now, { newOnly, netMask });
      const core = coreSelect(b, now, newOnly, netMask);
      assert.equal(ours, core, `seed ${seed}, ${n} entries, select #${k}`);
      assert.equal(a.random.randbits(17), b.random.randbits(17), `stream diverged after select #${k} (seed ${seed})`);
    }
  }
});

/** Core `AddrManImpl::GetAddr_`, transcribed call for call. */
function coreGetAddr(t: AddrTable, now: number, maxAddresses: number, maxPct: number, filtered: boolean): number[] {
  const e = t.entries;
  let nodes = e.randomLen;
  if (maxPct !== 0) nodes = Math.floor((Math.min(maxPct, 100) * nodes) / 100);
  if (maxAddresses !== 0) nodes = Math.min(nodes, maxAddresses);
  const out: number[] = [];
  for (let n = 0; n < e.randomLen; n++) {
    if (out.length >= nodes) break;
    const rnd = t.random.randrange(e.randomLen - n) + n;
    e.swapRandom(n, rnd);
    const slot = e.randomOrder[n];
    if (filtered && t.isTerrible(slot, now)) continue;
    out.push(slot);
  }
  return out;
}

test('getAddrSlots returns what Core\'s GetAddr_ returns, permutes vRandom the same way, and leaves the stream in step', () => {
  for (const [seed, n] of [[11, 1], [12, 7], [13, 300], [14, 2000]]) {
    const [a, b] = twin(seed, n, 4);
    const now = 1_700_000_000 + 40 * 3600;
    for (let k = 0; k < 30; k++) {
      const [max, pct, filtered] = [[0, 0, true], [2500, 23, true], [10, 0, false], [0, 50, false], [1, 100, true]][k % 5] as [number, number, boolean];
      assert.deepEqual(Array.from(getAddrSlots(a, now, { maxAddresses: max, maxPct: pct, filtered })), coreGetAddr(b, now, max, pct, filtered), `seed ${seed} call ${k}`);
      assert.deepEqual(Array.from(a.entries.randomOrder.subarray(0, a.entries.randomLen)), Array.from(b.entries.randomOrder.subarray(0, b.entries.randomLen)));
      assert.equal(a.random.randbits(19), b.random.randbits(19), `stream diverged after GetAddr #${k} (seed ${seed})`);
    }
  }
});

test('select on an almost empty table finds its single entry', () => {
  const man = new AddrMan({ clock: new VirtualClock(), random: ChaChaRandom.fromSeed('sparse') });
  const s = NetService.parse('250.3.1.1', 8333);
  man.add([{ service: s, services: 1n, time: 1_700_000_000 }], s.addr);
  for (let i = 0; i < 50; i++) assert.equal(man.select()!.record.service.toString(), '250.3.1.1:8333');
});

/** A Random whose draws are all zero: bucket 0, position 0, forever. */
class ZeroRandom implements Random {
  calls = 0;
  rand64(): bigint { this.calls++; return 0n; }
  randbits(): number { this.calls++; return 0; }
  randrange(): number { this.calls++; return 0; }
  randbool(): boolean { this.calls++; return false; }
  randbytes(n: number): Uint8Array { return new Uint8Array(n).fill(7); }
  randfloat(): number { return 0; }
  shuffle<T>(items: T[]): T[] { return items; }
  randExpDuration(): number { return 0; }
  derive(): Random { return this; }
}

test('select gives up after ADDRMAN_SELECT_MAX_ITERATIONS instead of spinning when it keeps hitting an empty bucket', () => {
  const random = new ZeroRandom();
  const man = new AddrMan({ clock: new VirtualClock(), random, key: DETERMINISTIC_KEY });
  const s = NetService.parse('250.3.1.1', 8333);
  man.add([{ service: s, services: 1n, time: 1_700_000_000 }], s.addr);
  const loc = man.findEntry(s)!;
  assert.notEqual(loc.bucket, 0, 'the test needs the entry outside bucket 0');
  random.calls = 0;
  assert.equal(man.select(), undefined);
  assert.ok(random.calls <= ADDRMAN_SELECT_MAX_ITERATIONS, `${random.calls} draws`);
  assert.ok(random.calls >= ADDRMAN_SELECT_MAX_ITERATIONS / 2);
});
