/**
 * The dashboard's charts, drawn on the server with report/ from the same documents the JSON
 * endpoints serve: traffic over time (received solid blue, sent dashed orange, in bytes per second),
 * the fill of every new and tried bucket as a heatmap with a binned legend, and the address table's
 * composition by network and by source and address group. The page asks for each at its panel's
 * width, so a chart fills its panel at any window size. Pure functions of their inputs.
 */
import type { AddrmanComposition, GroupRanking } from './composition.js';
import type { BucketFill } from './api.js';
import type { TrafficDocument } from './traffic.js';
import { barChart } from '../report/bar-chart.js';
import { formatBytes, formatCount, formatPercent, plural } from '../report/format.js';
import { heatmap } from '../report/heatmap.js';
import { lineChart } from '../report/line-chart.js';
import { defaultTickFormat } from '../report/scale.js';
import { DARK_THEME, type ChartTheme } from '../report/theme.js';

/** Narrowest chart the page may ask for, px. */
export const CHART_MIN_WIDTH_PX = 240;
/** Widest chart the page may ask for, px. */
export const CHART_MAX_WIDTH_PX = 2_400;
/** Shortest traffic chart, px. */
export const CHART_MIN_HEIGHT_PX = 120;
/** Tallest traffic chart, px. */
export const CHART_MAX_HEIGHT_PX = 1_200;
/** Default chart width, px. */
export const DEFAULT_CHART_WIDTH_PX = 800;
/** Default traffic chart height, px. */
export const DEFAULT_TRAFFIC_HEIGHT_PX = 260;
/** Buckets per heatmap row (both tables, so their cells line up). */
export const HEATMAP_COLUMNS = 64;

/** The page's chart theme (dark; transparent so the panel colour shows). */
export const DASHBOARD_THEME: ChartTheme = { ...DARK_THEME, background: 'none' };

/** The colour of the received line (first series). */
export const RECEIVED_COLOR = DASHBOARD_THEME.series[0];
/** The colour of the sent line (second series). */
export const SENT_COLOR = DASHBOARD_THEME.series[1];

/** Picks the time unit for a span of `spanS` seconds: seconds up to 3 min, minutes up to 3 h, else hours. */
function timeUnit(spanS: number): { unit: string; perS: number } {
  if (spanS <= 180) return { unit: 's', perS: 1 };
  if (spanS <= 3 * 3600) return { unit: 'min', perS: 60 };
  return { unit: 'h', perS: 3600 };
}

/**
 * Traffic over the sampled history: one line per direction in bytes per second, x in time before the
 * newest sample (0 = now).
 */
export function trafficChart(doc: TrafficDocument, width = DEFAULT_CHART_WIDTH_PX, height = DEFAULT_TRAFFIC_HEIGHT_PX): string {
  const s = doc.samples;
  const last = s.length > 0 ? s[s.length - 1].time : 0;
  const span = s.length > 1 ? (last - s[0].time) / 1000 : doc.interval_ms / 1000;
  const { unit, perS } = timeUnit(span);
  const rate = (bytes: number, ms: number): number => (ms > 0 ? (bytes * 1000) / ms : 0);
  const x = (t: number): number => (t - last) / 1000 / perS;
  return lineChart({
    id: 'chart-traffic', title: 'Traffic by direction', showTitle: false, theme: DASHBOARD_THEME, width, height,
    description: `Bytes per second received and sent, one point per ${doc.interval_ms / 1000} s sample, ${plural(s.length, 'sample')}.`,
    x: { label: 'time before now', unit, format: (v, step) => (v === 0 ? 'now' : defaultTickFormat(v, step ?? 1)), max: 0, min: s.length > 1 ? x(s[0].time) : -span / perS },
    y: { label: 'throughput', format: (v) => `${formatBytes(v)}/s` },
    series: [
      { name: 'received', points: s.map((p) => [x(p.time), rate(p.bytesRecv, p.intervalMs)] as const) },
      { name: 'sent', points: s.map((p) => [x(p.time), rate(p.bytesSent, p.intervalMs)] as const) },
    ],
  });
}

/** Text under a heatmap: `2,764 entries in 776 of 1,024 buckets` (singular where it is one). */
export function bucketFillText(counts: readonly number[]): string {
  const entries = counts.reduce((a, n) => a + n, 0);
  const used = counts.filter((n) => n > 0).length;
  return `${plural(entries, 'entry', 'entries')} in ${formatCount(used)} of ${plural(counts.length, 'bucket')}`;
}

/** The fill of every bucket of one table, HEATMAP_COLUMNS buckets per row. */
export function bucketHeatmap(fill: BucketFill, table: 'new' | 'tried', width = DEFAULT_CHART_WIDTH_PX): string {
  const counts = table === 'new' ? fill.new : fill.tried;
  const size = fill.bucket_size;
  return heatmap({
    id: `chart-buckets-${table}`, title: `Address table: ${table} buckets`, showTitle: false, theme: DASHBOARD_THEME, width,
    description: `${bucketFillText(counts)}; colour shows how many of a bucket's ${size} cells are used.`,
    values: counts, columns: HEATMAP_COLUMNS, max: size,
    cellTitle: (i, v) => `${table} bucket ${i}: ${formatCount(v)} of ${plural(size, 'cell')} used`,
    rowLabel: (_row, first) => formatCount(first),
    scale: { label: `cells used per bucket (of ${size}); rows start at the bucket number on the left` },
  });
}

/** Entries by network, new and tried stacked. */
export function networkChart(c: AddrmanComposition, width = DEFAULT_CHART_WIDTH_PX): string {
  const nets = Object.keys(c.by_network).filter((n) => c.by_network[n].new + c.by_network[n].tried > 0);
  const shown = nets.length > 0 ? nets : Object.keys(c.by_network).slice(0, 2);
  return barChart({
    id: 'chart-addrman-networks', title: 'Address table by network', showTitle: false, theme: DASHBOARD_THEME, width,
    description: `${plural(c.total, 'entry', 'entries')}: ${formatCount(c.new)} new, ${formatCount(c.tried)} tried.`,
    categories: shown, stacked: true,
    series: [
      { name: 'new', values: shown.map((n) => c.by_network[n].new) },
      { name: 'tried', values: shown.map((n) => c.by_network[n].tried) },
    ],
    value: { label: 'entries', integers: true },
  });
}

/** A percentage printed on a bar: one decimal from 1 % up, two significant digits below (`0.069`). */
function shareText(percent: number): string {
  if (percent === 0) return '0';
  return percent >= 1 ? percent.toFixed(1) : String(Number(percent.toPrecision(2)));
}

/** The largest groups' shares of the table, for sources (who told us) or addresses (where they point). */
export function groupShareChart(r: GroupRanking, kind: 'source' | 'address', grouping: AddrmanComposition['grouping'],
  width = DEFAULT_CHART_WIDTH_PX): string {
  const what = grouping === 'asmap' ? 'AS' : 'prefix group';
  const title = kind === 'source' ? `Top source groups (${what} of the peer that sent the address)` : `Top address groups (${what} of the address)`;
  return barChart({
    id: `chart-${kind}-groups`, title, showTitle: false, theme: DASHBOARD_THEME, width,
    description: `${plural(r.groups, 'group')}; the largest holds ${formatPercent(r.top1_share)}, the largest 10 hold ${formatPercent(r.top10_share)} of the table.`,
    categories: r.top.map((g) => g.group),
    series: [{ name: 'share of table', values: r.top.map((g) => g.share * 100), color: kind === 'source' ? DASHBOARD_THEME.series[2] : DASHBOARD_THEME.series[3] }],
    value: { label: 'share of entries', unit: '%', min: 0, format: (v, step) => `${step === undefined ? shareText(v) : defaultTickFormat(v, step)}%` },
    barTitle: (g, _s, v) => {
      const row = r.top.find((x) => x.group === g);
      return `${g}: ${shareText(v)}% (${plural(row?.entries ?? 0, 'entry', 'entries')})`;
    },
  });
}
