/**
 * The maintenance schedule: when each periodic job of the connection manager is next due. Core keeps
 * these as separate `next_*` variables in several threads; here they are one object on the manager's
 * clock, read and moved by the components that own the jobs (outbound, manual, persistence), so a test
 * or the simulator can see every pending deadline in one place. Times are ms on the injected clock.
 */
import type { Random } from '../util/random.js';

/** The periodic jobs. */
export type ScheduledJob =
  /** Next feeler (Core FEELER_INTERVAL, exponential). */
  | 'feeler'
  /** Next extra block-relay-only peer (Core EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL, exponential). */
  | 'extraBlockRelay'
  /** Next extra peer on an unused network (Core EXTRA_NETWORK_PEER_INTERVAL, exponential). */
  | 'extraNetworkPeer'
  /** Next service-aware replacement of a regular outbound peer. */
  | 'serviceReplacement'
  /** Next surplus-outbound check (Core EXTRA_PEER_CHECK_INTERVAL). */
  | 'extraPeerCheck'
  /** Next pass over the -addnode list (Core ThreadOpenAddedConnections). */
  | 'addedNodeCheck'
  /** Next -seednode top-up while full-relay peers are few (Core ADD_NEXT_SEEDNODE). */
  | 'seedNode'
  /** Next pass over the -connect list (Core ThreadOpenConnections with -connect). */
  | 'connectList'
  /** Next peers.dat dump and ban sweep (Core DUMP_PEERS_INTERVAL). */
  | 'dump';

/** Every job, in declaration order. */
export const SCHEDULED_JOBS: readonly ScheduledJob[] = [
  'feeler', 'extraBlockRelay', 'extraNetworkPeer', 'serviceReplacement', 'extraPeerCheck', 'addedNodeCheck', 'seedNode', 'connectList', 'dump',
];

/** When each job is next due, ms (0 = as soon as its owner looks). */
export class Schedule {
  private readonly dueAtMs = new Map<ScheduledJob, number>(SCHEDULED_JOBS.map((j) => [j, 0]));

  /** When `job` is next due, ms. */
  at(job: ScheduledJob): number {
    return this.dueAtMs.get(job)!;
  }

  /** Sets when `job` is next due, ms. */
  set(job: ScheduledJob, atMs: number): void {
    this.dueAtMs.set(job, atMs);
  }

  /** Sets `job` due after an exponentially distributed delay with mean `meanMs` (Core's Poisson timers). */
  setExponential(job: ScheduledJob, nowMs: number, meanMs: number, random: Random): void {
    this.dueAtMs.set(job, nowMs + random.randExpDuration(meanMs));
  }

  /** True once `nowMs` reached the job's time (`now >= at`). */
  isDue(job: ScheduledJob, nowMs: number): boolean {
    return nowMs >= this.at(job);
  }

  /** Every job's due time (diagnostics, simulator). */
  snapshot(): Record<ScheduledJob, number> {
    return Object.fromEntries(this.dueAtMs) as Record<ScheduledJob, number>;
  }
}
