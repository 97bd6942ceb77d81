/**
 * Timing and memory helpers shared by the comparison benches (the same method as bench/addrman.ts:
 * medians of whole runs, or of batches of calls after one warm-up batch; heap + external bytes after two
 * forced collections, which needs `node --expose-gc`).
 */

/** Median wall time of `runs` runs of `fn`, in nanoseconds. */
export function medianNs(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0));
  }
  return median(times);
}

/** ns per call of `fn`, as the median over `runs` batches of `batch` calls (after one warm-up batch). */
export function perOpNs(runs: number, batch: number, fn: () => void): number {
  for (let i = 0; i < batch; i++) fn();
  return medianNs(runs, () => {
    for (let i = 0; i < batch; i++) fn();
  }) / batch;
}

/** Median of a list of numbers (the upper middle for even lengths, as bench/addrman.ts). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Whether `global.gc` is available (node started with --expose-gc). */
export function gcExposed(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function';
}

/** Two full collections, when the process allows it. */
export function collect(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

/** Live bytes: V8 heap plus external memory (which includes ArrayBuffers). */
export function memoryNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
