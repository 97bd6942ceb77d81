/**
 * Traffic history for the dashboard: a sampler that reads the manager's socket byte totals on the
 * injected clock every `TRAFFIC_SAMPLE_INTERVAL_MS` and keeps the per-interval differences in a
 * fixed-size ring buffer (oldest dropped first), so an hour of history costs a few tens of kilobytes
 * however long the node runs.
 */
import type { Clock, Timer } from '../util/clock.js';
import { ArgumentError } from '../util/errors.js';

/** How often the sampler reads the byte totals, ms. */
export const TRAFFIC_SAMPLE_INTERVAL_MS = 5_000;
/** Samples kept by default: one hour at 5 s. */
export const DEFAULT_TRAFFIC_HISTORY = 720;
/** Most samples a sampler may be asked to keep: 24 hours at 5 s (≈ 1 MB of JSON). */
export const MAX_TRAFFIC_HISTORY = 17_280;
/** Shortest sampling interval accepted, ms (a faster sampler would only make noise). */
export const MIN_TRAFFIC_SAMPLE_INTERVAL_MS = 100;

/** A fixed-capacity FIFO that overwrites its oldest element when full. */
export class RingBuffer<T> {
  private readonly items: Array<T | undefined>;
  private start = 0;
  private count = 0;

  /** @param capacity most elements held (≥ 1). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new ArgumentError(`ring buffer capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  /** Elements held. */
  get length(): number {
    return this.count;
  }

  /** Appends `item`, dropping the oldest element when full. */
  push(item: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The elements, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }
}

/** One traffic sample: bytes moved during the interval that ended at `time`. */
export interface TrafficSample {
  /** End of the interval, ms since the epoch (on the injected clock). */
  time: number;
  /** Length of the interval, ms. */
  intervalMs: number;
  /** Bytes sent during the interval. */
  bytesSent: number;
  /** Bytes received during the interval. */
  bytesRecv: number;
  /** Bytes sent since start, at `time`. */
  totalSent: number;
  /** Bytes received since start, at `time`. */
  totalRecv: number;
}

/** `/api/traffic`. */
export interface TrafficDocument {
  /** Sampling period, ms. */
  interval_ms: number;
  /** Most samples kept. */
  history_limit: number;
  /** Samples, oldest first. */
  samples: TrafficSample[];
}

/** Options of `TrafficSampler`. */
export interface TrafficSamplerOptions {
  /** Samples kept (1 … `MAX_TRAFFIC_HISTORY`); default `DEFAULT_TRAFFIC_HISTORY`. */
  historyLimit?: number;
  /** Sampling period, ms (≥ `MIN_TRAFFIC_SAMPLE_INTERVAL_MS`); default `TRAFFIC_SAMPLE_INTERVAL_MS`. */
  intervalMs?: number;
}

/** Periodically records the difference of a byte-total source into a bounded history. */
export class TrafficSampler {
  /** Samples kept. */
  readonly historyLimit: number;
  /** Sampling period, ms. */
  readonly intervalMs: number;
  private readonly history: RingBuffer<TrafficSample>;
  private timer: Timer | undefined;
  private last: { time: number; sent: number; recv: number } | undefined;

  /** @param source where the totals come from; @param clock timers and time; @param options limits. */
  constructor(private readonly source: { totals(): { bytesSent: number; bytesRecv: number } }, private readonly clock: Clock,
    options: TrafficSamplerOptions = {}) {
    const limit = options.historyLimit ?? DEFAULT_TRAFFIC_HISTORY;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRAFFIC_HISTORY) {
      throw new ArgumentError(`historyLimit must be an integer in 1..${MAX_TRAFFIC_HISTORY}, got ${limit}`);
    }
    const interval = options.intervalMs ?? TRAFFIC_SAMPLE_INTERVAL_MS;
    if (!Number.isFinite(interval) || interval < MIN_TRAFFIC_SAMPLE_INTERVAL_MS) {
      throw new ArgumentError(`intervalMs must be at least ${MIN_TRAFFIC_SAMPLE_INTERVAL_MS}, got ${interval}`);
    }
    this.historyLimit = limit;
    this.intervalMs = interval;
    this.history = new RingBuffer(limit);
  }

  /** True while the periodic timer runs. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Takes a baseline now and samples every `intervalMs` until `stop()`. Idempotent. */
  start(): void {
    if (this.timer) return;
    this.last ??= this.read();
    this.schedule();
  }

  /** Cancels the timer (the history is kept). Idempotent. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Records one sample now (the first call only takes the baseline and returns undefined). */
  sample(): TrafficSample | undefined {
    const now = this.read();
    const prev = this.last;
    this.last = now;
    if (!prev) return undefined;
    const s: TrafficSample = {
      time: now.time, intervalMs: now.time - prev.time,
      // A source whose totals went down (replaced) restarts the difference instead of going negative.
      bytesSent: Math.max(0, now.sent - prev.sent), bytesRecv: Math.max(0, now.recv - prev.recv),
      totalSent: now.sent, totalRecv: now.recv,
    };
    this.history.push(s);
    return s;
  }

  /** The kept samples, oldest first. */
  samples(): TrafficSample[] {
    return this.history.toArray();
  }

  private read(): { time: number; sent: number; recv: number } {
    const t = this.source.totals();
    return { time: this.clock.now(), sent: t.bytesSent, recv: t.bytesRecv };
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.sample();
      this.schedule();
    }, this.intervalMs);
  }
}
