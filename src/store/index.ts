/**
 * store/: the data-directory I/O edge. Everything Peerbook persists — peers.dat, anchors.dat,
 * banlist.json — is encoded and decoded by pure codecs elsewhere (addrman/); this folder only moves
 * bytes to and from disk, under two rules. Writes are atomic (temp file `<stem>.<4 hex>`, fsync,
 * rename, fsync the directory, as Core's `SerializeFileDB`), so a crash or power cut leaves the old
 * file or the new one, never a torn file. A file that fails to decode is never fatal and never
 * silently lost: it is renamed to `<name>.bak` (then `.bak.1` … up to MAX_BACKUPS_PER_FILE, never
 * overwriting an earlier backup), the caller is told so it can log one clear line, and the node
 * starts without it. Reads are bounded (MAX_DATA_FILE_BYTES) so a planted file cannot exhaust memory.
 */
export * from './errors.js';
export * from './atomic-write.js';
export * from './move-aside.js';
export * from './load.js';
