/**
 * The `network` scenario: an honest network with churn, sampled over time — how connected nodes are,
 * how their tables fill, what relay costs. It is also the simulator's scale test (10,000 nodes), and
 * the scenario the determinism test runs twice.
 */
import { Simulation } from './engine.js';
import { nodeReport, PerfMeter, sampleNetwork, type NetworkSample, type NodeReport, type PerfReport } from './metrics.js';
import type { NetworkScenario } from './scenario.js';
import { World } from './world.js';

/** The scenario's output (deterministic for a seed). */
export interface NetworkResult {
  kind: 'network';
  name: string;
  seed: number;
  durationS: number;
  samples: NetworkSample[];
  churn: { left: number; joined: number; restarted: number };
  links: { linksOpened: number; dialsTimedOut: number; dialsRefused: number; chunksDelivered: number; bytesDelivered: number };
  nodeErrors: { count: number; first: string[] };
}

/** Runs a network scenario; returns the aggregate result and the per-node reports. */
export async function runNetwork(sc: NetworkScenario, seed: number, onProgress?: (fraction: number) => void,
  perf?: { report?: PerfReport }): Promise<{ result: NetworkResult; nodes: NodeReport[] }> {
  const sim = new Simulation({ seed, stepMs: sc.stepMs, latency: sc.latency, plan: sc.plan });
  const meter = new PerfMeter();
  try {
    const world = new World(sim, sc.world);
    world.populate();
    world.startChurn();
    const samples: NetworkSample[] = [];
    sim.every(sc.sampleIntervalS * 1000, () => {
      meter.observe(sim);
      samples.push(sampleNetwork(sim));
    });
    await sim.runFor(sc.durationS * 1000, onProgress);
    meter.observe(sim);
    const nodes = sim.nodes.map((n) => nodeReport(sim, n));
    return {
      result: {
        kind: 'network', name: sc.name, seed, durationS: sc.durationS, samples, churn: { ...world.churnCounters },
        links: { ...sim.net.counters }, nodeErrors: { count: sim.logger.errors, first: [...sim.logger.errorLines] },
      },
      nodes,
    };
  } finally {
    if (perf) perf.report = meter.report(sim);
    await sim.dispose();
  }
}
