/**
 * The `version` message: the first message on every connection, carrying the sender's protocol
 * version, services, clock, its view of our address, a nonce (self-connection detection), its user
 * agent, best height and whether it wants transactions relayed. Parsed the way Core's
 * net_processing.cpp `ProcessMessage(VERSION)` reads it; built the way `PushNodeVersion` writes it.
 */
import { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { ArgumentError } from '../util/errors.js';
import { MessageDecodeError } from './errors.js';

/** Core node/protocol_version.h PROTOCOL_VERSION: the version we speak. */
export const PROTOCOL_VERSION = 70016;
/** Core INIT_PROTO_VERSION: version used for the handshake messages themselves. */
export const INIT_PROTO_VERSION = 209;
/** Core MIN_PEER_PROTO_VERSION: peers below this are disconnected after their version. */
export const MIN_PEER_PROTO_VERSION = 31800;
/** Core SENDHEADERS_VERSION (BIP130): sendheaders is sent to peers at or above this version. */
export const SENDHEADERS_VERSION = 70012;
/** Core FEEFILTER_VERSION (BIP133). */
export const FEEFILTER_VERSION = 70013;
/** Core SHORT_IDS_BLOCKS_VERSION (BIP152): sendcmpct. */
export const SHORT_IDS_BLOCKS_VERSION = 70014;
/** Core WTXID_RELAY_VERSION (BIP339); also the threshold for sending sendaddrv2. */
export const WTXID_RELAY_VERSION = 70016;
/** Core net.h MAX_SUBVERSION_LENGTH: the longest user agent accepted, bytes. */
export const MAX_SUBVERSION_LENGTH = 256;
/** Bytes of a version-message address (services u64 + 16-byte v1 address + port). */
export const VERSION_ADDRESS_SIZE = 26;

/** An address inside `version`: a Core `CAddress` without time (services, v1 address, port BE). */
export interface VersionAddress {
  /** Services claimed for that address (Core ignores them on receipt). */
  services: bigint;
  /** Address and port; non-v1 networks (Tor v3, I2P, CJDNS) travel as 16 zero bytes. */
  service: NetService;
}

/**
 * `version` message. Fields after `addrRecv` are optional on the wire (old peers stop early); a
 * truncated message decodes with Core's defaults for what is missing — `addrFrom` all-zero,
 * `nonce` 1, `userAgent` '', `startHeight` -1 — and `relay` stays undefined (Core then assumes true).
 */
export interface VersionMessage {
  /** Discriminant. */
  type: 'version';
  /** Sender's protocol version (int32). */
  version: number;
  /** Sender's service flags (uint64). */
  services: bigint;
  /** Sender's clock, Unix seconds (int64; Core clamps negatives to 0 when using it). */
  timestamp: bigint;
  /** How the sender sees us ("addrMe" to the receiver). */
  addrRecv: VersionAddress;
  /** The sender's own address; Core always sends all zeros. */
  addrFrom: VersionAddress;
  /** Random per-connection nonce (uint64). */
  nonce: bigint;
  /** User agent (BIP14), at most MAX_SUBVERSION_LENGTH bytes of UTF-8; shown sanitised (Core cleanSubVer). */
  userAgent: string;
  /**
   * The user agent's bytes exactly as received, set by `decodeVersion` only when they are not valid
   * UTF-8 (then `userAgent` holds them with U+FFFD replacements). `encodeVersion` writes these bytes
   * when present, so a decoded message re-encodes to the same payload, as Core keeps the raw string.
   */
  userAgentBytes?: Uint8Array;
  /** Sender's best block height (int32). */
  startHeight: number;
  /** BIP37 relay flag; undefined when absent from the payload (Core: true). */
  relay?: boolean;
}

/** The all-zero version address Core sends as `addrFrom` (and decodes when absent). */
export function zeroVersionAddress(): VersionAddress {
  return { services: 0n, service: new NetService(NetAddress.invalid(), 0) };
}

function writeVersionAddress(w: ByteWriter, a: VersionAddress): void {
  w.u64le(a.services);
  a.service.writeV1(w);
}

function readVersionAddress(r: ByteReader): VersionAddress {
  const services = r.u64le();
  return { services, service: NetService.readV1(r) };
}

/** Decodes UTF-8 or throws (never substitutes U+FFFD), and keeps a leading BOM as text. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

function checkI32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < I32_MIN || v > I32_MAX) throw new ArgumentError(`version ${what} must be an int32, got ${v}`);
}

function checkU64(v: bigint, what: string): void {
  if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n) throw new ArgumentError(`version ${what} must be a uint64 bigint, got ${String(v)}`);
}

/** Encodes a `version` payload: every field, `relay` only when defined (Core always sends it). */
export function encodeVersion(msg: VersionMessage): Uint8Array {
  checkI32(msg.version, 'version');
  checkI32(msg.startHeight, 'startHeight');
  checkU64(msg.services, 'services');
  checkU64(msg.nonce, 'nonce');
  checkU64(msg.addrRecv.services, 'addrRecv.services');
  checkU64(msg.addrFrom.services, 'addrFrom.services');
  if (typeof msg.timestamp !== 'bigint' || msg.timestamp < -(1n << 63n) || msg.timestamp >= 1n << 63n) {
    throw new ArgumentError(`version timestamp must be an int64 bigint, got ${String(msg.timestamp)}`);
  }
  const ua = msg.userAgentBytes ?? Buffer.from(msg.userAgent, 'utf8');
  if (ua.length > MAX_SUBVERSION_LENGTH) {
    throw new ArgumentError(`user agent is ${ua.length} bytes, more than MAX_SUBVERSION_LENGTH ${MAX_SUBVERSION_LENGTH}`);
  }
  const w = new ByteWriter(120);
  w.i32le(msg.version).u64le(msg.services).i64le(msg.timestamp);
  writeVersionAddress(w, msg.addrRecv);
  writeVersionAddress(w, msg.addrFrom);
  w.u64le(msg.nonce).varBytes(ua).i32le(msg.startHeight);
  if (msg.relay !== undefined) w.u8(msg.relay ? 1 : 0);
  return w.toBytes();
}

/**
 * Decodes a `version` payload like Core: version, services, time and addrMe are mandatory; then,
 * each only if bytes remain, addrFrom+nonce (together), user agent (≤ 256 bytes, else
 * `user-agent-too-long`), start height, relay (any non-zero byte is true). Bytes after relay are ignored.
 */
export function decodeVersion(r: ByteReader): VersionMessage {
  const version = r.i32le();
  const services = r.u64le();
  const timestamp = r.i64le();
  const addrRecv = readVersionAddress(r);
  const msg: VersionMessage = {
    type: 'version', version, services, timestamp, addrRecv,
    addrFrom: zeroVersionAddress(), nonce: 1n, userAgent: '', startHeight: -1,
  };
  if (r.done) return msg;
  msg.addrFrom = readVersionAddress(r);
  msg.nonce = r.u64le();
  if (r.done) return msg;
  const uaLength = r.compactSize();
  if (uaLength > MAX_SUBVERSION_LENGTH) {
    // Core LIMITED_STRING: "String length limit exceeded".
    throw new MessageDecodeError('version', 'user-agent-too-long',
      `user agent length ${uaLength} exceeds MAX_SUBVERSION_LENGTH ${MAX_SUBVERSION_LENGTH}`);
  }
  const uaBytes = r.bytes(uaLength);
  try {
    msg.userAgent = STRICT_UTF8.decode(uaBytes);
  } catch {
    // Not UTF-8: keep the exact bytes (Core keeps the raw string and sanitises only for display).
    msg.userAgent = Buffer.from(uaBytes).toString('utf8');
    msg.userAgentBytes = Uint8Array.from(uaBytes);
  }
  if (r.done) return msg;
  msg.startHeight = r.i32le();
  if (r.done) return msg;
  msg.relay = r.u8() !== 0;
  return msg;
}
