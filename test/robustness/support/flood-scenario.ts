/**
 * Runs INSIDE a loopback-only network namespace (started by flood.test.ts through
 * test/support/netns.ts; it refuses to run anywhere else). Starts a real Peerbook daemon in a child
 * process (flood-daemon.ts: default maxconnections 125, so at most 114 inbound), then floods it:
 *
 * - a connection flood: `connections` TCP connections from the namespace's attacker addresses (one /16
 *   each), at most CONNECT_CONCURRENCY opening at a time, each either completing the version handshake,
 *   staying silent, or sending junk; every connection stays open until the daemon closes it or the flood
 *   ends;
 * - an addr flood: `addrFlooders` of the handshaken connections send an `addr` with 1,000 fresh routable
 *   addresses every ADDR_INTERVAL_MS;
 * - throughout, a JSON-RPC client calls getnetworkinfo every RPC_INTERVAL_MS on a new connection with
 *   the cookie, timing each answer, and the daemon is sampled every SAMPLE_INTERVAL_MS.
 *
 * Then every attacker connection is closed, the daemon is left to settle (9 s; longer only for sockets
 * still open then, up to LATE_CLOSE_BOUND_MS after each one's accept), and its file descriptors,
 * active handles and timers are compared with the figures from before the flood. Prints one JSON object
 * (FloodResults) on stdout.
 *
 *   node flood-scenario.js <work dir> <connections> <seconds> <addr flooders> <attacker ip>…
 */
import { execFileSync, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { NetAddress } from '../../../src/address/netaddress.js';
import { NetService } from '../../../src/address/service.js';
import { TICK_INTERVAL_MS } from '../../../src/connman/manager.js';
import { DEFAULT_PEER_CONNECT_TIMEOUT_MS } from '../../../src/peer/types.js';
import { encodeMessageFrame, type Message } from '../../../src/wire/messages.js';
import { REGTEST } from '../../../src/wire/params.js';
import { PROTOCOL_VERSION, zeroVersionAddress } from '../../../src/wire/version.js';
import { FuzzRng } from '../../fuzz/rng.js';
import { assertIsolatedNetwork } from '../../support/netns.js';
import type { DaemonSample, LeftoverPeer } from './flood-daemon.js';

/** Ports inside the namespace (nothing else listens there). */
const P2P_PORT = 18444;
const RPC_PORT = 18443;
/** Connections being opened at once. */
const CONNECT_CONCURRENCY = 128;
/** One addr message per flooder this often, ms. */
const ADDR_INTERVAL_MS = 200;
const RPC_INTERVAL_MS = 100;
const SAMPLE_INTERVAL_MS = 250;
/** An RPC call that takes longer than this counts as failed, ms. */
const RPC_TIMEOUT_MS = 5_000;
/**
 * Longest an inbound peer may stay registered after the daemon accepted it when its attacker has gone,
 * ms: the daemon's peer connect timeout (Core DEFAULT_PEER_CONNECT_TIMEOUT, 60 s: "socket no message in
 * first 60 seconds") plus its tick (connman TICK_INTERVAL_MS, 0.5 s) plus 2.5 s for a loaded machine.
 * Needed because of what a CPU-starved daemon's full listen queue does (docs/security.md, Floods): the
 * kernel drops a client's handshake ACK and its first bytes while the queue is full, the client
 * retransmits with exponential backoff (its RTO reached 26 s in the reproduction) and closes (FIN
 * queued behind the unacknowledged bytes); when the queue drains the kernel completes the connection
 * from a retransmitted SYN-ACK and the daemon accepts a socket that has received nothing and will
 * receive the bytes and the FIN only at the client's next retransmission — or never, if the orphaned
 * client socket runs out of retries first. The peer connect timeout ends it either way.
 */
const LATE_CLOSE_BOUND_MS = DEFAULT_PEER_CONNECT_TIMEOUT_MS + TICK_INTERVAL_MS + 2_500;
/** After the flood, how long the daemon gets to close everything, ms. */
const SETTLE_MS = 6_000;

/** What the scenario prints. */
export interface FloodResults {
  connections: number;
  seconds: number;
  /** Connections opened, handshakes sent, and how many the daemon closed during the flood. */
  opened: number;
  refusedOrFailed: number;
  closedByDaemon: number;
  addrMessagesSent: number;
  addressesSent: number;
  rpc: { calls: number; failed: number; maxMs: number; p99Ms: number; maxConnectionsIn: number; errors: string[] };
  before: DaemonSample;
  peak: { rssBytes: number; fds: number; inbound: number; maxInbound: number };
  after: DaemonSample;
  samples: number;
  /** Attempts the attacker's own 10 s idle timer ended before they connected. */
  gaveUpConnecting: number;
  /**
   * Inbound peers still registered after the settle window (late closes, see LATE_CLOSE_BOUND_MS): what
   * they were at that moment, the sockets' kernel state (`ss`), and how long after that the last one went
   * (undefined: not within the bound).
   */
  leftover?: { peers: LeftoverPeer[]; sockets: string; goneAfterMs: number | undefined };
}

const frame = (m: Message): Uint8Array => encodeMessageFrame(REGTEST.magic, m);

function versionFrame(rng: FuzzRng): Uint8Array {
  return frame({
    type: 'version', version: PROTOCOL_VERSION, services: 9n, timestamp: BigInt(Math.floor(Date.now() / 1000)),
    addrRecv: zeroVersionAddress(), addrFrom: zeroVersionAddress(), nonce: BigInt(rng.u32()) * 0x1_0000_0000n + BigInt(rng.u32()) + 1n,
    userAgent: '/flood:0.1/', startHeight: 0, relay: true,
  });
}

/** An addr message of 1,000 fresh, routable, distinct IPv4 addresses. */
function addrFrame(rng: FuzzRng): Uint8Array {
  const now = Math.floor(Date.now() / 1000);
  const addresses = Array.from({ length: 1000 }, () => ({
    service: new NetService(NetAddress.ipv4(Uint8Array.of(1 + rng.below(200), rng.below(256), rng.below(256), 1 + rng.below(254))), 8333),
    services: 9n, time: now - rng.below(600),
  }));
  return frame({ type: 'addr', addresses });
}

function rpcCall(cookie: string, body: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: RPC_PORT, method: 'POST', path: '/', agent: false, timeout: RPC_TIMEOUT_MS,
      headers: { Authorization: `Basic ${Buffer.from(cookie).toString('base64')}`, 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${RPC_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  assertIsolatedNetwork();
  const [workDir, connectionsArg, secondsArg, floodersArg, ...ips] = process.argv.slice(2);
  const connections = Number(connectionsArg);
  const seconds = Number(secondsArg);
  const addrFlooders = Number(floodersArg);
  const rng = new FuzzRng(`flood-${connections}`);

  const daemonScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'flood-daemon.js');
  const daemon = fork(daemonScript, [workDir, String(P2P_PORT), String(RPC_PORT)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters: Array<(m: any) => void> = [];
  daemon.on('message', (m) => waiters.shift()?.(m));
  const next = (): Promise<any> => new Promise((resolve) => waiters.push(resolve));
  const ready = (await next()) as { cookie: string };
  const sampleDaemon = async (): Promise<DaemonSample> => {
    const p = next();
    daemon.send('sample');
    return p as Promise<DaemonSample>;
  };
  const leftoverPeers = async (): Promise<LeftoverPeer[]> => {
    const p = next();
    daemon.send('peers');
    return p as Promise<LeftoverPeer[]>;
  };
  const cookie = (await readFile(ready.cookie, 'utf8')).trim();
  await sleep(2_000);
  const before = await sampleDaemon();

  // Diagnostics: PEERBOOK_FLOOD_CPU_PERCENT=p lets the daemon run only p % of the time (SIGSTOP and
  // SIGCONT in 150 ms periods) from here to the end — a daemon starved of CPU as at load ≈ 15, without
  // burning CPU to make it so.
  const cpuPercent = Number(process.env.PEERBOOK_FLOOD_CPU_PERCENT ?? 100);
  let throttling = cpuPercent < 100;
  const throttle = (async () => {
    while (throttling) {
      daemon.kill('SIGSTOP');
      await sleep(150 * (1 - cpuPercent / 100));
      daemon.kill('SIGCONT');
      await sleep(150 * (cpuPercent / 100));
    }
  })();

  // RPC latency throughout.
  const latencies: number[] = [];
  const rpcErrors: string[] = [];
  let maxConnectionsIn = 0;
  let rpcRunning = true;
  const rpcLoop = (async () => {
    while (rpcRunning) {
      const start = performance.now();
      try {
        const r = await rpcCall(cookie, '{"jsonrpc":"2.0","method":"getnetworkinfo","id":1}');
        if (r.status !== 200 || r.json.error) throw new Error(`HTTP ${r.status} ${JSON.stringify(r.json.error)}`);
        maxConnectionsIn = Math.max(maxConnectionsIn, r.json.result.connections_in);
        latencies.push(performance.now() - start);
      } catch (e) {
        rpcErrors.push((e as Error).message);
        latencies.push(performance.now() - start);
      }
      await sleep(RPC_INTERVAL_MS);
    }
  })();

  // Daemon samples throughout.
  let peak = { rssBytes: before.rssBytes, fds: before.fds, inbound: 0, maxInbound: 0 };
  let samples = 0;
  let sampling = true;
  const sampleLoop = (async () => {
    while (sampling) {
      const s = await sampleDaemon();
      samples++;
      peak = { rssBytes: Math.max(peak.rssBytes, s.rssBytes), fds: Math.max(peak.fds, s.fds), inbound: Math.max(peak.inbound, s.inbound), maxInbound: s.maxInbound };
      await sleep(SAMPLE_INTERVAL_MS);
    }
  })();

  // The connection flood, spread over `seconds`.
  const sockets = new Set<net.Socket>();
  let opened = 0;
  let failed = 0;
  let closedByDaemon = 0;
  let addrMessagesSent = 0;
  let flooding = true;
  const addrFrames = Array.from({ length: 8 }, () => addrFrame(rng));
  const handshake = [frame({ type: 'wtxidrelay' }), frame({ type: 'sendaddrv2' }), frame({ type: 'verack' })];
  const deadline = performance.now() + seconds * 1000;
  const perConnectionMs = (seconds * 1000) / connections;
  let floodersStarted = 0;
  let gaveUpConnecting = 0;
  const openOne = (i: number): Promise<void> => new Promise((resolve) => {
    const localAddress = ips[i % ips.length];
    const socket = net.connect({ host: '127.0.0.1', port: P2P_PORT, localAddress });
    let idleClosed = false;
    let timer: NodeJS.Timeout | undefined;
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      opened++;
      sockets.add(socket);
      const mode = i % 10;
      if (mode < 7) {
        socket.write(versionFrame(rng));
        for (const f of handshake) socket.write(f);
        if (mode === 0 && floodersStarted < addrFlooders) {
          floodersStarted++;
          timer = setInterval(() => {
            if (!socket.destroyed) {
              socket.write(addrFrames[addrMessagesSent % addrFrames.length]);
              addrMessagesSent++;
            }
          }, ADDR_INTERVAL_MS);
        }
      } else if (mode === 9) {
        socket.write(rng.bytes(64));
      } // modes 7 and 8: silent
      resolve();
    });
    socket.once('close', () => {
      clearInterval(timer);
      if (!idleClosed && flooding && sockets.has(socket)) closedByDaemon++;
      sockets.delete(socket);
      if (!socket.connecting) resolve();
    });
    socket.once('error', () => {
      if (!connected) failed++; // refused or failed before connecting; later errors are resets by the daemon
      resolve();
    });
    socket.setTimeout(10_000, () => {
      idleClosed = true;
      if (!connected) gaveUpConnecting++;
      socket.destroy();
    });
  });
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < connections; i++) {
    while (inFlight.size >= CONNECT_CONCURRENCY) await Promise.race(inFlight);
    const p = openOne(i).finally(() => inFlight.delete(p));
    inFlight.add(p);
    const due = deadline - seconds * 1000 + (i + 1) * perConnectionMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(inFlight);
  const remaining = deadline - performance.now();
  if (remaining > 0) await sleep(remaining);
  flooding = false;
  for (const s of sockets) s.destroy();

  // Settle, then compare with before.
  const settleUntil = performance.now() + SETTLE_MS;
  let settled: DaemonSample;
  for (;;) {
    settled = await sampleDaemon();
    if (settled.inbound === 0 && performance.now() > settleUntil - SETTLE_MS / 2) break;
    if (performance.now() > settleUntil) break;
    await sleep(250);
  }
  // Late closes (see LATE_CLOSE_BOUND_MS): inbound sockets the daemon accepted from an overflowing listen
  // queue hold nothing until the attacker's backed-off retransmission arrives; the daemon's peer connect
  // timeout closes them at the latest. Wait for that bound, counted from each one's accept, no longer.
  let leftover: FloodResults['leftover'];
  if (settled.inbound > 0) {
    const peers = await leftoverPeers();
    let sockets = '';
    try {
      // Both ends of the connections still in progress (TIME-WAIT left out), whitespace squeezed.
      sockets = execFileSync('ss', ['-tanoi', 'state', 'established', 'state', 'fin-wait-1', 'state', 'syn-recv', 'state', 'close-wait',
        `( sport = :${P2P_PORT} or dport = :${P2P_PORT} )`], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ').trim();
    } catch (e) {
      sockets = `ss failed: ${(e as Error).message}`;
    }
    const start = performance.now();
    let goneAfterMs: number | undefined;
    let waitUntil = start + Math.max(0, ...peers.map((p) => LATE_CLOSE_BOUND_MS - p.ageMs));
    while (performance.now() < waitUntil) {
      const now = await leftoverPeers();
      if (now.length === 0) {
        goneAfterMs = performance.now() - start;
        break;
      }
      // A socket accepted during this wait (the kernel's last SYN-ACK retransmissions) gets its own bound.
      waitUntil = Math.max(waitUntil, performance.now() + Math.max(0, ...now.map((p) => LATE_CLOSE_BOUND_MS - p.ageMs)));
      await sleep(250);
    }
    leftover = { peers, sockets, goneAfterMs };
  }
  await sleep(SETTLE_MS / 2);
  rpcRunning = false;
  await rpcLoop;
  sampling = false;
  await sampleLoop;
  await sleep(500); // the RPC client's last connection closes
  const after = await sampleDaemon();
  throttling = false;
  await throttle;
  const stopped = next();
  daemon.send('stop');
  await stopped;

  const sorted = [...latencies].sort((a, b) => a - b);
  const results: FloodResults = {
    connections, seconds, opened, refusedOrFailed: failed, closedByDaemon, addrMessagesSent, addressesSent: addrMessagesSent * 1000,
    rpc: { calls: latencies.length, failed: rpcErrors.length, maxMs: sorted.at(-1) ?? 0, p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
      maxConnectionsIn, errors: rpcErrors.slice(0, 5) },
    before, peak, after, samples, gaveUpConnecting, leftover,
  };
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
