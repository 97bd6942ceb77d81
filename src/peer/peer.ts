/**
 * `Peer`: one connection to one node — Core's `CNode` plus the per-peer parts of net_processing.
 *
 * It owns the byte stream through a `MessageTransport` (v1 framing by default, or BIP324 v2 with v1
 * detection; see message-transport.ts), stopping at the first broken-stream error, runs the version
 * handshake in either direction (version → wtxidrelay/sendaddrv2 → verack; those two are refused
 * after verack; a nonce we sent ourselves means we dialed ourselves), pings every two minutes and
 * keeps the minimum ping, and enforces Core's inactivity rules (nothing in the first 60 s, 20 min
 * without sending or receiving, a ping unanswered for 20 min, a handshake that never completes).
 *
 * Backpressure works the way Core's does: received messages wait in a queue; when the bytes queued
 * exceed the receive flood size (5 MB) we stop reading the socket, and while more than the send buffer
 * (1 MB) is waiting to go out we stop processing the peer's requests — so a peer that asks and never
 * reads ends up throttling itself, and nothing it does grows our memory past fixed bounds.
 *
 * Policy lives elsewhere: the peer reports `version`, `ready`, `message`, `misbehaving` and `close`,
 * and the connection manager decides what they mean. Time comes from the injected clock; the manager
 * calls `tick()` about once a second to run the timers.
 */
import type { NetService } from '../address/service.js';
import type { Clock } from '../util/clock.js';
import { TypedEmitter } from '../util/events.js';
import { bytesToHex } from '../util/hex.js';
import type { Random } from '../util/random.js';
import { FrameError, MessageDecodeError, type CompletedFrame } from '../wire/errors.js';
import { decodeMessage, encodeMessage, type Message } from '../wire/messages.js';
import {
  MIN_PEER_PROTO_VERSION, WTXID_RELAY_VERSION, zeroVersionAddress, type VersionMessage,
} from '../wire/version.js';
import type { Connection } from '../transport/transport.js';
import { LruSet } from './lru-set.js';
import type { MessageTransport, TransportChoice, TransportInfo, TransportProtocolType } from './message-transport.js';
import { counterKey, NET_MESSAGE_TYPE_OTHER } from './message-types.js';
import { Fifo } from './queue.js';
import { V2TransportError } from './transport-errors.js';
import {
  ADDR_FETCH_TIMEOUT_MS, DEFAULT_PEER_LIMITS, expectsServicesFrom,
  type ConnectionType, type PeerLimits,
} from './types.js';
import { V1MessageTransport } from './v1-transport.js';
import { V2MessageTransport } from './v2-transport.js';

/** Most inventory hashes remembered per peer as "already known to it" (most-recently-used eviction). */
export const MAX_KNOWN_INVENTORY = 5_000;
/** After `disconnect`, a socket whose peer does not read our queued bytes is destroyed this much later, ms. */
export const DISCONNECT_GRACE_MS = 2_000;

/** What we announce about ourselves in `version`. */
export interface LocalNodeInfo {
  /** Protocol version we speak (Core PROTOCOL_VERSION). */
  protocolVersion: number;
  /** Our service flags. */
  services: bigint;
  /** Our user agent (BIP14), e.g. `/Peerbook:0.1.0/`. */
  userAgent: string;
  /** Our best block height, asked at handshake time. */
  startHeight(): number;
  /** Whether we want transactions relayed (false in blocks-only mode; always false on block-relay-only links). */
  relayTxs: boolean;
}

/** Byte counters shared by every peer of a manager. */
export interface TrafficRecorder {
  /** Called with the size of every frame queued for sending. */
  recordSent(bytes: number): void;
  /** Called with the size of every chunk received. */
  recordReceived(bytes: number): void;
  /** Called per framed message with its counter key (Core message type or `*other*`) and wire size. */
  recordMessage?(direction: 'sent' | 'recv', key: string, bytes: number): void;
  /** Called with socket bytes and the connection's transport protocol at that moment (`detecting` during a BIP324 handshake). */
  recordTransport?(direction: 'sent' | 'recv', transport: TransportProtocolType, bytes: number): void;
}

/** Everything a `Peer` needs. */
export interface PeerOptions {
  /** Manager-assigned id (Core NodeId). */
  id: number;
  /** The established byte stream. */
  connection: Connection;
  /** Core connection type. */
  connType: ConnectionType;
  /** The peer's address: the dialed target, or the remote end of an inbound connection. */
  addr: NetService;
  /** The name we dialed, when different from the address (Core m_addr_name). */
  addrName?: string;
  /** Services we believe the peer has (sent back in `version`'s addrRecv). */
  knownServices?: bigint;
  /** Network magic. */
  magic: Uint8Array;
  /** Time source. */
  clock: Clock;
  /** Randomness (nonces). */
  random: Random;
  /** Our identity. */
  local: LocalNodeInfo;
  /** Our nonce for this connection's `version` (the manager keeps them to detect self-connections). */
  nonce: bigint;
  /** Overrides of Core's default limits. */
  limits?: Partial<PeerLimits>;
  /** True if `nonce` is one we sent on an outbound connection (Core CheckIncomingNonce). */
  isOwnNonce?: (nonce: bigint) => boolean;
  /** True if `services` are enough for an outbound slot (Core HasAllDesirableServiceFlags). */
  hasDesirableServices?: (services: bigint) => boolean;
  /** Byte counters for the manager's totals. */
  traffic?: TrafficRecorder;
  /** Core NetPermissionFlags of this connection. */
  permissions?: number;
  /** Whether the connection goes through a proxy (then we don't tell the peer its address). */
  viaProxy?: boolean;
  /**
   * The transport: `v1` (default: plain v1 framing), `v2` (BIP324; an inbound v1 peer is detected and
   * served v1, as Core does), or a ready-made `MessageTransport` (tests, benchmarks).
   */
  messageTransport?: TransportChoice | MessageTransport;
}

/** What the peer told us in its `version`. */
export interface RemoteVersion {
  /** Its protocol version. */
  version: number;
  /** Its service flags. */
  services: bigint;
  /** Its user agent. */
  userAgent: string;
  /** Its best height at connect time. */
  startHeight: number;
  /** Whether it wants transactions relayed (absent = true, as Core). */
  relay: boolean;
  /** Its version nonce. */
  nonce: bigint;
  /** Its clock minus ours, seconds (Core nTimeOffset). */
  timeOffset: number;
  /** How it sees our address (Core addrLocal), if it told us a valid one. */
  addrLocal: NetService | undefined;
}

/** Events a peer emits. */
export type PeerEvents = {
  /** The peer's `version` was accepted and we answered with verack. */
  version: [info: RemoteVersion];
  /** The peer's `verack` arrived: the handshake is complete (Core fSuccessfullyConnected). */
  ready: [];
  /** A post-handshake message the peer layer does not handle itself. */
  message: [message: Message, rawSize: number];
  /** The peer broke a protocol rule worth discouraging it for (Core Misbehaving). */
  misbehaving: [reason: string];
  /** The peer is gone; `reason` says why (Core's wording where it has one). */
  close: [reason: string];
};

/** Per-peer statistics (the raw material of getpeerinfo). */
export interface PeerStats {
  id: number;
  connType: ConnectionType;
  inbound: boolean;
  addr: NetService;
  addrBind: NetService | undefined;
  addrName: string;
  connectedAt: number;
  lastSend: number;
  lastRecv: number;
  bytesSent: number;
  bytesRecv: number;
  bytesSentPerMsg: Record<string, number>;
  bytesRecvPerMsg: Record<string, number>;
  lastPingMs: number | undefined;
  minPingMs: number | undefined;
  pingWaitMs: number | undefined;
  remote: RemoteVersion | undefined;
  successfullyConnected: boolean;
  wantsAddrV2: boolean;
  wtxidRelay: boolean;
  permissions: number;
  /** Core getpeerinfo `transport_protocol_type`. */
  transportType: TransportProtocolType;
  /** Core getpeerinfo `session_id`: hex of the BIP324 session id, once the connection is v2. */
  sessionId: string | undefined;
}

/** One connection to one node. */
export class Peer extends TypedEmitter<PeerEvents> {
  /** Manager-assigned id. */
  readonly id: number;
  /** Core connection type. */
  readonly connType: ConnectionType;
  /** The peer's address. */
  readonly addr: NetService;
  /** The name dialed (or the address as text). */
  readonly addrName: string;
  /** Our nonce in `version`. */
  readonly nonce: bigint;
  /** Core NetPermissionFlags. */
  readonly permissions: number;
  /** Inventory this peer already knows (announced by it or to it). */
  readonly knownInventory = new LruSet<string>(MAX_KNOWN_INVENTORY);
  /** When the connection was established (ms). */
  readonly connectedAt: number;
  /** Resolves when the underlying connection has fully closed. */
  readonly closed: Promise<void>;

  private readonly conn: Connection;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly local: LocalNodeInfo;
  private readonly limits: PeerLimits;
  private readonly options: PeerOptions;
  private readonly transport: MessageTransport;
  private readonly recvQueue = new Fifo<CompletedFrame>();
  private recvQueueBytes = 0;
  private processing = false;
  private recvPaused = false;
  private sendPaused = false;
  private versionSent = false;
  private remoteInfo: RemoteVersion | undefined;
  private commonVersion = 0;
  private ready = false;
  private wantsV2 = false;
  private wtxid = false;
  private lastSendMs = 0;
  private lastRecvMs = 0;
  private sent = 0;
  private received = 0;
  /** Bytes given to the connection, and how many of them were reported to the transport as gone out. */
  private handedBytes = 0;
  private reportedSentBytes = 0;
  /** A look at the bytes sent is queued for the end of this turn (see flushOutgoing). */
  private sentReportQueued = false;
  /** Dropped-message bytes of the transport already counted under `*other*`. */
  private droppedBytesCounted = 0;
  private readonly sentPerMsg = new Map<string, number>();
  private readonly recvPerMsg = new Map<string, number>();
  private pingNonceSent = 0n;
  private pingStartMs = 0;
  private pingQueued = false;
  private lastPing: number | undefined;
  private minPing: number | undefined;
  private disconnecting: string | undefined;
  /** Who ended the connection: the remote end (or the socket), one of our timeouts, or a deliberate local disconnect. */
  private closeCause: 'remote' | 'timeout' | 'local' | undefined;

  /** @param options see `PeerOptions`. */
  constructor(options: PeerOptions) {
    super();
    this.options = options;
    this.id = options.id;
    this.conn = options.connection;
    this.connType = options.connType;
    this.addr = options.addr;
    this.addrName = options.addrName ?? options.addr.toString();
    this.clock = options.clock;
    this.random = options.random;
    this.local = options.local;
    this.nonce = options.nonce;
    this.permissions = options.permissions ?? 0;
    this.limits = { ...DEFAULT_PEER_LIMITS, ...options.limits };
    this.transport = createTransport(options);
    this.connectedAt = this.clock.now();
    this.closed = new Promise((resolve) => {
      if (this.conn.closed) resolve();
      else this.conn.once('close', () => resolve());
    });
    this.conn.on('data', (chunk) => this.onData(chunk));
    this.conn.on('drain', () => this.onDrain());
    this.conn.once('close', (err) => this.finish(err ? `connection error: ${err.message}` : 'connection closed by peer'));
  }

  // ---- public API ---------------------------------------------------------------------------

  /** True for inbound connections. */
  get inbound(): boolean {
    return this.connType === 'inbound';
  }

  /** True once the peer's verack arrived (Core fSuccessfullyConnected). */
  get isReady(): boolean {
    return this.ready;
  }

  /** True once we started disconnecting (Core fDisconnect). */
  get isDisconnecting(): boolean {
    return this.disconnecting !== undefined;
  }

  /** Why the peer was disconnected, once it was. */
  get disconnectReason(): string | undefined {
    return this.disconnecting;
  }

  /** What the peer said in its version, once it did. */
  get remote(): RemoteVersion | undefined {
    return this.remoteInfo;
  }

  /** min(our version, theirs), once known. */
  get version(): number {
    return this.commonVersion;
  }

  /** The peer asked for BIP155 addrv2 messages. */
  get wantsAddrV2(): boolean {
    return this.wantsV2;
  }

  /** The peer negotiated BIP339 wtxid relay. */
  get wtxidRelay(): boolean {
    return this.wtxid;
  }

  /** Our local address of this connection. */
  get addrBind(): NetService | undefined {
    return this.conn.local;
  }

  /** Bytes waiting to go out: in the socket's buffer, or held by the transport until its handshake allows them. */
  get sendQueueBytes(): number {
    return this.conn.writableLength + this.transport.queuedBytes;
  }

  /** The transport's protocol and session id (Core `Transport::GetInfo`). */
  get transportInfo(): TransportInfo {
    return this.transport.info();
  }

  /**
   * After this connection failed: whether to retry it once with v1 (Core `ShouldReconnectV1`: an
   * outbound v2 attempt that received nothing after sending at least 24 bytes). Unlike Core, a
   * connection we closed on purpose (caller abort, operator disconnect, ban, shutdown) is not retried;
   * one the remote end closed, or that our timeouts ended, is.
   */
  get shouldReconnectV1(): boolean {
    return this.closeCause !== 'local' && this.transport.shouldReconnectV1();
  }

  /** Bytes received and waiting to be processed. */
  get receiveQueueBytes(): number {
    return this.recvQueueBytes;
  }

  /** True while reading from the socket is paused (Core fPauseRecv). */
  get isReceivePaused(): boolean {
    return this.recvPaused;
  }

  /** Lowest ping round trip seen, ms (undefined before the first pong); what eviction reads without a full `stats()`. */
  get minPingMs(): number | undefined {
    return this.minPing;
  }

  /** True while request processing is paused because the send buffer is full (Core fPauseSend). */
  get isSendPaused(): boolean {
    return this.sendPaused;
  }

  /** Starts the handshake: outbound connections send `version` first; inbound ones wait for theirs. */
  start(): void {
    if (!this.inbound) this.sendVersion();
  }

  /**
   * Queues a message. Returns false if the peer is disconnecting. Exceeding the hard send-queue cap
   * disconnects the peer ("send buffer overflow").
   */
  send(message: Message): boolean {
    if (this.disconnecting !== undefined) return false;
    const { command, payload } = encodeMessage(message);
    this.transport.send(command, payload);
    this.flushOutgoing();
    const queued = this.sendQueueBytes;
    if (queued > this.limits.maxSendQueueBytes) {
      this.disconnect(`send buffer overflow (${queued} bytes queued)`);
      return false;
    }
    this.sendPaused = queued > this.limits.sendBufferBytes;
    return true;
  }

  /** Queues a ping to go out at the next tick (Core RPC `ping`). */
  queuePing(): void {
    this.pingQueued = true;
  }

  /** Disconnects with `reason`: queued data is flushed if the peer reads it, then the socket closes. */
  disconnect(reason: string): void {
    if (this.disconnecting !== undefined) return;
    this.closeCause ??= 'local';
    this.disconnecting = reason;
    this.recvQueue.clear();
    this.recvQueueBytes = 0;
    this.conn.end();
    // A peer that stops reading could hold the socket open forever; force it after a grace period. The
    // timer goes as soon as the socket has closed, so a stopped manager leaves no timer behind.
    if (!this.conn.closed) {
      const force = this.clock.setTimeout(() => this.conn.destroy(), DISCONNECT_GRACE_MS);
      this.conn.once('close', () => force.cancel());
    }
    this.emit('close', reason);
  }

  /** Closes the socket at once, dropping anything queued. */
  destroy(): void {
    if (this.disconnecting === undefined) this.disconnect('destroyed');
    this.conn.destroy();
  }

  /** Runs the timers: inactivity, handshake timeout, ping, addr-fetch lifetime. Call about once a second. */
  tick(): void {
    if (this.disconnecting !== undefined) return;
    const now = this.clock.now();
    const checksActive = now > this.connectedAt + this.limits.peerConnectTimeoutMs;
    if (checksActive) {
      const reason = this.inactivityReason(now);
      if (reason) {
        this.closeCause = 'timeout';
        this.disconnect(reason);
        return;
      }
    }
    if (this.connType === 'addr-fetch' && now > this.connectedAt + ADDR_FETCH_TIMEOUT_MS) {
      this.disconnect('addr-fetch connection timeout');
      return;
    }
    if (!this.ready) return;
    if (checksActive && this.pingNonceSent !== 0n && now > this.pingStartMs + this.limits.inactivityTimeoutMs) {
      this.closeCause = 'timeout';
      this.disconnect(`ping timeout: ${((now - this.pingStartMs) / 1000).toFixed(3)}s`);
      return;
    }
    if (this.pingQueued || (this.pingNonceSent === 0n && now > this.pingStartMs + this.limits.pingIntervalMs)) {
      let nonce = 0n;
      while (nonce === 0n) nonce = this.random.rand64();
      this.pingQueued = false;
      this.pingStartMs = now;
      this.pingNonceSent = nonce;
      this.send({ type: 'ping', nonce });
    }
  }

  /** A snapshot of the statistics getpeerinfo reports. */
  stats(): PeerStats {
    const now = this.clock.now();
    return {
      id: this.id,
      connType: this.connType,
      inbound: this.inbound,
      addr: this.addr,
      addrBind: this.conn.local,
      addrName: this.addrName,
      connectedAt: this.connectedAt,
      lastSend: this.lastSendMs,
      lastRecv: this.lastRecvMs,
      bytesSent: this.sent,
      bytesRecv: this.received,
      bytesSentPerMsg: Object.fromEntries(this.sentPerMsg),
      bytesRecvPerMsg: Object.fromEntries(this.recvPerMsg),
      lastPingMs: this.lastPing,
      minPingMs: this.minPing,
      pingWaitMs: this.pingNonceSent !== 0n ? now - this.pingStartMs : undefined,
      remote: this.remoteInfo,
      successfullyConnected: this.ready,
      wantsAddrV2: this.wantsV2,
      wtxidRelay: this.wtxid,
      permissions: this.permissions,
      ...transportStats(this.transport.info()),
    };
  }

  // ---- receiving ----------------------------------------------------------------------------

  private onData(chunk: Uint8Array): void {
    if (this.disconnecting !== undefined) return;
    this.lastRecvMs = this.clock.now();
    this.received += chunk.length;
    this.options.traffic?.recordReceived(chunk.length);
    let frames: readonly CompletedFrame[];
    let failure: FrameError | V2TransportError | undefined;
    try {
      frames = this.transport.receive(chunk);
    } catch (e) {
      if (!(e instanceof FrameError) && !(e instanceof V2TransportError)) throw e;
      failure = e;
      frames = e.completed;
    }
    this.options.traffic?.recordTransport?.('recv', this.transport.info().type, chunk.length);
    if (!failure) {
      this.flushOutgoing(); // handshake bytes the input called for, and messages it released
      if (this.sendPaused && this.sendQueueBytes <= this.limits.sendBufferBytes) this.sendPaused = false;
    }
    this.countDroppedMessages();
    for (const f of frames) {
      this.recvQueue.push(f);
      this.recvQueueBytes += f.rawSize;
    }
    this.processQueue();
    if (failure) {
      this.disconnect(failure instanceof FrameError ? `framing error: ${failure.message}` : `v2 transport error: ${failure.message}`);
      return;
    }
    if (!this.recvPaused && this.recvQueueBytes > this.limits.receiveFloodBytes) {
      this.recvPaused = true;
      this.conn.pause();
    }
  }

  /** Core ReceiveMsgBytes: a message the transport rejected counts its raw size under `*other*`. */
  private countDroppedMessages(): void {
    const dropped = this.transport.droppedBytes;
    if (dropped === this.droppedBytesCounted) return;
    const delta = dropped - this.droppedBytesCounted;
    this.droppedBytesCounted = dropped;
    this.recvPerMsg.set(NET_MESSAGE_TYPE_OTHER, (this.recvPerMsg.get(NET_MESSAGE_TYPE_OTHER) ?? 0) + delta);
    this.options.traffic?.recordMessage?.('recv', NET_MESSAGE_TYPE_OTHER, delta);
  }

  private onDrain(): void {
    this.lastSendMs = this.clock.now();
    this.reportSentBytes();
    if (this.sendPaused && this.sendQueueBytes <= this.limits.sendBufferBytes) {
      this.sendPaused = false;
      this.processQueue();
    }
  }

  /** Processes queued messages until the queue is empty or the send buffer is full. */
  private processQueue(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.disconnecting === undefined && !this.sendPaused) {
        const frame = this.recvQueue.shift();
        if (!frame) break;
        this.recvQueueBytes -= frame.rawSize;
        this.handleFrame(frame);
      }
    } finally {
      this.processing = false;
    }
    if (this.recvPaused && this.disconnecting === undefined && this.recvQueueBytes <= this.limits.receiveFloodBytes) {
      this.recvPaused = false;
      this.conn.resume();
    }
  }

  private handleFrame(frame: CompletedFrame): void {
    const key = counterKey(frame.command);
    this.recvPerMsg.set(key, (this.recvPerMsg.get(key) ?? 0) + frame.rawSize);
    this.options.traffic?.recordMessage?.('recv', key, frame.rawSize);
    let message: Message;
    try {
      message = decodeMessage(frame.command, frame.payload);
    } catch (e) {
      if (e instanceof MessageDecodeError && e.reason === 'too-many-entries') {
        this.emit('misbehaving', e.message);
        this.disconnect(`misbehaving: ${e.message}`);
      } else {
        this.disconnect(`malformed ${frame.command} message: ${(e as Error).message}`);
      }
      return;
    }
    this.handleMessage(message, frame.rawSize);
  }

  private handleMessage(message: Message, rawSize: number): void {
    if (message.type === 'version') {
      this.onVersion(message);
      return;
    }
    // Core: every message before version is ignored ("non-version message before version handshake").
    if (!this.remoteInfo) return;
    switch (message.type) {
      case 'verack':
        if (!this.ready) {
          this.ready = true;
          this.emit('ready');
        }
        return;
      case 'sendaddrv2':
        if (this.ready) this.disconnect('sendaddrv2 received after verack');
        else this.wantsV2 = true;
        return;
      case 'wtxidrelay':
        if (this.ready) this.disconnect('wtxidrelay received after verack');
        else if (this.commonVersion >= WTXID_RELAY_VERSION) this.wtxid = true;
        return;
      default:
        break;
    }
    // Core: other messages before verack are logged as unsupported and ignored.
    if (!this.ready) return;
    if (message.type === 'ping') {
      this.send({ type: 'pong', nonce: message.nonce });
      return;
    }
    if (message.type === 'pong') {
      this.onPong(message.nonce);
      return;
    }
    this.emit('message', message, rawSize);
  }

  private onVersion(v: VersionMessage): void {
    if (this.remoteInfo) return; // Core ≥ 22: a redundant version is ignored
    if (expectsServicesFrom(this.connType) && this.options.hasDesirableServices && !this.options.hasDesirableServices(v.services)) {
      this.remoteInfo = this.toRemote(v);
      this.disconnect(`peer does not offer the expected services (${v.services.toString(16).padStart(16, '0')} offered)`);
      return;
    }
    if (v.version < MIN_PEER_PROTO_VERSION) {
      this.disconnect(`using obsolete version ${v.version}`);
      return;
    }
    if (this.inbound && this.options.isOwnNonce?.(v.nonce)) {
      this.disconnect(`connected to self at ${this.addr}`);
      return;
    }
    this.remoteInfo = this.toRemote(v);
    if (this.inbound) this.sendVersion();
    this.commonVersion = Math.min(v.version, this.local.protocolVersion);
    if (this.commonVersion >= WTXID_RELAY_VERSION) {
      this.send({ type: 'wtxidrelay' });
      this.send({ type: 'sendaddrv2' });
    }
    this.send({ type: 'verack' });
    this.emit('version', this.remoteInfo);
    if (this.connType === 'feeler') this.disconnect('feeler connection completed');
  }

  private toRemote(v: VersionMessage): RemoteVersion {
    const me = v.addrRecv.service;
    return {
      version: v.version,
      services: v.services,
      userAgent: v.userAgent,
      startHeight: v.startHeight,
      relay: v.relay ?? true,
      nonce: v.nonce,
      timeOffset: Number(v.timestamp) - this.clock.nowSeconds(),
      addrLocal: me.addr.isValid() ? me : undefined,
    };
  }

  private onPong(nonce: bigint): void {
    if (this.pingNonceSent === 0n) return; // unsolicited pong
    if (nonce === this.pingNonceSent) {
      const elapsed = this.clock.now() - this.pingStartMs;
      if (elapsed >= 0) {
        this.lastPing = elapsed;
        this.minPing = this.minPing === undefined ? elapsed : Math.min(this.minPing, elapsed);
      }
      this.pingNonceSent = 0n;
    } else if (nonce === 0n) {
      this.pingNonceSent = 0n; // Core: a zero nonce cancels the outstanding ping
    }
  }

  // ---- sending ------------------------------------------------------------------------------

  /** Writes what the transport has ready, counting bytes as Core does (per message type only for message bytes). */
  private flushOutgoing(): void {
    for (const { bytes, command } of this.transport.takeOutgoing()) {
      const n = bytes.length;
      if (command !== undefined) {
        const key = counterKey(command);
        this.sentPerMsg.set(key, (this.sentPerMsg.get(key) ?? 0) + n);
        this.options.traffic?.recordMessage?.('sent', key, n);
      }
      this.sent += n;
      this.options.traffic?.recordSent(n);
      this.options.traffic?.recordTransport?.('sent', this.transport.info().type, n);
      this.handedBytes += n;
      if (this.conn.write(bytes)) this.lastSendMs = this.clock.now();
    }
    this.reportSentBytes();
    // A connection that coalesces writes holds them until the end of this event-loop turn (its uncork
    // is already queued); look again right after it, or a v2 attempt a v1 node hangs up on would never
    // learn that its key left (Core ShouldReconnectV1 needs the bytes sent). One look per turn.
    if (this.conn.writableLength > 0 && !this.sentReportQueued) {
      this.sentReportQueued = true;
      process.nextTick(Peer.reportSentBytesLater, this);
    }
  }

  private static reportSentBytesLater(peer: Peer): void {
    peer.sentReportQueued = false;
    peer.reportSentBytes();
  }

  /** Tells the transport how many bytes have left through the socket (for Core's ShouldReconnectV1). */
  private reportSentBytes(): void {
    const gone = this.handedBytes - this.conn.writableLength;
    if (gone > this.reportedSentBytes) {
      this.transport.markBytesSent(gone - this.reportedSentBytes);
      this.reportedSentBytes = gone;
    }
  }

  private sendVersion(): void {
    if (this.versionSent) return;
    this.versionSent = true;
    const { addr } = this;
    // Core PushNodeVersion: tell the peer its address only when it is routable, direct and v1-encodable.
    const tellAddress = addr.addr.isRoutable() && !this.options.viaProxy && addr.addr.isAddrV1Compatible();
    const me = zeroVersionAddress();
    this.send({
      type: 'version',
      version: this.local.protocolVersion,
      services: this.local.services,
      timestamp: BigInt(this.clock.nowSeconds()),
      addrRecv: { services: this.options.knownServices ?? 0n, service: tellAddress ? addr : me.service },
      addrFrom: { services: this.local.services, service: me.service },
      nonce: this.nonce,
      userAgent: this.local.userAgent,
      startHeight: this.local.startHeight(),
      relay: this.connType === 'block-relay-only' ? false : this.local.relayTxs,
    });
  }

  // ---- timers and teardown ------------------------------------------------------------------

  private inactivityReason(now: number): string | undefined {
    const seconds = Math.round(this.limits.peerConnectTimeoutMs / 1000);
    if (this.lastRecvMs === 0 || this.lastSendMs === 0) {
      return `socket no message in first ${seconds} seconds, ${this.lastRecvMs !== 0 ? 1 : 0} ${this.lastSendMs !== 0 ? 1 : 0}`;
    }
    if (now > this.lastSendMs + this.limits.inactivityTimeoutMs) return `socket sending timeout: ${Math.round((now - this.lastSendMs) / 1000)}s`;
    if (now > this.lastRecvMs + this.limits.inactivityTimeoutMs) return `socket receive timeout: ${Math.round((now - this.lastRecvMs) / 1000)}s`;
    if (!this.ready) return 'version handshake timeout';
    return undefined;
  }

  private finish(reason: string): void {
    if (this.disconnecting !== undefined) return;
    this.closeCause = 'remote';
    this.disconnecting = reason;
    this.recvQueue.clear();
    this.recvQueueBytes = 0;
    this.emit('close', reason);
  }
}

/** The transport `options` ask for: v1 framing unless `v2` or a ready-made transport is given. */
function createTransport(options: PeerOptions): MessageTransport {
  const choice = options.messageTransport ?? 'v1';
  if (typeof choice !== 'string') return choice;
  if (choice === 'v1') return new V1MessageTransport(options.magic);
  return new V2MessageTransport({ magic: options.magic, initiating: options.connType !== 'inbound', random: options.random });
}

/** getpeerinfo's transport fields from a transport's info. */
function transportStats(info: TransportInfo): { transportType: TransportProtocolType; sessionId: string | undefined } {
  return { transportType: info.type, sessionId: info.sessionId === undefined ? undefined : bytesToHex(info.sessionId) };
}
