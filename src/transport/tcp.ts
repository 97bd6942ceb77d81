/**
 * TCP transport over `node:net`, IPv4 and IPv6. Only IPv4/IPv6 targets can be dialed directly; Tor,
 * I2P and CJDNS need `Socks5Transport` (or, for CJDNS, a host route) and are refused here.
 */
import net from 'node:net';
import { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import type { Clock } from '../util/clock.js';
import {
  ConnectError, DEFAULT_CONNECT_TIMEOUT_MS, StreamConnection,
  type Connection, type ConnectOptions, type Listener, type Transport,
} from './transport.js';

/** Maps a socket's reported address to a `NetService` (IPv4-mapped IPv6 becomes IPv4, as in Core). */
export function serviceFromSocket(address: string | undefined, port: number | undefined): NetService {
  if (!address) return new NetService(NetAddress.invalid(), 0);
  return new NetService(NetAddress.parse(address, { cjdns: false }), port ?? 0);
}

function hostOf(target: NetService): string {
  return target.addr.toString().replace(/%\d+$/, '');
}

/** Messages written in one turn of the event loop leave in one system call (see StreamConnectionOptions). */
const COALESCE = { coalesceWrites: true } as const;

/** Options of `TcpTransport`. */
export interface TcpTransportOptions {
  /**
   * Source address of outgoing connections (default: chosen by the OS). A multi-homed node whose peers
   * accept it only from a registered IP (the peer-set mode) sets this to that IP.
   */
  localAddress?: string;
}

/** Plain TCP. */
export class TcpTransport implements Transport {
  /** @param clock time source for connect timeouts; @param options source address of dials. */
  constructor(private readonly clock: Clock, private readonly options: TcpTransportOptions = {}) {}

  /** @inheritdoc */
  connect(target: NetService, options: ConnectOptions = {}): Promise<Connection> {
    const { addr } = target;
    if (!addr.isIPv4() && !addr.isIPv6() && !addr.isCJDNS()) {
      return Promise.reject(new ConnectError('ERR_CONNECT_UNREACHABLE', `cannot dial ${target} over plain TCP: needs a proxy`));
    }
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new ConnectError('ERR_ABORTED', `dial to ${target} aborted`));
        return;
      }
      const socket = net.connect({ host: hostOf(target), port: target.port, noDelay: true, localAddress: this.options.localAddress });
      let settled = false;
      const finish = (err?: ConnectError): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        options.signal?.removeEventListener('abort', onAbort);
        socket.off('connect', onConnect);
        socket.off('error', onError);
        if (err) {
          socket.destroy();
          reject(err);
        } else {
          resolve(new StreamConnection(socket, target, serviceFromSocket(socket.localAddress, socket.localPort), COALESCE));
        }
      };
      const onConnect = (): void => finish();
      const onError = (e: NodeJS.ErrnoException): void => {
        const code = e.code === 'ECONNREFUSED' ? 'ERR_CONNECT_REFUSED'
          : e.code === 'ENETUNREACH' || e.code === 'EHOSTUNREACH' || e.code === 'EADDRNOTAVAIL' ? 'ERR_CONNECT_UNREACHABLE' : 'ERR_CONNECT_FAILED';
        finish(new ConnectError(code, `connect to ${target} failed: ${e.code ?? e.message}`, false, { cause: e }));
      };
      const onAbort = (): void => finish(new ConnectError('ERR_ABORTED', `dial to ${target} aborted`));
      const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      const timer = this.clock.setTimeout(() => finish(new ConnectError('ERR_CONNECT_TIMEOUT', `connect to ${target} timed out after ${timeoutMs} ms`)), timeoutMs);
      socket.once('connect', onConnect);
      socket.once('error', onError);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** @inheritdoc */
  listen(bind: NetService, onConnection: (conn: Connection) => void): Promise<Listener> {
    return new Promise((resolve, reject) => {
      // Bound to one address, every accepted socket's local end is that address and port: known once
      // the listener is up, so accepting costs no getsockname() call and no address parsing.
      let fixedLocal: NetService | undefined;
      const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => {
        if (!socket.remoteAddress) {
          socket.destroy();
          return;
        }
        onConnection(new StreamConnection(socket, serviceFromSocket(socket.remoteAddress, socket.remotePort),
          fixedLocal ?? serviceFromSocket(socket.localAddress, socket.localPort), COALESCE));
      });
      server.once('error', reject);
      const ipv6Only = bind.addr.isIPv6();
      server.listen({ host: hostOf(bind), port: bind.port, ipv6Only, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', () => { /* accept errors (EMFILE…) are transient; keep listening */ });
        const a = server.address() as net.AddressInfo;
        const address = serviceFromSocket(a.address, a.port);
        if (!bind.addr.isBindAny()) fixedLocal = address;
        resolve({
          address,
          // server.close() releases the listening socket at once; its callback would wait for every
          // accepted connection to end, which the connection manager closes separately.
          close: () => new Promise<void>((done) => { server.close(); setImmediate(done); }),
        });
      });
    });
  }
}
