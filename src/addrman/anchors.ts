/**
 * `anchors.dat` codec (Core net.cpp `DumpAnchors`/`ReadAnchors`, addrdb.cpp). On a clean shutdown Core
 * writes the addresses of its current block-relay-only peers, at most MAX_BLOCK_RELAY_ONLY_ANCHORS = 2,
 * and on the next start it reconnects to them first. That defeats an attacker who waits for a restart
 * to fill every outbound slot: the two peers that were already giving us blocks come back before
 * addrman is consulted. The file is `magic || vector<CAddress> (V2 disk form, BIP155) || sha256d`.
 * The caller deletes the file right after reading it, so a crash loop cannot pin us to the same peers.
 * Pure codec: bytes in, records out.
 */
import { readRecordDisk, writeRecordDisk, type AddressRecord } from '../address/record.js';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import { DataFileError, unwrapHashedFile, wrapHashedFile } from './hashed-file.js';

/** Core net.h MAX_BLOCK_RELAY_ONLY_ANCHORS: anchors written and read, at most. */
export const MAX_BLOCK_RELAY_ONLY_ANCHORS = 2;
/** Core's data file name, used in error messages. */
export const ANCHORS_FILE_NAME = 'anchors.dat';

/**
 * Encodes `anchors.dat`: the first MAX_BLOCK_RELAY_ONLY_ANCHORS records (Core truncates the list of
 * block-relay peers the same way), in Core's V2 disk form, wrapped with magic and checksum.
 */
export function encodeAnchors(magic: Uint8Array, records: readonly AddressRecord[]): Uint8Array {
  const kept = records.slice(0, MAX_BLOCK_RELAY_ONLY_ANCHORS);
  const w = new ByteWriter(16 + kept.length * 64);
  w.compactSize(kept.length);
  for (const rec of kept) writeRecordDisk(w, rec, true);
  return wrapHashedFile(magic, w.toBytes());
}

/**
 * Decodes `anchors.dat`: checks magic and checksum, reads every record (each must decode, as in
 * Core) and returns the first MAX_BLOCK_RELAY_ONLY_ANCHORS. Throws `DataFileError` (code
 * `ERR_DATA_FILE`) naming the file, the record and the offset; Core treats any failure as "no anchors".
 */
export function decodeAnchors(magic: Uint8Array, bytes: Uint8Array): AddressRecord[] {
  const payload = unwrapHashedFile(bytes, magic, ANCHORS_FILE_NAME);
  const r = new ByteReader(payload);
  const out: AddressRecord[] = [];
  let index = 0;
  let count: number | undefined;
  try {
    count = r.compactSize();
    for (; index < count; index++) {
      const rec = readRecordDisk(r, true);
      // Keep only what Core keeps; the rest is still decoded so a damaged tail is noticed.
      if (out.length < MAX_BLOCK_RELAY_ONLY_ANCHORS) out.push(rec);
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const where = count === undefined ? 'record count' : `record ${index} of ${count}`;
    throw new DataFileError('malformed',
      `${ANCHORS_FILE_NAME}: ${where} at payload offset ${r.offset}: ${e.message} (${bytes.length} bytes)`, { cause: e },
    );
  }
  if (!r.done) {
    throw new DataFileError('malformed', `${ANCHORS_FILE_NAME}: ${r.remaining} trailing bytes after ${index} records (${bytes.length} bytes)`);
  }
  return out;
}
