/**
 * Real-socket helpers for the authenticated transport: a pair of nodes on loopback TCP, a recording and
 * tampering TCP proxy (the "wire"), and raw sockets from a chosen loopback source address.
 */
import net from 'node:net';
import { NetService } from '../../../src/address/service.js';
import { serviceFromSocket, TcpTransport } from '../../../src/transport/tcp.js';
import { StreamConnection, type Connection, type Listener } from '../../../src/transport/transport.js';
import { AuthenticatedTransport, type AuthenticatedListenOptions } from '../../../src/transport/secure/authenticated/transport.js';
import type { Identity } from '../../../src/transport/secure/authenticated/identity.js';
import type { SecureConnection } from '../../../src/transport/secure/authenticated/secure-connection.js';
import type { Clock } from '../../../src/util/clock.js';
import { ChaChaRandom } from '../../../src/util/random.js';
import { NAMESPACE } from './helpers.js';

/** One node: an authenticated transport over TCP with a listener on 127.0.0.1. */
export interface TestNode {
  transport: AuthenticatedTransport;
  listener: Listener;
  address: NetService;
  /** Connections accepted so far. */
  accepted: SecureConnection[];
  /** Refusals so far (reason strings). */
  refused: string[];
  /** Resolves with the next accepted connection. */
  nextAccepted(): Promise<SecureConnection>;
  /** Resolves with the next refusal reason. */
  nextRefused(): Promise<string>;
}

/** Starts a node with `identity`, accepting whoever `gate` lets through. */
export async function startNode(identity: Identity, clock: Clock, listen: Partial<AuthenticatedListenOptions> = {},
  random: { randbytes(n: number): Uint8Array } = ChaChaRandom.fromSeed(identity.publicKeyHex)): Promise<TestNode> {
  const transport = new AuthenticatedTransport(new TcpTransport(clock), { identity, namespace: NAMESPACE, clock, random });
  const accepted: SecureConnection[] = [];
  const refused: string[] = [];
  let acceptWaiters: ((c: SecureConnection) => void)[] = [];
  let refuseWaiters: ((r: string) => void)[] = [];
  const listener = await transport.listen(NetService.parse('127.0.0.1:0'), {
    gate: listen.gate ?? (() => undefined),
    screen: listen.screen,
    onConnection: (c) => {
      accepted.push(c);
      const w = acceptWaiters;
      acceptWaiters = [];
      for (const f of w) f(c);
      listen.onConnection?.(c);
    },
    onRefused: (remote, reason, err) => {
      refused.push(reason);
      const w = refuseWaiters;
      refuseWaiters = [];
      for (const f of w) f(reason);
      listen.onRefused?.(remote, reason, err);
    },
  });
  return {
    transport, listener, address: listener.address, accepted, refused,
    nextAccepted: () => new Promise((r) => acceptWaiters.push(r)),
    nextRefused: () => new Promise((r) => refuseWaiters.push(r)),
  };
}

/** A TCP proxy in front of `target` that records both directions and may rewrite client→server bytes. */
export interface Tap {
  address: NetService;
  /** Bytes the client sent, as the server received them (after tampering). */
  clientToServer(): Buffer;
  /** Bytes the server sent. */
  serverToClient(): Buffer;
  close(): Promise<void>;
}

/** Starts a proxy; `tamper(offset, chunk)` may return a modified chunk (offset = bytes seen before it). */
export async function startTap(target: NetService, tamper?: (direction: 'c2s' | 's2c', offset: number, chunk: Buffer) => Buffer): Promise<Tap> {
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: target.port });
    sockets.add(client);
    sockets.add(upstream);
    let c2sOffset = 0;
    let s2cOffset = 0;
    client.on('data', (chunk: Buffer) => {
      const out = tamper ? tamper('c2s', c2sOffset, chunk) : chunk;
      c2sOffset += chunk.length;
      c2s.push(Buffer.from(out));
      upstream.write(out);
    });
    upstream.on('data', (chunk: Buffer) => {
      const out = tamper ? tamper('s2c', s2cOffset, chunk) : chunk;
      s2cOffset += chunk.length;
      s2c.push(Buffer.from(out));
      client.write(out);
    });
    const end = (): void => { client.destroy(); upstream.destroy(); };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: NetService.parse(`127.0.0.1:${port}`),
    clientToServer: () => Buffer.concat(c2s),
    serverToClient: () => Buffer.concat(s2c),
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

/** A raw TCP connection to `target` from the loopback source address `localAddress` (e.g. 127.0.0.2). */
export function rawConnect(target: NetService, localAddress = '127.0.0.1'): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: target.port, localAddress });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(new StreamConnection(socket, target, serviceFromSocket(socket.localAddress, socket.localPort)));
    });
  });
}
