/**
 * The simulator's plots, behind a small adapter: `linePlot` and `barPlot` take the option shapes of the
 * project's chart module (report/ `lineChart` / `barChart`: title, axes with label and unit, named
 * series) and return an SVG string. Until report/ is on main this file draws them itself, simply and
 * deterministically (fixed number formatting, no dates, no randomness), so committed plots only change
 * when the data does; switching to report/ is a change to this file only.
 */
import { ArgumentError } from '../util/errors.js';

/** An axis: title, unit, optional bounds. */
export interface PlotAxis {
  label: string;
  unit?: string;
  min?: number;
  max?: number;
}

/** One line. */
export interface PlotLine {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  dash?: boolean;
}

/** Options of `linePlot`. */
export interface LinePlotOptions {
  title: string;
  x: PlotAxis;
  y: PlotAxis;
  series: readonly PlotLine[];
  width?: number;
  height?: number;
}

/** Options of `barPlot` (vertical grouped bars). */
export interface BarPlotOptions {
  title: string;
  categories: readonly string[];
  series: ReadonlyArray<{ name: string; values: readonly number[] }>;
  value: PlotAxis;
  width?: number;
  height?: number;
}

/** Most series and points a plot accepts (bounded output size). */
export const MAX_PLOT_SERIES = 16;
export const MAX_PLOT_POINTS = 100_000;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd'];
const FONT = 'font-family="sans-serif" font-size="12"';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(1);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

function ticks(lo: number, hi: number, count = 5): number[] {
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function axisTitle(a: PlotAxis): string {
  return esc(a.unit ? `${a.label} (${a.unit})` : a.label);
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" ${FONT} font-weight="bold">${esc(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** A line chart with several series, axes with round ticks and a legend. */
export function linePlot(o: LinePlotOptions): string {
  if (o.series.length > MAX_PLOT_SERIES) throw new ArgumentError(`at most ${MAX_PLOT_SERIES} series, got ${o.series.length}`);
  const total = o.series.reduce((a, s) => a + s.points.length, 0);
  if (total > MAX_PLOT_POINTS) throw new ArgumentError(`at most ${MAX_PLOT_POINTS} points, got ${total}`);
  const width = o.width ?? 720;
  const height = o.height ?? 360;
  const legendW = 210;
  const L = 70, R = width - legendW, T = 36, B = height - 48;
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1]));
  const x0 = o.x.min ?? (xs.length ? Math.min(...xs) : 0);
  const x1 = o.x.max ?? (xs.length ? Math.max(...xs) : 1);
  const yt = ticks(o.y.min ?? Math.min(0, ...ys), o.y.max ?? (ys.length ? Math.max(...ys) : 1));
  const y0 = o.y.min ?? yt[0];
  const y1 = o.y.max ?? yt[yt.length - 1];
  const sx = (x: number): number => L + ((x - x0) / (x1 === x0 ? 1 : x1 - x0)) * (R - L);
  const sy = (y: number): number => B - ((y - y0) / (y1 === y0 ? 1 : y1 - y0)) * (B - T);
  const body: string[] = [];
  for (const t of yt) {
    if (t < y0 - 1e-12 || t > y1 + 1e-12) continue;
    body.push(`<line x1="${L}" y1="${sy(t).toFixed(1)}" x2="${R}" y2="${sy(t).toFixed(1)}" stroke="#e0e0e0"/>`);
    body.push(`<text x="${L - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" ${FONT}>${fmt(t)}</text>`);
  }
  for (const t of ticks(x0, x1)) {
    if (t < x0 - 1e-12 || t > x1 + 1e-12) continue;
    body.push(`<line x1="${sx(t).toFixed(1)}" y1="${B}" x2="${sx(t).toFixed(1)}" y2="${B + 4}" stroke="#333"/>`);
    body.push(`<text x="${sx(t).toFixed(1)}" y="${B + 17}" text-anchor="middle" ${FONT}>${fmt(t)}</text>`);
  }
  body.push(`<rect x="${L}" y="${T}" width="${R - L}" height="${B - T}" fill="none" stroke="#333"/>`);
  body.push(`<text x="${(L + R) / 2}" y="${height - 10}" text-anchor="middle" ${FONT}>${axisTitle(o.x)}</text>`);
  body.push(`<text x="16" y="${(T + B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + B) / 2})" ${FONT}>${axisTitle(o.y)}</text>`);
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)} ${sy(p[1]).toFixed(1)}`).join(' ');
    if (d) body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 4"' : ''}/>`);
    const ly = T + 8 + i * 18;
    body.push(`<line x1="${R + 12}" y1="${ly}" x2="${R + 36}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 4"' : ''}/>`);
    body.push(`<text x="${R + 42}" y="${ly + 4}" ${FONT}>${esc(s.name)}</text>`);
  });
  return frame(width, height, o.title, body);
}

/** Vertical grouped bars: one group per category, one bar per series, values printed above. */
export function barPlot(o: BarPlotOptions): string {
  if (o.series.length > MAX_PLOT_SERIES) throw new ArgumentError(`at most ${MAX_PLOT_SERIES} series, got ${o.series.length}`);
  for (const s of o.series) {
    if (s.values.length !== o.categories.length) throw new ArgumentError(`series ${s.name} has ${s.values.length} values for ${o.categories.length} categories`);
  }
  const width = o.width ?? Math.max(560, 90 + o.categories.length * (24 + 16 * o.series.length));
  const height = o.height ?? 400;
  const L = 70, R = width - 20, T = 36 + 18 * Math.ceil(o.series.length / 3), B = height - 110;
  const all = o.series.flatMap((s) => s.values);
  const yt = ticks(o.value.min ?? Math.min(0, ...all), o.value.max ?? Math.max(1e-9, ...all));
  const y0 = o.value.min ?? yt[0];
  const y1 = o.value.max ?? yt[yt.length - 1];
  const sy = (y: number): number => B - ((Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0)) * (B - T);
  const body: string[] = [];
  for (const t of yt) {
    if (t < y0 - 1e-12 || t > y1 + 1e-12) continue;
    body.push(`<line x1="${L}" y1="${sy(t).toFixed(1)}" x2="${R}" y2="${sy(t).toFixed(1)}" stroke="#e0e0e0"/>`);
    body.push(`<text x="${L - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" ${FONT}>${fmt(t)}</text>`);
  }
  const groupW = (R - L) / Math.max(1, o.categories.length);
  const barW = Math.max(3, (groupW - 12) / Math.max(1, o.series.length));
  o.categories.forEach((c, ci) => {
    const gx = L + ci * groupW + 6;
    o.series.forEach((s, si) => {
      const v = s.values[ci];
      const x = gx + si * barW;
      const top = sy(Math.max(v, y0));
      body.push(`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${Math.max(0, B - top).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${c} — ${s.name}: ${fmt(v)}`)}</title></rect>`);
      body.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${(top - 3).toFixed(1)}" text-anchor="middle" font-family="sans-serif" font-size="9">${fmt(v)}</text>`);
    });
    const lx = gx + (groupW - 12) / 2;
    body.push(`<text x="${lx.toFixed(1)}" y="${B + 12}" text-anchor="end" transform="rotate(-35 ${lx.toFixed(1)} ${B + 12})" ${FONT}>${esc(c)}</text>`);
  });
  body.push(`<rect x="${L}" y="${T}" width="${R - L}" height="${B - T}" fill="none" stroke="#333"/>`);
  body.push(`<text x="16" y="${(T + B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + B) / 2})" ${FONT}>${axisTitle(o.value)}</text>`);
  o.series.forEach((s, i) => {
    const lx = L + (i % 3) * 200;
    const ly = 34 + Math.floor(i / 3) * 18;
    body.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`);
    body.push(`<text x="${lx + 18}" y="${ly + 1}" ${FONT}>${esc(s.name)}</text>`);
  });
  return frame(width, height, o.title, body);
}
