/**
 * Address gossip (Core net_processing.cpp: ADDR/ADDRV2/GETADDR handling, `RelayAddress`,
 * `PushAddress`, `MaybeSendAddr`, and net.cpp `GetAddresses` with its response cache).
 *
 * What it defends against:
 * - **Flooding**: every peer has a token bucket (0.1 addr/s, cap 1000; +1000 when we asked it with
 *   getaddr); addresses beyond the budget are dropped and counted as rate-limited. Messages are
 *   shuffled first so a flooder cannot choose which of its addresses survive.
 * - **Scraping our table**: getaddr is answered only to inbound peers, once per connection, from a
 *   cache per (network, local socket) that lives 21–27 h, with at most 1000 addresses / 23 % of the
 *   table — so asking again and again, or from many connections, reveals nothing new.
 * - **Fingerprinting and echo**: we remember per peer (a rolling bloom filter of 5000) what it told us
 *   or we told it, and never send it back; block-relay-only links carry no address traffic at all.
 * - **Amplification**: only fresh (≤ 10 min), small (≤ 10 entries), unsolicited, routable addresses
 *   are relayed, each to 2 peers (1–2 for unreachable networks) picked by a keyed hash that changes
 *   every 24 h, so repeating an address to us does not spread it further.
 * Outgoing addresses are batched and sent on an exponential timer (mean 30 s) per peer, and our own
 * address is advertised on a 24 h exponential timer.
 *
 * A protocol plug-in (../protocol.ts): its per-peer state lives in a slot on the peer's record.
 */
import type { NetId } from '../../address/network.js';
import type { AddressRecord } from '../../address/record.js';
import type { NetService } from '../../address/service.js';
import type { AddrMan } from '../../addrman/addrman.js';
import type { Peer } from '../../peer/peer.js';
import { AddrTokenBucket } from '../../peer/token-bucket.js';
import type { Clock } from '../../util/clock.js';
import type { Random } from '../../util/random.js';
import { RollingBloomFilter } from '../../util/rolling-bloom.js';
import { SipHasher } from '../../util/siphash.js';
import { MAX_ADDR_TO_SEND, type AddrMessage, type Message } from '../../wire/messages.js';
import type { BanMan } from '../banman.js';
import { hasPermission, Permission } from '../policy/permissions.js';
import type { ProtocolPlugin } from '../protocol.js';
import { PeerSlot, type PeerRecord } from '../registry.js';
import type { AddrRelayStats } from '../types.js';

/** Core MAX_PCT_ADDR_TO_SEND: a getaddr answer holds at most this percentage of the table. */
export const MAX_PCT_ADDR_TO_SEND = 23;
/** Core AVG_ADDRESS_BROADCAST_INTERVAL: mean time between addr messages to one peer, ms. */
export const AVG_ADDRESS_BROADCAST_INTERVAL_MS = 30_000;
/** Core AVG_LOCAL_ADDRESS_BROADCAST_INTERVAL: mean time between self-advertisements, ms. */
export const AVG_LOCAL_ADDRESS_BROADCAST_INTERVAL_MS = 24 * 3600_000;
/** Core ROTATE_ADDR_RELAY_DEST_INTERVAL: relay destinations for an address change this often, s. */
export const ROTATE_ADDR_RELAY_DEST_INTERVAL_S = 24 * 3600;
/** Core RANDOMIZER_ID_ADDRESS_RELAY. */
export const RANDOMIZER_ID_ADDRESS_RELAY = 0x3cac0035b5866b90n;
/** Core RANDOMIZER_ID_ADDRCACHE. */
export const RANDOMIZER_ID_ADDRCACHE = 0x1cf2e4ddd306dda9n;
/** Core: per-peer known-address filter size and false-positive rate. */
export const ADDR_KNOWN_FILTER_ELEMENTS = 5000;
export const ADDR_KNOWN_FILTER_FP_RATE = 0.001;
/** Core: getaddr response caches live 21 h plus up to 6 h, ms. */
export const ADDR_CACHE_MIN_LIFETIME_MS = 21 * 3600_000;
export const ADDR_CACHE_LIFETIME_SPREAD_MS = 6 * 3600_000;
/** Most getaddr response caches kept (one per network and local socket; Core does not bound them). */
export const MAX_ADDR_RESPONSE_CACHES = 64;
/** Addresses newer than this (relative to now) may be relayed, s. */
const RELAY_FRESHNESS_S = 10 * 60;
/** Only messages with at most this many addresses are relayed (bigger ones are getaddr answers). */
const MAX_RELAYED_MESSAGE_ENTRIES = 10;
/** Core: timestamps before this (1973) or more than 10 min ahead are replaced by "5 days ago". */
const MIN_SANE_ADDR_TIME_S = 100_000_000;
const MAX_FUTURE_ADDR_TIME_S = 10 * 60;
const INSANE_ADDR_AGE_S = 5 * 24 * 3600;
/** Core: addresses from addr messages get a 2 h time penalty in the table. */
export const ADDR_TIME_PENALTY_S = 2 * 3600;

/** One peer's address-relay state in numbers. */
export interface AddrRelayDiagnostics {
  /** Relay is set up (never for block-relay-only links). */
  enabled: boolean;
  /** Memory of its known-address filter, bytes (fixed once created). */
  knownFilterBytes: number;
  /** Addresses queued for its next addr message (at most MAX_ADDR_TO_SEND). */
  queued: number;
}

/** Per-peer address-relay state (Core `Peer` addr fields). */
interface AddrRelayPeerState {
  enabled: boolean;
  known: RollingBloomFilter | undefined;
  toSend: AddressRecord[];
  nextAddrSendAt: number;
  nextLocalAddrSendAt: number;
  getaddrSent: boolean;
  getaddrRecvd: boolean;
  tokens: AddrTokenBucket;
  processed: number;
  rateLimited: number;
}

/** The slot address relay keeps its per-peer state in. */
const ADDR_STATE = new PeerSlot<AddrRelayPeerState>('addr-relay');

/** What the relay needs from the connection manager. */
export interface AddrRelayContext {
  clock: Clock;
  random: Random;
  /** The address table (a function: the manager replaces its table when it loads peers.dat). */
  addrman(): AddrMan;
  banman: BanMan;
  /** The node's secret randomizer keys (Core nSeed0, nSeed1). */
  seed0: bigint;
  seed1: bigint;
  /** Networks we can reach. */
  reachable(): ReadonlySet<NetId>;
  /** Every current peer's record, in connection order. */
  peers(): Iterable<PeerRecord>;
  /** Are we accepting inbound connections (Core fListen)? */
  listening(): boolean;
  /** Still in initial block download (no self-advertisement then). */
  inInitialBlockDownload(): boolean;
  /** Our address as a given peer should see it, if we have one worth advertising. */
  localAddressFor(peer: Peer): NetService | undefined;
  /** Our service flags. */
  ourServices(): bigint;
  /** Core MayHaveUsefulAddressDB || HasAllDesirableServiceFlags: worth storing. */
  isUsefulServices(services: bigint): boolean;
  /** Called with the addresses accepted from a peer (for the `addr:new` event). */
  onAccepted(records: AddressRecord[], peer: Peer): void;
  /** Called after each addr message with how many addresses were processed and rate-limited (cumulative metrics). */
  onCounted?(processed: number, rateLimited: number): void;
}

function addrKeyBytes(service: NetService): Uint8Array {
  return service.getKey();
}

/** Core `IsAddrCompatible`: v1 peers cannot receive Tor v3, I2P or CJDNS addresses. */
function isCompatible(peer: Peer, rec: AddressRecord): boolean {
  return peer.wantsAddrV2 || rec.service.addr.isAddrV1Compatible();
}

/** Core `CServiceHash(0, 0)`: an unsalted SipHash of network, port and address bytes. */
function serviceHash(service: NetService): bigint {
  return new SipHasher(0n, 0n).write64(BigInt(service.addr.net)).write64(BigInt(service.port)).write(service.addr.bytes).finalize();
}

/** Address gossip for all peers of one connection manager. */
export class AddrRelay implements ProtocolPlugin {
  /** @inheritdoc */
  readonly name = 'addr-relay';
  private readonly caches = new Map<bigint, { addresses: AddressRecord[]; expiresAt: number }>();

  /** @param ctx see `AddrRelayContext`. */
  constructor(private readonly ctx: AddrRelayContext) {}

  private state(record: PeerRecord): AddrRelayPeerState {
    let s = record.get(ADDR_STATE);
    if (!s) {
      s = record.set(ADDR_STATE, {
        enabled: false, known: undefined, toSend: [], nextAddrSendAt: 0, nextLocalAddrSendAt: 0,
        getaddrSent: false, getaddrRecvd: false, tokens: new AddrTokenBucket(this.ctx.clock.now()), processed: 0, rateLimited: 0,
      });
    }
    return s;
  }

  /** Core `SetupAddressRelay`: never for block-relay-only links; creates the known filter once. */
  private setup(record: PeerRecord): AddrRelayPeerState | undefined {
    if (record.peer.connType === 'block-relay-only') return undefined;
    const s = this.state(record);
    if (!s.enabled) {
      s.enabled = true;
      s.known = new RollingBloomFilter(ADDR_KNOWN_FILTER_ELEMENTS, ADDR_KNOWN_FILTER_FP_RATE, this.ctx.random);
    }
    return s;
  }

  /** A new connection: its token bucket starts filling now (Core creates m_addr_token_timestamp with the Peer). */
  onConnect(record: PeerRecord): void {
    this.state(record);
  }

  /** After an outbound peer's version: start relay, advertise ourselves, ask for addresses (Core VERSION handler). */
  onVersion(record: PeerRecord): void {
    const { peer } = record;
    if (peer.inbound) return;
    const s = this.setup(record);
    if (!s) return;
    s.getaddrSent = true;
    s.tokens.grant(MAX_ADDR_TO_SEND);
    peer.send({ type: 'getaddr' });
  }

  /** Handles addr, addrv2 and getaddr; returns true if the message was one of those. */
  onMessage(record: PeerRecord, message: Message): boolean {
    if (message.type === 'addr' || message.type === 'addrv2') {
      this.onAddr(record, message);
      return true;
    }
    if (message.type === 'getaddr') {
      this.onGetAddr(record);
      return true;
    }
    return false;
  }

  /** Counters for getpeerinfo. */
  stats(record: PeerRecord | undefined): AddrRelayStats {
    const s = record?.get(ADDR_STATE);
    return { addrRelayEnabled: s?.enabled ?? false, addrProcessed: s?.processed ?? 0, addrRateLimited: s?.rateLimited ?? 0 };
  }

  /** A peer's relay state in numbers (diagnostics and tests: bounds no message can show). */
  diagnostics(peerId: number): AddrRelayDiagnostics | undefined {
    for (const r of this.ctx.peers()) {
      if (r.id !== peerId) continue;
      const s = r.get(ADDR_STATE);
      return s && { enabled: s.enabled, knownFilterBytes: s.known?.byteLength ?? 0, queued: s.toSend.length };
    }
    return undefined;
  }

  /** Number of live peers with relay state (bounded by the number of peers: the state lives on their records). */
  get trackedPeers(): number {
    let n = 0;
    for (const r of this.ctx.peers()) if (r.get(ADDR_STATE)) n++;
    return n;
  }

  /** Number of getaddr response caches (at most MAX_ADDR_RESPONSE_CACHES). */
  get cacheCount(): number {
    return this.caches.size;
  }

  private onAddr(record: PeerRecord, msg: AddrMessage): void {
    const { peer } = record;
    const s = this.setup(record);
    if (!s) return; // block-relay-only: ignore
    const { clock, random, banman } = this.ctx;
    const now = clock.nowSeconds();
    s.tokens.refill(clock.now());
    const rateLimited = !hasPermission(peer.permissions, Permission.ADDR);
    const reachable = this.ctx.reachable();
    const accepted: AddressRecord[] = [];
    let processed = 0;
    let limited = 0;
    const records = random.shuffle([...msg.addresses]);
    for (const original of records) {
      if (!s.tokens.take()) {
        if (rateLimited) {
          limited++;
          continue;
        }
      }
      if (!this.ctx.isUsefulServices(original.services)) continue;
      const rec = original.time <= MIN_SANE_ADDR_TIME_S || original.time > now + MAX_FUTURE_ADDR_TIME_S
        ? { ...original, time: now - INSANE_ADDR_AGE_S } : original;
      s.known!.insert(addrKeyBytes(rec.service));
      if (banman.isDiscouraged(rec.service.addr) || banman.isBanned(rec.service.addr)) continue;
      processed++;
      const isReachable = reachable.has(rec.service.addr.getNetwork());
      if (rec.time > now - RELAY_FRESHNESS_S && !s.getaddrSent && msg.addresses.length <= MAX_RELAYED_MESSAGE_ENTRIES &&
        rec.service.addr.isRoutable()) {
        this.relayAddress(peer.id, rec, isReachable);
      }
      if (isReachable) accepted.push(rec);
    }
    s.processed += processed;
    s.rateLimited += limited;
    this.ctx.onCounted?.(processed, limited);
    if (accepted.length > 0) {
      this.ctx.addrman().add(accepted, peer.addr.addr, ADDR_TIME_PENALTY_S);
      this.ctx.onAccepted(accepted, peer);
    }
    if (msg.addresses.length < MAX_ADDR_TO_SEND) s.getaddrSent = false;
    // Addr-fetch: done once it received a real answer (more than a self-announcement).
    if (peer.connType === 'addr-fetch' && msg.addresses.length > 1) peer.disconnect('addrfetch connection completed');
  }

  private onGetAddr(record: PeerRecord): void {
    const { peer } = record;
    // Only inbound peers are answered: a node behind NAT must not be fingerprinted through its table.
    if (!peer.inbound) return;
    const s = this.setup(record)!;
    if (s.getaddrRecvd) return; // one answer per connection
    s.getaddrRecvd = true;
    s.toSend = [];
    const addresses = hasPermission(peer.permissions, Permission.ADDR)
      ? this.freshAddresses()
      : this.cachedAddresses(peer);
    for (const rec of addresses) this.pushAddress(s, peer, rec);
  }

  /** Core `GetAddresses` (unsafe: no cache): table sample minus banned and discouraged. */
  private freshAddresses(): AddressRecord[] {
    const { banman } = this.ctx;
    return this.ctx.addrman().getAddr({ maxAddresses: MAX_ADDR_TO_SEND, maxPct: MAX_PCT_ADDR_TO_SEND })
      .filter((r) => !banman.isDiscouraged(r.service.addr) && !banman.isBanned(r.service.addr));
  }

  /** Core `GetAddresses(requestor, …)`: the answer cached per network and local socket for 21–27 h. */
  private cachedAddresses(peer: Peer): AddressRecord[] {
    const bind = peer.addrBind;
    const hasher = new SipHasher(this.ctx.seed0, this.ctx.seed1).write64(RANDOMIZER_ID_ADDRCACHE)
      .write64(BigInt(peer.addr.addr.getNetClass()));
    if (bind) hasher.write(bind.addr.getAddrBytes());
    hasher.write(Uint8Array.of(((peer.inbound && bind ? bind.port : 0) >> 8) & 0xff, (peer.inbound && bind ? bind.port : 0) & 0xff));
    const id = hasher.finalize();
    const now = this.ctx.clock.now();
    const cached = this.caches.get(id);
    if (cached && cached.expiresAt >= now) return cached.addresses;
    if (!cached && this.caches.size >= MAX_ADDR_RESPONSE_CACHES) {
      let oldest: bigint | undefined;
      let oldestAt = Infinity;
      for (const [k, v] of this.caches) if (v.expiresAt < oldestAt) { oldest = k; oldestAt = v.expiresAt; }
      if (oldest !== undefined) this.caches.delete(oldest);
    }
    const entry = {
      addresses: this.freshAddresses(),
      expiresAt: now + ADDR_CACHE_MIN_LIFETIME_MS + this.ctx.random.randrange(ADDR_CACHE_LIFETIME_SPREAD_MS),
    };
    this.caches.set(id, entry);
    return entry.addresses;
  }

  /** Core `PushAddress`: queue for the next batch unless known or incompatible; a full queue replaces a random entry. */
  private pushAddress(s: AddrRelayPeerState, peer: Peer, rec: AddressRecord): void {
    if (!rec.service.addr.isValid() || !s.known || s.known.contains(addrKeyBytes(rec.service)) || !isCompatible(peer, rec)) return;
    if (s.toSend.length >= MAX_ADDR_TO_SEND) s.toSend[this.ctx.random.randrange(s.toSend.length)] = rec;
    else s.toSend.push(rec);
  }

  /** Core `RelayAddress`: to the 2 (or 1–2) peers with the highest keyed hash for this address and day. */
  private relayAddress(originator: number, rec: AddressRecord, reachable: boolean): void {
    if (!reachable && !rec.service.addr.isRelayable()) return;
    const hashAddr = serviceHash(rec.service);
    const nowS = BigInt(this.ctx.clock.nowSeconds());
    const timeAddr = (nowS + hashAddr) / BigInt(ROTATE_ADDR_RELAY_DEST_INTERVAL_S);
    const hasher = new SipHasher(this.ctx.seed0, this.ctx.seed1).write64(RANDOMIZER_ID_ADDRESS_RELAY).write64(hashAddr).write64(timeAddr);
    const relayNodes = reachable || (hasher.finalize() & 1n) === 1n ? 2 : 1;
    const best: Array<{ key: bigint; peer: Peer; s: AddrRelayPeerState }> = [];
    for (const record of this.ctx.peers()) {
      const { peer } = record;
      const s = record.get(ADDR_STATE);
      if (!s?.enabled || peer.id === originator || !peer.isReady || peer.isDisconnecting || !isCompatible(peer, rec)) continue;
      const key = hasher.clone().write64(BigInt(peer.id)).finalize();
      const at = best.findIndex((b) => key > b.key);
      if (at >= 0) best.splice(at, 0, { key, peer, s });
      else best.push({ key, peer, s });
      if (best.length > relayNodes) best.pop();
    }
    for (const { peer, s } of best) this.pushAddress(s, peer, rec);
  }

  /** Core `MaybeSendAddr` for every ready peer: self-advertisement and the batched addr message. */
  tick(nowMs: number): void {
    const now = nowMs;
    for (const record of this.ctx.peers()) {
      const { peer } = record;
      if (!peer.isReady || peer.isDisconnecting) continue;
      const s = record.get(ADDR_STATE);
      if (!s?.enabled || !s.known) continue;
      if (this.ctx.listening() && !this.ctx.inInitialBlockDownload() && s.nextLocalAddrSendAt < now) {
        if (s.nextLocalAddrSendAt !== 0) s.known.reset(); // so the self-announcement really goes out
        const local = this.ctx.localAddressFor(peer);
        if (local) this.pushAddress(s, peer, { service: local, services: this.ctx.ourServices(), time: this.ctx.clock.nowSeconds() });
        s.nextLocalAddrSendAt = now + this.ctx.random.randExpDuration(AVG_LOCAL_ADDRESS_BROADCAST_INTERVAL_MS);
      }
      if (now <= s.nextAddrSendAt) continue;
      s.nextAddrSendAt = now + this.ctx.random.randExpDuration(AVG_ADDRESS_BROADCAST_INTERVAL_MS);
      const known = s.known;
      const batch = s.toSend.filter((r) => {
        const key = addrKeyBytes(r.service);
        if (known.contains(key)) return false;
        known.insert(key);
        return true;
      });
      s.toSend = [];
      if (batch.length === 0) continue;
      peer.send({ type: peer.wantsAddrV2 ? 'addrv2' : 'addr', addresses: batch });
    }
  }
}
