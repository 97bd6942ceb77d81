/**
 * Core's hashed data-file wrapper (addrdb.cpp `SerializeDB`/`DeserializeDB`), shared by peers.dat and
 * anchors.dat: `network magic (4) || payload || sha256d(magic || payload) (32)`. The magic stops one
 * network's file from being loaded by another; the checksum catches truncation and bit rot.
 */
import { sha256d } from '../util/hash.js';
import { bytesEqual, bytesToHex } from '../util/hex.js';
import { PeerbookError } from '../util/errors.js';

/** Length of the trailing checksum. */
export const HASHED_FILE_CHECKSUM_BYTES = 32;

/** What is wrong with a hashed file: its envelope (magic, checksum, length) or the payload inside it. */
export type DataFileErrorReason = 'invalid-magic' | 'checksum-mismatch' | 'truncated' | 'malformed';

/** A data file whose envelope is wrong (code `ERR_DATA_FILE`); `reason` says how. */
export class DataFileError extends PeerbookError {
  /** Stable reason: the magic is not ours, the checksum does not match, the file ends too early, or the payload is malformed. */
  readonly reason: DataFileErrorReason;

  /** @param reason stable reason; @param message what is wrong, with the file name and size where known. */
  constructor(reason: DataFileErrorReason, message: string, options?: { cause?: unknown }) {
    super('ERR_DATA_FILE', message, options);
    this.reason = reason;
  }
}

/** Wraps a payload: magic, payload, sha256d of both. */
export function wrapHashedFile(magic: Uint8Array, payload: Uint8Array): Uint8Array {
  const body = new Uint8Array(magic.length + payload.length);
  body.set(magic, 0);
  body.set(payload, magic.length);
  const out = new Uint8Array(body.length + HASHED_FILE_CHECKSUM_BYTES);
  out.set(body, 0);
  out.set(sha256d(body), body.length);
  return out;
}

/**
 * Checks magic and checksum and returns the payload. Errors use Core's wording
 * ("Invalid network magic number", "Checksum mismatch, data corrupted") plus the file name and size.
 */
export function unwrapHashedFile(file: Uint8Array, magic: Uint8Array, fileName = 'data file'): Uint8Array {
  // Core reads the magic first, so a file long enough to hold one is judged by it before its length.
  if (file.length >= magic.length) {
    const gotMagic = file.subarray(0, magic.length);
    if (!bytesEqual(gotMagic, magic)) {
      throw new DataFileError('invalid-magic', `${fileName}: Invalid network magic number ${bytesToHex(gotMagic)} (expected ${bytesToHex(magic)})`);
    }
  }
  if (file.length < magic.length + HASHED_FILE_CHECKSUM_BYTES) {
    throw new DataFileError('truncated',
      `${fileName}: end of data: file is ${file.length} bytes, shorter than the ${magic.length + HASHED_FILE_CHECKSUM_BYTES}-byte envelope`);
  }
  const bodyEnd = file.length - HASHED_FILE_CHECKSUM_BYTES;
  const expected = sha256d(file.subarray(0, bodyEnd));
  if (!bytesEqual(expected, file.subarray(bodyEnd))) {
    throw new DataFileError('checksum-mismatch', `${fileName}: Checksum mismatch, data corrupted (${file.length} bytes)`);
  }
  return file.subarray(magic.length, bodyEnd);
}
