/**
 * The time seam. Nothing in Peerbook reads `Date.now()` or calls `setTimeout` directly; it asks a
 * `Clock`. Production uses `SystemClock`; tests and the simulator use `VirtualClock`, whose timers
 * fire in a fixed order (due time, then creation order) only when the test advances time.
 */
import { PeerbookError } from './errors.js';

/** A scheduled callback that can be cancelled. */
export interface Timer {
  /** Cancels the timer; a no-op if it already fired. */
  cancel(): void;
}

/** Time source and timer factory. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Whole seconds since the Unix epoch (Core's `GetTime<std::chrono::seconds>()`). */
  nowSeconds(): number;
  /** Calls `fn` once after `delayMs`. */
  setTimeout(fn: () => void, delayMs: number): Timer;
  /** Resolves after `delayMs`; rejects with an `AbortError` if `signal` aborts first. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

/** Error thrown when an operation is aborted through its `AbortSignal`. */
export class AbortError extends PeerbookError {
  /** @param message what was aborted. */
  constructor(message = 'operation aborted') {
    super('ERR_ABORTED', message);
  }
}

function sleepWith(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError());
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(new AbortError());
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The real clock: wall time and Node timers. */
export class SystemClock implements Clock {
  /** @param unrefTimers when true, pending timers do not keep the process alive. */
  constructor(private readonly unrefTimers = false) {}

  /** @inheritdoc */
  now(): number {
    return Date.now();
  }

  /** @inheritdoc */
  nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** @inheritdoc */
  setTimeout(fn: () => void, delayMs: number): Timer {
    const handle = globalThis.setTimeout(fn, Math.max(0, delayMs));
    if (this.unrefTimers) handle.unref();
    return { cancel: () => globalThis.clearTimeout(handle) };
  }

  /** @inheritdoc */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, delayMs, signal);
  }
}

/** Core's largest accepted mock time, s: `std::chrono::nanoseconds::max()` in seconds (rpc/node.cpp setmocktime). */
export const MAX_MOCK_TIME_S = 9_223_372_036;

/**
 * A clock whose reading can be pinned, as Core's `SetMockTime` does for regtest's `setmocktime`: while
 * a mock time is set, `now()` returns exactly that instant (time stands still until the next call, as
 * Core's functional tests expect); 0 goes back to the underlying clock. Timers and sleeps keep running
 * on the underlying clock, like Core's threads, which loop in real time and read the mockable clock
 * for every decision.
 */
export class MockableClock implements Clock {
  private mockMs = 0;

  /** @param base the clock read while no mock time is set (and for every timer). */
  constructor(private readonly base: Clock) {}

  /**
   * Core `SetMockTime(seconds)`: pins the time at `seconds` since the epoch; 0 unpins it. Throws
   * RangeError outside [0, MAX_MOCK_TIME_S] or for a non-integer (the RPC checks first, with Core's message).
   */
  setMockTime(seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_MOCK_TIME_S) {
      throw new RangeError(`mock time must be an integer in [0, ${MAX_MOCK_TIME_S}], got ${seconds}`);
    }
    this.mockMs = seconds * 1000;
  }

  /** The pinned time in seconds, or 0 when the underlying clock is used. */
  get mockTimeSeconds(): number {
    return this.mockMs / 1000;
  }

  /** @inheritdoc */
  now(): number {
    return this.mockMs > 0 ? this.mockMs : this.base.now();
  }

  /** @inheritdoc */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** @inheritdoc */
  setTimeout(fn: () => void, delayMs: number): Timer {
    return this.base.setTimeout(fn, delayMs);
  }

  /** @inheritdoc */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return this.base.sleep(delayMs, signal);
  }
}

interface PendingTimer {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to. Default start: 2023-11-14T22:13:20Z (1.7e12 ms). */
export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly heap: PendingTimer[] = [];

  /** @param startMs initial time in ms since the epoch. */
  constructor(startMs = 1_700_000_000_000) {
    this.time = startMs;
  }

  /** @inheritdoc */
  now(): number {
    return this.time;
  }

  /** @inheritdoc */
  nowSeconds(): number {
    return Math.floor(this.time / 1000);
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.heap.filter((t) => !t.cancelled).length;
  }

  /** @inheritdoc */
  setTimeout(fn: () => void, delayMs: number): Timer {
    const timer: PendingTimer = { due: this.time + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** @inheritdoc */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, delayMs, signal);
  }

  /** Jumps to `ms` without firing timers (Core's SetMockTime); time never moves backwards here. */
  setTime(ms: number): void {
    if (ms < this.time) throw new RangeError(`VirtualClock cannot go back from ${this.time} to ${ms}`);
    this.time = ms;
  }

  /** Advances by `ms`, firing every timer that falls due, synchronously and in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (let t = this.popDue(target); t; t = this.popDue(target)) {
      this.time = t.due;
      t.fn();
    }
    this.time = target;
  }

  /**
   * Advances by `ms` like `advance`, but lets promise continuations and I/O callbacks run after each
   * timer, so async code driven by timers (the connection manager's loops) makes progress in step.
   */
  async tick(ms: number): Promise<void> {
    const target = this.time + ms;
    await yieldToEventLoop();
    for (let t = this.popDue(target); t; t = this.popDue(target)) {
      this.time = t.due;
      t.fn();
      await yieldToEventLoop();
    }
    this.time = target;
    await yieldToEventLoop();
  }

  private popDue(target: number): PendingTimer | undefined {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    if (this.heap.length === 0 || this.heap[0].due > target) return undefined;
    return this.pop();
  }

  private less(a: PendingTimer, b: PendingTimer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(t: PendingTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): PendingTimer {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Lets queued microtasks and immediate callbacks run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
