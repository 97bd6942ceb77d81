/**
 * What the server processes report about themselves: memory (RSS and V8's breakdown, after forced
 * collections when `--expose-gc` is on), CPU time, and event-loop lag from `perf_hooks`'
 * `monitorEventLoopDelay`. That histogram records the time between consecutive firings of a
 * `resolution`-ms timer, so an idle loop reads ≈ resolution; the lag is the reading minus the
 * resolution (never below 0).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Sampling period of the event-loop-delay histogram, ms (Node's default). */
export const LAG_RESOLUTION_MS = 10;

/** Event-loop lag over a window, ms. */
export interface LagFigures {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** Samples in the window. */
  samples: number;
  /** Window length, ms. */
  windowMs: number;
}

/** Process memory, bytes. */
export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Whether two full collections ran first. */
  collected: boolean;
}

const round = (x: number): number => Number(x.toFixed(3));

/** Lag, memory and CPU of this process. */
export class ProcessMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  private windowStart = performance.now();
  private readonly cpuStart = process.cpuUsage();

  constructor() {
    this.histogram.enable();
  }

  /** Starts a new lag window. */
  lagStart(): void {
    this.histogram.reset();
    this.windowStart = performance.now();
  }

  /** The lag since `lagStart`. */
  lagRead(): LagFigures {
    const h = this.histogram;
    const lag = (ns: number): number => round(Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS));
    const samples = h.count;
    return {
      p50: samples ? lag(h.percentile(50)) : 0, p90: samples ? lag(h.percentile(90)) : 0, p99: samples ? lag(h.percentile(99)) : 0,
      max: samples ? lag(h.max) : 0, mean: samples ? lag(h.mean) : 0, samples, windowMs: round(performance.now() - this.windowStart),
    };
  }

  /** Memory now; with `collect`, after two forced full collections (needs --expose-gc). */
  memory(collect: boolean): MemoryFigures {
    const gc = (globalThis as { gc?: () => void }).gc;
    const collected = collect && typeof gc === 'function';
    if (collected) {
      gc!();
      gc!();
    }
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, collected };
  }

  /** CPU time since the process started monitoring, ms. */
  cpuMs(): { user: number; system: number } {
    const c = process.cpuUsage(this.cpuStart);
    return { user: round(c.user / 1000), system: round(c.system / 1000) };
  }
}
