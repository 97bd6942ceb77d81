/**
 * Bans and discouragement (Core banman.cpp), as pure state over an injected clock.
 *
 * A ban is an operator decision about a subnet with an absolute expiry (Unix seconds): banned peers are
 * refused and disconnected, and the list is persisted to banlist.json. Discouragement is automatic
 * punishment for misbehaviour: the address goes into a rolling bloom filter (fixed memory, forgets
 * after ~50,000 newer entries, never persisted), and discouraged peers are only accepted while inbound
 * slots are plentiful and are first in line for eviction.
 *
 * Core's banlist was unbounded, and with IPv6 an attacker-triggered ban per address made it grow without
 * limit (CVE-2020-14198); here the list is capped at MAX_BANLIST_ENTRIES, dropping the ban that expires
 * soonest when full, and single-address bans are indexed by address so `isBanned` does not scan.
 */
import type { NetAddress } from '../address/netaddress.js';
import { Subnet } from '../address/subnet.js';
import type { BanEntry } from '../addrman/banlist.js';
import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';
import { RollingBloomFilter } from '../util/rolling-bloom.js';

/** Core DEFAULT_MISBEHAVING_BANTIME (-bantime): 24 h. */
export const DEFAULT_BAN_TIME_S = 24 * 60 * 60;
/** Most bans kept at once (Core has no cap; see module comment). */
export const MAX_BANLIST_ENTRIES = 50_000;
/** Core banman.h: the discouragement filter remembers this many addresses … */
export const DISCOURAGEMENT_FILTER_ELEMENTS = 50_000;
/** … with this false-positive rate. */
export const DISCOURAGEMENT_FILTER_FP_RATE = 0.000001;

/** How long a ban lasts. */
export interface BanOptions {
  /** Seconds (relative) or a Unix time (absolute); ≤ 0 means the default ban time. */
  time?: number;
  /** Treat `time` as an absolute Unix time (Core setban `absolute`). */
  absolute?: boolean;
}

function isSingle(subnet: Subnet): boolean {
  return Subnet.single(subnet.network).equals(subnet);
}

/** The ban list and discouragement filter. */
export class BanMan {
  private readonly singles = new Map<string, BanEntry>();
  private readonly ranges = new Map<string, BanEntry>();
  private readonly discouraged: RollingBloomFilter;
  private readonly onChange: (() => void) | undefined;

  /**
   * @param clock time source; @param random seeds the discouragement filter's tweak;
   * @param options.maxEntries cap (default MAX_BANLIST_ENTRIES); options.defaultBanTime seconds; options.onChange called after every change to the list (to persist it).
   */
  constructor(private readonly clock: Clock, random: Random,
    private readonly options: { maxEntries?: number; defaultBanTime?: number; onChange?: () => void } = {}) {
    this.discouraged = new RollingBloomFilter(DISCOURAGEMENT_FILTER_ELEMENTS, DISCOURAGEMENT_FILTER_FP_RATE, random);
    this.onChange = options.onChange;
  }

  private get maxEntries(): number {
    return this.options.maxEntries ?? MAX_BANLIST_ENTRIES;
  }

  private tableFor(subnet: Subnet): Map<string, BanEntry> {
    return isSingle(subnet) ? this.singles : this.ranges;
  }

  /** Number of bans held (including expired ones not yet swept). */
  get size(): number {
    return this.singles.size + this.ranges.size;
  }

  /**
   * Core `BanMan::Ban`: bans `subnet` until now + time (or until `time` if absolute). An existing ban is
   * only ever extended, never shortened. Returns the resulting entry.
   */
  ban(subnet: Subnet, options: BanOptions = {}): BanEntry {
    if (!subnet.isValid()) throw new RangeError(`cannot ban an invalid subnet`);
    const now = this.clock.nowSeconds();
    let time = options.time ?? 0;
    let absolute = options.absolute ?? false;
    if (time <= 0) {
      time = this.options.defaultBanTime ?? DEFAULT_BAN_TIME_S;
      absolute = false;
    }
    const until = (absolute ? 0 : now) + time;
    const table = this.tableFor(subnet);
    const existing = table.get(subnet.key);
    if (existing && existing.until >= until) return existing;
    const entry: BanEntry = { subnet, created: now, until };
    if (!existing) this.makeRoom();
    table.set(subnet.key, entry);
    this.onChange?.();
    return entry;
  }

  /** Drops expired bans, then, if still full, the ban that would expire first. */
  private makeRoom(): void {
    if (this.size < this.maxEntries) return;
    this.sweep();
    while (this.size >= this.maxEntries) {
      let soonest: BanEntry | undefined;
      for (const e of [...this.singles.values(), ...this.ranges.values()]) if (!soonest || e.until < soonest.until) soonest = e;
      this.tableFor(soonest!.subnet).delete(soonest!.subnet.key);
    }
  }

  /** Core `BanMan::Unban`: true if the subnet was banned. */
  unban(subnet: Subnet): boolean {
    const removed = this.tableFor(subnet).delete(subnet.key);
    if (removed) this.onChange?.();
    return removed;
  }

  /** Core `IsBanned(addr)`: an unexpired ban covers `addr`. */
  isBanned(addr: NetAddress): boolean {
    const now = this.clock.nowSeconds();
    const single = this.singles.get(Subnet.single(addr).key);
    if (single && now < single.until) return true;
    for (const e of this.ranges.values()) if (now < e.until && e.subnet.match(addr)) return true;
    return false;
  }

  /** Core `IsBanned(subnet)`: this exact subnet has an unexpired ban. */
  isSubnetBanned(subnet: Subnet): boolean {
    const e = this.tableFor(subnet).get(subnet.key);
    return e !== undefined && this.clock.nowSeconds() < e.until;
  }

  /** Core `SweepBanned`: removes expired bans. */
  sweep(): void {
    const now = this.clock.nowSeconds();
    let changed = false;
    for (const table of [this.singles, this.ranges]) {
      for (const [key, e] of table) {
        if (now >= e.until) {
          table.delete(key);
          changed = true;
        }
      }
    }
    if (changed) this.onChange?.();
  }

  /** Core `GetBanned`: unexpired bans, sorted by subnet text. */
  list(): BanEntry[] {
    this.sweep();
    return [...this.singles.values(), ...this.ranges.values()].sort((a, b) => a.subnet.toString().localeCompare(b.subnet.toString()));
  }

  /** Core `ClearBanned`. */
  clear(): void {
    this.singles.clear();
    this.ranges.clear();
    this.onChange?.();
  }

  /** Replaces the list with loaded entries (expired ones dropped, cap applied), without calling onChange. */
  load(entries: readonly BanEntry[]): void {
    this.singles.clear();
    this.ranges.clear();
    const now = this.clock.nowSeconds();
    const live = entries.filter((e) => e.subnet.isValid() && now < e.until).sort((a, b) => b.until - a.until);
    for (const e of live.slice(0, this.maxEntries)) this.tableFor(e.subnet).set(e.subnet.key, e);
  }

  /** Core `Discourage`: remember `addr` as a misbehaver (not persisted, cannot be listed). */
  discourage(addr: NetAddress): void {
    this.discouraged.insert(addr.getAddrBytes());
  }

  /** Core `IsDiscouraged`. */
  isDiscouraged(addr: NetAddress): boolean {
    return this.discouraged.contains(addr.getAddrBytes());
  }
}
