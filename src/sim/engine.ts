/**
 * sim/: a deterministic discrete-event simulator of a Bitcoin-style P2P network, built from Peerbook's
 * real parts. Every node is an unmodified `PeerManager` — its real address manager, connection policy,
 * eviction, address and inventory relay and data directory — connected to the others by in-memory
 * links with latency (latency-transport.ts) and driven by one `VirtualClock`. Attackers (attacker.ts)
 * are scripted peers that speak the wire protocol; nothing inside a node is replaced by a model.
 *
 * How time moves: the engine advances the clock in steps (`stepMs`, 100 ms by default). Within a step
 * every timer fires at its exact due time — each node's 500 ms maintenance tick, each link delivery —
 * and synchronous work (message handling, relay, eviction) happens at that instant. Work that a node
 * does after an `await` (a dial's continuation, DNS seeding) runs at the end of the step, so such
 * continuations are late by less than one step. Simulation events (a node joining, leaving or
 * restarting, an attacker's move, a metrics sample) run between steps with the clock stopped, and the
 * engine waits for their asynchronous work — even real file I/O — to finish before time moves again.
 * Node ≈ process: starts, stops and restarts go through `start()`/`stop()` and a real data directory.
 *
 * Why it is reproducible bit for bit: every random choice comes from ChaCha20 streams seeded from the
 * scenario seed (one per node incarnation, one for the engine), timers fire in (due time, creation
 * order), Node's microtask and immediate queues run in a fixed order, and no wall-clock value or file
 * system timing can influence a node's decisions (file I/O happens only while the clock is stopped).
 *
 * Restarts use a real temporary data directory per node (peers.dat, anchors.dat, banlist.json written
 * by the node itself at `stop()` and read at `start()`), removed by `dispose()`.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Asmap } from '../address/asmap.js';
import type { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import type { Logger } from '../util/logger.js';
import { PeerManager } from '../connman/manager.js';
import type { PeerManagerOptions } from '../connman/options.js';
import { VirtualClock, yieldToEventLoop } from '../util/clock.js';
import { ArgumentError } from '../util/errors.js';
import { ChaChaRandom, type Random } from '../util/random.js';
import { customNetworkParams, type NetworkParams } from '../wire/params.js';
import { AddressPlan, ip4Address, type AddressPlanOptions, type BlockOwner, type Ip4 } from './address-plan.js';
import { DEFAULT_LATENCY, Geography, type LatencyConfig, type Region } from './geography.js';
import { LatencyNetwork } from './latency-transport.js';

/** The simulated network's parameters: its own magic, Bitcoin's port, three DNS seeds answered by the engine. */
export const SIM_NETWORK: NetworkParams = customNetworkParams({
  name: 'peerbook-sim',
  magic: '5eb1c0de',
  defaultPort: 8333,
  dnsSeeds: ['seed-a.sim.invalid.', 'seed-b.sim.invalid.', 'seed-c.sim.invalid.'],
});
/** Services every simulated node offers: NODE_NETWORK | NODE_WITNESS (what outbound selection wants). */
export const SIM_NODE_SERVICES = 9n;
/** Default driver step, ms. */
export const DEFAULT_STEP_MS = 100;
/** Virtual start time: 2024-01-01T00:00:00Z. */
export const DEFAULT_START_MS = 1_704_067_200_000;
/** IPs a simulated DNS seed returns per query (Core caps a seed's answer at MAX_IPS_PER_DNS_SEED = 32). */
export const DEFAULT_DNS_SEED_ANSWER = 25;
/** Error lines kept per simulation (the count is exact, the kept lines are the first ones). */
export const MAX_KEPT_ERROR_LINES = 20;
/** Immediate-queue turns per step: enough for every promise chain a step starts to finish. */
const SETTLE_TURNS = 2;

/** What kind of node. */
export type NodeRole = 'honest' | 'victim';

/** How to build one node. */
export interface NodeSpec {
  /** Honest network member or experiment subject. */
  role: NodeRole;
  /** Accepts inbound connections (and advertises itself). */
  listen: boolean;
  /** Keeps a data directory, so a restart reloads peers.dat and anchors.dat. */
  persistent: boolean;
  /** DNS seeds may hand out this node (honest, listening nodes only). */
  seedable: boolean;
  /** Core -maxconnections (default 125). */
  maxConnections?: number;
  /** Give the node the plan's asmap (Core -asmap). */
  asmap?: boolean;
  /** Core -whitelist entries. */
  whitelist?: string[];
  /** Region (default: drawn by weight). */
  region?: Region;
  /** A fixed IP (default: drawn from the plan by role). */
  ip?: Ip4;
  /** Free-form label (an experiment's configuration name). */
  label?: string;
  /**
   * Maintenance tick period, ms (default Core's 500). Background honest nodes may run it less often
   * (experiment option `tickIntervalMs`): their policy then acts on a coarser grid — a replacement
   * outbound connection opens within `tickMs`, queued addr messages leave on the next tick — which
   * changes no rule but cuts an idle node's CPU about threefold. Experiment subjects keep 500 ms.
   */
  tickMs?: number;
  /** Further PeerManager options (experiment-only switches). */
  extra?: Partial<PeerManagerOptions>;
}

/** Life cycle of a simulated node. */
export type NodeState = 'new' | 'running' | 'down' | 'gone';

/** One simulated node across its incarnations (a restart creates a new PeerManager on the same IP and data). */
export class SimNode {
  /** The current PeerManager while running (the last one after it stopped). */
  manager: PeerManager | undefined;
  /** Life-cycle state. */
  state: NodeState = 'new';
  /** Number of PeerManagers created so far. */
  incarnation = 0;
  /** Data directory, for persistent nodes. */
  dataDir: string | undefined;
  /** Virtual time of the first start, ms (0 before). */
  joinedAtMs = 0;
  /** Virtual time it left for good, ms (0 while around). */
  leftAtMs = 0;
  /** Restarts so far. */
  restarts = 0;
  /** Counters summed over finished incarnations (addr processed / rate-limited, evictions …). */
  readonly pastCounters = { addrProcessed: 0, addrRateLimited: 0, inboundEvictions: 0, connectFailures: 0, handshakeFailures: 0 };

  /** @param index position in `Simulation.nodes`; @param ip its IPv4; @param spec how it is built; @param region where it is. */
  constructor(readonly index: number, readonly ip: Ip4, readonly spec: NodeSpec, readonly region: Region) {
    this.address = ip4Address(ip);
    this.service = new NetService(this.address, SIM_NETWORK.defaultPort);
  }

  /** Its IP. */
  readonly address: NetAddress;
  /** Its listening service. */
  readonly service: NetService;

  /** The running manager, or throws. */
  get running(): PeerManager {
    if (this.state !== 'running' || !this.manager) throw new ArgumentError(`node ${this.index} is not running`);
    return this.manager;
  }
}

/** Engine configuration. */
export interface SimulationConfig {
  /** Seed of every random stream. */
  seed: number | string;
  /** Virtual start, ms since the epoch. */
  startMs?: number;
  /** Driver step, ms. */
  stepMs?: number;
  /** Latency model. */
  latency?: LatencyConfig;
  /** Address plan of the simulated Internet. */
  plan?: AddressPlanOptions;
  /** IPs per DNS seed answer. */
  dnsSeedAnswer?: number;
  /** Parent directory for data directories (default: the OS temp dir); a fresh subdirectory is used and removed. */
  dataRoot?: string;
}

/** A logger that counts warnings and errors and keeps the first error lines (nodes log through it). */
export class SimLogger implements Logger {
  /** Warnings logged. */
  warnings = 0;
  /** Errors logged. */
  errors = 0;
  /** The first MAX_KEPT_ERROR_LINES error lines. */
  readonly errorLines: string[] = [];
  /** @inheritdoc */
  debug(): void { /* not kept */ }
  /** @inheritdoc */
  info(): void { /* not kept */ }
  /** @inheritdoc */
  warn(): void {
    this.warnings++;
  }
  /** @inheritdoc */
  error(message: string): void {
    this.errors++;
    if (this.errorLines.length < MAX_KEPT_ERROR_LINES) this.errorLines.push(message);
  }
}

interface SimEvent {
  atMs: number;
  seq: number;
  run: () => void | Promise<void>;
}

/** Default plan: 2,000 honest /16s in 600 ASes, Zipf exponent 1. */
export const DEFAULT_PLAN: AddressPlanOptions = { honestGroups: 2000, honestAses: 600, zipfExponent: 1 };

/** The simulator (see the module comment). */
export class Simulation {
  /** The one clock. */
  readonly clock: VirtualClock;
  /** The engine's own random stream (churn, DNS answers, experiment choices). */
  readonly random: Random;
  /** Links between hosts. */
  readonly net: LatencyNetwork;
  /** Regions and latencies. */
  readonly geography: Geography;
  /** Address plan. */
  readonly plan: AddressPlan;
  /** Every node ever added, by index. */
  readonly nodes: SimNode[] = [];
  /** Shared logger of all nodes. */
  readonly logger = new SimLogger();
  /** Driver step, ms. */
  readonly stepMs: number;
  /** Virtual start, ms. */
  readonly startMs: number;
  private readonly seed: string;
  private readonly events: SimEvent[] = [];
  private eventSeq = 0;
  private readonly seedable: SimNode[] = [];
  private readonly seedableIndex = new Map<SimNode, number>();
  private asmapCache: Asmap | undefined;
  private dataRootDir: string | undefined;
  private readonly dnsSeedAnswer: number;
  private disposed = false;
  private readonly stepHooks: Array<() => void> = [];

  /** @param config see `SimulationConfig`. */
  constructor(private readonly config: SimulationConfig) {
    this.seed = String(config.seed);
    this.startMs = config.startMs ?? DEFAULT_START_MS;
    this.stepMs = config.stepMs ?? DEFAULT_STEP_MS;
    if (!(this.stepMs >= 1)) throw new ArgumentError(`stepMs must be ≥ 1, got ${this.stepMs}`);
    this.clock = new VirtualClock(this.startMs);
    this.random = ChaChaRandom.fromSeed(`${this.seed}|engine`);
    this.geography = new Geography(config.latency ?? DEFAULT_LATENCY, ChaChaRandom.fromSeed(`${this.seed}|geography`));
    this.plan = new AddressPlan(ChaChaRandom.fromSeed(`${this.seed}|plan`), config.plan ?? DEFAULT_PLAN);
    this.net = new LatencyNetwork(this.clock, this.geography);
    this.dnsSeedAnswer = config.dnsSeedAnswer ?? DEFAULT_DNS_SEED_ANSWER;
  }

  /** Virtual time since the start, ms. */
  get elapsedMs(): number {
    return this.clock.now() - this.startMs;
  }

  /** The plan's asmap (built once). */
  asmap(): Asmap {
    this.asmapCache ??= this.plan.asmap();
    return this.asmapCache;
  }

  /** Nodes currently running. */
  runningNodes(role?: NodeRole): SimNode[] {
    return this.nodes.filter((n) => n.state === 'running' && (role === undefined || n.spec.role === role));
  }

  /** Adds a node (not started): allocates its IP and region. */
  addNode(spec: NodeSpec): SimNode {
    const ip = spec.ip ?? (spec.role === 'honest' ? this.plan.honestIp() : this.plan.isolatedIp('victim'));
    const region = this.geography.place(ip4Address(ip), spec.region);
    const node = new SimNode(this.nodes.length, ip, spec, region);
    this.nodes.push(node);
    return node;
  }

  /** Owner of the /16 of an address (see AddressPlan). */
  ownerOf(addr: NetAddress): BlockOwner | undefined {
    return this.plan.ownerOf(addr);
  }

  private async dataRoot(): Promise<string> {
    this.dataRootDir ??= await mkdtemp(path.join(this.config.dataRoot ?? tmpdir(), 'peerbook-sim-'));
    return this.dataRootDir;
  }

  /** Starts (or restarts) a node: a new PeerManager on its IP, loading its data directory if it has one. */
  async startNode(node: SimNode): Promise<PeerManager> {
    if (node.state === 'running') return node.running;
    if (node.state === 'gone') throw new ArgumentError(`node ${node.index} left the network for good`);
    if (node.spec.persistent && !node.dataDir) node.dataDir = path.join(await this.dataRoot(), `node-${node.index}`);
    const spec = node.spec;
    const ip = node.address.toString();
    const manager = new PeerManager({
      network: SIM_NETWORK,
      clock: this.clock,
      random: ChaChaRandom.fromSeed(`${this.seed}|node|${node.index}|${node.incarnation}`),
      transport: this.net.transport(node.address),
      logger: this.logger,
      listen: spec.listen,
      bind: spec.listen ? [`${ip}:${SIM_NETWORK.defaultPort}`] : undefined,
      services: SIM_NODE_SERVICES,
      dnsSeed: true,
      fixedSeeds: false,
      resolver: (host) => Promise.resolve(this.answerDnsSeed(host, node)),
      maxConnections: spec.maxConnections,
      asmap: spec.asmap ? this.asmap() : undefined,
      whitelist: spec.whitelist,
      dataDir: node.dataDir,
      ...spec.extra,
      experiment: { ...spec.extra?.experiment, ...(spec.tickMs !== undefined ? { tickIntervalMs: spec.tickMs } : {}) },
    });
    node.incarnation++;
    node.manager = manager;
    this.net.setHostUp(node.address, true);
    await manager.start();
    // Simulated nodes are synced: they advertise themselves and rotate extra block-relay peers.
    manager.setInitialSyncComplete(true);
    node.state = 'running';
    if (node.joinedAtMs === 0) node.joinedAtMs = this.clock.now();
    if (spec.seedable && spec.listen) this.addSeedable(node);
    return manager;
  }

  /**
   * Adds a node whose data directory starts as a copy of `source`'s (stop `source` first, so its files
   * are complete); `prepare` may edit the copy (e.g. delete anchors.dat). Not started.
   */
  async cloneNode(source: SimNode, spec: NodeSpec, prepare?: (dir: string) => Promise<void>): Promise<SimNode> {
    if (!source.dataDir) throw new ArgumentError(`node ${source.index} has no data directory to clone`);
    const node = this.addNode({ ...spec, persistent: true });
    node.dataDir = path.join(await this.dataRoot(), `node-${node.index}`);
    await cp(source.dataDir, node.dataDir, { recursive: true });
    await prepare?.(node.dataDir);
    return node;
  }

  /** Stops a node (its data directory is written by its own `stop()`); `gone` = it never comes back. */
  async stopNode(node: SimNode, gone = false): Promise<void> {
    if (node.state === 'running' && node.manager) {
      this.removeSeedable(node);
      const m = node.manager;
      await m.stop();
      const p = node.pastCounters;
      p.addrProcessed += m.counters.addrProcessed;
      p.addrRateLimited += m.counters.addrRateLimited;
      p.inboundEvictions += m.counters.inboundEvictions;
      p.connectFailures += m.counters.connectFailures;
      p.handshakeFailures += m.counters.handshakeFailures;
      this.net.setHostUp(node.address, false);
    }
    if (gone) {
      node.state = 'gone';
      node.leftAtMs = this.clock.now();
    } else if (node.state !== 'new') {
      node.state = 'down';
    }
  }

  /** Stops a node now and starts it again after `downtimeMs` (a restart with its data files). */
  async restartNode(node: SimNode, downtimeMs: number): Promise<void> {
    if (node.state !== 'running') return;
    await this.stopNode(node);
    node.restarts++;
    this.schedule(this.clock.now() + Math.max(0, downtimeMs), () => this.startNode(node).then(() => undefined));
  }

  private addSeedable(node: SimNode): void {
    if (this.seedableIndex.has(node)) return;
    this.seedableIndex.set(node, this.seedable.length);
    this.seedable.push(node);
  }

  private removeSeedable(node: SimNode): void {
    const i = this.seedableIndex.get(node);
    if (i === undefined) return;
    const last = this.seedable.pop()!;
    if (last !== node) {
      this.seedable[i] = last;
      this.seedableIndex.set(last, i);
    }
    this.seedableIndex.delete(node);
  }

  /** A DNS seed's answer: random running, listening honest nodes (as a crawler-fed seed returns), never the asker. */
  private answerDnsSeed(_host: string, asker: SimNode): string[] {
    const n = this.seedable.length;
    const out: string[] = [];
    const seen = new Set<number>();
    for (let tries = 0; out.length < this.dnsSeedAnswer && tries < this.dnsSeedAnswer * 4 && n > 0; tries++) {
      const i = this.random.randrange(n);
      const node = this.seedable[i];
      if (seen.has(i) || node === asker) continue;
      seen.add(i);
      out.push(node.address.toString());
    }
    return out;
  }

  /**
   * Runs `fn` between steps at virtual time `atMs` (≥ now), with the clock stopped until it resolves.
   * `fn` must not wait for anything that needs virtual time (a dial, a timer): start such work without
   * awaiting it, or the simulation cannot advance (Node then exits with code 13, "unsettled await").
   */
  schedule(atMs: number, fn: () => void | Promise<void>): void {
    const e: SimEvent = { atMs: Math.max(atMs, this.clock.now()), seq: this.eventSeq++, run: fn };
    const h = this.events;
    h.push(e);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  /** Runs `fn` every `intervalMs` from `firstAtMs` until the simulation is disposed. */
  every(intervalMs: number, fn: () => void | Promise<void>, firstAtMs = this.clock.now() + intervalMs): void {
    if (!(intervalMs >= 1)) throw new ArgumentError(`interval must be ≥ 1 ms, got ${intervalMs}`);
    const tick = async (): Promise<void> => {
      await fn();
      if (!this.disposed) this.schedule(this.clock.now() + intervalMs, tick);
    };
    this.schedule(firstAtMs, tick);
  }

  private popEvent(): SimEvent | undefined {
    const h = this.events;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }

  /** Calls `fn` after every step and every event (for invariants that must hold at all times). */
  onStep(fn: () => void): void {
    this.stepHooks.push(fn);
  }

  /**
   * Advances virtual time to `untilMs` (absolute): steps the clock, lets I/O settle, and runs due
   * simulation events with the clock stopped. `onStep` sees the fraction of this call done.
   */
  async runUntil(untilMs: number, onStep?: (fraction: number) => void): Promise<void> {
    const from = this.clock.now();
    const span = Math.max(1, untilMs - from);
    for (;;) {
      for (let e = this.events[0]; e && e.atMs <= this.clock.now(); e = this.events[0]) {
        this.popEvent();
        await e.run();
        await settle();
        for (const hook of this.stepHooks) hook();
      }
      const now = this.clock.now();
      if (now >= untilMs) break;
      const nextEvent = this.events[0]?.atMs ?? Infinity;
      const target = Math.min(now + this.stepMs, untilMs, nextEvent);
      this.clock.advance(target - now);
      await settle();
      for (const hook of this.stepHooks) hook();
      onStep?.((this.clock.now() - from) / span);
    }
  }

  /** Advances virtual time by `ms`. */
  runFor(ms: number, onStep?: (fraction: number) => void): Promise<void> {
    return this.runUntil(this.clock.now() + ms, onStep);
  }

  /** Stops every running node and removes the data directories. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.events.length = 0;
    for (const n of this.nodes) if (n.state === 'running') await this.stopNode(n, true);
    if (this.dataRootDir) await rm(this.dataRootDir, { recursive: true, force: true });
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** Lets promise continuations and immediates started by the last step run to completion. */
export async function settle(turns = SETTLE_TURNS): Promise<void> {
  for (let i = 0; i < turns; i++) await yieldToEventLoop();
}
