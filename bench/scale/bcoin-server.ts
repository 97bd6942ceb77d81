/**
 * The comparison node: bcoin's `Pool` (lib/net/pool.js of npm bcoin 1.0.2, a dev dependency used only
 * by the benches) in its own process, under the same load generator and the same RPC commands as
 * peerbook-server.ts. It listens on one loopback address with `maxInbound` = the bench's last step,
 * on an in-memory regtest chain, and dials nothing: no seeds, no UPnP, a public host given (so it
 * never asks a web service for its address), and — as in bench/bcoin.ts — outgoing sockets, DNS and
 * UDP are patched to throw before bcoin is loaded. bcoin runs with NODE_BACKEND=js (its native
 * modules do not build on Node 20), so its SHA-256 for message checksums is JavaScript.
 *
 * What differs by design: bcoin has no inbound eviction — at `maxInbound` it drops newcomers — and it
 * gives every peer its own interval timers (stall check, ping, inv flush). Its default maxInbound is 8.
 *
 *   node --expose-gc dist/bench/scale/bcoin-server.js --bind 127.0.0.1 --max-inbound 5000
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { BenchArgsError } from './args.js';
import { ProcessMonitor } from './monitor.js';
import { serveRpc } from './rpc.js';

const require = createRequire(import.meta.url);

interface BcoinPeer {
  handshake: boolean;
  outbound: boolean;
}
interface BcoinPool {
  peers: { map: Map<string, BcoinPeer>; inbound: number };
  on(event: string, fn: (...args: unknown[]) => void): void;
  open(): Promise<void>;
  connect(): Promise<void>;
  close(): Promise<void>;
}
interface BcoinChain {
  open(): Promise<void>;
  close(): Promise<void>;
}

/** Makes outgoing connections, DNS and UDP throw in this process (accepted sockets are unaffected). */
function forbidOutbound(): void {
  const refuse = (what: string) => (): never => {
    throw new Error(`bcoin scale server: ${what} attempted; the bench must not dial`);
  };
  const netModule = require('node:net') as Record<string, unknown> & { Socket: { prototype: Record<string, unknown> } };
  netModule.Socket.prototype.connect = refuse('net.Socket.connect');
  netModule.connect = refuse('net.connect');
  netModule.createConnection = refuse('net.createConnection');
  const dns = require('node:dns') as Record<string, unknown> & { promises: Record<string, unknown> };
  // net.Server.listen(port, host) looks the host up even when it is an address literal: let literals through.
  const lookup = dns.lookup as (host: string, ...rest: unknown[]) => unknown;
  dns.lookup = (host: string, ...rest: unknown[]): unknown => {
    if (net.isIP(host) === 0) throw new Error(`bcoin scale server: dns.lookup(${host}) attempted; the bench must not resolve names`);
    return lookup(host, ...rest);
  };
  for (const name of ['lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveSrv', 'resolveTxt', 'reverse']) {
    dns[name] = refuse(`dns.${name}`);
    dns.promises[name] = refuse(`dns.promises.${name}`);
  }
  const dgram = require('node:dgram') as Record<string, unknown>;
  dgram.createSocket = refuse('dgram.createSocket');
}

/** A free TCP port on `host` (bcoin's host list refuses port 0). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let bind = '127.0.0.1';
  let maxInbound = 8;
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--bind' && argv[i + 1]) bind = argv[i + 1];
    else if (argv[i] === '--max-inbound' && Number.isInteger(Number(argv[i + 1]))) maxInbound = Number(argv[i + 1]);
    else throw new BenchArgsError(`bcoin-server: unknown or bad option ${argv[i]} ${argv[i + 1] ?? ''}`);
  }
  const port = await freePort(bind);
  process.env.NODE_BACKEND = 'js';
  forbidOutbound();
  const monitor = new ProcessMonitor();
  const baseline = monitor.memory(true);
  const bcoinRequire = createRequire(require.resolve('bcoin/package.json'));
  const version = (bcoinRequire('./package.json') as { version: string }).version;
  const bcoin = bcoinRequire('./lib/bcoin') as {
    Chain: new (o: object) => BcoinChain;
    Pool: new (o: object) => BcoinPool;
  };
  const chain = new bcoin.Chain({ network: 'regtest', memory: true });
  await chain.open();
  const pool = new bcoin.Pool({
    network: 'regtest', chain, listen: true, host: bind, port, publicHost: bind, publicPort: port, maxInbound, maxOutbound: 1,
    seeds: [], nodes: [], discover: false, upnp: false,
  });
  pool.on('error', () => { /* per-peer errors (a peer closing mid-handshake) are expected under churn */ });
  await pool.open();
  await pool.connect();
  const afterStart = monitor.memory(true);
  let ready = 0;
  const status = () => {
    ready = 0;
    for (const p of pool.peers.map.values()) if (!p.outbound && p.handshake) ready++;
    return {
      inbound: pool.peers.inbound, inboundReady: ready, connectEvents: 0, disconnectEvents: 0, evictions: 0,
      rejected: null, handshakeFailures: 0, cpuMs: monitor.cpuMs(),
    };
  };
  serveRpc({
    info: () => ({
      port, pid: process.pid, maxConnections: null, maxInbound, memoryBaseline: baseline, memoryAfterStart: afterStart,
      description: `bcoin ${version} Pool (NODE_BACKEND=js), maxInbound ${maxInbound}, no eviction`,
    }),
    status,
    memory: (a: { collect: boolean }) => monitor.memory(a.collect),
    lagStart: () => monitor.lagStart(),
    lagRead: () => monitor.lagRead(),
    stop: async () => {
      await pool.close();
      await chain.close();
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
