/**
 * What the address table is made of — the numbers an operator watches for an eclipse attack. An
 * attacker who wants to own our outbound connections must first fill our table with addresses it
 * controls, and it can only feed us through peers: so the share of entries that came from one
 * *source* group (the network group of the peer that first told us of the entry — Core keeps one
 * source per entry) is the early signal, and the share of
 * entries *in* one group (where the addresses point) is the later one. Core's bucketing caps how far
 * one source group can reach (64 of the 1,024 new buckets, ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP), so
 * on a full table no source group can hold more than 64 × 64 entries (6.25 % of the new table); a
 * share far above that on a young table tells the operator that few peers taught it everything.
 *
 * Computed from `getEntries` (Core getrawaddrman), the address manager's public view, in the same
 * pass that counts bucket fill. A new-table entry appears once per bucket that references it, so each
 * appearance counts 1 / multiplicity: every entry counts exactly once.
 */
import { netGroupLabel } from '../address/group-label.js';
import type { NetAddress } from '../address/netaddress.js';
import type { NetGroupManager } from '../address/netgroup.js';
import { REACHABLE_NETWORKS } from '../address/network.js';
import type { EntryPosition } from '../addrman/types.js';
import { ADDRMAN_BUCKET_SIZE, ADDRMAN_NEW_BUCKET_COUNT, ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP } from '../addrman/constants.js';

/** Groups listed by name in each ranking (the rest are summed up). */
export const COMPOSITION_TOP_GROUPS = 10;
/**
 * Most distinct groups counted per ranking (memory bound: a full table has at most 81,920 entries, so
 * this is never reached by the address table itself, but the cap keeps the map bounded by contract).
 */
export const MAX_COMPOSITION_GROUPS = 100_000;

/** One group's part of the table. */
export interface GroupShare {
  /** The group's name (`1.2.0.0/16`, `AS3320`, `onion 7…/4`, …). */
  group: string;
  /** Entries (each counted once). */
  entries: number;
  /** Of those, in the new table. */
  new: number;
  /** Of those, in the tried table. */
  tried: number;
  /** entries ÷ table total (0 … 1). */
  share: number;
}

/** A ranking of groups by entries. */
export interface GroupRanking {
  /** Distinct groups. */
  groups: number;
  /** The largest COMPOSITION_TOP_GROUPS groups, largest first (ties by name). */
  top: GroupShare[];
  /** Entries left out because MAX_COMPOSITION_GROUPS groups were already counted (0 in practice). */
  uncounted: number;
  /** Share of the table held by the largest group. */
  top1_share: number;
  /** … by the largest 5. */
  top5_share: number;
  /** … by the largest 10. */
  top10_share: number;
}

/** `/api/addrman/composition`. */
export interface AddrmanComposition {
  /** Entries (new + tried). */
  total: number;
  new: number;
  tried: number;
  /** `asmap` when groups are autonomous systems, else `prefix` (/16 for IPv4, /32 for IPv6 …). */
  grouping: 'asmap' | 'prefix';
  /** Entries by the address's own network (every reachable network present). */
  by_network: Record<string, { new: number; tried: number }>;
  /** Entries by the group of the peer they were learned from (the eclipse signal). */
  by_source_group: GroupRanking;
  /** Entries by their own group. */
  by_address_group: GroupRanking;
  /** Core's bounds that put the shares in context. */
  limits: { new_buckets: number; new_buckets_per_source_group: number; bucket_size: number };
}

interface Tally {
  label: string;
  new: number;
  tried: number;
}

class GroupCounter {
  private readonly byKey = new Map<string, Tally>();
  private overflow = 0;

  constructor(private readonly groups: Pick<NetGroupManager, 'getGroup' | 'getMappedAS'>, private readonly maxGroups: number) {}

  add(addr: NetAddress, weight: number, tried: boolean): void {
    const key = Buffer.from(this.groups.getGroup(addr)).toString('latin1');
    let t = this.byKey.get(key);
    if (!t) {
      if (this.byKey.size >= this.maxGroups) {
        this.overflow += weight;
        return;
      }
      t = { label: netGroupLabel(addr, this.groups), new: 0, tried: 0 };
      this.byKey.set(key, t);
    }
    if (tried) t.tried += weight;
    else t.new += weight;
  }

  ranking(total: number, topN: number): GroupRanking {
    const rows = [...this.byKey.values()].map((t) => {
      const n = Math.round(t.new);
      const tr = Math.round(t.tried);
      return { group: t.label, entries: n + tr, new: n, tried: tr, share: total > 0 ? (n + tr) / total : 0 };
    }).filter((r) => r.entries > 0)
      .sort((a, b) => b.entries - a.entries || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    const shareOf = (k: number): number => (total > 0 ? rows.slice(0, k).reduce((a, r) => a + r.entries, 0) / total : 0);
    return {
      groups: rows.length, top: rows.slice(0, topN), uncounted: Math.round(this.overflow),
      top1_share: shareOf(1), top5_share: shareOf(5), top10_share: shareOf(10),
    };
  }
}

/** Options of `addrmanComposition`. */
export interface CompositionOptions {
  /** Groups listed by name (default COMPOSITION_TOP_GROUPS). */
  topN?: number;
  /** Most groups counted per ranking (default MAX_COMPOSITION_GROUPS). */
  maxGroups?: number;
}

/**
 * The composition of a table given its `getEntries(false)` and `getEntries(true)` rows, grouped by
 * `groups` (the manager's NetGroupManager, so an asmap groups by AS as the table itself does).
 */
export function addrmanComposition(newEntries: readonly EntryPosition[], triedEntries: readonly EntryPosition[],
  groups: Pick<NetGroupManager, 'getGroup' | 'getMappedAS' | 'asmap'>, options: CompositionOptions = {}): AddrmanComposition {
  const topN = options.topN ?? COMPOSITION_TOP_GROUPS;
  const maxGroups = Math.min(options.maxGroups ?? MAX_COMPOSITION_GROUPS, MAX_COMPOSITION_GROUPS);
  const bySource = new GroupCounter(groups, maxGroups);
  const byAddress = new GroupCounter(groups, maxGroups);
  const byNetwork: Record<string, { new: number; tried: number }> = Object.fromEntries(REACHABLE_NETWORKS.map((n) => [n, { new: 0, tried: 0 }]));
  let nNew = 0;
  const count = (e: EntryPosition, tried: boolean): void => {
    const weight = tried ? 1 : 1 / Math.max(1, e.multiplicity);
    const addr = e.info.record.service.addr;
    bySource.add(e.info.source, weight, tried);
    byAddress.add(addr, weight, tried);
    const net = addr.networkType();
    byNetwork[net] ??= { new: 0, tried: 0 };
    if (tried) byNetwork[net].tried += 1;
    else byNetwork[net].new += weight;
    if (!tried) nNew += weight;
  };
  for (const e of newEntries) count(e, false);
  for (const e of triedEntries) count(e, true);
  for (const v of Object.values(byNetwork)) v.new = Math.round(v.new);
  const fresh = Math.round(nNew);
  const total = fresh + triedEntries.length;
  return {
    total, new: fresh, tried: triedEntries.length,
    grouping: groups.asmap ? 'asmap' : 'prefix',
    by_network: byNetwork,
    by_source_group: bySource.ranking(total, topN),
    by_address_group: byAddress.ranking(total, topN),
    limits: { new_buckets: ADDRMAN_NEW_BUCKET_COUNT, new_buckets_per_source_group: ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP, bucket_size: ADDRMAN_BUCKET_SIZE },
  };
}
