/**
 * The node under test: one Peerbook `PeerManager` in its own process, listening on one loopback
 * address, completing the version handshake with every peer the load generator sends — and dialing
 * nothing. Automatic outbound is off (`connect: ['0']`, Core `-connect=0`), DNS and fixed seeds are
 * off, and the transport refuses every dial outright, so even a bug could not reach past this machine.
 *
 * Connection limit: Core's inbound policy admits peers while inbound < maxInbound, where maxInbound =
 * maxConnections − (8 full-relay + 2 block-relay-only + 1 feeler) automatic outbound slots; past it,
 * every newcomer triggers `SelectNodeToEvict` (and is refused when every peer is protected). The bench
 * passes `--max-inbound N` and this process sets `maxConnections = N + 11`, so exactly N inbound peers
 * fit and the (N+1)th starts eviction.
 *
 *   node --expose-gc dist/bench/scale/peerbook-server.js --bind 127.0.0.1 --max-inbound 5000
 */
import { pathToFileURL } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import type { NetService } from '../../src/address/service.js';
import { PeerManager } from '../../src/connman/manager.js';
import { slotBudget } from '../../src/connman/policy/outbound.js';
import { SystemClock } from '../../src/util/clock.js';
import { ConnectError, type Connection, type Listener, type Transport } from '../../src/transport/transport.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import { REGTEST } from '../../src/wire/params.js';
import { BenchArgsError } from './args.js';
import { ProcessMonitor } from './monitor.js';
import { serveRpc } from './rpc.js';

/** Listens over TCP; refuses every dial (the bench must never connect anywhere). */
class ListenOnlyTransport implements Transport {
  private readonly tcp: TcpTransport;

  constructor(clock: SystemClock) {
    this.tcp = new TcpTransport(clock);
  }

  connect(target: NetService): Promise<Connection> {
    return Promise.reject(new ConnectError('ERR_CONNECT_UNREACHABLE', `bench server does not dial (asked for ${target})`));
  }

  listen(bind: NetService, onConnection: (conn: Connection) => void): Promise<Listener> {
    return this.tcp.listen(bind, onConnection);
  }
}

/** maxConnections that gives exactly `maxInbound` inbound slots under Core's slot budget. */
export function maxConnectionsForInbound(maxInbound: number): number {
  const automaticOutbound = slotBudget(maxInbound).maxAutomaticOutbound;
  return maxInbound + automaticOutbound;
}

function parseServerArgs(argv: readonly string[]): { bind: string; maxInbound: number } {
  let bind = '127.0.0.1';
  let maxInbound = 125;
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--bind' && v) bind = v;
    else if (k === '--max-inbound' && v && Number.isInteger(Number(v)) && Number(v) > 0) maxInbound = Number(v);
    else throw new BenchArgsError(`peerbook-server: unknown or bad option ${k} ${v ?? ''}`);
  }
  return { bind, maxInbound };
}

async function main(): Promise<void> {
  const { bind, maxInbound } = parseServerArgs(process.argv.slice(2));
  const monitor = new ProcessMonitor();
  const baseline = monitor.memory(true);
  const clock = new SystemClock();
  const manager = new PeerManager({
    network: REGTEST, clock, transport: new ListenOnlyTransport(clock), bind: [`${bind}:0`], listen: true,
    connect: ['0'], dnsSeed: false, fixedSeeds: false, maxConnections: maxConnectionsForInbound(maxInbound),
  });
  let connectEvents = 0;
  let disconnectEvents = 0;
  manager.on('peer:connect', () => { connectEvents++; });
  manager.on('peer:disconnect', () => { disconnectEvents++; });
  await manager.start();
  const afterStart = monitor.memory(true);
  serveRpc({
    info: () => ({
      port: manager.listenAddresses[0].port, pid: process.pid, maxConnections: manager.budget.maxConnections, maxInbound: manager.budget.maxInbound,
      memoryBaseline: baseline, memoryAfterStart: afterStart,
    }),
    status: () => ({
      inbound: manager.nodeCount('in'), inboundReady: manager.nodeCount('in', undefined, true), connectEvents, disconnectEvents,
      evictions: manager.counters.inboundEvictions, rejected: manager.counters.inboundRejected, handshakeFailures: manager.counters.handshakeFailures,
      cpuMs: monitor.cpuMs(),
    }),
    memory: (a: { collect: boolean }) => monitor.memory(a.collect),
    heapSnapshot: (a: { file: string }) => writeHeapSnapshot(a.file),
    lagStart: () => monitor.lagStart(),
    lagRead: () => monitor.lagRead(),
    stop: async () => {
      await manager.stop();
      setImmediate(() => process.exit(0));
      return true;
    },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
