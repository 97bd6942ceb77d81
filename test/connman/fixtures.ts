/**
 * Small real parts for component tests: `Peer`s over an in-memory pipe (no network, no manager), and
 * one manager's components assembled without the `PeerManager` shell, so a test drives the dialer,
 * inbound or persistence directly.
 */
import { NetService } from '../../src/address/service.js';
import { assemble, RunState, type Components } from '../../src/connman/assemble.js';
import type { PeerManagerOptions } from '../../src/connman/options.js';
import type { PeerManagerEvents } from '../../src/connman/types.js';
import { Peer } from '../../src/peer/peer.js';
import type { ConnectionType } from '../../src/peer/types.js';
import { createDuplexPair, MemoryNetwork } from '../../src/transport/memory.js';
import { StreamConnection } from '../../src/transport/transport.js';
import { VirtualClock } from '../../src/util/clock.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';
import { PROTOCOL_VERSION } from '../../src/wire/version.js';

/** A real `Peer` on one end of an in-memory pipe (the other end is returned too, unread). */
export function pipePeer(id: number, connType: ConnectionType, addr: string, clock = new VirtualClock(), nonce = BigInt(id + 1)): Peer {
  const [mine] = createDuplexPair();
  const remote = NetService.parse(addr);
  return new Peer({
    id, connection: new StreamConnection(mine, remote, NetService.parse('10.0.0.1:18444')), connType, addr: remote, magic: REGTEST.magic,
    clock, random: ChaChaRandom.fromSeed(id), nonce,
    local: { protocolVersion: PROTOCOL_VERSION, services: 0n, userAgent: '/test/', startHeight: () => 0, relayTxs: true },
  });
}

/** One manager's components, its run state, the events emitted, and the memory network it dials on. */
export interface World {
  c: Components;
  run: RunState;
  clock: VirtualClock;
  net: MemoryNetwork;
  log: MemoryLogger;
  events: Array<{ event: keyof PeerManagerEvents; args: unknown[] }>;
}

/** Assembles a regtest manager's components at `ip` (passive: no seeds, no automatic outbound), marked running. */
export function world(ip = '30.0.0.1', over: Partial<PeerManagerOptions> = {}, net?: MemoryNetwork): World {
  const clock = (net?.clock as VirtualClock | undefined) ?? new VirtualClock(1_700_000_000_000);
  const network = net ?? new MemoryNetwork(clock);
  const log = new MemoryLogger();
  const run = new RunState(true);
  const events: World['events'] = [];
  const c = assemble({
    network: REGTEST, clock, random: ChaChaRandom.fromSeed(`world-${ip}`), logger: log, transport: network.transport(NetService.parse(`${ip}:1`).addr),
    bind: [`${ip}:${REGTEST.defaultPort}`], dnsSeed: false, fixedSeeds: false, connect: ['0'], listen: true, ...over,
  }, run, (event, ...args) => { events.push({ event, args }); });
  run.phase = 'running';
  return { c, run, clock, net: network, log, events };
}
