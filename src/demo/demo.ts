/**
 * `npm run demo`: a small Peerbook network on this machine, for a newcomer without internet.
 *
 * Twelve nodes listen on real loopback TCP ports. Each has a routable-looking "plan" address
 * (250.1.0.1 … 250.12.0.1: class E, which Core treats as routable but which no internet host uses, one
 * /16 each so the one-outbound-per-netgroup rule does not stop them meeting) mapped onto its port by
 * `LoopbackMapTransport`, because Core's rules never gossip 127.0.0.1. Node 1 is the seed: it knows every plan address (like a DNS seed would). The other
 * nodes start with empty tables and `-seednode` pointing at it; through addr-fetch connections, getaddr
 * answers and relayed self-announcements they learn about each other and fill their outbound slots. With
 * `litecoind` installed, a regtest litecoind joins too (the seed node dials it). Node 1's dashboard is
 * served on 127.0.0.1, and a status table is printed every few seconds. Nothing dials outside the
 * machine: the transport refuses every address outside the plan except loopback.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import { PeerManager } from '../connman/manager.js';
import { createDashboardHandler } from '../dashboard/handler.js';
import { startOperatorHttpServer } from '../dashboard/server.js';
import { createMetrics } from '../metrics/metrics.js';
import { LoopbackMapTransport } from '../transport/loopback-map.js';
import { TcpTransport } from '../transport/tcp.js';
import { SystemClock, type Clock } from '../util/clock.js';
import { ChaChaRandom } from '../util/random.js';
import { REGTEST } from '../wire/params.js';
import { NODE_NETWORK, NODE_WITNESS } from '../wire/services.js';

const run = promisify(execFile);

/** Nodes in the demo network. */
export const DEMO_NODES = 12;
/** How often the status table is printed, ms. */
export const DEMO_STATUS_INTERVAL_MS = 5_000;

/** Options of `runDemo`. */
export interface DemoOptions {
  /** Stop after this many seconds (default: run until aborted). */
  durationS?: number;
  /** Port for node 1's dashboard (default: any free port). */
  dashboardPort?: number;
  /** Include litecoind if it is installed (default true). */
  litecoind?: boolean;
  /** Where status lines go. */
  print: (line: string) => void;
  /** Stops the demo early (Ctrl-C). */
  signal?: AbortSignal;
  /** Time source (default: the system clock). */
  clock?: Clock;
}

/** What a demo run reports at the end. */
export interface DemoResult {
  /** Per node: plan address, outbound and inbound peer counts, addresses known. */
  nodes: Array<{ address: string; outbound: number; inbound: number; known: number }>;
  /** Whether a litecoind took part. */
  litecoind: boolean;
  /** Whether the seed node was connected to it (by its user agent) at the end. */
  litecoindConnected: boolean;
  /** Node 1's dashboard URL. */
  dashboardUrl: string;
}

async function freeLoopbackPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function hasCommand(cmd: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Debian's real litecoind. /usr/bin/litecoind is a wrapper script that first writes
 * ~/.litecoin/litecoin.conf (a random rpcpassword that then breaks `litecoin-cli -rpccookiefile=…`), so
 * the demo runs the binary behind it when it is there, and gives every child its own HOME anyway.
 */
export const DEBIAN_REAL_LITECOIND = '/usr/lib/litecoin/litecoind';

/** A regtest litecoind on loopback that never dials out; undefined when not installed. */
async function startLitecoind(dir: string): Promise<{ port: number; stop(): Promise<void> } | undefined> {
  if (!(await hasCommand('litecoind')) || !(await hasCommand('litecoin-cli'))) return undefined;
  const daemon = existsSync(DEBIAN_REAL_LITECOIND) ? DEBIAN_REAL_LITECOIND : 'litecoind';
  const env = { ...process.env, HOME: dir };
  await mkdir(dir, { recursive: true });
  const [port, rpcport, onion] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
  const args = [`-regtest`, `-datadir=${dir}`, `-bind=127.0.0.1:${port}`, `-bind=127.0.0.1:${onion}=onion`, `-port=${port}`, '-connect=0', '-dnsseed=0',
    '-discover=0', '-upnp=0', '-listenonion=0', '-server=1', '-rpcbind=127.0.0.1', '-rpcallowip=127.0.0.1', `-rpcport=${rpcport}`,
    '-disablewallet', '-printtoconsole=0'];
  const child = spawn(daemon, args, { stdio: 'ignore', env });
  const cli = (...a: string[]) => run('litecoin-cli', [`-regtest`, `-datadir=${dir}`, `-rpcport=${rpcport}`, ...a], { env });
  for (let i = 0; i < 100; i++) {
    try {
      await cli('getnetworkinfo');
      return {
        port,
        stop: async () => {
          await cli('stop').catch(() => undefined);
          await new Promise<void>((resolve) => { if (child.exitCode !== null) resolve(); else child.once('exit', () => resolve()); });
        },
      };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGKILL');
  return undefined;
}

/** Runs the demo network until the duration ends or `signal` aborts. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const clock = options.clock ?? new SystemClock();
  const dir = await mkdtemp(path.join(tmpdir(), 'peerbook-demo-'));
  const nodes: PeerManager[] = [];
  let litecoind: Awaited<ReturnType<typeof startLitecoind>>;
  let http: Awaited<ReturnType<typeof startOperatorHttpServer>> | undefined;
  let final: DemoResult['nodes'] = [];
  let ltcAtEnd = false;
  // Whatever fails on the way, everything started so far is stopped and the temporary directory removed.
  try {
    const plan = new Map<string, NetService>();
    const planAddresses: NetService[] = [];
    for (let i = 1; i <= DEMO_NODES; i++) {
      const service = new NetService(NetAddress.parse(`250.${i}.0.1`), REGTEST.defaultPort);
      planAddresses.push(service);
      plan.set(service.key, new NetService(NetAddress.parse('127.0.0.1'), await freeLoopbackPort()));
    }
    const seed = planAddresses[0];
    nodes.push(...planAddresses.map((self, i) => new PeerManager({
      network: REGTEST,
      clock,
      random: ChaChaRandom.fromSeed(`demo-${i}`),
      transport: new LoopbackMapTransport(new TcpTransport(clock), plan, self),
      bind: [self.toString()],
      services: NODE_NETWORK | NODE_WITNESS,
      userAgent: `/Peerbook:0.1.0(demo-node-${i + 1})/`,
      dnsSeed: false,
      fixedSeeds: false,
      seedNode: i === 0 ? [] : [seed.toString()],
    })));
    // The seed knows the whole plan, as a DNS seed would.
    nodes[0].addrman.add(planAddresses.slice(1).map((service) => ({ service, services: NODE_NETWORK | NODE_WITNESS, time: clock.nowSeconds() })),
      NetAddress.internal('demo-seed'));
    for (const n of nodes) n.setInitialSyncComplete();
    litecoind = options.litecoind === false ? undefined : await startLitecoind(path.join(dir, 'litecoind'));
    for (const n of nodes) await n.start();
    if (litecoind) nodes[0].addNode(`127.0.0.1:${litecoind.port}`);
    const dashboard = createDashboardHandler(nodes[0], { clock });
    http = await startOperatorHttpServer({ host: '127.0.0.1', port: options.dashboardPort ?? 0, dashboard, metrics: createMetrics(nodes[0]) });
    options.print(`Demo network: ${DEMO_NODES} Peerbook nodes on loopback (plan addresses 250.1.0.1-250.${DEMO_NODES}.0.1 mapped to 127.0.0.1 ports)` +
      `${litecoind ? ', plus litecoind (regtest)' : ' (install litecoind to add a Litecoin Core node)'}.`);
    options.print(`Node 1 (the seed) dashboard: ${http.url}/   metrics: ${http.url}/metrics`);
    const snapshot = (): DemoResult['nodes'] => nodes.map((n, i) => ({
      address: planAddresses[i].toString(), outbound: n.nodeCount('out'), inbound: n.nodeCount('in'), known: n.addrman.size(),
    }));
    const litecoindConnected = (): boolean => nodes[0].peers().some((p) => p.isReady && /LitecoinCore/.test(p.remote?.userAgent ?? ''));
    const printStatus = (): void => {
      const rows = snapshot();
      options.print(`${new Date(clock.now()).toISOString().slice(11, 19)}  ` +
        rows.map((r, i) => `n${i + 1}:${r.outbound}/${r.inbound}/${r.known}`).join('  ') + '   (out/in/known)' +
        (litecoind ? `  litecoind: ${litecoindConnected() ? 'connected to n1' : 'not connected'}` : ''));
    };
    const started = clock.now();
    while (!options.signal?.aborted && (options.durationS === undefined || clock.now() - started < options.durationS * 1000)) {
      await clock.sleep(DEMO_STATUS_INTERVAL_MS, options.signal).catch(() => undefined);
      printStatus();
    }
    final = snapshot();
    ltcAtEnd = litecoindConnected();
  } finally {
    await http?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await litecoind?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { nodes: final, litecoind: litecoind !== undefined, litecoindConnected: ltcAtEnd, dashboardUrl: `${http!.url}/` };
}
