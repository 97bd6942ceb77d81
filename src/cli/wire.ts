/**
 * `peerbook wire decode`: decodes one framed P2P message given as hex and prints it as one JSON line
 * (`--pretty`: indented) —
 * the header facts (network, command, sizes) and the decoded message (bigints as decimal strings,
 * bytes as hex, addresses as `host:port` strings).
 */
import type { Command } from 'commander';
import type { AddressRecord } from '../address/record.js';
import { bytesToHex, hexToBytes } from '../util/hex.js';
import { decodeSingleFrame, HEADER_SIZE } from '../wire/frame.js';
import { hashToDisplayHex, invTypeName } from '../wire/inventory.js';
import { decodeMessage, type Message } from '../wire/messages.js';
import { getNetworkParams, MAINNET, type NetworkParams } from '../wire/params.js';
import { serviceFlagNames } from '../wire/services.js';
import type { VersionAddress } from '../wire/version.js';
import { CliError, PRETTY_OPTION, printJson, processIO, type CliIO } from './io.js';

function addressJson(rec: AddressRecord): Record<string, unknown> {
  return {
    time: rec.time,
    services: rec.services.toString(),
    servicesnames: serviceFlagNames(rec.services),
    address: rec.service.toString(),
    network: rec.service.addr.networkType(),
  };
}

function versionAddressJson(a: VersionAddress): Record<string, unknown> {
  return { services: a.services.toString(), address: a.service.toString() };
}

/** A JSON-ready view of a decoded message: bigints as decimal strings, bytes as hex, addresses as strings. */
export function messageToJson(msg: Message): Record<string, unknown> {
  switch (msg.type) {
    case 'version':
      return {
        type: msg.type,
        version: msg.version,
        services: msg.services.toString(),
        servicesnames: serviceFlagNames(msg.services),
        timestamp: msg.timestamp.toString(),
        addrRecv: versionAddressJson(msg.addrRecv),
        addrFrom: versionAddressJson(msg.addrFrom),
        nonce: msg.nonce.toString(),
        userAgent: msg.userAgent,
        startHeight: msg.startHeight,
        ...(msg.relay !== undefined ? { relay: msg.relay } : {}),
      };
    case 'ping':
    case 'pong':
      return { type: msg.type, nonce: msg.nonce.toString() };
    case 'addr':
    case 'addrv2':
      return { type: msg.type, count: msg.addresses.length, addresses: msg.addresses.map(addressJson) };
    case 'inv':
    case 'getdata':
    case 'notfound':
      return {
        type: msg.type,
        count: msg.entries.length,
        // Hashes as Core prints a uint256 (byte-reversed), e.g. txids as block explorers show them.
        entries: msg.entries.map((e) => ({ type: e.type, typeName: invTypeName(e.type) ?? null, hash: hashToDisplayHex(e.hash) })),
      };
    case 'sendcmpct':
      return { type: msg.type, announce: msg.announce, version: msg.version.toString() };
    case 'feefilter':
      return { type: msg.type, feeRate: msg.feeRate.toString() };
    case 'unknown':
      return { type: msg.type, command: msg.command, payload: bytesToHex(msg.payload) };
    default:
      return { type: msg.type };
  }
}

/** The network a frame is decoded for: a name for the report and the magic to expect. */
export interface WireNetwork {
  /** Chain name, or "custom" for --magic. */
  name: string;
  /** Expected 4-byte magic. */
  magic: Uint8Array;
}

function networkFor(opts: { network?: string; magic?: string }): WireNetwork {
  if (opts.network !== undefined && opts.magic !== undefined) {
    throw new CliError('give either --network NAME or --magic HEX, not both');
  }
  if (opts.magic !== undefined) {
    if (!/^[0-9a-fA-F]{8}$/.test(opts.magic)) throw new CliError(`--magic "${opts.magic}" must be exactly 8 hex digits`);
    return { name: 'custom', magic: hexToBytes(opts.magic) };
  }
  const params: NetworkParams = opts.network !== undefined ? getNetworkParams(opts.network) : MAINNET;
  return { name: params.name, magic: params.magic };
}

/** Decodes one hex-encoded frame for `params` into the JSON report `wire decode` prints. */
export function decodeFrameReport(hex: string, params: WireNetwork): Record<string, unknown> {
  const text = hex.replace(/\s+/g, '');
  const frame = decodeSingleFrame(params.magic, hexToBytes(text));
  const message = decodeMessage(frame.command, frame.payload);
  return {
    network: params.name,
    magic: bytesToHex(params.magic),
    command: frame.command,
    payloadSize: frame.rawSize - HEADER_SIZE,
    rawSize: frame.rawSize,
    message: messageToJson(message),
  };
}

/** Adds `wire decode` to the program. */
export function registerWireCommands(program: Command, io: CliIO = processIO): void {
  const wire = program.command('wire').description('decode P2P wire messages');
  wire
    .command('decode')
    .description('decode one framed message (hex of header and payload) and print it as JSON')
    .argument('<hex>', 'the whole frame as hex: magic, command, length, checksum, payload')
    .option('--network <name>', 'main (default), test, testnet4, signet or regtest')
    .option('--magic <hex>', 'custom network magic, 8 hex digits (e.g. fabfb5da)')
    .option(...PRETTY_OPTION)
    .action((hex: string, opts: { network?: string; magic?: string; pretty?: boolean }) => {
      const report = decodeFrameReport(hex, networkFor(opts));
      printJson(io, report, opts.pretty);
    });
}
