/**
 * `SecureConnection`: the `Connection` above the authenticated layer. Writes are cut into frames of at
 * most MAX_FRAME_PLAINTEXT_BYTES and sealed; received frames are opened and emitted as 'data'. The
 * shape is the one below (`Connection`), plus the peer's authenticated key, so the peer layer cannot
 * tell it from a plain socket.
 *
 * Like a Node stream, it holds received data until the first 'data' listener is attached (the inner
 * connection is paused meanwhile), so nothing is lost between the handshake and the caller's wiring.
 * A frame that fails authentication, is too large or exhausts the nonce closes the connection with an
 * `AuthError`, delivered as the 'close' event's error and counted.
 */
import { EventEmitter } from 'node:events';
import type { NetService } from '../../../address/service.js';
import { bytesToHex } from '../../../util/hex.js';
import type { Connection, ConnectionEvents } from '../../transport.js';
import type { AuthCounters, HandshakeRole } from './counters.js';
import { AuthError } from './errors.js';
import type { FrameOpener, FrameSealer } from './frames.js';

/** What a completed handshake hands to the connection. */
export interface SecureSession {
  /** Which side of the handshake we were. */
  role: HandshakeRole;
  /** The other side's authenticated static key. */
  peerKey: Uint8Array;
  /** The transcript hash (a session id both sides share). */
  transcriptHash: Uint8Array;
  /** Seals our frames. */
  sealer: FrameSealer;
  /** Opens theirs. */
  opener: FrameOpener;
}

/** An authenticated, encrypted connection to one peer. */
export class SecureConnection extends EventEmitter implements Connection {
  /** The peer's static key, as hex. */
  readonly peerKey: string;
  /** Session id (hex of the transcript hash). */
  readonly sessionId: string;
  /** Which side of the handshake we were. */
  readonly role: HandshakeRole;
  private readonly sealer: FrameSealer;
  private readonly opener: FrameOpener;
  private flowing = false;
  private paused = false;
  private failure: AuthError | undefined;
  private isClosed = false;

  /**
   * @param inner the connection below (its 'data' must not have been consumed past the handshake)
   * @param session keys and identity from the handshake
   * @param leftover bytes that arrived after the handshake's last message
   * @param counters where protocol-violation closes are counted
   */
  constructor(private readonly inner: Connection, session: SecureSession, leftover: Uint8Array, private readonly counters?: AuthCounters) {
    super();
    this.peerKey = bytesToHex(session.peerKey);
    this.sessionId = bytesToHex(session.transcriptHash);
    this.role = session.role;
    this.sealer = session.sealer;
    this.opener = session.opener;
    this.opener.push(leftover);
    inner.pause();
    inner.on('data', (chunk) => {
      this.opener.push(chunk);
      this.drainFrames();
    });
    inner.on('drain', () => this.emit('drain'));
    inner.on('close', (err) => {
      this.isClosed = true;
      this.emit('close', this.failure ?? err);
    });
    if (inner.closed) queueMicrotask(() => {
      this.isClosed = true;
      this.emit('close', this.failure);
    });
  }

  /** @inheritdoc */
  get remote(): NetService {
    return this.inner.remote;
  }

  /** @inheritdoc */
  get local(): NetService | undefined {
    return this.inner.local;
  }

  /** @inheritdoc */
  get writableLength(): number {
    return this.inner.writableLength;
  }

  /** @inheritdoc */
  get closed(): boolean {
    return this.isClosed || this.inner.closed;
  }

  /** Frames sent so far. */
  get framesSent(): number {
    return this.sealer.framesSealed;
  }

  /** Frames received so far. */
  get framesReceived(): number {
    return this.opener.framesOpened;
  }

  /** Subscribes; the first 'data' listener starts the flow of received data. */
  override on<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this {
    super.on(event, listener as (...args: unknown[]) => void);
    if (event === 'data' && !this.flowing) {
      this.flowing = true;
      if (!this.paused) this.startFlow();
    }
    return this;
  }

  /** @inheritdoc */
  override once<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this {
    const wrapped = (...args: ConnectionEvents[E]): void => {
      this.off(event, wrapped);
      listener(...args);
    };
    // EventEmitter's removeListener matches `.listener`, so off(event, listener) also removes the wrapper.
    (wrapped as { listener?: unknown }).listener = listener;
    return this.on(event, wrapped);
  }

  /** @inheritdoc */
  override off<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this {
    super.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Seals and queues `data` (any length); false when the inner buffer is above its high-water mark. */
  write(data: Uint8Array): boolean {
    if (this.closed) return false;
    let frames: Buffer[];
    try {
      frames = this.sealer.sealAll(data);
    } catch (err) {
      if (err instanceof AuthError) this.fail(err);
      return false;
    }
    let ok = true;
    for (const frame of frames) ok = this.inner.write(frame);
    return ok;
  }

  /** @inheritdoc */
  pause(): void {
    this.paused = true;
    this.inner.pause();
  }

  /** @inheritdoc */
  resume(): void {
    this.paused = false;
    if (this.flowing) this.startFlow();
  }

  /** @inheritdoc */
  end(): void {
    this.inner.end();
  }

  /** @inheritdoc */
  destroy(error?: Error): void {
    this.inner.destroy(error);
  }

  private startFlow(): void {
    // Frames already buffered are delivered on the next microtask (never inside `on`/`resume`).
    queueMicrotask(() => {
      this.drainFrames();
      if (this.flowing && !this.paused && !this.closed) this.inner.resume();
    });
  }

  private drainFrames(): void {
    while (this.flowing && !this.paused && !this.failure) {
      let plaintext: Uint8Array | undefined;
      try {
        plaintext = this.opener.next();
      } catch (err) {
        if (err instanceof AuthError) this.fail(err);
        else throw err;
        return;
      }
      if (plaintext === undefined) return;
      if (plaintext.length > 0) this.emit('data', plaintext);
    }
  }

  private fail(err: AuthError): void {
    if (this.failure) return;
    this.failure = err;
    this.counters?.rejected(this.role, err.reason);
    this.inner.destroy(err);
  }
}
