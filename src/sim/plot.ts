/**
 * The simulator's plots: a thin adapter over the project's chart module (report/ `lineChart` and
 * `barChart`), so the experiments describe what to draw in their own terms (a dashed line, grouped
 * vertical bars) and all plots share one look. The output is deterministic — the same data gives the
 * same bytes — so committed plots change only when the data does.
 */
import { barChart, lineChart, LIGHT_THEME } from '../report/index.js';

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
  /** Draw dashed (e.g. the new table beside the solid tried table). */
  dash?: boolean;
}

/** Options of `linePlot`. */
export interface LinePlotOptions {
  title: string;
  description?: string;
  x: PlotAxis;
  y: PlotAxis;
  series: readonly PlotLine[];
  width?: number;
  height?: number;
}

/** Options of `barPlot` (vertical grouped bars). */
export interface BarPlotOptions {
  title: string;
  description?: string;
  categories: readonly string[];
  series: ReadonlyArray<{ name: string; values: readonly number[] }>;
  value: PlotAxis;
  width?: number;
  height?: number;
  /** Horizontal bars (long category names read better). */
  horizontal?: boolean;
}

/** A line chart with several series. */
export function linePlot(o: LinePlotOptions): string {
  return lineChart({
    title: o.title,
    description: o.description,
    width: o.width ?? 760,
    height: o.height ?? 360,
    theme: LIGHT_THEME,
    x: o.x,
    y: o.y,
    series: o.series.map((s) => ({ name: s.name, points: s.points, ...(s.dash !== undefined ? { dash: s.dash ? '6 4' : '' } : {}) })),
  });
}

/** Grouped bars, one group per category. */
export function barPlot(o: BarPlotOptions): string {
  return barChart({
    title: o.title,
    description: o.description,
    width: o.width ?? 820,
    height: o.height,
    theme: LIGHT_THEME,
    orientation: o.horizontal ? 'horizontal' : 'vertical',
    categories: o.categories,
    series: o.series,
    value: o.value,
  });
}
