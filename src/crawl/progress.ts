/**
 * The crawl's progress bar for a terminal. How far a crawl has come is not known in advance — every
 * answer may add addresses — so the bar shows the larger of two honest fractions: the attempts
 * finished out of those known so far (finished + in flight + queued), and the time used out of the
 * time limit. The crawl ends when the first of them reaches 1, so the bar reaches 100% exactly when
 * the crawl ends; `ProgressBar` never lets it move backwards when new addresses grow the queue.
 * Pure: the CLI draws the line (cli/crawl.ts).
 */
import type { CrawlProgress } from './crawler.js';

/** Cells of the bar itself at most. */
export const PROGRESS_BAR_MAX_CELLS = 30;
/** Fewer cells than this and the bar is left out (the counts still show). */
export const PROGRESS_BAR_MIN_CELLS = 8;
/** Terminal width assumed when the terminal does not say, columns. */
export const DEFAULT_TERMINAL_COLUMNS = 80;

/** Fraction of the crawl done: the larger of attempts done ÷ attempts known and time used ÷ time limit, in 0..1. */
export function crawlFraction(p: CrawlProgress, durationMs: number): number {
  const known = p.tried + p.inFlight + p.queued;
  const work = known > 0 && p.seeding === 0 ? p.tried / known : 0;
  const time = durationMs > 0 ? p.elapsedMs / durationMs : 0;
  return Math.min(1, Math.max(0, work, time));
}

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/**
 * One progress line no wider than `columns − 1` (so the terminal never wraps it, which would break
 * redrawing with `\r`): `crawl [██████░░░░]  42%  120 tried: 80 ok, 40 failed · 12 in flight · 300 queued · 1:05/10:00`.
 */
export function formatProgressBar(p: CrawlProgress, fraction: number, durationMs: number, columns = DEFAULT_TERMINAL_COLUMNS): string {
  const pct = `${String(Math.floor(fraction * 100)).padStart(3)}%`;
  const seeding = p.seeding > 0 ? ` · ${p.seeding} seed lookups` : '';
  const counts = `${p.tried} tried: ${p.reachable} ok, ${p.unreachable} failed · ${p.inFlight} in flight · ${p.queued} queued${seeding} · ` +
    `${clock(p.elapsedMs)}/${clock(durationMs)}`;
  const width = Math.max(20, columns - 1);
  const fixed = `crawl [] ${pct}  ${counts}`.length;
  const cells = Math.min(PROGRESS_BAR_MAX_CELLS, width - fixed);
  if (cells < PROGRESS_BAR_MIN_CELLS) return `crawl ${pct}  ${counts}`.slice(0, width);
  const full = Math.round(fraction * cells);
  return `crawl [${'█'.repeat(full)}${'░'.repeat(cells - full)}] ${pct}  ${counts}`;
}

/** Remembers the largest fraction shown, so the bar only ever grows. */
export class ProgressBar {
  private shown = 0;

  /** @param durationMs the crawl's time limit. */
  constructor(private readonly durationMs: number) {}

  /** The line for `p` at terminal width `columns`; `done` shows 100%. */
  render(p: CrawlProgress, columns: number, done = false): string {
    this.shown = done ? 1 : Math.max(this.shown, crawlFraction(p, this.durationMs));
    return formatProgressBar(p, this.shown, this.durationMs, columns);
  }
}
