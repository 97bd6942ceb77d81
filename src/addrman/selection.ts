/**
 * Choosing addresses: Core's `Select_` and `GetAddr_`, and Peerbook's `selectForConnection`.
 *
 * `selectSlot` and `getAddrSlots` make exactly Core's draws from the random stream, but fewer calls:
 * through a `BitReservoir` they draw the bits they will certainly need next in one call (see
 * bit-reservoir.ts). In Select, after the table choice comes at least one (bucket, position) pair —
 * randrange(1024|256) and randrange(64) are plain randbits(10|8) and randbits(6), the ranges being
 * powers of two — and after every pair at least 30 more bits (the acceptance draw randbits(30), or
 * further pairs); in GetAddr each remaining iteration draws at least bit_width(range) bits. Tests
 * compare both with literal transcriptions of Core's loops, result by result and draw by draw.
 *
 * Empty buckets are recognised from per-bucket occupancy counts, so the "almost empty table" case costs
 * a third of a draw per iteration instead of two draws and a 64-cell scan.
 */
import type { NetAddress } from '../address/netaddress.js';
import type { NetService } from '../address/service.js';
import {
  ADDRMAN_BUCKET_SIZE,
  ADDRMAN_NEW_BUCKET_COUNT,
  ADDRMAN_SELECT_MAX_ITERATIONS,
  ADDRMAN_TRIED_BUCKET_COUNT,
  MAX_CONNECTION_SELECT_TRIES,
  RARE_SERVICE_FRACTION,
} from './constants.js';
import { bitWidth } from './bit-reservoir.js';
import { stateEligible } from './connection-state.js';
import { splitServices } from './entries.js';
import { NET_COUNT, type AddrTable } from './table.js';

const TWO_30 = 1 << 30;
/** Bits of Core's acceptance draw, `randbits<30>()`. */
const ACCEPT_BITS = 30;
/** Bits of a bucket position draw, randrange(64). */
const POSITION_BITS = 6;

/** Options of Core `Select`. */
export interface SelectOptions {
  /** Only the new table (Core `new_only`). */
  newOnly?: boolean;
  /** Bitmask of network ids (1 << NetId); 0 = any (Core `networks` empty). */
  netMask?: number;
}

/**
 * Core `Select_(new_only, networks)`: the slot of a randomly chosen entry, or -1. Chooses the tried or
 * new table (50/50 when both have candidates), then a random bucket and a random start position,
 * takes the first candidate at or after it, and accepts it with probability `chance × factor`,
 * raising the factor by 1.2 after each rejection. Gives up after ADDRMAN_SELECT_MAX_ITERATIONS.
 */
export function selectSlot(t: AddrTable, now: number, opts: SelectOptions = {}): number {
  const e = t.entries;
  if (e.randomLen === 0) return -1;
  const netMask = opts.netMask ?? 0;
  const newOnly = opts.newOnly ?? false;
  let newCount = t.nNew;
  let triedCount = t.nTried;
  let nets: number[] | undefined;
  if (netMask !== 0) {
    nets = [];
    newCount = 0;
    triedCount = 0;
    for (let n = 0; n < NET_COUNT; n++) {
      if (((netMask >>> n) & 1) === 0) continue;
      nets.push(n);
      newCount += t.netNew[n];
      triedCount += t.netTried[n];
    }
  }
  if (newOnly && newCount === 0) return -1;
  if (newCount + triedCount === 0) return -1;

  const bits = t.bits.start();
  // Decide if we are going to search the new or tried table; if either option is viable, 50/50
  // (randbool; at least a pair and an acceptance draw follow).
  let searchTried: boolean;
  if (newOnly || triedCount === 0) searchTried = false;
  else if (newCount === 0) searchTried = true;
  else searchTried = bits.take(1, 8 + POSITION_BITS + ACCEPT_BITS) === 1;

  const bucketCount = searchTried ? ADDRMAN_TRIED_BUCKET_COUNT : ADDRMAN_NEW_BUCKET_COUNT;
  const bucketBits = searchTried ? 8 : 10;
  const cells = searchTried ? t.vvTried : t.vvNew;
  const fill = searchTried ? t.triedFill : t.newFill;
  const netFill = searchTried ? t.netTriedFill : t.netNewFill;
  const network = e.network;

  let chanceFactor = 1.0;
  for (let iter = 0; iter < ADDRMAN_SELECT_MAX_ITERATIONS; iter++) {
    // Pick a bucket, and an initial position in that bucket (Core: randrange(bucket_count), randrange(64)).
    // randrange(2^k) is randbits(k): the bucket is the low bits of the pair, the position the high ones.
    let pair: number;
    if (nets === undefined) {
      // Pairs whose bucket is empty are passed over (Core: `continue`) in one tight loop.
      pair = bits.nextPairIn(fill, bucketBits, bucketBits + POSITION_BITS, ACCEPT_BITS, ADDRMAN_SELECT_MAX_ITERATIONS - iter);
      iter += bits.skipped;
      if (pair < 0) break;
    } else {
      pair = bits.take(bucketBits + POSITION_BITS, ACCEPT_BITS);
    }
    const bucket = pair & (bucketCount - 1);
    const initial = pair >>> bucketBits;

    // If the bucket has no candidate, start over with a (likely) different one.
    let candidates: number;
    if (nets === undefined) {
      candidates = fill[bucket];
    } else {
      candidates = 0;
      for (const n of nets) candidates += netFill[n * bucketCount + bucket];
    }
    if (candidates === 0) continue;

    // Iterate over the positions of that bucket, starting at the initial one and looping around.
    const base = bucket * ADDRMAN_BUCKET_SIZE;
    let found = -1;
    for (let i = 0; i < ADDRMAN_BUCKET_SIZE; i++) {
      const s = cells[base + ((initial + i) & (ADDRMAN_BUCKET_SIZE - 1))];
      if (s >= 0 && (netMask === 0 || ((netMask >>> network[s]) & 1) === 1)) {
        found = s;
        break;
      }
    }
    if (found < 0) continue;

    // With probability GetChance() * chance_factor, return the entry (Core: randbits<30>()).
    if (bits.take(ACCEPT_BITS, 0) < chanceFactor * t.chance(found, now) * TWO_30) return found;
    // Otherwise start over with a (likely) different bucket, and increased chance factor.
    chanceFactor *= 1.2;
  }
  return -1;
}

/** Options of Core `GetAddr`. */
export interface GetAddrOptions {
  /** At most this many (0 = no limit). */
  maxAddresses: number;
  /** At most this percentage of the table (0 = no limit; values above 100 count as 100). */
  maxPct: number;
  /** Only addresses of this network class (Core `GetNetClass`). */
  network?: number;
  /** Skip terrible entries (default true). */
  filtered?: boolean;
}

/**
 * Core `GetAddr_`: up to min(maxPct % of the table, maxAddresses) random entries. A partial
 * Fisher–Yates shuffle of `randomOrder` (which it permanently permutes, as Core's vRandom); the cap is
 * computed before filtering, so filtered results can be shorter. Returns the slots, in `scratch` when
 * it is large enough (a view of it), else in a new array.
 */
export function getAddrSlots(t: AddrTable, now: number, opts: GetAddrOptions, scratch?: Int32Array): Int32Array {
  const e = t.entries;
  const total = e.randomLen;
  let nodes = total;
  let maxPct = opts.maxPct;
  if (maxPct !== 0) {
    maxPct = Math.min(maxPct, 100);
    nodes = Math.floor((maxPct * nodes) / 100);
  }
  if (opts.maxAddresses !== 0) nodes = Math.min(nodes, opts.maxAddresses);
  const filtered = opts.filtered ?? true;
  nodes = Math.max(0, nodes);
  const out = scratch !== undefined && scratch.length >= nodes ? scratch : new Int32Array(nodes);
  let count = 0;
  const order = e.randomOrder;
  const netClass = e.netClass;
  const network = opts.network;
  const bits = t.bits.start();
  for (let n = 0; n < total; n++) {
    if (count >= nodes) break;
    // Iterations that will certainly follow this one, each drawing at least bit_width of a smaller range.
    const more = Math.min(nodes - count - 1, total - n - 1);
    const rnd = bits.range(total - n, more * bitWidth(Math.max(0, total - n - 1 - more))) + n;
    e.swapRandom(n, rnd);
    const slot = order[n];
    if (network !== undefined && netClass[slot] !== network) continue;
    if (filtered && t.isTerrible(slot, now)) continue;
    out[count++] = slot;
  }
  return out.subarray(0, count);
}

/** Options of `selectForConnection`. */
export interface ConnectionSelectOptions {
  /** Prefer entries advertising all of these service bits. */
  requiredServices?: bigint;
  /** Choose a feeler target (test-before-evict candidates and new-table entries first). */
  feeler?: boolean;
  /** Bitmask of acceptable network ids (0 = any). */
  netMask?: number;
  /** Returns true for addresses that must not be chosen (already connected elsewhere, same netgroup …). */
  exclude?: (s: NetService) => boolean;
}

/** Clock readings and settings `selectForConnection` needs. */
export interface ConnectionSelectContext {
  /** The ban system's verdict (banned or discouraged: never dialled); absent = nothing banned. */
  isBanned?: ((addr: NetAddress) => boolean) | undefined;
  /** Now, Unix seconds (addrman time). */
  nowSeconds: number;
  /** Now, ms (state expiry checks). */
  nowMs: number;
  /** Failed addresses become eligible again after this long, ms. */
  failedRetryMs: number;
  /** Core `SelectTriedCollision_` returning the occupant's slot or -1 (draws from the random stream). */
  selectTriedCollision: () => number;
}

/**
 * Peerbook's connection choice (Floresta `get_address_to_connect`, built on Core's selection). A feeler
 * tries Core's test-before-evict candidate, then new-table entries, then any entry. A regular pick
 * prefers entries advertising every `requiredServices` bit — through Core's `select` when such entries
 * are common, by sampling the rarest bit's member list (weighted by Core's `GetChance`) when they are
 * rare — and falls back to Core's `select` when none qualifies. Connected and recently failed entries,
 * entries the ban system bans (`ctx.isBanned`: Core's `OpenNetworkConnection` refuses banned and
 * discouraged targets; here the search moves on to another candidate instead of wasting the round)
 * and excluded addresses are skipped. Every loop is bounded (MAX_CONNECTION_SELECT_TRIES).
 * Returns a slot or -1.
 */
export function selectForConnectionSlot(t: AddrTable, ctx: ConnectionSelectContext, opts: ConnectionSelectOptions): number {
  const e = t.entries;
  const feeler = opts.feeler ?? false;
  const netMask = opts.netMask ?? 0;
  const eligible = (slot: number): boolean => {
    if (slot < 0) return false;
    if (!stateEligible(e.stateKind[slot], e.stateTime[slot], ctx.nowMs, ctx.failedRetryMs, feeler)) return false;
    if (netMask !== 0 && ((netMask >>> e.network[slot]) & 1) === 0) return false;
    if (ctx.isBanned !== undefined && ctx.isBanned(e.addrAt(slot))) return false;
    return !(opts.exclude && opts.exclude(e.serviceAt(slot)));
  };
  const fromSelect = (newOnly: boolean, accept: (slot: number) => boolean, tries: number): number => {
    for (let i = 0; i < tries; i++) {
      const slot = selectSlot(t, ctx.nowSeconds, { newOnly, netMask });
      if (slot < 0) return -1;
      if (accept(slot)) return slot;
    }
    return -1;
  };

  if (feeler) {
    const collision = ctx.selectTriedCollision();
    if (eligible(collision)) return collision;
    const fresh = fromSelect(true, eligible, MAX_CONNECTION_SELECT_TRIES);
    if (fresh >= 0) return fresh;
    return fromSelect(false, eligible, MAX_CONNECTION_SELECT_TRIES);
  }

  const required = opts.requiredServices ?? 0n;
  if (required !== 0n) {
    const [reqLo, reqHi] = splitServices(required);
    const qualifies = (slot: number): boolean => e.hasServices(slot, reqLo, reqHi) && eligible(slot);
    const bit = e.services.rarestBit(reqLo, reqHi);
    const members = e.services.members[bit];
    if (members > 0) {
      if (members * RARE_SERVICE_FRACTION >= e.live) {
        const common = fromSelect(false, qualifies, MAX_CONNECTION_SELECT_TRIES);
        if (common >= 0) return common;
      }
      const rare = sampleServiceList(t, bit, qualifies, ctx.nowSeconds);
      if (rare >= 0) return rare;
    }
  }
  return fromSelect(false, eligible, MAX_CONNECTION_SELECT_TRIES);
}

/**
 * Samples bit `bit`'s member list for a qualifying entry, accepting a candidate with probability
 * `GetChance() × factor` and raising the factor by 1.2 after each rejection, as Core's select does.
 */
function sampleServiceList(t: AddrTable, bit: number, qualifies: (slot: number) => boolean, now: number): number {
  const idx = t.entries.services;
  let factor = 1.0;
  for (let i = 0; i < MAX_CONNECTION_SELECT_TRIES; i++) {
    const len = idx.listLength(bit);
    if (len === 0) return -1;
    const slot = idx.listAt(bit, t.random.randrange(len));
    if (!t.entries.isLive(slot) || !qualifies(slot)) continue;
    if (t.random.randbits(30) < factor * t.chance(slot, now) * TWO_30) return slot;
    factor *= 1.2;
  }
  return -1;
}
