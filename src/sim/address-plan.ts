/**
 * The simulated Internet's address plan: which IPv4 /16 blocks exist, who owns them and which
 * autonomous system announces each — everything the netgroup and asmap defences look at.
 *
 * - **Honest nodes** live in a pool of /16s whose popularity follows a Zipf law (a few hosting blocks
 *   hold many nodes, as on the real network), and the pool's /16s belong to honest ASes whose sizes
 *   also follow a Zipf law (a big hosting AS owns many /16s).
 * - **Attackers** get their own blocks, never shared with honest nodes, shaped like Heilman et al.'s:
 *   a *botnet* (a couple of IPs in each of thousands of /16s spread over many residential ASes), an
 *   *infrastructure* attacker (a few contiguous /16s, every address usable, one AS), or an *AS-level*
 *   attacker (Erebus-style: many /16s, hence many netgroups without an asmap, but only a few ASes).
 * - **Trash**: routable addresses where no host will ever answer (an attacker's filler).
 *
 * `asmap()` encodes the whole plan with Peerbook's own asmap encoder (address/asmap.ts), so a node
 * given it groups by AS exactly as a node with Core's -asmap would. All draws come from one seeded
 * `Random`, so the plan is reproducible.
 */
import { Asmap, encodeAsmap, type AsmapEntry } from '../address/asmap.js';
import { NetAddress } from '../address/netaddress.js';
import { ArgumentError } from '../util/errors.js';
import type { Random } from '../util/random.js';

/** First octets that are (partly) special-use and never allocated here (RFC 1918, 6598, 3927, 5737, 2544, loopback …). */
const RESERVED_FIRST_OCTETS = new Set([0, 10, 100, 127, 169, 172, 192, 198, 203]);
/** Highest unicast first octet (224 and up are multicast and reserved). */
const MAX_UNICAST_FIRST_OCTET = 223;
/** ASNs of honest ASes start here; attacker and victim ASes are numbered after them. */
const FIRST_HONEST_ASN = 1000;
/** Hosts per /16 that can be handed out: third octet 0-255 × fourth octet 1-254. */
const HOSTS_PER_GROUP = 256 * 254;

/** Who owns a /16. */
export type BlockOwner = 'honest' | 'victim' | 'trash' | `attacker:${string}`;

/** Shape of an attacker's address space. */
export interface AttackerShape {
  /** Attacker id (used in ownership labels and metrics). */
  id: string;
  /** Number of distinct /16 groups. */
  groups: number;
  /** IPs in each group. */
  ipsPerGroup: number;
  /** Number of ASes the groups belong to (1 = one AS, as a hosting company; large = a botnet). */
  asCount: number;
  /** Allocate the groups as one contiguous run of /16s (an infrastructure attacker's blocks). */
  contiguous?: boolean;
}

/** Options of the address plan. */
export interface AddressPlanOptions {
  /** /16 blocks available to honest nodes. */
  honestGroups: number;
  /** Honest ASes those blocks belong to. */
  honestAses: number;
  /** Zipf exponent of /16 popularity among honest nodes and of AS sizes (0 = uniform). */
  zipfExponent: number;
}

/** A 32-bit IPv4 address as a number. */
export type Ip4 = number;

/** IPv4 number → NetAddress. */
export function ip4Address(ip: Ip4): NetAddress {
  return NetAddress.ipv4(Uint8Array.of(ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff));
}

/** NetAddress → IPv4 number, or -1 for other networks. */
export function addressIp4(addr: NetAddress): Ip4 {
  if (!addr.isIPv4()) return -1;
  const b = addr.bytes;
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** The /16 number (first two octets) of an IPv4 number. */
export function group16(ip: Ip4): number {
  return ip >>> 16;
}

/** Cumulative weights of a Zipf law over n ranks with exponent s (normalised to end at 1). */
function zipfCumulative(n: number, s: number): Float64Array {
  const out = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) out[i] = acc += 1 / Math.pow(i + 1, s);
  for (let i = 0; i < n; i++) out[i] /= acc;
  return out;
}

/** Index of the first cumulative weight above u (binary search). */
function pick(cumulative: Float64Array, u: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < cumulative[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The simulated address plan (see the module comment). */
export class AddressPlan {
  private readonly owner = new Map<number, BlockOwner>();
  private readonly asnOf = new Map<number, number>();
  private readonly usedIps = new Set<Ip4>();
  private readonly honestPool: number[] = [];
  private readonly honestCumulative: Float64Array;
  private readonly freeGroups: number[];
  private nextAsn: number;
  private readonly attackerIps = new Map<string, Ip4[]>();
  private trashCursor = 0;
  private trashGroups: number[] = [];

  /** @param random the plan's draws; @param options the honest pool's shape. */
  constructor(private readonly random: Random, readonly options: AddressPlanOptions) {
    if (!(options.honestGroups >= 1) || !(options.honestAses >= 1) || options.honestAses > options.honestGroups) {
      throw new ArgumentError(`address plan needs 1 ≤ honestAses ≤ honestGroups, got ${options.honestAses} and ${options.honestGroups}`);
    }
    const all: number[] = [];
    for (let a = 1; a <= MAX_UNICAST_FIRST_OCTET; a++) {
      if (RESERVED_FIRST_OCTETS.has(a)) continue;
      for (let b = 0; b < 256; b++) all.push((a << 8) | b);
    }
    this.freeGroups = random.shuffle(all);
    // Honest pool, and its ASes: AS sizes by Zipf, each /16 to one AS.
    const asCumulative = zipfCumulative(options.honestAses, options.zipfExponent);
    for (let i = 0; i < options.honestGroups; i++) {
      const g = this.takeGroup();
      this.owner.set(g, 'honest');
      // Every AS gets at least one block; the rest are spread by AS size.
      const as = i < options.honestAses ? i : pick(asCumulative, random.randfloat());
      this.asnOf.set(g, FIRST_HONEST_ASN + as);
      this.honestPool.push(g);
    }
    this.honestCumulative = zipfCumulative(options.honestGroups, options.zipfExponent);
    this.nextAsn = FIRST_HONEST_ASN + options.honestAses;
  }

  private takeGroup(): number {
    const g = this.freeGroups.pop();
    if (g === undefined) throw new ArgumentError('address plan: no /16 blocks left');
    return g;
  }

  private freshHost(g: number): Ip4 {
    for (let tries = 0; tries < 1000; tries++) {
      const host = this.random.randrange(HOSTS_PER_GROUP);
      const ip = ((g << 16) | ((host / 254) << 8) | ((host % 254) + 1)) >>> 0;
      if (!this.usedIps.has(ip)) {
        this.usedIps.add(ip);
        return ip;
      }
    }
    throw new ArgumentError(`address plan: /16 ${g >> 8}.${g & 0xff} is full`);
  }

  /** A new honest node's IP: a /16 of the honest pool drawn by popularity, a random unused host in it. */
  honestIp(): Ip4 {
    return this.freshHost(this.honestPool[pick(this.honestCumulative, this.random.randfloat())]);
  }

  /** An IP in a /16 of its own (and an AS of its own) — for victims, so nothing else shares their group. */
  isolatedIp(owner: BlockOwner = 'victim'): Ip4 {
    const g = this.takeGroup();
    this.owner.set(g, owner);
    this.asnOf.set(g, this.nextAsn++);
    return this.freshHost(g);
  }

  /** Allocates an attacker's address space; returns its IPs (group by group). */
  attacker(shape: AttackerShape): Ip4[] {
    if (this.attackerIps.has(shape.id)) throw new ArgumentError(`attacker ${shape.id} already allocated`);
    if (!(shape.groups >= 1) || !(shape.ipsPerGroup >= 1) || !(shape.asCount >= 1) || shape.ipsPerGroup > HOSTS_PER_GROUP) {
      throw new ArgumentError(`attacker ${shape.id}: groups, ipsPerGroup and asCount must be ≥ 1 (ipsPerGroup ≤ ${HOSTS_PER_GROUP})`);
    }
    const groups = shape.contiguous ? this.takeContiguous(shape.groups) : Array.from({ length: shape.groups }, () => this.takeGroup());
    const firstAsn = this.nextAsn;
    this.nextAsn += shape.asCount;
    const ips: Ip4[] = [];
    groups.forEach((g, i) => {
      this.owner.set(g, `attacker:${shape.id}`);
      this.asnOf.set(g, firstAsn + (i % shape.asCount));
      for (let k = 0; k < shape.ipsPerGroup; k++) {
        // Contiguous blocks are used densely from the bottom, like a hosting company's ranges.
        const ip = shape.contiguous ? ((g << 16) | ((k / 254) << 8) | ((k % 254) + 1)) >>> 0 : this.freshHost(g);
        this.usedIps.add(ip);
        ips.push(ip);
      }
    });
    this.attackerIps.set(shape.id, ips);
    return ips;
  }

  /** A run of `n` adjacent free /16s (same first octet), removed from the free list. */
  private takeContiguous(n: number): number[] {
    if (n > 256) throw new ArgumentError(`a contiguous attacker block holds at most 256 /16s, asked ${n}`);
    const free = new Set(this.freeGroups);
    const starts = this.random.shuffle([...this.freeGroups]);
    for (const start of starts) {
      if ((start & 0xff) + n > 256) continue;
      let ok = true;
      for (let i = 1; i < n && ok; i++) ok = free.has(start + i);
      if (!ok) continue;
      const run = Array.from({ length: n }, (_, i) => start + i);
      const taken = new Set(run);
      const rest = this.freeGroups.filter((g) => !taken.has(g));
      this.freeGroups.length = 0;
      this.freeGroups.push(...rest);
      return run;
    }
    throw new ArgumentError(`address plan: no run of ${n} free /16s`);
  }

  /** `count` routable trash IPs where no host will ever be (from /16s owned by nobody). */
  trash(count: number): Ip4[] {
    const out: Ip4[] = [];
    while (out.length < count) {
      if (this.trashCursor >= this.trashGroups.length * 64) {
        const g = this.takeGroup();
        this.owner.set(g, 'trash');
        this.trashGroups.push(g);
      }
      const g = this.trashGroups[Math.floor(this.trashCursor / 64)];
      out.push(this.freshHost(g));
      this.trashCursor++;
    }
    return out;
  }

  /** `n` whole /16 blocks of trash (no host will ever answer there), as /16 numbers. */
  trashBlocks(n: number): number[] {
    return Array.from({ length: n }, () => {
      const g = this.takeGroup();
      this.owner.set(g, 'trash');
      return g;
    });
  }

  /** The owner of the /16 an address is in (undefined: not allocated, or not IPv4). */
  ownerOf(addr: NetAddress): BlockOwner | undefined {
    const ip = addressIp4(addr);
    return ip < 0 ? undefined : this.owner.get(group16(ip));
  }

  /** The AS announcing an address's /16 (0: none). */
  asnOfAddress(addr: NetAddress): number {
    const ip = addressIp4(addr);
    return ip < 0 ? 0 : this.asnOf.get(group16(ip)) ?? 0;
  }

  /** Number of distinct ASes among a set of addresses. */
  distinctAses(addrs: readonly NetAddress[]): number {
    return new Set(addrs.map((a) => this.asnOfAddress(a))).size;
  }

  /** An asmap of every allocated /16, encoded with Peerbook's encoder and loaded back (validated). */
  asmap(): Asmap {
    const entries: AsmapEntry[] = [];
    for (const [g, asn] of [...this.asnOf].sort((x, y) => x[0] - y[0])) {
      const prefix = new Uint8Array(16);
      prefix[10] = 0xff;
      prefix[11] = 0xff;
      prefix[12] = g >> 8;
      prefix[13] = g & 0xff;
      entries.push({ prefix, prefixLength: 96 + 16, asn });
    }
    return Asmap.fromBytes(encodeAsmap(entries));
  }
}
