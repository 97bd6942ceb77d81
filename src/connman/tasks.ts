/**
 * Background work the connection manager started (dials, name lookups, DNS seeding, file writes):
 * tracked so `stop()` can wait for all of it, and so a failure is logged instead of becoming an
 * unhandled rejection. An abort (the manager stopping) is not a failure.
 */
import { AbortError } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** A set of promises in flight (bounded by what starts them: dials, lookups and writes are themselves bounded). */
export class BackgroundTasks {
  private readonly tasks = new Set<Promise<unknown>>();

  /** @param log where failures go. */
  constructor(private readonly log: Logger) {}

  /** Tracks `task` until it settles. */
  track(task: Promise<unknown>): void {
    const tracked = task.catch((e) => {
      if (!(e instanceof AbortError)) this.log.error(`background task failed: ${(e as Error).stack ?? String(e)}`);
    }).finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  /** Tasks in flight. */
  get size(): number {
    return this.tasks.size;
  }

  /** Resolves when every task in flight now has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.tasks]);
  }
}
