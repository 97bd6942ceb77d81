/**
 * The dashboard page: one self-contained HTML document (inline CSS and JavaScript, no external
 * resources, no build step). Its script polls the JSON endpoints every `POLL_INTERVAL_MS` and redraws:
 * the peer table, connections by type and network, the address-table fill heatmaps and the traffic
 * chart (both on canvases, drawn by hand). Peer-supplied text (user agents, addresses) is only ever
 * written with `textContent`, never parsed as HTML, and the Content-Security-Policy below allows just
 * this script and style (by hash) and same-origin fetches, so a hostile user agent cannot run code in
 * the operator's browser.
 */
import { sha256 } from '../util/hash.js';

/** How often the page refreshes its data, ms (runs in the browser). */
export const POLL_INTERVAL_MS = 5_000;

const STYLE = `
  :root { color-scheme: dark; --bg: #111418; --panel: #1a1f26; --line: #2c333d; --text: #d8dee6; --dim: #8b96a3; --sent: #f0a04b; --recv: #4bb3f0; }
  * { box-sizing: border-box; }
  body { margin: 0; padding: 16px 20px; background: var(--bg); color: var(--text); font: 13px/1.4 system-ui, sans-serif; }
  h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 14px; margin: 0 0 8px; color: var(--dim); font-weight: 600; }
  #status { color: var(--dim); margin-bottom: 12px; } #status.error { color: #f06b6b; }
  .cards { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 14px; }
  .card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 120px; }
  .card b { display: block; font-size: 18px; }
  section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin-bottom: 14px; overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--dim); font-weight: 600; } td.num, th.num { text-align: right; }
  .row { display: flex; flex-wrap: wrap; gap: 14px; } .row > section { flex: 1 1 auto; }
  canvas { display: block; background: #0c0e11; border: 1px solid var(--line); image-rendering: pixelated; }
  .legend { color: var(--dim); margin-top: 6px; } .legend .recv { color: var(--recv); } .legend .sent { color: var(--sent); }
`;

const SCRIPT = `
'use strict';
const POLL_MS = ${POLL_INTERVAL_MS};
const $ = (id) => document.getElementById(id);
function cell(text, cls) { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; return td; }
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

function renderSummary(s) {
  $('chain').textContent = s.chain;
  const cards = [
    ['connections', s.connections.total + ' (' + s.connections.in + ' in / ' + s.connections.out + ' out)'],
    ['addrman new', s.addrman.new], ['addrman tried', s.addrman.tried], ['banned', s.banned],
    ['sent', fmtBytes(s.totals.totalbytessent)], ['received', fmtBytes(s.totals.totalbytesrecv)],
    ['uptime', fmtDuration(s.uptime)], ['network', s.networkactive ? 'active' : 'OFF'],
  ];
  $('cards').replaceChildren(...cards.map(([k, v]) => {
    const d = document.createElement('div'); d.className = 'card';
    const b = document.createElement('b'); b.textContent = String(v);
    d.append(b, k); return d;
  }));
  const nets = Object.keys(s.by_network);
  const head = document.createElement('tr');
  head.append(cell('type'), ...nets.map((n) => cell(n, 'num')), cell('total', 'num'));
  const rows = Object.entries(s.by_type_network).map(([type, byNet]) => {
    const tr = document.createElement('tr');
    tr.append(cell(type), ...nets.map((n) => cell(String(byNet[n] || 0), 'num')), cell(String(s.by_type[type]), 'num'));
    return tr;
  });
  const foot = document.createElement('tr');
  foot.append(cell('all'), ...nets.map((n) => cell(String(s.by_network[n]), 'num')), cell(String(s.connections.total), 'num'));
  $('conns').replaceChildren(head, ...rows, foot);
}

function renderPeers(peers) {
  $('peer-count').textContent = String(peers.length);
  $('peers-body').replaceChildren(...peers.map((p) => {
    const tr = document.createElement('tr'); tr.dataset.peerId = String(p.id);
    tr.append(cell(String(p.id), 'num'), cell(p.addr), cell(p.network), cell(p.connection_type), cell(p.inbound ? 'in' : 'out'),
      cell(p.subver), cell(fmtPing(p.pingtime), 'num'), cell(fmtBytes(p.bytesrecv), 'num'), cell(fmtBytes(p.bytessent), 'num'),
      cell(fmtDuration(p.connected_for), 'num'));
    return tr;
  }));
}

// Fill colour of a bucket with n of size cells used: dark when empty, blue to yellow as it fills.
function fillColor(n, size) {
  if (n === 0) return '#1d232b';
  const f = n / size;
  return 'hsl(' + Math.round(220 - 170 * f) + ', 80%, ' + Math.round(30 + 35 * f) + '%)';
}
function drawHeatmap(canvas, counts, cols, size) {
  const cellPx = 8, rows = Math.ceil(counts.length / cols);
  canvas.width = cols * cellPx; canvas.height = rows * cellPx;
  const ctx = canvas.getContext('2d');
  let used = 0, entries = 0;
  counts.forEach((n, i) => {
    ctx.fillStyle = fillColor(n, size);
    ctx.fillRect((i % cols) * cellPx, Math.floor(i / cols) * cellPx, cellPx - 1, cellPx - 1);
    if (n > 0) used++;
    entries += n;
  });
  canvas.dataset.drawn = String(used);
  return { used, entries };
}
function renderBuckets(b) {
  const n = drawHeatmap($('heat-new'), b.new, 64, b.bucket_size);
  const t = drawHeatmap($('heat-tried'), b.tried, 32, b.bucket_size);
  const scale = ' (dark: empty; blue to yellow: 1 to ' + b.bucket_size + ' of ' + b.bucket_size + ' cells used)';
  $('heat-new-legend').textContent = n.entries + ' entries in ' + n.used + ' of ' + b.new.length + ' buckets' + scale;
  $('heat-tried-legend').textContent = t.entries + ' entries in ' + t.used + ' of ' + b.tried.length + ' buckets' + scale;
}

// The smallest 1, 2 or 5 × 10^k (k ≥ 1 so that quarter ticks stay whole) at or above n: a round axis maximum.
function niceCeil(n) {
  let p = 10;
  while (p * 10 <= n) p *= 10;
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= n) || 10 * p;
}
function renderTraffic(t) {
  const canvas = $('traffic'), ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, pad = { l: 64, r: 10, t: 10, b: 22 };
  ctx.clearRect(0, 0, w, h);
  const s = t.samples;
  const max = niceCeil(Math.max(1, ...s.map((x) => Math.max(x.bytesSent, x.bytesRecv))));
  ctx.strokeStyle = '#2c333d'; ctx.fillStyle = '#8b96a3'; ctx.font = '11px system-ui, sans-serif'; ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = pad.t + (h - pad.t - pad.b) * i / 4;
    ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(w - pad.r, y); ctx.stroke();
    ctx.fillText(fmtBytes(Math.round(max * (4 - i) / 4)), 4, y + 4);
  }
  if (s.length > 0) {
    const span = Math.max(1, s[s.length - 1].time - s[0].time);
    ctx.fillText('-' + fmtDuration(Math.round(span / 1000)), pad.l, h - 6);
    ctx.fillText('now', w - pad.r - 22, h - 6);
  }
  const x = (i) => pad.l + (s.length < 2 ? 0 : (w - pad.l - pad.r) * i / (s.length - 1));
  const y = (v) => h - pad.b - (h - pad.t - pad.b) * v / max;
  for (const [key, color] of [['bytesRecv', '#4bb3f0'], ['bytesSent', '#f0a04b']]) {
    ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath();
    s.forEach((p, i) => (i === 0 ? ctx.moveTo(x(i), y(p[key])) : ctx.lineTo(x(i), y(p[key]))));
    ctx.stroke();
  }
  canvas.dataset.drawn = String(s.length);
  $('traffic-legend-interval').textContent = (t.interval_ms / 1000) + ' s';
}

async function refresh() {
  try {
    const [s, p, b, t] = await Promise.all([get('api/summary'), get('api/peers'), get('api/addrman/buckets'), get('api/traffic')]);
    renderSummary(s); renderPeers(p); renderBuckets(b); renderTraffic(t);
    $('status').className = '';
    $('status').textContent = 'updated ' + new Date().toLocaleTimeString() + ', every ' + POLL_MS / 1000 + ' s';
  } catch (e) {
    $('status').className = 'error';
    $('status').textContent = 'update failed: ' + e.message;
  } finally {
    setTimeout(refresh, POLL_MS);
  }
}
refresh();
`;

const BODY = `
<h1>Peerbook · <span id="chain"></span></h1>
<div id="status">loading…</div>
<div class="cards" id="cards"></div>
<section>
  <h2>Peers (<span id="peer-count">0</span>)</h2>
  <table id="peers">
    <thead><tr><th class="num">id</th><th>address</th><th>network</th><th>type</th><th>dir</th><th>user agent</th>
      <th class="num">ping</th><th class="num">bytes in</th><th class="num">bytes out</th><th class="num">connected</th></tr></thead>
    <tbody id="peers-body"></tbody>
  </table>
</section>
<div class="row">
  <section><h2>Connections by type and network</h2><table id="conns"></table></section>
  <section>
    <h2>Traffic per <span id="traffic-legend-interval"></span></h2>
    <canvas id="traffic" width="560" height="200"></canvas>
    <div class="legend"><span class="recv">■ received</span> &nbsp; <span class="sent">■ sent</span></div>
  </section>
</div>
<div class="row">
  <section>
    <h2>Address table: new (1,024 buckets × 64)</h2>
    <canvas id="heat-new"></canvas><div class="legend" id="heat-new-legend"></div>
  </section>
  <section>
    <h2>Address table: tried (256 buckets × 64)</h2>
    <canvas id="heat-tried"></canvas><div class="legend" id="heat-tried-legend"></div>
  </section>
</div>
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
