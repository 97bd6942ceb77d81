/**
 * The daemon of the flood test, in its own process: the same `Daemon` that `peerbook run` starts (real
 * TCP listener, real JSON-RPC server, system clock, logs to its data directory), plus an IPC channel
 * through which the test asks for what it can only see from inside — the process's RSS, open file
 * descriptors and active handles and timers (`process.getActiveResourcesInfo()`), the inbound count (and
 * its maximum, sampled every 5 ms so a brief overshoot of the limit would be seen), the address table's
 * size and the addr rate-limit counters.
 *
 *   node flood-daemon.js <datadir> <p2p port> <rpc port> [name=value…]   (started in a netns by
 *   flood-scenario.ts and abandon-scenario.ts; the name=value pairs are further daemon settings)
 *
 * Messages: parent → 'sample' | 'peers' | 'stop'; child → { ready, cookie } once started, a Sample per
 * 'sample', the registered inbound peers (LeftoverPeer[]) per 'peers',
 * { stopped: true } before exiting.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Daemon } from '../../../src/daemon/daemon.js';

/** What the daemon process reports about itself. */
export interface DaemonSample {
  rssBytes: number;
  heapUsedBytes: number;
  fds: number;
  /** Active resources by type (Timeout, TCPSocketWrap, TCPServerWrap, FSReqCallback, …). */
  resources: Record<string, number>;
  inbound: number;
  /** Highest inbound count since start (sampled every INBOUND_SAMPLE_MS). */
  maxInbound: number;
  addrmanSize: number;
  addrProcessed: number;
  addrRateLimited: number;
  inboundEvictions: number;
  inboundRejectedFull: number;
}

/** How often the inbound count is sampled for its maximum, ms. */
const INBOUND_SAMPLE_MS = 5;

const [datadir, p2pPort, rpcPort, ...extraFlags] = process.argv.slice(2);
const flag = (value: string): Array<{ value: string; origin: string }> => [{ value, origin: 'flood-daemon' }];
const daemon = await Daemon.create({
  datadir,
  network: 'regtest',
  flags: new Map([
    ['listen', flag('1')], ['bind', flag(`127.0.0.1:${p2pPort}`)], ['connect', flag('0')], ['dnsseed', flag('0')], ['fixedseeds', flag('0')],
    ['server', flag('1')], ['rpcport', flag(rpcPort)], ['metricsbind', flag('0')], ['printtoconsole', flag('0')],
    // PEERBOOK_FLOOD_DEBUG=1: debug lines (each peer's disconnect reason) in the data directory's log.
    ...(process.env.PEERBOOK_FLOOD_DEBUG === '1' ? [['debug', flag('1')] as const] : []),
    // Further `name=value` arguments (e.g. `peertimeout=3` for abandoned-connection.test.ts).
    ...extraFlags.map((f) => [f.slice(0, f.indexOf('=')), flag(f.slice(f.indexOf('=') + 1))] as const),
  ]),
});
await daemon.start();

let maxInbound = 0;
const sampler = setInterval(() => { maxInbound = Math.max(maxInbound, daemon.manager.nodeCount('in')); }, INBOUND_SAMPLE_MS);

function sample(): DaemonSample {
  const resources: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
  const m = daemon.manager;
  return {
    rssBytes: process.memoryUsage().rss,
    heapUsedBytes: process.memoryUsage().heapUsed,
    fds: readdirSync('/proc/self/fd').length,
    resources,
    inbound: m.nodeCount('in'),
    maxInbound: Math.max(maxInbound, m.nodeCount('in')),
    addrmanSize: m.addrman.size(),
    addrProcessed: m.counters.addrProcessed,
    addrRateLimited: m.counters.addrRateLimited,
    inboundEvictions: m.counters.inboundEvictions,
    inboundRejectedFull: m.counters.inboundRejected.full,
  };
}

/** What the daemon knows of each inbound peer still registered (for explaining a leftover). */
export interface LeftoverPeer {
  id: number;
  addr: string;
  ageMs: number;
  bytesRecv: number;
  bytesSent: number;
  lastRecvAgoMs: number | undefined;
  ready: boolean;
  transport: string;
  receivePaused: boolean;
  sendPaused: boolean;
  disconnecting: boolean;
}

function leftovers(): LeftoverPeer[] {
  const now = Date.now();
  return daemon.manager.peers().filter((p) => p.inbound).map((p) => {
    const s = p.stats();
    return {
      id: p.id, addr: p.addr.toString(), ageMs: now - s.connectedAt, bytesRecv: s.bytesRecv, bytesSent: s.bytesSent,
      lastRecvAgoMs: s.lastRecv === 0 ? undefined : now - s.lastRecv, ready: s.successfullyConnected, transport: s.transportType,
      receivePaused: p.isReceivePaused, sendPaused: p.isSendPaused, disconnecting: p.isDisconnecting,
    };
  });
}

process.on('message', (message) => {
  if (message === 'sample') process.send?.(sample());
  if (message === 'peers') process.send?.(leftovers());
  if (message === 'stop') {
    clearInterval(sampler);
    void daemon.stop().then(() => {
      process.send?.({ stopped: true }, () => process.exit(0));
    });
  }
});
process.send?.({ ready: true, cookie: path.join(daemon.netDir, '.cookie') });
