/**
 * `AddressBatch`: a reusable, column-wise list of address records (Core `CAddress`: address, port,
 * services, last-seen time), filled by `AddrMan.getAddrInto` with the answer to a GETADDR.
 *
 * Why: `getAddr` returns `AddressRecord` objects, and making one costs an object, a `NetService`, a
 * `NetAddress` with its own byte array and a bigint — most of a 2,500-address answer's time. A batch
 * holds the same records as copies in typed arrays that are reused from call to call, so filling it
 * allocates nothing; a record becomes an object only when asked for (`recordAt`), and a caller that
 * encodes an `addr`/`addrv2` message can read the columns directly. The records are copies: changing
 * the table afterwards does not change them. A batch grows to the largest answer it has held, at most
 * one table's worth (ADDRMAN_MAX_ENTRIES rows, ~50 bytes each).
 */
import { NetAddress } from '../address/netaddress.js';
import { Net, type NetId } from '../address/network.js';
import type { AddressRecord } from '../address/record.js';
import { NetService } from '../address/service.js';
import { ADDRMAN_MAX_ENTRIES } from './constants.js';
import { ADDR_LEN, servicesBigInt } from './entries.js';
import { ADDR_SLOT_BYTES } from './image.js';

/** Address records as columns (ADDR_SLOT_BYTES of address bytes per row): a batch's layout, and the entry table's. */
export interface AddressColumns {
  /** Network id of each address. */
  readonly net: Uint8Array;
  /** Address bytes, ADDR_SLOT_BYTES per row. */
  readonly addr: Uint8Array;
  /** Port. */
  readonly port: Uint16Array;
  /** Last-seen time, Unix seconds. */
  readonly time: Float64Array;
  /** Service flags, low 32 bits. */
  readonly svcLo: Uint32Array;
  /** Service flags, high 32 bits. */
  readonly svcHi: Uint32Array;
}

/** Rows a new batch reserves. */
const INITIAL_ROWS = 64;

/** Address records in columns; row i of every column is record i. */
export class AddressBatch implements AddressColumns {
  /** Records held. */
  length = 0;
  /** Network id of each address (NetAddress.net). */
  net: Uint8Array;
  /** Address bytes, ADDR_SLOT_BYTES per row. */
  addr: Uint8Array;
  /** Port. */
  port: Uint16Array;
  /** Last-seen time, Unix seconds. */
  time: Float64Array;
  /** Service flags, low 32 bits. */
  svcLo: Uint32Array;
  /** Service flags, high 32 bits. */
  svcHi: Uint32Array;

  /** @param rows rows to reserve up front. */
  constructor(rows = INITIAL_ROWS) {
    const n = Math.max(1, Math.min(rows, ADDRMAN_MAX_ENTRIES));
    this.net = new Uint8Array(n);
    this.addr = new Uint8Array(n * ADDR_SLOT_BYTES);
    this.port = new Uint16Array(n);
    this.time = new Float64Array(n);
    this.svcLo = new Uint32Array(n);
    this.svcHi = new Uint32Array(n);
  }

  /** Rows the columns can hold without growing. */
  get capacity(): number {
    return this.net.length;
  }

  /** Forgets every record (keeps the memory). */
  clear(): void {
    this.length = 0;
  }

  /** Grows the columns to hold at least `rows` records. */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const n = Math.min(Math.max(rows, this.capacity * 2), ADDRMAN_MAX_ENTRIES);
    if (n < rows) throw new RangeError(`an address batch holds at most ${ADDRMAN_MAX_ENTRIES} records, asked for ${rows}`);
    const grow = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(old: T, make: (k: number) => T, per = 1): T => {
      const next = make(n * per);
      next.set(old as never);
      return next;
    };
    this.net = grow(this.net, (k) => new Uint8Array(k));
    this.addr = grow(this.addr, (k) => new Uint8Array(k), ADDR_SLOT_BYTES);
    this.port = grow(this.port, (k) => new Uint16Array(k));
    this.time = grow(this.time, (k) => new Float64Array(k));
    this.svcLo = grow(this.svcLo, (k) => new Uint32Array(k));
    this.svcHi = grow(this.svcHi, (k) => new Uint32Array(k));
  }

  /** Appends a copy of row `slot` of address columns laid out as this batch's (the table's entry store). */
  pushRow(e: AddressColumns, slot: number): void {
    if (this.length === this.capacity) this.reserve(this.length + 1);
    const i = this.length++;
    const net = e.net[slot];
    this.net[i] = net;
    const from = slot * ADDR_SLOT_BYTES;
    const to = i * ADDR_SLOT_BYTES;
    const src = e.addr;
    const dst = this.addr;
    for (let k = 0, len = ADDR_LEN[net]; k < len; k++) dst[to + k] = src[from + k];
    this.port[i] = e.port[slot];
    this.time[i] = e.time[slot];
    this.svcLo[i] = e.svcLo[slot];
    this.svcHi[i] = e.svcHi[slot];
  }

  /** The address of record `i` (allocates). */
  addressAt(i: number): NetAddress {
    this.check(i);
    const net = this.net[i];
    return net >= Net.IPV4 && net <= Net.INTERNAL ? NetAddress.fromPooled(net as NetId, this.addr, i * ADDR_SLOT_BYTES) : NetAddress.invalid();
  }

  /** The service (address and port) of record `i` (allocates). */
  serviceAt(i: number): NetService {
    return new NetService(this.addressAt(i), this.port[i]);
  }

  /** The service flags of record `i`. */
  servicesAt(i: number): bigint {
    this.check(i);
    return servicesBigInt(this.svcLo[i], this.svcHi[i]);
  }

  /** Record `i` as an `AddressRecord` (allocates). */
  recordAt(i: number): AddressRecord {
    return { service: this.serviceAt(i), services: this.servicesAt(i), time: this.time[i] };
  }

  /** Every record as an `AddressRecord`, in order (allocates). */
  toRecords(): AddressRecord[] {
    const out: AddressRecord[] = new Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.recordAt(i);
    return out;
  }

  private check(i: number): void {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`record ${i} of a batch of ${this.length}`);
  }
}
