/**
 * Number and text formatting for chart labels: counts, bytes, percentages, durations, and English
 * plurals ("1 entry", "2 entries"). Locale-independent on purpose — a report must read the same on
 * every machine and tests compare its text.
 */

/** `n` with thousands separators (`12,345`); non-integers keep up to `digits` decimals. */
export function formatCount(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(n);
  const rounded = Number.isInteger(abs) ? String(abs) : abs.toFixed(digits).replace(/\.?0+$/, '');
  const [whole, frac] = rounded.split('.');
  return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
}

/** A short form for axis ticks: `950`, `1.2k`, `3.4M`, `5G`. */
export function formatCompact(n: number): string {
  const abs = Math.abs(n);
  const units: Array<[number, string]> = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, unit] of units) {
    if (abs >= size) return `${stripZeros((n / size).toFixed(abs >= size * 10 ? 0 : 1))}${unit}`;
  }
  return Number.isInteger(n) ? String(n) : stripZeros(n.toFixed(abs < 1 ? 2 : 1));
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Bytes in SI units: `512 B`, `1.5 kB`, `20 MB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? String(Math.round(v)) : stripZeros(v.toFixed(Math.abs(v) >= 100 ? 0 : 1))} ${units[i]}`;
}

/** A fraction as a percentage: `0.1234` → `12.3%` (`digits` decimals, trailing zeros kept off). */
export function formatPercent(fraction: number, digits = 1): string {
  return `${stripZeros((fraction * 100).toFixed(digits))}%`;
}

/** Seconds as `45 s`, `3 min 20 s`, `2 h 5 min`, `1 d 4 h`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  const sign = seconds < 0 ? '-' : '';
  if (s < 60) return `${sign}${s} s`;
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d > 0) return `${sign}${d} d${h > 0 ? ` ${h} h` : ''}`;
  if (h > 0) return `${sign}${h} h${m > 0 ? ` ${m} min` : ''}`;
  return `${sign}${m} min${s % 60 > 0 ? ` ${s % 60} s` : ''}`;
}

/** `count` and the noun in the right number: `plural(1, 'entry', 'entries')` → `1 entry`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`;
}
