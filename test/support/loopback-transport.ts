/**
 * A transport for integration tests that must never leave the machine: real TCP (Peerbook's own
 * `TcpTransport`) to and from 127.0.0.0/8 only. Any dial elsewhere — an address learned by gossip,
 * a Tor or I2P address — is refused without touching the network and recorded, so a test can both
 * stay on loopback even if Peerbook misbehaves and assert that it never tried.
 */
import type { NetService } from '../../src/address/service.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import { ConnectError, type Connection, type ConnectOptions, type Listener, type Transport } from '../../src/transport/transport.js';
import type { Clock } from '../../src/util/clock.js';

function isLoopbackV4(s: NetService): boolean {
  return s.addr.isIPv4() && s.addr.bytes[0] === 127;
}

/** TCP restricted to 127.0.0.0/8. */
export class LoopbackOnlyTransport implements Transport {
  /** Dials refused because the target was not on loopback, in order. */
  readonly refused: string[] = [];
  /** Loopback dials made, in order. */
  readonly dialed: string[] = [];
  private readonly tcp: TcpTransport;

  /** @param clock the clock the PeerManager uses (connect timeouts run on it). */
  constructor(clock: Clock) {
    this.tcp = new TcpTransport(clock);
  }

  /** @inheritdoc */
  connect(target: NetService, options?: ConnectOptions): Promise<Connection> {
    if (!isLoopbackV4(target)) {
      this.refused.push(target.toString());
      return Promise.reject(new ConnectError('ERR_CONNECT_UNREACHABLE', `test transport: refusing to dial ${target} (loopback only)`));
    }
    this.dialed.push(target.toString());
    return this.tcp.connect(target, options);
  }

  /** @inheritdoc */
  listen(bind: NetService, onConnection: (conn: Connection) => void): Promise<Listener> {
    if (!isLoopbackV4(bind)) return Promise.reject(new Error(`test transport: refusing to listen on ${bind} (loopback only)`));
    return this.tcp.listen(bind, onConnection);
  }
}
