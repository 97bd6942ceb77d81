/**
 * Helpers for the RPC tests: a simulated network (test/connman/harness.ts) with an `RpcServer` on a
 * real loopback port, a raw HTTP client that shows status, headers and body exactly, and a direct
 * dispatcher for method tests that need no HTTP.
 */
import http from 'node:http';
import type { PeerManager } from '../../src/connman/manager.js';
import type { PeerManagerOptions } from '../../src/connman/options.js';
import { RpcError } from '../../src/rpc/errors.js';
import { writeJson } from '../../src/rpc/json.js';
import { createDispatcher, type RpcContext } from '../../src/rpc/methods.js';
import { RpcServer, type RpcServerOptions } from '../../src/rpc/server.js';
import { Sim } from '../../src/sim/network.js';

/** Credentials the harness configures. */
export const USER = 'alice';
export const PASSWORD = 'correct horse battery staple';

/** The Basic Authorization header for `user:password`. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** An HTTP response as received. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  json: any;
}

/** Options of `rawRequest`. */
export interface RawOptions {
  method?: string;
  path?: string;
  /** Authorization header; null sends none; default the harness credentials. */
  auth?: string | null;
  headers?: Record<string, string>;
  /** Server address (default 127.0.0.1). */
  host?: string;
  /** Local address to connect from. */
  localAddress?: string;
}

/** One HTTP request on its own connection (no keep-alive, so nothing stays open). */
export function rawRequest(port: number, body: string | Buffer | undefined, options: RawOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    const auth = options.auth === undefined ? basic(USER, PASSWORD) : options.auth;
    if (auth !== null) headers.Authorization = auth;
    const req = http.request({ host: options.host ?? '127.0.0.1', localAddress: options.localAddress, port, method: options.method ?? 'POST', path: options.path ?? '/', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try { json = text.length > 0 ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Lets I/O run until `predicate` holds (no timers involved; gives up after `limitMs` of real time). */
export async function eventually(predicate: () => boolean, what: string, limitMs = 5_000): Promise<void> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** A simulation with one node under test and an RPC server in front of it. */
export class RpcHarness {
  readonly sim = new Sim();
  readonly node: PeerManager;
  rpc!: RpcServer;
  stopCalls = 0;

  /** @param ip address of the node under test; @param over its options. */
  constructor(ip = '10.0.0.1', over: Partial<PeerManagerOptions> = {}) {
    this.node = this.sim.node(ip, over);
  }

  /** Starts every node and the RPC server (on a free loopback port, password auth unless overridden). */
  async start(options: Partial<RpcServerOptions> = {}): Promise<this> {
    await this.sim.startAll();
    this.rpc = new RpcServer({
      manager: this.node,
      bind: [{ host: '127.0.0.1', port: 0 }],
      auth: { user: USER, password: PASSWORD },
      onStop: () => { this.stopCalls++; },
      ...options,
    });
    await this.rpc.start();
    return this;
  }

  /** The RPC port. */
  get port(): number {
    return this.rpc.address.port;
  }

  /** Sends a JSON value as the request body. */
  post(body: unknown, options: RawOptions = {}): Promise<RawResponse> {
    return rawRequest(this.port, typeof body === 'string' ? body : JSON.stringify(body), options);
  }

  /** A legacy JSON-RPC call; resolves with the reply object. */
  async call(method: string, params: unknown[] | Record<string, unknown> = []): Promise<any> {
    return (await this.post({ method, params, id: 1 })).json;
  }

  /** Stops the RPC server and every node. */
  async stop(): Promise<void> {
    await this.rpc?.stop();
    await this.sim.stopAll();
  }
}

/** A dispatcher straight over a manager (no HTTP), with its context. */
export function directDispatcher(manager: PeerManager, over: Partial<RpcContext> = {}): {
  call: (method: string, params?: unknown[] | Record<string, unknown>) => Promise<any>;
  text: (method: string, params?: unknown[] | Record<string, unknown>) => Promise<string>;
  ctx: RpcContext;
  stops: number[];
} {
  const stops: number[] = [];
  const started = manager.clock.now();
  const ctx: RpcContext = {
    manager,
    clock: manager.clock,
    version: { version: 10_000, subversion: '/Peerbook:0.1.0/', protocolVersion: 70016 },
    startTime: () => started,
    relayFee: 1000n,
    incrementalFee: 1000n,
    requestStop: () => { stops.push(manager.clock.now()); },
    ...over,
  };
  const dispatch = createDispatcher(ctx);
  const text = async (method: string, params: unknown[] | Record<string, unknown> = []): Promise<string> =>
    writeJson(await dispatch({ id: 1, hasId: true, version: 'legacy', method, params }));
  return {
    ctx,
    stops,
    text,
    /** The result as a client sees it: written as the server writes it, then parsed. */
    call: async (method, params = []) => JSON.parse(await text(method, params)),
  };
}

/** Runs `fn`, which must throw an `RpcError`; returns it. */
export async function rpcError(fn: () => Promise<unknown>): Promise<RpcError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('expected an RpcError, but the call succeeded');
}
