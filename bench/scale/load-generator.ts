/**
 * The load generator: a child process that plays thousands of Bitcoin peers against one node over
 * real loopback TCP. Each simulated peer binds its own source address (sources.ts), connects, sends
 * `version`, answers the node's `version` with `wtxidrelay`, `sendaddrv2` and `verack` (the order of
 * Core's `PushNodeVersion` … `VERACK`), counts its handshake done when the node's `verack` arrives,
 * and from then on only answers pings (optionally sending one `getaddr` first, as Core does on its
 * outbound links). It never dials anything but the one target given on its command line.
 *
 * It is steered by the orchestrator over IPC (rpc.ts): `open` adds peers with a bounded number of
 * handshakes in flight and reports how long each took; `churn` keeps opening newcomers for a while and
 * counts which the node accepted and which established peers it evicted to make room; `status` and
 * `closeAll` do what they say. The load generator shares the CPU with the node under test, so it does
 * as little as it can: constant frames are encoded once, and incoming bytes are only framed (the
 * node's messages are recognised by command; only `ping` payloads are used).
 *
 *   node dist/bench/scale/load-generator.js --target 127.0.0.1:18444 [--plan loopback] [--groups 254] [--getaddr]
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { encodeFrame, FrameDecoder } from '../../src/wire/frame.js';
import { encodeMessage, type Message } from '../../src/wire/messages.js';
import { PROTOCOL_VERSION, zeroVersionAddress } from '../../src/wire/version.js';
import { parseLoadGenArgs, type LoadGenArgs } from './args.js';
import { serveRpc } from './rpc.js';
import { sourceAddress } from './sources.js';

/** Services the simulated peers claim: NODE_NETWORK | NODE_WITNESS | NODE_NETWORK_LIMITED (a pruned-or-full Core node). */
const LOAD_PEER_SERVICES = 0x409n;
/** User agent of the simulated peers (BIP14). */
const LOAD_PEER_USER_AGENT = '/peerbook-loadgen:0.1.0/';
/** A handshake not finished after this long counts as failed and its socket is closed, ms. */
export const HANDSHAKE_TIMEOUT_MS = 30_000;
/** Handshake latencies kept for percentiles (a ring: the most recent ones). */
const MAX_LATENCY_SAMPLES = 100_000;

/** Where one simulated peer is. */
type PeerState = 'connecting' | 'handshaking' | 'ready' | 'closed';

/** Why a peer's handshake did not complete. */
type FailureKind = 'connect-error' | 'closed-before-verack' | 'timeout';

/** Results of `open`. */
export interface OpenResult {
  /** Peers asked for. */
  requested: number;
  /** Handshakes completed. */
  ready: number;
  /** Handshakes that failed, by kind. */
  failed: Record<FailureKind, number>;
  /** First connect to last settled, ms. */
  durationMs: number;
  /** Completed handshakes per second over `durationMs`. */
  handshakesPerS: number;
  /** Connect-to-verack latency percentiles, ms. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Example error messages (first few). */
  errors: string[];
}

/** Results of `churn`. */
export interface ChurnResult {
  /** Newcomers started. */
  attempted: number;
  /** Newcomers whose handshake completed (the node accepted them). */
  accepted: number;
  /** Newcomers closed before their handshake (refused, or evicted at once), or failed otherwise. */
  refused: number;
  /** Peers that were ready before a newcomer came and were closed by the node during the phase (evicted). */
  evictedEstablished: number;
  /** Newcomers accepted, then evicted again by a later newcomer within the phase. */
  evictedNewcomers: number;
  /** Phase length, ms. */
  durationMs: number;
  /** accepted ÷ duration. */
  acceptedPerS: number;
  /** attempted ÷ duration. */
  attemptedPerS: number;
}

/** Live counts. */
export interface LoadStatus {
  /** Sockets not yet closed. */
  open: number;
  /** Peers with a completed handshake and an open socket. */
  ready: number;
  /** Peers closed by the node after their handshake, since start. */
  closedAfterReady: number;
  /** Pings answered since start. */
  pongsSent: number;
  /** CPU time of this process since start, ms (user, system). */
  cpuMs: { user: number; system: number };
}

class LoadPeer {
  state: PeerState = 'connecting';
  readonly startedAt = performance.now();
  readyAt = 0;
  /** Started during a churn phase. */
  newcomer = false;
  socket!: net.Socket;
  private readonly decoder: FrameDecoder;

  constructor(readonly index: number, private readonly gen: LoadGenerator) {
    this.decoder = new FrameDecoder(gen.args.magic);
  }

  start(): void {
    const { args } = this.gen;
    const socket = net.connect({
      host: args.targetHost, port: args.targetPort, localAddress: sourceAddress(args.plan, this.index), noDelay: true,
    });
    this.socket = socket;
    let failure: Error | undefined;
    socket.once('connect', () => {
      this.state = 'handshaking';
      socket.write(this.gen.versionFrame());
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => { failure = e; });
    socket.on('end', () => socket.destroy());
    socket.on('close', () => this.gen.onClose(this, failure));
  }

  private onData(chunk: Buffer): void {
    let frames;
    try {
      frames = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      this.socket.destroy(e as Error);
      return;
    }
    for (const f of frames) {
      switch (f.command) {
        case 'version':
          this.socket.write(this.gen.frames.afterVersion);
          break;
        case 'verack':
          if (this.state === 'handshaking') {
            this.state = 'ready';
            this.readyAt = performance.now();
            if (this.gen.args.afterHandshake === 'getaddr') this.socket.write(this.gen.frames.getaddr);
            this.gen.onReady(this);
          }
          break;
        case 'ping':
          this.socket.write(encodeFrame(this.gen.args.magic, 'pong', f.payload));
          this.gen.pongs++;
          break;
        default:
          break;
      }
    }
  }
}

/** Constant frames, encoded once. */
interface ConstantFrames {
  /** wtxidrelay + sendaddrv2 + verack in one write. */
  afterVersion: Uint8Array;
  getaddr: Uint8Array;
}

/** Opens, tracks and closes the simulated peers. */
export class LoadGenerator {
  readonly frames: ConstantFrames;
  pongs = 0;
  private nextIndex = 0;
  private readonly peers = new Set<LoadPeer>();
  private readyCount = 0;
  private closedAfterReady = 0;
  private readonly cpuStart = process.cpuUsage();
  private readonly targetService: NetService;
  /** The batch being opened (open or churn), if any. */
  private batch: Batch | undefined;

  constructor(readonly args: LoadGenArgs) {
    const frame = (m: Message): Uint8Array => {
      const { command, payload } = encodeMessage(m);
      return encodeFrame(args.magic, command, payload);
    };
    this.frames = {
      afterVersion: Buffer.concat([frame({ type: 'wtxidrelay' }), frame({ type: 'sendaddrv2' }), frame({ type: 'verack' })]),
      getaddr: frame({ type: 'getaddr' }),
    };
    this.targetService = new NetService(NetAddress.parse(args.targetHost), args.targetPort);
  }

  /** This peer's `version` frame (a fresh nonce each). */
  versionFrame(): Uint8Array {
    const { command, payload } = encodeMessage({
      type: 'version', version: PROTOCOL_VERSION, services: LOAD_PEER_SERVICES, timestamp: BigInt(Math.floor(Date.now() / 1000)),
      addrRecv: { services: 0n, service: this.targetService }, addrFrom: zeroVersionAddress(),
      nonce: randomBytes(8).readBigUInt64LE(0), userAgent: LOAD_PEER_USER_AGENT, startHeight: 0, relay: true,
    });
    return encodeFrame(this.args.magic, command, payload);
  }

  onReady(peer: LoadPeer): void {
    this.readyCount++;
    this.batch?.settled(peer, undefined);
  }

  onClose(peer: LoadPeer, error: Error | undefined): void {
    const was = peer.state;
    peer.state = 'closed';
    this.peers.delete(peer);
    if (was === 'ready') {
      this.readyCount--;
      this.closedAfterReady++;
      this.batch?.evicted(peer);
    } else {
      this.batch?.settled(peer, was === 'connecting' ? 'connect-error' : 'closed-before-verack', error);
    }
  }

  /** Opens `count` peers with at most `concurrency` handshakes in flight; resolves when all settled. */
  open(count: number, concurrency: number): Promise<OpenResult> {
    const batch = new Batch(this, 'open', concurrency, count, 0);
    return batch.run().then(() => batch.openResult());
  }

  /** Keeps opening newcomers for `durationMs` with `concurrency` in flight; counts accepts and evictions. */
  churn(durationMs: number, concurrency: number): Promise<ChurnResult> {
    const batch = new Batch(this, 'churn', concurrency, Infinity, durationMs);
    return batch.run().then(() => batch.churnResult());
  }

  /** Starts peer number `nextIndex` and returns it. */
  startPeer(newcomer: boolean): LoadPeer {
    const peer = new LoadPeer(this.nextIndex++, this);
    peer.newcomer = newcomer;
    this.peers.add(peer);
    peer.start();
    return peer;
  }

  setBatch(b: Batch | undefined): void {
    this.batch = b;
  }

  status(): LoadStatus {
    const cpu = process.cpuUsage(this.cpuStart);
    return {
      open: this.peers.size, ready: this.readyCount, closedAfterReady: this.closedAfterReady, pongsSent: this.pongs,
      cpuMs: { user: cpu.user / 1000, system: cpu.system / 1000 },
    };
  }

  /** Closes every socket; resolves when all are closed. */
  async closeAll(): Promise<void> {
    const all = [...this.peers];
    await Promise.all(all.map((p) => new Promise<void>((resolve) => {
      if (p.state === 'closed' || p.socket.destroyed) resolve();
      else {
        p.socket.once('close', () => resolve());
        p.socket.destroy();
      }
    })));
  }
}

/** One `open` or `churn` run: keeps `concurrency` handshakes in flight until its budget or time is used up. */
class Batch {
  private inFlight = new Map<LoadPeer, ReturnType<typeof setTimeout>>();
  private started = 0;
  private ready = 0;
  private readonly failed: Record<FailureKind, number> = { 'connect-error': 0, 'closed-before-verack': 0, timeout: 0 };
  private readonly errors: string[] = [];
  private readonly latencies: number[] = [];
  private evictedEstablished = 0;
  private evictedNewcomers = 0;
  private t0 = 0;
  private t1 = 0;
  private deadline = Infinity;
  private done: (() => void) | undefined;

  constructor(private readonly gen: LoadGenerator, private readonly kind: 'open' | 'churn', private readonly concurrency: number,
    private readonly budget: number, private readonly durationMs: number) {}

  run(): Promise<void> {
    this.t0 = performance.now();
    if (this.kind === 'churn') this.deadline = this.t0 + this.durationMs;
    this.gen.setBatch(this);
    return new Promise((resolve) => {
      this.done = resolve;
      this.fill();
      this.maybeFinish();
    });
  }

  private fill(): void {
    while (this.inFlight.size < this.concurrency && this.started < this.budget && performance.now() < this.deadline) {
      const peer = this.gen.startPeer(this.kind === 'churn');
      this.started++;
      this.inFlight.set(peer, setTimeout(() => {
        this.settled(peer, 'timeout');
        peer.socket.destroy();
      }, HANDSHAKE_TIMEOUT_MS));
    }
  }

  settled(peer: LoadPeer, failure: FailureKind | undefined, error?: Error): void {
    const timer = this.inFlight.get(peer);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.inFlight.delete(peer);
    if (failure === undefined) {
      this.ready++;
      if (this.latencies.length < MAX_LATENCY_SAMPLES) this.latencies.push(peer.readyAt - peer.startedAt);
    } else {
      this.failed[failure]++;
      if (error && this.errors.length < 5) this.errors.push(`${failure}: ${error.message}`);
    }
    this.fill();
    this.maybeFinish();
  }

  evicted(peer: LoadPeer): void {
    if (this.kind !== 'churn') return;
    if (peer.newcomer) this.evictedNewcomers++;
    else this.evictedEstablished++;
  }

  private maybeFinish(): void {
    if (this.inFlight.size > 0 || !this.done) return;
    if (this.started < this.budget && performance.now() < this.deadline) {
      // Churn with nothing in flight but time left cannot happen (fill() starts more); guard anyway.
      setImmediate(() => { this.fill(); this.maybeFinish(); });
      return;
    }
    this.t1 = performance.now();
    this.gen.setBatch(undefined);
    const done = this.done;
    this.done = undefined;
    done();
  }

  openResult(): OpenResult {
    const durationMs = this.t1 - this.t0;
    return {
      requested: this.budget, ready: this.ready, failed: this.failed, durationMs: round(durationMs),
      handshakesPerS: round(this.ready / (durationMs / 1000)), latencyMs: percentiles(this.latencies), errors: this.errors,
    };
  }

  churnResult(): ChurnResult {
    const durationMs = this.t1 - this.t0;
    const refused = this.failed['closed-before-verack'] + this.failed['connect-error'] + this.failed.timeout;
    return {
      attempted: this.started, accepted: this.ready, refused, evictedEstablished: this.evictedEstablished, evictedNewcomers: this.evictedNewcomers,
      durationMs: round(durationMs), acceptedPerS: round(this.ready / (durationMs / 1000)), attemptedPerS: round(this.started / (durationMs / 1000)),
    };
  }
}

function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(4)) : 0;
}

function percentiles(values: number[]): OpenResult['latencyMs'] {
  if (values.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number): number => round(s[Math.min(s.length - 1, Math.floor(q * s.length))]);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(s[s.length - 1]) };
}

function main(): void {
  const gen = new LoadGenerator(parseLoadGenArgs(process.argv.slice(2)));
  serveRpc({
    open: (a: { count: number; concurrency: number }) => gen.open(a.count, a.concurrency),
    churn: (a: { durationMs: number; concurrency: number }) => gen.churn(a.durationMs, a.concurrency),
    status: () => gen.status(),
    closeAll: () => gen.closeAll(),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
