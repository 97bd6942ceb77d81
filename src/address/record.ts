/**
 * `AddressRecord`: an address as gossiped and stored — service, advertised service flags and a
 * last-seen time (Core `CAddress`). Three encodings, exactly as Core's protocol.h:
 * - network v1 (`addr` messages): time u32, services u64, 16-byte address, port BE;
 * - network v2 (`addrv2`, BIP155): time u32, services CompactSize (unchecked range), BIP155 address, port BE;
 * - disk (peers.dat, anchors.dat): a u32 version word first, whose bit 29 (ADDRV2_FORMAT) says which of
 *   the two bodies follows. Core ignores the low 19 bits (old files put CLIENT_VERSION there).
 */
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import { NetService } from './service.js';

/** Core `CAddress`: where a peer is, what it offers, when it was last seen. */
export interface AddressRecord {
  /** Address and port. */
  service: NetService;
  /** Advertised service flags (64-bit). */
  services: bigint;
  /** Last-seen time, Unix seconds (uint32 on the wire). */
  time: number;
}

/** Core DISK_VERSION_INIT: the version word Core writes today (low bits are ignored on read). */
export const DISK_VERSION_INIT = 220000;
/** Core DISK_VERSION_ADDRV2 / ADDRV2_FORMAT: bit 29 of the disk version selects BIP155 bodies. */
export const DISK_VERSION_ADDRV2 = 1 << 29;
/** Core DISK_VERSION_IGNORE_MASK: low 19 bits of the disk version carry no meaning. */
export const DISK_VERSION_IGNORE_MASK = (1 << 19) - 1;
/** Core TIME_INIT: the nTime of a default-constructed CAddress (1973). */
export const TIME_INIT = 100000000;

/** Writes the v1 network form (addr message entry). */
export function writeRecordV1(w: ByteWriter, rec: AddressRecord): void {
  w.u32le(rec.time).u64le(rec.services);
  rec.service.writeV1(w);
}

/** Writes the v2 network form (addrv2 message entry). */
export function writeRecordV2(w: ByteWriter, rec: AddressRecord): void {
  w.u32le(rec.time).compactSize(rec.services);
  rec.service.writeV2(w);
}

/** Reads the v1 network form. */
export function readRecordV1(r: ByteReader): AddressRecord {
  const time = r.u32le();
  const services = r.u64le();
  return { time, services, service: NetService.readV1(r) };
}

/** Reads the v2 network form. */
export function readRecordV2(r: ByteReader): AddressRecord {
  const time = r.u32le();
  const services = r.compactSizeBig();
  return { time, services, service: NetService.readV2(r) };
}

/** Writes Core's disk form; `v2` selects BIP155 bodies (what Core writes for peers.dat ≥ V3 and anchors.dat). */
export function writeRecordDisk(w: ByteWriter, rec: AddressRecord, v2: boolean): void {
  w.u32le(DISK_VERSION_INIT | (v2 ? DISK_VERSION_ADDRV2 : 0));
  if (v2) writeRecordV2(w, rec);
  else writeRecordV1(w, rec);
}

/**
 * Reads Core's disk form. `allowV2` is false for streams that predate BIP155 (peers.dat < V3), where
 * a v2 body is an error, as in Core's `CAddress::Unserialize`.
 */
export function readRecordDisk(r: ByteReader, allowV2: boolean): AddressRecord {
  const at = r.offset;
  const version = (r.u32le() & ~DISK_VERSION_IGNORE_MASK) >>> 0;
  if (version === 0) return readRecordV1(r);
  if (version === DISK_VERSION_ADDRV2 && allowV2) return readRecordV2(r);
  throw new DecodeError(`Unsupported CAddress disk format version 0x${version.toString(16)} at offset ${at}`);
}
