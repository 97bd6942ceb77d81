/**
 * crawl.html: the crawl as a self-contained web page (inline CSS and SVG, no script, nothing fetched;
 * see report/html.ts) that `peerbook crawl` writes beside crawl.json. It shows reachable and failed
 * nodes over the crawl, nodes by network, protocol version, user agent, service flag and port, by AS
 * when an asmap was given, how concentrated the reachable nodes are in /16 prefixes and ASes, and why
 * the rest were unreachable. User agents and error texts come from the network: every one is escaped
 * by report/, and they are shown cut to a sane length (the tables keep them whole).
 */
import { barChart } from '../report/bar-chart.js';
import { formatCount, formatDuration, formatPercent, plural } from '../report/format.js';
import { figure, htmlPage, htmlTable } from '../report/html.js';
import { lineChart } from '../report/line-chart.js';
import { escapeXml } from '../report/svg.js';
import { LIGHT_THEME } from '../report/theme.js';
import type { Concentration, CrawlAnalysis } from './analysis.js';
import type { CrawlReport } from './record.js';
import type { CountRow } from './summary.js';

/** Categories drawn in a "top" bar chart (the rest are summed into one "others" bar). */
export const REPORT_TOP_N = 12;
/** Rows in a table under a chart. */
export const REPORT_TABLE_ROWS = 50;
/** Width of the report's charts, px (the page scales them down on narrow screens). */
export const REPORT_CHART_WIDTH_PX = 1000;

const STOP_TEXT: Record<CrawlReport['stoppedBy'], string> = {
  'queue-empty': 'no addresses left to try',
  duration: 'the time limit was reached',
  interrupted: 'it was interrupted',
};

/** Options of `renderCrawlReportHtml`. */
export interface CrawlReportHtmlOptions {
  /** Name of the asmap file used, shown in the AS section. */
  asmapName?: string;
  /** The crawl.json file name the page links to (default `crawl.json`). */
  jsonFileName?: string;
}

function topRows<T>(rows: readonly CountRow<T>[], label: (v: T) => string, n = REPORT_TOP_N): { categories: string[]; values: number[] } {
  const shown = rows.slice(0, n);
  const rest = rows.slice(n);
  const categories = shown.map((r) => label(r.value));
  const values = shown.map((r) => r.count);
  if (rest.length > 0) {
    categories.push(`(${plural(rest.length, 'other')})`);
    values.push(rest.reduce((a, r) => a + r.count, 0));
  }
  return { categories, values };
}

function nodesChart(id: string, title: string, description: string, rows: { categories: string[]; values: number[] }, maxLabelChars?: number): string {
  return barChart({
    id, title, description, showTitle: false, theme: LIGHT_THEME, width: REPORT_CHART_WIDTH_PX,
    categories: rows.categories, series: [{ name: 'reachable nodes', values: rows.values }],
    value: { label: 'reachable nodes', integers: true }, category: { maxLabelChars: maxLabelChars ?? 48 },
  });
}

function section(id: string, title: string, ...parts: string[]): string {
  return `<section id="${escapeXml(id)}"><h2>${escapeXml(title)}</h2>${parts.join('\n')}</section>`;
}

function note(text: string): string {
  return `<p class="note">${escapeXml(text)}</p>`;
}

function details(summary: string, table: string): string {
  return `<details><summary>${escapeXml(summary)}</summary>${table}</details>`;
}

/** Plural of a group kind: `AS` → `ASes`, `/16 group` → `/16 groups`. */
function groups(n: number, what: string): string {
  return plural(n, what, what === 'AS' ? 'ASes' : `${what}s`);
}

function concentrationText(c: Concentration, what: string): string {
  if (c.total === 0) return `No reachable nodes to group by ${what}.`;
  const half = c.groupsForHalf === 1 ? `one ${what} alone holds` : `${groups(c.groupsForHalf, what)} together hold`;
  return `${plural(c.total, 'reachable node')} in ${groups(c.groups, what)}. The largest ${what} (${c.top[0].group}) holds ` +
    `${formatPercent(c.top1Share)}, the largest 5 hold ${formatPercent(c.top5Share)} and the largest 10 hold ${formatPercent(c.top10Share)}; ` +
    `${half} half of the nodes.`;
}

function groupChart(id: string, title: string, c: Concentration, what: string): string {
  return barChart({
    id, title, showTitle: false, theme: LIGHT_THEME, width: REPORT_CHART_WIDTH_PX,
    description: concentrationText(c, what),
    categories: c.top.map((g) => g.group), series: [{ name: 'share of reachable nodes', values: c.top.map((g) => g.share * 100) }],
    value: { label: 'share of reachable nodes', unit: '%', min: 0, format: (v, step) => (step === undefined ? `${formatCount(v, 1)}%` : `${formatCount(v, step < 1 ? 1 : 0)}%`) },
    barTitle: (g, _s, v) => `${g}: ${formatCount(v, 2)}% (${plural(c.top.find((x) => x.group === g)?.nodes ?? 0, 'node')})`,
  });
}

/** The crawl report page for `report`, drawn from `analysis` (analysis.ts). */
export function renderCrawlReportHtml(report: CrawlReport, analysis: CrawlAnalysis, options: CrawlReportHtmlOptions = {}): string {
  const a = analysis;
  const st = report.stats;
  const title = `Crawl of ${report.network}`;
  const cards = [
    ['tried', st.tried], ['reachable', st.reachable], ['unreachable', st.unreachable], ['not tried', st.notTried], ['known', st.known],
    ['reachable share', st.tried > 0 ? formatPercent(st.reachable / st.tried) : '–'],
  ].map(([k, v]) => `<div class="card" data-stat="${escapeXml(String(k))}"><b>${escapeXml(typeof v === 'number' ? formatCount(v) : String(v))}</b>${escapeXml(String(k))}</div>`);
  const parts: string[] = [
    `<h1>${escapeXml(title)}</h1>`,
    `<p class="lead">Network ${escapeXml(report.network)} (magic ${escapeXml(report.magic)}), from ${escapeXml(report.startedAt)} to ${escapeXml(report.finishedAt)} ` +
    `(${escapeXml(formatDuration(a.durationS))}); the crawl ended because ${escapeXml(STOP_TEXT[report.stoppedBy])}. ` +
    `Every node is listed in <code>${escapeXml(options.jsonFileName ?? 'crawl.json')}</code>.</p>`,
    `<div class="cards">${cards.join('')}</div>`,
  ];

  // Over the crawl.
  parts.push(section('timeline', 'Reachable and failed nodes over the crawl', figure(lineChart({
    id: 'chart-timeline', title: 'Reachable and failed nodes over the crawl', showTitle: false, theme: LIGHT_THEME,
    width: REPORT_CHART_WIDTH_PX, height: 320,
    description: `Cumulative attempts by outcome, by when each attempt started: ${plural(st.reachable, 'reachable node')}, ${plural(st.unreachable, 'failed node')}.`,
    x: { label: 'time since the crawl started', unit: 's', min: 0 },
    y: { label: 'nodes (cumulative)', integers: true },
    series: [
      { name: 'reachable', points: a.timeline.map((p) => [p.seconds, p.reachable] as const), color: LIGHT_THEME.series[2] },
      { name: 'failed', points: a.timeline.map((p) => [p.seconds, p.failed] as const), color: LIGHT_THEME.series[5] },
    ],
  }), 'Attempts are placed at the time they started; an attempt that failed on a timeout finished up to the timeout later.')));

  // By network.
  const nets = a.summary.byNetwork;
  parts.push(section('networks', 'Nodes by network', figure(barChart({
    id: 'chart-networks', title: 'Nodes by network', showTitle: false, theme: LIGHT_THEME, width: REPORT_CHART_WIDTH_PX, stacked: true,
    description: nets.map((n) => `${n.network}: ${n.reachable} reachable, ${n.unreachable} unreachable`).join('; ') || 'no nodes',
    categories: nets.map((n) => n.network),
    series: [
      { name: 'reachable', values: nets.map((n) => n.reachable), color: LIGHT_THEME.series[2] },
      { name: 'unreachable', values: nets.map((n) => n.unreachable), color: LIGHT_THEME.series[5] },
    ],
    value: { label: 'nodes tried', integers: true },
  }))));

  if (st.reachable === 0) {
    parts.push(note('No node completed the handshake, so there are no versions, user agents, services or groups to show.'));
  } else {
    const versions = topRows(a.summary.versions, String);
    parts.push(section('versions', 'Protocol versions', figure(nodesChart('chart-versions', 'Reachable nodes by protocol version',
      `${plural(a.summary.versions.length, 'protocol version')} among reachable nodes.`, versions))));
    const agents = topRows(a.summary.userAgents, (v) => (v === '' ? '(empty)' : v));
    parts.push(section('user-agents', 'User agents', figure(nodesChart('chart-user-agents', 'Reachable nodes by user agent',
      `${plural(a.summary.userAgents.length, 'user agent')} among reachable nodes.`, agents)),
    details(`Table of ${plural(a.summary.userAgents.length, 'user agent')}`, htmlTable(['User agent', 'Nodes'],
      a.summary.userAgents.slice(0, REPORT_TABLE_ROWS).map((r) => [r.value === '' ? '(empty)' : r.value, r.count]), 'Reachable nodes by user agent'))));
    parts.push(section('services', 'Service flags', figure(nodesChart('chart-services', 'Reachable nodes advertising each service flag',
      'A node advertising several flags counts once under each; NONE means no flag at all.',
      { categories: a.summary.services.map((r) => r.value), values: a.summary.services.map((r) => r.count) }))));
    const ports = topRows(a.ports, String);
    parts.push(section('ports', 'Ports', figure(nodesChart('chart-ports', 'Reachable nodes by port', `${plural(a.ports.length, 'port')} in use.`, ports))));

    // Autonomous systems.
    if (a.asns && a.byAs) {
      const asRows = topRows(a.asns, (asn) => (asn === 0 ? 'unmapped' : `AS${asn}`));
      parts.push(section('as', 'Autonomous systems', figure(nodesChart('chart-as', 'Reachable nodes by autonomous system',
        `Grouped with the asmap ${options.asmapName ?? ''}; ${plural(a.asUnmapped, 'node')} not covered by it.`, asRows)),
      note(`ASes from ${options.asmapName ?? 'the asmap'}. Unmapped: addresses the map does not cover, and Tor, I2P and CJDNS nodes.`)));
    } else {
      parts.push(section('as', 'Autonomous systems', note('Run the crawl with --asmap FILE (Core\'s asmap format) to group the nodes by autonomous system.')));
    }

    // Concentration.
    const curve = [{ name: 'prefix groups (/16, /32)', points: a.byPrefix.curve.map(([k, s]) => [k, s * 100] as const) }];
    if (a.byAs) curve.push({ name: 'autonomous systems', points: a.byAs.curve.map(([k, s]) => [k, s * 100] as const) });
    const conc: string[] = [
      `<p id="concentration-prefix">${escapeXml(concentrationText(a.byPrefix, '/16 group'))}</p>`,
    ];
    if (a.byAs) conc.push(`<p id="concentration-as">${escapeXml(concentrationText(a.byAs, 'AS'))}</p>`);
    conc.push(figure(lineChart({
      id: 'chart-concentration', title: 'Share of reachable nodes in the largest groups', showTitle: false, theme: LIGHT_THEME,
      width: REPORT_CHART_WIDTH_PX, height: 300,
      description: 'For each k, the share of reachable nodes that the k largest groups hold together: the steeper the curve, the more concentrated the network.',
      x: { label: 'largest groups taken together', min: 1, integers: true },
      y: { label: 'share of reachable nodes', unit: '%', min: 0, max: 100 },
      series: curve,
    }), 'A network spread over many groups climbs slowly; one that a few networks host climbs to 100% within a few groups.'));
    conc.push(figure(groupChart('chart-top-prefix', 'Largest /16 groups', a.byPrefix, '/16 group'), 'Largest /16 (IPv4) and /32 (IPv6) groups by reachable nodes.'));
    if (a.byAs) conc.push(figure(groupChart('chart-top-as', 'Largest autonomous systems', a.byAs, 'AS'), 'Largest ASes by reachable nodes (mapped nodes only).'));
    parts.push(section('concentration', 'How concentrated the network is', ...conc));
  }

  if (a.summary.errors.length > 0) {
    const errors = topRows(a.summary.errors, String);
    parts.push(section('errors', 'Why nodes were unreachable', figure(barChart({
      id: 'chart-errors', title: 'Unreachable nodes by reason', showTitle: false, theme: LIGHT_THEME, width: REPORT_CHART_WIDTH_PX,
      categories: errors.categories, series: [{ name: 'unreachable nodes', values: errors.values, color: LIGHT_THEME.series[5] }],
      value: { label: 'unreachable nodes', integers: true },
    }))));
  }
  if (report.seedErrors.length > 0) {
    parts.push(section('seeds', 'Seeds that gave no address', `<ul>${report.seedErrors.slice(0, REPORT_TABLE_ROWS).map((e) => `<li>${escapeXml(e)}</li>`).join('')}</ul>`));
  }
  parts.push(note(`Written by Peerbook's crawler. Skipped while crawling: ${formatCount(st.skipped.duplicate)} duplicates, ` +
    `${formatCount(st.skipped.unroutable)} unroutable, ${formatCount(st.skipped.badPort)} on bad ports, ${formatCount(st.skipped.unreachableNetwork)} on networks it cannot reach, ` +
    `${formatCount(st.skipped.portsPerAddress)} over the ports-per-address limit, ${formatCount(st.skipped.cap)} over the address cap.`));
  return htmlPage({ title, body: parts.join('\n'), css: 'code { font-size: 13px; } section { margin-bottom: 8px; }' });
}
