/**
 * The service → slot index (Core's `mapAddr`), as an open-addressing hash table over one `Int32Array`.
 *
 * Why not a `Map<string, number>`: a string key per entry plus the Map's own node costs ~60 bytes, a
 * quarter of the per-entry memory budget. Here an entry costs 4 bytes / load factor (≤ 0.625) ≈ 6.4 bytes.
 *
 * Hash flooding: the hash is simple tabulation hashing (Zobrist) over the network id, the two port
 * bytes and each address byte, with tables expanded from a secret seed (derived from the addrman key),
 * so an attacker who cannot read the key cannot choose addresses that collide. Deletion uses backward
 * shifting, so there are no tombstones and probe chains never degrade over time.
 */
import { createCipheriv } from 'node:crypto';
import { sha256 } from '../util/hash.js';

/** Table positions hashed: network id, port low byte, port high byte, then up to 32 address bytes. */
const TAB_POSITIONS = 3 + 32;
/** Largest load factor before the table grows: 5/8. */
const MAX_LOAD_NUM = 5;
const MAX_LOAD_DEN = 8;
/** Smallest table size (power of two). */
const MIN_TABLE_SIZE = 64;

/** What the index needs to know about stored entries to compare keys. */
export interface SlotKeySource {
  /** Network id of the entry in `slot`. */
  netOf(slot: number): number;
  /** Port of the entry in `slot`. */
  portOf(slot: number): number;
  /** True when the address bytes of `slot` equal `bytes`. */
  addrBytesEqual(slot: number, bytes: Uint8Array): boolean;
  /** Hash of the key of `slot` (same function as `AddressIndex.hashKey`). */
  hashOf(slot: number): number;
  /** True when slots `a` and `b` hold the same key. */
  sameKey(a: number, b: number): boolean;
}

/** Open-addressing (linear probing) index from (network, address bytes, port) to a slot number. */
export class AddressIndex {
  private table: Int32Array;
  private mask: number;
  private used = 0;
  private readonly tab: Int32Array;

  /** @param seed secret bytes the hash tables are expanded from; @param keys the entry store. */
  constructor(seed: Uint8Array, private readonly keys: SlotKeySource) {
    this.tab = expandTables(seed);
    this.table = new Int32Array(MIN_TABLE_SIZE).fill(-1);
    this.mask = MIN_TABLE_SIZE - 1;
  }

  /** Number of keys stored. */
  get size(): number {
    return this.used;
  }

  /** Bytes held by the table (for memory accounting). */
  get byteLength(): number {
    return this.table.byteLength + this.tab.byteLength;
  }

  /** The keyed hash of an entry key. */
  hashKey(net: number, bytes: Uint8Array, port: number): number {
    const tab = this.tab;
    let h = tab[net & 0xff] ^ tab[256 + (port & 0xff)] ^ tab[512 + (port >>> 8)];
    const n = bytes.length < 32 ? bytes.length : 32;
    for (let i = 0; i < n; i++) h ^= tab[(3 + i) * 256 + bytes[i]];
    return h;
  }

  /** The hash of a key whose address bytes sit in `pool` at `offset`. */
  hashPooled(net: number, pool: Uint8Array, offset: number, len: number, port: number): number {
    const tab = this.tab;
    let h = tab[net & 0xff] ^ tab[256 + (port & 0xff)] ^ tab[512 + (port >>> 8)];
    for (let i = 0; i < len; i++) h ^= tab[(3 + i) * 256 + pool[offset + i]];
    return h;
  }

  /** The slot stored under the key, or -1. */
  find(net: number, bytes: Uint8Array, port: number): number {
    const table = this.table;
    const mask = this.mask;
    const keys = this.keys;
    let i = this.hashKey(net, bytes, port) & mask;
    for (;;) {
      const slot = table[i];
      if (slot < 0) return -1;
      if (keys.netOf(slot) === net && keys.portOf(slot) === port && keys.addrBytesEqual(slot, bytes)) return slot;
      i = (i + 1) & mask;
    }
  }

  /** The slot stored under the key of `slot` (itself, when the index is consistent), or -1. */
  findSlotKey(slot: number): number {
    const table = this.table;
    const mask = this.mask;
    let i = this.keys.hashOf(slot) & mask;
    for (;;) {
      const s = table[i];
      if (s < 0) return -1;
      if (s === slot || this.keys.sameKey(s, slot)) return s;
      i = (i + 1) & mask;
    }
  }

  /** Grows the table so that `n` keys fit without further rehashing. */
  reserve(n: number): void {
    while (n * MAX_LOAD_DEN > this.table.length * MAX_LOAD_NUM) this.grow();
  }

  /** Stores `slot` (whose key must not be present yet). */
  insert(slot: number): void {
    if ((this.used + 1) * MAX_LOAD_DEN > this.table.length * MAX_LOAD_NUM) this.grow();
    this.place(slot);
    this.used++;
  }

  /**
   * Stores `slot` unless an entry with the same key is stored; returns that entry's slot, or -1 when
   * `slot` was stored (one probe sequence instead of a `find` and an `insert`).
   */
  insertUnique(slot: number): number {
    if ((this.used + 1) * MAX_LOAD_DEN > this.table.length * MAX_LOAD_NUM) this.grow();
    const table = this.table;
    const mask = this.mask;
    const keys = this.keys;
    let i = keys.hashOf(slot) & mask;
    for (;;) {
      const s = table[i];
      if (s < 0) {
        table[i] = slot;
        this.used++;
        return -1;
      }
      if (keys.sameKey(s, slot)) return s;
      i = (i + 1) & mask;
    }
  }

  /** Removes `slot` (backward-shift deletion: no tombstones). */
  remove(slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.keys.hashOf(slot) & mask;
    while (table[i] !== slot) {
      if (table[i] < 0) return; // not present
      i = (i + 1) & mask;
    }
    // Shift later members of the probe run back over the hole when their home allows it.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const s = table[j];
      if (s < 0) break;
      const home = this.keys.hashOf(s) & mask;
      // s may move into `hole` unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        table[hole] = s;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    table[hole] = -1;
    this.used--;
  }

  /** Drops every key. */
  clear(): void {
    this.table = new Int32Array(MIN_TABLE_SIZE).fill(-1);
    this.mask = MIN_TABLE_SIZE - 1;
    this.used = 0;
  }

  private place(slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.keys.hashOf(slot) & mask;
    while (table[i] >= 0) i = (i + 1) & mask;
    table[i] = slot;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2).fill(-1);
    this.mask = this.table.length - 1;
    for (let i = 0; i < old.length; i++) if (old[i] >= 0) this.place(old[i]);
  }
}

/** Expands `seed` into TAB_POSITIONS × 256 random 32-bit words (ChaCha20 keystream under sha256(seed)). */
function expandTables(seed: Uint8Array): Int32Array {
  const key = sha256(Buffer.concat([Buffer.from('peerbook/addrman/address-index'), seed]));
  const cipher = createCipheriv('chacha20', key, Buffer.alloc(16));
  const bytes = cipher.update(Buffer.alloc(TAB_POSITIONS * 256 * 4));
  return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}
