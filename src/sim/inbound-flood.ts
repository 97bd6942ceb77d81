/**
 * The inbound-flood experiment: an attacker makes `attempts` connection attempts against one node's
 * inbound slots (each connection completes the handshake and stays open until evicted), while the node
 * already has honest inbound peers of the kinds Core's eviction protects (net_processing/eviction
 * `SelectNodeToEvict`): peers close to it (lowest ping), peers that recently sent blocks or
 * transactions (marked by the application, as Core's validation would), and long-lived peers from
 * diverse network groups.
 *
 * What it checks: the connection limit is never exceeded — live (not disconnecting) inbound peers never
 * above the inbound budget, all live peers never above -maxconnections — checked after every step and
 * at every handshake; and the protected honest peers are still connected when the flood is over.
 */
import type { NetAddress } from '../address/netaddress.js';
import type { Peer } from '../peer/peer.js';
import { addressIp4, ip4Address } from './address-plan.js';
import { Attacker } from './attacker.js';
import { Simulation, type SimNode } from './engine.js';
import { nodeReport, PerfMeter, sampleNetwork, type NetworkSample, type NodeReport, type PerfReport } from './metrics.js';
import type { InboundFloodScenario } from './scenario.js';
import { round, wilson, type Proportion } from './stats.js';
import { World } from './world.js';

/** How often the application reports a transaction from each tx-relaying peer, ms. */
const TX_MARK_INTERVAL_MS = 60_000;
/** How often the application reports a block from each block-relaying peer, ms (a block every ~10 min, from all of them). */
const BLOCK_MARK_INTERVAL_MS = 600_000;
/** Samples during the flood, ms. */
const FLOOD_SAMPLE_INTERVAL_MS = 10_000;

/** Honest inbound peer categories. */
export type HonestCategory = 'lowPing' | 'blockRelayers' | 'txRelayers' | 'longLived';
const CATEGORIES: readonly HonestCategory[] = ['lowPing', 'blockRelayers', 'txRelayers', 'longLived'];

/** One sample during the flood. */
export interface InboundSample {
  tS: number;
  inbound: number;
  attackerInbound: number;
  honestInbound: number;
  evictions: number;
}

/** The experiment's output (deterministic for a seed). */
export interface InboundFloodResult {
  kind: 'inbound-flood';
  name: string;
  seed: number;
  limits: { maxConnections: number; maxInbound: number };
  flood: { attempts: number; connected: number; perSecond: number; groups: number; ipsPerGroup: number };
  /** Highest counts observed (after every step and at every handshake). */
  observed: { maxLiveInbound: number; maxLivePeers: number; maxSocketsInclDisconnecting: number; checks: number; violations: number };
  victim: { inboundEvictions: number; rejectedFull: number; honestInboundAtStart: number; honestInboundAtEnd: number };
  /** Honest inbound peers connected at the end, per category (of those connected when the flood began). */
  survival: Record<HonestCategory, Proportion> & { all: Proportion };
  /** Minimum ping the victim measured, ms: honest low-ping peers vs the attacker's connections. */
  pingMs: { lowPingHonest: number; attacker: number };
  samples: InboundSample[];
  network: NetworkSample[];
  nodeErrors: { count: number; first: string[] };
  /** Every node's end-of-run figures (written to nodes.json, not result.json). */
  nodes: NodeReport[];
}

/** Runs the inbound-flood experiment. */
export async function runInboundFlood(sc: InboundFloodScenario, seed: number, onProgress?: (fraction: number) => void,
  perf?: { report?: PerfReport }): Promise<InboundFloodResult> {
  const sim = new Simulation({ seed, stepMs: sc.stepMs, latency: sc.latency, plan: sc.plan });
  const meter = new PerfMeter();
  try {
    return await experiment(sim, sc, seed, meter, onProgress);
  } finally {
    if (perf) perf.report = meter.report(sim);
    await sim.dispose();
  }
}

async function experiment(sim: Simulation, sc: InboundFloodScenario, seed: number, meter: PerfMeter,
  onProgress?: (fraction: number) => void): Promise<InboundFloodResult> {
  const world = new World(sim, sc.world);
  world.populate();
  world.startChurn();
  const victim = sim.addNode({ role: 'victim', listen: true, persistent: false, seedable: false, maxConnections: sc.victim.maxConnections, region: sc.honest.region, label: 'flooded' });
  sim.schedule(sim.clock.now() + 1000, async () => { await sim.startNode(victim); });

  // Honest inbound peers: real nodes in /16s of their own that keep a connection to the victim (-addnode).
  const honest = new Map<HonestCategory, SimNode[]>();
  let k = 0;
  for (const category of CATEGORIES) {
    const list: SimNode[] = [];
    for (let i = 0; i < sc.honest[category]; i++) {
      const node = sim.addNode({
        role: 'honest', listen: true, persistent: false, seedable: false, label: category,
        ip: sim.plan.isolatedIp('honest'),
        ...(category === 'lowPing' ? { region: sc.honest.region } : {}),
        extra: { addNode: [victim.service.toString()] },
      });
      list.push(node);
      sim.schedule(sim.clock.now() + 5_000 + 500 * k++, async () => { await sim.startNode(node); });
    }
    honest.set(category, list);
  }
  const honestIps = new Set([...honest.values()].flat().map((n) => addressIp4(n.address)));

  const groups = sc.flood.groups;
  const attackerIps = sim.plan.attacker({ id: 'connector', groups, ipsPerGroup: sc.flood.ipsPerGroup, asCount: Math.max(1, Math.ceil(groups / 10)) });
  for (const ip of attackerIps) sim.geography.place(ip4Address(ip), sc.flood.region);
  const attacker = new Attacker(sim, { id: 'connector', ips: attackerIps });
  const attackerSet = new Set(attackerIps);
  const isAttacker = (a: NetAddress): boolean => attackerSet.has(addressIp4(a));

  const t0 = sim.clock.now();
  const floodAt = t0 + sc.warmupS * 1000;
  const floodEndAt = floodAt + Math.ceil((sc.flood.attempts / sc.flood.perSecond) * 1000);
  const endAt = floodEndAt + sc.afterS * 1000;

  // The application: blocks and transactions from the honest relayers.
  const peerOf = (node: SimNode): Peer | undefined =>
    victim.state === 'running' ? victim.running.peers().find((p) => p.inbound && !p.isDisconnecting && p.addr.addr.equals(node.address)) : undefined;
  sim.every(TX_MARK_INTERVAL_MS, () => {
    for (const n of honest.get('txRelayers') ?? []) {
      const p = peerOf(n);
      if (p) victim.running.markTransactionFrom(p.id);
    }
  });
  sim.every(BLOCK_MARK_INTERVAL_MS, () => {
    for (const n of honest.get('blockRelayers') ?? []) {
      const p = peerOf(n);
      if (p) victim.running.markBlockFrom(p.id);
    }
  }, t0 + 60_000);

  // The limit, checked after every step and at every handshake.
  const observed = { maxLiveInbound: 0, maxLivePeers: 0, maxSocketsInclDisconnecting: 0, checks: 0, violations: 0 };
  const check = (): void => {
    if (victim.state !== 'running' || !victim.manager) return;
    const m = victim.manager;
    const peers = m.peers();
    let live = 0;
    let liveInbound = 0;
    for (const p of peers) {
      if (p.isDisconnecting) continue;
      live++;
      if (p.inbound) liveInbound++;
    }
    observed.checks++;
    observed.maxLiveInbound = Math.max(observed.maxLiveInbound, liveInbound);
    observed.maxLivePeers = Math.max(observed.maxLivePeers, live);
    observed.maxSocketsInclDisconnecting = Math.max(observed.maxSocketsInclDisconnecting, peers.length);
    if (liveInbound > m.budget.maxInbound || live > m.budget.maxConnections) observed.violations++;
  };
  sim.onStep(check);
  sim.schedule(t0 + 2_000, () => { victim.running.on('peer:connect', check); });

  const samples: InboundSample[] = [];
  const network: NetworkSample[] = [];
  let honestAtStart = new Map<HonestCategory, Array<{ node: SimNode; peerId: number }>>();
  let connected = 0;
  sim.every(60_000, () => {
    meter.observe(sim);
    network.push(sampleNetwork(sim, sim.nodes.filter((n) => n.spec.role === 'honest' && n.spec.label === undefined)));
  });
  const sample = (): void => {
    const m = victim.running;
    let att = 0;
    let hon = 0;
    for (const p of m.peers()) {
      if (!p.inbound || p.isDisconnecting) continue;
      if (isAttacker(p.addr.addr)) att++;
      else if (honestIps.has(addressIp4(p.addr.addr))) hon++;
    }
    samples.push({ tS: round((sim.clock.now() - t0) / 1000, 3), inbound: m.nodeCount('in'), attackerInbound: att, honestInbound: hon, evictions: m.counters.inboundEvictions });
  };

  sim.schedule(floodAt, async () => {
    // The very connections open now must survive (a re-dial after an eviction would not count).
    honestAtStart = new Map(CATEGORIES.map((c) => [c, (honest.get(c) ?? []).flatMap((node) => {
      const p = peerOf(node);
      return p ? [{ node, peerId: p.id }] : [];
    })]));
    await attacker.listen();
    sample();
    const gapMs = 1000 / sc.flood.perSecond;
    for (let i = 0; i < sc.flood.attempts; i++) {
      const from = attackerIps[i % attackerIps.length];
      sim.clock.setTimeout(() => {
        void attacker.connect(from, victim.service).then((c) => { if (c) connected++; });
      }, Math.floor(i * gapMs));
    }
    sim.every(FLOOD_SAMPLE_INTERVAL_MS, () => { if (sim.clock.now() <= endAt) sample(); });
  });

  await sim.runUntil(endAt, onProgress);
  sample();
  meter.observe(sim);

  const m = victim.running;
  const survival = {} as Record<HonestCategory, Proportion> & { all: Proportion };
  let allStart = 0;
  let allEnd = 0;
  for (const c of CATEGORIES) {
    const start = honestAtStart.get(c) ?? [];
    const end = start.filter((s) => {
      const p = m.getPeer(s.peerId);
      return p !== undefined && !p.isDisconnecting;
    }).length;
    survival[c] = wilson(end, start.length);
    allStart += start.length;
    allEnd += end;
  }
  survival.all = wilson(allEnd, allStart);
  const minPing = (pred: (p: Peer) => boolean): number => {
    const pings = m.peers().filter((p) => p.inbound && pred(p)).map((p) => p.stats().minPingMs).filter((x): x is number => x !== undefined);
    return pings.length === 0 ? 0 : round(pings.reduce((a, b) => a + b, 0) / pings.length, 3);
  };
  const lowPingIps = new Set((honest.get('lowPing') ?? []).map((n) => addressIp4(n.address)));
  return {
    kind: 'inbound-flood',
    name: sc.name,
    seed,
    limits: { maxConnections: m.budget.maxConnections, maxInbound: m.budget.maxInbound },
    flood: { attempts: sc.flood.attempts, connected, perSecond: sc.flood.perSecond, groups, ipsPerGroup: sc.flood.ipsPerGroup },
    observed,
    victim: {
      inboundEvictions: m.counters.inboundEvictions,
      rejectedFull: m.counters.inboundRejected.full,
      honestInboundAtStart: allStart,
      honestInboundAtEnd: allEnd,
    },
    survival,
    pingMs: { lowPingHonest: minPing((p) => lowPingIps.has(addressIp4(p.addr.addr))), attacker: minPing((p) => isAttacker(p.addr.addr)) },
    samples,
    network,
    nodeErrors: { count: sim.logger.errors, first: [...sim.logger.errorLines] },
    nodes: sim.nodes.map((n) => nodeReport(sim, n)),
  };
}
