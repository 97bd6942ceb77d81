/**
 * Attackers: one adversary controlling many IP addresses, speaking the wire protocol from each of them
 * (Heilman et al.'s attacker, and the flooders of the addr- and inbound-flood experiments). An attacker
 * is deliberately *not* a Peerbook node: it follows no policy except its own, which is the point.
 *
 * What it can do, all through ordinary connections:
 * - **answer** on every one of its IPs: victims that dial one of its addresses complete a normal
 *   handshake, get pongs, and get a getaddr answer of 1,000 of the attacker's own addresses (which a
 *   victim processes at once: sending getaddr grants the peer 1,000 address tokens);
 * - **hold inbound slots**: keep N connections open to a victim from its IPs, re-dialing the ones the
 *   victim evicts;
 * - **flood addr**: over each held connection, send addr messages of its own addresses (optionally
 *   mixed with trash addresses where nobody listens) at a chosen size and interval.
 *
 * Its addresses always carry a fresh timestamp (an attacker lies about liveness for free) and the
 * services an outbound slot wants (NODE_NETWORK | NODE_WITNESS).
 */
import type { AddressRecord } from '../address/record.js';
import { NetService } from '../address/service.js';
import type { Connection } from '../transport/transport.js';
import type { Timer } from '../util/clock.js';
import { ChaChaRandom, type Random } from '../util/random.js';
import { encodeFrame, FrameDecoder } from '../wire/frame.js';
import { decodeMessage, encodeMessageFrame, MAX_ADDR_TO_SEND, type Message } from '../wire/messages.js';
import { PROTOCOL_VERSION, zeroVersionAddress } from '../wire/version.js';
import { ip4Address, type Ip4 } from './address-plan.js';
import { SIM_NETWORK, SIM_NODE_SERVICES, type Simulation, type SimNode } from './engine.js';

/** Most seconds an attacker's advertised timestamp lies in the past (it claims its hosts were just seen). */
const ADVERTISED_AGE_SPREAD_S = 600;
/** Most connections one attacker keeps open at once (a bound for the simulator's memory, far above any experiment). */
export const MAX_ATTACKER_CONNECTIONS = 1_000_000;

/** Attacker settings. */
export interface AttackerOptions {
  /** Id (ownership label in the address plan). */
  id: string;
  /** Addresses it controls and answers on. */
  ips: readonly Ip4[];
  /** Routable addresses where nobody listens, mixed into its advertisements. */
  trash?: readonly Ip4[];
  /** Share of advertised addresses that are trash (0..1, default 0). */
  trashShare?: number;
  /** Addresses in a getaddr answer (≤ 1,000). */
  getaddrAnswer?: number;
}

/** Counters of an attacker. */
export interface AttackerCounters {
  /** Connections victims opened to the attacker's IPs. */
  dialedByVictims: number;
  /** Connections the attacker opened (inbound for the victim). */
  opened: number;
  /** Of those, closed by the victim (evicted, or the victim stopped). */
  closedByVictim: number;
  /** getaddr requests answered. */
  getaddrAnswered: number;
  /** Addresses sent in addr messages (floods and getaddr answers). */
  addressesSent: number;
  /** addr messages sent. */
  addrMessagesSent: number;
}

/** How an attacker holds a victim's inbound slots and floods it. */
export interface HoldOptions {
  /** Connections to keep open. */
  connections: number;
  /** Addresses per addr message on each connection (0 = no flood). */
  addrPerMessage: number;
  /** Interval between addr messages on a connection, ms. */
  addrIntervalMs: number;
  /** How often closed connections are re-dialed, ms. */
  refillIntervalMs: number;
  /** Stop after this many connection attempts in total (default: unlimited). */
  maxAttempts?: number;
  /** Dial from IPs in this order (default: the attacker's IPs in a random order). */
  sourceIps?: readonly Ip4[];
}

/** One scripted connection of the attacker. */
export class AttackerConnection {
  /** Set once the handshake completed. */
  ready = false;
  /** Set once closed. */
  closed = false;
  private readonly decoder = new FrameDecoder(SIM_NETWORK.magic);
  private versionSent = false;
  private floodTimer: Timer | undefined;

  constructor(private readonly attacker: Attacker, readonly conn: Connection, readonly dialed: boolean) {
    conn.on('data', (chunk) => this.onData(chunk));
    conn.once('close', () => this.onClose());
    if (dialed) this.sendVersion();
  }

  /** Sends one message. */
  send(message: Message): void {
    if (this.closed) return;
    this.conn.write(encodeMessageFrame(SIM_NETWORK.magic, message));
  }

  /** Writes an already framed message (for floods that build their own payloads). */
  sendFrame(frame: Uint8Array): void {
    if (!this.closed) this.conn.write(frame);
  }

  /** Sends an addr message with `count` advertised addresses. */
  sendAddr(count: number): void {
    if (this.closed || count <= 0) return;
    const addresses = this.attacker.advertised(Math.min(count, MAX_ADDR_TO_SEND));
    this.attacker.counters.addressesSent += addresses.length;
    this.attacker.counters.addrMessagesSent++;
    this.send({ type: 'addr', addresses });
  }

  /** Starts sending `perMessage` addresses every `intervalMs` once the handshake is done. */
  flood(perMessage: number, intervalMs: number): void {
    if (perMessage <= 0 || this.closed) return;
    const clock = this.attacker.sim.clock;
    const tick = (): void => {
      if (this.closed) return;
      if (this.ready) this.sendAddr(perMessage);
      this.floodTimer = clock.setTimeout(tick, intervalMs);
    };
    // The first message goes out as soon as the victim's handshake has had time to finish.
    this.floodTimer = clock.setTimeout(tick, Math.min(intervalMs, 1_000));
  }

  /** Closes the connection. */
  close(): void {
    this.conn.destroy();
  }

  private sendVersion(): void {
    if (this.versionSent) return;
    this.versionSent = true;
    this.send({
      type: 'version', version: PROTOCOL_VERSION, services: SIM_NODE_SERVICES, timestamp: BigInt(this.attacker.sim.clock.nowSeconds()),
      addrRecv: zeroVersionAddress(), addrFrom: zeroVersionAddress(), nonce: this.attacker.random.rand64() | 1n,
      userAgent: '/Satoshi:27.1.0/', startHeight: 850_000, relay: true,
    });
  }

  private onData(chunk: Uint8Array): void {
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch {
      this.close();
      return;
    }
    for (const f of frames) {
      switch (f.command) {
        case 'version':
          this.sendVersion();
          this.send({ type: 'sendaddrv2' });
          this.send({ type: 'verack' });
          break;
        case 'verack':
          this.ready = true;
          break;
        case 'ping':
          // The pong echoes the 8-byte nonce: no need to decode.
          this.conn.write(encodeFrame(SIM_NETWORK.magic, 'pong', f.payload));
          break;
        case 'getaddr':
          this.attacker.counters.getaddrAnswered++;
          this.sendAddr(this.attacker.getaddrAnswer);
          break;
        default:
          if (f.command === 'addr' || f.command === 'addrv2' || f.command === 'inv') break; // ignored
          try {
            decodeMessage(f.command, f.payload);
          } catch {
            // Malformed input from a victim would be a Peerbook bug; the attacker does not care.
          }
      }
    }
  }

  private onClose(): void {
    this.closed = true;
    this.floodTimer?.cancel();
    this.attacker.connections.delete(this);
  }
}

/** An adversary with many IPs (see the module comment). */
export class Attacker {
  /** Counters. */
  readonly counters: AttackerCounters = { dialedByVictims: 0, opened: 0, closedByVictim: 0, getaddrAnswered: 0, addressesSent: 0, addrMessagesSent: 0 };
  /** Open connections. */
  readonly connections = new Set<AttackerConnection>();
  /** Its own randomness. */
  readonly random: Random;
  /** Addresses per getaddr answer. */
  readonly getaddrAnswer: number;
  private readonly ipSet: Set<Ip4>;
  private readonly listeners: Array<{ close(): Promise<void> }> = [];

  /** @param sim the simulation; @param options see `AttackerOptions`. */
  constructor(readonly sim: Simulation, readonly options: AttackerOptions) {
    this.random = ChaChaRandom.fromSeed(`${String(sim.random.rand64())}|attacker|${options.id}`);
    this.ipSet = new Set(options.ips);
    this.getaddrAnswer = Math.min(options.getaddrAnswer ?? MAX_ADDR_TO_SEND, MAX_ADDR_TO_SEND);
  }

  /** Number of IPs it controls. */
  get ipCount(): number {
    return this.options.ips.length;
  }

  /** True if `ip` is one of the attacker's. */
  owns(ip: Ip4): boolean {
    return this.ipSet.has(ip);
  }

  /** Starts answering on every IP (the hosts are up from now on). */
  async listen(): Promise<void> {
    for (const ip of this.options.ips) {
      const addr = ip4Address(ip);
      this.sim.net.setHostUp(addr, true);
      const listener = await this.sim.net.transport(addr).listen(new NetService(addr, SIM_NETWORK.defaultPort), (conn) => {
        if (this.connections.size >= MAX_ATTACKER_CONNECTIONS) {
          conn.destroy();
          return;
        }
        this.counters.dialedByVictims++;
        this.connections.add(new AttackerConnection(this, conn, false));
      });
      this.listeners.push(listener);
    }
  }

  /** `count` addresses to advertise: its own IPs (and trash, by `trashShare`), with fresh timestamps. */
  advertised(count: number): AddressRecord[] {
    const now = this.sim.clock.nowSeconds();
    const ips = this.options.ips;
    const trash = this.options.trash ?? [];
    const trashShare = trash.length > 0 ? this.options.trashShare ?? 0 : 0;
    const out: AddressRecord[] = [];
    for (let i = 0; i < count; i++) {
      const useTrash = trashShare > 0 && this.random.randfloat() < trashShare;
      const ip = useTrash ? trash[this.random.randrange(trash.length)] : ips[this.random.randrange(ips.length)];
      out.push({
        service: new NetService(ip4Address(ip), SIM_NETWORK.defaultPort),
        services: SIM_NODE_SERVICES,
        time: now - this.random.randrange(ADVERTISED_AGE_SPREAD_S),
      });
    }
    return out;
  }

  /** Opens one connection from `fromIp` to `target`; resolves when connected (undefined if the dial failed). */
  async connect(fromIp: Ip4, target: NetService): Promise<AttackerConnection | undefined> {
    if (this.connections.size >= MAX_ATTACKER_CONNECTIONS) return undefined;
    try {
      const conn = await this.sim.net.transport(ip4Address(fromIp)).connect(target, { timeoutMs: 5_000 });
      this.counters.opened++;
      const c = new AttackerConnection(this, conn, true);
      this.connections.add(c);
      conn.once('close', () => { this.counters.closedByVictim++; });
      return c;
    } catch {
      return undefined;
    }
  }

  /**
   * Keeps `connections` connections open to `victim` (whatever node currently runs at its address),
   * flooding each with addr messages; returns a function that stops holding (open connections stay).
   */
  holdInbound(victim: SimNode | NetService, options: HoldOptions): { stop(): void; attempts(): number; open(): number } {
    const target = victim instanceof NetService ? victim : victim.service;
    const mine = new Set<AttackerConnection>();
    const sources = options.sourceIps ?? this.random.shuffle([...this.options.ips]);
    let next = 0;
    let attempts = 0;
    let pending = 0;
    let stopped = false;
    let timer: Timer | undefined;
    const refill = (): void => {
      if (stopped) return;
      for (const c of mine) if (c.closed) mine.delete(c);
      const want = options.connections - mine.size - pending;
      for (let i = 0; i < want; i++) {
        if (options.maxAttempts !== undefined && attempts >= options.maxAttempts) break;
        const from = sources[next++ % sources.length];
        attempts++;
        pending++;
        void this.connect(from, target).then((c) => {
          pending--;
          if (!c) return;
          if (stopped) return;
          mine.add(c);
          c.flood(options.addrPerMessage, options.addrIntervalMs);
        });
      }
      timer = this.sim.clock.setTimeout(refill, options.refillIntervalMs);
    };
    refill();
    return {
      stop: () => { stopped = true; timer?.cancel(); },
      attempts: () => attempts,
      open: () => [...mine].filter((c) => !c.closed).length,
    };
  }

  /** Closes every connection and listener. */
  async shutdown(): Promise<void> {
    for (const c of [...this.connections]) c.close();
    for (const l of this.listeners) await l.close();
    for (const ip of this.options.ips) this.sim.net.setHostUp(ip4Address(ip), false);
  }
}
