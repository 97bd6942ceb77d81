/**
 * The addr-flood experiment: `attackers` inbound connections (each from its own IP) send a node
 * `addrsPerSecond` addresses each, in full 1,000-address messages, for `durationS` — every address
 * distinct, routable and fresh, so that nothing but the node's own defences keeps its table from
 * filling with them. Meanwhile the honest network keeps gossiping and `honestJoiners` new honest nodes
 * join and advertise themselves.
 *
 * What it checks: memory stays bounded (the table cannot exceed its 81,920 entries, per-peer filters
 * have a fixed size, and the process's memory is recorded over the run), at least 99 % of the flood is
 * rate-limited (Core's token bucket: 0.1 address/s per peer), honest peers are not rate-limited, and
 * honest addresses still reach the table — compared with control nodes of the same network that are
 * not flooded.
 */
import type { NetAddress } from '../address/netaddress.js';
import { encodeFrame } from '../wire/frame.js';
import { MAX_ADDR_TO_SEND } from '../wire/messages.js';
import { group16, addressIp4 } from './address-plan.js';
import { Attacker, type AttackerConnection } from './attacker.js';
import { SIM_NETWORK, SIM_NODE_SERVICES, Simulation, type SimNode } from './engine.js';
import { nodeReport, PerfMeter, sampleNetwork, type NetworkSample, type NodeReport, type PerfReport } from './metrics.js';
import type { AddrFloodScenario } from './scenario.js';
import { round, wilson, type Proportion } from './stats.js';
import { World } from './world.js';

/** Bytes of one address in an addr (v1) message: time u32, services u64, IPv6-form address, port u16. */
const ADDR_V1_ENTRY_BYTES = 30;
/** Control nodes compared with the victim. */
const CONTROL_NODES = 10;

/** One sample of the flooded node. */
export interface FloodSample {
  tS: number;
  /** Entries in its table. */
  entries: number;
  /** Bytes of its table's typed arrays. */
  tableBytes: number;
  /** Addresses from attacker peers processed / rate-limited so far. */
  attackerProcessed: number;
  attackerRateLimited: number;
  /** Flood addresses in the table. */
  floodEntries: number;
  /** Attacker connections open. */
  attackerPeers: number;
}

/** The experiment's output (deterministic for a seed). */
export interface AddrFloodResult {
  kind: 'addr-flood';
  name: string;
  seed: number;
  flood: { attackers: number; addrsPerSecond: number; durationS: number; addressesSent: number; messagesSent: number };
  victim: {
    /** Attacker addresses rate-limited (share of those received, with its 95 % interval). */
    attackerRateLimited: Proportion;
    attackerProcessed: number;
    honestProcessed: number;
    honestRateLimited: number;
    entriesBefore: number;
    entriesAfter: number;
    maxEntries: number;
    tableBytesMax: number;
    /** Honest addresses in the table before and after the flood (entries whose owner is an honest node). */
    honestEntriesBefore: number;
    honestEntriesAfter: number;
    /** Joiners' addresses found in the table at the end. */
    joinersKnown: Proportion;
    attackerPeersAtEnd: number;
  };
  controls: { nodes: number; joinersKnown: Proportion };
  samples: FloodSample[];
  network: NetworkSample[];
  nodeErrors: { count: number; first: string[] };
  /** Every node's end-of-run figures (written to nodes.json, not result.json). */
  nodes: NodeReport[];
}

/** Memory over the run (not reproducible). */
export interface AddrFloodPerf extends PerfReport {
  rssSamplesMB: Array<{ tS: number; rssMB: number }>;
}

/** Runs the addr-flood experiment. */
export async function runAddrFlood(sc: AddrFloodScenario, seed: number, onProgress?: (fraction: number) => void,
  perf?: { report?: PerfReport }): Promise<AddrFloodResult> {
  const sim = new Simulation({ seed, stepMs: sc.stepMs, latency: sc.latency, plan: sc.plan });
  const meter = new PerfMeter();
  const rss: Array<{ tS: number; rssMB: number }> = [];
  try {
    return await experiment(sim, sc, seed, meter, rss, onProgress);
  } finally {
    if (perf) {
      const report: AddrFloodPerf = { ...meter.report(sim), rssSamplesMB: rss };
      perf.report = report;
    }
    await sim.dispose();
  }
}

async function experiment(sim: Simulation, sc: AddrFloodScenario, seed: number, meter: PerfMeter,
  rss: Array<{ tS: number; rssMB: number }>, onProgress?: (fraction: number) => void): Promise<AddrFloodResult> {
  const world = new World(sim, sc.world);
  world.populate();
  world.startChurn();
  const victim = sim.addNode({ role: 'victim', listen: true, persistent: false, seedable: false, label: 'flooded' });
  sim.schedule(sim.clock.now() + 1000, async () => { await sim.startNode(victim); });
  const attackerIps = sim.plan.attacker({ id: 'flooder', groups: sc.flood.attackers, ipsPerGroup: 1, asCount: sc.flood.attackers });
  const attacker = new Attacker(sim, { id: 'flooder', ips: attackerIps });
  const t0 = sim.clock.now();
  const floodAt = t0 + sc.warmupS * 1000;
  const endAt = floodAt + sc.flood.durationS * 1000;
  const source = new FloodSource(sim, Math.ceil((sc.flood.attackers * sc.flood.addrsPerSecond * sc.flood.durationS) / 65_536) + 1);
  const isFlood = (a: NetAddress): boolean => source.owns(a);
  const isHonest = (a: NetAddress): boolean => sim.ownerOf(a) === 'honest';
  const attackerSet = new Set(attackerIps);
  const isAttackerPeer = (a: NetAddress): boolean => attackerSet.has(addressIp4(a));

  const samples: FloodSample[] = [];
  const network: NetworkSample[] = [];
  const conns: AttackerConnection[] = [];
  let controls: SimNode[] = [];
  let honestEntriesBefore = 0;
  let entriesBefore = 0;
  let tableBytesMax = 0;
  let maxEntries = 0;
  const joiners: SimNode[] = [];

  const attackerStats = (): { processed: number; limited: number; honestProcessed: number; honestLimited: number; peers: number } => {
    const m = victim.running;
    let processed = 0;
    let limited = 0;
    let honestProcessed = 0;
    let honestLimited = 0;
    let peers = 0;
    for (const d of m.peerDetails()) {
      if (isAttackerPeer(d.addr.addr)) {
        processed += d.addrProcessed;
        limited += d.addrRateLimited;
        peers++;
      } else {
        honestProcessed += d.addrProcessed;
        honestLimited += d.addrRateLimited;
      }
    }
    return { processed, limited, honestProcessed, honestLimited, peers };
  };
  const distinctEntries = (m: SimNode, pred: (a: NetAddress) => boolean): number => {
    const seen = new Set<string>();
    for (const table of [false, true]) for (const e of m.running.addrman.getEntries(table)) {
      if (pred(e.info.record.service.addr)) seen.add(e.info.record.service.key);
    }
    return seen.size;
  };

  sim.every(sc.sampleIntervalS * 1000, () => {
    meter.observe(sim);
    rss.push({ tS: round(sim.elapsedMs / 1000, 3), rssMB: round(process.memoryUsage.rss() / 1e6, 1) });
    network.push(sampleNetwork(sim, sim.nodes.filter((n) => n.spec.role === 'honest')));
    if (victim.state !== 'running' || sim.clock.now() < floodAt) return;
    const m = victim.running;
    const st = attackerStats();
    const entries = m.addrman.size();
    maxEntries = Math.max(maxEntries, entries);
    tableBytesMax = Math.max(tableBytesMax, m.addrman.byteLength);
    samples.push({
      tS: round((sim.clock.now() - t0) / 1000, 3), entries, tableBytes: m.addrman.byteLength,
      attackerProcessed: st.processed, attackerRateLimited: st.limited, floodEntries: distinctEntries(victim, isFlood), attackerPeers: st.peers,
    });
  }, t0 + sc.sampleIntervalS * 1000);

  // The flood.
  sim.schedule(floodAt, async () => {
    const m = victim.running;
    honestEntriesBefore = distinctEntries(victim, isHonest);
    entriesBefore = m.addrman.size();
    const running = sim.runningNodes('honest');
    controls = sim.random.shuffle([...running]).slice(0, Math.min(CONTROL_NODES, running.length));
    await attacker.listen();
    const perMessage = Math.min(sc.flood.addrPerMessage, MAX_ADDR_TO_SEND);
    const intervalMs = (1000 * perMessage) / sc.flood.addrsPerSecond;
    attackerIps.forEach((ip, i) => {
      // Dials complete in virtual time, so they are not awaited here (the clock is stopped during events).
      void attacker.connect(ip, victim.service).then((c) => {
        if (!c) return;
        conns.push(c);
        // Stagger the connections' timers so the victim does not get all messages in one instant.
        const tick = (): void => {
          if (c.closed || sim.clock.now() >= endAt) return;
          c.sendFrame(source.frame(perMessage));
          sim.clock.setTimeout(tick, intervalMs);
        };
        sim.clock.setTimeout(tick, Math.floor((i * intervalMs) / attackerIps.length));
      });
    });
    // Honest nodes join during the flood and advertise themselves.
    for (let j = 0; j < sc.flood.honestJoiners; j++) {
      const at = floodAt + Math.floor(((j + 0.5) * sc.flood.durationS * 1000) / Math.max(1, sc.flood.honestJoiners));
      sim.schedule(at, async () => {
        const node = sim.addNode(world.honestSpec());
        joiners.push(node);
        await sim.startNode(node);
      });
    }
  });

  await sim.runUntil(endAt, onProgress);
  meter.observe(sim);

  const m = victim.running;
  const st = attackerStats();
  const joinerKeys = new Set(joiners.map((j) => j.address.key));
  const knownJoiners = (node: SimNode): number => distinctEntries(node, (a) => joinerKeys.has(a.key));
  const liveControls = controls.filter((c) => c.state === 'running');
  const controlKnown = liveControls.reduce((a, c) => a + knownJoiners(c), 0);
  return {
    kind: 'addr-flood',
    name: sc.name,
    seed,
    flood: {
      attackers: sc.flood.attackers, addrsPerSecond: sc.flood.addrsPerSecond, durationS: sc.flood.durationS,
      addressesSent: source.addressesSent, messagesSent: source.messagesSent,
    },
    victim: {
      attackerRateLimited: wilson(st.limited, st.processed + st.limited),
      attackerProcessed: st.processed,
      honestProcessed: st.honestProcessed,
      honestRateLimited: st.honestLimited,
      entriesBefore,
      entriesAfter: m.addrman.size(),
      maxEntries: Math.max(maxEntries, m.addrman.size()),
      tableBytesMax: Math.max(tableBytesMax, m.addrman.byteLength),
      honestEntriesBefore,
      honestEntriesAfter: distinctEntries(victim, isHonest),
      joinersKnown: wilson(knownJoiners(victim), joiners.length),
      attackerPeersAtEnd: st.peers,
    },
    controls: { nodes: liveControls.length, joinersKnown: wilson(controlKnown, joiners.length * liveControls.length) },
    samples,
    network,
    nodeErrors: { count: sim.logger.errors, first: [...sim.logger.errorLines] },
    nodes: sim.nodes.map((n) => nodeReport(sim, n)),
  };
}

/**
 * Distinct flood addresses, fast: each message's payload is written directly (count, then 30-byte
 * entries) from a counter over whole /16 trash blocks, so no address is ever sent twice.
 */
class FloodSource {
  addressesSent = 0;
  messagesSent = 0;
  private readonly blocks: number[];
  private readonly blockSet: Set<number>;
  private counter = 0;

  constructor(private readonly sim: Simulation, blocks: number) {
    this.blocks = sim.plan.trashBlocks(blocks);
    this.blockSet = new Set(this.blocks);
  }

  owns(addr: NetAddress): boolean {
    const ip = addressIp4(addr);
    return ip >= 0 && this.blockSet.has(group16(ip));
  }

  frame(count: number): Uint8Array {
    const payload = new Uint8Array(3 + count * ADDR_V1_ENTRY_BYTES);
    const view = new DataView(payload.buffer);
    payload[0] = 0xfd; // CompactSize: 0xfd then a u16 (count is 253..1000 in practice; smaller counts use one byte)
    let off: number;
    if (count < 0xfd) {
      payload[0] = count;
      off = 1;
    } else {
      view.setUint16(1, count, true);
      off = 3;
    }
    const now = this.sim.clock.nowSeconds();
    for (let i = 0; i < count; i++) {
      const k = this.counter++;
      const g = this.blocks[Math.floor(k / 65_536) % this.blocks.length];
      const ip = ((g << 16) | (k & 0xffff)) >>> 0;
      view.setUint32(off, now, true);
      view.setBigUint64(off + 4, SIM_NODE_SERVICES, true);
      payload[off + 22] = 0xff;
      payload[off + 23] = 0xff;
      view.setUint32(off + 24, ip, false);
      view.setUint16(off + 28, SIM_NETWORK.defaultPort, false);
      off += ADDR_V1_ENTRY_BYTES;
    }
    this.addressesSent += count;
    this.messagesSent++;
    return encodeFrame(SIM_NETWORK.magic, 'addr', off === payload.length ? payload : payload.subarray(0, off));
  }
}
