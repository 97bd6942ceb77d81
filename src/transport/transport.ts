/**
 * The transport seam: how bytes get to and from a peer. A `Transport` dials (`connect`) and accepts
 * (`listen`); both produce a `Connection`, a byte duplex with backpressure. TCP (`node:net`) in
 * production, an in-memory network in tests and the simulator, SOCKS5 for Tor and I2P through a proxy.
 * Everything above this layer (peer, connman) is written against these interfaces only, which is what
 * lets the same policy code drive real sockets, a test's memory pipe and a simulated network.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { NetId } from '../address/network.js';
import type { NetService } from '../address/service.js';
import { PeerbookError } from '../util/errors.js';

/** Why a dial failed (code `ERR_CONNECT_*`). */
export class ConnectError extends PeerbookError {
  /**
   * @param code ERR_CONNECT_TIMEOUT | ERR_CONNECT_REFUSED | ERR_CONNECT_UNREACHABLE | ERR_CONNECT_PROXY | ERR_CONNECT_FAILED | ERR_ABORTED;
   *   from the connection manager also ERR_NETWORK_INACTIVE | ERR_OWN_ADDRESS | ERR_BANNED | ERR_ALREADY_CONNECTED |
   *   ERR_CONNECT_UPGRADE | ERR_HANDSHAKE_FAILED
   * @param proxyFailure true when the proxy, not the target, failed (Core does not count those against the address).
   */
  constructor(code: string, message: string, readonly proxyFailure = false, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Events a `Connection` emits. */
export interface ConnectionEvents {
  data: [chunk: Uint8Array];
  drain: [];
  close: [error: Error | undefined];
}

/** One established byte stream to a peer. */
export interface Connection {
  /** The peer's address as we see it. */
  readonly remote: NetService;
  /** Our local address of this connection, when known. */
  readonly local: NetService | undefined;
  /** Bytes accepted by `write` but not yet handed to the network. */
  readonly writableLength: number;
  /** True once closed. */
  readonly closed: boolean;
  /** Queues bytes; returns false when the transport's buffer is above its high-water mark (wait for 'drain'). */
  write(data: Uint8Array): boolean;
  /** Stops 'data' events (receive backpressure). */
  pause(): void;
  /** Resumes 'data' events. */
  resume(): void;
  /** Flushes what is queued, then closes. */
  end(): void;
  /** Closes immediately, dropping anything queued. */
  destroy(error?: Error): void;
  /** Subscribes to an event. */
  on<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this;
  /** Subscribes to an event once. */
  once<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this;
  /** Unsubscribes. */
  off<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this;
}

/** An open listening endpoint. */
export interface Listener {
  /** The bound address (with the real port when 0 was requested). */
  readonly address: NetService;
  /** Stops accepting; resolves when the socket is released. Existing connections are unaffected. */
  close(): Promise<void>;
}

/** Options for one dial. */
export interface ConnectOptions {
  /** Aborts the dial. */
  signal?: AbortSignal;
  /** Gives up after this long (Core -timeout, default 5 s). */
  timeoutMs?: number;
}

/** Dials and accepts connections. */
export interface Transport {
  /** Opens a connection to `target`. Rejects with `ConnectError`. */
  connect(target: NetService, options?: ConnectOptions): Promise<Connection>;
  /** Accepts connections on `bind`, calling `onConnection` for each. */
  listen(bind: NetService, onConnection: (conn: Connection) => void): Promise<Listener>;
  /** True when this transport can dial addresses of `net` at all (absent: every network). Asked before dialing names. */
  canReach?(net: NetId): boolean;
}

/** Core DEFAULT_CONNECT_TIMEOUT (netbase.h): 5 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** Options of `StreamConnection`. */
export interface StreamConnectionOptions {
  /**
   * Hand everything written in one turn of the event loop to the stream in one go (Node's
   * `cork()`/`uncork()`: one `writev` system call on a socket). A handshake answer is four messages
   * and would otherwise cost four system calls; Core likewise queues a peer's messages and sends them
   * together. Default false.
   */
  coalesceWrites?: boolean;
}

/** A `Connection` over a Node `Duplex` (a `net.Socket`, or one end of an in-memory pair). */
export class StreamConnection extends EventEmitter implements Connection {
  private isClosed = false;
  private readonly coalesce: boolean;
  /** A cork is on the stream until the current turn of the event loop ends. */
  private corked = false;

  /** @param stream the underlying duplex; @param remote the peer; @param local our end; @param options see `StreamConnectionOptions`. */
  constructor(private readonly stream: Duplex, readonly remote: NetService, readonly local: NetService | undefined, options: StreamConnectionOptions = {}) {
    super();
    this.coalesce = options.coalesceWrites ?? false;
    let failure: Error | undefined;
    stream.on('data', (chunk: Buffer) => this.emit('data', new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    stream.on('drain', () => this.emit('drain'));
    stream.on('error', (err: Error) => { failure = err; });
    stream.on('end', () => stream.destroy());
    stream.on('close', () => {
      this.isClosed = true;
      this.emit('close', failure);
    });
  }

  /** @inheritdoc */
  get writableLength(): number {
    return this.stream.writableLength;
  }

  /** @inheritdoc */
  get closed(): boolean {
    return this.isClosed;
  }

  /** @inheritdoc */
  write(data: Uint8Array): boolean {
    if (this.isClosed || this.stream.destroyed) return false;
    if (this.coalesce && !this.corked) {
      this.corked = true;
      this.stream.cork();
      process.nextTick(StreamConnection.uncorkLater, this);
    }
    return this.stream.write(data);
  }

  private static uncorkLater(conn: StreamConnection): void {
    conn.corked = false;
    conn.stream.uncork();
  }

  /** @inheritdoc */
  pause(): void {
    this.stream.pause();
  }

  /** @inheritdoc */
  resume(): void {
    this.stream.resume();
  }

  /** @inheritdoc */
  end(): void {
    this.stream.end();
  }

  /** @inheritdoc */
  destroy(error?: Error): void {
    this.stream.destroy(error);
  }
}
