/**
 * SOCKS5 proxy transport (Core `-proxy`, `-onion`): dials through a proxy such as Tor's SocksPort, so
 * Tor v3 and I2P-via-proxy addresses are reachable. With `randomizeCredentials` every connection uses a
 * fresh random username/password, which makes Tor isolate each connection on its own circuit (Core's
 * `-proxyrandomize`, on by default). Listening is not possible through a proxy.
 */
import { randomBytes } from 'node:crypto';
import { SocksClient } from 'socks';
import type { NetService } from '../address/service.js';
import type { Clock } from '../util/clock.js';
import {
  ConnectError, DEFAULT_CONNECT_TIMEOUT_MS, StreamConnection,
  type Connection, type ConnectOptions, type Listener, type Transport,
} from './transport.js';

/** Where the proxy is and how to use it. */
export interface Socks5Options {
  /** Proxy address, e.g. 127.0.0.1:9050. */
  proxy: NetService;
  /** Per-connection random credentials for Tor stream isolation (Core default: true). */
  randomizeCredentials?: boolean;
  /** Fixed credentials (ignored when randomizing). */
  username?: string;
  /** Fixed password. */
  password?: string;
}

function hostOf(target: NetService): string {
  return target.addr.toString();
}

/** Dials through a SOCKS5 proxy using domain-name addressing for .onion/.i2p targets. */
export class Socks5Transport implements Transport {
  /** @param clock time source for timeouts; @param options proxy settings. */
  constructor(private readonly clock: Clock, private readonly options: Socks5Options) {}

  /** @inheritdoc */
  async connect(target: NetService, options: ConnectOptions = {}): Promise<Connection> {
    const { proxy } = this.options;
    const randomize = this.options.randomizeCredentials ?? true;
    const userId = randomize ? randomBytes(8).toString('hex') : this.options.username;
    const password = randomize ? randomBytes(8).toString('hex') : this.options.password;
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = this.clock.setTimeout(() => controller.abort(), timeoutMs);
    const dial = SocksClient.createConnection({
      proxy: { host: proxy.addr.toString(), port: proxy.port, type: 5, userId, password },
      command: 'connect',
      destination: { host: hostOf(target), port: target.port },
      // The library's own timer uses the wall clock; ours (the injected Clock) decides, this is a backstop.
      timeout: timeoutMs + 1_000,
    });
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => {
        const why = options.signal?.aborted ? 'aborted' : `timed out after ${timeoutMs} ms`;
        reject(new ConnectError(options.signal?.aborted ? 'ERR_ABORTED' : 'ERR_CONNECT_TIMEOUT', `proxy dial to ${target} ${why}`));
      }, { once: true });
    });
    try {
      const { socket } = await Promise.race([dial, aborted]);
      socket.setNoDelay(true);
      return new StreamConnection(socket, target, undefined);
    } catch (e) {
      dial.then(({ socket }) => socket.destroy(), () => undefined);
      if (e instanceof ConnectError) throw e;
      const msg = (e as Error).message;
      // Errors about the proxy itself (unreachable, auth) are proxy failures; a SOCKS reply refusing the target is not.
      const proxyFailure = !/Socks5 proxy rejected connection/i.test(msg);
      throw new ConnectError(proxyFailure ? 'ERR_CONNECT_PROXY' : 'ERR_CONNECT_FAILED', `proxy dial to ${target} via ${proxy} failed: ${msg}`, proxyFailure, { cause: e });
    } finally {
      timer.cancel();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Listening through a SOCKS5 proxy is not possible. */
  listen(bind: NetService): Promise<Listener> {
    return Promise.reject(new ConnectError('ERR_CONNECT_FAILED', `cannot listen on ${bind} through a SOCKS5 proxy`));
  }
}
