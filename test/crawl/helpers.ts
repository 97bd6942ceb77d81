/**
 * Helpers for crawl tests: scripted nodes on the in-memory network (`FakeNode`), a way to let a real
 * PeerManager answer getaddr with its whole table, and a driver that runs a promise in virtual time.
 */
import { NetAddress } from '../../src/address/netaddress.js';
import type { AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import type { PeerManager } from '../../src/connman/manager.js';
import { Peer, type RemoteVersion } from '../../src/peer/peer.js';
import type { MemoryNetwork } from '../../src/transport/memory.js';
import type { Connection, Listener } from '../../src/transport/transport.js';
import type { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';
import { PROTOCOL_VERSION } from '../../src/wire/version.js';

/** The regtest port every test node listens on. */
export const PORT = REGTEST.defaultPort;

/** An address record for `ip` (NODE_NETWORK|NODE_WITNESS, seen at `time`). */
export function rec(ip: string, time: number, port = PORT): AddressRecord {
  return { service: new NetService(NetAddress.parse(ip), port), services: 9n, time };
}

/**
 * Core answers getaddr with at most 23 % of its table (MAX_PCT_ADDR_TO_SEND), picked at random: with
 * the handful of entries a test node holds that is zero or one address, and a chain of nodes would be
 * found only by luck. This makes `manager` answer with its whole (filtered) table instead — the only
 * departure from Core in these test networks.
 */
export function answerGetAddrWithWholeTable(manager: PeerManager): void {
  const addrman = manager.addrman;
  const original = addrman.getAddr.bind(addrman);
  addrman.getAddr = (opts) => original({ ...opts, maxPct: 0 });
}

/** Runs `promise` to completion, advancing `clock` in `stepMs` steps; fails after `limitMs` of virtual time. */
export async function drive<T>(clock: VirtualClock, promise: Promise<T>, stepMs = 100, limitMs = 3_600_000): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => { settled = true; });
  tracked.catch(() => undefined);
  for (let t = 0; !settled; t += stepMs) {
    if (t > limitMs) throw new Error(`still running after ${limitMs} ms of virtual time`);
    await clock.tick(stepMs);
  }
  return tracked;
}

/** How a `FakeNode` behaves. */
export interface FakeNodeOptions {
  /** Its IP on the memory network. */
  ip: string;
  /** Listening port (default 18444). */
  port?: number;
  /** Message start it speaks (default regtest's). */
  magic?: Uint8Array;
  /** Announced protocol version. */
  version?: number;
  /** Announced services. */
  services?: bigint;
  /** Announced user agent. */
  userAgent?: string;
  /** Announced height. */
  startHeight?: number;
  /** Addresses it answers getaddr with (omit: never answers). */
  answer?: AddressRecord[];
  /** Delay before the answer, ms. */
  answerDelayMs?: number;
  /** Sends a one-entry addr (itself) right after the handshake, as Core does. */
  selfAnnounce?: boolean;
  /** Accepts connections and never says a word. */
  silent?: boolean;
  /** Right after the handshake, sends each of these in an addr message of its own. */
  singles?: AddressRecord[];
}

/** A scripted node: a real `Peer` on the inbound side, answering getaddr as told. */
export class FakeNode {
  /** Connections accepted. */
  connections = 0;
  /** getaddr messages received. */
  getaddrs = 0;
  /** Connections that have closed. */
  closes = 0;
  /** What each connecting peer said in its `version`. */
  readonly versions: RemoteVersion[] = [];
  /** Its listening address. */
  readonly service: NetService;
  private listener: Listener | undefined;
  private readonly conns: Connection[] = [];
  private readonly random: ChaChaRandom;

  /** @param net the memory network; @param clock its clock; @param o how the node behaves. */
  constructor(private readonly net: MemoryNetwork, private readonly clock: VirtualClock, private readonly o: FakeNodeOptions) {
    this.service = new NetService(NetAddress.parse(o.ip), o.port ?? PORT);
    this.random = ChaChaRandom.fromSeed(`fake-${o.ip}`);
  }

  /** Starts listening. */
  async start(): Promise<this> {
    this.listener = await this.net.transport(this.service.addr).listen(this.service, (conn) => this.accept(conn));
    return this;
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    await this.listener?.close();
    for (const c of this.conns) c.destroy();
  }

  private accept(conn: Connection): void {
    this.connections++;
    this.conns.push(conn);
    conn.once('close', () => { this.closes++; });
    if (this.o.silent) return;
    const peer = new Peer({
      id: this.connections, connection: conn, connType: 'inbound', addr: conn.remote, magic: this.o.magic ?? REGTEST.magic,
      clock: this.clock, random: this.random,
      local: {
        protocolVersion: this.o.version ?? PROTOCOL_VERSION, services: this.o.services ?? 9n,
        userAgent: this.o.userAgent ?? '/Fake:1.0/', startHeight: () => this.o.startHeight ?? 0, relayTxs: true,
      },
      nonce: 1000n + BigInt(this.connections),
    });
    const type = (): 'addr' | 'addrv2' => (peer.wantsAddrV2 ? 'addrv2' : 'addr');
    peer.on('version', (v) => this.versions.push(v));
    peer.on('ready', () => {
      if (this.o.selfAnnounce) peer.send({ type: type(), addresses: [{ service: this.service, services: 9n, time: this.clock.nowSeconds() }] });
      for (const r of this.o.singles ?? []) peer.send({ type: type(), addresses: [r] });
    });
    peer.on('message', (m) => {
      if (m.type !== 'getaddr') return;
      this.getaddrs++;
      const answer = this.o.answer;
      if (!answer) return;
      this.clock.setTimeout(() => peer.send({ type: type(), addresses: answer }), this.o.answerDelayMs ?? 0);
    });
    peer.start();
  }
}
