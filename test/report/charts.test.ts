import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { barChart, MAX_BAR_CATEGORIES } from '../../src/report/bar-chart.js';
import { MAX_CHART_SIZE_PX } from '../../src/report/frame.js';
import { heatLegendItems, heatmap, MAX_HEATMAP_CELLS } from '../../src/report/heatmap.js';
import { figure, htmlPage, htmlTable, REPORT_CSP } from '../../src/report/html.js';
import { lineChart, MAX_LINE_POINTS, MAX_LINE_SERIES } from '../../src/report/line-chart.js';
import { DARK_THEME, heatColor, LIGHT_THEME } from '../../src/report/theme.js';
import { assertWellFormed, attrsOf, hostileUnit, textsOf } from './xml.js';

/** The plot rectangle and data domain a chart declares. */
function plotOf(svg: string): { x: number; y: number; w: number; h: number; domain: Record<string, number[]> } {
  const m = /<rect ([^>]*data-plot=""[^>]*)\/>/.exec(svg);
  assert.ok(m, 'the chart marks its plot area');
  const attr = (name: string): string => new RegExp(`\\b${name}="([^"]*)"`).exec(m[1])![1];
  const domain: Record<string, number[]> = {};
  for (const d of m[1].matchAll(/data-domain-(\w+)="([^"]*)"/g)) domain[d[1]] = d[2].split(' ').map(Number);
  return { x: Number(attr('x')), y: Number(attr('y')), w: Number(attr('width')), h: Number(attr('height')), domain };
}

const noStyleOrScript = (svg: string): void => assert.ok(!/\sstyle=|<style|<script|javascript:/i.test(svg), 'presentation attributes only, no script');

test('a line chart is an accessible SVG image: role img, named by its title, described by its description', () => {
  const svg = lineChart({ title: 'Traffic <by> direction', description: 'bytes & more', x: { label: 'time', unit: 's' }, y: { label: 'bytes' },
    series: [{ name: 'received', points: [[0, 1], [1, 2]] }] });
  assert.equal(assertWellFormed(svg), 'svg');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" id="chart-traffic-by-direction" width="640" height="300" viewBox="0 0 640 300" role="img" aria-labelledby="chart-traffic-by-direction-title chart-traffic-by-direction-desc"/);
  assert.deepEqual(textsOf(svg, 'title'), ['Traffic <by> direction']);
  assert.deepEqual(textsOf(svg, 'desc'), ['bytes & more']);
  assert.ok(textsOf(svg, 'text').includes('time (s)'), 'the x axis title carries its unit');
  noStyleOrScript(svg);
});

test('every point of every series lands where the declared plot area and domain put it', () => {
  const series = [
    { name: 'a', points: [[0, 0], [10, 50], [20, 100], [30, 25]] as const },
    { name: 'b', points: [[0, 80], [30, 10]] as const },
  ];
  const svg = lineChart({ title: 'geometry', width: 500, height: 260, x: { label: 'x' }, y: { label: 'y' }, series });
  const p = plotOf(svg);
  assert.deepEqual(p.domain.x, [0, 30]);
  assert.equal(p.domain.y[0], 0);
  assert.ok(p.domain.y[1] >= 100);
  const paths = attrsOf(svg, 'path', 'd');
  assert.equal(paths.length, 2);
  series.forEach((s, i) => {
    const coords = [...paths[i].matchAll(/[ML]([-\d.]+) ([-\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.equal(coords.length, s.points.length);
    s.points.forEach(([x, y], k) => {
      assert.ok(Math.abs(coords[k][0] - (p.x + (x / 30) * p.w)) < 0.01, `x of ${s.name}[${k}]`);
      assert.ok(Math.abs(coords[k][1] - (p.y + p.h - (y / p.domain.y[1]) * p.h)) < 0.01, `y of ${s.name}[${k}]`);
    });
  });
  assert.deepEqual(attrsOf(svg, 'path', 'stroke'), [LIGHT_THEME.series[0], LIGHT_THEME.series[1]], 'series take the theme colours in order');
  assert.deepEqual(attrsOf(svg, 'path', 'stroke-dasharray'), ['7 4'], 'the second series is dashed, the first solid');
  assert.deepEqual(textsOf(svg, 'text').filter((t) => t === 'a' || t === 'b'), ['a', 'b'], 'a legend entry per series');
});

test('a null value breaks the line instead of bridging the gap', () => {
  const svg = lineChart({ title: 'gap', x: { label: 'x' }, y: { label: 'y' }, series: [{ name: 's', points: [[0, 1], [1, null], [2, 3], [3, 4]] }] });
  assert.equal((attrsOf(svg, 'path', 'd')[0].match(/M/g) ?? []).length, 2);
});

test('a chart with no data says so instead of drawing empty axes silently', () => {
  const svg = lineChart({ title: 'empty', x: { label: 'x' }, y: { label: 'y' }, series: [{ name: 's', points: [] }] });
  assert.ok(textsOf(svg, 'text').includes('no data'));
  assertWellFormed(svg);
});

test('charts refuse inputs past their bounds and malformed values with ArgumentError', () => {
  const axes = { x: { label: 'x' }, y: { label: 'y' } };
  const many = Array.from({ length: MAX_LINE_SERIES + 1 }, (_, i) => ({ name: `s${i}`, points: [[0, 1]] as const }));
  assert.throws(() => lineChart({ title: 't', ...axes, series: many }), { code: 'ERR_ARGUMENT' });
  const points = Array.from({ length: MAX_LINE_POINTS + 1 }, (_, i) => [i, i] as const);
  assert.throws(() => lineChart({ title: 't', ...axes, series: [{ name: 's', points }] }), { code: 'ERR_ARGUMENT' });
  assert.throws(() => lineChart({ title: 't', ...axes, series: [{ name: 's', points: [[0, NaN]] }] }), { code: 'ERR_ARGUMENT' });
  assert.throws(() => lineChart({ title: 't', width: MAX_CHART_SIZE_PX + 1, ...axes, series: [] }), { code: 'ERR_ARGUMENT' });
  assert.throws(() => lineChart({ title: ' ', ...axes, series: [] }), { code: 'ERR_ARGUMENT' }, 'a title is required: it is the accessible name');
  assert.throws(() => lineChart({ title: 't', id: '1"x', ...axes, series: [] }), { code: 'ERR_ARGUMENT' });
  const cats = Array.from({ length: MAX_BAR_CATEGORIES + 1 }, (_, i) => `c${i}`);
  assert.throws(() => barChart({ title: 't', categories: cats, series: [{ name: 's', values: cats.map(() => 1) }], value: { label: 'v' } }), { code: 'ERR_ARGUMENT' });
  assert.throws(() => barChart({ title: 't', categories: ['a', 'b'], series: [{ name: 's', values: [1] }], value: { label: 'v' } }), { code: 'ERR_ARGUMENT' });
  assert.throws(() => heatmap({ title: 't', values: new Array<number>(MAX_HEATMAP_CELLS + 1).fill(0), columns: 64 }), { code: 'ERR_ARGUMENT' });
  assert.throws(() => heatmap({ title: 't', values: [1], columns: 0 }), { code: 'ERR_ARGUMENT' });
});

test('horizontal bars are as long as their values on the declared scale, each with its value printed and a tooltip', () => {
  const svg = barChart({ title: 'agents', width: 600, categories: ['/Satoshi:27.0.0/', '/btcd:0.24.2/', 'x'], series: [{ name: 'nodes', values: [120, 30, 0] }],
    value: { label: 'nodes', integers: true } });
  assertWellFormed(svg);
  const p = plotOf(svg);
  const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*data-category="([^"]*)" data-series="nodes" data-value="([\d.]+)"/g)];
  assert.deepEqual(rects.map((r) => r[3]), ['/Satoshi:27.0.0/', '/btcd:0.24.2/', 'x']);
  for (const r of rects) {
    assert.ok(Math.abs(Number(r[1]) - p.x) < 0.01, 'bars start at 0');
    assert.ok(Math.abs(Number(r[2]) - (Number(r[4]) / p.domain.value[1]) * p.w) < 0.02, `${r[3]}: width ∝ value`);
  }
  const texts = textsOf(svg, 'text');
  assert.ok(texts.includes('120') && texts.includes('30'), 'values printed');
  assert.ok(textsOf(svg, 'title').includes('/Satoshi:27.0.0/: 120'), 'tooltip names category and value');
  assert.ok(!svg.includes('data-legend'), 'no legend for a single series');
});

test('stacked bars put each series after the previous one, and a legend names the series', () => {
  const svg = barChart({ title: 'nets', width: 600, stacked: true, categories: ['ipv4', 'ipv6'],
    series: [{ name: 'reachable', values: [10, 4] }, { name: 'unreachable', values: [5, 8] }], value: { label: 'nodes' } });
  const seg = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"[^>]*data-category="ipv4" data-series="(\w+)"/g)];
  assert.equal(seg.length, 2);
  assert.ok(Math.abs(Number(seg[0][1]) + Number(seg[0][3]) - Number(seg[1][1])) < 0.02, 'unreachable starts where reachable ends');
  assert.equal(seg[0][2], seg[1][2], 'one bar per category');
  assert.ok(textsOf(svg, 'text').includes('15'), 'the total is printed');
  assert.ok(svg.includes('data-legend') && textsOf(svg, 'text').includes('unreachable'));
});

test('vertical bars grow upwards from 0 in proportion to their values, and long labels are cut with the whole label in a tooltip', () => {
  const long = 'a-very-long-category-label-that-cannot-fit-under-its-bar-at-all';
  const svg = barChart({ title: 'v', orientation: 'vertical', width: 400, height: 300, categories: ['70016', long], series: [{ name: 's', values: [10, 5] }], value: { label: 'nodes' } });
  assertWellFormed(svg);
  const p = plotOf(svg);
  const bars = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"[^>]*data-value="([\d.]+)"/g)];
  for (const b of bars) {
    assert.ok(Math.abs(Number(b[1]) + Number(b[2]) - (p.y + p.h)) < 0.02, 'bars stand on the axis');
    assert.ok(Math.abs(Number(b[2]) - (Number(b[3]) / p.domain.value[1]) * p.h) < 0.02, 'height ∝ value');
  }
  assert.ok(textsOf(svg, 'title').includes(long), 'the whole label is in a tooltip');
  assert.ok(textsOf(svg, 'text').some((t) => t.endsWith('…') && long.startsWith(t.slice(0, -1))), 'the drawn label is cut');
});

test('a heatmap draws one cell per value, at the place its data-cells grid says, in the colour of its bin', () => {
  const values = Array.from({ length: 200 }, (_, i) => (i * 13) % 65);
  const svg = heatmap({ title: 'fill', values, columns: 64, max: 64, theme: DARK_THEME, cellTitle: (i, v) => `bucket ${i}: ${v}` });
  assertWellFormed(svg);
  const grid = /<g data-cells="" data-x="(\d+)" data-y="(\d+)" data-cell="(\d+)" data-columns="64" data-count="200">/.exec(svg);
  assert.ok(grid);
  const [gx, gy, cell] = [Number(grid[1]), Number(grid[2]), Number(grid[3])];
  const cells = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="[\d.]+" fill="(#[0-9a-f]{6})"><title>bucket (\d+): (\d+)<\/title>/g)];
  assert.equal(cells.length, 200);
  for (const c of cells) {
    const i = Number(c[4]);
    assert.equal(Number(c[1]), gx + (i % 64) * cell);
    assert.equal(Number(c[2]), gy + Math.floor(i / 64) * cell);
    assert.equal(c[3], heatColor(values[i], 64, DARK_THEME));
  }
});

test('long horizontal labels are cut to leave the bars most of a narrow chart, and a wide grid widens its heatmap instead of clipping', () => {
  const long = 'x'.repeat(30);
  const svg = barChart({ title: 'narrow', width: 240, categories: [long, 'b'], series: [{ name: 's', values: [3, 1] }], value: { label: 'v' } });
  const p = plotOf(svg);
  assert.ok(p.w >= 240 * 0.3, `the plot keeps ${p.w} px of 240`);
  assert.ok(textsOf(svg, 'title').includes(long), 'the whole label stays in the tooltip');
  const wide = heatmap({ title: 'wide', width: 240, values: new Array<number>(256).fill(1), columns: 256 });
  const width = Number(/width="(\d+)"/.exec(wide)![1]);
  assert.ok(width >= 256 * 3, `${width} px hold 256 cells of at least 3 px`);
});

test('the heatmap legend names the value range of every colour, integer ranges for counts', () => {
  assert.deepEqual(heatLegendItems(64, LIGHT_THEME, true).map((i) => i.label), ['0', '1–8', '9–16', '17–24', '25–32', '33–40', '41–48', '49–56', '57–64']);
  assert.deepEqual(heatLegendItems(3, LIGHT_THEME, true).map((i) => i.label), ['0', '1', '2', '3'], 'bins without an integer are left out');
  assert.deepEqual(heatLegendItems(1, LIGHT_THEME, false, String).map((i) => i.label).slice(0, 3), ['0', '0–0.125', '0.125–0.25']);
  assert.deepEqual(heatLegendItems(64, LIGHT_THEME, true).map((i) => i.color), [LIGHT_THEME.heatEmpty, ...LIGHT_THEME.heat]);
});

test('whatever the labels say, a chart stays one well-formed SVG element and shows them as text', () => {
  fc.assert(fc.property(fc.string({ unit: hostileUnit, maxLength: 40 }), fc.array(fc.string({ unit: hostileUnit, maxLength: 30 }), { minLength: 1, maxLength: 5 }), (title, labels) => {
    fc.pre(title.trim() !== '');
    const bar = barChart({ title, categories: labels, series: [{ name: title, values: labels.map((_, i) => i) }], value: { label: title, unit: title } });
    const line = lineChart({ title, x: { label: title }, y: { label: labels[0] }, series: labels.map((l) => ({ name: l, points: [[0, 1]] as const })) });
    const heat = heatmap({ title, values: [0, 1, 2], columns: 2, cellTitle: () => title, scale: { label: title } });
    for (const svg of [bar, line, heat]) {
      assert.equal(assertWellFormed(svg), 'svg');
      noStyleOrScript(svg);
    }
  }), { numRuns: 100 });
});

test('a report page is one self-contained document: CSP without script or fetches, escaped title, tables with numbers aligned right', () => {
  const page = htmlPage({ title: 'Crawl <of> main', body: figure('<svg/>', 'a & b') + htmlTable(['agent', 'nodes'], [['<b>x</b>', 1234]], 'agents') });
  assert.ok(page.startsWith('<!doctype html>'));
  assert.ok(page.includes(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP.replace(/'/g, '&#39;')}">`));
  assert.match(REPORT_CSP, /default-src 'none'/);
  assert.ok(!/script-src|connect-src/.test(REPORT_CSP), 'nothing but the default: no script, no fetch');
  assert.ok(page.includes('<title>Crawl &lt;of&gt; main</title>'));
  assert.ok(page.includes('<figcaption>a &amp; b</figcaption>'));
  assert.ok(page.includes('<td>&lt;b&gt;x&lt;/b&gt;</td><td class="num">1,234</td>'));
  assert.ok(page.includes('<caption>agents</caption>'));
});
