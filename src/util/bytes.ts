/**
 * Little-endian byte reader and writer with Bitcoin's CompactSize, matching Core's `serialize.h`.
 *
 * The reader never reads past its end: every shortfall throws `DecodeError("end of data …")`, so a
 * decoder fed hostile bytes fails with one typed error and never with a RangeError.
 */
import { DecodeError } from './errors.js';

/** Core `serialize.h` MAX_SIZE: the largest CompactSize accepted when range-checked (32 MiB). */
export const MAX_SIZE = 0x02000000;

const TWO_32 = 2 ** 32;
/** 2^53 − 1: the largest integer a number holds exactly. */
const MAX_EXACT_BIG = BigInt(Number.MAX_SAFE_INTEGER);
/** High words below this (2^21) keep a 64-bit value under 2^53. */
const HI_EXACT_LIMIT = 2 ** 21;

/** Appends values to a growable buffer. */
export class ByteWriter {
  private buf: Buffer;
  private len = 0;

  /** @param initialCapacity bytes reserved up front. */
  constructor(initialCapacity = 64) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.len;
  }

  /** Writes one byte. */
  u8(v: number): this {
    this.reserve(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  /** Writes a little-endian uint16. */
  u16le(v: number): this {
    this.reserve(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
    return this;
  }

  /** Writes a big-endian uint16 (ports). */
  u16be(v: number): this {
    this.reserve(2);
    this.buf.writeUInt16BE(v, this.len);
    this.len += 2;
    return this;
  }

  /** Writes a little-endian uint32. */
  u32le(v: number): this {
    this.reserve(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
    return this;
  }

  /** Writes a little-endian int32. */
  i32le(v: number): this {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.len);
    this.len += 4;
    return this;
  }

  /** Writes a little-endian uint64 (the value modulo 2^64). */
  u64le(v: bigint): this {
    this.reserve(8);
    // Values below 2^53 (services, nonces' high half aside: most fields) go as two 32-bit halves of a
    // plain number, without the BigInt arithmetic writeBigUInt64LE does; the rest take that path.
    if (v >= 0n && v <= MAX_EXACT_BIG) this.writeHalves(Number(v));
    else this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.len);
    this.len += 8;
    return this;
  }

  /** Writes a little-endian int64 (two's complement; the value modulo 2^64). */
  i64le(v: bigint | number): this {
    this.reserve(8);
    if (typeof v === 'number' ? Number.isSafeInteger(v) : v >= -MAX_EXACT_BIG && v <= MAX_EXACT_BIG) this.writeHalves(Number(v));
    else this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)), this.len);
    this.len += 8;
    return this;
  }

  /** Writes a safe integer as a 64-bit two's-complement little-endian word at `len` (does not advance). */
  private writeHalves(n: number): void {
    const hi = Math.floor(n / TWO_32);
    this.buf.writeUInt32LE(n - hi * TWO_32, this.len);
    this.buf.writeInt32LE(hi, this.len + 4);
  }

  /** Writes raw bytes. */
  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Writes a CompactSize (1, 3, 5 or 9 bytes, canonical). */
  compactSize(n: number | bigint): this {
    if (typeof n === 'number' && n >= 0 && n <= 0xffffffff && Number.isInteger(n)) {
      // Plain-number fast path (every length and count); BigInt only for 64-bit values.
      if (n < 0xfd) return this.u8(n);
      if (n <= 0xffff) return this.u8(0xfd).u16le(n);
      return this.u8(0xfe).u32le(n);
    }
    const v = BigInt(n);
    if (v < 0n) throw new RangeError(`CompactSize cannot encode negative ${v}`);
    if (v < 0xfdn) return this.u8(Number(v));
    if (v <= 0xffffn) return this.u8(0xfd).u16le(Number(v));
    if (v <= 0xffffffffn) return this.u8(0xfe).u32le(Number(v));
    return this.u8(0xff).u64le(v);
  }

  /** Writes CompactSize length then the bytes. */
  varBytes(b: Uint8Array): this {
    return this.compactSize(b.length).bytes(b);
  }

  /** Writes a CompactSize-prefixed UTF-8 string. */
  varString(s: string): this {
    return this.varBytes(Buffer.from(s, 'utf8'));
  }

  /** A copy of the written bytes. */
  toBytes(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.len));
  }
}

/** Reads values from a byte array, tracking its offset. */
export class ByteReader {
  private readonly view: Buffer;
  private pos = 0;

  /** @param data the bytes to read; not copied. */
  constructor(data: Uint8Array) {
    this.view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  /** Current offset. */
  get offset(): number {
    return this.pos;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.view.length - this.pos;
  }

  /** True when every byte has been read. */
  get done(): boolean {
    return this.pos === this.view.length;
  }

  private need(n: number): void {
    if (this.view.length - this.pos < n) {
      throw new DecodeError(`end of data: need ${n} bytes at offset ${this.pos}, have ${this.view.length - this.pos}`);
    }
  }

  /** Reads one byte. */
  u8(): number {
    this.need(1);
    return this.view[this.pos++];
  }

  /** Reads a little-endian uint16. */
  u16le(): number {
    this.need(2);
    const v = this.view.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  /** Reads a big-endian uint16. */
  u16be(): number {
    this.need(2);
    const v = this.view.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  /** Reads a little-endian uint32. */
  u32le(): number {
    this.need(4);
    const v = this.view.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Reads a little-endian int32. */
  i32le(): number {
    this.need(4);
    const v = this.view.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Reads a little-endian uint64. */
  u64le(): bigint {
    this.need(8);
    const lo = this.view.readUInt32LE(this.pos);
    const hi = this.view.readUInt32LE(this.pos + 4);
    this.pos += 8;
    // Below 2^53 the value is exact as a number: one BigInt instead of readBigUInt64LE's several.
    return hi < HI_EXACT_LIMIT ? BigInt(hi * TWO_32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Reads a little-endian int64. */
  i64le(): bigint {
    this.need(8);
    const v = this.view.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads `n` raw bytes (a copy). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = new Uint8Array(this.view.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /**
   * Reads a canonical CompactSize as Core's `ReadCompactSize(range_check)`: a value that could have
   * been encoded shorter is rejected, and with `rangeCheck` so is anything above MAX_SIZE.
   */
  compactSize(rangeCheck = true): number {
    // Plain-number fast path for the 1-, 3- and 5-byte forms; the 9-byte form goes through BigInt.
    const first = this.view[this.pos];
    if (this.pos < this.view.length && first !== 0xff) {
      let v: number;
      if (first < 0xfd) {
        this.pos++;
        return first;
      }
      this.pos++;
      if (first === 0xfd) {
        v = this.u16le();
        if (v < 0xfd) throw new DecodeError('non-canonical ReadCompactSize()');
      } else {
        v = this.u32le();
        if (v < 0x10000) throw new DecodeError('non-canonical ReadCompactSize()');
      }
      if (rangeCheck && v > MAX_SIZE) throw new DecodeError('ReadCompactSize(): size too large');
      return v;
    }
    const v = this.compactSizeBig();
    if (rangeCheck && v > BigInt(MAX_SIZE)) throw new DecodeError('ReadCompactSize(): size too large');
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError('ReadCompactSize(): size too large');
    return Number(v);
  }

  /** Reads a canonical CompactSize of any 64-bit value (no range check), e.g. addrv2 service flags. */
  compactSizeBig(): bigint {
    const first = this.u8();
    if (first < 0xfd) return BigInt(first);
    if (first === 0xfd) {
      const v = this.u16le();
      if (v < 0xfd) throw new DecodeError('non-canonical ReadCompactSize()');
      return BigInt(v);
    }
    if (first === 0xfe) {
      const v = this.u32le();
      if (v < 0x10000) throw new DecodeError('non-canonical ReadCompactSize()');
      return BigInt(v);
    }
    const v = this.u64le();
    if (v < 0x100000000n) throw new DecodeError('non-canonical ReadCompactSize()');
    return v;
  }

  /** Reads CompactSize-prefixed bytes of at most `max` bytes. */
  varBytes(max = MAX_SIZE): Uint8Array {
    const n = this.compactSize();
    if (n > max) throw new DecodeError(`length ${n} exceeds limit ${max}`);
    return this.bytes(n);
  }

  /** Reads a CompactSize-prefixed string of at most `max` bytes (decoded as UTF-8, lossy). */
  varString(max = MAX_SIZE): string {
    return Buffer.from(this.varBytes(max)).toString('utf8');
  }
}
