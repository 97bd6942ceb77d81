/**
 * What a crawl looks like to a person: a summary (reachable and unreachable nodes by network, the
 * most common user agents and protocol versions, how many nodes advertise each service flag, why the
 * unreachable ones failed) as plain-text tables, a one-line progress report, and crawl.json laid out
 * one node per line. Pure functions of the report. User agents come from the network and may hold
 * terminal escape sequences; they are neutralised before they reach a terminal.
 */
import { REACHABLE_NETWORKS } from '../address/network.js';
import type { CrawlProgress } from './crawler.js';
import type { CrawlNodeRecord, CrawlReport } from './record.js';

/** Rows shown per "top" table (user agents, versions, error reasons). */
export const SUMMARY_TOP_N = 10;
/** User agents are cut to this many characters in the table (crawl.json keeps them whole). */
export const SUMMARY_USER_AGENT_WIDTH = 48;

/** A value and how many reachable nodes had it. */
export interface CountRow<T> {
  value: T;
  count: number;
}

/** Aggregates of a crawl. */
export interface CrawlSummary {
  /** Per network, in Core's order, only networks that occur. */
  byNetwork: Array<{ network: string; reachable: number; unreachable: number }>;
  /** User agents of reachable nodes, most common first. */
  userAgents: CountRow<string>[];
  /** Protocol versions of reachable nodes, most common first. */
  versions: CountRow<number>[];
  /** Reachable nodes per advertised service flag name (`NONE` for nodes advertising nothing). */
  services: CountRow<string>[];
  /** Unreachable nodes per error code, most common first. */
  errors: CountRow<string>[];
}

function ranked<T>(counts: Map<T, number>): CountRow<T>[] {
  return [...counts].map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (String(a.value) < String(b.value) ? -1 : String(a.value) > String(b.value) ? 1 : 0));
}

function bump<T>(m: Map<T, number>, key: T): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Counts the records. */
export function summarizeCrawl(nodes: readonly CrawlNodeRecord[]): CrawlSummary {
  const perNet = new Map<string, { reachable: number; unreachable: number }>();
  const agents = new Map<string, number>();
  const versions = new Map<number, number>();
  const services = new Map<string, number>();
  const errors = new Map<string, number>();
  for (const n of nodes) {
    const row = perNet.get(n.network) ?? { reachable: 0, unreachable: 0 };
    perNet.set(n.network, row);
    if (!n.reachable) {
      row.unreachable++;
      bump(errors, n.errorCode ?? 'unknown');
      continue;
    }
    row.reachable++;
    bump(agents, n.userAgent ?? '');
    if (n.protocolVersion !== null) bump(versions, n.protocolVersion);
    const names = n.servicesNames ?? [];
    if (names.length === 0) bump(services, 'NONE');
    for (const name of names) bump(services, name);
  }
  const order = [...REACHABLE_NETWORKS, 'internal'];
  const byNetwork = [...perNet].map(([network, c]) => ({ network, ...c }))
    .sort((a, b) => order.indexOf(a.network) - order.indexOf(b.network));
  return { byNetwork, userAgents: ranked(agents), versions: ranked(versions), services: ranked(services), errors: ranked(errors) };
}

/** Makes text from the network safe for a terminal: control characters become `?`, long text is cut. */
export function sanitizeForTerminal(text: string, width = SUMMARY_USER_AGENT_WIDTH): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
  return clean.length > width ? `${clean.slice(0, width - 1)}…` : clean;
}

/** Renders rows as a left/right-aligned text table (first column left, the rest right). */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  return cells.map((r) => r.map((c, i) => {
    const pad = ' '.repeat(widths[i] - [...c].length);
    return i === 0 ? c + pad : pad + c;
  }).join('  ').trimEnd()).join('\n') + '\n';
}

function topRows<T>(rows: CountRow<T>[], label: (v: T) => string, what: string): Array<[string, number]> {
  const shown: Array<[string, number]> = rows.slice(0, SUMMARY_TOP_N).map((r) => [label(r.value), r.count]);
  const rest = rows.slice(SUMMARY_TOP_N);
  if (rest.length > 0) shown.push([`(${rest.length} other ${what})`, rest.reduce((a, r) => a + r.count, 0)]);
  return shown;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const STOP_TEXT: Record<CrawlReport['stoppedBy'], string> = {
  'queue-empty': 'no addresses left to try',
  duration: 'duration reached',
  interrupted: 'interrupted',
};

/** The summary printed on stdout at the end of a crawl. */
export function formatCrawlSummary(report: CrawlReport): string {
  const s = summarizeCrawl(report.nodes);
  const elapsed = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  const st = report.stats;
  const parts: string[] = [
    `Crawl of ${report.network}: ${st.tried} tried, ${st.reachable} reachable, ${st.unreachable} unreachable, ` +
    `${st.notTried} not tried; ${seconds(elapsed)}, stopped: ${STOP_TEXT[report.stoppedBy]}\n`,
  ];
  const netRows = s.byNetwork.map((r) => [r.network, r.reachable, r.unreachable, r.reachable + r.unreachable] as const);
  netRows.push(['total', st.reachable, st.unreachable, st.tried]);
  parts.push(renderTable(['Network', 'Reachable', 'Unreachable', 'Tried'], netRows));
  if (s.userAgents.length > 0) {
    parts.push(renderTable(['User agent', 'Nodes'], topRows(s.userAgents, (v) => (v === '' ? '(empty)' : sanitizeForTerminal(v)), 'agents')));
    parts.push(renderTable(['Protocol version', 'Nodes'], topRows(s.versions, String, 'versions')));
    parts.push(renderTable(['Service flag', 'Nodes'], s.services.map((r) => [r.value, r.count] as const)));
  }
  if (s.errors.length > 0) parts.push(renderTable(['Unreachable because', 'Nodes'], topRows(s.errors, String, 'reasons')));
  if (report.seedErrors.length > 0) parts.push(`Seeds without addresses: ${report.seedErrors.map((e) => sanitizeForTerminal(e, 200)).join('; ')}\n`);
  return parts.join('\n');
}

/** The one-line progress report: `crawl: 12 tried (8 reachable, 4 unreachable), 3 in flight, 40 queued, 15 s`. */
export function formatProgress(p: CrawlProgress): string {
  const seeding = p.seeding > 0 ? `, ${p.seeding} seed lookups` : '';
  return `crawl: ${p.tried} tried (${p.reachable} reachable, ${p.unreachable} unreachable), ` +
    `${p.inFlight} in flight, ${p.queued} queued${seeding}, ${Math.floor(p.elapsedMs / 1000)} s`;
}

/** crawl.json text: the report with one node per line (easy to grep, still one JSON document). */
export function formatCrawlJson(report: CrawlReport): string {
  const { nodes, ...head } = report;
  const body = nodes.map((n) => JSON.stringify(n)).join(',\n');
  return `${JSON.stringify(head).slice(0, -1)},"nodes":[${nodes.length > 0 ? `\n${body}\n` : ''}]}\n`;
}
