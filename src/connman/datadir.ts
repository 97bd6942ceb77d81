/**
 * The connection manager's data directory: peers.dat, banlist.json, anchors.dat (Core's formats) and
 * anchors.json (Peerbook's service anchors). Loading follows one policy for every file: missing means
 * empty; a file that does not decode is moved aside (`.bak`) with a warning and the node starts
 * without it — never a crash, never a silent overwrite. Writes are atomic (temp file, fsync, rename).
 */
import { mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { AddressRecord } from '../address/record.js';
import { NetService } from '../address/service.js';
import { AddrMan } from '../addrman/addrman.js';
import type { AddrManOptions } from '../addrman/types.js';
import { decodeAnchors, encodeAnchors } from '../addrman/anchors.js';
import { decodeBanlist, encodeBanlist, type BanEntry } from '../addrman/banlist.js';
import { loadDataFile, removeStaleTempFiles, writeFileAtomic } from '../store/index.js';
import { PeerbookError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';

/** File names inside the network directory (Core's names, plus anchors.json). */
export const DataFile = {
  PEERS: 'peers.dat',
  BANLIST: 'banlist.json',
  ANCHORS: 'anchors.dat',
  SERVICE_ANCHORS: 'anchors.json',
} as const;

/** Most service anchors kept in anchors.json. */
export const MAX_SERVICE_ANCHORS = 8;

/** A malformed anchors.json (code `ERR_SERVICE_ANCHORS`). */
export class ServiceAnchorsError extends PeerbookError {
  /** @param message what is wrong. */
  constructor(message: string) {
    super('ERR_SERVICE_ANCHORS', `anchors.json: ${message}`);
  }
}

/** Encodes service anchors as readable JSON. */
export function encodeServiceAnchors(records: readonly AddressRecord[]): string {
  const anchors = records.slice(0, MAX_SERVICE_ANCHORS).map((r) => ({
    address: r.service.toString(),
    services: r.services.toString(16).padStart(16, '0'),
    time: r.time,
  }));
  return JSON.stringify({ version: 1, anchors }, null, 2) + '\n';
}

/** Decodes anchors.json; throws ServiceAnchorsError naming the bad entry. */
export function decodeServiceAnchors(text: string): AddressRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ServiceAnchorsError(`not JSON (${(e as Error).message})`);
  }
  // Check the document is an object before reading its fields: `null` is valid JSON.
  const list = typeof doc === 'object' && doc !== null ? (doc as { anchors?: unknown }).anchors : undefined;
  if (list === undefined || (doc as { version?: unknown }).version !== 1 || !Array.isArray(list)) {
    throw new ServiceAnchorsError('expected {"version":1,"anchors":[…]}');
  }
  return list.slice(0, MAX_SERVICE_ANCHORS).map((e: unknown, i: number) => {
    const { address, services, time } = (e ?? {}) as { address?: unknown; services?: unknown; time?: unknown };
    if (typeof address !== 'string' || typeof services !== 'string' || !/^[0-9a-f]{1,16}$/i.test(services) ||
      typeof time !== 'number' || !Number.isInteger(time) || time < 0) {
      throw new ServiceAnchorsError(`entry ${i}: needs "address" (host:port), "services" (hex) and "time" (seconds)`);
    }
    try {
      return { service: NetService.parse(address), services: BigInt(`0x${services}`), time };
    } catch (err) {
      throw new ServiceAnchorsError(`entry ${i}: ${(err as Error).message}`);
    }
  });
}

/** Reads and writes the files of one network's data directory. */
export class DataDirectory {
  /** @param dir the network directory (e.g. ~/.peerbook/regtest); @param magic network magic; @param log logger. */
  constructor(readonly dir: string, private readonly magic: Uint8Array, private readonly log: Logger) {}

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /**
   * Creates the directory if needed and removes the temporary files (`peers.1a2b` …) of writes that
   * were interrupted by a crash, which would otherwise pile up with every kill during a save.
   */
  async ensure(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const removed = await removeStaleTempFiles(this.dir, Object.values(DataFile));
    if (removed.length > 0) this.log.info(`Removed ${removed.length} temporary files of interrupted writes: ${removed.map((f) => path.basename(f)).join(', ')}`);
  }

  private onCorrupt = (report: { message: string }): void => this.log.warn(report.message);

  /** peers.dat → an AddrMan; undefined when the file is missing or was corrupt (and moved aside). */
  async loadAddrMan(options: AddrManOptions): Promise<AddrMan | undefined> {
    const loaded = await loadDataFile(this.file(DataFile.PEERS), (bytes) => AddrMan.deserialize(bytes, this.magic, options),
      { onCorrupt: this.onCorrupt });
    if (loaded) this.log.info(`Loaded ${loaded.size()} addresses from peers.dat`);
    return loaded;
  }

  /** Writes peers.dat (format 4 unless told 3). */
  async saveAddrMan(addrman: AddrMan, format: 3 | 4 = 4): Promise<void> {
    await writeFileAtomic(this.file(DataFile.PEERS), addrman.serialize(this.magic, { format }));
  }

  /** banlist.json → entries; missing or corrupt → none. */
  async loadBanlist(): Promise<BanEntry[]> {
    return (await loadDataFile(this.file(DataFile.BANLIST), (bytes) => decodeBanlist(Buffer.from(bytes).toString('utf8'), {
      onDrop: (d) => this.log.warn(`banlist.json: dropping entry ${d.index}: ${d.reason}`),
    }), { onCorrupt: this.onCorrupt })) ?? [];
  }

  /** Writes banlist.json. */
  async saveBanlist(entries: readonly BanEntry[]): Promise<void> {
    await writeFileAtomic(this.file(DataFile.BANLIST), encodeBanlist(entries));
  }

  /**
   * Core `ReadAnchors`: anchors.dat is read once and then deleted, so a crash cannot make us reconnect
   * to the same anchors forever. A corrupt file is moved aside instead of deleted.
   */
  async takeAnchors(): Promise<AddressRecord[]> {
    const file = this.file(DataFile.ANCHORS);
    const anchors = await loadDataFile(file, (bytes) => decodeAnchors(this.magic, bytes), { onCorrupt: this.onCorrupt });
    if (anchors === undefined) return [];
    await unlink(file).catch(() => undefined);
    this.log.info(`${anchors.length} block-relay-only anchors will be tried for connections.`);
    return anchors;
  }

  /** Writes anchors.dat (at most 2 records, Core's V2 disk form). */
  async saveAnchors(records: readonly AddressRecord[]): Promise<void> {
    await writeFileAtomic(this.file(DataFile.ANCHORS), encodeAnchors(this.magic, records));
  }

  /** anchors.json → service anchors (dialed first at start). */
  async loadServiceAnchors(): Promise<AddressRecord[]> {
    return (await loadDataFile(this.file(DataFile.SERVICE_ANCHORS), (bytes) => decodeServiceAnchors(Buffer.from(bytes).toString('utf8')),
      { onCorrupt: this.onCorrupt })) ?? [];
  }

  /** Writes anchors.json. */
  async saveServiceAnchors(records: readonly AddressRecord[]): Promise<void> {
    await writeFileAtomic(this.file(DataFile.SERVICE_ANCHORS), encodeServiceAnchors(records));
  }
}
