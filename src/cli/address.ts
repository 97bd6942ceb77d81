/**
 * `peerbook address inspect|decode`: what Core thinks of an address — its network, validity,
 * routability, network group and both wire encodings — as one JSON line (`--pretty`: indented).
 * `v1` is null for addresses that have no 16-byte legacy form (Tor v3, I2P, CJDNS: Core writes them as
 * sixteen zero bytes in V1 serialisation, which is not an encoding of the address).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Asmap } from '../address/asmap.js';
import { NetAddress } from '../address/netaddress.js';
import { NetGroupManager } from '../address/netgroup.js';
import { NetService } from '../address/service.js';
import { ByteReader } from '../util/bytes.js';
import { DecodeError, fsErrorReason } from '../util/errors.js';
import { bytesToHex, hexToBytes } from '../util/hex.js';
import { CliError, PRETTY_OPTION, printJson, type CliIO } from './io.js';

/** The JSON printed for one address. */
export interface AddressReport {
  address: string;
  port?: number;
  network: string;
  valid: boolean;
  routable: boolean;
  group: string;
  /** The 16-byte legacy encoding, hex; null when the address has none (Tor v3, I2P, CJDNS). */
  v1: string | null;
  v2: string;
  asn?: number;
}

/** Builds the report for `addr` (with `port` if the input named one). */
export function describeAddress(addr: NetAddress, groups: NetGroupManager, port?: number): AddressReport {
  const report: AddressReport = {
    address: addr.toString(),
    ...(port !== undefined ? { port } : {}),
    network: addr.networkType(),
    valid: addr.isValid(),
    routable: addr.isRoutable(),
    group: bytesToHex(groups.getGroup(addr)),
    v1: addr.isTor() || addr.isI2P() || addr.isCJDNS() ? null : bytesToHex(addr.toV1()),
    v2: bytesToHex(addr.toV2()),
  };
  if (groups.asmap) report.asn = groups.getMappedAS(addr);
  return report;
}

/** Reads an asmap file for the CLI; a missing or malformed file is a CliError. */
export function loadAsmapFile(path: string): Asmap {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CliError(`cannot read asmap file ${path}: ${fsErrorReason(e)}`);
  }
  return Asmap.fromBytes(bytes);
}

function groupsFor(asmapPath: string | undefined): NetGroupManager {
  return new NetGroupManager(asmapPath ? loadAsmapFile(asmapPath) : undefined);
}

function parseInput(text: string): { addr: NetAddress; port?: number } {
  const hasPort = /^\[.*\]:\d+$/.test(text) || (/:\d+$/.test(text) && text.indexOf(':') === text.lastIndexOf(':'));
  if (hasPort) {
    const service = NetService.parse(text);
    return { addr: service.addr, port: service.port };
  }
  return { addr: NetAddress.parse(text) };
}

function decodeExact(hex: string, read: (r: ByteReader) => NetAddress, what: string): NetAddress {
  const r = new ByteReader(hexToBytes(hex));
  const addr = read(r);
  if (!r.done) throw new DecodeError(`${r.remaining} trailing bytes after the ${what} address`);
  return addr;
}

/** Adds `address inspect` and `address decode` to the program. */
export function registerAddressCommands(program: Command, io: CliIO): void {
  const address = program.command('address').description('inspect and decode network addresses');
  address
    .command('inspect')
    .description('print network, validity, routability, group and encodings of an address as JSON')
    .argument('<address>', 'IPv4, IPv6, Tor v3 .onion, I2P .b32.i2p, CJDNS or .internal, optionally with :port')
    .option('--asmap <file>', 'group by autonomous system using this asmap file (adds "asn")')
    .option(...PRETTY_OPTION)
    .action((text: string, opts: { asmap?: string; pretty?: boolean }) => {
      const groups = groupsFor(opts.asmap);
      const { addr, port } = parseInput(text);
      printJson(io, describeAddress(addr, groups, port), opts.pretty);
    });
  address
    .command('decode')
    .description('decode a v1 (16-byte) or v2 (BIP155) address encoding and print it as JSON')
    .option('--v1 <hex>', '16-byte legacy address, hex')
    .option('--v2 <hex>', 'BIP155 address (network id, length, bytes), hex')
    .option('--asmap <file>', 'group by autonomous system using this asmap file (adds "asn")')
    .option(...PRETTY_OPTION)
    .action((opts: { v1?: string; v2?: string; asmap?: string; pretty?: boolean }) => {
      if ((opts.v1 === undefined) === (opts.v2 === undefined)) throw new CliError('address decode needs exactly one of --v1 HEX or --v2 HEX');
      const groups = groupsFor(opts.asmap);
      const addr = opts.v1 !== undefined
        ? decodeExact(opts.v1, (r) => NetAddress.readV1(r), 'v1')
        : decodeExact(opts.v2!, (r) => NetAddress.readV2(r), 'v2');
      printJson(io, describeAddress(addr, groups), opts.pretty);
    });
}
