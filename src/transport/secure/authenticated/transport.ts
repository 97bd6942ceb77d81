/**
 * `AuthenticatedTransport`: any `Transport` (TCP in production) with the authenticated handshake on top.
 * Dials name the key they expect; the listener runs two checks before any cryptography — a `screen` on
 * the raw connection (source IP registered? rate limits? too many handshakes in flight?) and the
 * handshake `gate` on the initiator's claimed key — and hands out only completed `SecureConnection`s.
 */
import type { NetService } from '../../../address/service.js';
import type { ConnectOptions, Listener, Transport } from '../../transport.js';
import { AuthCounters } from './counters.js';
import type { AuthError } from './errors.js';
import type { PeerKeyHex } from './identity.js';
import { ReplayCache } from './replay-cache.js';
import type { SecureConnection } from './secure-connection.js';
import { secureInbound, secureOutbound, type HandshakeGate, type SecureOptions } from './upgrade.js';

/**
 * The check on a raw inbound connection before the handshake starts: a refusal reason (the socket is
 * closed at once), or a function to call when the handshake ends either way (to release a slot).
 */
export type InboundScreen = (remote: NetService) => { refuse: string } | { release: () => void };

/** What a listener does with inbound connections. */
export interface AuthenticatedListenOptions {
  /** Admission on the initiator's claimed key and source address. */
  gate: HandshakeGate;
  /** Admission on the raw connection, before the handshake (default: accept all). */
  screen?: InboundScreen;
  /** Receives each connection whose handshake completed. */
  onConnection: (conn: SecureConnection) => void;
  /** Told about each inbound connection refused by the screen (reason string) or failed in the handshake. */
  onRefused?: (remote: NetService, reason: string, error?: AuthError | Error) => void;
}

/** Settings of the transport (the per-connection options of `SecureOptions`, minus the signal). */
export type AuthenticatedTransportOptions = Omit<SecureOptions, 'signal' | 'counters'> & {
  /** Shared counters (default: a new set, readable as `counters`). */
  counters?: AuthCounters;
  /** Shared replay cache (default: a new one). */
  replayCache?: ReplayCache;
};

/** A transport whose connections are authenticated and encrypted. */
export class AuthenticatedTransport {
  /** Handshake outcomes of every connection through this transport. */
  readonly counters: AuthCounters;
  private readonly replayCache: ReplayCache;

  /** @param inner the byte transport below; @param options identity, namespace, clock, random. */
  constructor(private readonly inner: Transport, private readonly options: AuthenticatedTransportOptions) {
    this.counters = options.counters ?? new AuthCounters();
    this.replayCache = options.replayCache ?? new ReplayCache();
  }

  /** Dials `target` and authenticates it as `peerKey`. Rejects with `ConnectError` or `AuthError`. */
  async connect(target: NetService, peerKey: PeerKeyHex | Uint8Array, options: ConnectOptions = {}): Promise<SecureConnection> {
    const conn = await this.inner.connect(target, options);
    return secureOutbound(conn, { ...this.options, counters: this.counters, expectedKey: peerKey, signal: options.signal });
  }

  /** Accepts on `bind`; only connections that pass the screen, the gate and the handshake reach `onConnection`. */
  listen(bind: NetService, listenOptions: AuthenticatedListenOptions): Promise<Listener> {
    return this.inner.listen(bind, (raw) => {
      const screened = listenOptions.screen?.(raw.remote) ?? { release: () => undefined };
      if ('refuse' in screened) {
        raw.destroy();
        listenOptions.onRefused?.(raw.remote, screened.refuse);
        return;
      }
      secureInbound(raw, { ...this.options, counters: this.counters, replayCache: this.replayCache, gate: listenOptions.gate })
        .then((conn) => {
          screened.release();
          listenOptions.onConnection(conn);
        }, (err: Error) => {
          screened.release();
          listenOptions.onRefused?.(raw.remote, 'code' in err ? String((err as { code: unknown }).code) : err.message, err);
        });
    });
  }
}
