/**
 * The entry table: every address the addrman knows, stored column-wise ("struct of arrays").
 *
 * An entry lives in a dense slot number; each field (Core's `AddrInfo` members plus Peerbook's
 * connection state and cached bucket numbers) is one typed-array column indexed by slot, and the
 * address and source bytes sit in two pooled byte arrays, 32 bytes per slot. No per-entry JavaScript
 * object exists: `AddressRecord` / `NetService` objects are built only when an entry leaves the
 * table through the API. That is what keeps a full table (81,920 entries) under ~200 bytes per entry;
 * a `Map` of objects with `Uint8Array` addresses costs well over 500.
 *
 * Slots are not Core's ids. Core's `nid_type` ids are kept in the `id` column because the order of
 * the tried-collision set depends on them. They come from a counter that only increases; JavaScript
 * numbers are exact integers up to 2^53, and creating 2^53 entries at one per microsecond would take
 * 285 years, so unlike Core's pre-v28 `int` ids (CVE-2024-52919) they can never wrap or collide.
 *
 * The table also owns the two indexes over entries: service → slot (`AddressIndex`) and service bit →
 * slots (`ServiceIndex`), and keeps them in step on every create, delete and services change.
 *
 * Entries arrive one by one (`create`, for `add`) or all at once from a table image (`adopt`: the
 * image's typed arrays become these columns, row i slot i, and the loader `activate`s the rows it
 * keeps). Only this store and the table that owns it (table.ts) write the columns.
 */
import { NetAddress, INTERNAL_IN_IPV6_PREFIX, IPV4_IN_IPV6_PREFIX } from '../address/netaddress.js';
import { Net, type NetId } from '../address/network.js';
import type { AddressRecord } from '../address/record.js';
import { NetService } from '../address/service.js';
import { AddressIndex } from './address-index.js';
import { StateKind, stateFromColumns } from './connection-state.js';
import { ADDRMAN_MAX_ENTRIES } from './constants.js';
import { ADDR_SLOT_BYTES, type EntryColumns } from './image.js';
import { ServiceIndex } from './service-index.js';
import type { AddrInfoView } from './types.js';

export { ADDR_SLOT_BYTES } from './image.js';
/**
 * Bytes reserved per slot for the address's network group: a length byte and up to 7 group bytes
 * (the longest group of a storable address is 6 bytes: Hurricane Electric's /36 with its class byte).
 */
export const GROUP_SLOT_BYTES = 8;
/** Group length marking "not cached" (compute from the address when needed). */
const GROUP_NOT_CACHED = 0xff;
/** Most slots ever allocated: a full table plus the one entry `AddSingle` may create before placing. */
export const MAX_SLOTS = ADDRMAN_MAX_ENTRIES + 1;
/** Slots allocated for an empty table. */
const INITIAL_SLOTS = 256;

/** Address byte length per network id (Core `m_addr` sizes); 0 for UNROUTABLE, which never owns bytes. */
export const ADDR_LEN = [0, 4, 16, 32, 32, 16, 10] as const;

/** Column store of addrman entries plus the service and service-bit indexes. */
export class EntryTable {
  /** Slots allocated in every column. */
  capacity = 0;
  /** Live entries. */
  live = 0;
  private fresh = 0;
  private freeList = new Int32Array(0);
  private freeCount = 0;

  /** Core id (nid_type) of the entry, -1 for a free slot. */
  id = new Float64Array(0);
  /** The address's own network (NetAddress.net). */
  net = new Uint8Array(0);
  /** Address bytes, ADDR_SLOT_BYTES per slot. */
  addr = new Uint8Array(0);
  /** Port. */
  port = new Uint16Array(0);
  /** Source address network. */
  srcNet = new Uint8Array(0);
  /** Source address bytes, ADDR_SLOT_BYTES per slot. */
  src = new Uint8Array(0);
  /** Core `GetNetwork()` of the address (what per-network counts and select filters use). */
  network = new Uint8Array(0);
  /** Core `GetNetClass()` of the address (what GetAddr's network filter uses). */
  netClass = new Uint8Array(0);
  /** The address's network group (`NetGroupManager.getGroup`), GROUP_SLOT_BYTES per slot: length, bytes. */
  group = new Uint8Array(0);
  /** Core nTime: last seen, Unix seconds. */
  time = new Float64Array(0);
  /** Core m_last_try, seconds (memory only). */
  lastTry = new Float64Array(0);
  /** Core m_last_count_attempt, seconds (memory only). */
  lastCountAttempt = new Float64Array(0);
  /** Core m_last_success, seconds. */
  lastSuccess = new Float64Array(0);
  /** Service flags, low 32 bits. */
  svcLo = new Uint32Array(0);
  /** Service flags, high 32 bits. */
  svcHi = new Uint32Array(0);
  /** Core nAttempts. */
  attempts = new Int32Array(0);
  /** Core nRefCount: new-table references (memory only). */
  refCount = new Uint8Array(0);
  /** Core fInTried (memory only). */
  inTried = new Uint8Array(0);
  /** Core nRandomPos: index in `randomOrder`. */
  randomPos = new Int32Array(0);
  /** Cached `GetNewBucket(nKey)` (own source), -1 until computed. */
  newBucket = new Int16Array(0);
  /** Cached `GetBucketPosition(nKey, true, newBucket)`, -1 until computed. */
  newPos = new Int8Array(0);
  /** Cached `GetTriedBucket(nKey)`, -1 until computed. */
  triedBucket = new Int16Array(0);
  /** Cached `GetBucketPosition(nKey, false, triedBucket)`, -1 until computed. */
  triedPos = new Int8Array(0);
  /** Connection state kind (StateKind). */
  stateKind = new Uint8Array(0);
  /** Connection state time: `tried`/`failed` time or `banned` expiry, seconds. */
  stateTime = new Float64Array(0);

  /** Core vRandom: every live slot, in an order GetAddr shuffles. */
  randomOrder = new Int32Array(0);
  /** Live length of `randomOrder`. */
  randomLen = 0;

  /** Service → slot (Core mapAddr). */
  readonly index: AddressIndex;
  /** Service bit → slots. */
  readonly services: ServiceIndex;

  /** @param indexSeed secret bytes for the address index's hash. */
  constructor(indexSeed: Uint8Array) {
    this.index = new AddressIndex(indexSeed, this);
    this.services = new ServiceIndex(0, this);
    this.resize(INITIAL_SLOTS);
  }

  // ---- slots ---------------------------------------------------------------------------------

  /** Takes a free slot (growing the columns if needed) and marks it live with id `id`. */
  alloc(id: number): number {
    let slot: number;
    if (this.freeCount > 0) {
      slot = this.freeList[--this.freeCount];
    } else {
      if (this.fresh === this.capacity) {
        if (this.capacity >= MAX_SLOTS) throw new Error(`addrman entry table full (${MAX_SLOTS} slots): table invariant broken`);
        this.resize(Math.min(MAX_SLOTS, this.capacity * 2));
      }
      slot = this.fresh++;
    }
    this.id[slot] = id;
    this.live++;
    return slot;
  }

  /** Returns a slot to the free list (indexes must already be updated). */
  release(slot: number): void {
    this.id[slot] = -1;
    this.live--;
    this.freeList[this.freeCount++] = slot;
  }

  /** True when `slot` holds a live entry. */
  isLive(slot: number): boolean {
    return slot >= 0 && slot < this.fresh && this.id[slot] >= 0;
  }

  /** Upper bound (exclusive) of slots ever used: iterate 0..slotLimit and skip non-live ones. */
  get slotLimit(): number {
    return this.fresh;
  }

  /** Bytes held by all columns and indexes (for memory accounting). */
  get byteLength(): number {
    const cols = [
      this.id, this.net, this.addr, this.port, this.srcNet, this.src, this.network, this.netClass, this.group, this.time,
      this.lastTry, this.lastCountAttempt, this.lastSuccess, this.svcLo, this.svcHi, this.attempts, this.refCount,
      this.inTried, this.randomPos, this.newBucket, this.newPos, this.triedBucket, this.triedPos, this.stateKind,
      this.stateTime, this.randomOrder, this.freeList,
    ];
    let n = 0;
    for (const c of cols) n += c.byteLength;
    return n + this.index.byteLength + this.services.byteLength;
  }

  // ---- creating and deleting entries -----------------------------------------------------------

  /**
   * Creates a live entry (Core `Create`, minus the counters the tables keep): address, port, source,
   * time and services from the arguments, its group packed at `groupBuf[groupAt]` (length, bytes),
   * every statistic zero, appended to `randomOrder`, indexed.
   */
  create(
    id: number, addr: NetAddress, port: number, source: NetAddress, time: number, services: bigint,
    network: number, netClass: number, groupBuf: Uint8Array, groupAt: number,
  ): number {
    const slot = this.alloc(id);
    this.net[slot] = addr.net;
    this.addr.set(addr.bytes, slot * ADDR_SLOT_BYTES);
    this.port[slot] = port;
    this.srcNet[slot] = source.net;
    this.src.set(source.bytes, slot * ADDR_SLOT_BYTES);
    this.time[slot] = time;
    this.lastTry[slot] = 0;
    this.lastCountAttempt[slot] = 0;
    this.lastSuccess[slot] = 0;
    this.attempts[slot] = 0;
    this.stateKind[slot] = StateKind.NEVER_TRIED;
    this.stateTime[slot] = 0;
    this.svcLo[slot] = servicesLow(services);
    this.svcHi[slot] = servicesHigh(services);
    this.link(slot, network, netClass, undefined);
    this.setGroupPacked(slot, groupBuf, groupAt);
    return slot;
  }

  /**
   * Takes over an image's columns as this (empty) table's storage: row i becomes slot i, not yet live.
   * The loader then makes rows live with `activate` and calls `finishAdoption` (every row it did not
   * activate becomes a free slot). The arrays are used in place, not copied.
   */
  adopt(cols: EntryColumns, rows: number): void {
    if (this.live !== 0 || this.fresh !== 0) throw new Error('addrman: adopt() into a table that is in use');
    const capacity = cols.net.length;
    if (rows > capacity || rows > MAX_SLOTS) throw new Error(`addrman: ${rows} rows do not fit (capacity ${capacity}, at most ${MAX_SLOTS})`);
    this.net = cols.net;
    this.addr = cols.addr;
    this.port = cols.port;
    this.srcNet = cols.srcNet;
    this.src = cols.src;
    this.time = cols.time;
    this.svcLo = cols.svcLo;
    this.svcHi = cols.svcHi;
    this.lastTry = cols.lastTry;
    this.lastCountAttempt = cols.lastCountAttempt;
    this.lastSuccess = cols.lastSuccess;
    this.attempts = cols.attempts;
    this.stateKind = cols.stateKind;
    this.stateTime = cols.stateTime;
    this.id = new Float64Array(capacity).fill(-1);
    this.network = new Uint8Array(capacity);
    this.netClass = new Uint8Array(capacity);
    this.group = new Uint8Array(capacity * GROUP_SLOT_BYTES);
    this.refCount = new Uint8Array(capacity);
    this.inTried = new Uint8Array(capacity);
    this.randomPos = new Int32Array(capacity);
    this.newBucket = new Int16Array(capacity);
    this.newPos = new Int8Array(capacity);
    this.triedBucket = new Int16Array(capacity);
    this.triedPos = new Int8Array(capacity);
    this.randomOrder = new Int32Array(capacity);
    this.freeList = new Int32Array(capacity);
    this.freeCount = 0;
    this.services.resize(capacity);
    this.capacity = capacity;
    this.fresh = rows;
    this.index.reserve(rows);
    if (capacity < INITIAL_SLOTS) this.resize(INITIAL_SLOTS);
  }

  /**
   * Makes adopted row `slot` a live entry with id `id`: its stored fields are already in the columns;
   * the derived ones (network, class, group, no references) are set, and it is indexed and appended to
   * `randomOrder` (Core Unserialize's `mapInfo`/`mapAddr`/`vRandom` fill). When another live entry
   * has the same address and port, nothing changes and that entry's slot is returned; else -1.
   */
  activate(slot: number, id: number, network: number, netClass: number, group: Uint8Array | undefined): number {
    const existing = this.index.insertUnique(slot);
    if (existing >= 0) return existing;
    this.id[slot] = id;
    this.live++;
    this.derive(slot, network, netClass, group);
    return -1;
  }

  /** Ends an adoption: every row that was not activated becomes a free slot with cleared services. */
  finishAdoption(): void {
    for (let slot = this.fresh - 1; slot >= 0; slot--) {
      if (this.id[slot] >= 0) continue;
      this.svcLo[slot] = 0;
      this.svcHi[slot] = 0;
      this.freeList[this.freeCount++] = slot;
    }
  }

  /** Sets the derived fields of a slot whose stored fields are written and indexes it. */
  private link(slot: number, network: number, netClass: number, group: Uint8Array | undefined): void {
    this.derive(slot, network, netClass, group);
    this.index.insert(slot);
  }

  /** Sets the derived fields of a slot whose stored fields are written, and appends it to `randomOrder`. */
  private derive(slot: number, network: number, netClass: number, group: Uint8Array | undefined): void {
    this.network[slot] = network;
    this.netClass[slot] = netClass;
    this.setGroup(slot, group);
    this.refCount[slot] = 0;
    this.inTried[slot] = 0;
    this.newBucket[slot] = -1;
    this.newPos[slot] = -1;
    this.triedBucket[slot] = -1;
    this.triedPos[slot] = -1;
    this.services.update(slot, 0, 0, this.svcLo[slot], this.svcHi[slot]);
    this.randomPos[slot] = this.randomLen;
    this.randomOrder[this.randomLen++] = slot;
  }

  /** Removes a live entry from `randomOrder` and both indexes and frees its slot (Core `Delete`'s bookkeeping). */
  destroy(slot: number): void {
    this.swapRandom(this.randomPos[slot], this.randomLen - 1);
    this.randomLen--;
    this.index.remove(slot);
    this.services.update(slot, this.svcLo[slot], this.svcHi[slot], 0, 0);
    this.svcLo[slot] = 0;
    this.svcHi[slot] = 0;
    this.release(slot);
  }

  /** Core `SwapRandom`: swaps two positions of `randomOrder`. */
  swapRandom(pos1: number, pos2: number): void {
    if (pos1 === pos2) return;
    const s1 = this.randomOrder[pos1];
    const s2 = this.randomOrder[pos2];
    this.randomPos[s1] = pos2;
    this.randomPos[s2] = pos1;
    this.randomOrder[pos1] = s2;
    this.randomOrder[pos2] = s1;
  }

  // ---- lookups ---------------------------------------------------------------------------------

  /** The slot of the entry for `addr`:`port`, or -1 (Core `Find`). */
  find(addr: NetAddress, port: number): number {
    return this.index.find(addr.net, addr.bytes, port);
  }

  /** Network id of `slot` (for the address index). */
  netOf(slot: number): number {
    return this.net[slot];
  }

  /** Port of `slot` (for the address index). */
  portOf(slot: number): number {
    return this.port[slot];
  }

  /** True when the address bytes of `slot` equal `bytes` (for the address index). */
  addrBytesEqual(slot: number, bytes: Uint8Array): boolean {
    const len = ADDR_LEN[this.net[slot]];
    if (bytes.length !== len) return false;
    const pool = this.addr;
    const off = slot * ADDR_SLOT_BYTES;
    for (let i = 0; i < len; i++) if (pool[off + i] !== bytes[i]) return false;
    return true;
  }

  /** True when two slots hold the same service (for the address index). */
  sameKey(a: number, b: number): boolean {
    if (this.net[a] !== this.net[b] || this.port[a] !== this.port[b]) return false;
    const len = ADDR_LEN[this.net[a]];
    const pool = this.addr;
    const oa = a * ADDR_SLOT_BYTES;
    const ob = b * ADDR_SLOT_BYTES;
    for (let i = 0; i < len; i++) if (pool[oa + i] !== pool[ob + i]) return false;
    return true;
  }

  /** Grows the columns and the index to hold `n` entries without further reallocation. */
  reserve(n: number): void {
    const want = Math.min(MAX_SLOTS, n);
    if (want > this.capacity) this.resize(want);
    this.index.reserve(n);
  }

  /** The address-index hash of `slot`'s key. */
  hashOf(slot: number): number {
    return this.index.hashPooled(this.net[slot], this.addr, slot * ADDR_SLOT_BYTES, ADDR_LEN[this.net[slot]], this.port[slot]);
  }

  /** Low 32 service bits (for the service index). */
  servicesLo(slot: number): number {
    return this.svcLo[slot];
  }

  /** High 32 service bits (for the service index). */
  servicesHi(slot: number): number {
    return this.svcHi[slot];
  }

  // ---- field access ----------------------------------------------------------------------------

  /** Service flags of `slot` (a few distinct values recur: their bigints come from a small cache). */
  servicesOf(slot: number): bigint {
    return servicesBigInt(this.svcLo[slot], this.svcHi[slot]);
  }

  /** Overwrites the service flags of `slot`, keeping the service index in step. */
  setServices(slot: number, services: bigint): void {
    const [lo, hi] = splitServices(services);
    this.services.update(slot, this.svcLo[slot], this.svcHi[slot], lo, hi);
    this.svcLo[slot] = lo;
    this.svcHi[slot] = hi;
  }

  /** ORs `services` into the flags of `slot` (Core AddSingle's `nServices |= …`). */
  orServices(slot: number, services: bigint): void {
    const addLo = servicesLow(services);
    const addHi = servicesHigh(services);
    const lo = (this.svcLo[slot] | addLo) >>> 0;
    const hi = (this.svcHi[slot] | addHi) >>> 0;
    if (lo === this.svcLo[slot] && hi === this.svcHi[slot]) return;
    this.services.update(slot, this.svcLo[slot], this.svcHi[slot], lo, hi);
    this.svcLo[slot] = lo;
    this.svcHi[slot] = hi;
  }

  /** True when `slot` advertises every bit of (reqLo, reqHi). */
  hasServices(slot: number, reqLo: number, reqHi: number): boolean {
    return ((this.svcLo[slot] & reqLo) >>> 0) === reqLo && ((this.svcHi[slot] & reqHi) >>> 0) === reqHi;
  }

  /**
   * Writes Core's `CService::GetKey()` for `slot` into `out` — `GetAddrBytes()` (the 16-byte v1 form
   * for IPv4, IPv6 and internal; raw bytes otherwise) then the port big-endian — and returns its length.
   */
  writeServiceKey(slot: number, out: Uint8Array, at = 0): number {
    return writeKey(this.net[slot], this.addr, slot * ADDR_SLOT_BYTES, this.port[slot], out, at);
  }

  /** The address of `slot` as a `NetAddress` (allocates). */
  addrAt(slot: number): NetAddress {
    return makeNetAddress(this.net[slot], this.addr, slot * ADDR_SLOT_BYTES);
  }

  /** The source address of `slot` (allocates). */
  sourceAt(slot: number): NetAddress {
    return makeNetAddress(this.srcNet[slot], this.src, slot * ADDR_SLOT_BYTES);
  }

  /** The service (address and port) of `slot` (allocates). */
  serviceAt(slot: number): NetService {
    return new NetService(this.addrAt(slot), this.port[slot]);
  }

  /** The entry as a `CAddress`-like record (allocates). */
  recordAt(slot: number): AddressRecord {
    return { service: this.serviceAt(slot), services: this.servicesOf(slot), time: this.time[slot] };
  }
  /** Everything stored about one entry, as the API's `AddrInfoView`. */
  infoAt(slot: number): AddrInfoView {
    return {
      record: this.recordAt(slot),
      source: this.sourceAt(slot),
      lastTry: this.lastTry[slot],
      lastCountAttempt: this.lastCountAttempt[slot],
      lastSuccess: this.lastSuccess[slot],
      attempts: this.attempts[slot],
      refCount: this.refCount[slot],
      inTried: this.inTried[slot] !== 0,
      state: stateFromColumns(this.stateKind[slot], this.stateTime[slot]),
    };
  }


  /** Caches the network group of `slot` (undefined, or too long to cache: "not cached"). */
  setGroup(slot: number, group: Uint8Array | undefined): void {
    const g = slot * GROUP_SLOT_BYTES;
    if (group !== undefined && group.length < GROUP_SLOT_BYTES) {
      this.group[g] = group.length;
      this.group.set(group, g + 1);
    } else {
      this.group[g] = GROUP_NOT_CACHED;
    }
  }

  /** Caches the network group of `slot` from a packed one (a length byte, then the bytes) at `buf[at]`. */
  setGroupPacked(slot: number, buf: Uint8Array, at: number): void {
    const g = slot * GROUP_SLOT_BYTES;
    const len = buf[at];
    if (len >= GROUP_SLOT_BYTES) {
      this.group[g] = GROUP_NOT_CACHED;
      return;
    }
    for (let i = 0; i <= len; i++) this.group[g + i] = buf[at + i];
  }

  /** The cached network group of `slot` (a view; do not keep), or undefined when not cached. */
  groupOf(slot: number): Uint8Array | undefined {
    const g = slot * GROUP_SLOT_BYTES;
    const len = this.group[g];
    return len === GROUP_NOT_CACHED ? undefined : this.group.subarray(g + 1, g + 1 + len);
  }

  /** Address byte length of `slot`'s own network. */
  addrLen(slot: number): number {
    return ADDR_LEN[this.net[slot]];
  }

  // ---- growth ----------------------------------------------------------------------------------

  private resize(capacity: number): void {
    const grow = <T extends { length: number; set(a: ArrayLike<number>): void }>(old: T, make: (n: number) => T, per = 1): T => {
      const next = make(capacity * per);
      next.set(old);
      return next;
    };
    this.id = grow(this.id, (n) => new Float64Array(n).fill(-1));
    this.net = grow(this.net, (n) => new Uint8Array(n));
    this.addr = grow(this.addr, (n) => new Uint8Array(n), ADDR_SLOT_BYTES);
    this.port = grow(this.port, (n) => new Uint16Array(n));
    this.srcNet = grow(this.srcNet, (n) => new Uint8Array(n));
    this.src = grow(this.src, (n) => new Uint8Array(n), ADDR_SLOT_BYTES);
    this.network = grow(this.network, (n) => new Uint8Array(n));
    this.netClass = grow(this.netClass, (n) => new Uint8Array(n));
    this.group = grow(this.group, (n) => new Uint8Array(n), GROUP_SLOT_BYTES);
    this.time = grow(this.time, (n) => new Float64Array(n));
    this.lastTry = grow(this.lastTry, (n) => new Float64Array(n));
    this.lastCountAttempt = grow(this.lastCountAttempt, (n) => new Float64Array(n));
    this.lastSuccess = grow(this.lastSuccess, (n) => new Float64Array(n));
    this.svcLo = grow(this.svcLo, (n) => new Uint32Array(n));
    this.svcHi = grow(this.svcHi, (n) => new Uint32Array(n));
    this.attempts = grow(this.attempts, (n) => new Int32Array(n));
    this.refCount = grow(this.refCount, (n) => new Uint8Array(n));
    this.inTried = grow(this.inTried, (n) => new Uint8Array(n));
    this.randomPos = grow(this.randomPos, (n) => new Int32Array(n));
    this.newBucket = grow(this.newBucket, (n) => new Int16Array(n));
    this.newPos = grow(this.newPos, (n) => new Int8Array(n));
    this.triedBucket = grow(this.triedBucket, (n) => new Int16Array(n));
    this.triedPos = grow(this.triedPos, (n) => new Int8Array(n));
    this.stateKind = grow(this.stateKind, (n) => new Uint8Array(n));
    this.stateTime = grow(this.stateTime, (n) => new Float64Array(n));
    this.randomOrder = grow(this.randomOrder, (n) => new Int32Array(n));
    this.freeList = grow(this.freeList, (n) => new Int32Array(n));
    this.services.resize(capacity);
    this.capacity = capacity;
  }
}

/**
 * Writes Core's `GetKey()` of (net, address bytes at pool[off..], port) into `out` at `at`; returns the length.
 * IPv4 becomes ::ffff:a.b.c.d and internal fd6b:88c0:8724::/48 + 10 bytes, as `SerializeV1Array`.
 */
export function writeKey(net: number, pool: Uint8Array, off: number, port: number, out: Uint8Array, at = 0): number {
  let p = at;
  switch (net) {
    case Net.IPV4:
      for (let i = 0; i < 12; i++) out[p + i] = IPV4_IN_IPV6_PREFIX[i];
      out[p + 12] = pool[off]; out[p + 13] = pool[off + 1]; out[p + 14] = pool[off + 2]; out[p + 15] = pool[off + 3];
      p += 16;
      break;
    case Net.INTERNAL:
      for (let i = 0; i < 6; i++) out[p + i] = INTERNAL_IN_IPV6_PREFIX[i];
      for (let i = 0; i < 10; i++) out[p + 6 + i] = pool[off + i];
      p += 16;
      break;
    default: {
      const len = ADDR_LEN[net];
      for (let i = 0; i < len; i++) out[p + i] = pool[off + i];
      p += len;
    }
  }
  out[p] = port >>> 8;
  out[p + 1] = port & 0xff;
  return p + 2 - at;
}

/** Builds a `NetAddress` from a network id and pooled bytes (UNROUTABLE: the invalid address `::`). */
export function makeNetAddress(net: number, pool: Uint8Array, off: number): NetAddress {
  return net >= Net.IPV4 && net <= Net.INTERNAL ? NetAddress.fromPooled(net as NetId, pool, off) : NetAddress.invalid();
}

/** Slots of the service-flag bigint cache (direct-mapped on the low byte; a node sees a handful of values). */
export const SERVICES_CACHE_SLOTS = 256;
const servicesCacheLo = new Float64Array(SERVICES_CACHE_SLOTS).fill(-1);
const servicesCacheValue: bigint[] = new Array<bigint>(SERVICES_CACHE_SLOTS).fill(0n);

/** The 64-bit service mask (lo, hi) as a bigint, from the cache when it holds it (hi = 0 only). */
export function servicesBigInt(lo: number, hi: number): bigint {
  if (hi !== 0) return (BigInt(hi) << 32n) | BigInt(lo);
  const i = lo & (SERVICES_CACHE_SLOTS - 1);
  if (servicesCacheLo[i] === lo) return servicesCacheValue[i];
  const v = BigInt(lo);
  servicesCacheLo[i] = lo;
  servicesCacheValue[i] = v;
  return v;
}

/** The low 32 bits of a 64-bit service mask (no array allocated: `add` calls this per address). */
export function servicesLow(services: bigint): number {
  return services >= 0n && services <= 0xffffffffn ? Number(services) : Number(BigInt.asUintN(32, services));
}

/** The high 32 bits of a 64-bit service mask. */
export function servicesHigh(services: bigint): number {
  return services >= 0n && services <= 0xffffffffn ? 0 : Number(BigInt.asUintN(64, services) >> 32n);
}

/** Splits a 64-bit service mask into two unsigned 32-bit words. */
export function splitServices(services: bigint): [number, number] {
  if (services >= 0n && services <= 0xffffffffn) return [Number(services), 0];
  const v = BigInt.asUintN(64, services);
  return [Number(v & 0xffffffffn), Number(v >> 32n)];
}
