/**
 * Picks a transport per destination network, like Core's proxy settings: `-proxy` for everything,
 * `-onion` for Tor, plain TCP for IPv4/IPv6 (and CJDNS, which is routed by the host) otherwise.
 * A network with no route is unreachable; the connection manager asks `canReach` before dialing.
 */
import type { NetId } from '../address/network.js';
import { Net } from '../address/network.js';
import type { NetService } from '../address/service.js';
import { ConnectError, type Connection, type ConnectOptions, type Listener, type Transport } from './transport.js';

/** A transport that dispatches dials by network and listens with a designated transport. */
export class RoutingTransport implements Transport {
  private readonly routes = new Map<NetId, Transport>();

  /** @param listenVia the transport used for `listen` (normally TCP). */
  constructor(private readonly listenVia: Transport) {}

  /** Routes dials to `net` through `transport`. */
  route(net: NetId, transport: Transport): this {
    this.routes.set(net, transport);
    return this;
  }

  /** True when some transport can dial `net`. */
  canReach(net: NetId): boolean {
    return this.routes.has(net);
  }

  /** Networks with a route. */
  reachableNetworks(): NetId[] {
    return [...this.routes.keys()];
  }

  /** @inheritdoc */
  connect(target: NetService, options?: ConnectOptions): Promise<Connection> {
    const net = target.addr.isInternal() ? Net.INTERNAL : target.addr.net;
    const t = this.routes.get(net);
    if (!t) return Promise.reject(new ConnectError('ERR_CONNECT_UNREACHABLE', `no route to ${target}: network not reachable`));
    return t.connect(target, options);
  }

  /** @inheritdoc */
  listen(bind: NetService, onConnection: (conn: Connection) => void): Promise<Listener> {
    return this.listenVia.listen(bind, onConnection);
  }
}
