/**
 * report/: charts and self-contained report pages, as pure functions — data in, an SVG or HTML
 * string out. No DOM, no I/O, no dependencies beyond util/, so every layer that shows numbers to a
 * person can use it without an import cycle: the dashboard (served SVG), the crawl report (an HTML
 * file), and the simulator's and benchmarks' plots.
 *
 * Design. Each chart is one function taking one options object: `lineChart` (several series over
 * shared x/y axes), `barChart` (categories × series; horizontal or vertical; grouped or stacked) and
 * `heatmap` (a row-major grid with a binned colour scale). All share `ChartOptions`: a required
 * `title` (the chart's accessible name, `<title>` referenced by `aria-labelledby` on a `role="img"`
 * root), an optional `description` (`<desc>`), `id`, `width`/`height` in px, a `theme` (LIGHT_THEME
 * or DARK_THEME) and `showTitle`. Axes (`AxisOptions`) carry a label and a unit, printed as
 * `label (unit)`, and a tick `format` (helpers in format.ts: counts, bytes, percentages, durations).
 * Every text passes `escapeXml`, which also strips characters XML forbids, so a hostile user agent can
 * neither break out of the markup nor make it unparseable. Output uses presentation attributes only
 * (no `style` attributes, no `<style>`, no script), so it can be inlined under a strict
 * Content-Security-Policy. Charts mark their geometry with `data-*` attributes (`data-plot` and its
 * data domain, `data-series`, `data-cells` with origin and pitch) so tests can map data to pixels.
 * Every input is bounded (series, points, categories, cells, pixel sizes); past a bound the function
 * throws `ArgumentError` instead of building a huge string.
 *
 * Example:
 * ```ts
 * const svg = lineChart({
 *   title: 'Traffic', width: 800, height: 260, theme: DARK_THEME,
 *   x: { label: 'time', unit: 's' }, y: { label: 'bytes per interval', format: formatBytes },
 *   series: [{ name: 'received', points: [[0, 10], [5, 40]] }, { name: 'sent', points: [[0, 5], [5, 12]] }],
 * });
 * ```
 */
export {
  barChart, DEFAULT_CATEGORY_LABEL_CHARS, MAX_BAR_CATEGORIES, MAX_BAR_SERIES, type BarChartOptions, type BarSeries,
} from './bar-chart.js';
export { formatBytes, formatCompact, formatCount, formatDuration, formatPercent, plural } from './format.js';
export {
  axisTitle, tickLabel, valueLabel, MAX_CHART_SIZE_PX, MAX_LABEL_CHARS, MAX_LEGEND_ITEMS, MIN_CHART_SIZE_PX,
  type AxisOptions, type ChartOptions, type LegendItem,
} from './frame.js';
export {
  DEFAULT_CELL_SIZE_PX, heatLegendItems, heatmap, MAX_CELL_SIZE_PX, MAX_HEATMAP_CELLS, MAX_HEATMAP_COLUMNS, MIN_CELL_SIZE_PX,
  type HeatmapOptions,
} from './heatmap.js';
export { figure, htmlPage, htmlTable, REPORT_CSP, REPORT_CSS, type HtmlCell, type HtmlPageOptions } from './html.js';
export { lineChart, MARKER_POINT_LIMIT, MAX_LINE_POINTS, MAX_LINE_SERIES, type LineChartOptions, type LineSeries } from './line-chart.js';
export { decimalsForStep, defaultTickFormat, linearScale, MAX_TICKS, niceStep, niceTicks, type LinearScale } from './scale.js';
export { escapeXml, estimateTextWidth, truncate } from './svg.js';
export { DARK_THEME, heatBin, heatColor, LIGHT_THEME, seriesStyle, type ChartTheme } from './theme.js';
