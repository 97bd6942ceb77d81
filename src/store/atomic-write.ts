/**
 * Atomic file replacement, as Core's addrdb.cpp `SerializeFileDB` does it: write a temporary file
 * `<stem>.<4 hex>` in the same directory, flush it to disk, rename it over the target, then flush the
 * directory so the rename itself survives a power cut. A crash at any point leaves either the old
 * file or the new one, never a torn mix; a failure removes the temporary file.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Random } from '../util/random.js';
import { describeFsError, StoreError } from './errors.js';

/** Temporary names tried before giving up when each one already exists (4 hex digits = 65,536 names). */
export const MAX_TEMP_NAME_ATTEMPTS = 16;
/** Random bytes in a temporary name's suffix (Core: an `unsigned short`, printed `%04x`). */
const TEMP_SUFFIX_BYTES = 2;

/** Options for `writeFileAtomic`. */
export interface AtomicWriteOptions {
  /** Source of the temporary name's suffix; defaults to `node:crypto` randomness. */
  random?: Random;
  /** File mode for a newly created file (before umask); default 0o666, like `fopen`. */
  mode?: number;
}

/**
 * The temporary name Core would use for `path`: the file name without its extension, a dot and four
 * hex digits (`peers.dat` → `peers.1a2b`), in the same directory.
 */
export function tempPathFor(path: string, suffix: Uint8Array): string {
  return join(dirname(path), `${stemOf(basename(path))}.${Buffer.from(suffix).toString('hex')}`);
}

/** The file name without its extension: the part of a temporary name before the dot. */
function stemOf(name: string): string {
  return extname(name) ? name.slice(0, -extname(name).length) : name;
}

/**
 * Removes the temporary files interrupted writes of `fileNames` (in `dir`) left behind — names of the
 * form `tempPathFor` makes, `<stem>.<4 hex>` — and returns their paths. A write killed between creating
 * its temporary file and renaming it leaves one (Core never removes them either); call this at start-up,
 * while no write of these files can be in progress. Throws StoreError if the directory cannot be read.
 */
export async function removeStaleTempFiles(dir: string, fileNames: readonly string[]): Promise<string[]> {
  const stems = new Set(fileNames.map(stemOf));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw new StoreError(`cannot list ${dir} for stale temporary files: ${describeFsError(e)}`, { cause: e });
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || !stems.has(m[1])) continue;
    const file = join(dir, name);
    try {
      await unlink(file);
      removed.push(file);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw new StoreError(`cannot remove stale temporary file ${file}: ${describeFsError(e)}`, { cause: e });
    }
  }
  return removed;
}

/** `<stem>.<TEMP_SUFFIX_BYTES as lowercase hex>`, the shape of `tempPathFor`'s names. */
const TEMP_NAME = new RegExp(`^(.+)\\.[0-9a-f]{${TEMP_SUFFIX_BYTES * 2}}$`);

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (e) {
    // Some platforms and filesystems cannot open or fsync a directory; the rename is still done.
    const code = (e as { code?: string }).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP') throw e;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Replaces `path` with `data` atomically: temp file `<stem>.<4 hex>` next to it (created exclusively),
 * write, fsync, rename over `path`, fsync the directory. On failure the temp file is removed and a
 * `StoreError` naming the step and the path is thrown; the old file is untouched.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const draw = (): Uint8Array => (options.random ? options.random.randbytes(TEMP_SUFFIX_BYTES) : randomBytes(TEMP_SUFFIX_BYTES));
  let tmp = '';
  let handle: FileHandle | undefined;
  for (let attempt = 0; handle === undefined; attempt++) {
    tmp = tempPathFor(path, draw());
    try {
      handle = await open(tmp, 'wx', options.mode ?? 0o666);
    } catch (e) {
      if ((e as { code?: string }).code === 'EEXIST' && attempt + 1 < MAX_TEMP_NAME_ATTEMPTS) continue;
      throw new StoreError(`cannot create temporary file ${tmp} for ${path}: ${describeFsError(e)}`, { cause: e });
    }
  }
  let step = 'write';
  try {
    await handle.writeFile(data);
    step = 'fsync';
    await handle.sync();
    step = 'close';
    await handle.close();
    handle = undefined;
    step = 'rename';
    await rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw new StoreError(`cannot write ${path} (${step} of ${basename(tmp)} failed): ${describeFsError(e)}`, { cause: e });
  }
  try {
    await syncDirectory(dirname(path));
  } catch (e) {
    throw new StoreError(`wrote ${path} but could not fsync its directory: ${describeFsError(e)}`, { cause: e });
  }
}
