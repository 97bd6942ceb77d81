/**
 * `RpcServer`: a Bitcoin Core-compatible JSON-RPC server over HTTP for the `PeerManager`, so that
 * `bitcoin-cli`/`litecoin-cli`, the `bitcoin-core` npm client and every other Core RPC client can
 * operate a Peerbook daemon with the method names, fields, error codes and HTTP statuses they know.
 *
 * The RPC port controls the node (ban, disconnect, stop), so it resists being reached, guessed and
 * flooded, the way Core's httpserver.cpp/httprpc.cpp do: requests from anywhere but loopback and
 * `allowIps` (Core -rpcallowip) are refused 403 before anything else is read; every request
 * needs HTTP Basic credentials — the configured -rpcuser/-rpcpassword or a fresh random cookie in
 * `<datadir>/.cookie` (mode 0600, deleted on stop) — and a wrong one is answered 401 only after
 * AUTH_FAILURE_DELAY_MS, to slow guessing. Unlike Core, whose worker thread sleeps out that delay, the
 * wait holds no work-queue slot, so a flood of wrong passwords cannot starve authenticated clients of
 * slots; and when the connection limit is reached, a connection still waiting out its delay is closed
 * to make room rather than the newcomer. Everything a client can make the server hold is bounded:
 * headers (MAX_HEADER_BYTES, as Core's MAX_HEADERS_SIZE), the body (DEFAULT_MAX_REQUEST_BYTES,
 * answered 413 like libevent; Core allows 32 MiB, Peerbook's methods need far less), members per
 * batch and bytes of batch replies (see jsonrpc.ts), requests executing at once (DEFAULT_WORK_QUEUE,
 * answered 503 "Work queue depth exceeded" like Core's -rpcworkqueue), open connections
 * (DEFAULT_MAX_CONNECTIONS) and time: a request not answered within DEFAULT_REQUEST_TIMEOUT_MS (Core
 * -rpcservertimeout, 30 s) has its connection closed. Timers come from the injected `Clock`.
 *
 * The protocol (1.0 vs 2.0 reply shapes, batches, status codes) is the pure jsonrpc.ts; the methods
 * are methods.ts; this file is only the HTTP shell. `stop()` closes every socket and deletes the cookie.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import { Subnet } from '../address/subnet.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { PeerManager } from '../connman/manager.js';
import { AbortError, MAX_TIMER_DELAY_MS, type Clock, type MockableClock, type Timer } from '../util/clock.js';
import { PeerbookError } from '../util/errors.js';
import { PROTOCOL_VERSION } from '../wire/version.js';
import { COOKIE_FILE_NAME, Credentials, deleteCookie, writeCookie, type Cookie, type RpcAuthOptions } from './auth.js';
import { HttpStatus, RpcConfigError, RpcError, RpcErrorCode } from './errors.js';
import { sanitizeString } from './host.js';
import { handleBody, type Dispatcher, type JsonRpcLimits } from './jsonrpc.js';
import {
  createDispatcher, DEFAULT_INCREMENTAL_FEE_SAT_PER_KVB, DEFAULT_RELAY_FEE_SAT_PER_KVB, type RpcContext, type RpcVersionInfo,
} from './methods.js';

/** Most bytes of a request body (Core: MAX_SIZE, 32 MiB; see the module comment). */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
/** Most bytes of request headers (Core httpserver.cpp MAX_HEADERS_SIZE). */
export const MAX_HEADER_BYTES = 8192;
/** A request not answered within this long has its connection closed (Core DEFAULT_HTTP_SERVER_TIMEOUT), ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Delay before answering a wrong password (Core httprpc.cpp: 250 ms "to deter brute-forcing"), ms. */
export const AUTH_FAILURE_DELAY_MS = 250;
/** Requests executing at once (Core DEFAULT_HTTP_WORKQUEUE); a wrong-password delay does not take a slot. */
export const DEFAULT_WORK_QUEUE = 16;
/** Most open client connections; more are closed on accept (Core relies on libevent's defaults). */
export const DEFAULT_MAX_CONNECTIONS = 128;
/** The getnetworkinfo "version" Peerbook reports by default (Core CLIENT_VERSION style, 0.1.0). */
export const DEFAULT_CLIENT_VERSION = 10_000;
/** HTTP methods Core's server knows (others get 405 before routing). */
const KNOWN_HTTP_METHODS = new Set(['GET', 'POST', 'HEAD', 'PUT']);
/** Core WWW_AUTH_HEADER_DATA. */
const WWW_AUTHENTICATE = 'Basic realm="jsonrpc"';

/** A listen address. */
export interface RpcBind {
  /** IP address to bind (e.g. 127.0.0.1, ::1). */
  host: string;
  /** TCP port (0 picks a free one; see `addresses`). */
  port: number;
}

/** Options of `RpcServer`. */
export interface RpcServerOptions {
  /** The connection manager the methods operate. */
  manager: PeerManager;
  /** Listen addresses (Core -rpcbind/-rpcport); default 127.0.0.1 on the network's RPC port. */
  bind?: RpcBind[];
  /** Credentials: user/password, or a cookie file (default `<manager data dir>/.cookie`). */
  auth?: RpcAuthOptions;
  /**
   * Clients allowed besides loopback (Core -rpcallowip). As in Core, 127.0.0.0/8 and ::1 are always
   * allowed, so by default only local clients are.
   */
  allowIps?: Subnet[];
  /** Logger (default: silent). */
  logger?: Logger;
  /**
   * Time source of the HTTP shell: request timeouts and the wrong-password delay (default: the
   * manager's clock). Results (uptime, timemillis, ban times) always use the manager's clock.
   */
  clock?: Clock;
  /** getnetworkinfo identity; defaults: DEFAULT_CLIENT_VERSION, the manager's user agent, PROTOCOL_VERSION. */
  version?: Partial<RpcVersionInfo>;
  /** Called once after the reply to a `stop` call has been sent. */
  onStop?: () => void;
  /**
   * The manager's clock, when it is a `MockableClock` the regtest `setmocktime` call may pin (Core's
   * SetMockTime); without it `setmocktime` is refused.
   */
  mockClock?: MockableClock;
  /**
   * Start in warmup (Core SetRPCWarmupStatus): every call is answered RPC_IN_WARMUP (-28) with this
   * status text until `setWarmupFinished()`. Lets the daemon bind the port before the node is ready.
   */
  warmupStatus?: string;
  /** When the node started, ms, for `uptime` (default: the manager's start time, else when this server was made). */
  startTime?: number;
  /** getnetworkinfo "relayfee", sat/kvB (default Core v28's 1000). */
  relayFee?: bigint;
  /** getnetworkinfo "incrementalfee", sat/kvB (default Core v28's 1000). */
  incrementalFee?: bigint;
  /** Most request body bytes (default DEFAULT_MAX_REQUEST_BYTES). */
  maxRequestBytes?: number;
  /** Batch limits (see jsonrpc.ts). */
  limits?: JsonRpcLimits;
  /** Request timeout, ms (default DEFAULT_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** Wrong-password delay, ms (default AUTH_FAILURE_DELAY_MS). */
  authFailureDelayMs?: number;
  /** Requests executing at once (default DEFAULT_WORK_QUEUE). */
  workQueue?: number;
  /** Open connections (default DEFAULT_MAX_CONNECTIONS). */
  maxConnections?: number;
}

/** What Core always allows before any -rpcallowip: IPv4 loopback /8 and ::1 (Core InitHTTPAllowList). */
export function loopbackSubnets(): Subnet[] {
  return [Subnet.parse('127.0.0.0/8'), Subnet.parse('::1/128')];
}

/**
 * Core `ClientAllowed`: whether a client at `remote` (a socket's remote address text, IPv4-mapped
 * IPv6 included) is inside one of `allow`. Unparseable or invalid addresses are not allowed.
 */
export function clientAllowed(remote: string | undefined, allow: readonly Subnet[]): boolean {
  if (remote === undefined) return false;
  let addr: NetAddress;
  try {
    addr = NetAddress.parse(remote, { cjdns: false });
  } catch {
    return false;
  }
  return addr.isValid() && allow.some((s) => s.match(addr));
}

/** The request body was larger than allowed. */
class BodyTooLarge extends Error {}

/** The JSON-RPC HTTP server (see the module comment). */
export class RpcServer {
  private readonly options: RpcServerOptions;
  private readonly manager: PeerManager;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly allow: Subnet[];
  private readonly servers: http.Server[] = [];
  private readonly timers = new Set<Timer>();
  /** Open client connections of every listener, oldest first (bounded by `maxConnections`). */
  private readonly sockets = new Set<Socket>();
  /** Connections waiting out an auth-failure delay, oldest first, with the abort for that wait. */
  private readonly penalised = new Map<Socket, AbortController>();
  private readonly context: RpcContext;
  private readonly dispatch: ReturnType<typeof createDispatcher>;
  private credentials: Credentials | undefined;
  private cookie: Cookie | undefined;
  private bound: NetService[] = [];
  private working = 0;
  private stopRequested = false;
  private stopNotified = false;
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private stopPromise: Promise<void> | undefined;
  private warmupStatus: string | undefined;

  /** @param options see `RpcServerOptions`. */
  constructor(options: RpcServerOptions) {
    this.options = options;
    this.manager = options.manager;
    this.clock = options.clock ?? options.manager.clock;
    this.log = options.logger ?? silentLogger;
    this.allow = [...loopbackSubnets(), ...(options.allowIps ?? [])];
    if (this.allow.some((s) => !s.isValid())) throw new RpcConfigError('Invalid -rpcallowip subnet specification');
    for (const [name, v] of Object.entries({
      maxRequestBytes: options.maxRequestBytes, requestTimeoutMs: options.requestTimeoutMs, workQueue: options.workQueue,
      maxConnections: options.maxConnections, authFailureDelayMs: options.authFailureDelayMs,
    })) {
      // Durations become timers: no longer than a timer can wait (Node fires a longer one after 1 ms).
      const max = name.endsWith('Ms') ? MAX_TIMER_DELAY_MS : Number.MAX_SAFE_INTEGER;
      if (v !== undefined && (!Number.isInteger(v) || v < (name === 'authFailureDelayMs' ? 0 : 1) || v > max)) {
        throw new RpcConfigError(`RpcServer option ${name} must be an integer in [${name === 'authFailureDelayMs' ? 0 : 1}, ${max}], got ${v}`);
      }
    }
    const constructedAt = this.manager.clock.now();
    this.context = {
      manager: this.manager,
      clock: this.manager.clock,
      version: {
        version: options.version?.version ?? DEFAULT_CLIENT_VERSION,
        subversion: options.version?.subversion ?? this.manager.userAgent,
        protocolVersion: options.version?.protocolVersion ?? PROTOCOL_VERSION,
      },
      startTime: () => options.startTime ?? (this.manager.startTime || constructedAt),
      relayFee: options.relayFee ?? DEFAULT_RELAY_FEE_SAT_PER_KVB,
      incrementalFee: options.incrementalFee ?? DEFAULT_INCREMENTAL_FEE_SAT_PER_KVB,
      requestStop: () => { this.stopRequested = true; },
      ...(options.mockClock ? { mockClock: options.mockClock } : {}),
    };
    this.warmupStatus = options.warmupStatus;
    this.dispatch = createDispatcher(this.context);
  }

  /** Ends the warmup (Core SetRPCWarmupFinished): calls are executed from now on. */
  setWarmupFinished(): void {
    this.warmupStatus = undefined;
  }

  /** True while calls are answered RPC_IN_WARMUP. */
  get inWarmup(): boolean {
    return this.warmupStatus !== undefined;
  }

  /** The bound addresses (after `start()`), with the real port when 0 was asked for. */
  get addresses(): NetService[] {
    return [...this.bound];
  }

  /** The first bound address (after `start()`). */
  get address(): NetService {
    if (this.bound.length === 0) throw new PeerbookError('ERR_RPC_NOT_STARTED', 'RpcServer has no address before start()');
    return this.bound[0];
  }

  /** The cookie file written at start, if cookie authentication is in use. */
  get cookieFile(): string | undefined {
    return this.cookie?.path;
  }

  /** Requests received and not yet answered, including those still sending their body (tests, metrics). */
  get openRequests(): number {
    return this.timers.size;
  }

  /** Requests executing right now, i.e. holding a work-queue slot (tests, metrics). */
  get activeRequests(): number {
    return this.working;
  }

  /** Requests waiting out the wrong-password delay (they hold no work-queue slot). */
  get penalisedRequests(): number {
    return this.penalised.size;
  }

  /**
   * Sets up authentication (writing the cookie if needed) and binds every address. Throws
   * `RpcConfigError` for missing credentials or an address that cannot be bound (nothing is left
   * open or written then).
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new PeerbookError('ERR_RPC_STATE', `RpcServer.start() called when ${this.state}`);
    this.state = 'starting';
    const auth = this.options.auth ?? {};
    try {
      if (auth.password) {
        this.log.info('Using rpcuser/rpcpassword authentication.');
        this.credentials = new Credentials(`${auth.user ?? ''}:${auth.password}`);
      } else {
        const file = auth.cookieFile ?? this.manager.dataFile(COOKIE_FILE_NAME);
        if (!file) throw new RpcConfigError('RPC needs a password (rpcpassword) or a place for the cookie file (auth.cookieFile or a manager data directory)');
        this.cookie = await writeCookie(file);
        this.credentials = new Credentials(this.cookie.userPass);
        this.log.info(`Generated RPC authentication cookie ${file}`);
      }
      const binds = this.options.bind && this.options.bind.length > 0 ? this.options.bind : [{ host: '127.0.0.1', port: this.manager.network.rpcPort }];
      for (const b of binds) await this.listen(b);
    } catch (e) {
      await this.release();
      this.state = 'stopped';
      throw e;
    }
    this.state = 'running';
    this.log.info(`Allowing HTTP connections from: ${this.allow.map(String).join(' ')}`);
  }

  private listen(bind: RpcBind): Promise<void> {
    const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => { void this.onRequest(req, res); });
    server.on('connection', (socket: Socket) => this.onConnection(socket));
    const timeout = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // Node's own backstops (real time); the Clock-driven timeout below is the one that normally fires first.
    server.requestTimeout = Math.max(timeout, 1_000) * 2;
    server.headersTimeout = Math.max(timeout, 1_000) * 2;
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(new RpcConfigError(`Binding RPC on address ${bind.host} port ${bind.port} failed: ${e.message}`, { cause: e }));
      server.once('error', onError);
      server.listen({ host: bind.host, port: bind.port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (e) => this.log.warn(`RPC server error: ${e.message}`));
        const a = server.address() as AddressInfo;
        this.bound.push(new NetService(NetAddress.parse(a.address), a.port));
        this.log.info(`Binding RPC on address ${a.address} port ${a.port}`);
        resolve();
      });
    });
  }

  /**
   * Admits a connection within `maxConnections` (over every listener): at the limit, the oldest
   * connection waiting out a wrong-password delay is closed to make room; if there is none, the new
   * connection is closed (Node's own `server.maxConnections` could only ever refuse the newcomer).
   */
  private onConnection(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.penalised.get(socket)?.abort();
      this.penalised.delete(socket);
    });
    if (this.sockets.size <= (this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) return;
    const oldestPenalised = this.penalised.keys().next();
    if (!oldestPenalised.done) {
      this.log.debug(`RPC connection limit reached: closing ${oldestPenalised.value.remoteAddress}:${oldestPenalised.value.remotePort}, which sent a wrong password`);
      oldestPenalised.value.destroy();
    } else {
      socket.destroy();
    }
  }

  /** Waits out AUTH_FAILURE_DELAY_MS without a work slot; the wait ends early if the connection is closed. */
  private async penalise(socket: Socket): Promise<void> {
    // stop() aborts every entry of `penalised` itself: one listener per waiting connection on the
    // shared stop signal set off Node's MaxListeners warning under a wrong-password flood.
    const abort = new AbortController();
    this.penalised.set(socket, abort);
    try {
      await this.clock.sleep(this.options.authFailureDelayMs ?? AUTH_FAILURE_DELAY_MS, abort.signal);
    } finally {
      this.penalised.delete(socket);
    }
  }

  /** Stops accepting, closes every connection, and deletes the cookie. Idempotent. */
  stop(): Promise<void> {
    this.stopPromise ??= (async () => {
      this.state = 'stopped';
      for (const abort of this.penalised.values()) abort.abort();
      await this.release();
    })();
    return this.stopPromise;
  }

  private async release(): Promise<void> {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => {
      if (!s.listening) {
        resolve();
        return;
      }
      s.close(() => resolve());
      s.closeAllConnections();
    })));
    this.servers.length = 0;
    if (this.cookie) {
      await deleteCookie(this.cookie).catch((e: Error) => this.log.warn(`Unable to remove random auth cookie file ${this.cookie?.path}: ${e.message}`));
      this.cookie = undefined;
    }
  }

  private reply(res: http.ServerResponse, status: number, body?: string, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    const h: Record<string, string | number> = { ...headers };
    if (body !== undefined) h['Content-Length'] = Buffer.byteLength(body);
    else if (status !== HttpStatus.NO_CONTENT) h['Content-Length'] = 0;
    res.writeHead(status, h);
    res.end(body);
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      this.log.debug(`RPC request from ${req.socket.remoteAddress} timed out`);
      req.socket.destroy();
    }, this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.timers.add(timer);
    res.once('close', () => {
      timer.cancel();
      this.timers.delete(timer);
    });
    try {
      await this.handle(req, res);
    } catch (e) {
      if (e instanceof AbortError || req.socket.destroyed) {
        req.socket.destroy();
        return;
      }
      this.log.error(`RPC request failed: ${(e as Error).message}`);
      this.reply(res, HttpStatus.INTERNAL_SERVER_ERROR, undefined, { Connection: 'close' });
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const close = { Connection: 'close' };
    if (this.state !== 'running') return this.reply(res, HttpStatus.SERVICE_UNAVAILABLE, undefined, close);
    if (!clientAllowed(req.socket.remoteAddress, this.allow)) {
      this.log.debug(`HTTP request from ${peer} rejected: Client network is not allowed RPC access`);
      return this.reply(res, HttpStatus.FORBIDDEN, undefined, close);
    }
    if (!KNOWN_HTTP_METHODS.has(req.method ?? '')) return this.reply(res, HttpStatus.BAD_METHOD, undefined, close);
    if (req.url !== '/') return this.reply(res, HttpStatus.NOT_FOUND, undefined, close);
    if (req.method !== 'POST') return this.reply(res, HttpStatus.BAD_METHOD, 'JSONRPC server handles only POST requests', close);
    const authHeader = req.headers.authorization;
    if (authHeader === undefined) return this.reply(res, HttpStatus.UNAUTHORIZED, undefined, { 'WWW-Authenticate': WWW_AUTHENTICATE, ...close });
    const maxBytes = this.options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) return this.reply(res, HttpStatus.PAYLOAD_TOO_LARGE, undefined, close);
    const auth = this.credentials!.check(authHeader);
    if (!auth.ok) {
      this.log.warn(`ThreadRPCServer incorrect password attempt from ${peer}`);
      await this.penalise(req.socket);
      return this.reply(res, HttpStatus.UNAUTHORIZED, undefined, { 'WWW-Authenticate': WWW_AUTHENTICATE, ...close });
    }
    let body: string;
    try {
      body = await readBody(req, maxBytes);
    } catch (e) {
      if (e instanceof BodyTooLarge) return this.reply(res, HttpStatus.PAYLOAD_TOO_LARGE, undefined, close);
      throw e;
    }
    const limits = this.options.limits ?? {};
    const stopBefore = this.stopRequested;
    const dispatch: Dispatcher = (r) => {
      this.log.debug(`ThreadRPCServer method=${sanitizeString(r.method)} user=${sanitizeString(auth.user ?? '')}`);
      // Core CRPCTable::execute: during warmup every call, whatever its name, gets RPC_IN_WARMUP.
      if (this.warmupStatus !== undefined) return Promise.reject(new RpcError(RpcErrorCode.IN_WARMUP, this.warmupStatus));
      return this.dispatch(r);
    };
    const out = await this.withWorkSlot(res, () => handleBody(body, dispatch, limits));
    if (!stopBefore && this.stopRequested) {
      // This request ran `stop`: tell the owner once its reply has gone out (Core replies, then shuts down).
      res.once('close', () => this.notifyStop());
    }
    if (out === undefined) return;
    this.reply(res, out.status, out.body, out.body !== undefined ? { 'Content-Type': 'application/json' } : {});
  }

  private notifyStop(): void {
    if (this.stopNotified) return;
    this.stopNotified = true;
    this.options.onStop?.();
  }

  /** Runs `fn` holding one of the work-queue slots; with none free, answers 503 and returns undefined. */
  private async withWorkSlot<T>(res: http.ServerResponse, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.working >= (this.options.workQueue ?? DEFAULT_WORK_QUEUE)) {
      this.log.warn('Request rejected because http work queue depth exceeded, it can be increased with the -rpcworkqueue= setting');
      this.reply(res, HttpStatus.SERVICE_UNAVAILABLE, 'Work queue depth exceeded', { Connection: 'close' });
      return undefined;
    }
    this.working++;
    try {
      return await fn();
    } finally {
      this.working--;
    }
  }
}

/** Reads a request body of at most `maxBytes` bytes; rejects with `BodyTooLarge` past it. */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    req.once('close', () => { if (!req.complete) reject(new Error('request aborted')); });
  });
}
