/**
 * Bytes allocated per call of a function: the growth of V8's heap (`heapUsed`, which counts the young
 * generation as it fills) plus ArrayBuffer backing stores (`arrayBuffers`, outside the heap), over a
 * window of calls in which no garbage collection ran — checked with a `gc` PerformanceObserver, and
 * retried with fewer calls when one did. A forced full collection (needs `node --expose-gc`) starts
 * each window, and the cost of reading the counters is measured with an empty window and subtracted.
 * What survives is what the calls allocated, live or not: the figure the "allocations per message"
 * rows of the wire bench report.
 */
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { collect, gcExposed } from './timing.js';

/** Allocation per call, bytes. */
export interface AllocationFigures {
  /** V8 heap bytes per call (objects, strings, small typed-array headers). */
  heapBytes: number;
  /** ArrayBuffer backing-store bytes per call (Buffers and Uint8Arrays of data). */
  arrayBufferBytes: number;
  /** heapBytes + arrayBufferBytes. */
  totalBytes: number;
  /** Calls in the window that counted. */
  calls: number;
}

/** Windows tried before giving up (each halves the calls). */
const MAX_ATTEMPTS = 8;

const gcEntries: PerformanceEntry[] = [];
let observer: PerformanceObserver | undefined;

function watchGc(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    gcEntries.push(...list.getEntries());
    if (gcEntries.length > 1000) gcEntries.splice(0, gcEntries.length - 1000);
  });
  observer.observe({ entryTypes: ['gc'] });
}

/** Stops watching collections (so the process can exit). */
export function stopAllocationWatch(): void {
  observer?.disconnect();
  observer = undefined;
}

function window(fn: () => void, calls: number): { heap: number; ab: number; t0: number; t1: number } {
  collect();
  const t0 = performance.now();
  const before = process.memoryUsage();
  for (let i = 0; i < calls; i++) fn();
  const after = process.memoryUsage();
  const t1 = performance.now();
  return { heap: after.heapUsed - before.heapUsed, ab: after.arrayBuffers - before.arrayBuffers, t0, t1 };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Bytes allocated per call of `fn`, from a GC-free window of up to `calls` calls (after a warm-up). */
export async function allocationPerCall(fn: () => void, calls: number): Promise<AllocationFigures> {
  if (!gcExposed()) throw new Error('allocationPerCall needs node --expose-gc');
  watchGc();
  for (let i = 0; i < Math.min(calls, 100); i++) fn(); // warm-up: compile, caches
  const empty = window(() => undefined, 1);
  let n = calls;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const w = window(fn, n);
    await tick();
    await tick();
    const collected = gcEntries.some((e) => e.startTime >= w.t0 && e.startTime <= w.t1);
    if (!collected) {
      const heapBytes = Math.max(0, (w.heap - empty.heap) / n);
      const arrayBufferBytes = Math.max(0, (w.ab - empty.ab) / n);
      const r = (x: number): number => Number(x.toFixed(1));
      return { heapBytes: r(heapBytes), arrayBufferBytes: r(arrayBufferBytes), totalBytes: r(heapBytes + arrayBufferBytes), calls: n };
    }
    n = Math.max(1, Math.floor(n / 2));
  }
  throw new Error(`allocationPerCall: a collection ran in every window down to ${n} calls`);
}
