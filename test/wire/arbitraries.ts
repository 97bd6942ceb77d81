/** fast-check generators and comparison helpers for wire messages (shared by the wire tests). */
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import type { AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import { bytesToHex } from '../../src/util/hex.js';
import type { Message } from '../../src/wire/messages.js';
import type { VersionAddress } from '../../src/wire/version.js';

const PREFIXES_REMAPPED_ON_DECODE = [
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], // IPv4-mapped
  [0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43], // Tor v2 OnionCat
  [0xfd, 0x6b, 0x88, 0xc0, 0x87, 0x24], // Core internal
];

function remappedOnDecode(b: Uint8Array): boolean {
  return PREFIXES_REMAPPED_ON_DECODE.some((p) => p.every((x, i) => b[i] === x));
}

const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

/** IPv4, IPv6 (excluding prefixes that decode to another network) and internal addresses: the v1-compatible ones. */
export const v1Address: fc.Arbitrary<NetAddress> = fc.oneof(
  bytes(4).map((b) => NetAddress.ipv4(b)),
  bytes(16).filter((b) => !remappedOnDecode(b)).map((b) => NetAddress.ipv6(b)),
  fc.string({ minLength: 1, maxLength: 8 }).map((s) => NetAddress.internal(s)),
);

/** Every network BIP155 can carry. */
export const anyAddress: fc.Arbitrary<NetAddress> = fc.oneof(
  v1Address,
  bytes(32).map((b) => NetAddress.torV3(b)),
  bytes(32).map((b) => NetAddress.i2p(b)),
  bytes(16).map((b) => NetAddress.cjdns(b)),
);

/** A service on a v1-compatible or any network. */
export const service = (addr: fc.Arbitrary<NetAddress>): fc.Arbitrary<NetService> =>
  fc.tuple(addr, fc.integer({ min: 0, max: 0xffff })).map(([a, p]) => new NetService(a, p));

/** An address record on the given address arbitrary. */
export const record = (addr: fc.Arbitrary<NetAddress>): fc.Arbitrary<AddressRecord> =>
  fc.record({ service: service(addr), services: u64, time: fc.integer({ min: 0, max: 0xffffffff }) });

const versionAddress: fc.Arbitrary<VersionAddress> = fc.record({ services: u64, service: service(v1Address) });

const asciiString = (maxLength: number): fc.Arbitrary<string> => fc.string({ maxLength, unit: 'binary-ascii' });

/** Every message type with a codec, with values the wire can carry exactly. */
export const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    type: fc.constant('version' as const),
    version: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    services: u64,
    timestamp: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    addrRecv: versionAddress,
    addrFrom: versionAddress,
    nonce: u64,
    userAgent: asciiString(256),
    startHeight: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    relay: fc.option(fc.boolean(), { nil: undefined }),
  }, { requiredKeys: ['type', 'version', 'services', 'timestamp', 'addrRecv', 'addrFrom', 'nonce', 'userAgent', 'startHeight'] }),
  fc.constantFrom('verack', 'sendaddrv2', 'getaddr', 'wtxidrelay', 'sendheaders').map((type) => ({ type }) as Message),
  fc.record({ type: fc.constantFrom('ping' as const, 'pong' as const), nonce: u64 }),
  fc.record({ type: fc.constant('addr' as const), addresses: fc.array(record(v1Address), { maxLength: 20 }) }),
  fc.record({ type: fc.constant('addrv2' as const), addresses: fc.array(record(anyAddress), { maxLength: 20 }) }),
  fc.record({
    type: fc.constantFrom('inv' as const, 'getdata' as const, 'notfound' as const),
    entries: fc.array(fc.record({ type: fc.integer({ min: 0, max: 0xffffffff }), hash: bytes(32) }), { maxLength: 20 }),
  }),
  fc.record({ type: fc.constant('sendcmpct' as const), announce: fc.boolean(), version: u64 }),
  fc.record({ type: fc.constant('feefilter' as const), feeRate: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }) }),
  fc.record({
    type: fc.constant('unknown' as const),
    command: fc.constantFrom('tx', 'block', 'headers', 'mempool', 'x'),
    payload: fc.uint8Array({ maxLength: 64 }),
  }),
);

function canonService(s: NetService): string {
  return `${s.addr.net}/${bytesToHex(s.addr.bytes)}:${s.port}`;
}

/** A plain, comparable form of a message (class instances flattened, bytes as hex, bigints as strings). */
export function canon(msg: Message): unknown {
  return JSON.parse(JSON.stringify(msg, (_k, v: unknown) => {
    if (v instanceof NetService) return canonService(v);
    if (v instanceof Uint8Array) return bytesToHex(v);
    if (typeof v === 'bigint') return `${v}n`;
    return v;
  }));
}
