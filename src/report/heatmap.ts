/**
 * Heatmaps: a grid of cells, row-major, coloured by value in the theme's binned scale (an "empty"
 * colour for 0, then one colour per equal share of 0..max), with row labels and a legend that names
 * the value range of every colour. Binning keeps the picture honest for small counts: a legend entry
 * "1–8" says exactly which cells wear that colour, where a smooth gradient would leave it to guesswork.
 */
import { ArgumentError } from '../util/errors.js';
import { formatCompact, formatCount } from './format.js';
import { chartSize, checkCount, frame, legend, svgRoot, type ChartOptions, type LegendItem } from './frame.js';
import { element, estimateTextWidth, textElement, truncate } from './svg.js';
import { heatBin, type ChartTheme } from './theme.js';

/** Most cells in one heatmap. */
export const MAX_HEATMAP_CELLS = 65_536;
/** Most columns in one heatmap. */
export const MAX_HEATMAP_COLUMNS = 1_024;
/** Cell size when neither `cellSize` nor `width` is given, px. */
export const DEFAULT_CELL_SIZE_PX = 14;
/** Smallest and largest cell size, px. */
export const MIN_CELL_SIZE_PX = 3;
/** Largest cell size, px. */
export const MAX_CELL_SIZE_PX = 48;

/** Options of `heatmap`. */
export interface HeatmapOptions extends ChartOptions {
  /** Cell values, row-major (cell i is in row ⌊i / columns⌋, column i mod columns). */
  values: readonly number[];
  /** Cells per row (1..MAX_HEATMAP_COLUMNS). */
  columns: number;
  /** The value that gets the top colour (default: the largest value, at least 1). */
  max?: number;
  /** Cell size, px (default: fit `width`, else DEFAULT_CELL_SIZE_PX); the chart widens when cells of MIN_CELL_SIZE_PX do not fit `width`. */
  cellSize?: number;
  /** Space between cells, px (default 1; 0 for cells under 6 px). */
  cellGap?: number;
  /** Tooltip of a cell (default `index: value`). */
  cellTitle?: (index: number, value: number) => string;
  /** Label left of a row (default: the index of its first cell, on every row if they fit, else every few rows). */
  rowLabel?: (row: number, firstIndex: number) => string | undefined;
  /** The scale legend: its title (e.g. `cells used of 64`) and value format; `integers` (default: all values whole) names bins as `1–8`. */
  scale?: { label: string; format?: (value: number) => string; integers?: boolean };
}

/** One legend entry per colour: the empty colour for 0, then each non-empty bin's value range. */
export function heatLegendItems(max: number, theme: ChartTheme, integers: boolean, format: (v: number) => string = formatCount): LegendItem[] {
  const bins = theme.heat.length;
  const items: LegendItem[] = [{ label: format(0), color: theme.heatEmpty }];
  for (let i = 1; i <= bins; i++) {
    const a = ((i - 1) * max) / bins;
    const b = (i * max) / bins;
    if (integers) {
      const lo = Math.floor(a) + 1;
      const hi = Math.floor(b);
      if (lo > hi) continue;
      items.push({ label: lo === hi ? format(lo) : `${format(lo)}–${format(hi)}`, color: theme.heat[i - 1] });
    } else {
      items.push({ label: `${format(a)}–${format(b)}`, color: theme.heat[i - 1] });
    }
  }
  return items;
}

/**
 * Renders a heatmap as an SVG string. The cell grid is a `g` marked `data-cells` with its origin
 * (`data-x`, `data-y`), pitch (`data-cell`, px per cell including the gap) and `data-columns`, so a
 * test can find cell i at (x + (i mod columns + ½)·cell, y + (⌊i / columns⌋ + ½)·cell).
 */
export function heatmap(o: HeatmapOptions): string {
  const f = frame(o);
  const t = f.theme;
  const fs = t.fontSizePx;
  checkCount('cells', o.values.length, MAX_HEATMAP_CELLS);
  if (!Number.isInteger(o.columns) || o.columns < 1 || o.columns > MAX_HEATMAP_COLUMNS) {
    throw new ArgumentError(`heatmap columns must be an integer in 1..${MAX_HEATMAP_COLUMNS}, got ${o.columns}`);
  }
  if (!o.values.every(Number.isFinite)) throw new ArgumentError('heatmap values must be finite numbers');
  const cols = o.columns;
  const rows = Math.max(1, Math.ceil(o.values.length / cols));
  const max = o.max ?? Math.max(1, ...o.values);
  if (!(max > 0) || !Number.isFinite(max)) throw new ArgumentError(`heatmap max must be a positive number, got ${max}`);
  const integers = o.scale?.integers ?? o.values.every(Number.isInteger);

  const rowLabel = o.rowLabel ?? ((_row: number, first: number) => formatCount(first));
  const allLabels = Array.from({ length: rows }, (_, r) => rowLabel(r, r * cols));
  const labelW = Math.max(0, ...allLabels.map((l) => (l === undefined ? 0 : estimateTextWidth(truncate(l, 24), fs * 0.9))));
  const left = Math.ceil(8 + labelW + (labelW > 0 ? 8 : 0));
  const right = 8;
  let cell: number;
  if (o.cellSize !== undefined) cell = o.cellSize;
  else if (o.width !== undefined) cell = Math.floor((o.width - left - right) / cols);
  else cell = DEFAULT_CELL_SIZE_PX;
  cell = Math.min(MAX_CELL_SIZE_PX, Math.max(MIN_CELL_SIZE_PX, cell));
  const gap = o.cellGap ?? (cell < 6 ? 0 : 1);
  if (gap < 0 || gap >= cell) throw new ArgumentError(`heatmap cell gap must be in 0..${cell - 1} px, got ${gap}`);
  // Never narrower than the grid: at the smallest cell size a grid may be wider than asked, never clipped.
  const width = chartSize('width', Math.max(o.width ?? 240, left + cols * cell + right), 0);
  const gridTop = f.titleHeight + 6;
  const gridH = rows * cell;
  // Show every row label when rows are tall enough for text, else every k-th.
  const every = Math.max(1, Math.ceil((fs * 1.1) / cell));

  const fmt = o.scale?.format ?? formatCount;
  const items = heatLegendItems(max, t, integers, fmt);
  const leg = legend(items, width - 16, t);
  const scaleTitleH = o.scale?.label ? Math.ceil(fs * 1.6) : 0;
  const legendTop = gridTop + gridH + 10;
  const height = chartSize('height', Math.max(o.height ?? 0, legendTop + scaleTitleH + leg.height + 8), 0);

  const cellTitle = o.cellTitle ?? ((i: number, v: number) => `${formatCount(i)}: ${formatCompact(v)}`);
  const cells: string[] = [];
  for (let i = 0; i < o.values.length; i++) {
    const v = o.values[i];
    const bin = heatBin(v, max, t.heat.length);
    cells.push(element('rect', {
      x: left + (i % cols) * cell, y: gridTop + Math.floor(i / cols) * cell, width: cell - gap, height: cell - gap,
      fill: bin === 0 ? t.heatEmpty : t.heat[bin - 1],
    }, textElement('title', {}, cellTitle(i, v))));
  }
  const labels: string[] = [];
  allLabels.forEach((l, r) => {
    if (l === undefined || r % every !== 0) return;
    labels.push(textElement('text', {
      x: left - 8, y: gridTop + r * cell + (cell - gap) / 2, 'text-anchor': 'end', 'dominant-baseline': 'central',
      'font-size': fs * 0.9, fill: t.mutedText,
    }, truncate(l, 24)));
  });
  const body = [
    element('g', { 'data-row-labels': '' }, ...labels),
    element('g', { 'data-cells': '', 'data-x': left, 'data-y': gridTop, 'data-cell': cell, 'data-columns': cols, 'data-count': o.values.length }, ...cells),
    o.scale?.label ? textElement('text', { x: 8, y: legendTop + fs, fill: t.mutedText }, truncate(o.scale.label, 120)) : '',
    leg.render(8, legendTop + scaleTitleH),
  ];
  return svgRoot(f, 'heatmap', width, height, body);
}
