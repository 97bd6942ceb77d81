/**
 * A transport for demonstrations and tests that gives nodes on one machine routable-looking addresses.
 *
 * Core's rules (and Peerbook's) never gossip or store 127.0.0.1: it is not routable. To let a few local
 * nodes find each other through address gossip, each gets a "plan" address (e.g. 20.0.0.3:18444) that is
 * mapped onto a real loopback port (127.0.0.1:41234). Dials to a plan address go over real TCP to its
 * loopback port, and the connection reports the plan address as its remote end; listening on a plan
 * address listens on its loopback port. Anything not in the plan (and not already loopback) is refused,
 * so this transport can never reach outside the machine.
 */
import type { NetService } from '../address/service.js';
import { ConnectError, type Connection, type ConnectOptions, type ConnectionEvents, type Listener, type Transport } from './transport.js';

/** A Connection that delegates to another but reports different addresses. */
class RelabeledConnection implements Connection {
  /** @param inner the real connection; @param remote and @param local the addresses to report. */
  constructor(private readonly inner: Connection, readonly remote: NetService, readonly local: NetService | undefined) {}

  /** @inheritdoc */
  get writableLength(): number { return this.inner.writableLength; }
  /** @inheritdoc */
  get closed(): boolean { return this.inner.closed; }
  /** @inheritdoc */
  write(data: Uint8Array): boolean { return this.inner.write(data); }
  /** @inheritdoc */
  pause(): void { this.inner.pause(); }
  /** @inheritdoc */
  resume(): void { this.inner.resume(); }
  /** @inheritdoc */
  end(): void { this.inner.end(); }
  /** @inheritdoc */
  destroy(error?: Error): void { this.inner.destroy(error); }
  /** @inheritdoc */
  on<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this {
    this.inner.on(event, listener);
    return this;
  }
  /** @inheritdoc */
  once<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this {
    this.inner.once(event, listener);
    return this;
  }
  /** @inheritdoc */
  off<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this {
    this.inner.off(event, listener);
    return this;
  }
}

/** Maps plan addresses onto loopback ports (see the module comment). */
export class LoopbackMapTransport implements Transport {
  /**
   * @param inner the real transport (TCP); @param plan plan address key → loopback service;
   * @param self this node's plan address (reported as the local end of its connections).
   */
  constructor(private readonly inner: Transport, private readonly plan: ReadonlyMap<string, NetService>, private readonly self: NetService) {}

  /** @inheritdoc */
  async connect(target: NetService, options?: ConnectOptions): Promise<Connection> {
    const mapped = this.plan.get(target.key) ?? (target.addr.isLocal() ? target : undefined);
    if (!mapped) throw new ConnectError('ERR_CONNECT_UNREACHABLE', `${target} is not part of this loopback address plan`);
    const conn = await this.inner.connect(mapped, options);
    return new RelabeledConnection(conn, target, this.self);
  }

  /** @inheritdoc */
  async listen(bind: NetService, onConnection: (conn: Connection) => void): Promise<Listener> {
    const mapped = this.plan.get(bind.key) ?? bind;
    const listener = await this.inner.listen(mapped, (conn) => onConnection(new RelabeledConnection(conn, conn.remote, bind)));
    return { address: this.plan.has(bind.key) ? bind : listener.address, close: () => listener.close() };
  }
}
