/**
 * `peerbook addrman info|dump|convert`: looks inside an address table file — Core's binary peers.dat
 * (any format 0–4, from Bitcoin Core, Litecoin Core or Peerbook) or Peerbook's readable peers.json —
 * and converts between them.
 *
 * The kind of file is told by its content (JSON starts with `{`), the network by the file's first four
 * bytes (the magic of mainnet, testnet3, testnet4, signet or regtest) unless `--magic`/`--network`
 * says which network to expect. A file is read exactly as a node would load it (Core's rules: invalid
 * addresses dropped, bucket positions re-hashed, the consistency check run), so what `info` counts is
 * what a node would have. Unreadable input prints one line on stderr naming the file and the problem,
 * and exits with status 2 with nothing on stdout. Input is bounded by MAX_ADDRMAN_INPUT_BYTES.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { NetGroupManager } from '../address/netgroup.js';
import { Net, networkName, type NetId } from '../address/network.js';
import { AddrMan } from '../addrman/addrman.js';
import type { EntryPosition } from '../addrman/types.js';
import { PeersDatError } from '../addrman/errors.js';
import { decodePeersJsonDocument, encodePeersJson, MAX_PEERS_JSON_BYTES, PEERS_JSON_FILE_NAME, PeersJsonError } from '../addrman/peers-json.js';
import { PEERS_DAT_FILE_NAME } from '../addrman/peers-dat.js';
import { writeFileAtomic } from '../store/atomic-write.js';
import { SystemClock } from '../util/clock.js';
import { fsErrorReason } from '../util/errors.js';
import { bytesEqual, bytesToHex, hexToBytes } from '../util/hex.js';
import { ChaChaRandom } from '../util/random.js';
import { getNetworkParams, MAINNET, REGTEST, SIGNET, TESTNET3, TESTNET4 } from '../wire/params.js';
import { formatServiceFlags } from '../wire/services.js';
import { loadAsmapFile } from './address.js';
import { CliError, jsonText, PRETTY_OPTION, printJson, processIO, type CliIO } from './io.js';

/** Largest input file read, bytes: the peers.json limit, far above any peers.dat (≈ 8.4 MB when full). */
export const MAX_ADDRMAN_INPUT_BYTES = MAX_PEERS_JSON_BYTES;
/** The networks whose magic is recognised in a peers.dat file. */
export const KNOWN_MAGIC_NETWORKS = [MAINNET, TESTNET3, TESTNET4, SIGNET, REGTEST] as const;
/** Output formats of `addrman convert`. */
export const CONVERT_FORMATS = ['3', '4', 'json'] as const;

/** The networks `info` reports, in Core's order. */
const REPORTED_NETWORKS: ReadonlyArray<[string, NetId]> = [
  ['ipv4', Net.IPV4], ['ipv6', Net.IPV6], ['onion', Net.ONION], ['i2p', Net.I2P], ['cjdns', Net.CJDNS],
];

/** Options shared by the addrman commands. */
export interface TableFileOptions {
  /** Expected network magic, 8 hex digits. */
  magic?: string;
  /** Expected network by name (main, test, testnet4, signet, regtest). */
  network?: string;
  /** asmap file: bucket as a node with this asmap would. */
  asmap?: string;
}

/** A table read from a file. */
export interface LoadedTableFile {
  /** The table, as a node would load it. */
  addrman: AddrMan;
  /** The file's network magic. */
  magic: Uint8Array;
  /** peers.dat format number (0–4) or "json". */
  format: number | 'json';
}

/** What `addrman info` prints. */
export interface AddrmanInfo {
  /** peers.dat format number (0–4) or "json". */
  format: number | 'json';
  /** Entries in the new table. */
  new: number;
  /** Entries in the tried table. */
  tried: number;
  /** All entries. */
  total: number;
  /** Per network (Core `GetNetwork`, as getaddrmaninfo counts): new and tried entries. */
  networks: Record<string, { new: number; tried: number }>;
}

/** The network magic to expect from --magic/--network, or undefined for "detect". */
function expectedMagic(opts: TableFileOptions): Uint8Array | undefined {
  if (opts.magic !== undefined && opts.network !== undefined) throw new CliError('give either --network NAME or --magic HEX, not both');
  if (opts.magic !== undefined) {
    if (!/^[0-9a-fA-F]{8}$/.test(opts.magic)) throw new CliError(`--magic "${opts.magic}" must be exactly 8 hex digits`);
    return hexToBytes(opts.magic);
  }
  return opts.network !== undefined ? getNetworkParams(opts.network).magic : undefined;
}

/** True when the content looks like JSON: its first byte after a UTF-8 byte-order mark and blanks is `{`. */
function looksLikeJson(bytes: Uint8Array): boolean {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x7b;
  }
  return false;
}

/** A codec error as one line naming the file: "PATH: Checksum mismatch, data corrupted (4210 bytes)". */
function fileError(path: string, err: PeersDatError | PeersJsonError): CliError {
  let msg = err.message;
  for (const name of [PEERS_DAT_FILE_NAME, PEERS_JSON_FILE_NAME]) if (msg.startsWith(`${name}: `)) msg = msg.slice(name.length + 2);
  return new CliError(`${path}: ${msg}`);
}

/** Reads peers.dat or peers.json at `path` (bounded), detecting the kind and the network. */
export async function loadTableFile(path: string, opts: TableFileOptions): Promise<LoadedTableFile> {
  const expected = expectedMagic(opts);
  const netgroups = opts.asmap !== undefined ? new NetGroupManager(loadAsmapFile(opts.asmap)) : new NetGroupManager();
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new CliError(`${path}: not a regular file`);
    if (info.size > MAX_ADDRMAN_INPUT_BYTES) throw new CliError(`${path}: ${info.size} bytes, more than the ${MAX_ADDRMAN_INPUT_BYTES}-byte limit`);
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${path}: ${fsErrorReason(err)}`);
  }
  const base = { clock: new SystemClock(), random: ChaChaRandom.secure(), netgroups };
  const datMagic = expected !== undefined && bytes.length >= 4 && bytesEqual(bytes.subarray(0, 4), expected);
  try {
    if (!datMagic && looksLikeJson(bytes)) {
      const doc = decodePeersJsonDocument(bytes, { ...base, magic: expected });
      return { addrman: doc.addrman, magic: doc.magic, format: 'json' };
    }
    let magic = expected;
    if (magic === undefined) {
      const head = bytes.subarray(0, 4);
      magic = KNOWN_MAGIC_NETWORKS.find((p) => bytesEqual(p.magic, head))?.magic;
      if (magic === undefined) {
        throw new CliError(
          `${path}: unknown network magic ${bytesToHex(head) || '(empty file)'} (not mainnet, testnet3, testnet4, signet or regtest); ` +
          'give --magic HEX or --network NAME',
        );
      }
    }
    const addrman = AddrMan.deserialize(bytes, magic, base);
    return { addrman, magic, format: bytes[4] };
  } catch (err) {
    if (err instanceof PeersDatError || err instanceof PeersJsonError) throw fileError(path, err);
    throw err;
  }
}

/** The `info` report of a loaded table. */
export function tableInfo(file: LoadedTableFile): AddrmanInfo {
  const m = file.addrman;
  const networks: AddrmanInfo['networks'] = {};
  for (const [name, net] of REPORTED_NETWORKS) networks[name] = { new: m.size({ network: net, inNew: true }), tried: m.size({ network: net, inNew: false }) };
  return { format: file.format, new: m.size({ inNew: true }), tried: m.size({ inNew: false }), total: m.size(), networks };
}

/**
 * The `dump` lines of a table: new entries (in the order of their first cell), then tried ones;
 * `network` is Core's `GetNetwork` (what `info` counts by: unroutable addresses are
 * "not_publicly_routable"). With
 * `buckets`, each line carries `bucket`/`position` — the tried cell, or for a new entry its first
 * reference in table order — and a new entry also `references`: every (bucket, position) it occupies,
 * as Core's getrawaddrman lists each.
 */
export function dumpLines(addrman: AddrMan, buckets: boolean): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const byEntry = new Map<string, { row: EntryPosition; refs: Array<{ bucket: number; position: number }> }>();
  for (const row of addrman.getEntries(false)) {
    const key = row.info.record.service.key;
    let item = byEntry.get(key);
    if (item === undefined) byEntry.set(key, (item = { row, refs: [] }));
    item.refs.push({ bucket: row.bucket, position: row.position });
  }
  const line = (row: EntryPosition, table: 'new' | 'tried'): Record<string, unknown> => {
    const i = row.info;
    return {
      address: i.record.service.addr.toString(),
      port: i.record.service.port,
      network: networkName(i.record.service.addr.getNetwork()),
      services: formatServiceFlags(i.record.services),
      time: i.record.time,
      source: i.source.toString(),
      lastSuccess: i.lastSuccess,
      attempts: i.attempts,
      table,
    };
  };
  for (const { row, refs } of byEntry.values()) {
    out.push(buckets ? { ...line(row, 'new'), bucket: row.bucket, position: row.position, references: refs } : line(row, 'new'));
  }
  for (const row of addrman.getEntries(true)) {
    out.push(buckets ? { ...line(row, 'tried'), bucket: row.bucket, position: row.position } : line(row, 'tried'));
  }
  return out;
}

/** Serialises a table in `format`; returns the bytes/text and how many entries the output keeps. */
export function convertTable(file: LoadedTableFile, format: (typeof CONVERT_FORMATS)[number]): { data: Uint8Array | string; entries: number } {
  const m = file.addrman;
  if (format === 'json') return { data: encodePeersJson(m, file.magic), entries: m.size() };
  if (format === '4') return { data: m.serialize(file.magic, { format: 4 }), entries: m.size() };
  // Format 3 keeps one entry per IP (pre-multiport Core), so count the distinct IPs.
  const ips = new Set<string>();
  for (const e of m.snapshot().entries) ips.add(e.record.service.addr.key);
  return { data: m.serialize(file.magic, { format: 3 }), entries: ips.size };
}

function addFileOptions(cmd: Command): Command {
  return cmd
    .option('--magic <hex>', 'expected network magic, 8 hex digits (default: detected from the file)')
    .option('--network <name>', 'expected network: main, test, testnet4, signet or regtest')
    .option('--asmap <file>', 'bucket as a node using this asmap file would')
    .option(...PRETTY_OPTION);
}

/** Adds `addrman info`, `addrman dump` and `addrman convert` to the program. */
export function registerAddrmanCommands(program: Command, io: CliIO = processIO): void {
  const addrman = program.command('addrman').description('inspect and convert address table files (peers.dat, peers.json)');
  addFileOptions(
    addrman
      .command('info')
      .description('print the file format and the entries per table and network as one JSON object')
      .argument('<file>', 'peers.dat (formats 0-4) or peers.json'),
  ).action(async (path: string, opts: TableFileOptions & { pretty?: boolean }) => {
    const file = await loadTableFile(path, opts);
    printJson(io, tableInfo(file), opts.pretty);
  });
  addFileOptions(
    addrman
      .command('dump')
      .description('print one JSON line per entry: address, port, network, services, time, source, lastSuccess, attempts, table')
      .argument('<file>', 'peers.dat (formats 0-4) or peers.json')
      .option('--buckets', 'add bucket and position computed with the file\'s key (new entries: first reference, plus "references" listing each)'),
  ).action(async (path: string, opts: TableFileOptions & { buckets?: boolean; pretty?: boolean }) => {
    const file = await loadTableFile(path, opts);
    io.out(dumpLines(file.addrman, opts.buckets === true).map((line) => jsonText(line, opts.pretty)).join(''));
  });
  addFileOptions(
    addrman
      .command('convert')
      .description('rewrite an address table file in another format (written atomically); prints a one-line JSON summary')
      .argument('<in>', 'peers.dat (formats 0-4) or peers.json')
      .argument('<out>', 'file to write')
      .option('--format <format>', 'output format: 4 (peers.dat for Bitcoin Core 23.0 and later), 3 (peers.dat for Bitcoin Core 0.21-22 and Litecoin Core 0.21, which cannot read 4; one entry per IP) or json', '4'),
  ).action(async (inPath: string, outPath: string, opts: TableFileOptions & { format: string; pretty?: boolean }) => {
    if (!(CONVERT_FORMATS as readonly string[]).includes(opts.format)) throw new CliError(`--format "${opts.format}" must be 3, 4 or json`);
    const format = opts.format as (typeof CONVERT_FORMATS)[number];
    const file = await loadTableFile(inPath, opts);
    const { data, entries } = convertTable(file, format);
    await writeFileAtomic(outPath, data);
    const total = file.addrman.size();
    printJson(io, { from: file.format, to: format === 'json' ? 'json' : Number(format), entries, omitted: total - entries }, opts.pretty);
  });
}
