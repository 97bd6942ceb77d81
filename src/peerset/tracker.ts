/**
 * `PeerSetTracker`: the pure core of the peer-set mode (commonware's lookup `Directory`). It owns the
 * numbered sets, one record per tracked key, the block list and the subscribers, and answers the
 * questions the I/O shell asks: whom to dial now, whether an inbound key from an IP may proceed, which
 * connections must be severed after a change. It touches no socket and no timer; time is read from the
 * injected clock, jitter drawn from the injected `Random`. Every state change goes through one of its
 * methods.
 */
import type { NetAddress } from '../address/netaddress.js';
import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';
import { toPeerKeyHex, type PeerKeyHex } from '../util/public-key.js';
import { samePeerAddress, toPeerAddress, type PeerAddress, type PeerAddressInput } from './address.js';
import {
  DEFAULT_BLOCK_DURATION_MS, DEFAULT_MAX_PEERS_PER_SET, DEFAULT_TRACKED_PEER_SETS, MAX_BLOCK_DURATION_MS, MAX_BLOCKED_KEYS,
  MAX_DIAL_BACKOFF_MS, MAX_PEERS_PER_SET_LIMIT, MAX_SUBSCRIBERS, MAX_TRACKED_PEER_SETS, PEER_CONNECTION_COOLDOWN_MS,
} from './constants.js';
import { nextDialAtMs } from './dial-schedule.js';
import { PeerSetError } from './errors.js';
import { TrackedPeerRecord, type PeerSetDirection, type PeerStatus } from './record.js';
import { PeerSetSubscription, type PeerSetUpdate, type TrackedPeers } from './subscription.js';

/** Keys to addresses, as a `Map`, an iterable of pairs, or a plain object keyed by hex. */
export type PeerMapInput =
  | ReadonlyMap<PeerKeyHex | Uint8Array, PeerAddressInput>
  | Iterable<readonly [PeerKeyHex | Uint8Array, PeerAddressInput]>
  | Readonly<Record<PeerKeyHex, PeerAddressInput>>;

/** A set to track: primaries only, or both roles. */
export type TrackInput = PeerMapInput | { primary: PeerMapInput; secondary?: PeerMapInput };

/**
 * Why an inbound key is refused (the same strings as the authenticated transport's gate reasons, so the
 * tracker can be the gate).
 */
export type InboundRefusal = 'self' | 'unknown-key' | 'blocked' | 'wrong-source-ip' | 'duplicate';

/** Settings. */
export interface PeerSetTrackerOptions {
  /** Our own key: listed in sets like anyone, never dialed, accepted or blocked. */
  self: PeerKeyHex | Uint8Array;
  /** Sets kept (default DEFAULT_TRACKED_PEER_SETS, at most MAX_TRACKED_PEER_SETS). */
  trackedPeerSets?: number;
  /** Distinct keys allowed in one set, self included (default DEFAULT_MAX_PEERS_PER_SET). */
  maxPeersPerSet?: number;
  /** Least time between dials of one peer (default PEER_CONNECTION_COOLDOWN_MS). */
  dialCooldownMs?: number;
  /** Cap of the failure backoff (default MAX_DIAL_BACKOFF_MS). */
  maxDialBackoffMs?: number;
  /** Default block duration (default DEFAULT_BLOCK_DURATION_MS). */
  blockDurationMs?: number;
  /** Blocked keys remembered (default MAX_BLOCKED_KEYS). */
  maxBlockedKeys?: number;
}

/** Injected seams. */
export interface PeerSetTrackerDeps {
  /** Time source (only `now()` is read). */
  clock: Pick<Clock, 'now'>;
  /** Jitter and dial order. */
  random: Pick<Random, 'randrange' | 'shuffle'>;
}

/** A connection attempt or connection that owns a peer's state. */
export interface Reservation {
  /** The peer. */
  readonly key: PeerKeyHex;
  /** Identifies this attempt; reports with an older token are ignored. */
  readonly token: number;
  /** Who dialed. */
  readonly direction: PeerSetDirection;
  /** Where to dial (outbound) or where the peer is registered (inbound). */
  readonly address: PeerAddress;
}

/** What `track` changed. */
export interface TrackResult {
  /** The new set's id (now the active set). */
  id: number;
  /** Ids of sets that dropped out of the kept window. */
  evictedIds: number[];
  /** Keys tracked for the first time. */
  added: PeerKeyHex[];
  /** Keys no longer in any kept set (their records are gone or going). */
  dropped: PeerKeyHex[];
  /** Keys whose connection or dial must be severed: dropped from every kept set, or moved to a new address. */
  disconnect: PeerKeyHex[];
}

/** Why `overwrite` skipped an entry. */
export type OverwriteSkipReason = 'unknown' | 'self' | 'unchanged';

/** What `overwrite` changed. */
export interface OverwriteResult {
  /** Keys whose address changed. */
  changed: PeerKeyHex[];
  /** Of those, keys with a connection or dial to sever. */
  sever: PeerKeyHex[];
  /** Of those, primaries: dialed at the new address from now on (their cooldown is reset). */
  redial: PeerKeyHex[];
  /** Entries left alone, with the reason. */
  skipped: { key: PeerKeyHex; reason: OverwriteSkipReason }[];
}

/** What `block` did. */
export interface BlockResult {
  /** When the block ends, ms. */
  untilMs: number;
  /** True when the key has a connection or dial to sever now. */
  disconnect: boolean;
}

/** Which kept sets list a key, by role. */
export interface PeerRoles {
  /** Kept sets listing it as primary. */
  primarySets: number;
  /** Kept sets listing it as secondary only. */
  secondarySets: number;
}

/** One tracked peer, for operators and tests. */
export interface PeerView extends PeerRoles {
  /** The key. */
  key: PeerKeyHex;
  /** Dial address. */
  dial: string;
  /** Registered source IP. */
  sourceIp: string;
  /** 'primary' if primary in any kept set, else 'secondary'. */
  role: 'primary' | 'secondary';
  /** Connection state. */
  status: PeerStatus;
  /** Direction when not idle. */
  direction: PeerSetDirection | undefined;
  /** When the connection was confirmed. */
  connectedAtMs: number | undefined;
  /** Earliest next dial (primaries). */
  nextDialAtMs: number | undefined;
  /** Consecutive failed dials. */
  dialFailures: number;
  /** When its block ends, if blocked. */
  blockedUntilMs: number | undefined;
}

/** Dials due now and when the next one falls due. */
export interface DialPlan {
  /** Keys to dial now, in random order (commonware's dialer shuffles against IP poisoning). */
  due: PeerKeyHex[];
  /** Earliest time another dial or an unblock could make a key due, if any. */
  nextAtMs: number | undefined;
}

interface StoredSet {
  id: number;
  primary: PeerKeyHex[];
  secondary: PeerKeyHex[];
}

function isPeerMapLike(value: unknown): value is PeerMapInput {
  return value instanceof Map || (typeof value === 'object' && value !== null && Symbol.iterator in value);
}

function entriesOf(input: PeerMapInput): [PeerKeyHex | Uint8Array, PeerAddressInput][] {
  if (input instanceof Map) return [...input.entries()];
  if (isPeerMapLike(input)) return [...(input as Iterable<readonly [PeerKeyHex | Uint8Array, PeerAddressInput]>)].map(([k, v]) => [k, v]);
  return Object.entries(input as Record<string, PeerAddressInput>);
}

function parseMap(input: PeerMapInput, what: string): Map<PeerKeyHex, PeerAddress> {
  const out = new Map<PeerKeyHex, PeerAddress>();
  for (const [rawKey, rawAddress] of entriesOf(input)) {
    let key: PeerKeyHex;
    try {
      key = toPeerKeyHex(rawKey);
    } catch (err) {
      throw new PeerSetError('ERR_PEERSET_INVALID_PEER', `${what}: ${(err as Error).message}`, { cause: err });
    }
    out.set(key, toPeerAddress(rawAddress, key));
  }
  return out;
}

function checkPositive(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new PeerSetError('ERR_PEERSET_OPTION', `${name} must be an integer in 1..${max}, got ${value}`);
  return value;
}

/** Tracked peer sets, records, blocks and subscribers. */
export class PeerSetTracker {
  /** Our key. */
  readonly self: PeerKeyHex;
  /** Sets kept. */
  readonly trackedPeerSets: number;
  /** Keys allowed per set. */
  readonly maxPeersPerSet: number;
  private readonly dialCooldownMs: number;
  private readonly maxDialBackoffMs: number;
  private readonly blockDurationMs: number;
  private readonly maxBlockedKeys: number;
  private readonly sets: StoredSet[] = [];
  private readonly records = new Map<PeerKeyHex, TrackedPeerRecord>();
  private readonly blocked = new Map<PeerKeyHex, number>();
  private readonly subscribers = new Set<PeerSetSubscription>();
  private ipIndex: Map<string, PeerKeyHex[]> | undefined;
  private nextToken = 1;
  private blockEvictions = 0;

  /** @param options self key and limits; @param deps clock and random. */
  constructor(options: PeerSetTrackerOptions, private readonly deps: PeerSetTrackerDeps) {
    this.self = toPeerKeyHex(options.self);
    this.trackedPeerSets = checkPositive('trackedPeerSets', options.trackedPeerSets ?? DEFAULT_TRACKED_PEER_SETS, MAX_TRACKED_PEER_SETS);
    this.maxPeersPerSet = checkPositive('maxPeersPerSet', options.maxPeersPerSet ?? DEFAULT_MAX_PEERS_PER_SET, MAX_PEERS_PER_SET_LIMIT);
    this.dialCooldownMs = checkPositive('dialCooldownMs', options.dialCooldownMs ?? PEER_CONNECTION_COOLDOWN_MS, MAX_BLOCK_DURATION_MS);
    this.maxDialBackoffMs = checkPositive('maxDialBackoffMs', options.maxDialBackoffMs ?? MAX_DIAL_BACKOFF_MS, MAX_BLOCK_DURATION_MS);
    this.blockDurationMs = checkPositive('blockDurationMs', options.blockDurationMs ?? DEFAULT_BLOCK_DURATION_MS, MAX_BLOCK_DURATION_MS);
    this.maxBlockedKeys = checkPositive('maxBlockedKeys', options.maxBlockedKeys ?? MAX_BLOCKED_KEYS, MAX_BLOCKED_KEYS);
  }

  private now(): number {
    return this.deps.clock.now();
  }

  // ---- sets ------------------------------------------------------------------------------------

  /** Id of the active (highest) set, if any. */
  get activeId(): number | undefined {
    return this.sets.at(-1)?.id;
  }

  /** Ids of the kept sets, oldest first. */
  get ids(): number[] {
    return this.sets.map((s) => s.id);
  }

  /** Records held (one per key in some kept set, plus departed keys still connected). */
  get size(): number {
    return this.records.size;
  }

  /**
   * Tracks set `id` (strictly above every earlier id; it becomes the active set). A key listed in both
   * roles is primary. An existing key listed with a new address moves there (as `overwrite`). When more
   * than `trackedPeerSets` sets are kept the oldest drops out, and keys in no kept set are reported for
   * disconnection. Validation happens before any change: a refused call changes nothing.
   */
  track(id: number, input: TrackInput): TrackResult {
    if (!Number.isSafeInteger(id) || id < 0) throw new PeerSetError('ERR_PEERSET_INVALID_ID', `peer set id must be a non-negative safe integer, got ${id}`);
    const last = this.activeId;
    if (last !== undefined && id <= last) throw new PeerSetError('ERR_PEERSET_ID_NOT_INCREASING', `peer set id ${id} is not above the last tracked id ${last}`);
    const both = !isPeerMapLike(input) && typeof input === 'object' && input !== null && 'primary' in input;
    const primary = parseMap(both ? (input as { primary: PeerMapInput }).primary : input as PeerMapInput, `set ${id} primary`);
    const secondaryAll = both && (input as { secondary?: PeerMapInput }).secondary
      ? parseMap((input as { secondary: PeerMapInput }).secondary, `set ${id} secondary`) : new Map<PeerKeyHex, PeerAddress>();
    const secondary = new Map([...secondaryAll].filter(([k]) => !primary.has(k)));
    const distinct = primary.size + secondary.size;
    if (distinct > this.maxPeersPerSet) {
      throw new PeerSetError('ERR_PEERSET_TOO_LARGE', `peer set ${id} has ${distinct} keys, more than maxPeersPerSet ${this.maxPeersPerSet}`);
    }

    const added: PeerKeyHex[] = [];
    const disconnect = new Set<PeerKeyHex>();
    const apply = (key: PeerKeyHex, address: PeerAddress, role: 'primary' | 'secondary'): void => {
      if (key === this.self) return;
      let record = this.records.get(key);
      if (!record) {
        record = new TrackedPeerRecord(address);
        this.records.set(key, record);
        added.push(key);
      } else if (!samePeerAddress(record.address, address)) {
        if (this.moveRecord(record, address)) disconnect.add(key);
      }
      if (role === 'primary') record.primarySets++;
      else record.secondarySets++;
    };
    for (const [key, address] of primary) apply(key, address, 'primary');
    for (const [key, address] of secondary) apply(key, address, 'secondary');
    this.sets.push({ id, primary: [...primary.keys()].sort(), secondary: [...secondary.keys()].sort() });

    const evictedIds: number[] = [];
    const dropped: PeerKeyHex[] = [];
    while (this.sets.length > this.trackedPeerSets) {
      const old = this.sets.shift()!;
      evictedIds.push(old.id);
      const release = (key: PeerKeyHex, role: 'primary' | 'secondary'): void => {
        const record = this.records.get(key);
        if (!record) return;
        if (role === 'primary') record.primarySets--;
        else record.secondarySets--;
        if (record.isEligible) return;
        dropped.push(key);
        if (record.isBusy) disconnect.add(key);
        else this.records.delete(key);
      };
      for (const key of old.primary) release(key, 'primary');
      for (const key of old.secondary) release(key, 'secondary');
    }
    this.ipIndex = undefined;
    this.publish();
    return { id, evictedIds, added, dropped: [...new Set(dropped)], disconnect: [...disconnect] };
  }

  /** The keys of kept set `id`, or undefined when it is not (or no longer) kept. */
  peerSet(id: number): TrackedPeers | undefined {
    const set = this.sets.find((s) => s.id === id);
    return set ? { primary: [...set.primary], secondary: [...set.secondary] } : undefined;
  }

  /** Union over every kept set; secondary excludes keys primary in any kept set. */
  all(): TrackedPeers {
    const primary = new Set<PeerKeyHex>();
    const secondary = new Set<PeerKeyHex>();
    for (const set of this.sets) for (const k of set.primary) primary.add(k);
    for (const set of this.sets) for (const k of set.secondary) if (!primary.has(k)) secondary.add(k);
    return { primary: [...primary].sort(), secondary: [...secondary].sort() };
  }

  /** The update a subscriber would receive now (undefined before the first set). */
  latestUpdate(): PeerSetUpdate | undefined {
    const latest = this.sets.at(-1);
    if (!latest) return undefined;
    return { id: latest.id, primary: [...latest.primary], secondary: [...latest.secondary], all: this.all() };
  }

  /**
   * Subscribes to set changes. The latest update (if any) is delivered first, then one per `track`.
   * Bounded: see PeerSetSubscription for the slow-subscriber policy; at most MAX_SUBSCRIBERS at once.
   */
  subscribe(): PeerSetSubscription {
    if (this.subscribers.size >= MAX_SUBSCRIBERS) {
      throw new PeerSetError('ERR_PEERSET_TOO_MANY_SUBSCRIBERS', `already ${MAX_SUBSCRIBERS} subscribers; close one first`);
    }
    const sub = new PeerSetSubscription((s) => this.subscribers.delete(s));
    this.subscribers.add(sub);
    const latest = this.latestUpdate();
    if (latest) sub.push(latest);
    return sub;
  }

  /** Live subscribers. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  private publish(): void {
    const update = this.latestUpdate();
    if (!update) return;
    for (const sub of this.subscribers) sub.push(update);
  }

  // ---- addresses ---------------------------------------------------------------------------------

  /**
   * Changes addresses of tracked peers without a new set. Unknown keys, our own key and unchanged
   * addresses are skipped. A moved peer's connection or dial is to be severed, its inbound allow-list
   * entry follows the new source IP, and a primary is dialed at the new address without waiting for its
   * cooldown (the cooldown protects an address, and this one is new).
   */
  overwrite(input: PeerMapInput): OverwriteResult {
    const entries = parseMap(input, 'overwrite');
    const result: OverwriteResult = { changed: [], sever: [], redial: [], skipped: [] };
    for (const [key, address] of entries) {
      if (key === this.self) {
        result.skipped.push({ key, reason: 'self' });
        continue;
      }
      const record = this.records.get(key);
      if (!record || !record.isEligible) {
        result.skipped.push({ key, reason: 'unknown' });
        continue;
      }
      if (samePeerAddress(record.address, address)) {
        result.skipped.push({ key, reason: 'unchanged' });
        continue;
      }
      result.changed.push(key);
      if (this.moveRecord(record, address)) result.sever.push(key);
      if (record.isPrimary) result.redial.push(key);
    }
    if (result.changed.length > 0) this.ipIndex = undefined;
    return result;
  }

  /** Points a record at a new address; true when a connection or dial must be severed. */
  private moveRecord(record: TrackedPeerRecord, address: PeerAddress): boolean {
    record.address = address;
    record.nextDialAtMs = this.now();
    record.dialFailures = 0;
    this.ipIndex = undefined;
    if (!record.isBusy) return false;
    record.stale = true;
    return true;
  }

  // ---- blocking ------------------------------------------------------------------------------------

  /**
   * Blocks `key` for `durationMs` (default 4 h), whether tracked or not: it is neither dialed nor
   * accepted until then. Blocking an already blocked key keeps the later end. Our own key cannot be blocked.
   */
  block(keyInput: PeerKeyHex | Uint8Array, durationMs = this.blockDurationMs): BlockResult {
    const key = toPeerKeyHex(keyInput);
    if (key === this.self) throw new PeerSetError('ERR_PEERSET_BLOCK_SELF', 'cannot block our own key');
    if (!Number.isSafeInteger(durationMs) || durationMs <= 0 || durationMs > MAX_BLOCK_DURATION_MS) {
      throw new PeerSetError('ERR_PEERSET_INVALID_DURATION', `block duration must be 1..${MAX_BLOCK_DURATION_MS} ms, got ${durationMs}`);
    }
    const now = this.now();
    const untilMs = Math.max(now + durationMs, this.blocked.get(key) ?? 0);
    if (!this.blocked.has(key) && this.blocked.size >= this.maxBlockedKeys) this.makeRoomInBlockList(now);
    this.blocked.set(key, untilMs);
    const record = this.records.get(key);
    return { untilMs, disconnect: record?.isBusy ?? false };
  }

  private makeRoomInBlockList(now: number): void {
    this.unblockExpired(now);
    if (this.blocked.size < this.maxBlockedKeys) return;
    let soonestKey: PeerKeyHex | undefined;
    let soonest = Infinity;
    for (const [k, until] of this.blocked) if (until < soonest) { soonest = until; soonestKey = k; }
    this.blocked.delete(soonestKey!);
    this.blockEvictions++;
  }

  /** Blocks dropped early because the block list was full. */
  get blockListEvictions(): number {
    return this.blockEvictions;
  }

  /** Blocked keys remembered (some may have expired and await `unblockExpired`). */
  get blockedCount(): number {
    return this.blocked.size;
  }

  /** True while `key` is blocked. */
  isBlocked(key: PeerKeyHex): boolean {
    const until = this.blocked.get(key);
    return until !== undefined && until > this.now();
  }

  /** When `key`'s block ends, if it is blocked now. */
  blockedUntil(key: PeerKeyHex): number | undefined {
    return this.isBlocked(key) ? this.blocked.get(key) : undefined;
  }

  /** Forgets expired blocks; returns the keys unblocked. */
  unblockExpired(now = this.now()): PeerKeyHex[] {
    const out: PeerKeyHex[] = [];
    for (const [key, until] of this.blocked) {
      if (until <= now) {
        this.blocked.delete(key);
        out.push(key);
      }
    }
    return out;
  }

  /** When the earliest block ends, if any (the shell's timer for `unblockExpired`). */
  nextUnblockAtMs(): number | undefined {
    let soonest: number | undefined;
    for (const until of this.blocked.values()) if (soonest === undefined || until < soonest) soonest = until;
    return soonest;
  }

  // ---- inbound ---------------------------------------------------------------------------------

  private ipIndexNow(): Map<string, PeerKeyHex[]> {
    if (!this.ipIndex) {
      this.ipIndex = new Map();
      for (const [key, record] of this.records) {
        if (!record.isEligible) continue;
        const ipKey = record.address.sourceIp.key;
        const list = this.ipIndex.get(ipKey);
        if (list) list.push(key);
        else this.ipIndex.set(ipKey, [key]);
      }
    }
    return this.ipIndex;
  }

  /**
   * The listener's allow-list (commonware `listenable`): true when some eligible, unblocked peer is
   * registered with source IP `ip`. Checked on the raw connection before any handshake work.
   */
  isRegisteredIp(ip: NetAddress): boolean {
    return (this.ipIndexNow().get(ip.key) ?? []).some((k) => !this.isBlocked(k));
  }

  /** Every registered source IP with at least one unblocked peer. */
  registeredIps(): string[] {
    return [...this.ipIndexNow().entries()].filter(([, keys]) => keys.some((k) => !this.isBlocked(k))).map(([ip]) => ip);
  }

  /**
   * The handshake gate's question (commonware `acceptable`): may `key`, connecting from `ip`, proceed?
   * Undefined means yes. Refused: our own key, a key in no kept set, a blocked key, a source IP other
   * than the registered one, and a duplicate — a key already connected or being accepted, or one we
   * are dialing ourselves unless it sorts below our key (so that of two simultaneous dials exactly one
   * survives: the one initiated by the lower key). Changes nothing.
   */
  checkInbound(keyInput: PeerKeyHex | Uint8Array, ip: NetAddress): InboundRefusal | undefined {
    const key = toPeerKeyHex(keyInput);
    if (key === this.self) return 'self';
    const record = this.records.get(key);
    if (!record || !record.isEligible) return 'unknown-key';
    if (this.isBlocked(key)) return 'blocked';
    if (!record.address.sourceIp.equals(ip)) return 'wrong-source-ip';
    if (record.status === 'connected' || record.status === 'accepting') return 'duplicate';
    if (record.status === 'dialing' && !(key < this.self)) return 'duplicate';
    return undefined;
  }

  /**
   * The handshake gate as a reservation: `checkInbound`, then the peer becomes `accepting` under a new
   * token (superseding our own dial when the tie-break let the inbound through), so no dial of ours and
   * no second inbound can start while this handshake runs. Confirm with `connected`, or release with
   * `disconnected` when the handshake fails.
   */
  reserveInbound(keyInput: PeerKeyHex | Uint8Array, ip: NetAddress): { ok: true; reservation: Reservation } | { ok: false; reason: InboundRefusal } {
    const key = toPeerKeyHex(keyInput);
    const reason = this.checkInbound(key, ip);
    if (reason) return { ok: false, reason };
    const record = this.records.get(key)!;
    record.status = 'accepting';
    record.direction = 'inbound';
    record.token = this.nextToken++;
    record.stale = false;
    return { ok: true, reservation: { key, token: record.token, direction: 'inbound', address: record.address } };
  }

  /** `reserveInbound` and `connected` at once (for a connection whose handshake is already done). */
  admitInbound(keyInput: PeerKeyHex | Uint8Array, ip: NetAddress): { ok: true; reservation: Reservation } | { ok: false; reason: InboundRefusal } {
    const reserved = this.reserveInbound(keyInput, ip);
    if (!reserved.ok) return reserved;
    if (!this.connected(reserved.reservation)) return { ok: false, reason: 'duplicate' };
    return reserved;
  }

  // ---- outbound --------------------------------------------------------------------------------

  /** Primaries (in any kept set) that are idle, unblocked and past their next dial time, shuffled. */
  dialable(): DialPlan {
    const now = this.now();
    const due: PeerKeyHex[] = [];
    let nextAtMs: number | undefined;
    const later = (t: number): void => { if (nextAtMs === undefined || t < nextAtMs) nextAtMs = t; };
    for (const [key, record] of this.records) {
      if (!record.isPrimary || record.isBusy) continue;
      const blockedUntil = this.blockedUntil(key);
      if (blockedUntil !== undefined) {
        later(Math.max(blockedUntil, record.nextDialAtMs));
        continue;
      }
      if (record.nextDialAtMs <= now) due.push(key);
      else later(record.nextDialAtMs);
    }
    due.sort();
    this.deps.random.shuffle(due);
    return { due, nextAtMs };
  }

  /**
   * Reserves a dial of `key` if it is dialable now (commonware `dial`): the peer becomes `dialing` and its
   * next dial moves to now + cooldown (doubled per consecutive failure, capped) + jitter.
   */
  reserveDial(keyInput: PeerKeyHex | Uint8Array): Reservation | undefined {
    const key = toPeerKeyHex(keyInput);
    const record = this.records.get(key);
    const now = this.now();
    if (!record || key === this.self || !record.isPrimary || record.isBusy || this.isBlocked(key) || record.nextDialAtMs > now) return undefined;
    record.status = 'dialing';
    record.direction = 'outbound';
    record.token = this.nextToken++;
    record.stale = false;
    record.reservedAtMs = now;
    record.nextDialAtMs = nextDialAtMs(now, this.dialCooldownMs, record.dialFailures, this.deps.random, this.maxDialBackoffMs);
    return { key, token: record.token, direction: 'outbound', address: record.address };
  }

  private owner(reservation: Reservation): TrackedPeerRecord | undefined {
    const record = this.records.get(reservation.key);
    return record && record.token === reservation.token && record.isBusy ? record : undefined;
  }

  /** A reserved dial failed (connect or handshake): back to idle, and the next dial backs off. */
  dialFailed(reservation: Reservation): void {
    const record = this.owner(reservation);
    if (!record || record.status !== 'dialing') return;
    record.dialFailures++;
    record.nextDialAtMs = Math.max(record.nextDialAtMs,
      nextDialAtMs(record.reservedAtMs, this.dialCooldownMs, record.dialFailures, this.deps.random, this.maxDialBackoffMs));
    this.release(reservation.key, record);
  }

  /**
   * A reserved dial or inbound handshake completed. False (close the connection) when the reservation
   * was superseded, the address changed meanwhile, the key left every kept set or got blocked.
   */
  connected(reservation: Reservation): boolean {
    const record = this.owner(reservation);
    if (!record || (record.status !== 'dialing' && record.status !== 'accepting')) return false;
    if (record.stale || !record.isEligible || this.isBlocked(reservation.key)) {
      this.release(reservation.key, record);
      return false;
    }
    record.status = 'connected';
    if (record.direction === 'outbound') record.dialFailures = 0;
    record.connectedAtMs = this.now();
    return true;
  }

  /** The connection (or attempt) of `reservation` ended: back to idle; a key in no kept set is forgotten. */
  disconnected(reservation: Reservation): void {
    const record = this.owner(reservation);
    if (record) this.release(reservation.key, record);
  }

  private release(key: PeerKeyHex, record: TrackedPeerRecord): void {
    record.status = 'idle';
    record.token = 0;
    record.stale = false;
    record.connectedAtMs = undefined;
    if (!record.isEligible) {
      this.records.delete(key);
      this.ipIndex = undefined;
    }
  }

  // ---- views ---------------------------------------------------------------------------------------

  /** Roles of `key` in the kept sets (zeros when untracked). */
  roles(keyInput: PeerKeyHex | Uint8Array): PeerRoles {
    const record = this.records.get(toPeerKeyHex(keyInput));
    return { primarySets: record?.primarySets ?? 0, secondarySets: record?.secondarySets ?? 0 };
  }

  /** The current address of a tracked key. */
  addressOf(keyInput: PeerKeyHex | Uint8Array): PeerAddress | undefined {
    return this.records.get(toPeerKeyHex(keyInput))?.address;
  }

  /** Connection state of a key ('idle' when untracked). */
  statusOf(keyInput: PeerKeyHex | Uint8Array): PeerStatus {
    return this.records.get(toPeerKeyHex(keyInput))?.status ?? 'idle';
  }

  /** Every record, sorted by key. */
  peers(): PeerView[] {
    return [...this.records.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, r]) => ({
      key,
      dial: r.address.dial.toString(),
      sourceIp: r.address.sourceIp.toString(),
      role: r.isPrimary ? 'primary' as const : 'secondary' as const,
      primarySets: r.primarySets,
      secondarySets: r.secondarySets,
      status: r.status,
      direction: r.isBusy ? r.direction : undefined,
      connectedAtMs: r.connectedAtMs,
      nextDialAtMs: r.isPrimary ? r.nextDialAtMs : undefined,
      dialFailures: r.dialFailures,
      blockedUntilMs: this.blockedUntil(key),
    }));
  }
}
