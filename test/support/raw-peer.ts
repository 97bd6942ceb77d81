/**
 * A scripted P2P peer for integration tests: one real TCP connection to 127.0.0.1, framed and encoded
 * with Peerbook's own wire codecs (src/wire) but none of its peer or connection-manager logic, so a
 * test can say exactly what goes on the wire (an `addr` with one fresh address, an `inv`) and see
 * everything that comes back, in order. It answers pings and nothing else unless told to.
 *
 * Only loopback: `connect` refuses any other host, so a test cannot dial out by mistake.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { ChaChaRandom } from '../../src/util/random.js';
import { encodeFrame, FrameDecoder } from '../../src/wire/frame.js';
import { decodeMessage, encodeMessage, type Message } from '../../src/wire/messages.js';
import { REGTEST } from '../../src/wire/params.js';
import { PROTOCOL_VERSION, zeroVersionAddress, type VersionMessage } from '../../src/wire/version.js';

/** Longest a raw peer waits for a message by default, ms (real time). */
export const RAW_PEER_WAIT_MS = 15_000;

/** How the raw peer presents itself. */
export interface RawPeerOptions {
  /** Network magic (default regtest, which litecoind's regtest shares). */
  magic?: Uint8Array;
  /** User agent in our version (default `/raw-test-peer:0.1/`). */
  userAgent?: string;
  /** Services in our version (default NODE_NETWORK | NODE_WITNESS). */
  services?: bigint;
  /** Send sendaddrv2 during the handshake (default true). */
  addrV2?: boolean;
  /** Relay flag in our version (default true). */
  relay?: boolean;
}

/** One message received, with its command as it came off the wire. */
export interface ReceivedMessage {
  /** Command string. */
  command: string;
  /** Decoded message (`unknown` for commands without a codec). */
  message: Message;
}

/** A test-controlled peer on one TCP connection. */
export class RawPeer extends EventEmitter {
  /** Every message received, in order. */
  readonly received: ReceivedMessage[] = [];
  /** Commands we sent, in order. */
  readonly sent: string[] = [];
  /** The remote's version, once received. */
  remoteVersion: VersionMessage | undefined;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;

  private readonly decoder: FrameDecoder;
  private readonly magic: Uint8Array;
  private isClosed = false;

  private constructor(private readonly socket: net.Socket, private readonly options: RawPeerOptions) {
    super();
    this.magic = options.magic ?? REGTEST.magic;
    this.decoder = new FrameDecoder(this.magic);
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.isClosed = true;
      this.emit('changed');
      resolve();
    }));
    socket.on('error', () => undefined); // 'close' follows
    socket.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch {
        socket.destroy();
        return;
      }
      for (const f of frames) {
        const message = decodeMessage(f.command, f.payload);
        this.received.push({ command: f.command, message });
        if (message.type === 'version') this.remoteVersion = message;
        if (message.type === 'ping') this.send({ type: 'pong', nonce: message.nonce });
      }
      if (frames.length > 0) this.emit('changed');
    });
  }

  /** Opens a TCP connection to 127.0.0.1:`port` (nothing is sent yet). */
  static connect(port: number, options: RawPeerOptions = {}): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawPeer(socket, options));
      });
      socket.once('error', reject);
    });
  }

  /** Our local port on this connection (how the other side sees us). */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** True once the socket closed. */
  get isClosedNow(): boolean {
    return this.isClosed;
  }

  /** Commands received, in order. */
  get commands(): string[] {
    return this.received.map((r) => r.command);
  }

  /** Frames and sends one message. */
  send(message: Message): void {
    const { command, payload } = encodeMessage(message);
    this.sent.push(command);
    if (!this.socket.destroyed) this.socket.write(encodeFrame(this.magic, command, payload));
  }

  /** Sends bytes exactly as given (a corrupted frame, half a header). */
  sendRaw(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /**
   * Core's `sync_with_ping`: sends a ping with a fresh nonce and waits for the matching pong, so every
   * byte sent before it has been processed (rejects if the connection closes first).
   */
  async syncWithPing(timeoutMs = RAW_PEER_WAIT_MS): Promise<void> {
    const nonce = ChaChaRandom.secure().rand64();
    this.send({ type: 'ping', nonce });
    await this.waitFor(`pong ${nonce}`, (m) => m.type === 'pong' && m.nonce === nonce, timeoutMs);
  }

  /** Resolves once the other side has closed the connection; rejects after `timeoutMs`. */
  async waitForDisconnect(timeoutMs = RAW_PEER_WAIT_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`raw peer: still connected after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Outbound handshake: version → (their version) → wtxidrelay, sendaddrv2, verack → (their verack).
   * Resolves with their version.
   */
  async handshake(timeoutMs = RAW_PEER_WAIT_MS): Promise<VersionMessage> {
    const services = this.options.services ?? 9n;
    this.send({
      type: 'version', version: PROTOCOL_VERSION, services, timestamp: BigInt(Math.floor(Date.now() / 1000)),
      addrRecv: zeroVersionAddress(), addrFrom: { ...zeroVersionAddress(), services },
      nonce: ChaChaRandom.secure().rand64(), userAgent: this.options.userAgent ?? '/raw-test-peer:0.1/',
      startHeight: 0, relay: this.options.relay ?? true,
    });
    await this.waitFor('their version', (m) => m.type === 'version', timeoutMs);
    this.send({ type: 'wtxidrelay' });
    if (this.options.addrV2 ?? true) this.send({ type: 'sendaddrv2' });
    this.send({ type: 'verack' });
    await this.waitFor('their verack', (m) => m.type === 'verack', timeoutMs);
    return this.remoteVersion!;
  }

  /**
   * Resolves with the first received message (already received or arriving later) matching `match`;
   * rejects after `timeoutMs` or when the connection closes first.
   */
  waitFor(what: string, match: (m: Message, command: string) => boolean, timeoutMs = RAW_PEER_WAIT_MS): Promise<Message> {
    return new Promise((resolve, reject) => {
      const look = (): boolean => {
        const hit = this.received.find((r) => match(r.message, r.command));
        if (hit) {
          done();
          resolve(hit.message);
          return true;
        }
        if (this.isClosed) {
          done();
          reject(new Error(`raw peer: connection closed while waiting for ${what} (received: ${this.commands.join(', ')})`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`raw peer: no ${what} within ${timeoutMs} ms (received: ${this.commands.join(', ')})`));
      }, timeoutMs);
      const onChange = (): void => { look(); };
      const done = (): void => {
        clearTimeout(timer);
        this.off('changed', onChange);
      };
      if (!look()) this.on('changed', onChange);
    });
  }

  /** Closes the connection at once and waits until the socket is gone. Idempotent. */
  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}
