/**
 * peers.json: the address table as readable JSON — for operators who want to see, diff, edit or move
 * a node's address book, and for tools that should not have to parse Core's binary peers.dat.
 *
 * The file is one object: `header` (format name and version, network magic, the secret bucket key,
 * the asmap checksum the cells were computed under, Core's `m_last_good`, the counts and the pending
 * tried collisions) and `entries`, one object per address on its own line, in Core id order:
 * address, port, network (Core's `GetNetworkName` of the address's own network), services (16 hex
 * digits, as getpeerinfo, plus their names), time, lastTry, lastCountAttempt, lastSuccess, attempts,
 * source (and its network), table (`new`/`tried`), refCount, cells (each new-table reference, or the
 * tried cell, as bucket and position) and the connection state.
 *
 * Unlike peers.dat, peers.json also keeps what Core holds only in memory — last try, last counted
 * attempt, the connection state, `m_last_good` and the pending collisions — so
 * `decodePeersJson(encodePeersJson(t))` is the same table, cell for cell and field for field. Import goes through `AddrMan.restore`, so it
 * obeys Core's rules: positions are keyed hashes and are checked, not trusted; a tried entry needs a
 * last success; two entries never share a cell. Hand-written files may leave out `cells`, `refCount`,
 * `network`, `servicesnames` and the statistics (zero by default).
 *
 * What is not preserved exactly, and why:
 * - Core's entry ids are renumbered 0..n-1 in file order (their relative order is kept) and the
 *   random-position array (`vRandom`) is rebuilt in that order: neither is observable except through
 *   which entry a given random draw picks, and Core's own peers.dat reload renumbers the same way.
 * - A file written under another asmap (its `asmapChecksum` differs from the reader's) is re-bucketed
 *   as Core re-buckets peers.dat: each new entry keeps one reference, in its own-source cell, and an
 *   entry whose cell is taken (tried entries too) is dropped — the stored positions are meaningless
 *   under other network groups.
 * - The connection state is restored as written, although a `connected` entry's connection belonged
 *   to the process that wrote the file. A `banned` state, which older versions wrote, is read as the
 *   state without the ban: bans belong to banlist.json (`BanMan`), not to the address table.
 * - Converting to peers.dat keeps only what that format holds: last try, last counted attempt, state,
 *   `m_last_good` and collisions are lost, times are stored as unsigned 32-bit numbers, and format 3
 *   keeps one entry per IP.
 *
 * The key is in the file, as it is in peers.dat: whoever reads it can predict the table's buckets,
 * so treat it like peers.dat. Input is bounded (MAX_PEERS_JSON_BYTES, ADDRMAN_MAX_ENTRIES entries) and
 * every defect is a `PeersJsonError` naming the entry index and field.
 */
import { NetAddress } from '../address/netaddress.js';
import type { AddressNetwork } from '../address/network.js';
import { NetService } from '../address/service.js';
import { PeerbookError } from '../util/errors.js';
import { bytesEqual, bytesToHex } from '../util/hex.js';
import { formatServiceFlags, serviceFlagNames } from '../wire/services.js';
import { AddrMan } from './addrman.js';
import { ADDRMAN_MAX_ENTRIES } from './constants.js';
import { AddrManRestoreError } from './errors.js';
import type { AddrManOptions, AddressState, RestoreCell, RestoreEntry, TableSnapshot } from './types.js';

/** The `header.format` value that marks a peers.json file. */
export const PEERS_JSON_FORMAT = 'peerbook-peers-json';
/** The format version written, and the newest one read. */
export const PEERS_JSON_VERSION = 1;
/** The file name used in error messages. */
export const PEERS_JSON_FILE_NAME = 'peers.json';
/**
 * Largest input accepted, bytes. The largest file `encodePeersJson` can write — a full table (81,920
 * entries) of onion addresses with 8 references, all 64 service bits set and 16-digit times, 1,721
 * bytes an entry — is ≈ 135 MiB (a realistic full table is ≈ 33 MiB). Anything larger was not
 * written by Peerbook and is refused before it is parsed.
 */
export const MAX_PEERS_JSON_BYTES = 160 * 1024 * 1024;

/** Networks an entry's address can belong to, with Core's names. */
const ADDRESS_NETWORKS: readonly AddressNetwork[] = ['ipv4', 'ipv6', 'onion', 'i2p', 'cjdns', 'internal'];
const ENTRY_FIELDS = new Set([
  'address', 'port', 'network', 'services', 'servicesnames', 'time', 'lastTry', 'lastCountAttempt', 'lastSuccess',
  'attempts', 'source', 'sourceNetwork', 'table', 'refCount', 'cells', 'state',
]);
const HEADER_FIELDS = new Set(['format', 'version', 'magic', 'key', 'asmapChecksum', 'lastGood', 'counts', 'collisions']);

/** peers.json cannot be read (code `ERR_PEERS_JSON`); `index` and `field` say where. */
export class PeersJsonError extends PeerbookError {
  /** Index of the offending entry, when the problem is in one. */
  readonly index: number | undefined;
  /** JSON path of the offending field (`entries[3].port`, `header.key`), when known. */
  readonly field: string | undefined;

  /** @param field JSON path or undefined; @param problem what is wrong; @param index entry index. */
  constructor(field: string | undefined, problem: string, index?: number, options?: { cause?: unknown }) {
    super('ERR_PEERS_JSON', `${PEERS_JSON_FILE_NAME}: ${field !== undefined ? `${field}: ` : ''}${problem}`, options);
    this.index = index;
    this.field = field;
  }
}

/** The header of a peers.json file. */
export interface PeersJsonHeader {
  /** Always PEERS_JSON_FORMAT. */
  format: string;
  /** Format version (PEERS_JSON_VERSION). */
  version: number;
  /** Network magic, 8 hex digits. */
  magic: string;
  /** The bucket key, 64 hex digits. */
  key: string;
  /** Checksum of the asmap the cells were computed under, 64 hex digits (zeros: no asmap). */
  asmapChecksum?: string;
  /** Core m_last_good, seconds. */
  lastGood?: number;
  /** Entries per table. */
  counts?: { new: number; tried: number; total: number };
  /** Pending tried collisions, as entry indexes. */
  collisions?: number[];
}

/** One entry of a peers.json file, as written. */
export interface PeersJsonEntry {
  /** The address without port (Core `ToStringAddr`). */
  address: string;
  /** TCP port. */
  port: number;
  /** Core's name of the address's own network (tells an fc00::/8 IPv6 address from a CJDNS one). */
  network: AddressNetwork;
  /** Service flags, 16 hex digits (getpeerinfo `services`). */
  services: string;
  /** Their names (getpeerinfo `servicesnames`); informational, ignored on import. */
  servicesnames: string[];
  /** nTime: last seen, Unix seconds. */
  time: number;
  /** m_last_try, seconds (0 = never). */
  lastTry: number;
  /** m_last_count_attempt, seconds. */
  lastCountAttempt: number;
  /** m_last_success, seconds (0 = never). */
  lastSuccess: number;
  /** nAttempts: failed attempts since the last success. */
  attempts: number;
  /** Where the address was first heard from. */
  source: string;
  /** Core's name of the source's own network. */
  sourceNetwork: AddressNetwork;
  /** Which table the entry is in. */
  table: 'new' | 'tried';
  /** nRefCount: new-table references (0 for tried entries). */
  refCount: number;
  /** Each new-table reference, or the tried cell. */
  cells: Array<{ bucket: number; position: number }>;
  /** Connection state (Peerbook). */
  state: AddressState;
}

/** Options of `decodePeersJson`: those of the `AddrMan` built, plus the checks. */
export interface PeersJsonDecodeOptions extends Omit<AddrManOptions, 'key' | 'deterministic'> {
  /** Expected network magic; a file for another network is refused. Absent: any. */
  magic?: Uint8Array;
  /** Size limit in bytes (default MAX_PEERS_JSON_BYTES). */
  maxBytes?: number;
}

/** A decoded peers.json: the table and the header it came with. */
export interface PeersJsonDocument {
  /** The rebuilt table. */
  addrman: AddrMan;
  /** The file's header, as read. */
  header: PeersJsonHeader;
  /** The network magic from the header. */
  magic: Uint8Array;
}

// ---- encoding ----------------------------------------------------------------------------------

/** Writes the table as peers.json text for the network with `magic` (4 bytes). */
export function encodePeersJson(addrman: AddrMan, magic: Uint8Array): string {
  if (magic.length !== 4) throw new PeersJsonError('header.magic', `a network magic is 4 bytes, got ${magic.length}`);
  const snap = addrman.snapshot();
  let tried = 0;
  for (const e of snap.entries) if (e.table === 'tried') tried++;
  const header: PeersJsonHeader = {
    format: PEERS_JSON_FORMAT,
    version: PEERS_JSON_VERSION,
    magic: bytesToHex(magic),
    key: bytesToHex(snap.key),
    asmapChecksum: bytesToHex(snap.asmapChecksum ?? new Uint8Array(32)),
    lastGood: snap.lastGood ?? 1,
    counts: { new: snap.entries.length - tried, tried, total: snap.entries.length },
    collisions: [...(snap.collisions ?? [])],
  };
  const lines = snap.entries.map((e) => JSON.stringify(entryToJson(e)));
  const headerText = JSON.stringify(header, null, 2).replace(/\n/g, '\n  ');
  return `{\n  "header": ${headerText},\n  "entries": [${lines.length ? `\n    ${lines.join(',\n    ')}\n  ` : ''}]\n}\n`;
}

function entryToJson(e: RestoreEntry): PeersJsonEntry {
  const addr = e.record.service.addr;
  return {
    address: addr.toString(),
    port: e.record.service.port,
    network: addr.networkType(),
    services: formatServiceFlags(e.record.services),
    servicesnames: serviceFlagNames(e.record.services),
    time: e.record.time,
    lastTry: e.lastTry,
    lastCountAttempt: e.lastCountAttempt,
    lastSuccess: e.lastSuccess,
    attempts: e.attempts,
    source: e.source.toString(),
    sourceNetwork: e.source.networkType(),
    table: e.table,
    refCount: e.table === 'new' ? (e.cells?.length ?? 0) : 0,
    cells: (e.cells ?? []).map((c) => ({ bucket: c.bucket, position: c.position ?? 0 })),
    state: e.state,
  };
}

// ---- decoding ----------------------------------------------------------------------------------

/** Reads peers.json text (or its UTF-8 bytes) into a new `AddrMan`. Throws `PeersJsonError`. */
export function decodePeersJson(text: string | Uint8Array, opts: PeersJsonDecodeOptions): AddrMan {
  return decodePeersJsonDocument(text, opts).addrman;
}

/** Like `decodePeersJson`, also returning the header and the network magic. */
export function decodePeersJsonDocument(input: string | Uint8Array, opts: PeersJsonDecodeOptions): PeersJsonDocument {
  const maxBytes = opts.maxBytes ?? MAX_PEERS_JSON_BYTES;
  const text = boundedText(input, maxBytes);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PeersJsonError(undefined, `not valid JSON (${err instanceof Error ? err.message : String(err)})`, undefined, { cause: err });
  }
  if (!isObject(doc)) throw new PeersJsonError(undefined, 'the document must be an object with "header" and "entries"');
  for (const k of Object.keys(doc)) if (k !== 'header' && k !== 'entries') throw new PeersJsonError(k, 'unknown top-level field');
  const { header, magic, snapshotBase } = readHeader(doc.header, opts.magic);
  const rawEntries = doc.entries;
  if (!Array.isArray(rawEntries)) throw new PeersJsonError('entries', 'must be an array');
  if (rawEntries.length > ADDRMAN_MAX_ENTRIES) {
    throw new PeersJsonError('entries', `${rawEntries.length} entries, more than a table can hold (${ADDRMAN_MAX_ENTRIES})`);
  }
  const entries = rawEntries.map((raw, i) => readEntry(raw, i));
  if (header.counts !== undefined) {
    const tried = entries.filter((e) => e.table === 'tried').length;
    const actual = { new: entries.length - tried, tried, total: entries.length };
    for (const k of ['new', 'tried', 'total'] as const) {
      if (header.counts[k] !== actual[k]) throw new PeersJsonError(`header.counts.${k}`, `says ${header.counts[k]} but the file has ${actual[k]}`);
    }
  }
  const snapshot: TableSnapshot = { ...snapshotBase, entries };
  let addrman: AddrMan;
  try {
    addrman = AddrMan.restore(snapshot, { clock: opts.clock, random: opts.random, netgroups: opts.netgroups, consistencyCheckRatio: opts.consistencyCheckRatio, failedRetryMs: opts.failedRetryMs });
  } catch (err) {
    if (err instanceof AddrManRestoreError) {
      const path = err.index >= 0 ? `entries[${err.index}].${err.field}` : err.field === 'entries' ? 'entries' : `header.${err.field}`;
      throw new PeersJsonError(path, err.problem, err.index >= 0 ? err.index : undefined, { cause: err });
    }
    throw err;
  }
  return { addrman, header, magic };
}

/** The input as a string, refusing more than `maxBytes` bytes and invalid UTF-8. */
function boundedText(input: string | Uint8Array, maxBytes: number): string {
  if (typeof input === 'string') {
    if (input.length > maxBytes || Buffer.byteLength(input, 'utf8') > maxBytes) {
      throw new PeersJsonError(undefined, `input is more than the ${maxBytes}-byte limit`);
    }
    return input;
  }
  if (input.length > maxBytes) throw new PeersJsonError(undefined, `input is ${input.length} bytes, more than the ${maxBytes}-byte limit`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch (err) {
    throw new PeersJsonError(undefined, 'input is not valid UTF-8', undefined, { cause: err });
  }
}

function readHeader(raw: unknown, expectedMagic: Uint8Array | undefined): {
  header: PeersJsonHeader; magic: Uint8Array; snapshotBase: Omit<TableSnapshot, 'entries'>;
} {
  if (!isObject(raw)) throw new PeersJsonError('header', 'missing, or not an object');
  for (const k of Object.keys(raw)) if (!HEADER_FIELDS.has(k)) throw new PeersJsonError(`header.${k}`, 'unknown header field');
  if (raw.format !== PEERS_JSON_FORMAT) throw new PeersJsonError('header.format', `must be "${PEERS_JSON_FORMAT}", got ${show(raw.format)}`);
  const version = raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw new PeersJsonError('header.version', `must be a positive integer, got ${show(version)}`);
  if (version > PEERS_JSON_VERSION) {
    throw new PeersJsonError('header.version', `format version ${version} was written by a newer Peerbook; this one reads up to ${PEERS_JSON_VERSION}`);
  }
  const magic = hexField(raw.magic, 4, 'header.magic');
  if (expectedMagic !== undefined && !bytesEqual(magic, expectedMagic)) {
    throw new PeersJsonError('header.magic', `Invalid network magic number ${bytesToHex(magic)} (expected ${bytesToHex(expectedMagic)})`);
  }
  const key = hexField(raw.key, 32, 'header.key');
  const asmapChecksum = raw.asmapChecksum === undefined ? undefined : hexField(raw.asmapChecksum, 32, 'header.asmapChecksum');
  const lastGood = raw.lastGood === undefined ? undefined : numberField(raw.lastGood, 'header.lastGood');
  let counts: PeersJsonHeader['counts'];
  if (raw.counts !== undefined) {
    if (!isObject(raw.counts)) throw new PeersJsonError('header.counts', 'must be an object {new, tried, total}');
    counts = {
      new: numberField(raw.counts.new, 'header.counts.new'),
      tried: numberField(raw.counts.tried, 'header.counts.tried'),
      total: numberField(raw.counts.total, 'header.counts.total'),
    };
  }
  let collisions: number[] | undefined;
  if (raw.collisions !== undefined) {
    if (!Array.isArray(raw.collisions)) throw new PeersJsonError('header.collisions', 'must be an array of entry indexes');
    collisions = raw.collisions.map((c, j) => numberField(c, `header.collisions[${j}]`));
  }
  const header: PeersJsonHeader = { format: PEERS_JSON_FORMAT, version, magic: bytesToHex(magic), key: bytesToHex(key) };
  if (asmapChecksum) header.asmapChecksum = bytesToHex(asmapChecksum);
  if (lastGood !== undefined) header.lastGood = lastGood;
  if (counts) header.counts = counts;
  if (collisions) header.collisions = collisions;
  return { header, magic, snapshotBase: { key, asmapChecksum, lastGood, collisions } };
}

function readEntry(raw: unknown, i: number): RestoreEntry {
  const at = (field: string): string => `entries[${i}].${field}`;
  const fail = (field: string, problem: string, cause?: unknown): PeersJsonError =>
    new PeersJsonError(at(field), problem, i, cause === undefined ? undefined : { cause });
  if (!isObject(raw)) throw new PeersJsonError(`entries[${i}]`, 'must be an object', i);
  for (const k of Object.keys(raw)) if (!ENTRY_FIELDS.has(k)) throw fail(k, 'unknown field');

  const network = optionalNetwork(raw.network, at('network'), i);
  const addr = addressField(raw.address, network, at('address'), i);
  const port = raw.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 0xffff) throw fail('port', `must be an integer 0–65535, got ${show(port)}`);
  const sourceNetwork = optionalNetwork(raw.sourceNetwork, at('sourceNetwork'), i);
  const source = addressField(raw.source, sourceNetwork, at('source'), i);
  if (typeof raw.services !== 'string' || !/^[0-9a-fA-F]{1,16}$/.test(raw.services)) {
    throw fail('services', `must be 1–16 hex digits (e.g. "0000000000000409"), got ${show(raw.services)}`);
  }
  const services = BigInt(`0x${raw.services}`);
  if (raw.servicesnames !== undefined && !(Array.isArray(raw.servicesnames) && raw.servicesnames.every((n) => typeof n === 'string'))) {
    throw fail('servicesnames', 'must be an array of strings (it is informational: "services" is what counts)');
  }
  const table = raw.table;
  if (table !== 'new' && table !== 'tried') throw fail('table', `must be "new" or "tried", got ${show(table)}`);
  const num = (field: string, dflt?: number): number => {
    const v = raw[field];
    if (v === undefined && dflt !== undefined) return dflt;
    return numberField(v, at(field), i, true);
  };
  const lastSuccess = num('lastSuccess', 0);
  const entry: RestoreEntry = {
    record: { service: new NetService(addr, port), services, time: num('time') },
    source,
    lastTry: num('lastTry', 0),
    lastCountAttempt: num('lastCountAttempt', 0),
    lastSuccess,
    attempts: num('attempts', 0),
    state: stateField(raw.state, i, lastSuccess),
    table,
  };
  let cells: RestoreCell[] | undefined;
  if (raw.cells !== undefined) {
    if (!Array.isArray(raw.cells)) throw fail('cells', 'must be an array of {bucket, position}');
    cells = raw.cells.map((c, j) => {
      if (!isObject(c)) throw fail(`cells[${j}]`, 'must be an object {bucket, position}');
      for (const k of Object.keys(c)) if (k !== 'bucket' && k !== 'position') throw fail(`cells[${j}].${k}`, 'unknown field');
      const cell: RestoreCell = { bucket: numberField(c.bucket, at(`cells[${j}].bucket`), i) };
      if (c.position !== undefined) cell.position = numberField(c.position, at(`cells[${j}].position`), i);
      return cell;
    });
    entry.cells = cells;
  }
  if (raw.refCount !== undefined) {
    const refCount = numberField(raw.refCount, at('refCount'), i);
    const expected = table === 'tried' ? 0 : cells?.length ?? 1;
    if (refCount !== expected) {
      throw fail('refCount', table === 'tried'
        ? `a tried entry has no new-table references, got ${refCount}`
        : `${refCount} does not match the ${cells === undefined ? 'single own-source reference given by leaving out "cells"' : `${cells.length} cells listed`}`);
    }
  }
  return entry;
}

/**
 * The connection state. `banned` (with `until`) was a state before bans moved to the ban system
 * (`BanMan`, banlist.json); older files may hold it. It is read, checked, and taken as the state the
 * entry returns to without a ban (what `unban` gave): `tried` at its last success, else `never-tried`.
 */
function stateField(raw: unknown, i: number, lastSuccess: number): AddressState {
  const at = `entries[${i}].state`;
  if (raw === undefined) return { kind: 'never-tried' };
  if (!isObject(raw)) throw new PeersJsonError(at, 'must be an object {kind, at?, until?}', i);
  const allowed = raw.kind === 'tried' || raw.kind === 'failed' ? ['kind', 'at'] : raw.kind === 'banned' ? ['kind', 'until'] : ['kind'];
  for (const k of Object.keys(raw)) if (!allowed.includes(k)) throw new PeersJsonError(`${at}.${k}`, `not a field of state "${String(raw.kind)}"`, i);
  switch (raw.kind) {
    case 'never-tried': return { kind: 'never-tried' };
    case 'connected': return { kind: 'connected' };
    case 'tried': return { kind: 'tried', at: numberField(raw.at, `${at}.at`, i) };
    case 'failed': return { kind: 'failed', at: numberField(raw.at, `${at}.at`, i) };
    case 'banned':
      numberField(raw.until, `${at}.until`, i);
      return lastSuccess > 0 ? { kind: 'tried', at: lastSuccess } : { kind: 'never-tried' };
    default: throw new PeersJsonError(`${at}.kind`, `must be one of never-tried, tried, connected, failed (or, from older files, banned); got ${show(raw.kind)}`, i);
  }
}

function optionalNetwork(raw: unknown, path: string, i: number): AddressNetwork | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !(ADDRESS_NETWORKS as readonly string[]).includes(raw)) {
    throw new PeersJsonError(path, `must be one of ${ADDRESS_NETWORKS.join(', ')}; got ${show(raw)}`, i);
  }
  return raw as AddressNetwork;
}

/** Parses an address; `network` (when given) must agree and tells an fc00::/8 IPv6 address from CJDNS. */
function addressField(raw: unknown, network: AddressNetwork | undefined, path: string, i: number): NetAddress {
  if (typeof raw !== 'string') throw new PeersJsonError(path, `must be an address string, got ${show(raw)}`, i);
  let addr: NetAddress;
  try {
    addr = NetAddress.parse(raw, { cjdns: network !== 'ipv6' });
  } catch (err) {
    throw new PeersJsonError(path, err instanceof Error ? err.message : String(err), i, { cause: err });
  }
  if (network !== undefined && addr.networkType() !== network) {
    throw new PeersJsonError(path, `${raw} is an ${addr.networkType()} address, but its network says ${network}`, i);
  }
  return addr;
}

function numberField(v: unknown, path: string, i?: number, allowAny = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (!allowAny && !Number.isInteger(v))) {
    throw new PeersJsonError(path, `must be ${allowAny ? 'a number' : 'an integer'}, got ${show(v)}`, i);
  }
  return v;
}

function hexField(v: unknown, bytes: number, path: string): Uint8Array {
  if (typeof v !== 'string' || v.length !== bytes * 2 || !/^[0-9a-fA-F]*$/.test(v)) {
    throw new PeersJsonError(path, `must be ${bytes * 2} hex digits, got ${show(v)}`);
  }
  return new Uint8Array(Buffer.from(v, 'hex'));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short rendering of a bad value for an error message. */
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
