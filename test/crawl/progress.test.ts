import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CrawlProgress } from '../../src/crawl/crawler.js';
import { crawlFraction, formatProgressBar, PROGRESS_BAR_MAX_CELLS, ProgressBar } from '../../src/crawl/progress.js';

function progress(over: Partial<CrawlProgress>): CrawlProgress {
  return {
    tried: 0, reachable: 0, unreachable: 0, inFlight: 0, queued: 0, known: 0, elapsedMs: 0, seeding: 0,
    skipped: { duplicate: 0, unreachableNetwork: 0, unroutable: 0, badPort: 0, portsPerAddress: 0, cap: 0 }, ...over,
  };
}

test('the fraction is the larger of attempts done out of those known and time used out of the limit', () => {
  assert.equal(crawlFraction(progress({ tried: 30, inFlight: 10, queued: 60, elapsedMs: 6_000 }), 60_000), 0.3);
  assert.equal(crawlFraction(progress({ tried: 1, queued: 99, elapsedMs: 45_000 }), 60_000), 0.75);
  assert.equal(crawlFraction(progress({ tried: 5, elapsedMs: 1_000 }), 60_000), 1, 'nothing left to try: done');
  assert.equal(crawlFraction(progress({ tried: 5, seeding: 2, elapsedMs: 6_000 }), 60_000), 0.1, 'while seeds resolve, only time counts');
  assert.equal(crawlFraction(progress({ elapsedMs: 90_000 }), 60_000), 1);
});

test('the bar never moves backwards when new addresses grow the queue', () => {
  const bar = new ProgressBar(600_000);
  const pct = (line: string): number => Number(/(\d+)%/.exec(line)![1]);
  const a = pct(bar.render(progress({ tried: 50, queued: 50, elapsedMs: 10_000 }), 120));
  const b = pct(bar.render(progress({ tried: 60, queued: 940, elapsedMs: 20_000 }), 120));
  assert.equal(a, 50);
  assert.equal(b, 50, 'held at its highest');
  assert.equal(pct(bar.render(progress({ tried: 60, queued: 940 }), 120, true)), 100);
});

test('the line always fits the terminal, dropping the bar before the counts when it is narrow', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 250 }), fc.integer({ min: 0, max: 10_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }),
    (columns, n, f) => {
      const line = formatProgressBar(progress({ tried: n, reachable: n, queued: n, inFlight: 512, elapsedMs: n * 1000 }), f, 604_800_000, columns);
      assert.ok([...line].length <= Math.max(20, columns - 1), `${[...line].length} > ${columns - 1}: ${line}`);
    }), { numRuns: 300 });
  const wide = formatProgressBar(progress({ tried: 3, reachable: 2, unreachable: 1, inFlight: 1, queued: 4, elapsedMs: 65_000 }), 0.5, 600_000, 200);
  assert.equal(wide, `crawl [${'█'.repeat(15)}${'░'.repeat(15)}]  50%  3 tried: 2 ok, 1 failed · 1 in flight · 4 queued · 1:05/10:00`);
  assert.equal(wide.match(/[█░]/g)!.length, PROGRESS_BAR_MAX_CELLS);
  assert.ok(!formatProgressBar(progress({}), 0.5, 600_000, 40).includes('['), 'no room: no bar');
});
