/**
 * What the simulator measures, read only through public APIs (`PeerManager.peers()`, `nodeCount`,
 * `counters`, `AddrMan.size` and `getEntries`), never by drawing randomness or changing state, so
 * observing a run does not change it:
 * - network samples over time (connections per node, table sizes, relay counters);
 * - per-node figures at the end;
 * - a census of a node's tables by owner of each address (attacker, trash, honest) — the attacker's
 *   share of the new and tried tables that the eclipse experiment reports;
 * - the simulator's own cost (wall and CPU time, memory), kept apart because it is not reproducible.
 */
import { loadavg } from 'node:os';
import type { NetAddress } from '../address/netaddress.js';
import type { PeerManager } from '../connman/manager.js';
import { round, summarize, type Summary } from './stats.js';
import type { SimNode, Simulation } from './engine.js';

/** One network-wide sample. */
export interface NetworkSample {
  /** Virtual seconds since the start. */
  tS: number;
  /** Running nodes. */
  running: number;
  /** Outbound full-relay connections per running node. */
  outboundFullRelay: Summary;
  /** Block-relay-only connections per running node. */
  blockRelay: Summary;
  /** Inbound connections per running listening node. */
  inbound: Summary;
  /** New-table entries per running node. */
  newEntries: Summary;
  /** Tried-table entries per running node. */
  triedEntries: Summary;
  /** Share of running nodes with all 8 full-relay and 2 block-relay outbound slots filled. */
  fullyConnectedShare: number;
  /** Addresses processed by all running nodes since they started. */
  addrProcessed: number;
  /** Addresses rate-limited by all running nodes since they started. */
  addrRateLimited: number;
  /** Links opened so far (all dials that connected). */
  linksOpened: number;
}

/** Outbound connection counts of one manager, by type (ready, not disconnecting). */
export function outboundCounts(m: PeerManager): { fullRelay: number; blockRelay: number } {
  let fullRelay = 0;
  let blockRelay = 0;
  for (const p of m.peers()) {
    if (p.inbound || !p.isReady || p.isDisconnecting) continue;
    if (p.connType === 'outbound-full-relay') fullRelay++;
    else if (p.connType === 'block-relay-only') blockRelay++;
  }
  return { fullRelay, blockRelay };
}

/** Samples the running network. */
export function sampleNetwork(sim: Simulation, nodes: readonly SimNode[] = sim.nodes): NetworkSample {
  const running = nodes.filter((n) => n.state === 'running' && n.manager);
  const full: number[] = [];
  const block: number[] = [];
  const inbound: number[] = [];
  const fresh: number[] = [];
  const tried: number[] = [];
  let fully = 0;
  let processed = 0;
  let limited = 0;
  for (const n of running) {
    const m = n.manager!;
    const o = outboundCounts(m);
    full.push(o.fullRelay);
    block.push(o.blockRelay);
    if (n.spec.listen) inbound.push(m.nodeCount('in'));
    fresh.push(m.addrman.size({ inNew: true }));
    tried.push(m.addrman.size({ inNew: false }));
    if (o.fullRelay >= m.budget.maxOutboundFullRelay && o.blockRelay >= m.budget.maxBlockRelay) fully++;
    processed += m.counters.addrProcessed;
    limited += m.counters.addrRateLimited;
  }
  return {
    tS: round(sim.elapsedMs / 1000, 3),
    running: running.length,
    outboundFullRelay: summarize(full),
    blockRelay: summarize(block),
    inbound: summarize(inbound),
    newEntries: summarize(fresh),
    triedEntries: summarize(tried),
    fullyConnectedShare: round(running.length === 0 ? 0 : fully / running.length),
    addrProcessed: processed,
    addrRateLimited: limited,
    linksOpened: sim.net.counters.linksOpened,
  };
}

/** End-of-run figures of one node. */
export interface NodeReport {
  index: number;
  ip: string;
  role: string;
  label?: string;
  region: string;
  state: string;
  listen: boolean;
  joinedAtS: number;
  leftAtS?: number;
  restarts: number;
  outboundFullRelay: number;
  blockRelay: number;
  inbound: number;
  newEntries: number;
  triedEntries: number;
  addrProcessed: number;
  addrRateLimited: number;
  inboundEvictions: number;
  connectFailures: number;
}

/** Per-node report (running nodes report their live connections; stopped ones zero). */
export function nodeReport(sim: Simulation, n: SimNode): NodeReport {
  const m = n.manager;
  const live = n.state === 'running' && m !== undefined;
  const o = live ? outboundCounts(m) : { fullRelay: 0, blockRelay: 0 };
  const c = n.pastCounters;
  const cur = live ? m.counters : undefined;
  return {
    index: n.index,
    ip: n.address.toString(),
    role: n.spec.role,
    ...(n.spec.label !== undefined ? { label: n.spec.label } : {}),
    region: n.region,
    state: n.state,
    listen: n.spec.listen,
    joinedAtS: round((n.joinedAtMs - sim.startMs) / 1000, 3),
    ...(n.leftAtMs > 0 ? { leftAtS: round((n.leftAtMs - sim.startMs) / 1000, 3) } : {}),
    restarts: n.restarts,
    outboundFullRelay: o.fullRelay,
    blockRelay: o.blockRelay,
    inbound: live ? m.nodeCount('in') : 0,
    newEntries: m ? m.addrman.size({ inNew: true }) : 0,
    triedEntries: m ? m.addrman.size({ inNew: false }) : 0,
    addrProcessed: c.addrProcessed + (cur?.addrProcessed ?? 0),
    addrRateLimited: c.addrRateLimited + (cur?.addrRateLimited ?? 0),
    inboundEvictions: c.inboundEvictions + (cur?.inboundEvictions ?? 0),
    connectFailures: c.connectFailures + (cur?.connectFailures ?? 0),
  };
}

/** Owner classes of addresses in a census. */
export type OwnerClass = 'attacker' | 'trash' | 'other';

/** The attacker's (and trash's) share of one node's tables. */
export interface TableCensus {
  /** Occupied new-table cells (an entry counts once per bucket reference: what selection sees). */
  newCells: number;
  /** Of those, holding attacker addresses. */
  newAttackerCells: number;
  /** Of those, holding trash addresses. */
  newTrashCells: number;
  /** Tried entries. */
  tried: number;
  /** Of those, attacker addresses. */
  triedAttacker: number;
  /** Of those, trash addresses (cannot happen: trash never answers). */
  triedTrash: number;
}

/** Counts a node's table cells by owner; `classify` says who owns an address. */
export function tableCensus(m: PeerManager, classify: (addr: NetAddress) => OwnerClass): TableCensus {
  const census: TableCensus = { newCells: 0, newAttackerCells: 0, newTrashCells: 0, tried: 0, triedAttacker: 0, triedTrash: 0 };
  for (const e of m.addrman.getEntries(false)) {
    census.newCells++;
    const c = classify(e.info.record.service.addr);
    if (c === 'attacker') census.newAttackerCells++;
    else if (c === 'trash') census.newTrashCells++;
  }
  for (const e of m.addrman.getEntries(true)) {
    census.tried++;
    const c = classify(e.info.record.service.addr);
    if (c === 'attacker') census.triedAttacker++;
    else if (c === 'trash') census.triedTrash++;
  }
  return census;
}

/** The simulator's own cost over a run (not reproducible: wall time and memory depend on the machine). */
export interface PerfReport {
  wallS: number;
  cpuS: number;
  /** Load average of the machine at the end (1 min), for context. */
  loadAverage1m: number;
  peakRssMB: number;
  heapUsedMB: number;
  arrayBuffersMB: number;
  /** Node-hours simulated: Σ over nodes of virtual hours running. */
  nodeHours: number;
  /** node-hours per wall second. */
  nodeHoursPerWallS: number;
  /** node-hours per CPU second. */
  nodeHoursPerCpuS: number;
  /** Peak nodes running at once. */
  peakNodes: number;
  /** Resident memory per running node at the peak, KB (RSS / peak nodes). */
  rssPerNodeKB: number;
}

/** Tracks wall/CPU time and peak memory of a run. */
export class PerfMeter {
  private readonly wall0 = performance.now();
  private readonly cpu0 = process.cpuUsage();
  private peakRss = 0;
  private peakNodes = 0;
  private rssAtPeakNodes = 0;
  private nodeMs = 0;
  private lastAt: number | undefined;
  private lastRunning = 0;

  /** Call periodically (e.g. at every sample) with the simulation. */
  observe(sim: Simulation): void {
    const now = sim.clock.now();
    const running = sim.runningNodes().length;
    if (this.lastAt !== undefined) this.nodeMs += (now - this.lastAt) * this.lastRunning;
    this.lastAt = now;
    this.lastRunning = running;
    const rss = process.memoryUsage.rss();
    this.peakRss = Math.max(this.peakRss, rss);
    if (running >= this.peakNodes) {
      this.peakNodes = running;
      this.rssAtPeakNodes = rss;
    }
  }

  /** The report so far. */
  report(sim: Simulation): PerfReport {
    this.observe(sim);
    const wallS = (performance.now() - this.wall0) / 1000;
    const cpu = process.cpuUsage(this.cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const mem = process.memoryUsage();
    const nodeHours = this.nodeMs / 3_600_000;
    return {
      wallS: round(wallS, 2),
      cpuS: round(cpuS, 2),
      loadAverage1m: round(loadavg()[0], 2),
      peakRssMB: round(this.peakRss / 1e6, 1),
      heapUsedMB: round(mem.heapUsed / 1e6, 1),
      arrayBuffersMB: round(mem.arrayBuffers / 1e6, 1),
      nodeHours: round(nodeHours, 3),
      nodeHoursPerWallS: round(nodeHours / Math.max(wallS, 1e-9), 4),
      nodeHoursPerCpuS: round(nodeHours / Math.max(cpuS, 1e-9), 4),
      peakNodes: this.peakNodes,
      rssPerNodeKB: round(this.peakNodes === 0 ? 0 : this.rssAtPeakNodes / this.peakNodes / 1024, 1),
    };
  }
}
