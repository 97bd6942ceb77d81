/** A small simulated network of PeerManagers on the in-memory transport and one virtual clock. */
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { MemoryLogger } from '../../src/connman/logger.js';
import { PeerManager } from '../../src/connman/manager.js';
import type { PeerManagerOptions } from '../../src/connman/options.js';
import { MemoryNetwork } from '../../src/transport/memory.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';

/** Services our simulated full nodes advertise: NODE_NETWORK | NODE_WITNESS. */
export const FULL_NODE = 9n;

/** One simulation: a clock, a memory network, and the managers created on it. */
export class Sim {
  readonly clock = new VirtualClock(1_700_000_000_000);
  readonly net = new MemoryNetwork(this.clock);
  readonly nodes: PeerManager[] = [];
  readonly logs = new Map<PeerManager, MemoryLogger>();
  private seed = 0;

  /** A node at `ip` listening on the regtest port; passive (no automatic outbound) unless told otherwise. */
  node(ip: string, over: Partial<PeerManagerOptions> = {}): PeerManager {
    const addr = NetAddress.parse(ip);
    const logger = new MemoryLogger();
    const m = new PeerManager({
      network: REGTEST,
      clock: this.clock,
      random: ChaChaRandom.fromSeed(`node-${ip}-${this.seed++}`),
      transport: this.net.transport(addr),
      logger,
      bind: [`${ip}:${REGTEST.defaultPort}`],
      services: FULL_NODE,
      dnsSeed: false,
      fixedSeeds: false,
      connect: ['0'],
      listen: true,
      ...over,
    });
    this.nodes.push(m);
    this.logs.set(m, logger);
    return m;
  }

  /** Starts every node not yet running. */
  async startAll(): Promise<void> {
    for (const n of this.nodes) if (!n.running) await n.start();
  }

  /** Advances virtual time in steps, letting I/O settle between them. */
  async run(ms: number, stepMs = 250): Promise<void> {
    for (let t = 0; t < ms; t += stepMs) await this.clock.tick(Math.min(stepMs, ms - t));
  }

  /** Stops every node. */
  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}

/** The service of a simulated node. */
export function svc(ip: string, port = REGTEST.defaultPort): NetService {
  return new NetService(NetAddress.parse(ip), port);
}
