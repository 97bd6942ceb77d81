/**
 * What the connection manager keeps across restarts, and when it is written (Core `DumpAddresses`,
 * `DumpBanlist`, `DumpAnchors`): loading the data directory at start (peers.dat, banlist.json,
 * anchors.dat — read once and deleted — and anchors.json), writing peers.dat every 15 minutes (with a
 * sweep of expired bans), banlist.json soon after every change, and everything once more at stop.
 * peers.dat is written by one method, `savePeers`, whichever of the three occasions asks.
 * Without a data directory nothing is read or written.
 */
import type { AddressRecord } from '../address/record.js';
import type { AddrMan } from '../addrman/addrman.js';
import type { AddrManOptions } from '../addrman/types.js';
import type { Logger } from '../util/logger.js';
import type { BanMan } from './banman.js';
import type { DataDirectory } from './datadir.js';
import type { Schedule } from './schedule.js';

/** Core net.cpp DUMP_PEERS_INTERVAL (and banman DUMP_BANS_INTERVAL), ms. */
export const DUMP_INTERVAL_MS = 15 * 60_000;

/** What was loaded at start. */
export interface LoadedState {
  /** The table from peers.dat, holding also the addresses added before start (undefined: missing or corrupt, moved aside). */
  addrman: AddrMan | undefined;
  /** Block-relay-only anchors (anchors.dat, already deleted). */
  anchors: AddressRecord[];
  /** Service anchors (anchors.json). */
  serviceAnchors: AddressRecord[];
}

/** What persistence uses. */
export interface PersistenceContext {
  /** The data directory (undefined: nothing is persisted). */
  datadir: DataDirectory | undefined;
  /** peers.dat format to write. */
  peersDatFormat: 3 | 4;
  banman: BanMan;
  log: Logger;
  schedule: Schedule;
  /** The address table to write (a function: the manager replaces its table at load). */
  addrman(): AddrMan;
  /** Tracks a background task (awaited at stop). */
  track(task: Promise<unknown>): void;
}

/** Loads and writes the data directory. */
export class Persistence {
  private banlistDirty = false;

  /** @param ctx see `PersistenceContext`. */
  constructor(private readonly ctx: PersistenceContext) {}

  /** True when a data directory is configured. */
  get enabled(): boolean {
    return this.ctx.datadir !== undefined;
  }

  /** The ban list changed: write banlist.json at the next maintenance pass. */
  markBansDirty(): void {
    this.banlistDirty = true;
  }

  /**
   * Creates the directory and loads every file (anchors only when `loadAnchors`, as Core reads them
   * only for automatic connections); bans go straight into the ban manager. The caller installs the
   * returned table.
   */
  async load(addrmanOptions: () => AddrManOptions, loadAnchors: boolean): Promise<LoadedState> {
    const { datadir } = this.ctx;
    const state: LoadedState = { addrman: undefined, anchors: [], serviceAnchors: [] };
    if (!datadir) return state;
    await datadir.ensure();
    const loaded = await datadir.loadAddrMan(addrmanOptions());
    if (loaded) {
      // Addresses the application added before start() are kept alongside the loaded table.
      const early = this.ctx.addrman().getAddr({ maxAddresses: 0, maxPct: 0, filtered: false });
      for (const rec of early) loaded.add([rec], rec.service.addr);
      state.addrman = loaded;
    }
    this.ctx.banman.load(await datadir.loadBanlist());
    this.banlistDirty = false;
    if (loadAnchors) {
      state.anchors = await datadir.takeAnchors();
      state.serviceAnchors = await datadir.loadServiceAnchors();
    }
    return state;
  }

  /** Writes peers.dat now (throws on failure). The one place peers.dat is written. */
  async savePeers(): Promise<void> {
    await this.ctx.datadir?.saveAddrMan(this.ctx.addrman(), this.ctx.peersDatFormat);
  }

  /** Writes banlist.json now (throws on failure). */
  async saveBans(): Promise<void> {
    await this.ctx.datadir?.saveBanlist(this.ctx.banman.list());
  }

  /** Starts the dump timer. */
  start(nowMs: number): void {
    this.ctx.schedule.set('dump', nowMs + DUMP_INTERVAL_MS);
  }

  /** One maintenance pass: banlist.json if it changed; every 15 min, expired bans swept and peers.dat written. */
  tick(nowMs: number): void {
    const { datadir, schedule, banman } = this.ctx;
    if (this.banlistDirty && datadir) {
      this.banlistDirty = false;
      this.ctx.track(this.logged('banlist.json', () => this.saveBans()));
    }
    if (schedule.isDue('dump', nowMs)) {
      schedule.set('dump', nowMs + DUMP_INTERVAL_MS);
      banman.sweep();
      if (datadir) this.ctx.track(this.logged('peers.dat', () => this.savePeers()));
    }
  }

  /**
   * The stop-time writes, in Core's order: anchors.dat and anchors.json (only when `anchors` are
   * given, i.e. with automatic connections), then peers.dat and banlist.json. Failures are logged.
   */
  async writeAtStop(anchors: { blockRelay: AddressRecord[]; service: AddressRecord[] } | undefined): Promise<void> {
    const { datadir } = this.ctx;
    if (!datadir) return;
    if (anchors) {
      await this.logged('anchors.dat', () => datadir.saveAnchors(anchors.blockRelay));
      await this.logged('anchors.json', () => datadir.saveServiceAnchors(anchors.service));
    }
    await this.logged('peers.dat', () => this.savePeers());
    await this.logged('banlist.json', () => this.saveBans());
  }

  private async logged(what: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (e) {
      this.ctx.log.error(`failed to write ${what}: ${(e as Error).message}`);
    }
  }
}
