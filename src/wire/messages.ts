/**
 * Message codecs: the payloads Peerbook understands, as a discriminated union on `type`, with
 * `encodeMessage` and `decodeMessage`. Anything else passes through untouched as
 * `{ type: 'unknown', command, payload }`, so a peer can still relay or log it.
 *
 * Decoding follows Core's `ProcessMessage` reads: truncated fields and malformed addresses are
 * `MessageDecodeError`s, vectors above Core's limits (MAX_ADDR_TO_SEND for addr/addrv2,
 * MAX_INV_SZ for inv/getdata/notfound) are rejected before their entries are read, and bytes left
 * after the last field are ignored — Core never checks that a payload was consumed, so neither do we.
 */
import { readRecordV1, readRecordV2, writeRecordV1, writeRecordV2, type AddressRecord } from '../address/record.js';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { ArgumentError, DecodeError, PeerbookError } from '../util/errors.js';
import { MessageDecodeError } from './errors.js';
import { encodeCommand, encodeFrame } from './frame.js';
import { INV_HASH_SIZE, type InvEntry } from './inventory.js';
import { decodeVersion, encodeVersion, type VersionMessage } from './version.js';

/** Core net_processing.cpp MAX_ADDR_TO_SEND: most entries an addr/addrv2 message may carry. */
export const MAX_ADDR_TO_SEND = 1000;
/** Core net_processing.cpp MAX_INV_SZ: most entries an inv/getdata (and, here, notfound) message may carry. */
export const MAX_INV_SZ = 50_000;

/** Command strings of the messages with a codec here (named as Core's `NetMsgType`). */
export const NetMsgType = {
  VERSION: 'version',
  VERACK: 'verack',
  PING: 'ping',
  PONG: 'pong',
  ADDR: 'addr',
  ADDRV2: 'addrv2',
  SENDADDRV2: 'sendaddrv2',
  GETADDR: 'getaddr',
  INV: 'inv',
  GETDATA: 'getdata',
  NOTFOUND: 'notfound',
  WTXIDRELAY: 'wtxidrelay',
  SENDHEADERS: 'sendheaders',
  SENDCMPCT: 'sendcmpct',
  FEEFILTER: 'feefilter',
} as const;

/** A command with a codec here. */
export type KnownCommand = (typeof NetMsgType)[keyof typeof NetMsgType];

/** Messages without payload: verack, sendaddrv2 (BIP155), getaddr, wtxidrelay (BIP339), sendheaders (BIP130). */
export interface EmptyMessage {
  /** Discriminant. */
  type: 'verack' | 'sendaddrv2' | 'getaddr' | 'wtxidrelay' | 'sendheaders';
}

/** `ping` / `pong` (BIP31): a 64-bit nonce echoed back. */
export interface PingMessage {
  /** Discriminant. */
  type: 'ping' | 'pong';
  /** The nonce (uint64). */
  nonce: bigint;
}

/** `addr` (v1 records) or `addrv2` (BIP155 records): gossiped addresses, at most MAX_ADDR_TO_SEND. */
export interface AddrMessage {
  /** Discriminant: `addr` carries 16-byte addresses, `addrv2` every BIP155 network. */
  type: 'addr' | 'addrv2';
  /** The records, in wire order. */
  addresses: AddressRecord[];
}

/** `inv`, `getdata`, `notfound`: inventory vectors, at most MAX_INV_SZ entries. */
export interface InventoryMessage {
  /** Discriminant. */
  type: 'inv' | 'getdata' | 'notfound';
  /** The entries, in wire order. */
  entries: InvEntry[];
}

/** `sendcmpct` (BIP152): whether to announce blocks with cmpctblock, and the compact-block version. */
export interface SendCmpctMessage {
  /** Discriminant. */
  type: 'sendcmpct';
  /** High-bandwidth mode requested (bool; any non-zero byte decodes as true). */
  announce: boolean;
  /** Compact block version (uint64; Core uses 2). */
  version: bigint;
}

/** `feefilter` (BIP133): minimum fee rate for transaction announcements. */
export interface FeeFilterMessage {
  /** Discriminant. */
  type: 'feefilter';
  /** Fee rate in satoshis per 1000 virtual bytes (int64, Core `CAmount`). */
  feeRate: bigint;
}

/** A message without a codec here, kept as raw bytes. */
export interface UnknownMessage {
  /** Discriminant. */
  type: 'unknown';
  /** Its command string. */
  command: string;
  /** Its payload, unparsed. */
  payload: Uint8Array;
}

/** Every message `decodeMessage` can return and `encodeMessage` can write. */
export type Message =
  | VersionMessage
  | EmptyMessage
  | PingMessage
  | AddrMessage
  | InventoryMessage
  | SendCmpctMessage
  | FeeFilterMessage
  | UnknownMessage;

/** A message ready for framing. */
export interface EncodedMessage {
  /** Command string (≤ 12 printable ASCII characters). */
  command: string;
  /** Payload bytes. */
  payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const KNOWN: ReadonlySet<string> = new Set(Object.values(NetMsgType));

function checkU64(v: bigint, what: string): void {
  if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n) throw new ArgumentError(`${what} must be a uint64 bigint, got ${String(v)}`);
}

function checkCount(n: number, max: number, command: string, what: string): void {
  if (n > max) throw new ArgumentError(`${command} message with ${n} ${what} exceeds the limit of ${max}`);
}

function encodeAddresses(type: 'addr' | 'addrv2', addresses: readonly AddressRecord[]): Uint8Array {
  checkCount(addresses.length, MAX_ADDR_TO_SEND, type, 'addresses');
  const w = new ByteWriter(addresses.length * (type === 'addr' ? 30 : 40) + 3);
  w.compactSize(addresses.length);
  addresses.forEach((rec, i) => {
    if (!Number.isInteger(rec.time) || rec.time < 0 || rec.time > 0xffffffff) {
      throw new ArgumentError(`${type} entry ${i}: time ${rec.time} is not a uint32`);
    }
    checkU64(rec.services, `${type} entry ${i} services`);
    if (type === 'addr') {
      if (!rec.service.addr.isAddrV1Compatible()) {
        throw new ArgumentError(`addr entry ${i}: ${rec.service.toString()} has no 16-byte form; send it in addrv2`);
      }
      writeRecordV1(w, rec);
    } else {
      writeRecordV2(w, rec);
    }
  });
  return w.toBytes();
}

function encodeInventory(type: InventoryMessage['type'], entries: readonly InvEntry[]): Uint8Array {
  checkCount(entries.length, MAX_INV_SZ, type, 'entries');
  const w = new ByteWriter(entries.length * 36 + 5);
  w.compactSize(entries.length);
  entries.forEach((e, i) => {
    if (!Number.isInteger(e.type) || e.type < 0 || e.type > 0xffffffff) throw new ArgumentError(`${type} entry ${i}: type ${e.type} is not a uint32`);
    if (!(e.hash instanceof Uint8Array) || e.hash.length !== INV_HASH_SIZE) {
      throw new ArgumentError(`${type} entry ${i}: hash must be ${INV_HASH_SIZE} bytes`);
    }
    w.u32le(e.type).bytes(e.hash);
  });
  return w.toBytes();
}

/** Encodes a message as one v1 frame (magic, command, length, checksum, payload): what scripted peers in tests and the simulator write. */
export function encodeMessageFrame(magic: Uint8Array, msg: Message): Uint8Array {
  const { command, payload } = encodeMessage(msg);
  return encodeFrame(magic, command, payload);
}

/** Encodes a message into its command and payload; throws ArgumentError for values the wire cannot carry or Core would reject. */
export function encodeMessage(msg: Message): EncodedMessage {
  switch (msg.type) {
    case 'version':
      return { command: msg.type, payload: encodeVersion(msg) };
    case 'verack':
    case 'sendaddrv2':
    case 'getaddr':
    case 'wtxidrelay':
    case 'sendheaders':
      return { command: msg.type, payload: EMPTY };
    case 'ping':
    case 'pong':
      checkU64(msg.nonce, `${msg.type} nonce`);
      return { command: msg.type, payload: new ByteWriter(8).u64le(msg.nonce).toBytes() };
    case 'addr':
    case 'addrv2':
      return { command: msg.type, payload: encodeAddresses(msg.type, msg.addresses) };
    case 'inv':
    case 'getdata':
    case 'notfound':
      return { command: msg.type, payload: encodeInventory(msg.type, msg.entries) };
    case 'sendcmpct':
      checkU64(msg.version, 'sendcmpct version');
      return { command: msg.type, payload: new ByteWriter(9).u8(msg.announce ? 1 : 0).u64le(msg.version).toBytes() };
    case 'feefilter':
      if (typeof msg.feeRate !== 'bigint' || msg.feeRate < -(1n << 63n) || msg.feeRate >= 1n << 63n) {
        throw new ArgumentError(`feefilter feeRate must be an int64 bigint, got ${String(msg.feeRate)}`);
      }
      return { command: msg.type, payload: new ByteWriter(8).i64le(msg.feeRate).toBytes() };
    case 'unknown':
      encodeCommand(msg.command); // validates
      return { command: msg.command, payload: msg.payload };
    default: {
      const never: never = msg;
      throw new ArgumentError(`unsupported message type ${String((never as { type?: unknown }).type)}`);
    }
  }
}

function readCount(r: ByteReader, command: string, max: number, what: string): number {
  const n = r.compactSize();
  if (n > max) {
    throw new MessageDecodeError(command, 'too-many-entries', `${n} ${what}, more than the limit of ${max}`);
  }
  return n;
}

function decodeKnown(command: KnownCommand, r: ByteReader): Message {
  switch (command) {
    case 'version':
      return decodeVersion(r);
    case 'verack':
    case 'sendaddrv2':
    case 'getaddr':
    case 'wtxidrelay':
    case 'sendheaders':
      return { type: command };
    case 'ping':
    case 'pong':
      return { type: command, nonce: r.u64le() };
    case 'addr':
    case 'addrv2': {
      const n = readCount(r, command, MAX_ADDR_TO_SEND, 'addresses');
      const read = command === 'addr' ? readRecordV1 : readRecordV2;
      const addresses: AddressRecord[] = [];
      for (let i = 0; i < n; i++) addresses.push(read(r));
      return { type: command, addresses };
    }
    case 'inv':
    case 'getdata':
    case 'notfound': {
      const n = readCount(r, command, MAX_INV_SZ, 'entries');
      const entries: InvEntry[] = [];
      for (let i = 0; i < n; i++) entries.push({ type: r.u32le(), hash: r.bytes(INV_HASH_SIZE) });
      return { type: command, entries };
    }
    case 'sendcmpct':
      return { type: command, announce: r.u8() !== 0, version: r.u64le() };
    case 'feefilter':
      return { type: command, feeRate: r.i64le() };
  }
}

/**
 * Decodes a payload by its command. Known commands give their typed message; others give
 * `{ type: 'unknown', command, payload }` (the payload is not copied). Malformed payloads throw
 * `MessageDecodeError` naming the command — never any other error.
 */
export function decodeMessage(command: string, payload: Uint8Array): Message {
  if (!KNOWN.has(command)) return { type: 'unknown', command, payload };
  const r = new ByteReader(payload);
  try {
    return decodeKnown(command as KnownCommand, r);
  } catch (e) {
    if (e instanceof MessageDecodeError) throw e;
    if (e instanceof DecodeError || e instanceof PeerbookError) {
      throw new MessageDecodeError(command, 'malformed', `${e.message} (payload ${payload.length} bytes)`, { cause: e });
    }
    throw e;
  }
}
