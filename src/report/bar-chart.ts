/**
 * Bar charts: categories against one or more series, horizontal (long labels such as user agents
 * read best that way) or vertical, grouped side by side or stacked, with the value printed at the end
 * of each bar and a tooltip (`<title>`) on each bar giving category, series and value. Labels too
 * long for their room are cut with `…`; the tooltip keeps them whole.
 */
import { ArgumentError } from '../util/errors.js';
import { axisTitle, chartSize, tickLabel, valueLabel, checkCount, frame, legend, noData, svgRoot, type AxisOptions, type ChartOptions, type LegendItem } from './frame.js';
import { linearScale, niceTicks } from './scale.js';
import { element, estimateTextWidth, num, textElement, truncate } from './svg.js';
import { seriesStyle } from './theme.js';

/** Most categories in one bar chart. */
export const MAX_BAR_CATEGORIES = 500;
/** Most series in one bar chart. */
export const MAX_BAR_SERIES = 16;
/** Category labels are cut to this many characters by default. */
export const DEFAULT_CATEGORY_LABEL_CHARS = 36;

/** One series: a value per category. */
export interface BarSeries {
  /** Legend label. */
  name: string;
  /** One value per category (same order); negative values are drawn leftwards/downwards from 0. */
  values: readonly number[];
  /** Colour (default: the theme's next series colour). */
  color?: string;
}

/** Options of `barChart`. */
export interface BarChartOptions extends ChartOptions {
  /** Category labels, in display order (top to bottom, or left to right). */
  categories: readonly string[];
  /** The series (at most MAX_BAR_SERIES); a legend is drawn when there is more than one. */
  series: readonly BarSeries[];
  /** `horizontal` (default) or `vertical` bars. */
  orientation?: 'horizontal' | 'vertical';
  /** Stack the series in one bar per category instead of side by side. */
  stacked?: boolean;
  /** The value axis (title, unit, bounds, tick format; `format` also formats the printed values). */
  value: AxisOptions;
  /** The category axis: an optional title and the label length limit. */
  category?: { label?: string; maxLabelChars?: number };
  /** Print each bar's value (stacked: the total) at its end (default true). */
  showValues?: boolean;
  /** Tooltip of one bar (default `category — series: value`, or `category: value` with one series). */
  barTitle?: (category: string, series: string, value: number) => string;
}

/**
 * Renders a bar chart as an SVG string. Horizontal charts without a `height` grow with the number of
 * categories. Each bar is a `rect` with `data-category`, `data-series` and `data-value`; the plot area
 * is marked `data-plot` with its value domain in `data-domain-value` (`"min max"`).
 */
export function barChart(o: BarChartOptions): string {
  const f = frame(o);
  const t = f.theme;
  const fs = t.fontSizePx;
  const n = o.categories.length;
  checkCount('categories', n, MAX_BAR_CATEGORIES);
  checkCount('series', o.series.length, MAX_BAR_SERIES);
  for (const s of o.series) {
    if (s.values.length !== n) throw new ArgumentError(`series ${JSON.stringify(s.name)} has ${s.values.length} values for ${n} categories`);
    if (!s.values.every(Number.isFinite)) throw new ArgumentError(`series ${JSON.stringify(s.name)}: values must be finite numbers`);
  }
  const horizontal = (o.orientation ?? 'horizontal') === 'horizontal';
  const stacked = o.stacked === true && o.series.length > 1;
  const fmt = (v: number): string => valueLabel(o.value, v);
  const showValues = o.showValues ?? true;
  const maxChars = o.category?.maxLabelChars ?? DEFAULT_CATEGORY_LABEL_CHARS;
  const widthPx = chartSize('width', o.width, 640);
  // Horizontal labels may take at most 40 % of the width: cut further when they would take more.
  const labelBudget = horizontal ? widthPx * 0.4 : Infinity;
  const fitLabel = (c: string): string => {
    let l = truncate(c, maxChars);
    for (let n = Math.min(maxChars, [...c].length) - 1; n >= 4 && estimateTextWidth(l, t.fontSizePx) > labelBudget; n--) l = truncate(c, n);
    return l;
  };
  const labels = o.categories.map(fitLabel);
  const tip = o.barTitle ?? ((c: string, s: string, v: number) => (o.series.length > 1 ? `${c} — ${s}: ${fmt(v)}` : `${c}: ${fmt(v)}`));

  // Value domain: from 0 (or the most negative) to the largest bar (the largest total when stacked).
  const ends: number[] = [0];
  for (let c = 0; c < n; c++) {
    if (stacked) {
      ends.push(o.series.reduce((a, s) => a + Math.max(0, s.values[c]), 0), o.series.reduce((a, s) => a + Math.min(0, s.values[c]), 0));
    } else {
      for (const s of o.series) ends.push(s.values[c]);
    }
  }
  const ticks = niceTicks(o.value.min ?? Math.min(...ends), o.value.max ?? Math.max(...ends), o.value.ticks ?? 5, o.value.integers);
  const domain: [number, number] = [o.value.min ?? ticks[0], o.value.max ?? ticks[ticks.length - 1]];
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  const tickFmt = (v: number): string => tickLabel(o.value, v, step);
  const items: LegendItem[] = o.series.map((s, i) => ({ label: s.name, color: s.color ?? seriesStyle(t, i).color }));
  const perCategory = stacked ? 1 : Math.max(1, o.series.length);
  const width = widthPx;
  const leg = legend(o.series.length > 1 ? items : [], width - 16, t);
  const top = f.titleHeight + (leg.height > 0 ? leg.height + 6 : 0) + Math.ceil(fs * 0.5);
  const valueLabelW = showValues ? Math.max(...ends.map((v) => estimateTextWidth(fmt(v), fs))) + 10 : 0;
  const valueAxisH = Math.ceil(fs * 1.5 + fs * 1.6 + 6);
  const body: string[] = [leg.render(8, f.titleHeight + 2)];

  const bars: string[] = [];
  const barRect = (c: number, si: number, x: number, y: number, w: number, h: number, v: number): string =>
    element('rect', {
      x, y, width: Math.max(0, w), height: Math.max(0, h), fill: items[si].color,
      'data-category': o.categories[c], 'data-series': o.series[si].name, 'data-value': v,
    }, textElement('title', {}, tip(o.categories[c], o.series[si].name, v)));

  if (horizontal) {
    const band = Math.ceil(Math.max(fs * 1.9, perCategory * fs * 0.95 + 8));
    const catTitleW = o.category?.label ? Math.ceil(fs * 1.6) : 0;
    const left = Math.ceil(8 + catTitleW + Math.max(24, ...labels.map((l) => estimateTextWidth(l, fs))) + 10);
    const right = Math.ceil(Math.max(16, valueLabelW));
    const height = chartSize('height', o.height, Math.max(120, top + Math.max(1, n) * band + valueAxisH + 4));
    const plotW = width - left - right;
    const plotH = height - top - valueAxisH;
    if (plotW < 20 || plotH < 10) throw new ArgumentError(`chart ${width}×${height} px leaves no room for the bars`);
    const bandH = n > 0 ? plotH / n : plotH;
    const sv = linearScale(domain, [left, left + plotW]);
    const grid: string[] = [];
    for (const v of ticks) {
      if (v < domain[0] - 1e-9 || v > domain[1] + 1e-9) continue;
      const x = sv(v);
      grid.push(element('line', { x1: x, y1: top, x2: x, y2: top + plotH, stroke: t.grid }));
      grid.push(textElement('text', { x, y: top + plotH + fs * 1.25, 'text-anchor': 'middle', fill: t.mutedText }, tickFmt(v)));
    }
    body.push(element('g', { 'data-grid': '' }, ...grid));
    for (let c = 0; c < n; c++) {
      const y0 = top + c * bandH;
      const cy = y0 + bandH / 2;
      const label = textElement('text', { x: left - 8, y: cy, 'text-anchor': 'end', 'dominant-baseline': 'central', fill: t.text }, labels[c]);
      bars.push(labels[c] === o.categories[c] ? label : element('g', {}, textElement('title', {}, o.categories[c]), label));
      const inner = bandH * 0.78;
      const thick = inner / perCategory;
      let pos = 0;
      let neg = 0;
      o.series.forEach((s, si) => {
        const v = s.values[c];
        let a: number;
        let b: number;
        if (stacked) {
          a = v >= 0 ? pos : neg + v;
          b = v >= 0 ? pos + v : neg;
          if (v >= 0) pos += v;
          else neg += v;
        } else {
          a = Math.min(0, v);
          b = Math.max(0, v);
        }
        const y = stacked ? cy - inner / 2 : cy - inner / 2 + si * thick;
        bars.push(barRect(c, si, sv(a), y + 0.5, sv(b) - sv(a), (stacked ? inner : thick) - 1, v));
        if (showValues && !stacked) {
          bars.push(textElement('text', { x: sv(b) + 4, y: y + thick / 2, 'dominant-baseline': 'central', fill: t.text }, fmt(v)));
        }
      });
      if (showValues && stacked) {
        bars.push(textElement('text', { x: sv(pos) + 4, y: cy, 'dominant-baseline': 'central', fill: t.text }, fmt(pos + neg)));
      }
    }
    body.push(element('line', { x1: sv(Math.max(domain[0], 0)), y1: top, x2: sv(Math.max(domain[0], 0)), y2: top + plotH, stroke: t.axis }));
    body.push(textElement('text', { x: left + plotW / 2, y: height - 6, 'text-anchor': 'middle', fill: t.mutedText }, axisTitle(o.value)));
    if (o.category?.label) {
      const x = 8 + fs * 0.7;
      body.push(textElement('text', {
        x, y: top + plotH / 2, transform: `rotate(-90 ${num(x)} ${num(top + plotH / 2)})`, 'text-anchor': 'middle',
        'dominant-baseline': 'central', fill: t.mutedText,
      }, truncate(o.category.label, 80)));
    }
    body.push(element('g', { 'data-bars': '' }, ...bars));
    if (n === 0) body.push(noData(t, left + plotW / 2, top + plotH / 2));
    body.push(element('rect', { x: left, y: top, width: plotW, height: plotH, fill: 'none', 'data-plot': '', 'data-domain-value': `${domain[0]} ${domain[1]}` }));
    return svgRoot(f, 'bar', width, height, body);
  }

  // Vertical bars: labels under the bars, turned when they do not fit their band.
  const height = chartSize('height', o.height, 300);
  const tickW = Math.max(...ticks.map((v) => estimateTextWidth(tickFmt(v), fs)));
  const left = Math.ceil(8 + fs * 1.4 + 6 + tickW + 6);
  const right = 14;
  const plotW = width - left - right;
  const band = n > 0 ? plotW / n : plotW;
  const longest = Math.max(0, ...labels.map((l) => estimateTextWidth(l, fs)));
  const turned = longest > band - 4;
  const labelH = turned ? Math.ceil(longest * 0.72 + fs) : Math.ceil(fs * 1.5);
  const catTitleH = o.category?.label ? Math.ceil(fs * 1.6) : 0;
  const topV = top + (showValues ? fs : 0);
  const plotH = height - topV - labelH - catTitleH - 8;
  if (plotW < 20 || plotH < 20) throw new ArgumentError(`chart ${width}×${height} px leaves no room for the bars`);
  const sv = linearScale(domain, [topV + plotH, topV]);
  const grid: string[] = [];
  for (const v of ticks) {
    if (v < domain[0] - 1e-9 || v > domain[1] + 1e-9) continue;
    const y = sv(v);
    grid.push(element('line', { x1: left, y1: y, x2: left + plotW, y2: y, stroke: t.grid }));
    grid.push(textElement('text', { x: left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'central', fill: t.mutedText }, tickFmt(v)));
  }
  body.push(element('g', { 'data-grid': '' }, ...grid));
  for (let c = 0; c < n; c++) {
    const x0 = left + c * band;
    const cx = x0 + band / 2;
    const inner = band * 0.78;
    const thick = inner / perCategory;
    let pos = 0;
    let neg = 0;
    o.series.forEach((s, si) => {
      const v = s.values[c];
      let a: number;
      let b: number;
      if (stacked) {
        a = v >= 0 ? pos : neg + v;
        b = v >= 0 ? pos + v : neg;
        if (v >= 0) pos += v;
        else neg += v;
      } else {
        a = Math.min(0, v);
        b = Math.max(0, v);
      }
      const x = stacked ? cx - inner / 2 : cx - inner / 2 + si * thick;
      bars.push(barRect(c, si, x + 0.5, sv(b), (stacked ? inner : thick) - 1, sv(a) - sv(b), v));
      if (showValues && !stacked && estimateTextWidth(fmt(v), fs * 0.9) <= thick + 6) {
        bars.push(textElement('text', { x: x + thick / 2, y: sv(b) - 4, 'text-anchor': 'middle', 'font-size': fs * 0.9, fill: t.text }, fmt(v)));
      }
    });
    if (showValues && stacked && estimateTextWidth(fmt(pos + neg), fs * 0.9) <= band) {
      bars.push(textElement('text', { x: cx, y: sv(pos) - 4, 'text-anchor': 'middle', 'font-size': fs * 0.9, fill: t.text }, fmt(pos + neg)));
    }
    const ly = topV + plotH + fs * 1.2;
    const label = turned
      ? textElement('text', { x: cx, y: ly, 'text-anchor': 'end', transform: `rotate(-40 ${num(cx)} ${num(ly)})`, fill: t.text }, labels[c])
      : textElement('text', { x: cx, y: ly, 'text-anchor': 'middle', fill: t.text }, labels[c]);
    bars.push(labels[c] === o.categories[c] ? label : element('g', {}, textElement('title', {}, o.categories[c]), label));
  }
  body.push(element('line', { x1: left, y1: sv(Math.max(domain[0], 0)), x2: left + plotW, y2: sv(Math.max(domain[0], 0)), stroke: t.axis }));
  const yTitleX = 8 + fs * 0.7;
  body.push(textElement('text', {
    x: yTitleX, y: topV + plotH / 2, transform: `rotate(-90 ${num(yTitleX)} ${num(topV + plotH / 2)})`, 'text-anchor': 'middle',
    'dominant-baseline': 'central', fill: t.mutedText,
  }, axisTitle(o.value)));
  if (o.category?.label) {
    body.push(textElement('text', { x: left + plotW / 2, y: height - 6, 'text-anchor': 'middle', fill: t.mutedText }, truncate(o.category.label, 80)));
  }
  body.push(element('g', { 'data-bars': '' }, ...bars));
  if (n === 0) body.push(noData(t, left + plotW / 2, topV + plotH / 2));
  body.push(element('rect', { x: left, y: topV, width: plotW, height: plotH, fill: 'none', 'data-plot': '', 'data-domain-value': `${domain[0]} ${domain[1]}` }));
  return svgRoot(f, 'bar', width, height, body);
}
