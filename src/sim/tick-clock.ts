/**
 * A view of the simulation's clock that stretches one timer: the connection manager's maintenance
 * tick (`TICK_INTERVAL_MS`, Core's 500 ms ThreadOpenConnections sleep) becomes `tickMs`. Everything
 * else — time itself, every other timer, sleeps — passes through unchanged.
 *
 * Why: most of an idle node's CPU in a simulation is the tick polling its peers (timers, outbound
 * slots, relay queues) twice a second. Background honest nodes can run it less often: their policy
 * then acts on a coarser grid (a replacement outbound connection is opened within `tickMs` instead of
 * 500 ms; queued addr messages leave on the next tick), which changes no rule. Experiment subjects
 * (victims) always keep Core's 500 ms. This is a simulator setting, chosen per node in the scenario
 * (`world.tickMs`); a `PeerManager` option would replace it once the connection manager has one.
 */
import { TICK_INTERVAL_MS } from '../connman/manager.js';
import { AbortError, type Clock, type Timer } from '../util/clock.js';

/** A clock that runs the maintenance tick every `tickMs` instead of every TICK_INTERVAL_MS. */
export class TickStretchingClock implements Clock {
  /** @param base the simulation's clock; @param tickMs the stretched tick period, ms. */
  constructor(private readonly base: Clock, readonly tickMs: number) {}

  /** @inheritdoc */
  now(): number {
    return this.base.now();
  }

  /** @inheritdoc */
  nowSeconds(): number {
    return this.base.nowSeconds();
  }

  /** @inheritdoc */
  setTimeout(fn: () => void, delayMs: number): Timer {
    return this.base.setTimeout(fn, delayMs === TICK_INTERVAL_MS ? this.tickMs : delayMs);
  }

  /** @inheritdoc */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    // Sleeps are not ticks: delegate unchanged.
    if (signal?.aborted) return Promise.reject(new AbortError());
    return this.base.sleep(delayMs, signal);
  }
}
