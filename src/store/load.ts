/**
 * Loading a data file under one policy: missing → `undefined`; undecodable → moved aside as a backup,
 * reported through a callback, `undefined` — the node starts with an empty table instead of refusing
 * to start (Core aborts on a corrupt peers.dat) and the bad file is kept for inspection instead of
 * being overwritten by the next dump (Core overwrites a corrupt banlist). Files larger than a bound
 * are treated as corrupt without being read, so a planted huge file cannot exhaust memory.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { describeFsError, StoreError } from './errors.js';
import { moveAside } from './move-aside.js';

/** Largest data file read, in bytes (peers.dat tops out near 10 MB; anchors.dat and banlist.json are tiny). */
export const MAX_DATA_FILE_BYTES = 64 * 1024 * 1024;

/** What `loadDataFile` tells its caller about a file it could not decode. */
export interface CorruptFileReport {
  /** The file that failed to decode. */
  path: string;
  /** Where it was moved, or undefined when it could not be moved (see `moveError`). */
  backupPath: string | undefined;
  /** Why decoding failed (what `decode` threw, or the size check). */
  error: unknown;
  /** Why moving it aside failed, when it did; the file then still sits at `path`. */
  moveError: unknown;
  /** A ready log line: "peers.dat is corrupt (Checksum mismatch…); moved to …/peers.dat.bak". */
  message: string;
}

/** Options for `loadDataFile`. */
export interface LoadDataFileOptions {
  /** Called once when the file exists but cannot be decoded; the caller logs `report.message`. */
  onCorrupt: (report: CorruptFileReport) => void;
  /** Size bound in bytes; larger files count as corrupt. Default MAX_DATA_FILE_BYTES. */
  maxBytes?: number;
}

/**
 * Reads and decodes `path`. Missing file → `undefined`. `decode` throwing (or the file exceeding
 * `maxBytes`) → the file is moved aside (`moveAside`), `onCorrupt` is called, `undefined` is returned;
 * it never throws for a bad file. Other I/O failures (permissions, a directory in the way) throw
 * `StoreError`, because a file we cannot read is not known to be corrupt and must not be replaced.
 */
export async function loadDataFile<T>(path: string, decode: (bytes: Uint8Array) => T, options: LoadDataFileOptions): Promise<T | undefined> {
  const maxBytes = options.maxBytes ?? MAX_DATA_FILE_BYTES;
  let bytes: Uint8Array | undefined;
  let error: unknown;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new StoreError(`cannot read ${path}: not a regular file`);
    if (info.size > maxBytes) {
      error = new StoreError(`${basename(path)} is ${info.size} bytes, more than the ${maxBytes}-byte limit`);
    } else {
      bytes = await readFile(path);
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    if (e instanceof StoreError) throw e;
    throw new StoreError(`cannot read ${path}: ${describeFsError(e)}`, { cause: e });
  }
  if (bytes !== undefined) {
    try {
      return decode(bytes);
    } catch (e) {
      error = e;
    }
  }
  const why = error instanceof Error ? error.message : String(error);
  let backupPath: string | undefined;
  let moveError: unknown;
  try {
    backupPath = await moveAside(path);
  } catch (e) {
    moveError = e;
  }
  const message = backupPath !== undefined
    ? `${basename(path)} is corrupt (${why}); moved to ${backupPath}, starting without it`
    : `${basename(path)} is corrupt (${why}) and could not be moved aside (${moveError instanceof Error ? moveError.message : String(moveError)}); starting without it`;
  options.onCorrupt({ path, backupPath, error, moveError, message });
  return undefined;
}
