/**
 * Line charts: one or more series of (x, y) points over shared axes, with round tick values, grid,
 * axis titles with units and a legend. Each series has its own colour and dash pattern; a `null` y
 * breaks the line (a gap in the data stays visible as a gap).
 */
import { ArgumentError } from '../util/errors.js';
import { axisTitle, chartSize, tickLabel, checkCount, frame, legend, noData, svgRoot, type AxisOptions, type ChartOptions, type LegendItem } from './frame.js';
import { linearScale, niceTicks } from './scale.js';
import { element, estimateTextWidth, num, textElement } from './svg.js';
import { seriesStyle } from './theme.js';

/** Most series in one line chart. */
export const MAX_LINE_SERIES = 16;
/** Most points over all series of one line chart. */
export const MAX_LINE_POINTS = 200_000;
/** Series with at most this many points get a dot on each point by default. */
export const MARKER_POINT_LIMIT = 40;

/** One line. */
export interface LineSeries {
  /** Legend label. */
  name: string;
  /** Points in x order; a `null` y leaves a gap. */
  points: ReadonlyArray<readonly [x: number, y: number | null]>;
  /** Colour (default: the theme's next series colour). */
  color?: string;
  /** Dash pattern, SVG `stroke-dasharray` ('' = solid; default: the theme's next pattern). */
  dash?: string;
  /** Dots on the points (default: when the series has at most MARKER_POINT_LIMIT points). */
  markers?: boolean;
}

/** Options of `lineChart`. */
export interface LineChartOptions extends ChartOptions {
  /** The horizontal axis. */
  x: AxisOptions;
  /** The vertical axis. */
  y: AxisOptions;
  /** The lines (at most MAX_LINE_SERIES). */
  series: readonly LineSeries[];
}

function extent(values: number[]): [number, number] | undefined {
  if (values.length === 0) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * Renders a line chart as an SVG string. The plot area is marked `data-plot` with its data domain in
 * `data-domain-x`/`data-domain-y` (`"min max"`), and each line `data-series="name"`, so a test or a
 * script can map data to pixels.
 */
export function lineChart(o: LineChartOptions): string {
  const f = frame(o);
  const t = f.theme;
  const fs = t.fontSizePx;
  const width = chartSize('width', o.width, 640);
  const height = chartSize('height', o.height, 300);
  checkCount('series', o.series.length, MAX_LINE_SERIES);
  checkCount('points', o.series.reduce((a, s) => a + s.points.length, 0), MAX_LINE_POINTS);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of o.series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || (y !== null && !Number.isFinite(y))) throw new ArgumentError(`series ${JSON.stringify(s.name)}: points must be finite numbers`);
      xs.push(x);
      if (y !== null) ys.push(y);
    }
  }
  const xe = extent(xs) ?? [0, 1];
  const ye = extent(ys) ?? [0, 1];
  const xDomain: [number, number] = [o.x.min ?? xe[0], o.x.max ?? xe[1]];
  if (xDomain[1] === xDomain[0]) xDomain[1] = xDomain[0] + 1;
  const yTicks = niceTicks(o.y.min ?? Math.min(0, ye[0]), o.y.max ?? ye[1], o.y.ticks ?? 5, o.y.integers);
  const yDomain: [number, number] = [o.y.min ?? yTicks[0], o.y.max ?? yTicks[yTicks.length - 1]];
  const xAll = niceTicks(xDomain[0], xDomain[1], o.x.ticks ?? 6, o.x.integers);
  const xStep = xAll.length > 1 ? xAll[1] - xAll[0] : 1;
  const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
  const xTicks = xAll.filter((v) => v >= xDomain[0] - 1e-9 && v <= xDomain[1] + 1e-9);
  const xFmt = (v: number): string => tickLabel(o.x, v, xStep);
  const yFmt = (v: number): string => tickLabel(o.y, v, yStep);

  const items: LegendItem[] = o.series.map((s, i) => {
    const st = seriesStyle(t, i);
    return { label: s.name, color: s.color ?? st.color, dash: s.dash ?? st.dash };
  });
  const leg = legend(items, width - 16, t);
  const yLabelWidth = Math.max(...yTicks.map((v) => estimateTextWidth(yFmt(v), fs)));
  const left = Math.ceil(8 + fs * 1.4 + 6 + yLabelWidth + 6);
  const lastX = xTicks.length > 0 ? estimateTextWidth(xFmt(xTicks[xTicks.length - 1]), fs) / 2 : 0;
  const right = Math.ceil(Math.max(14, lastX + 4));
  const top = f.titleHeight + (leg.height > 0 ? leg.height + 6 : 0) + Math.ceil(fs * 0.7);
  const bottom = Math.ceil(fs * 1.5 + fs * 1.6 + 6);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  if (plotW < 20 || plotH < 20) throw new ArgumentError(`chart ${width}×${height} px leaves no room for the plot`);
  const sx = linearScale(xDomain, [left, left + plotW]);
  const sy = linearScale(yDomain, [top + plotH, top]);

  const body: string[] = [leg.render(8, f.titleHeight + 2)];
  const grid: string[] = [];
  for (const v of yTicks) {
    if (v < yDomain[0] - 1e-9 || v > yDomain[1] + 1e-9) continue;
    const y = sy(v);
    grid.push(element('line', { x1: left, y1: y, x2: left + plotW, y2: y, stroke: t.grid, 'stroke-width': 1 }));
    grid.push(textElement('text', { x: left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'central', fill: t.mutedText }, yFmt(v)));
  }
  for (const v of xTicks) {
    const x = sx(v);
    grid.push(element('line', { x1: x, y1: top, x2: x, y2: top + plotH, stroke: t.grid, 'stroke-width': 1, 'stroke-dasharray': '2 4' }));
    grid.push(textElement('text', { x, y: top + plotH + fs * 1.25, 'text-anchor': 'middle', fill: t.mutedText }, xFmt(v)));
  }
  body.push(element('g', { 'data-grid': '' }, ...grid));
  body.push(element('line', { x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, stroke: t.axis }));
  body.push(element('line', { x1: left, y1: top, x2: left, y2: top + plotH, stroke: t.axis }));
  body.push(textElement('text', { x: left + plotW / 2, y: height - 6, 'text-anchor': 'middle', fill: t.mutedText }, axisTitle(o.x)));
  const yTitleX = 8 + fs * 0.7;
  body.push(textElement('text', {
    x: yTitleX, y: top + plotH / 2, transform: `rotate(-90 ${num(yTitleX)} ${num(top + plotH / 2)})`, 'text-anchor': 'middle',
    'dominant-baseline': 'central', fill: t.mutedText,
  }, axisTitle(o.y)));

  const clipId = `${f.id}-clip`;
  body.push(element('clipPath', { id: clipId }, element('rect', { x: left - 3, y: top - 3, width: plotW + 6, height: plotH + 6 })));
  const lines: string[] = [];
  o.series.forEach((s, i) => {
    const { color, dash } = items[i];
    let d = '';
    let pen = false;
    const dots: string[] = [];
    const markers = s.markers ?? s.points.length <= MARKER_POINT_LIMIT;
    for (const [x, y] of s.points) {
      if (y === null) {
        pen = false;
        continue;
      }
      const px = num(sx(x));
      const py = num(sy(y));
      d += `${pen ? 'L' : 'M'}${px} ${py}`;
      pen = true;
      if (markers) dots.push(element('circle', { cx: px, cy: py, r: 2.5, fill: color }));
    }
    lines.push(element('g', { 'data-series': s.name },
      d === '' ? '' : element('path', {
        d, fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-dasharray': dash || undefined,
        'stroke-linejoin': 'round', 'stroke-linecap': 'round',
      }), ...dots));
  });
  body.push(element('g', { 'clip-path': `url(#${clipId})` }, ...lines));
  if (ys.length === 0) body.push(noData(t, left + plotW / 2, top + plotH / 2));
  body.push(element('rect', {
    x: left, y: top, width: plotW, height: plotH, fill: 'none', 'data-plot': '',
    'data-domain-x': `${xDomain[0]} ${xDomain[1]}`, 'data-domain-y': `${yDomain[0]} ${yDomain[1]}`,
  }));
  return svgRoot(f, 'line', width, height, body);
}
