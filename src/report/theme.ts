/**
 * Colours and type for charts. Series colours are the Okabe–Ito palette (told apart by people with
 * the common colour-vision deficiencies) and every line series also gets its own dash pattern, so two
 * lines differ even in greyscale. Heatmaps use eight steps of viridis (perceptually even, readable
 * in greyscale) plus a distinct "empty" colour, binned so that a legend can name each colour's range.
 */

/** What a chart needs to know about its surroundings. */
export interface ChartTheme {
  /** Fill of the whole chart (`none` for transparent). */
  background: string;
  /** Titles, legend and tick labels. */
  text: string;
  /** Axis titles and secondary text. */
  mutedText: string;
  /** Grid lines. */
  grid: string;
  /** Axis lines. */
  axis: string;
  /** Series colours, used in order. */
  series: readonly string[];
  /** Dash patterns (SVG `stroke-dasharray`, '' = solid), used in order for line series. */
  dashes: readonly string[];
  /** Heatmap colours from low to high (one per bin). */
  heat: readonly string[];
  /** Heatmap colour of a zero cell. */
  heatEmpty: string;
  /** Font family list. */
  fontFamily: string;
  /** Base font size, px. */
  fontSizePx: number;
}

/** Okabe–Ito, in an order whose first two colours (blue, orange) differ most. */
const OKABE_ITO = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];
/** The same, reordered and with black swapped for white, for dark backgrounds (its dark blue is hard to see there). */
const OKABE_ITO_ON_DARK = ['#56b4e9', '#e69f00', '#009e73', '#cc79a7', '#f0e442', '#d55e00', '#0072b2', '#ffffff'];
/** Solid, dashed, dotted, dash-dot. */
const DASHES = ['', '7 4', '2 3', '9 3 2 3'];
/** Viridis at eight evenly spaced points, skipping its darkest end (too close to "empty" on dark backgrounds). */
const VIRIDIS_8 = ['#46327e', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

/** For light pages and print. */
export const LIGHT_THEME: ChartTheme = {
  background: '#ffffff', text: '#1f2328', mutedText: '#57606a', grid: '#e4e7eb', axis: '#8c959f',
  series: OKABE_ITO, dashes: DASHES, heat: VIRIDIS_8, heatEmpty: '#eef0f3',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", sans-serif', fontSizePx: 12,
};

/** For the dashboard's dark page. */
export const DARK_THEME: ChartTheme = {
  background: '#0c0e11', text: '#d8dee6', mutedText: '#8b96a3', grid: '#252b33', axis: '#4a5360',
  series: OKABE_ITO_ON_DARK, dashes: DASHES, heat: VIRIDIS_8, heatEmpty: '#2a313b',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", sans-serif', fontSizePx: 12,
};

/** Colour and dash of the `index`-th series (cycling through the theme's lists). */
export function seriesStyle(theme: ChartTheme, index: number): { color: string; dash: string } {
  return { color: theme.series[index % theme.series.length], dash: theme.dashes[index % theme.dashes.length] };
}

/**
 * The heat bin of `value` on a scale from 0 to `max` with `bins` colours: 0 for values ≤ 0 (empty),
 * else 1..bins, each bin an equal share of (0, max]; values above `max` fall in the top bin.
 */
export function heatBin(value: number, max: number, bins: number): number {
  if (!(value > 0)) return 0;
  if (!(max > 0)) return bins;
  return Math.min(bins, Math.max(1, Math.ceil((value / max) * bins - 1e-9)));
}

/** The heatmap colour of `value` on a 0..`max` scale (the theme's `heatEmpty` for 0). */
export function heatColor(value: number, max: number, theme: ChartTheme): string {
  const bin = heatBin(value, max, theme.heat.length);
  return bin === 0 ? theme.heatEmpty : theme.heat[bin - 1];
}
