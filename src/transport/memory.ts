/**
 * In-memory transport: a `MemoryNetwork` is a switchboard of listeners keyed by address, and each node
 * gets a `MemoryTransport` bound to its own IP. Dials are answered through a pair of cross-wired
 * duplex streams, so the peer layer sees exactly the same `Connection` behaviour as over TCP. Used by
 * unit tests and by the simulator (thousands of nodes, virtual clock, optional per-dial latency).
 */
import { Duplex } from 'node:stream';
import type { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import type { Clock } from '../util/clock.js';
import { ConnectError, StreamConnection, type Connection, type ConnectOptions, type Listener, type Transport } from './transport.js';

/** First ephemeral port handed to outgoing memory connections. */
const FIRST_EPHEMERAL_PORT = 49152;

class PipeEnd extends Duplex {
  other!: PipeEnd;
  /** A write waiting for the other end to read (so backpressure reaches the writer, like a full socket). */
  private blockedWrite: ((err?: Error | null) => void) | undefined;

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.other.destroyed || this.other.push(chunk)) done();
    else this.other.blockedWrite = done;
  }

  override _final(done: (err?: Error | null) => void): void {
    if (!this.other.destroyed) this.other.push(null);
    done();
  }

  override _read(): void {
    // Data is pushed by the other end's _write; reading releases a write that was waiting for room.
    const release = this.blockedWrite;
    this.blockedWrite = undefined;
    release?.();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.blockedWrite = undefined;
    if (!this.other.destroyed) this.other.destroy();
    done(err);
  }
}

/** Two connected duplex streams: what one writes, the other reads. */
export function createDuplexPair(): [Duplex, Duplex] {
  const a = new PipeEnd();
  const b = new PipeEnd();
  a.other = b;
  b.other = a;
  return [a, b];
}

type AcceptFn = (conn: Connection) => void;

/** The shared switchboard all memory transports of one test or simulation use. */
export class MemoryNetwork {
  private readonly listeners = new Map<string, AcceptFn>();
  private readonly unreachable = new Set<string>();
  private nextPort = FIRST_EPHEMERAL_PORT;

  /** @param clock used for dial latency; @param latencyMs delay before a dial completes or fails. */
  constructor(readonly clock?: Clock, readonly latencyMs = 0) {}

  /** A transport for a node whose own address is `localAddr`. */
  transport(localAddr: NetAddress): MemoryTransport {
    return new MemoryTransport(this, localAddr);
  }

  /** Makes dials to `addr` hang until they time out (a black-holed host), or undoes it. */
  setUnreachable(addr: NetAddress, unreachable: boolean): void {
    if (unreachable) this.unreachable.add(addr.key);
    else this.unreachable.delete(addr.key);
  }

  /** Number of open listeners. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** @internal */
  register(bind: NetService, accept: AcceptFn): void {
    if (this.listeners.has(bind.key)) throw new ConnectError('ERR_CONNECT_FAILED', `address in use: ${bind}`);
    this.listeners.set(bind.key, accept);
  }

  /** @internal */
  unregister(bind: NetService): void {
    this.listeners.delete(bind.key);
  }

  /** @internal */
  ephemeralPort(): number {
    const port = this.nextPort++;
    if (this.nextPort > 0xffff) this.nextPort = FIRST_EPHEMERAL_PORT;
    return port;
  }

  /** @internal Resolves the dial: a connected pair, or a ConnectError. */
  dial(from: NetService, target: NetService): Connection | ConnectError | 'blackhole' {
    if (this.unreachable.has(target.addr.key)) return 'blackhole';
    const accept = this.listeners.get(target.key);
    if (!accept) return new ConnectError('ERR_CONNECT_REFUSED', `connect to ${target} failed: ECONNREFUSED`);
    const [mine, theirs] = createDuplexPair();
    accept(new StreamConnection(theirs, from, target));
    return new StreamConnection(mine, target, from);
  }
}

/** One node's view of a `MemoryNetwork`. */
export class MemoryTransport implements Transport {
  /** @param network the switchboard; @param localAddr this node's IP. */
  constructor(private readonly network: MemoryNetwork, readonly localAddr: NetAddress) {}

  /** @inheritdoc */
  connect(target: NetService, options: ConnectOptions = {}): Promise<Connection> {
    const from = new NetService(this.localAddr, this.network.ephemeralPort());
    const { clock, latencyMs } = this.network;
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new ConnectError('ERR_ABORTED', `dial to ${target} aborted`));
        return;
      }
      let settled = false;
      const timers: Array<{ cancel(): void }> = [];
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        timers.forEach((t) => t.cancel());
        options.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = (): void => settle(() => reject(new ConnectError('ERR_ABORTED', `dial to ${target} aborted`)));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const complete = (): void => {
        const result = this.network.dial(from, target);
        if (result === 'blackhole') return; // only the timeout (or abort) ends this dial
        settle(() => (result instanceof ConnectError ? reject(result) : resolve(result)));
      };
      if (clock && options.timeoutMs !== undefined) {
        timers.push(clock.setTimeout(() => settle(() => reject(new ConnectError('ERR_CONNECT_TIMEOUT', `connect to ${target} timed out after ${options.timeoutMs} ms`))), options.timeoutMs));
      }
      if (clock && latencyMs > 0) timers.push(clock.setTimeout(complete, latencyMs));
      else queueMicrotask(complete);
    });
  }

  /** @inheritdoc */
  listen(bind: NetService, onConnection: (conn: Connection) => void): Promise<Listener> {
    const address = bind.port === 0 ? new NetService(bind.addr, this.network.ephemeralPort()) : bind;
    this.network.register(address, onConnection);
    return Promise.resolve({
      address,
      close: async () => this.network.unregister(address),
    });
  }
}
