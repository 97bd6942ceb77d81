/**
 * What every chart shares: the `<svg>` root with its accessible name (`<title>` and `<desc>`,
 * referenced by `aria-labelledby`, `role="img"`), the background, the optional visible title, the
 * size limits, and the legend (swatches that wrap onto as many rows as the width needs).
 */
import { ArgumentError } from '../util/errors.js';
import { formatCount } from './format.js';
import { defaultTickFormat } from './scale.js';
import { element, estimateTextWidth, slugId, textElement, truncate } from './svg.js';
import { LIGHT_THEME, type ChartTheme } from './theme.js';

/** Largest width or height of a chart, px. */
export const MAX_CHART_SIZE_PX = 8_192;
/** Smallest width or height of a chart, px. */
export const MIN_CHART_SIZE_PX = 64;
/** Longest title, description or label kept, characters (longer ones are cut with `…`). */
export const MAX_LABEL_CHARS = 500;
/** Most legend entries drawn. */
export const MAX_LEGEND_ITEMS = 32;

/** Options every chart takes. */
export interface ChartOptions {
  /** The chart's accessible name (`<title>`), also drawn on top unless `showTitle` is false. Required. */
  title: string;
  /** A longer accessible description (`<desc>`), e.g. what the axes mean. */
  description?: string;
  /** Id of the `<svg>` element; ids of its `<title>`/`<desc>` derive from it. Default: from the title. Give distinct ids to charts sharing a page. */
  id?: string;
  /** Width, px (MIN_CHART_SIZE_PX..MAX_CHART_SIZE_PX). */
  width?: number;
  /** Height, px (MIN_CHART_SIZE_PX..MAX_CHART_SIZE_PX); some charts derive it from their content when absent. */
  height?: number;
  /** Colours and font (default LIGHT_THEME). */
  theme?: ChartTheme;
  /** Draw the title above the chart (default true; pass false when the page has a heading). */
  showTitle?: boolean;
}

/** An axis: its title and unit, optional fixed bounds, tick format. */
export interface AxisOptions {
  /** Axis title, e.g. `time since start`. */
  label: string;
  /** Unit, shown after the title in parentheses: `time since start (s)`. */
  unit?: string;
  /** Lower bound (default: from the data; for y, 0 or the smallest value if negative). */
  min?: number;
  /** Upper bound (default: from the data). */
  max?: number;
  /**
   * Label format. Tick labels get the tick `step` too (choose decimals from it); values printed on
   * bars and in tooltips get none. Default: `defaultTickFormat` for ticks, `formatCount` otherwise.
   */
  format?: (value: number, step?: number) => string;
  /** About how many tick intervals (default 5 for y, 6 for x). */
  ticks?: number;
  /** Ticks at whole numbers only (counts). */
  integers?: boolean;
}

/** The label of tick `value` on an axis whose ticks are `step` apart. */
export function tickLabel(a: Pick<AxisOptions, 'format'>, value: number, step: number): string {
  return a.format ? a.format(value, step) : defaultTickFormat(value, step);
}

/** The label of a value printed on a chart (a bar's value, a tooltip): exact, with thousands separators. */
export function valueLabel(a: Pick<AxisOptions, 'format'>, value: number): string {
  return a.format ? a.format(value) : formatCount(value, 2);
}

/** `label (unit)`. */
export function axisTitle(a: { label: string; unit?: string }): string {
  return truncate(a.unit ? `${a.label} (${a.unit})` : a.label, 120);
}

/** One legend entry. */
export interface LegendItem {
  /** Label text. */
  label: string;
  /** Swatch colour. */
  color: string;
  /** Line swatch with this dash pattern ('' = solid); absent: a filled square. */
  dash?: string;
}

/** Checks a size option and returns it, or the fallback when absent. */
export function chartSize(name: 'width' | 'height', value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < MIN_CHART_SIZE_PX || v > MAX_CHART_SIZE_PX) {
    throw new ArgumentError(`chart ${name} must be in ${MIN_CHART_SIZE_PX}..${MAX_CHART_SIZE_PX} px, got ${v}`);
  }
  return Math.round(v);
}

/** Throws unless `count` ≤ `max`, naming what was counted. */
export function checkCount(what: string, count: number, max: number): void {
  if (count > max) throw new ArgumentError(`at most ${max} ${what} per chart, got ${count}`);
}

/** The resolved common options. */
export interface Frame {
  theme: ChartTheme;
  id: string;
  title: string;
  description: string | undefined;
  /** Height taken by the visible title (0 when hidden), px. */
  titleHeight: number;
}

/** Resolves the common options (title required and non-empty). */
export function frame(o: ChartOptions): Frame {
  if (typeof o.title !== 'string' || o.title.trim() === '') throw new ArgumentError('a chart needs a title (its accessible name)');
  const theme = o.theme ?? LIGHT_THEME;
  const id = o.id ?? slugId(o.title);
  if (!/^[A-Za-z][-A-Za-z0-9_]*$/.test(id)) throw new ArgumentError(`chart id must be letters, digits, - and _, starting with a letter, got ${JSON.stringify(id)}`);
  return {
    theme, id,
    title: truncate(o.title, MAX_LABEL_CHARS),
    description: o.description === undefined ? undefined : truncate(o.description, MAX_LABEL_CHARS),
    titleHeight: o.showTitle === false ? 0 : Math.round(theme.fontSizePx * 2.2),
  };
}

/** The `<svg>` root around `body`: size, accessible name, background and visible title. */
export function svgRoot(f: Frame, kind: string, width: number, height: number, body: readonly string[], attrs: Record<string, string | number> = {}): string {
  const t = f.theme;
  const titleId = `${f.id}-title`;
  const descId = `${f.id}-desc`;
  const head = [
    textElement('title', { id: titleId }, f.title),
    f.description ? textElement('desc', { id: descId }, f.description) : '',
    t.background === 'none' ? '' : element('rect', { width, height, fill: t.background }),
    f.titleHeight > 0
      ? textElement('text', { x: 8, y: Math.round(f.titleHeight * 0.68), fill: t.text, 'font-size': t.fontSizePx + 2, 'font-weight': 600 }, f.title)
      : '',
  ];
  return element('svg', {
    xmlns: 'http://www.w3.org/2000/svg', id: f.id, width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-labelledby': f.description ? `${titleId} ${descId}` : titleId,
    'font-family': t.fontFamily, 'font-size': t.fontSizePx, 'data-chart': kind, ...attrs,
  }, ...head, ...body);
}

/** A laid-out legend: its height, and its markup placed at a given origin. */
export interface LegendLayout {
  /** Total height, px (0 without items). */
  height: number;
  /** The markup with its top-left corner at (x, y). */
  render(x: number, y: number): string;
}

/** Lays out `items` in rows no wider than `maxWidth`. */
export function legend(items: readonly LegendItem[], maxWidth: number, theme: ChartTheme): LegendLayout {
  checkCount('legend items', items.length, MAX_LEGEND_ITEMS);
  const fs = theme.fontSizePx;
  const rowHeight = Math.round(fs * 1.6);
  const swatch = (it: LegendItem): number => (it.dash === undefined ? fs : fs * 2.2);
  const placed: Array<{ item: LegendItem; dx: number; row: number }> = [];
  let dx = 0;
  let row = 0;
  for (const item of items) {
    const w = swatch(item) + 6 + estimateTextWidth(truncate(item.label, 60), fs) + 16;
    if (dx > 0 && dx + w > maxWidth) {
      row++;
      dx = 0;
    }
    placed.push({ item, dx, row });
    dx += w;
  }
  const height = items.length === 0 ? 0 : (row + 1) * rowHeight;
  return {
    height,
    render(x, y) {
      if (items.length === 0) return '';
      const parts = placed.map(({ item, dx: ix, row: r }) => {
        const cy = y + r * rowHeight + rowHeight / 2;
        const sx = x + ix;
        const sw = swatch(item);
        const mark = item.dash === undefined
          ? element('rect', { x: sx, y: cy - fs / 2, width: fs, height: fs, fill: item.color, rx: 2 })
          : element('line', { x1: sx, y1: cy, x2: sx + sw, y2: cy, stroke: item.color, 'stroke-width': 2.5, 'stroke-dasharray': item.dash || undefined });
        return mark + textElement('text', { x: sx + sw + 6, y: cy, 'dominant-baseline': 'central', fill: theme.text }, truncate(item.label, 60));
      });
      return element('g', { 'data-legend': '', 'aria-hidden': 'true' }, ...parts);
    },
  };
}

/** A centred "no data" note for charts given nothing to draw. */
export function noData(theme: ChartTheme, x: number, y: number, text = 'no data'): string {
  return textElement('text', { x, y, 'text-anchor': 'middle', 'dominant-baseline': 'central', fill: theme.mutedText }, text);
}

