/**
 * The simulator's in-memory transport: point-to-point links with a one-way latency per pair of hosts,
 * driven entirely by the virtual clock. It implements the same `Transport` and `Connection` interfaces
 * as TCP and `MemoryNetwork`, so every `PeerManager` in a simulation runs its unmodified code above it.
 *
 * Why not `MemoryNetwork` directly: its duplex pairs deliver bytes in the same instant they are
 * written, and two Node streams per connection cost ~5 KB and a large share of a simulation's CPU
 * (`Readable.push`, `Writable.write` showed up as a third of a profile). Here a written chunk is queued
 * on its link and delivered by one clock timer per link direction at `now + latency`, in order, so
 * pings measure real round trips, eviction's "lowest ping" has something to protect, and dials take
 * one round trip. Backpressure is modelled as a send window: bytes written but not yet read by the
 * other side count in `writableLength`; past the window `write` returns false and `drain` follows
 * when the other side has read them.
 *
 * Dialing a host: after one round trip, a listener on the target service accepts; a host that is up
 * but not listening refuses; an address where no host is up is a black hole, and the dial fails only
 * when its timeout runs out (Core's -timeout, 5 s by default), as a dial to a departed node does.
 *
 * Closing: `end()` and `destroy()` close our end at once (the `close` event follows on the next tick,
 * as with a socket) and send a close marker behind the data already in flight, so the other end
 * receives everything written before it learns that the link closed. No wall-clock time is involved,
 * so a node can stop while the virtual clock is frozen.
 */
import { EventEmitter } from 'node:events';
import type { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import { ConnectError, DEFAULT_CONNECT_TIMEOUT_MS, type Connection, type ConnectOptions, type Listener, type Transport } from '../transport/transport.js';
import type { Clock, Timer } from '../util/clock.js';

/** Bytes a link end may have in flight before `write` reports backpressure (a typical socket buffer), bytes. */
export const LINK_SEND_WINDOW_BYTES = 256 * 1024;
/** First ephemeral port handed to outgoing connections of each host (IANA dynamic range). */
const FIRST_EPHEMERAL_PORT = 49152;

/** One-way latency between two hosts. */
export interface LinkLatency {
  /** Milliseconds a byte written at `from` takes to reach `to` (must be ≥ 0 and the same for every chunk of a link). */
  oneWayMs(from: NetAddress, to: NetAddress): number;
}

/** Traffic counters of a `LatencyNetwork` (for the simulator's metrics). */
export interface LinkCounters {
  /** Links ever established. */
  linksOpened: number;
  /** Dials that ended in a timeout (black-holed targets). */
  dialsTimedOut: number;
  /** Dials refused by a host that is up but not listening. */
  dialsRefused: number;
  /** Chunks delivered. */
  chunksDelivered: number;
  /** Bytes delivered. */
  bytesDelivered: number;
}

type Accept = (conn: Connection) => void;

/** A queued chunk (or the close marker, `undefined`) and when it arrives. */
interface InFlight {
  dueMs: number;
  chunk: Uint8Array | undefined;
}

/** One end of a link. */
class LinkEnd extends EventEmitter implements Connection {
  /** The other end. */
  other!: LinkEnd;
  private readonly queue: InFlight[] = [];
  private queueHead = 0;
  private timer: Timer | undefined;
  private inFlightBytes = 0;
  private needDrain = false;
  private paused = false;
  private readonly heldWhilePaused: Uint8Array[] = [];
  private isClosed = false;

  constructor(private readonly net: LatencyNetwork, readonly remote: NetService, readonly local: NetService, private readonly latencyMs: number) {
    super();
  }

  get writableLength(): number {
    return this.inFlightBytes;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  write(data: Uint8Array): boolean {
    if (this.isClosed) return false;
    this.inFlightBytes += data.length;
    this.enqueue(data);
    if (this.inFlightBytes > LINK_SEND_WINDOW_BYTES) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    // Hand over what arrived while paused on a later tick, as a socket does (never inside the caller).
    queueMicrotask(() => this.releaseHeld());
  }

  end(): void {
    this.closeLocally(undefined);
  }

  destroy(error?: Error): void {
    this.closeLocally(error);
  }

  /** Our side closes: the close marker follows the data in flight; our `close` event fires next tick. */
  private closeLocally(error: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.heldWhilePaused.length = 0;
    this.enqueue(undefined);
    process.nextTick(() => this.emit('close', error));
  }

  private enqueue(chunk: Uint8Array | undefined): void {
    const dueMs = this.net.clock.now() + this.latencyMs;
    this.queue.push({ dueMs, chunk });
    if (!this.timer) this.timer = this.net.clock.setTimeout(() => this.deliverDue(), this.latencyMs);
  }

  /** Delivers every chunk due by now, in order, then waits for the next one. */
  private deliverDue(): void {
    this.timer = undefined;
    const now = this.net.clock.now();
    while (this.queueHead < this.queue.length && this.queue[this.queueHead].dueMs <= now) {
      const item = this.queue[this.queueHead++];
      if (item.chunk === undefined) this.other.closeByRemote();
      else this.other.receive(item.chunk);
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else {
      if (this.queueHead > 1024) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      this.timer = this.net.clock.setTimeout(() => this.deliverDue(), this.queue[this.queueHead].dueMs - now);
    }
  }

  /** A chunk arrives from the other end. */
  private receive(chunk: Uint8Array): void {
    if (this.isClosed) {
      this.other.consumed(chunk.length);
      return;
    }
    if (this.paused) {
      this.heldWhilePaused.push(chunk);
      return;
    }
    this.net.counters.chunksDelivered++;
    this.net.counters.bytesDelivered += chunk.length;
    this.emit('data', chunk);
    this.other.consumed(chunk.length);
  }

  private releaseHeld(): void {
    while (!this.paused && !this.isClosed && this.heldWhilePaused.length > 0) this.receive(this.heldWhilePaused.shift()!);
  }

  /** The other end read `bytes` of ours: they leave our send window. */
  private consumed(bytes: number): void {
    this.inFlightBytes -= bytes;
    if (this.needDrain && this.inFlightBytes <= LINK_SEND_WINDOW_BYTES && !this.isClosed) {
      this.needDrain = false;
      this.emit('drain');
    }
  }

  /** The other end closed and everything it wrote before has arrived. */
  private closeByRemote(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.heldWhilePaused.length = 0;
    this.emit('close', undefined);
  }
}

/** A switchboard of hosts and listeners whose links have latency; one per simulation. */
export class LatencyNetwork {
  /** Traffic counters. */
  readonly counters: LinkCounters = { linksOpened: 0, dialsTimedOut: 0, dialsRefused: 0, chunksDelivered: 0, bytesDelivered: 0 };
  private readonly listeners = new Map<string, Accept>();
  private readonly hostsUp = new Map<string, number>();
  private readonly nextPort = new Map<string, number>();

  /** @param clock the simulation's clock; @param latency one-way latency per pair of hosts. */
  constructor(readonly clock: Clock, readonly latency: LinkLatency) {}

  /** A transport for the host at `localAddr`. */
  transport(localAddr: NetAddress): LatencyTransport {
    return new LatencyTransport(this, localAddr);
  }

  /**
   * Marks a host as up (dials to a port it does not listen on are refused) or, when every `up` has
   * been matched by a `down`, as gone (dials to it time out).
   */
  setHostUp(addr: NetAddress, up: boolean): void {
    const n = (this.hostsUp.get(addr.key) ?? 0) + (up ? 1 : -1);
    if (n > 0) this.hostsUp.set(addr.key, n);
    else this.hostsUp.delete(addr.key);
  }

  /** True while some host is up at `addr`. */
  isHostUp(addr: NetAddress): boolean {
    return this.hostsUp.has(addr.key);
  }

  /** True if something listens on `service`. */
  isListening(service: NetService): boolean {
    return this.listeners.has(service.key);
  }

  /** Number of open listeners. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** @internal */
  register(bind: NetService, accept: Accept): void {
    if (this.listeners.has(bind.key)) throw new ConnectError('ERR_CONNECT_FAILED', `address in use: ${bind}`);
    this.listeners.set(bind.key, accept);
  }

  /** @internal */
  unregister(bind: NetService): void {
    this.listeners.delete(bind.key);
  }

  /** @internal The next ephemeral port of a host (per host, so ports repeat only after 16,384 dials). */
  ephemeralPort(addr: NetAddress): number {
    const port = this.nextPort.get(addr.key) ?? FIRST_EPHEMERAL_PORT;
    this.nextPort.set(addr.key, port >= 0xffff ? FIRST_EPHEMERAL_PORT : port + 1);
    return port;
  }

  /** @internal A connected pair of link ends: [the dialer's, the listener's]. */
  link(from: NetService, to: NetService): [Connection, Connection] {
    const latencyMs = this.latency.oneWayMs(from.addr, to.addr);
    if (!(latencyMs >= 0) || !Number.isFinite(latencyMs)) throw new RangeError(`link latency must be a finite number ≥ 0, got ${latencyMs}`);
    // Each end's queue holds what that end writes, delivered after the one-way latency towards the other.
    const mine = new LinkEnd(this, to, from, latencyMs);
    const theirs = new LinkEnd(this, from, to, latencyMs);
    mine.other = theirs;
    theirs.other = mine;
    this.counters.linksOpened++;
    return [mine, theirs];
  }

  /** @internal The listener on `target`, if any. */
  listenerAt(target: NetService): Accept | undefined {
    return this.listeners.get(target.key);
  }
}

/** One host's view of a `LatencyNetwork`. */
export class LatencyTransport implements Transport {
  /** @param network the switchboard; @param localAddr this host's IP. */
  constructor(private readonly network: LatencyNetwork, readonly localAddr: NetAddress) {}

  /** @inheritdoc */
  connect(target: NetService, options: ConnectOptions = {}): Promise<Connection> {
    const net = this.network;
    const clock = net.clock;
    const from = new NetService(this.localAddr, net.ephemeralPort(this.localAddr));
    const roundTripMs = 2 * net.latency.oneWayMs(this.localAddr, target.addr);
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new ConnectError('ERR_ABORTED', `dial to ${target} aborted`));
        return;
      }
      let settled = false;
      const timers: Timer[] = [];
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        for (const t of timers) t.cancel();
        options.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = (): void => settle(() => reject(new ConnectError('ERR_ABORTED', `dial to ${target} aborted`)));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      timers.push(clock.setTimeout(() => settle(() => {
        net.counters.dialsTimedOut++;
        reject(new ConnectError('ERR_CONNECT_TIMEOUT', `connect to ${target} timed out after ${timeoutMs} ms`));
      }), timeoutMs));
      timers.push(clock.setTimeout(() => {
        const accept = net.listenerAt(target);
        if (accept) {
          settle(() => {
            const [mine, theirs] = net.link(from, target);
            accept(theirs);
            resolve(mine);
          });
        } else if (net.isHostUp(target.addr)) {
          settle(() => {
            net.counters.dialsRefused++;
            reject(new ConnectError('ERR_CONNECT_REFUSED', `connect to ${target} failed: ECONNREFUSED`));
          });
        }
        // Otherwise a black hole: only the timeout (or an abort) ends the dial.
      }, roundTripMs));
    });
  }

  /** @inheritdoc */
  listen(bind: NetService, onConnection: (conn: Connection) => void): Promise<Listener> {
    const address = bind.port === 0 ? new NetService(bind.addr, this.network.ephemeralPort(bind.addr)) : bind;
    this.network.register(address, onConnection);
    return Promise.resolve({ address, close: async () => this.network.unregister(address) });
  }
}
