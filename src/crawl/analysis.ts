/**
 * What the crawl report shows, computed from crawl.json alone (plus an optional asmap): how the
 * attempts went over time, the reachable nodes by port, and — the question a crawl answers for
 * network health — how concentrated they are. A network whose reachable nodes sit in a handful of
 * /16 prefixes or autonomous systems is easy to partition or eclipse: whoever controls those
 * networks controls most of the peers anyone can connect to. So nodes are grouped the way Core groups
 * peers (netgroup.ts: /16 for IPv4, /32 for IPv6, by AS with an asmap) and the report gives the share
 * of the largest groups and the whole curve "share held by the largest k groups". Pure functions.
 */
import { netGroupLabel } from '../address/group-label.js';
import { NetGroupManager, type AsnLookup } from '../address/netgroup.js';
import { NetService } from '../address/service.js';
import type { CrawlNodeRecord, CrawlReport } from './record.js';
import { summarizeCrawl, type CountRow, type CrawlSummary } from './summary.js';

/** Points on the "over the crawl" timeline (the attempts are binned in time to at most this many). */
export const TIMELINE_MAX_POINTS = 400;
/** Groups listed by name in a concentration ranking. */
export const CONCENTRATION_TOP_GROUPS = 10;
/** Points on the concentration curve (share held by the largest k groups, k = 1 … this). */
export const CONCENTRATION_CURVE_MAX_K = 100;

/** Cumulative attempts finished by outcome, at `seconds` after the crawl started (by when each attempt started). */
export interface TimelinePoint {
  /** Seconds since the crawl started. */
  seconds: number;
  /** Reachable nodes among the attempts started by then. */
  reachable: number;
  /** Unreachable ones. */
  failed: number;
}

/** One group in a concentration ranking. */
export interface GroupNodes {
  /** The group's name (`1.2.0.0/16`, `AS3320`, `unmapped`). */
  group: string;
  /** Reachable nodes in it. */
  nodes: number;
  /** nodes ÷ reachable nodes. */
  share: number;
}

/** How concentrated the reachable nodes are in one grouping. */
export interface Concentration {
  /** Reachable nodes grouped. */
  total: number;
  /** Distinct groups. */
  groups: number;
  /** The largest CONCENTRATION_TOP_GROUPS groups, largest first (ties by name). */
  top: GroupNodes[];
  /** Share of nodes held by the largest group, the largest 5 and the largest 10. */
  top1Share: number;
  top5Share: number;
  top10Share: number;
  /** Smallest number of groups that together hold at least half of the nodes. */
  groupsForHalf: number;
  /** `[k, share of nodes in the largest k groups]` for k = 1 … min(groups, CONCENTRATION_CURVE_MAX_K). */
  curve: Array<[number, number]>;
}

/** Everything the crawl report draws. */
export interface CrawlAnalysis {
  /** The summary tables (by network, user agents, versions, service flags, errors). */
  summary: CrawlSummary;
  /** Reachable nodes per port, most common first. */
  ports: CountRow<number>[];
  /** Attempts over the crawl. */
  timeline: TimelinePoint[];
  /** Crawl duration, seconds. */
  durationS: number;
  /** Concentration by network group without asmap (/16, /32, …). */
  byPrefix: Concentration;
  /** Concentration by autonomous system (only with an asmap), over the nodes the map covers. */
  byAs: Concentration | undefined;
  /** Reachable nodes the asmap does not cover (unmapped prefixes, Tor, I2P, CJDNS); 0 without an asmap. */
  asUnmapped: number;
  /** Reachable nodes per AS, most common first (only with an asmap; 0 = unmapped). */
  asns: CountRow<number>[] | undefined;
}

/** Ranks group counts into a Concentration. */
export function concentration(counts: ReadonlyMap<string, number>): Concentration {
  const rows = [...counts].map(([group, nodes]) => ({ group, nodes }))
    .sort((a, b) => b.nodes - a.nodes || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  const total = rows.reduce((a, r) => a + r.nodes, 0);
  const share = (n: number): number => (total > 0 ? n / total : 0);
  const curve: Array<[number, number]> = [];
  let running = 0;
  let groupsForHalf = 0;
  rows.forEach((r, i) => {
    running += r.nodes;
    if (groupsForHalf === 0 && running * 2 >= total) groupsForHalf = i + 1;
    if (i < CONCENTRATION_CURVE_MAX_K) curve.push([i + 1, share(running)]);
  });
  const topShare = (k: number): number => share(rows.slice(0, k).reduce((a, r) => a + r.nodes, 0));
  return {
    total, groups: rows.length,
    top: rows.slice(0, CONCENTRATION_TOP_GROUPS).map((r) => ({ ...r, share: share(r.nodes) })),
    top1Share: topShare(1), top5Share: topShare(5), top10Share: topShare(10), groupsForHalf, curve,
  };
}

function bump<K>(m: Map<K, number>, key: K): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function ranked<T>(m: Map<T, number>): CountRow<T>[] {
  return [...m].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
}

/** The record's address, or undefined when crawl.json holds something unparseable (the report skips it). */
function serviceOf(n: CrawlNodeRecord): NetService | undefined {
  try {
    return NetService.parse(n.address);
  } catch {
    return undefined;
  }
}

/** Attempts binned into at most TIMELINE_MAX_POINTS points, cumulative, from 0 to the crawl's end. */
export function crawlTimeline(report: CrawlReport): TimelinePoint[] {
  const start = Date.parse(report.startedAt);
  const end = Math.max(start, Date.parse(report.finishedAt));
  const durationMs = end - start;
  const bins = Math.max(1, Math.min(TIMELINE_MAX_POINTS, report.nodes.length));
  const reach = new Array<number>(bins + 1).fill(0);
  const fail = new Array<number>(bins + 1).fill(0);
  for (const n of report.nodes) {
    const t = Date.parse(n.triedAt) - start;
    const bin = durationMs > 0 ? Math.min(bins, Math.max(0, Math.ceil((t / durationMs) * bins))) : 0;
    if (n.reachable) reach[bin]++;
    else fail[bin]++;
  }
  const points: TimelinePoint[] = [];
  let r = 0;
  let f = 0;
  for (let i = 0; i <= bins; i++) {
    r += reach[i];
    f += fail[i];
    points.push({ seconds: (durationMs * i) / bins / 1000, reachable: r, failed: f });
  }
  return points;
}

/** Analyses a crawl; with `asmap`, reachable nodes are also grouped by AS. */
export function analyzeCrawl(report: CrawlReport, asmap?: AsnLookup): CrawlAnalysis {
  const prefixGroups = new NetGroupManager();
  const asGroups = asmap ? new NetGroupManager(asmap) : undefined;
  const ports = new Map<number, number>();
  const byPrefix = new Map<string, number>();
  const byAs = new Map<string, number>();
  const asns = new Map<number, number>();
  for (const n of report.nodes) {
    if (!n.reachable) continue;
    const s = serviceOf(n);
    if (!s) continue;
    bump(ports, s.port);
    bump(byPrefix, netGroupLabel(s.addr, prefixGroups));
    if (asGroups) {
      const asn = asGroups.getMappedAS(s.addr);
      bump(asns, asn);
      if (asn !== 0) bump(byAs, `AS${asn}`);
    }
  }
  const start = Date.parse(report.startedAt);
  return {
    summary: summarizeCrawl(report.nodes),
    ports: ranked(ports),
    timeline: crawlTimeline(report),
    durationS: Math.max(0, (Date.parse(report.finishedAt) - start) / 1000),
    byPrefix: concentration(byPrefix),
    byAs: asGroups ? concentration(byAs) : undefined,
    asns: asGroups ? ranked(asns) : undefined,
    asUnmapped: asns.get(0) ?? 0,
  };
}
