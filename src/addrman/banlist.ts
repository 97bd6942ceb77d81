/**
 * `banlist.json` codec (Core addrdb.cpp `CBanDB`, net_types.cpp `BanMapToJson`/`BanMapFromJson`,
 * common/settings.cpp `WriteSettings`). Bans are the operator's manual defence against a peer or a
 * whole subnet that misbehaves; they must survive restarts, so they live in this small JSON file:
 *
 *     { "banned_nets": [ { "version": 1, "ban_created": <unix s>, "banned_until": <unix s>,
 *                          "address": "<CSubNet::ToString()>" }, … ] }
 *
 * Written byte-for-byte as Core writes it (UniValue pretty-printing with 4-space indent, entries in
 * Core's `banmap_t` order, keys in Core's order, trailing newline). Read as current Core reads it:
 * entries of another version are dropped; an entry whose address does not parse is dropped (current
 * Core; the first releases with banlist.json refused the whole file, which `strict` reproduces); any other malformation refuses
 * the whole file with a `BanlistError` naming the entry. Unknown keys (Core's `_warning_` comment,
 * future fields) are ignored. Pure codec: text in, entries out; the caller owns time and the file.
 */
import { Subnet } from '../address/subnet.js';
import { ArgumentError, PeerbookError } from '../util/errors.js';

/** Core `CBanEntry::CURRENT_VERSION`: the only entry version read. */
export const BAN_ENTRY_VERSION = 1;
/** Core addrdb.cpp `JSON_KEY`: the top-level key holding the ban array. */
export const BANLIST_JSON_KEY = 'banned_nets';
/** Core common/settings.cpp `SETTINGS_WARN_MSG_KEY`: the comment key `WriteSettings` adds. */
export const BANLIST_WARNING_KEY = '_warning_';
/** Core's data file name, used in error messages. */
export const BANLIST_FILE_NAME = 'banlist.json';
/** UniValue pretty-print indent used by `WriteSettings` (spaces per level). */
const JSON_INDENT = 4;

/** One ban (Core `banmap_t` entry: `CSubNet` → `CBanEntry`). Times are absolute Unix seconds. */
export interface BanEntry {
  /** The banned subnet (a single address is a /32, /128 or single Tor/I2P/CJDNS subnet). */
  subnet: Subnet;
  /** When the ban was made (Core `nCreateTime`). */
  created: number;
  /** When the ban ends (Core `nBanUntil`); banned while `now < until`. */
  until: number;
}

/** A `banlist.json` that cannot be read (code `ERR_BANLIST`). */
export class BanlistError extends PeerbookError {
  /** Index of the offending entry in `banned_nets`, when the problem is in one entry. */
  readonly index: number | undefined;

  /** @param message what is wrong; @param index the entry, if any. */
  constructor(message: string, index?: number, options?: { cause?: unknown }) {
    super('ERR_BANLIST', index === undefined ? `${BANLIST_FILE_NAME}: ${message}` : `${BANLIST_FILE_NAME}: entry ${index}: ${message}`, options);
    this.index = index;
  }
}

/** An entry `decodeBanlist` skipped, as Core skips it with a log line. */
export interface DroppedBanEntry {
  /** Index in `banned_nets`. */
  index: number;
  /** Why: Core's wording ("unknown version (2)", "unparseable address or subnet (x)"). */
  reason: string;
}

/** Options for `decodeBanlist`. */
export interface DecodeBanlistOptions {
  /** Refuse the file when an address does not parse (early banlist.json Core) instead of dropping the entry. */
  strict?: boolean;
  /** Told about every dropped entry, so the caller can log it as Core does. */
  onDrop?: (dropped: DroppedBanEntry) => void;
}

/** Options for `encodeBanlist`. */
export interface EncodeBanlistOptions {
  /** Text for a leading `_warning_` key, as recent Core's `WriteSettings` adds; omitted by default. */
  warning?: string;
}

// ---- encoding ----------------------------------------------------------------------------------

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length; // prevector operator<: size first
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Core `operator<(CSubNet, CSubNet)`: network (net id, then bytes), then the 16-byte netmask. */
export function compareSubnets(a: Subnet, b: Subnet): number {
  if (a.network.net !== b.network.net) return a.network.net - b.network.net;
  const byAddr = compareBytes(a.network.bytes, b.network.bytes);
  if (byAddr !== 0) return byAddr;
  const mask = (s: Subnet): Uint8Array => {
    const m = new Uint8Array(16);
    const own = s.netmask();
    if (own) m.set(own);
    return m;
  };
  return compareBytes(mask(a), mask(b));
}

function checkTime(value: number, what: string, subnet: string): void {
  if (!Number.isSafeInteger(value)) throw new ArgumentError(`ban of ${subnet}: ${what} must be an integer number of seconds, got ${value}`);
}

/**
 * Encodes `banlist.json` exactly as Core writes it: UniValue pretty-printing (4-space indent, an
 * empty array as `[` newline `    ]`), entries sorted in Core's `banmap_t` order, each entry's keys
 * `version, ban_created, banned_until, address`, and a final newline. Throws `ArgumentError` for an
 * invalid subnet (Core sweeps those before writing), a duplicate subnet or a non-integer time.
 */
export function encodeBanlist(entries: readonly BanEntry[], options: EncodeBanlistOptions = {}): string {
  const seen = new Set<string>();
  for (const e of entries) {
    if (!e.subnet.isValid()) throw new ArgumentError('cannot write an invalid subnet to banlist.json');
    const name = e.subnet.toString();
    if (seen.has(e.subnet.key)) throw new ArgumentError(`subnet ${name} appears twice in the ban list`);
    seen.add(e.subnet.key);
    checkTime(e.created, 'created', name);
    checkTime(e.until, 'until', name);
  }
  const sorted = [...entries].sort((a, b) => compareSubnets(a.subnet, b.subnet));
  const pad = (level: number): string => ' '.repeat(JSON_INDENT * level);
  const lines: string[] = ['{'];
  if (options.warning !== undefined) lines.push(`${pad(1)}${JSON.stringify(BANLIST_WARNING_KEY)}: ${JSON.stringify(options.warning)},`);
  lines.push(`${pad(1)}${JSON.stringify(BANLIST_JSON_KEY)}: [`);
  sorted.forEach((e, i) => {
    lines.push(`${pad(2)}{`);
    lines.push(`${pad(3)}"version": ${BAN_ENTRY_VERSION},`);
    lines.push(`${pad(3)}"ban_created": ${e.created},`);
    lines.push(`${pad(3)}"banned_until": ${e.until},`);
    lines.push(`${pad(3)}"address": ${JSON.stringify(e.subnet.toString())}`);
    lines.push(`${pad(2)}}${i === sorted.length - 1 ? '' : ','}`);
  });
  lines.push(`${pad(1)}]`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

// ---- decoding ----------------------------------------------------------------------------------

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Core's `getInt<int64_t>()`: a JSON number with an integer value. Values beyond ±2^53 (Core's
 * int64 allows them) are clamped, which keeps their meaning ("forever") in a double.
 */
function readInt(entry: Record<string, unknown>, key: string, index: number): number {
  const v = entry[key];
  if (v === undefined) throw new BanlistError(`"${key}" is missing (expected an integer)`, index);
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new BanlistError(`"${key}" must be an integer, got ${typeName(v)} ${JSON.stringify(v)}`, index);
  }
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, v));
}

/**
 * Decodes `banlist.json` text (Core `CBanDB::Read` + `BanMapFromJson`). Returns the entries in file
 * order; a subnet listed twice keeps its last entry (Core `insert_or_assign`). Entries with version
 * ≠ 1 and (unless `strict`) entries whose address does not parse are dropped and reported to
 * `onDrop`. Throws `BanlistError` for malformed JSON, a missing or non-array `banned_nets`, or an
 * entry that is not an object or lacks an integer `version`/`ban_created`/`banned_until` or a string
 * `address`; the error names the entry index and the problem.
 */
export function decodeBanlist(text: string, options: DecodeBanlistOptions = {}): BanEntry[] {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new BanlistError(`not valid JSON (${(e as Error).message})`, undefined, { cause: e });
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new BanlistError(`top level must be a JSON object, got ${typeName(root)}`);
  }
  const list = (root as Record<string, unknown>)[BANLIST_JSON_KEY];
  if (list === undefined) throw new BanlistError(`"${BANLIST_JSON_KEY}" is missing`);
  if (!Array.isArray(list)) throw new BanlistError(`"${BANLIST_JSON_KEY}" must be an array, got ${typeName(list)}`);

  const byKey = new Map<string, BanEntry>();
  list.forEach((raw: unknown, index: number) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new BanlistError(`must be a JSON object, got ${typeName(raw)}`, index);
    }
    const entry = raw as Record<string, unknown>;
    const version = readInt(entry, 'version', index);
    if (version !== BAN_ENTRY_VERSION) {
      options.onDrop?.({ index, reason: `unknown version (${version})` });
      return;
    }
    const address = entry.address;
    if (typeof address !== 'string') {
      throw new BanlistError(`"address" must be a string, got ${typeName(address)}`, index);
    }
    let subnet: Subnet;
    try {
      subnet = Subnet.parse(address);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (options.strict) throw new BanlistError(`cannot parse banned address or subnet: ${why}`, index, { cause: e });
      options.onDrop?.({ index, reason: `unparseable address or subnet (${address}): ${why}` });
      return;
    }
    const created = readInt(entry, 'ban_created', index);
    const until = readInt(entry, 'banned_until', index);
    byKey.set(subnet.key, { subnet, created, until });
  });
  return [...byKey.values()];
}
