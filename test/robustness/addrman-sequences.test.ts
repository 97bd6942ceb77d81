/**
 * Long random address-manager operation sequences through the public API only (the table is being
 * restructured on another branch; this test must survive that): add (batches from many source groups,
 * fresh and stale times, time penalties), good, attempt (counted or not), connected, select (new only,
 * by network), getAddr, resolveCollisions, selectTriedCollision, time passing, and every so often
 * serialize → deserialize. Invariants: `checkConsistency()` is 0 — checked every CHECK_EVERY operations
 * and at every reload, because one check re-hashes every entry (tens of ms on a full table; Core's
 * -checkaddrman samples for the same reason) — and every reload serialises to the same bytes and lists
 * the same entries in the same cells.
 *
 * 10,000 operations in CI, 100,000 with PEERBOOK_FULL=1 (PEERBOOK_ADDRMAN_OPS overrides); seeded
 * (PEERBOOK_ADDRMAN_SEED), so a failure names the seed and the operation index and replays exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { Net, type NetId } from '../../src/address/network.js';
import type { AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan, type AddrManOptions, type EntryPosition } from '../../src/addrman/index.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';
import { FuzzRng } from '../fuzz/rng.js';

const FULL = process.env.PEERBOOK_FULL === '1';
const OPS = Number(process.env.PEERBOOK_ADDRMAN_OPS ?? (FULL ? 100_000 : 10_000));
const SEED = process.env.PEERBOOK_ADDRMAN_SEED ?? 'addrman-sequences-1';
/** Operations between save/reload round trips. */
const RELOAD_EVERY = 500;
/** Operations between consistency checks. */
const CHECK_EVERY = 20;
/** Distinct addresses drawn from: enough to fill buckets, few enough to revisit them. */
const ADDRESS_SPACE = 12_000;

const MAGIC = REGTEST.magic;

/**
 * Address number `n`: mostly IPv4 in only 64 /16 groups (one group reaches 8 tried buckets, so `good`
 * on many addresses of a group collides in tried and exercises test-before-evict), some IPv6, Tor v3,
 * I2P, CJDNS; a few ports.
 */
function addressOf(n: number): NetService {
  const kind = n % 20;
  let addr: NetAddress;
  if (kind < 14) addr = NetAddress.ipv4(Uint8Array.of(20 + (n % 32), (n >> 5) & 1, (n >> 6) & 0xff, 1 + (n % 250)));
  else if (kind < 17) addr = NetAddress.ipv6(Uint8Array.of(0x20, 0x01, 0x04, 0x70, n & 0xff, (n >> 8) & 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
  else if (kind === 17) addr = NetAddress.torV3(new Uint8Array(32).fill(n & 0xff).map((b, i) => (i < 3 ? (n >> (8 * i)) & 0xff : b)));
  else if (kind === 18) addr = NetAddress.i2p(new Uint8Array(32).fill((n * 3) & 0xff).map((b, i) => (i < 3 ? (n >> (8 * i)) & 0xff : b)));
  else addr = NetAddress.cjdns(Uint8Array.of(0xfc, 0, n & 0xff, (n >> 8) & 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
  return new NetService(addr, kind === 18 ? 0 : [8333, 18444, 9999][n % 3]);
}

function sourceOf(n: number): NetAddress {
  return NetAddress.ipv4(Uint8Array.of(100 + (n % 64), n & 0xff, 1, 1));
}

/** Entries with every field peers.dat stores, in cell order: equal lists mean an identical table. */
function entries(man: AddrMan): string[] {
  const row = (p: EntryPosition): string => [p.bucket, p.position, p.multiplicity, p.info.record.service.toString(), p.info.record.services,
    p.info.record.time, p.info.source.toString(), p.info.lastSuccess, p.info.attempts, p.info.inTried].join(' ');
  return [...man.getEntries(false).map(row), ...man.getEntries(true).map(row)];
}

const NETWORKS: NetId[] = [Net.IPV4, Net.IPV6, Net.ONION, Net.I2P, Net.CJDNS];

test(`${OPS} random addrman operations keep checkConsistency() at 0, and every save/reload round trip is identical`, (t) => {
  const rng = new FuzzRng(SEED);
  const clock = new VirtualClock(1_700_000_000_000);
  const options = (): AddrManOptions => ({ clock, random: ChaChaRandom.fromSeed(`${SEED}/${rng.u32()}`) });
  let man = new AddrMan(options());
  const counts: Record<string, number> = {};
  let reloads = 0;
  let checks = 0;
  const started = performance.now();
  for (let i = 0; i < OPS; i++) {
    const now = clock.nowSeconds();
    const pick = rng.below(100);
    let op: string;
    if (pick < 30) {
      op = 'add';
      const records: AddressRecord[] = [];
      for (let k = rng.between(1, rng.chance(0.02) ? 1000 : 20); k > 0; k--) {
        const age = rng.chance(0.8) ? rng.below(3 * 86400) : rng.below(40 * 86400);
        records.push({ service: addressOf(rng.below(ADDRESS_SPACE)), services: BigInt(rng.pick([0, 1, 9, 1033, 1 << 24])), time: now - age });
      }
      man.add(records, sourceOf(rng.below(400)), rng.chance(0.5) ? 7200 : 0);
    } else if (pick < 45) {
      op = 'good';
      man.good(addressOf(rng.below(ADDRESS_SPACE)));
    } else if (pick < 58) {
      op = 'attempt';
      man.attempt(addressOf(rng.below(ADDRESS_SPACE)), rng.chance(0.7));
    } else if (pick < 66) {
      op = 'connected';
      man.connected(addressOf(rng.below(ADDRESS_SPACE)));
    } else if (pick < 80) {
      op = 'select';
      const nets = rng.chance(0.7) ? [] : NETWORKS.filter(() => rng.chance(0.4));
      man.select({ newOnly: rng.chance(0.3), networks: nets });
    } else if (pick < 85) {
      op = 'getAddr';
      man.getAddr({ maxAddresses: rng.pick([0, 23, 1000, 2500]), maxPct: rng.pick([0, 23, 100]), filtered: rng.chance(0.8),
        ...(rng.chance(0.2) ? { network: rng.pick(NETWORKS) } : {}) });
    } else if (pick < 90) {
      op = 'resolveCollisions';
      man.resolveCollisions();
    } else if (pick < 93) {
      op = 'selectTriedCollision';
      man.selectTriedCollision();
    } else {
      op = 'time';
      clock.advance(rng.chance(0.9) ? rng.between(1, 3600) * 1000 : rng.between(1, 10 * 86400) * 1000);
    }
    counts[op] = (counts[op] ?? 0) + 1;
    if ((i + 1) % CHECK_EVERY === 0) {
      const code = man.checkConsistency();
      if (code !== 0) assert.fail(`checkConsistency() = ${code} after operation ${i} (${op}), seed ${SEED}`);
      checks++;
    }
    if ((i + 1) % RELOAD_EVERY === 0) {
      const bytes = man.serialize(MAGIC);
      const loaded = AddrMan.deserialize(bytes, MAGIC, options());
      assert.equal(loaded.checkConsistency(), 0, `consistency after reload at operation ${i}, seed ${SEED}`);
      assert.ok(Buffer.from(loaded.serialize(MAGIC)).equals(Buffer.from(bytes)), `save → load → save differs at operation ${i}, seed ${SEED}`);
      assert.deepEqual(entries(loaded), entries(man), `reloaded entries differ at operation ${i}, seed ${SEED}`);
      man = loaded;
      reloads++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`${OPS} operations in ${seconds.toFixed(1)} s (${Math.round(OPS / seconds)}/s), ${checks} consistency checks, ${reloads} reloads; ` +
    `final table: ${man.size({ inNew: true })} new, ${man.size({ inNew: false })} tried; ops: ${JSON.stringify(counts)}`);
  assert.ok(man.size({ inNew: false }) > 0 && man.size({ inNew: true }) > 0, 'the sequence exercised both tables');
});
