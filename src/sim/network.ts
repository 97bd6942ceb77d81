/**
 * sim/: simulated networks of `PeerManager`s in one process — every node on the in-memory transport
 * (`MemoryNetwork`) and one `VirtualClock`, each with its own seeded `ChaChaRandom`, so a scenario of
 * minutes, hours or days of gossip, eviction and outbound churn runs in seconds and replays exactly.
 * Three pieces: `Sim` creates nodes (passive by default: regtest, no seeds, `connect: ['0']`) and moves
 * time (`run` in small steps letting I/O settle, `fastForward` in big ones); `RawPeer` is a scripted
 * peer driven byte for byte by the caller (Core's functional-test `P2PInterface`); `records`, `svc` and
 * `peerOf` build addresses and find the manager's side of a connection. Unit tests of the connection
 * manager, RPC, metrics, dashboard and crawler use it today; a large-scale simulator with attacker
 * models builds on it, so it stays small: no assertions, no scenario logic, nothing but the network.
 */
import { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import { MemoryLogger } from '../util/logger.js';
import { PeerManager } from '../connman/manager.js';
import type { PeerManagerOptions } from '../connman/options.js';
import { MemoryNetwork } from '../transport/memory.js';
import type { AddressRecord } from '../address/record.js';
import type { Peer } from '../peer/peer.js';
import type { Connection } from '../transport/transport.js';
import { VirtualClock, yieldToEventLoop } from '../util/clock.js';
import { ChaChaRandom } from '../util/random.js';
import { FrameError, type CompletedFrame } from '../wire/errors.js';
import { FrameDecoder } from '../wire/frame.js';
import { decodeMessage, encodeMessageFrame, type Message } from '../wire/messages.js';
import { REGTEST } from '../wire/params.js';
import { PROTOCOL_VERSION, zeroVersionAddress } from '../wire/version.js';

/** Services our simulated full nodes advertise: NODE_NETWORK | NODE_WITNESS. */
export const FULL_NODE = 9n;

/** One simulation: a clock, a memory network, and the managers created on it (each with its `MemoryLogger`). */
export class Sim {
  readonly clock = new VirtualClock(1_700_000_000_000);
  readonly net = new MemoryNetwork(this.clock);
  readonly nodes: PeerManager[] = [];
  readonly logs = new Map<PeerManager, MemoryLogger>();
  private seed = 0;

  /** A node at `ip` listening on the regtest port; passive (no automatic outbound) unless told otherwise. */
  node(ip: string, over: Partial<PeerManagerOptions> = {}): PeerManager {
    const addr = NetAddress.parse(ip);
    const logger = new MemoryLogger();
    const m = new PeerManager({
      network: REGTEST,
      clock: this.clock,
      random: ChaChaRandom.fromSeed(`node-${ip}-${this.seed++}`),
      transport: this.net.transport(addr),
      logger,
      bind: [`${ip}:${REGTEST.defaultPort}`],
      services: FULL_NODE,
      dnsSeed: false,
      fixedSeeds: false,
      connect: ['0'],
      listen: true,
      ...over,
    });
    this.nodes.push(m);
    this.logs.set(m, logger);
    return m;
  }

  /** Starts every node not yet running. */
  async startAll(): Promise<void> {
    for (const n of this.nodes) if (!n.running) await n.start();
  }

  /** Advances virtual time in steps, letting I/O settle between them. */
  async run(ms: number, stepMs = 250): Promise<void> {
    for (let t = 0; t < ms; t += stepMs) await this.clock.tick(Math.min(stepMs, ms - t));
  }

  /**
   * Advances virtual time fast, for waits of hours or days: timers fire in order without yielding
   * between them, and I/O settles after every `chunkMs` — so messages arrive up to `chunkMs` late.
   */
  async fastForward(ms: number, chunkMs = 60_000): Promise<void> {
    for (let t = 0; t < ms; t += chunkMs) {
      this.clock.advance(Math.min(chunkMs, ms - t));
      await settle(3);
    }
  }

  /** Stops every node. */
  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}

/** The service of a simulated node. */
export function svc(ip: string, port = REGTEST.defaultPort): NetService {
  return new NetService(NetAddress.parse(ip), port);
}

// ---- scripted peers (Core's P2PInterface) ------------------------------------------------------

/** Lets queued I/O on the memory network settle without moving virtual time. */
export async function settle(rounds = 12): Promise<void> {
  for (let i = 0; i < rounds; i++) await yieldToEventLoop();
}

/** How a `RawPeer` presents itself. */
export interface RawPeerOptions {
  /** Services in its version (default FULL_NODE). */
  services?: bigint;
  /** Protocol version (default PROTOCOL_VERSION). */
  version?: number;
  /** BIP37 relay flag in its version (default true). */
  relay?: boolean;
  /** Sends sendaddrv2 during the handshake (default true). */
  addrv2?: boolean;
}

let rawNonce = 0x5eed_0000_0000n;

/**
 * A peer driven by the test, byte for byte (Core's functional-test `P2PInterface`): it completes the
 * handshake, answers pings, records every message with the virtual time it arrived, and sends only
 * what the test tells it to — no gossip, no self-advertisement of its own. It speaks v1 only: a stream
 * that does not frame (a BIP324 key, another network's magic) is hung up on at once, as a v1 Core node
 * does — which is what makes a v2-enabled manager retry it with v1.
 */
export class RawPeer {
  /** Every message received, with the virtual time of arrival. */
  readonly received: Array<{ at: number; message: Message }> = [];
  /** Set once the connection closed. */
  closed = false;
  /** Set when it hung up on bytes that were not a v1 frame. */
  rejectedBadFrame = false;
  private readonly decoder = new FrameDecoder(REGTEST.magic);
  private versionSent = false;

  /** @param sim the simulation (for its clock); @param conn an open connection to a manager; @param options how it presents itself. */
  constructor(readonly sim: Sim, readonly conn: Connection, readonly options: RawPeerOptions = {}) {
    conn.on('data', (chunk) => {
      let frames: CompletedFrame[];
      try {
        frames = this.decoder.push(chunk);
      } catch (e) {
        if (!(e instanceof FrameError)) throw e;
        this.rejectedBadFrame = true;
        conn.destroy();
        return;
      }
      for (const f of frames) this.onMessage(decodeMessage(f.command, f.payload));
    });
    conn.once('close', () => { this.closed = true; });
  }

  /** Dials a manager from `fromIp` (the manager sees an inbound peer) and completes the handshake. */
  static async dial(sim: Sim, fromIp: string, target: NetService, options: RawPeerOptions = {}): Promise<RawPeer> {
    const conn = await sim.net.transport(NetAddress.parse(fromIp)).connect(target);
    const peer = new RawPeer(sim, conn, options);
    peer.sendVersion();
    await settle();
    return peer;
  }

  /**
   * Listens at `ip:port`; every connection a manager opens there becomes a RawPeer in `peers` — except
   * one it hung up on for not framing (a BIP324 attempt), which leaves `peers` again (`rejected` counts them).
   */
  static async listen(sim: Sim, ip: string, options: RawPeerOptions = {}, port = REGTEST.defaultPort): Promise<{ peers: RawPeer[]; service: NetService; rejected: () => number }> {
    const peers: RawPeer[] = [];
    let rejected = 0;
    const service = svc(ip, port);
    await sim.net.transport(service.addr).listen(service, (conn) => {
      const peer = new RawPeer(sim, conn, options);
      peers.push(peer);
      conn.once('close', () => {
        if (!peer.rejectedBadFrame) return;
        rejected++;
        const i = peers.indexOf(peer);
        if (i >= 0) peers.splice(i, 1);
      });
    });
    return { peers, service, rejected: () => rejected };
  }

  /** Our end's address (what the manager sees for an inbound connection). */
  get local(): NetService {
    return this.conn.local!;
  }

  /** Sends a message. */
  send(message: Message): void {
    this.conn.write(encodeMessageFrame(REGTEST.magic, message));
  }

  /** Messages of one type, in arrival order. */
  messages<T extends Message['type']>(type: T): Array<Message & { type: T }> {
    return this.received.filter((r) => r.message.type === type).map((r) => r.message as Message & { type: T });
  }

  /** Every address received in addr and addrv2 messages. */
  addresses(): AddressRecord[] {
    return this.received.flatMap((r) => (r.message.type === 'addr' || r.message.type === 'addrv2' ? r.message.addresses : []));
  }

  /** Closes the connection. */
  close(): void {
    this.conn.destroy();
  }

  private sendVersion(): void {
    if (this.versionSent) return;
    this.versionSent = true;
    this.send({
      type: 'version', version: this.options.version ?? PROTOCOL_VERSION, services: this.options.services ?? FULL_NODE,
      timestamp: BigInt(this.sim.clock.nowSeconds()), addrRecv: zeroVersionAddress(), addrFrom: zeroVersionAddress(),
      nonce: rawNonce++, userAgent: '/raw-peer:1/', startHeight: 0, relay: this.options.relay ?? true,
    });
  }

  private onMessage(message: Message): void {
    this.received.push({ at: this.sim.clock.now(), message });
    if (message.type === 'version') {
      this.sendVersion();
      if (this.options.addrv2 ?? true) this.send({ type: 'sendaddrv2' });
      this.send({ type: 'verack' });
    } else if (message.type === 'ping') {
      this.send({ type: 'pong', nonce: message.nonce });
    }
  }
}

/** The manager's `Peer` for a RawPeer: the inbound one it accepted, or the one it dialed. */
export function peerOf(manager: PeerManager, raw: RawPeer): Peer {
  const inbound = manager.peers().find((p) => p.inbound && p.addr.equals(raw.local));
  if (inbound) return inbound;
  const outbound = manager.peers().find((p) => !p.inbound && p.addrBind?.equals(raw.conn.remote) && p.addr.equals(raw.local));
  if (!outbound) throw new Error(`no peer of ${manager.listenAddresses[0]} for raw peer ${raw.local}`);
  return outbound;
}

/**
 * `count` distinct routable IPv4 address records (services FULL_NODE, port 18444) numbered from `first`:
 * record n is `<octet + n/65536>.<n % 256>.<n/256 % 256>.1`, so 256 consecutive ones lie in 256 different /16s.
 */
export function records(count: number, time: number, first = 0, octet = 120): AddressRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    return { service: svc(`${octet + (n >> 16)}.${n & 0xff}.${(n >> 8) & 0xff}.1`), services: FULL_NODE, time };
  });
}
