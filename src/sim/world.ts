/**
 * The honest network every experiment runs in: N real PeerManagers that join over a start-up window
 * (bootstrapping from the simulated DNS seeds, as a fresh Core node does), and churn: nodes leaving for
 * good (their addresses go stale in everyone's tables), new nodes joining, and nodes restarting with
 * their data files after some downtime. Churn events are Poisson processes whose rates are given per
 * hour as a share of the running honest population.
 */
import { ArgumentError } from '../util/errors.js';
import type { NodeSpec, SimNode, Simulation } from './engine.js';

/** Churn rates (shares of the running honest population per hour) and restart downtime. */
export interface ChurnConfig {
  /** Nodes leaving for good, per hour, as a share of the initial honest population. */
  leavePerHour: number;
  /** New nodes joining, per hour, as a share of the initial honest population. */
  joinPerHour: number;
  /** Nodes restarting (stop, downtime, start with their data files), per hour, as a share. */
  restartPerHour: number;
  /** Downtime of a restart, s. */
  downtimeS: number;
}

/** No churn. */
export const NO_CHURN: ChurnConfig = { leavePerHour: 0, joinPerHour: 0, restartPerHour: 0, downtimeS: 60 };

/** The honest network's shape. */
export interface WorldConfig {
  /** Honest nodes at the start. */
  honestNodes: number;
  /** Share of honest nodes that accept inbound connections (the rest are outbound-only, like nodes behind NAT). */
  listeningShare: number;
  /** Honest nodes start spread evenly over this window, s. */
  startSpreadS: number;
  /** Honest nodes keep data directories (needed for churn restarts). */
  persistent: boolean;
  /** Honest nodes use the plan's asmap. */
  asmap: boolean;
  /** Core -maxconnections of honest nodes. */
  maxConnections?: number;
  /** Maintenance tick of honest nodes, ms (Core: 500; larger is cheaper, see NodeSpec.tickMs). */
  tickMs: number;
  /** Churn. */
  churn: ChurnConfig;
}

/** Counters of churn events. */
export interface ChurnCounters {
  left: number;
  joined: number;
  restarted: number;
}

/** Builds and churns the honest network of one simulation. */
export class World {
  /** Churn events so far. */
  readonly churnCounters: ChurnCounters = { left: 0, joined: 0, restarted: 0 };
  private listeningAssigned = 0;
  private honestAssigned = 0;

  /** @param sim the simulation; @param config the network's shape. */
  constructor(readonly sim: Simulation, readonly config: WorldConfig) {
    if (!Number.isInteger(config.honestNodes) || config.honestNodes < 0) throw new ArgumentError(`honestNodes must be a non-negative integer, got ${config.honestNodes}`);
    if (!(config.listeningShare >= 0 && config.listeningShare <= 1)) throw new ArgumentError(`listeningShare must be in [0, 1], got ${config.listeningShare}`);
  }

  /** The spec of the next honest node: listening nodes spread evenly so that the share holds at every size. */
  honestSpec(): NodeSpec {
    this.honestAssigned++;
    const listen = this.listeningAssigned < Math.round(this.honestAssigned * this.config.listeningShare) || this.honestAssigned === 1;
    if (listen) this.listeningAssigned++;
    return {
      role: 'honest', listen, persistent: this.config.persistent, seedable: true,
      maxConnections: this.config.maxConnections, asmap: this.config.asmap, tickMs: this.config.tickMs,
    };
  }

  /** Adds the initial honest nodes and schedules their starts over the start-up window. */
  populate(): SimNode[] {
    const n = this.config.honestNodes;
    const spreadMs = this.config.startSpreadS * 1000;
    const nodes: SimNode[] = [];
    for (let i = 0; i < n; i++) {
      const node = this.sim.addNode(this.honestSpec());
      nodes.push(node);
      this.sim.schedule(this.sim.clock.now() + Math.floor((i * spreadMs) / Math.max(1, n)), async () => {
        await this.sim.startNode(node);
      });
    }
    return nodes;
  }

  /** Starts the churn processes (from now on). */
  startChurn(): void {
    const c = this.config.churn;
    this.poisson(c.leavePerHour, async () => {
      const node = this.pickRunningHonest();
      if (!node) return;
      await this.sim.stopNode(node, true);
      this.churnCounters.left++;
    });
    this.poisson(c.joinPerHour, async () => {
      const node = this.sim.addNode(this.honestSpec());
      await this.sim.startNode(node);
      this.churnCounters.joined++;
    });
    this.poisson(c.restartPerHour, async () => {
      const node = this.pickRunningHonest();
      if (!node) return;
      await this.sim.restartNode(node, c.downtimeS * 1000);
      this.churnCounters.restarted++;
    });
  }

  private pickRunningHonest(): SimNode | undefined {
    const running = this.sim.runningNodes('honest');
    return running.length === 0 ? undefined : running[this.sim.random.randrange(running.length)];
  }

  /** Schedules `fn` as a Poisson process with rate `perHour` × the initial honest population. */
  private poisson(perHour: number, fn: () => Promise<void>): void {
    if (!(perHour > 0) || this.config.honestNodes === 0) return;
    const meanMs = 3_600_000 / (perHour * this.config.honestNodes);
    const next = (): void => {
      this.sim.schedule(this.sim.clock.now() + Math.max(1, Math.round(this.sim.random.randExpDuration(meanMs))), async () => {
        await fn();
        next();
      });
    };
    next();
  }
}
