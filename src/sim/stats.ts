/**
 * Small statistics for experiment reports: binomial confidence intervals (Wilson score, which behaves
 * at 0 and n successes where the normal approximation does not), and summaries of samples. Values are
 * rounded for JSON output so that reports stay readable and byte-stable.
 */

/** z for a two-sided 95 % interval. */
export const Z_95 = 1.959963984540054;

/** A proportion with its 95 % Wilson score interval. */
export interface Proportion {
  /** Successes. */
  k: number;
  /** Trials. */
  n: number;
  /** k / n (0 when n = 0). */
  p: number;
  /** Lower bound of the 95 % interval. */
  lo: number;
  /** Upper bound of the 95 % interval. */
  hi: number;
}

/** Wilson score interval for k successes in n trials (95 % by default). */
export function wilson(k: number, n: number, z = Z_95): Proportion {
  if (n <= 0) return { k, n, p: 0, lo: 0, hi: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { k, n, p: round(p), lo: round(Math.max(0, centre - half)), hi: round(Math.min(1, centre + half)) };
}

/** Summary of a sample. */
export interface Summary {
  n: number;
  mean: number;
  min: number;
  p10: number;
  p50: number;
  p90: number;
  max: number;
}

/** Mean, extremes and the 10th/50th/90th percentiles (nearest rank) of `values`. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, mean: 0, min: 0, p10: 0, p50: 0, p90: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { n: sorted.length, mean: round(mean), min: round(sorted[0]), p10: round(at(0.1)), p50: round(at(0.5)), p90: round(at(0.9)), max: round(sorted[sorted.length - 1]) };
}

/** Mean of `values` (0 for none). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : round(values.reduce((a, b) => a + b, 0) / values.length);
}

/** Rounds to 6 significant decimals (stable, readable JSON). */
export function round(x: number, digits = 6): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
