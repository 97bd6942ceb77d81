/**
 * Moving a damaged data file out of the way (Core renames an unreadable-version peers.dat to
 * `peers.dat.bak`). Unlike Core, an existing backup is never overwritten: the first free name of
 * `<name>.bak`, `<name>.bak.1`, … `<name>.bak.<MAX_BACKUPS_PER_FILE - 1>` is used, so a second
 * corruption keeps the evidence of the first. The count is bounded so a crash loop cannot fill the disk.
 */
import { access, link, rename, unlink } from 'node:fs/promises';
import { describeFsError, StoreError } from './errors.js';

/** Backups kept per data file: `.bak` plus `.bak.1` … `.bak.9`. */
export const MAX_BACKUPS_PER_FILE = 10;

/** The i-th backup name of `path`: `path.bak` for 0, `path.bak.<i>` after. */
export function backupPathFor(path: string, index: number): string {
  return index === 0 ? `${path}.bak` : `${path}.bak.${index}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Moves `target` onto `dest` only if `dest` does not exist. A hard link fails with EEXIST instead of
 * replacing, which closes the race a check-then-rename would leave; filesystems without hard links
 * fall back to check-then-rename. Returns false when `dest` is taken.
 */
async function moveNoReplace(target: string, dest: string): Promise<boolean> {
  try {
    await link(target, dest);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK' && code !== 'ENOSYS') throw e;
    if (await exists(dest)) return false;
    await rename(target, dest);
    return true;
  }
  await unlink(target);
  return true;
}

/**
 * Renames `path` to its first free backup name (`<name>.bak`, then `<name>.bak.1`, …) and returns the
 * new path. Throws `StoreError` when `path` cannot be moved or all MAX_BACKUPS_PER_FILE names are taken
 * (the file is then left where it is).
 */
export async function moveAside(path: string): Promise<string> {
  for (let i = 0; i < MAX_BACKUPS_PER_FILE; i++) {
    const dest = backupPathFor(path, i);
    try {
      if (await moveNoReplace(path, dest)) return dest;
    } catch (e) {
      throw new StoreError(`cannot move ${path} aside to ${dest}: ${describeFsError(e)}`, { cause: e });
    }
  }
  throw new StoreError(
    `cannot move ${path} aside: all ${MAX_BACKUPS_PER_FILE} backup names (${backupPathFor(path, 0)} … ` +
    `${backupPathFor(path, MAX_BACKUPS_PER_FILE - 1)}) are taken; remove old backups`,
  );
}
