/**
 * The dashboard page: one self-contained HTML document (inline CSS and JavaScript, no external
 * resources, no build step). Its script polls the JSON endpoints every `POLL_INTERVAL_MS` and redraws
 * the cards, the sortable peer table (loopback and private-network peers tagged) and the connection
 * counts, and fetches each chart as SVG from `/api/charts/` at the width of its panel (charts.ts draws
 * them with report/). Peer-supplied text (user agents, addresses) is only ever written with
 * `textContent`, never parsed as HTML; chart SVG comes from this server with every text escaped and is
 * parsed as XML, not HTML. The Content-Security-Policy below allows just this script and style (by
 * hash) and same-origin fetches, so a hostile user agent cannot run code in the operator's browser.
 */
import { sha256 } from '../util/hash.js';
import { CHART_MAX_WIDTH_PX, CHART_MIN_WIDTH_PX } from './charts.js';

/** How often the page refreshes its data, ms (runs in the browser). */
export const POLL_INTERVAL_MS = 5_000;

const STYLE = `
  :root { color-scheme: dark; --bg: #111418; --panel: #1a1f26; --line: #2c333d; --text: #d8dee6; --dim: #8b96a3; --accent: #56b4e9; }
  * { box-sizing: border-box; }
  body { margin: 0; padding: 16px 20px; background: var(--bg); color: var(--text); font: 13px/1.4 system-ui, sans-serif; }
  h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 14px; margin: 0 0 8px; color: var(--dim); font-weight: 600; }
  h3 { font-size: 13px; margin: 0 0 4px; color: var(--dim); font-weight: 600; }
  #status { color: var(--dim); margin-bottom: 12px; } #status.error { color: #f06b6b; }
  .cards { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 14px; }
  .card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 120px; }
  .card b { display: block; font-size: 18px; }
  section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin-bottom: 14px; min-width: 0; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--dim); font-weight: 600; } td.num, th.num { text-align: right; }
  th button { all: unset; cursor: pointer; color: inherit; font: inherit; }
  th button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  th[aria-sort="ascending"] button::after { content: " \\25B2"; color: var(--accent); }
  th[aria-sort="descending"] button::after { content: " \\25BC"; color: var(--accent); }
  .tag { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 8px; font-size: 11px; font-weight: 600; line-height: 16px; }
  .tag.loopback { background: #5a4a12; color: #ffe08a; } .tag.private { background: #1f4a5a; color: #9fe3ff; }
  .tag.up { background: #1f5a2e; color: #a6f0b8; } .tag.down { background: #5a1f1f; color: #f0a6a6; }
  .row { display: flex; flex-wrap: wrap; gap: 14px; } .row > section { flex: 1 1 360px; }
  .row > section.fit { flex: 0 1 auto; } .row > section.wide { flex: 1 1 560px; }
  .grid3 { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 14px; }
  .chart { width: 100%; min-height: 40px; } .chart svg { display: block; }
  .legend, .note { color: var(--dim); margin-top: 6px; }
  #composition-text { margin: 0 0 10px; }
`;

const SCRIPT = `
'use strict';
const POLL_MS = ${POLL_INTERVAL_MS};
const CHART_MIN_W = ${CHART_MIN_WIDTH_PX}, CHART_MAX_W = ${CHART_MAX_WIDTH_PX};
const $ = (id) => document.getElementById(id);
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
function fmtCount(n) { return String(n).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ','); }
function plural(n, one, many) { return fmtCount(n) + ' ' + (n === 1 ? one : (many || one + 's')); }
function pct(f) { return (Math.round(f * 1000) / 10) + '%'; }
function fmtBytes(n) {
  const u = ['B', 'kB', 'MB', 'GB', 'TB']; let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + u[i];
}
function fmtDuration(s) {
  if (s < 60) return s + 's';
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return d > 0 ? d + 'd ' + h + 'h' : h > 0 ? h + 'h ' + m + 'm' : m + 'm ' + (s % 60) + 's';
}
const fmtPing = (p) => p === null ? '' : (p * 1000).toFixed(1) + ' ms';
async function get(path) {
  const r = await fetch(path, { cache: 'no-store' });
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return r.json();
}
const shortKey = (k) => k.slice(0, 12) + '…';
function renderPeerSets(d) {
  $('peersets-panel').hidden = d === null;
  if (d === null) return;
  $('peersets-title').textContent = 'Peer sets: active ' + (d.active_id === null ? 'none' : d.active_id) + ', ' + plural(d.sets.length, 'set') +
    ' kept, ' + plural(d.blocked, 'key') + ' blocked; we are ' + shortKey(d.self);
  $('peersets-sets').replaceChildren(el('tr'), ...d.sets.map((set) => {
    const tr = el('tr');
    tr.append(el('td', String(set.id), 'num'), el('td', set.connected_primaries + ' / ' + set.primary.length, 'num'), el('td', String(set.secondary), 'num'));
    const keys = el('td');
    for (const p of set.primary) keys.append(el('span', (p.connected ? '\u25CF ' : '\u25CB ') + shortKey(p.key), 'tag ' + (p.connected ? 'up' : 'down')));
    tr.append(keys);
    return tr;
  }));
  $('peersets-sets').firstChild.append(el('th', 'set', 'num'), el('th', 'primaries connected', 'num'), el('th', 'secondaries', 'num'), el('th', 'primaries (\u25CF connected, \u25CB not)'));
  $('peersets-peers').replaceChildren(el('tr'), ...d.peers.map((p) => {
    const tr = el('tr');
    tr.append(el('td', shortKey(p.key)), el('td', p.role), el('td', p.status), el('td', p.dial), el('td', p.source_ip),
      el('td', p.blocked_until_ms === null ? '' : new Date(p.blocked_until_ms).toLocaleString()));
    return tr;
  }));
  $('peersets-peers').firstChild.append(...['key', 'role', 'status', 'dial', 'source IP', 'blocked until'].map((h) => el('th', h)));
}

function renderSummary(s) {
  $('chain').textContent = s.chain;
  const cards = [
    ['connections', s.connections.total + ' (' + s.connections.in + ' in / ' + s.connections.out + ' out)'],
    ['addrman new', fmtCount(s.addrman.new)], ['addrman tried', fmtCount(s.addrman.tried)], ['banned', s.banned],
    ['sent', fmtBytes(s.totals.totalbytessent)], ['received', fmtBytes(s.totals.totalbytesrecv)],
    ['uptime', fmtDuration(s.uptime)], ['network', s.networkactive ? 'active' : 'OFF'],
  ];
  $('cards').replaceChildren(...cards.map(([k, v]) => {
    const d = el('div', undefined, 'card'); d.append(el('b', String(v)), k); return d;
  }));
  const nets = Object.keys(s.by_network);
  const head = el('tr');
  head.append(el('th', 'type'), ...nets.map((n) => el('th', n, 'num')), el('th', 'total', 'num'));
  const rows = Object.entries(s.by_type_network).map(([type, byNet]) => {
    const tr = el('tr');
    tr.append(el('td', type), ...nets.map((n) => el('td', String(byNet[n] || 0), 'num')), el('td', String(s.by_type[type]), 'num'));
    return tr;
  });
  const foot = el('tr');
  foot.append(el('td', 'all'), ...nets.map((n) => el('td', String(s.by_network[n]), 'num')), el('td', String(s.connections.total), 'num'));
  $('conns').replaceChildren(head, ...rows, foot);
}

// The peer table's columns: header, how a cell reads, and the value it sorts by.
const SCOPE_TEXT = { loopback: 'loopback', private: 'private network' };
const SCOPE_TITLE = {
  loopback: 'a connection over this machine\\'s loopback interface (127.0.0.0/8 or ::1); Core reports its network as not_publicly_routable',
  private: 'an address that is not publicly routable (private, link-local, unique-local or carrier-grade NAT range); Core reports its network as not_publicly_routable',
};
const COLUMNS = [
  { key: 'id', label: 'id', num: true, value: (p) => p.id },
  { key: 'addr', label: 'address', value: (p) => p.addr, cell: (p) => {
    const td = el('td', p.addr);
    if (p.scope !== 'public') { const tag = el('span', SCOPE_TEXT[p.scope], 'tag ' + p.scope); tag.title = SCOPE_TITLE[p.scope]; td.append(tag); }
    return td;
  } },
  { key: 'network', label: 'network', value: (p) => p.address_network },
  { key: 'type', label: 'type', value: (p) => p.connection_type },
  { key: 'dir', label: 'dir', value: (p) => (p.inbound ? 'in' : 'out') },
  { key: 'subver', label: 'user agent', value: (p) => p.subver },
  { key: 'transport', label: 'transport', value: (p) => p.transport_protocol_type, cell: (p) => {
    const td = el('td', p.transport_protocol_type);
    if (p.session_id) td.title = 'BIP324 session id ' + p.session_id;
    return td;
  } },
  { key: 'ping', label: 'ping', num: true, value: (p) => p.pingtime, text: (p) => fmtPing(p.pingtime) },
  { key: 'bytesrecv', label: 'bytes in', num: true, value: (p) => p.bytesrecv, text: (p) => fmtBytes(p.bytesrecv) },
  { key: 'bytessent', label: 'bytes out', num: true, value: (p) => p.bytessent, text: (p) => fmtBytes(p.bytessent) },
  { key: 'connected', label: 'connected', num: true, value: (p) => p.connected_for, text: (p) => fmtDuration(p.connected_for) },
];
let sortKey = 'id', sortDir = 1, lastPeers = [];
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
function compare(a, b) {
  const col = COLUMNS.find((c) => c.key === sortKey);
  const va = col.value(a), vb = col.value(b);
  // Missing values (no ping yet) go last whichever way the column is sorted.
  if (va === null || vb === null) return va === vb ? a.id - b.id : va === null ? 1 : -1;
  const r = col.num ? va - vb : collator.compare(String(va), String(vb));
  return r !== 0 ? r * sortDir : a.id - b.id;
}
function renderPeerHeader() {
  $('peers-head').replaceChildren(...COLUMNS.map((c) => {
    const th = el('th', undefined, c.num ? 'num' : '');
    th.dataset.key = c.key;
    th.setAttribute('aria-sort', c.key === sortKey ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
    const b = el('button', c.label); b.type = 'button'; b.title = 'sort by ' + c.label;
    b.addEventListener('click', () => {
      if (sortKey === c.key) sortDir = -sortDir; else { sortKey = c.key; sortDir = 1; }
      renderPeerHeader(); renderPeers(lastPeers);
    });
    th.append(b); return th;
  }));
}
function renderPeers(peers) {
  lastPeers = peers;
  $('peer-count').textContent = String(peers.length);
  $('peers-body').replaceChildren(...[...peers].sort(compare).map((p) => {
    const tr = el('tr'); tr.dataset.peerId = String(p.id); tr.dataset.scope = p.scope;
    tr.append(...COLUMNS.map((c) => c.cell ? c.cell(p) : el('td', c.text ? c.text(p) : String(c.value(p)), c.num ? 'num' : '')));
    return tr;
  }));
  const local = peers.filter((p) => p.scope === 'loopback').length, priv = peers.filter((p) => p.scope === 'private').length;
  const notes = [];
  if (local > 0) notes.push(plural(local, 'peer') + ' on loopback (this machine)');
  if (priv > 0) notes.push(plural(priv, 'peer') + ' on a private network');
  $('peers-note').textContent = notes.length > 0 ? notes.join('; ') + '.' : '';
}

function fillText(counts) {
  const entries = counts.reduce((a, n) => a + n, 0), used = counts.filter((n) => n > 0).length;
  return plural(entries, 'entry', 'entries') + ' in ' + fmtCount(used) + ' of ' + plural(counts.length, 'bucket');
}
function renderBuckets(b) {
  $('heat-new-legend').textContent = fillText(b.new);
  $('heat-tried-legend').textContent = fillText(b.tried);
}
function groupText(r, what) {
  if (r.top.length === 0) return 'no ' + what + ' yet';
  const g = r.top[0];
  return 'largest ' + what + ' ' + g.group + ' holds ' + pct(g.share) + ' (' + plural(g.entries, 'entry', 'entries') + '); the largest 5 hold ' +
    pct(r.top5_share) + ', the largest 10 ' + pct(r.top10_share) + ', of ' + plural(r.groups, 'group');
}
function renderComposition(c) {
  const by = c.grouping === 'asmap' ? ' (grouped by AS)' : ' (grouped by /16 for IPv4, /32 for IPv6)';
  $('composition-text').textContent = plural(c.total, 'entry', 'entries') + by + '. By source: ' + groupText(c.by_source_group, 'source group') +
    '. By address: ' + groupText(c.by_address_group, 'address group') + '.';
  const cap = c.limits.new_buckets_per_source_group / c.limits.new_buckets;
  $('composition-note').textContent = 'Core lets one source group reach at most ' + c.limits.new_buckets_per_source_group + ' of the ' +
    fmtCount(c.limits.new_buckets) + ' new buckets, so on a full table no source group holds more than ' + (100 * cap).toFixed(2) + '%' +
    ' of the new table. A much larger share means a few peers taught this node most of what it knows: the first sign of an eclipse attempt.';
}

async function loadChart(box) {
  const width = Math.max(CHART_MIN_W, Math.min(CHART_MAX_W, Math.floor(box.clientWidth)));
  const height = box.dataset.height ? '&height=' + box.dataset.height : '';
  const r = await fetch('api/charts/' + box.dataset.chart + '.svg?width=' + width + height, { cache: 'no-store' });
  if (!r.ok) throw new Error('chart ' + box.dataset.chart + ': HTTP ' + r.status);
  const doc = new DOMParser().parseFromString(await r.text(), 'image/svg+xml');
  if (doc.querySelector('parsererror') || doc.documentElement.localName !== 'svg') throw new Error('chart ' + box.dataset.chart + ': not an SVG');
  box.replaceChildren(document.importNode(doc.documentElement, true));
  box.dataset.drawn = String(width);
}
const loadCharts = () => Promise.all([...document.querySelectorAll('.chart[data-chart]')].map(loadChart));

async function refresh() {
  try {
    const [s, p, b, c, t, ps] = await Promise.all([get('api/summary'), get('api/peers'), get('api/addrman/buckets'), get('api/addrman/composition'), get('api/traffic'), get('api/peersets')]);
    renderSummary(s); renderPeers(p); renderBuckets(b); renderComposition(c); renderPeerSets(ps);
    $('traffic-interval').textContent = (t.interval_ms / 1000) + ' s';
    await loadCharts();
    $('status').className = '';
    $('status').textContent = 'updated ' + new Date().toLocaleTimeString() + ', every ' + POLL_MS / 1000 + ' s';
  } catch (e) {
    $('status').className = 'error';
    $('status').textContent = 'update failed: ' + e.message;
  } finally {
    setTimeout(refresh, POLL_MS);
  }
}
let resizeTimer;
window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => loadCharts().catch(() => {}), 200); });
renderPeerHeader();
refresh();
`;

const BODY = `
<h1>Peerbook · <span id="chain"></span></h1>
<div id="status">loading…</div>
<div class="cards" id="cards"></div>
<section id="peersets-panel" hidden>
  <h2 id="peersets-title">Peer sets</h2>
  <div class="scroll"><table id="peersets-sets"></table></div>
  <h3>Tracked peers</h3>
  <div class="scroll"><table id="peersets-peers"></table></div>
</section>
<section id="peers-panel">
  <h2>Peers (<span id="peer-count">0</span>) — click a column to sort</h2>
  <div class="scroll">
    <table id="peers"><thead><tr id="peers-head"></tr></thead><tbody id="peers-body"></tbody></table>
  </div>
  <div class="note" id="peers-note"></div>
</section>
<div class="row">
  <section class="fit" id="conns-panel"><h2>Connections by type and network</h2><div class="scroll"><table id="conns"></table></div></section>
  <section class="wide" id="traffic-panel">
    <h2>Traffic: received and sent, sampled every <span id="traffic-interval"></span></h2>
    <div class="chart" id="traffic" data-chart="traffic" data-height="260"></div>
  </section>
</div>
<section id="composition-panel">
  <h2>Address table composition</h2>
  <p id="composition-text"></p>
  <div class="grid3">
    <div><h3>Entries by network</h3><div class="chart" id="addrman-networks" data-chart="addrman-networks"></div></div>
    <div><h3>Largest source groups: who told us (share of entries)</h3><div class="chart" id="source-groups" data-chart="source-groups"></div></div>
    <div><h3>Largest address groups: where they point (share of entries)</h3><div class="chart" id="address-groups" data-chart="address-groups"></div></div>
  </div>
  <div class="note" id="composition-note"></div>
</section>
<section id="heat-new-panel">
  <h2>Address table: new (1,024 buckets × 64 cells)</h2>
  <div class="chart" id="heat-new" data-chart="buckets-new"></div><div class="legend" id="heat-new-legend"></div>
</section>
<section id="heat-tried-panel">
  <h2>Address table: tried (256 buckets × 64 cells)</h2>
  <div class="chart" id="heat-tried" data-chart="buckets-tried"></div><div class="legend" id="heat-tried-legend"></div>
</section>
`;

/** The page's HTML. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Peerbook dashboard</title>
<style>${STYLE}</style>
</head>
<body>${BODY}<script>${SCRIPT}</script>
</body>
</html>
`;

const b64sha256 = (text: string): string => Buffer.from(sha256(new TextEncoder().encode(text))).toString('base64');

/**
 * Content-Security-Policy for the page: only its own inline script and style (pinned by hash),
 * same-origin fetches, no frames, no forms, no external anything.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${b64sha256(SCRIPT)}'`,
  `style-src 'sha256-${b64sha256(STYLE)}'`,
  "connect-src 'self'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
