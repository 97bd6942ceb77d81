/**
 * The eclipse experiment (Heilman, Kendler, Zohar, Goldberg, USENIX Security 2015), against Peerbook.
 *
 * An honest network of real nodes warms up; victims (real nodes, one group per defence configuration)
 * join it and live honestly for a while, filling their tables by gossip, outbound connections and
 * feelers. Then each attacker goes after its victims the way the paper describes, with the means a
 * modern node leaves it:
 *   1. it holds the victim's inbound slots (re-dialing whatever the victim evicts) and floods addr
 *      messages of its own addresses over every held connection (at the rate the victim's limit lets
 *      through, unless that defence is off);
 *   2. every outbound connection or feeler the victim makes to one of its addresses completes a normal
 *      handshake and answers getaddr with 1,000 attacker addresses (processed at once: getaddr grants
 *      the peer 1,000 tokens) — this is how attacker addresses reach the tried table;
 *   3. when the attack has run its course, the victim restarts (the paper's "wait for or cause a
 *      restart"): it writes peers.dat and anchors.dat, and copies of that data directory are started
 *      with different seeds — each copy is one trial of "the victim restarts now".
 * A trial is *eclipsed* when every outbound connection (full-relay and block-relay-only) it holds at
 * the measuring instant goes to the attacker. The attacker's share of the new and tried tables is
 * sampled throughout; at the restart it gives the paper's estimate f⁸ (f = attacker share of what
 * selection draws from, half tried and half new) to set beside the measured frequency.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { NetAddress } from '../address/netaddress.js';
import { Attacker } from './attacker.js';
import { Simulation, type NodeSpec, type SimNode } from './engine.js';
import { nodeReport, PerfMeter, sampleNetwork, tableCensus, type NetworkSample, type OwnerClass, type NodeReport, type PerfReport, type TableCensus } from './metrics.js';
import { type DefenceSwitches, type EclipseConfiguration, type EclipseScenario } from './scenario.js';
import { mean, round, summarize, wilson, type Proportion, type Summary } from './stats.js';
import { World } from './world.js';

/** How often an attacker re-dials the victim's inbound slots it lost, ms. */
const HOLD_REFILL_INTERVAL_MS = 60_000;

/** Outbound connections of one restarted copy at one instant. */
export interface TrialObservation {
  afterS: number;
  fullRelay: number;
  blockRelay: number;
  attackerFullRelay: number;
  attackerBlockRelay: number;
  /** Every outbound connection (and at least one) goes to the attacker. */
  eclipsed: boolean;
  /** Every full-relay outbound connection (and at least one) goes to the attacker. */
  fullRelayEclipsed: boolean;
}

/** One victim and its restarts. */
export interface VictimResult {
  victim: number;
  configuration: string;
  /** Table census just before the restart. */
  atRestart: TableCensus & { triedShare: number; newShare: number; f: number; attackerOutboundBefore: number; outboundBefore: number };
  /** Observations of each restarted copy. */
  trials: TrialObservation[][];
}

/** A point of the attacker-share time series (mean over the configuration's victims). */
export interface SharePoint {
  tS: number;
  victims: number;
  triedAttackerShare: number;
  newAttackerShare: number;
  tried: number;
  newCells: number;
  attackerOutbound: number;
}

/** Results of one configuration. */
export interface ConfigurationResult {
  name: string;
  attacker: string;
  defences: DefenceSwitches;
  victims: number;
  trials: number;
  /** Pr[eclipse] at each measuring instant: every outbound connection, and full-relay ones only. */
  eclipse: Array<{ afterS: number; all: Proportion; fullRelayOnly: Proportion; meanOutbound: number }>;
  /** Victims with at least one eclipsed restart (a conservative, per-victim view). */
  victimLevel: Array<{ afterS: number; anyRestartEclipsed: Proportion }>;
  /** Tables at the restart. */
  atRestart: { triedAttackerShare: Summary; newAttackerShare: Summary; f: Summary; predictedF8: number; predictedF10: number; tried: Summary; newCells: Summary };
  /** Attacker shares over time. */
  series: SharePoint[];
}

/** The whole experiment's output (deterministic for a seed). */
export interface EclipseResult {
  kind: 'eclipse';
  name: string;
  seed: number;
  timeline: { victimsJoinS: number; attackS: number; restartS: number; endS: number };
  attackers: Array<{ id: string; ips: number; groups: number; ases: number; dialedByVictims: number; opened: number; getaddrAnswered: number; addressesSent: number }>;
  configurations: ConfigurationResult[];
  victims: VictimResult[];
  network: NetworkSample[];
  churn: { left: number; joined: number; restarted: number };
  nodeErrors: { count: number; first: string[] };
  /** Every node's end-of-run figures (written to nodes.json, not result.json). */
  nodes: NodeReport[];
}

/** The node spec of a victim with these defences. */
function victimSpec(config: EclipseConfiguration): NodeSpec {
  const d = config.defences;
  return {
    role: 'victim', listen: true, persistent: true, seedable: false, label: config.name,
    asmap: d.asmap,
    // Core's `addr` permission bypasses the rate limit; granting it to every inbound peer switches the limit off.
    whitelist: d.addrRateLimit ? undefined : ['addr@0.0.0.0/0'],
    // The rest are the connection manager's experiment-only switches; anchors are switched off by deleting
    // anchors.dat before the restart (a node without the file starts without anchors, as Core does).
    extra: { experiment: { feelers: d.feelers, netgroupDiversity: d.netgroupDiversity, blockRelayOnly: d.blockRelayOnly, testBeforeEvict: d.testBeforeEvict } },
  };
}

/** Runs the eclipse experiment; `onProgress` gets the fraction of virtual time done. */
export async function runEclipse(scenario: EclipseScenario, seed: number, onProgress?: (fraction: number) => void,
  perf?: { report?: PerfReport }): Promise<EclipseResult> {
  const sim = new Simulation({ seed, stepMs: scenario.stepMs, latency: scenario.latency, plan: scenario.plan });
  const meter = new PerfMeter();
  try {
    return await experiment(sim, scenario, seed, meter, onProgress);
  } finally {
    if (perf) perf.report = meter.report(sim);
    await sim.dispose();
  }
}

async function experiment(sim: Simulation, sc: EclipseScenario, seed: number, meter: PerfMeter,
  onProgress?: (fraction: number) => void): Promise<EclipseResult> {
  const world = new World(sim, sc.world);
  world.populate();
  world.startChurn();
  const attackers = new Map<string, Attacker>();
  const attackerShape = new Map<string, { groups: number; ases: number }>();
  const trash = sc.attack.trashShare > 0 ? sim.plan.trash(4096) : [];
  for (const a of sc.attackers) {
    const ips = sim.plan.attacker({ id: a.id, groups: a.groups, ipsPerGroup: a.ipsPerGroup, asCount: a.asCount, contiguous: a.contiguous });
    attackers.set(a.id, new Attacker(sim, { id: a.id, ips, trash, trashShare: sc.attack.trashShare }));
    attackerShape.set(a.id, { groups: a.groups, ases: a.asCount });
  }
  const classify = (addr: NetAddress): OwnerClass => {
    const owner = sim.ownerOf(addr);
    return owner === undefined ? 'other' : owner.startsWith('attacker:') ? 'attacker' : owner === 'trash' ? 'trash' : 'other';
  };

  const t0 = sim.clock.now();
  const joinAt = t0 + sc.warmupS * 1000;
  const attackAt = joinAt + sc.victims.honestPhaseS * 1000;
  const restartAt = attackAt + sc.attack.durationS * 1000;
  const endAt = restartAt + Math.max(...sc.victims.measureAtS) * 1000;

  const victimResults: VictimResult[] = [];
  const clonesByConfig = new Map<string, SimNode[]>();
  const clonesOf = new Map<SimNode, SimNode[]>();

  // Victims.
  const victimsByConfig = new Map<string, SimNode[]>();
  let v = 0;
  const totalVictims = sc.configurations.length * sc.victims.perConfiguration;
  for (let k = 0; k < sc.victims.perConfiguration; k++) {
    for (const config of sc.configurations) {
      const node = sim.addNode(victimSpec(config));
      const list = victimsByConfig.get(config.name) ?? [];
      list.push(node);
      victimsByConfig.set(config.name, list);
      sim.schedule(joinAt + Math.floor((v++ * sc.victims.joinSpreadS * 1000) / totalVictims), async () => { await sim.startNode(node); });
    }
  }

  // Census over time.
  const series = new Map<string, SharePoint[]>(sc.configurations.map((c) => [c.name, []]));
  const network: NetworkSample[] = [];
  const censusPoint = (nodes: SimNode[]): SharePoint => {
    const live = nodes.filter((n) => n.state === 'running' && n.manager);
    const tShares: number[] = [];
    const nShares: number[] = [];
    const tried: number[] = [];
    const cells: number[] = [];
    const attOut: number[] = [];
    for (const n of live) {
      const c = tableCensus(n.manager!, classify);
      tShares.push(c.tried === 0 ? 0 : c.triedAttacker / c.tried);
      nShares.push(c.newCells === 0 ? 0 : c.newAttackerCells / c.newCells);
      tried.push(c.tried);
      cells.push(c.newCells);
      attOut.push(attackerOutbound(n, classify).attacker);
    }
    return {
      tS: round((sim.clock.now() - t0) / 1000, 3), victims: live.length, triedAttackerShare: mean(tShares), newAttackerShare: mean(nShares),
      tried: mean(tried), newCells: mean(cells), attackerOutbound: mean(attOut),
    };
  };
  sim.every(sc.sampleIntervalS * 1000, () => {
    meter.observe(sim);
    network.push(sampleNetwork(sim, sim.nodes.filter((n) => n.spec.role === 'honest')));
    if (sim.clock.now() < joinAt) return;
    const clonesPhase = sim.clock.now() > restartAt;
    for (const config of sc.configurations) {
      const nodes = clonesPhase ? clonesByConfig.get(config.name) ?? [] : victimsByConfig.get(config.name) ?? [];
      const point = censusPoint(nodes);
      if (point.victims > 0) series.get(config.name)!.push(point);
    }
  }, t0 + sc.sampleIntervalS * 1000);

  // The attack.
  sim.schedule(attackAt, async () => {
    for (const a of attackers.values()) await a.listen();
    for (const config of sc.configurations) {
      const attacker = attackers.get(config.attacker)!;
      for (const victim of victimsByConfig.get(config.name) ?? []) {
        if (sc.attack.inboundConnections === 0) continue;
        attacker.holdInbound(victim, {
          connections: sc.attack.inboundConnections, addrPerMessage: sc.attack.addrPerMessage,
          addrIntervalMs: sc.attack.addrIntervalS * 1000, refillIntervalMs: HOLD_REFILL_INTERVAL_MS,
        });
      }
    }
  });

  // The restart: every victim stops; copies of its data directory start with fresh seeds.
  sim.schedule(restartAt, async () => {
    for (const config of sc.configurations) {
      const attacker = attackers.get(config.attacker)!;
      for (const victim of victimsByConfig.get(config.name) ?? []) {
        if (victim.state !== 'running') continue;
        const c = tableCensus(victim.manager!, classify);
        const out = attackerOutbound(victim, classify);
        const triedShare = c.tried === 0 ? 0 : c.triedAttacker / c.tried;
        const newShare = c.newCells === 0 ? 0 : c.newAttackerCells / c.newCells;
        const result: VictimResult = {
          victim: victim.index, configuration: config.name,
          atRestart: { ...c, triedShare: round(triedShare), newShare: round(newShare), f: round(selectionShare(c)), attackerOutboundBefore: out.attacker, outboundBefore: out.total },
          trials: [],
        };
        victimResults.push(result);
        await sim.stopNode(victim, true);
        const clones: SimNode[] = [];
        for (let r = 0; r < (config.restartsPerVictim ?? sc.victims.restartsPerVictim); r++) {
          const clone = await sim.cloneNode(victim, victimSpec(config), config.defences.anchors ? undefined
            : (dir) => rm(path.join(dir, 'anchors.dat'), { force: true }));
          clones.push(clone);
          result.trials.push([]);
        }
        clonesOf.set(victim, clones);
        const list = clonesByConfig.get(config.name) ?? [];
        list.push(...clones);
        clonesByConfig.set(config.name, list);
        for (const clone of clones) {
          await sim.startNode(clone);
          if (sc.attack.inboundAfterRestart > 0) {
            attacker.holdInbound(clone, {
              connections: sc.attack.inboundAfterRestart, addrPerMessage: sc.attack.addrPerMessage,
              addrIntervalMs: sc.attack.addrIntervalS * 1000, refillIntervalMs: HOLD_REFILL_INTERVAL_MS,
            });
          }
        }
      }
    }
  });

  // Measurements after the restart.
  for (const afterS of sc.victims.measureAtS) {
    sim.schedule(restartAt + afterS * 1000, () => {
      for (const vr of victimResults) {
        const clones = clonesOf.get(sim.nodes[vr.victim]) ?? [];
        clones.forEach((clone, r) => vr.trials[r].push(observe(clone, afterS, classify)));
      }
    });
  }

  await sim.runUntil(endAt, onProgress);
  meter.observe(sim);

  const configurations = sc.configurations.map((config): ConfigurationResult => {
    const vrs = victimResults.filter((x) => x.configuration === config.name);
    const eclipse = sc.victims.measureAtS.map((afterS, j) => {
      const obs = vrs.flatMap((x) => x.trials.map((t) => t[j]).filter((o): o is TrialObservation => o !== undefined));
      return {
        afterS,
        all: wilson(obs.filter((o) => o.eclipsed).length, obs.length),
        fullRelayOnly: wilson(obs.filter((o) => o.fullRelayEclipsed).length, obs.length),
        meanOutbound: mean(obs.map((o) => o.fullRelay + o.blockRelay)),
      };
    });
    const victimLevel = sc.victims.measureAtS.map((afterS, j) => ({
      afterS,
      anyRestartEclipsed: wilson(vrs.filter((x) => x.trials.some((t) => t[j]?.eclipsed)).length, vrs.length),
    }));
    const fs = vrs.map((x) => x.atRestart.f);
    return {
      name: config.name,
      attacker: config.attacker,
      defences: config.defences,
      victims: vrs.length,
      trials: vrs.reduce((a, x) => a + x.trials.length, 0),
      eclipse,
      victimLevel,
      atRestart: {
        triedAttackerShare: summarize(vrs.map((x) => x.atRestart.triedShare)),
        newAttackerShare: summarize(vrs.map((x) => x.atRestart.newShare)),
        f: summarize(fs),
        predictedF8: mean(fs.map((f) => f ** 8)),
        predictedF10: mean(fs.map((f) => f ** 10)),
        tried: summarize(vrs.map((x) => x.atRestart.tried)),
        newCells: summarize(vrs.map((x) => x.atRestart.newCells)),
      },
      series: series.get(config.name) ?? [],
    };
  });

  return {
    kind: 'eclipse',
    name: sc.name,
    seed,
    timeline: { victimsJoinS: sc.warmupS, attackS: round((attackAt - t0) / 1000), restartS: round((restartAt - t0) / 1000), endS: round((endAt - t0) / 1000) },
    attackers: [...attackers.values()].map((a) => ({
      id: a.options.id, ips: a.ipCount, groups: attackerShape.get(a.options.id)!.groups, ases: attackerShape.get(a.options.id)!.ases,
      dialedByVictims: a.counters.dialedByVictims, opened: a.counters.opened, getaddrAnswered: a.counters.getaddrAnswered, addressesSent: a.counters.addressesSent,
    })),
    configurations,
    victims: victimResults,
    network,
    churn: { ...world.churnCounters },
    nodeErrors: { count: sim.logger.errors, first: [...sim.logger.errorLines] },
    nodes: sim.nodes.map((n) => nodeReport(sim, n)),
  };
}

/** f: the attacker's share of what selection draws from — half the time tried, half new (Core's Select). */
export function selectionShare(c: TableCensus): number {
  const t = c.tried === 0 ? undefined : c.triedAttacker / c.tried;
  const n = c.newCells === 0 ? undefined : c.newAttackerCells / c.newCells;
  if (t === undefined) return n ?? 0;
  if (n === undefined) return t;
  return 0.5 * t + 0.5 * n;
}

function attackerOutbound(node: SimNode, classify: (a: NetAddress) => OwnerClass): { total: number; attacker: number } {
  let total = 0;
  let attacker = 0;
  if (node.state !== 'running' || !node.manager) return { total, attacker };
  for (const p of node.manager.peers()) {
    if (p.inbound || !p.isReady || p.isDisconnecting) continue;
    if (p.connType !== 'outbound-full-relay' && p.connType !== 'block-relay-only') continue;
    total++;
    if (classify(p.addr.addr) === 'attacker') attacker++;
  }
  return { total, attacker };
}

/** The outbound connections of a restarted copy at one instant. */
function observe(node: SimNode, afterS: number, classify: (a: NetAddress) => OwnerClass): TrialObservation {
  const o: TrialObservation = { afterS, fullRelay: 0, blockRelay: 0, attackerFullRelay: 0, attackerBlockRelay: 0, eclipsed: false, fullRelayEclipsed: false };
  if (node.state === 'running' && node.manager) {
    for (const p of node.manager.peers()) {
      if (p.inbound || !p.isReady || p.isDisconnecting) continue;
      const isAttacker = classify(p.addr.addr) === 'attacker';
      if (p.connType === 'outbound-full-relay') {
        o.fullRelay++;
        if (isAttacker) o.attackerFullRelay++;
      } else if (p.connType === 'block-relay-only') {
        o.blockRelay++;
        if (isAttacker) o.attackerBlockRelay++;
      }
    }
  }
  const total = o.fullRelay + o.blockRelay;
  o.eclipsed = total > 0 && o.attackerFullRelay + o.attackerBlockRelay === total;
  o.fullRelayEclipsed = o.fullRelay > 0 && o.attackerFullRelay === o.fullRelay;
  return o;
}

