/**
 * Waiting in integration tests that talk to a real process (litecoind) over real sockets: polling on
 * the wall clock is unavoidable there. Two helpers:
 * - `waitUntil` polls a condition on real time with a deadline and names what it waited for;
 * - `driveUntil` does the same while advancing a `VirtualClock` a step per poll, so Peerbook's own
 *   timers (addr trickle, inventory trickle, pings) run many times faster than real time while the
 *   real I/O with the other process still happens in real time between the steps.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PeerManager } from '../../src/connman/manager.js';
import type { VirtualClock } from '../../src/util/clock.js';

/** Default real-time poll interval, ms. */
export const POLL_INTERVAL_MS = 25;
/** Default real-time deadline, ms. */
export const DEFAULT_WAIT_MS = 15_000;

/** Options of `waitUntil`. */
export interface WaitOptions {
  /** Give up after this long (real ms); default DEFAULT_WAIT_MS. */
  timeoutMs?: number;
  /** Poll interval (real ms); default POLL_INTERVAL_MS. */
  intervalMs?: number;
}

/** Polls `check` until it returns a truthy value; between polls runs `next`; `expired` says when (and why) to give up. */
async function pollUntil<T>(what: string, check: () => T | Promise<T>, next: () => Promise<unknown>,
  expired: () => string | undefined): Promise<NonNullable<T>> {
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    const why = expired();
    if (why !== undefined) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
      throw new Error(`${why} waiting for ${what} (last: ${detail})`);
    }
    await next();
  }
}

/**
 * Resolves with the first truthy value `check` returns; rejects after the deadline with `what` and
 * the last value or error seen (so a failing test says what it was waiting for).
 */
export async function waitUntil<T>(what: string, check: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const deadline = Date.now() + timeoutMs;
  return pollUntil(what, check, () => sleep(options.intervalMs ?? POLL_INTERVAL_MS),
    () => (Date.now() > deadline ? `timed out after ${timeoutMs} ms` : undefined));
}

/** Options of `driveUntil`. */
export interface DriveOptions extends WaitOptions {
  /** Virtual ms to advance per poll; default 1000. */
  stepMs?: number;
  /** Fail once the virtual clock moved this far (virtual ms); default unlimited. */
  maxVirtualMs?: number;
}

/**
 * Like `waitUntil`, but advances `clock` by `stepMs` (firing Peerbook's timers) before each poll. The
 * real sleep between steps lets the other process answer.
 */
export async function driveUntil<T>(clock: VirtualClock, what: string, check: () => T | Promise<T>, options: DriveOptions = {}): Promise<NonNullable<T>> {
  const startVirtual = clock.now();
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_WAIT_MS);
  const step = options.stepMs ?? 1000;
  const interval = options.intervalMs ?? POLL_INTERVAL_MS;
  return pollUntil(what, check, async () => {
    await clock.tick(step);
    await sleep(interval);
  }, () => {
    const virtualSpent = clock.now() - startVirtual;
    const out = Date.now() > deadline || (options.maxVirtualMs !== undefined && virtualSpent >= options.maxVirtualMs);
    return out ? `gave up after ${Math.round(virtualSpent / 1000)} virtual s` : undefined;
  });
}

/**
 * Stops a PeerManager that runs on a VirtualClock: its stop() waits on virtual timers (the flush grace
 * period), so the clock is advanced until it resolves.
 */
export async function stopDriven(manager: PeerManager, clock: VirtualClock): Promise<void> {
  let done = false;
  const stopped = manager.stop().finally(() => { done = true; });
  while (!done) {
    await clock.tick(250);
    await sleep(5);
  }
  await stopped;
}

/** Advances `clock` by `virtualMs` in `stepMs` steps, sleeping a little real time per step for I/O. */
export async function drive(clock: VirtualClock, virtualMs: number, stepMs = 1000): Promise<void> {
  for (let spent = 0; spent < virtualMs; spent += stepMs) {
    await clock.tick(Math.min(stepMs, virtualMs - spent));
    await sleep(POLL_INTERVAL_MS);
  }
}
