/**
 * The dashboard in headless Chromium against a live simulated network (scenario.ts plus a loopback
 * and a private-network peer): the DOM says what the API says, sorting works, and the screenshot's
 * pixels are checked against the API data — each heatmap cell's colour against its bucket's fill,
 * each traffic sample against the line of its direction, each group bar against its share — at
 * positions computed from the data, so a broken layout (a chart shifted, clipped, squeezed or hidden
 * under another panel) fails the test while font rendering does not matter. One page load (about
 * 5 s) is shared by the tests below.
 */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Image } from './png.js';
import type { BucketFill, PeerRow } from '../../src/dashboard/api.js';
import { DASHBOARD_THEME, HEATMAP_COLUMNS, RECEIVED_COLOR, SENT_COLOR } from '../../src/dashboard/charts.js';
import type { AddrmanComposition } from '../../src/dashboard/composition.js';
import { createDashboardHandler } from '../../src/dashboard/handler.js';
import { startOperatorHttpServer, type OperatorHttpServer } from '../../src/dashboard/server.js';
import { TRAFFIC_SAMPLE_INTERVAL_MS, type TrafficDocument } from '../../src/dashboard/traffic.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { heatColor } from '../../src/report/theme.js';
import { colourDistance, colourNear, launchBrowser, pixel, requireChromium, rgb, screenshot, type TestBrowser } from '../support/browser.js';
import { FULL_NODE, svc, type Sim } from '../../src/sim/network.js';
import { getJson } from './http-client.js';
import { HOSTILE_USER_AGENT, startScenario, type ExpectedPeer } from './scenario.js';

// The page functions below run in the browser; the test's tsconfig has no DOM library, so declare the little they use.
interface DomElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { x: number; y: number; width: number; height: number };
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): DomElement[];
  textContent: string | null;
  clientWidth: number;
}
declare const document: { querySelector(selector: string): DomElement | null; querySelectorAll(selector: string): DomElement[]; documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number };

/** Samples of traffic generated before the page opens. */
const TRAFFIC_SAMPLES = 24;
/** The viewport: wide enough for the intended layout, tall enough that the page needs no scrolling. */
const VIEWPORT = { width: 1400, height: 2000 };
/** Largest per-channel difference accepted between a drawn colour and the expected one. */
const COLOUR_TOLERANCE = 12;
/** Smallest heatmap cell pitch at this viewport, px ("large enough to read"). */
const MIN_CELL_PX = 14;
/** The extra peers that must be labelled: one on loopback, one on a private network. */
const LOCAL_PEERS: Array<{ ip: string; scope: 'loopback' | 'private'; tag: string }> = [
  { ip: '127.0.0.2', scope: 'loopback', tag: 'loopback' },
  { ip: '10.1.2.3', scope: 'private', tag: 'private network' },
];
const PANELS = ['#peers-panel', '#conns-panel', '#traffic-panel', '#composition-panel', '#heat-new-panel', '#heat-tried-panel'];

interface Box { x: number; y: number; width: number; height: number }

interface Loaded {
  sim: Sim;
  server: OperatorHttpServer;
  browser: TestBrowser;
  peers: ExpectedPeer[];
  rows: PeerRow[];
  fill: BucketFill;
  composition: AddrmanComposition;
  traffic: TrafficDocument;
  img: Image;
}

let loaded: Promise<Loaded> | undefined;
let cleanup: (() => Promise<void>) | undefined;

/** Starts the network, the server and the browser once, opens the page and takes the screenshot. */
function load(): Promise<Loaded> {
  loaded ??= (async () => {
    const { sim, me, peers, remotes } = await startScenario();
    const dashboard = createDashboardHandler(me, { historyLimit: 60 });
    const server = await startOperatorHttpServer({ metrics: createMetrics(me), dashboard });
    let browser: TestBrowser | undefined;
    cleanup = async () => {
      await browser?.close();
      await server.stop();
      await sim.stopAll();
    };
    for (const l of LOCAL_PEERS) {
      const node = sim.node(l.ip, { userAgent: '/Satoshi:27.1.0/' });
      await node.start();
      if (!await node.openConnection(svc('30.0.0.1'), 'manual')) throw new Error(`${l.ip} could not connect`);
    }
    // Traffic: pings both ways, plus gossip towards us in every other interval so that the lines part.
    const gossip = remotes[0];
    for (let i = 0; i < TRAFFIC_SAMPLES; i++) {
      me.pingAll();
      if (i % 2 === 0) {
        const addresses = Array.from({ length: 40 + 4 * i }, (_, k) => ({ service: svc(`77.${i}.${k}.1`), services: FULL_NODE, time: sim.clock.nowSeconds() - 60 }));
        gossip.send(gossip.peers()[0].id, { type: 'addr', addresses });
      }
      await sim.run(TRAFFIC_SAMPLE_INTERVAL_MS, 1_000);
    }
    browser = await launchBrowser(VIEWPORT.width, VIEWPORT.height);
    const { page } = browser;
    await page.goto(`${server.url}/`);
    const total = peers.length + LOCAL_PEERS.length;
    await page.waitForFunction((n) => document.querySelectorAll('#peers-body tr').length === n &&
      document.querySelectorAll('.chart[data-chart]').length === document.querySelectorAll('.chart[data-drawn] svg').length, total, { timeout: 20_000 });
    // Nothing moves on the virtual clock from here on, so the API and the page show the same state.
    const [rows, fill, composition, traffic] = await Promise.all([
      getJson<PeerRow[]>(`${server.url}/api/peers`), getJson<BucketFill>(`${server.url}/api/addrman/buckets`),
      getJson<AddrmanComposition>(`${server.url}/api/addrman/composition`), getJson<TrafficDocument>(`${server.url}/api/traffic`),
    ]);
    const img = await screenshot(page, 'dashboard');
    return { sim, server, browser, peers, rows, fill, composition, traffic, img };
  })();
  return loaded;
}

after(async () => { await cleanup?.(); });

async function ready(t: TestContext): Promise<Loaded | undefined> {
  if (!requireChromium(t)) return undefined;
  return load();
}

async function boxOf(l: Loaded, selector: string): Promise<Box> {
  const b = await l.browser.page.locator(selector).first().boundingBox();
  assert.ok(b, `${selector} is on the page`);
  return b;
}

test('the peer table lists every peer with the API\'s fields, user agents as text, and loopback and private peers tagged', { timeout: 90_000 }, async (t) => {
  const l = await ready(t);
  if (!l) return;
  const { page } = l.browser;
  const cells = await page.$$eval('#peers-body tr', (trs) => trs.map((tr) => ({
    id: (tr as unknown as DomElement).getAttribute('data-peer-id'),
    cells: [...(tr as unknown as DomElement).querySelectorAll('td')].map((td) => td.textContent ?? ''),
    tag: (tr as unknown as DomElement).querySelector('.tag')?.textContent ?? null,
  })));
  assert.equal(cells.length, l.rows.length);
  assert.deepEqual(cells.map((c) => Number(c.id)), l.rows.map((r) => r.id), 'sorted by id at first');
  for (const p of l.peers) {
    const row = cells.find((r) => r.cells[1].startsWith(`${p.ip}:`));
    assert.ok(row, `row for ${p.ip}`);
    assert.deepEqual(row.cells.slice(2, 6), ['ipv4', p.type, p.type === 'inbound' ? 'in' : 'out', p.userAgent]);
    assert.equal(row.tag, null, `${p.ip} is public: no tag`);
    const api: PeerRow | undefined = l.rows.find((r) => r.addr.startsWith(`${p.ip}:`));
    assert.ok(api && ['v1', 'v2', 'detecting'].includes(row.cells[6]));
    assert.equal(row.cells[6], api.transport_protocol_type, 'the transport column (getpeerinfo transport_protocol_type)');
    assert.match(row.cells[8], /^\d+(\.\d)? (B|kB|MB)$/, 'bytes in');
  }
  for (const lp of LOCAL_PEERS) {
    const api: PeerRow | undefined = l.rows.find((r) => r.addr.startsWith(`${lp.ip}:`));
    assert.ok(api, `the API lists ${lp.ip}`);
    assert.equal(api.network, 'not_publicly_routable', 'Core\'s network class');
    assert.equal(api.scope, lp.scope);
    const row = cells.find((r) => r.cells[1].startsWith(`${lp.ip}:`));
    assert.ok(row, `row for ${lp.ip}`);
    assert.equal(row.tag, lp.tag);
    assert.equal(row.cells[2], 'ipv4', 'the address\'s own network, not "not_publicly_routable"');
  }
  assert.equal(await page.locator('#peers-note').textContent(), '1 peer on loopback (this machine); 1 peer on a private network.');
  assert.ok(cells.some((r) => r.cells[5] === HOSTILE_USER_AGENT));
  assert.equal(await page.locator('#peers img').count(), 0, 'peer text is never parsed as HTML');
  assert.equal(await page.title(), 'Peerbook dashboard');
});

test('every heatmap cell on screen has the colour of its bucket\'s fill in the API, and cells are large enough to read', { timeout: 90_000 }, async (t) => {
  const l = await ready(t);
  if (!l) return;
  for (const [box, counts] of [['#heat-new', l.fill.new], ['#heat-tried', l.fill.tried]] as const) {
    const grid: { x: number; y: number; cell: number; columns: number; count: number } = await l.browser.page.$eval(`${box} svg [data-cells]`, (g) => ({
      x: Number(g.getAttribute('data-x')), y: Number(g.getAttribute('data-y')), cell: Number(g.getAttribute('data-cell')),
      columns: Number(g.getAttribute('data-columns')), count: Number(g.getAttribute('data-count')),
    }));
    assert.equal(grid.columns, HEATMAP_COLUMNS);
    assert.equal(grid.count, counts.length, `${box}: one cell per bucket`);
    assert.ok(grid.cell >= MIN_CELL_PX, `${box}: cells of ${grid.cell} px`);
    const svg = await boxOf(l, `${box} svg`);
    const wrong: string[] = [];
    counts.forEach((n, i) => {
      const x = svg.x + grid.x + ((i % grid.columns) + 0.5) * grid.cell;
      const y = svg.y + grid.y + (Math.floor(i / grid.columns) + 0.5) * grid.cell;
      const want = rgb(heatColor(n, l.fill.bucket_size, DASHBOARD_THEME));
      const got = pixel(l.img, x, y);
      if (colourDistance(got, want) > COLOUR_TOLERANCE) wrong.push(`bucket ${i} (${n} used) at ${Math.round(x)},${Math.round(y)}: ${got} instead of ${want}`);
    });
    assert.deepEqual(wrong.slice(0, 5), [], `${box}: ${wrong.length} cells off`);
    assert.ok(counts.some((n) => n > 0) && counts.some((n) => n === 0), `${box} has used and empty buckets`);
  }
  const legend = await l.browser.page.locator('#heat-new-legend').textContent();
  const entries = l.fill.new.reduce((a, n) => a + n, 0);
  assert.equal(legend, `${entries.toLocaleString('en')} entries in ${l.fill.new.filter((n) => n > 0).length} of 1,024 buckets`);
  const scale = await l.browser.page.$$eval('#heat-new svg [data-legend] text', (ts) => ts.map((x) => x.textContent));
  assert.deepEqual(scale, ['0', '1–8', '9–16', '17–24', '25–32', '33–40', '41–48', '49–56', '57–64'], 'the legend names every colour\'s range');
});

test('the traffic chart fills its panel and draws received and sent as two distinct lines through every sample', { timeout: 90_000 }, async (t) => {
  const l = await ready(t);
  if (!l) return;
  const { page } = l.browser;
  const panel = await page.$eval('#traffic', (d) => d.clientWidth);
  const svg = await boxOf(l, '#traffic svg');
  assert.ok(svg.width >= panel - 1 && svg.width <= panel + 1, `chart ${svg.width} px wide in a ${panel} px panel`);
  assert.ok(panel >= 600, `the traffic panel is ${panel} px wide`);
  const plot = await page.$eval('#traffic svg [data-plot]', (r) => ({
    x: Number(r.getAttribute('x')), y: Number(r.getAttribute('y')), w: Number(r.getAttribute('width')), h: Number(r.getAttribute('height')),
    dx: (r.getAttribute('data-domain-x') ?? '').split(' ').map(Number), dy: (r.getAttribute('data-domain-y') ?? '').split(' ').map(Number),
  }));
  assert.ok(plot.w >= panel * 0.8, `the plot spans ${plot.w} of ${panel} px`);
  const dashes = await page.$$eval('#traffic svg [data-series] path', (ps) => ps.map((p) => [p.getAttribute('stroke'), p.getAttribute('stroke-dasharray')]));
  assert.deepEqual(dashes, [[RECEIVED_COLOR, null], [SENT_COLOR, '7 4']], 'received solid, sent dashed, in different colours');
  assert.ok(colourDistance(rgb(RECEIVED_COLOR), rgb(SENT_COLOR)) > 100);
  assert.deepEqual(await page.$$eval('#traffic svg [data-legend] text', (ts) => ts.map((x) => x.textContent)), ['received', 'sent']);

  const s = l.traffic.samples;
  assert.equal(s.length, TRAFFIC_SAMPLES);
  const last = s[s.length - 1].time;
  assert.deepEqual(plot.dx, [(s[0].time - last) / 1000, 0], 'x runs from the oldest sample to now, in seconds');
  const rate = (bytes: number, ms: number): number => (bytes * 1000) / ms;
  const maxRate = Math.max(...s.map((p) => Math.max(rate(p.bytesRecv, p.intervalMs), rate(p.bytesSent, p.intervalMs))));
  assert.ok(plot.dy[0] === 0 && plot.dy[1] >= maxRate, `y from 0 to ${plot.dy[1]} covers ${maxRate} B/s`);
  const at = (time: number, v: number): [number, number] => [
    svg.x + plot.x + (((time - last) / 1000 - plot.dx[0]) / (plot.dx[1] - plot.dx[0])) * plot.w,
    svg.y + plot.y + plot.h - ((v - plot.dy[0]) / (plot.dy[1] - plot.dy[0])) * plot.h,
  ];
  let apart = 0;
  const missing: string[] = [];
  for (const p of s) {
    const [xr, yr] = at(p.time, rate(p.bytesRecv, p.intervalMs));
    const [xs, ys] = at(p.time, rate(p.bytesSent, p.intervalMs));
    if (Math.abs(yr - ys) < 6) continue; // the points overlap; the later line covers the earlier
    apart++;
    if (!colourNear(l.img, xr, yr, rgb(RECEIVED_COLOR), 2, COLOUR_TOLERANCE * 3)) missing.push(`received at ${Math.round(xr)},${Math.round(yr)}`);
    if (!colourNear(l.img, xs, ys, rgb(SENT_COLOR), 2, COLOUR_TOLERANCE * 3)) missing.push(`sent at ${Math.round(xs)},${Math.round(ys)}`);
  }
  assert.ok(apart >= TRAFFIC_SAMPLES / 3, `only ${apart} samples where the two directions differ`);
  assert.deepEqual(missing, [], 'a point of the right colour at every sample');
});

test('the composition panel shows the largest source and address groups with the API\'s shares, and the eclipse context', { timeout: 90_000 }, async (t) => {
  const l = await ready(t);
  if (!l) return;
  const { page } = l.browser;
  const c = l.composition;
  assert.equal(c.grouping, 'prefix');
  assert.ok(c.by_source_group.groups >= 30, 'the 30 sources of the scenario, and the peers that announced themselves');
  for (const [box, ranking] of [['#source-groups', c.by_source_group], ['#address-groups', c.by_address_group]] as const) {
    const bars = await page.$$eval(`${box} svg [data-bars] rect`, (rs) => rs.map((r) => {
      const b = r.getBoundingClientRect();
      return { group: r.getAttribute('data-category'), value: Number(r.getAttribute('data-value')), fill: r.getAttribute('fill') ?? '', x: b.x, y: b.y, w: b.width, h: b.height };
    }));
    assert.deepEqual(bars.map((b) => b.group), ranking.top.map((g) => g.group), `${box}: the top groups, largest first`);
    assert.equal(bars.length, 10);
    bars.forEach((b, i) => assert.ok(Math.abs(b.value - ranking.top[i].share * 100) <= 0.005, `${box} ${b.group}: ${b.value}% (data-value has two decimals)`));
    for (const b of bars) {
      assert.ok(b.w >= 4, `${box} ${b.group}: a ${b.w} px bar is visible`);
      assert.ok(colourNear(l.img, b.x + b.w / 2, b.y + b.h / 2, rgb(b.fill), 0, COLOUR_TOLERANCE), `${box} ${b.group}: bar drawn at its place`);
    }
    const widths = bars.map((b) => b.w);
    assert.deepEqual(widths, [...widths].sort((a, b) => b - a), `${box}: bar lengths follow the shares`);
  }
  const text = await page.locator('#composition-text').textContent() ?? '';
  const top = c.by_source_group.top[0];
  assert.ok(text.includes(`largest source group ${top.group} holds`), text);
  assert.match(await page.locator('#composition-note').textContent() ?? '', /at most 64 of the 1,024 new buckets.*6\.25%/);
  const nets = await page.$$eval('#addrman-networks svg [data-bars] rect', (rs) => rs.map((r) => [r.getAttribute('data-category'), r.getAttribute('data-series'), Number(r.getAttribute('data-value'))]));
  assert.deepEqual(nets, [['ipv4', 'new', c.by_network.ipv4.new], ['ipv4', 'tried', c.by_network.ipv4.tried]]);
});

test('the layout holds at 1400 px: panels do not overlap, charts stay inside their panels, nothing overflows the window', { timeout: 90_000 }, async (t) => {
  const l = await ready(t);
  if (!l) return;
  const boxes = await Promise.all(PANELS.map((p) => boxOf(l, p)));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      assert.ok(!overlap, `${PANELS[i]} and ${PANELS[j]} overlap`);
    }
  }
  for (const [chart, panel] of [['#traffic svg', '#traffic-panel'], ['#heat-new svg', '#heat-new-panel'], ['#heat-tried svg', '#heat-tried-panel'],
    ['#source-groups svg', '#composition-panel'], ['#address-groups svg', '#composition-panel'], ['#addrman-networks svg', '#composition-panel']]) {
    const c = await boxOf(l, chart);
    const p = await boxOf(l, panel);
    assert.ok(c.x >= p.x && c.y >= p.y && c.x + c.width <= p.x + p.width && c.y + c.height <= p.y + p.height, `${chart} inside ${panel}`);
    assert.ok(c.width > 200 && c.height > 60, `${chart} is ${c.width}×${c.height}`);
  }
  const overflow = await l.browser.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);
  const shot = l.img;
  const heat = await boxOf(l, '#heat-tried-panel');
  assert.ok(shot.height >= heat.y + heat.height, 'the whole page is in the screenshot');
});

test('clicking a column header sorts the peer table by that column, and clicking it again reverses the order', { timeout: 90_000 }, async (t) => {
  const l = await ready(t);
  if (!l) return;
  const { page } = l.browser;
  const order = (): Promise<number[]> => page.$$eval('#peers-body tr', (trs) => trs.map((tr) => Number((tr as unknown as DomElement).getAttribute('data-peer-id'))));
  const byId = new Map(l.rows.map((r) => [r.id, r]));
  const sortedBy = (value: (r: PeerRow) => number, dir: 1 | -1): number[] =>
    [...l.rows].sort((a, b) => (value(a) - value(b)) * dir || a.id - b.id).map((r) => r.id);

  await page.click('#peers th[data-key="bytesrecv"] button');
  assert.deepEqual(await order(), sortedBy((r) => r.bytesrecv, 1), 'bytes in, ascending');
  assert.equal(await page.getAttribute('#peers th[data-key="bytesrecv"]', 'aria-sort'), 'ascending');
  assert.equal(await page.getAttribute('#peers th[data-key="id"]', 'aria-sort'), 'none');
  await page.click('#peers th[data-key="bytesrecv"] button');
  assert.deepEqual(await order(), sortedBy((r) => r.bytesrecv, -1), 'bytes in, descending');
  assert.equal(await page.getAttribute('#peers th[data-key="bytesrecv"]', 'aria-sort'), 'descending');

  await page.click('#peers th[data-key="subver"] button');
  const agents = (await order()).map((id) => byId.get(id)!.subver);
  assert.deepEqual(agents, [...agents].sort((a, b) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' })), 'user agent, A to Z');
  assert.notDeepEqual(await order(), l.rows.map((r) => r.id), 'a different order from by-id');

  await page.keyboard.press('Tab'); // the header buttons are reachable from the keyboard
  await page.focus('#peers th[data-key="id"] button');
  await page.keyboard.press('Enter');
  assert.deepEqual(await order(), sortedBy((r) => r.id, 1), 'back to id, ascending, from the keyboard');
});

test('the page ran without a script error or a Content-Security-Policy violation', { timeout: 90_000 }, async (t) => {
  const l = await ready(t);
  if (!l) return;
  assert.deepEqual(l.browser.problems, []);
  assert.equal(await l.browser.page.locator('#status.error').count(), 0);
});
