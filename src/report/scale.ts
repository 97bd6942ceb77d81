/**
 * Axis arithmetic: "nice" tick values (1, 2 or 5 × 10^k steps, the ones people read without effort)
 * and linear maps from data values to pixels.
 */
import { ArgumentError } from '../util/errors.js';
import { formatCompact, formatCount } from './format.js';

/** Most ticks `niceTicks` ever returns, whatever it is asked for. */
export const MAX_TICKS = 20;

/** The smallest step of the form 1, 2 or 5 × 10^k that is at least `rough`. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const p = 10 ** Math.floor(Math.log10(rough));
  for (const m of [1, 2, 5, 10]) if (m * p >= rough * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/**
 * Round tick values covering [min, max]: the first tick ≤ min, the last ≥ max, at most `maxTicks`
 * intervals (2..MAX_TICKS). With `integers`, steps are at least 1 (counts have no half nodes).
 */
export function niceTicks(min: number, max: number, maxTicks = 5, integers = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new ArgumentError(`axis range must be finite, got [${min}, ${max}]`);
  const intervals = Math.min(MAX_TICKS, Math.max(2, Math.floor(maxTicks)));
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  // An empty range, or one too narrow for floating-point steps, is widened to reach 0 (0..1 around 0).
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo <= 1e-9 * magnitude || hi - lo < 1e-290) {
    if (magnitude < 1e-290) {
      lo = 0;
      hi = 1;
    } else if (lo > 0) {
      lo = 0;
    } else if (hi < 0) {
      hi = 0;
    } else {
      lo = -magnitude;
      hi = magnitude;
    }
  }
  let step = niceStep((hi - lo) / intervals);
  if (integers) step = Math.max(1, Math.round(step));
  let first = Math.floor(lo / step) * step;
  let last = Math.ceil(hi / step) * step;
  // Rounding both ends out can add an interval; widen the step until the count fits.
  while ((last - first) / step > intervals + 1e-9) {
    step = niceStep(step * 1.5); // the next nice step: 1 → 2 → 5 → 10
    first = Math.floor(lo / step) * step;
    last = Math.ceil(hi / step) * step;
  }
  const ticks: number[] = [];
  for (let v = first, i = 0; v <= last + step / 1e6 && i <= MAX_TICKS; v = first + ++i * step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/** Decimals that tick labels `step` apart need: 0 for steps ≥ 1, 1 for 0.5 or 0.2, 2 for 0.05 … */
export function decimalsForStep(step: number): number {
  if (!(step > 0) || step >= 1 || !Number.isFinite(step)) return 0;
  return Math.min(12, Math.ceil(-Math.log10(step) - 1e-9));
}

/** The default tick label: compact (`1.5k`) from 1,000 up, else as many decimals as the step needs. */
export function defaultTickFormat(value: number, step: number): string {
  if (step >= 1000) return formatCompact(value);
  const d = decimalsForStep(step);
  return formatCount(Number(value.toFixed(d)), d);
}

/** A linear map from a data interval onto a pixel interval. */
export interface LinearScale {
  /** Pixel position of `value`. */
  (value: number): number;
  /** The data interval. */
  readonly domain: readonly [number, number];
  /** The pixel interval (may run backwards, as a y axis does). */
  readonly range: readonly [number, number];
}

/** Maps `domain` linearly onto `range`; a zero-width domain maps everything to the range's middle. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const f = ((value: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0))) as LinearScale;
  return Object.assign(f, { domain: [d0, d1] as const, range: [r0, r1] as const });
}
