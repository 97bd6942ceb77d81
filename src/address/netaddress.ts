/**
 * `NetAddress`: one network address of any BIP155 network, with Bitcoin Core's semantics
 * (netaddress.h/.cpp): the same byte layouts, the same v1 (16-byte) and v2 (BIP155) encodings, the same
 * RFC range predicates and the same answers to "valid?", "routable?" and "which network?".
 *
 * An address is a network id (Core's `m_net`) and its raw bytes (`m_addr`): 4 for IPv4, 16 for IPv6
 * and CJDNS, 32 for Tor v3 (the ed25519 key) and I2P (the destination hash), 10 for Core's
 * `internal` pseudo-addresses (a SHA-256 prefix of a name, used as the "source" of seed addresses).
 * Anything Core reads but refuses (Tor v2, IPv4 embedded in a v2 IPv6 record, unknown BIP155 ids)
 * becomes the invalid address `::`, exactly as Core does, so a stream of addresses stays aligned.
 */
import { base32nopad } from '@scure/base';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { DecodeError, ParseError } from '../util/errors.js';
import { sha256, sha3_256 } from '../util/hash.js';
import { Net, type NetId, type AddressNetwork } from './network.js';

/** Address sizes in bytes per network (Core ADDR_*_SIZE). */
export const ADDR_IPV4_SIZE = 4;
export const ADDR_IPV6_SIZE = 16;
export const ADDR_TORV2_SIZE = 10;
export const ADDR_TORV3_SIZE = 32;
export const ADDR_I2P_SIZE = 32;
export const ADDR_CJDNS_SIZE = 16;
export const ADDR_INTERNAL_SIZE = 10;
/** BIP155 MAX_ADDRV2_SIZE: longer address payloads are a protocol violation. */
export const MAX_ADDRV2_SIZE = 512;

/** BIP155 network ids (Core `BIP155Network`). */
export const Bip155Net = { IPV4: 1, IPV6: 2, TORV2: 3, TORV3: 4, I2P: 5, CJDNS: 6 } as const;

/** ::ffff:0:0/96, IPv4-mapped IPv6 (the v1 form of an IPv4 address). */
export const IPV4_IN_IPV6_PREFIX = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff);
/** fd87:d87e:eb43::/48, OnionCat prefix Tor v2 used in the v1 form. */
export const TORV2_IN_IPV6_PREFIX = Uint8Array.of(0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43);
/** fd6b:88c0:8724::/48 = 0xfd + sha256("bitcoin")[0:5]: Core's internal addresses in v1 form. */
export const INTERNAL_IN_IPV6_PREFIX = Uint8Array.of(0xfd, 0x6b, 0x88, 0xc0, 0x87, 0x24);

const TORV3_VERSION = 3;
const TORV3_CHECKSUM_PREFIX = Buffer.from('.onion checksum', 'ascii');
const I2P_B32_LENGTH = 52;

/** Raw address sizes by network id (`m_addr`); UNROUTABLE owns none. */
const POOLED_SIZES: readonly number[] = [0, ADDR_IPV4_SIZE, ADDR_IPV6_SIZE, ADDR_TORV3_SIZE, ADDR_I2P_SIZE, ADDR_CJDNS_SIZE, ADDR_INTERNAL_SIZE];

const BIP155_NAMES: Record<number, string> = { 1: 'IPv4', 2: 'IPv6', 3: 'TORv2', 4: 'TORv3', 5: 'I2P', 6: 'CJDNS' };
const BIP155_SIZES: Record<number, number> = { 1: 4, 2: 16, 3: 10, 4: 32, 5: 32, 6: 16 };

/** Core's reachability classes (`GetReachabilityFrom`), higher is better. */
export const Reach = {
  UNREACHABLE: 0,
  DEFAULT: 1,
  TEREDO: 2,
  IPV6_WEAK: 3,
  IPV4: 4,
  IPV6_STRONG: 5,
  PRIVATE: 6,
} as const;

const PREFIX_RFC3849 = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8);
const PREFIX_RFC9637 = Uint8Array.of(0x3f, 0xff);
const PREFIX_RFC3964 = Uint8Array.of(0x20, 0x02);
const PREFIX_RFC6052 = Uint8Array.of(0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0);
const PREFIX_RFC4380 = Uint8Array.of(0x20, 0x01, 0x00, 0x00);
const PREFIX_RFC4862 = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0);
const PREFIX_RFC6145 = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0);
const PREFIX_RFC4843_7343 = Uint8Array.of(0x20, 0x01, 0x00);
const PREFIX_HENET = Uint8Array.of(0x20, 0x01, 0x04, 0x70);

function isAllZero(bytes: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (bytes[i] !== 0) return false;
  return true;
}

function hasPrefix(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function readBE32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

function torV3Checksum(pubkey: Uint8Array): Uint8Array {
  const data = new Uint8Array(TORV3_CHECKSUM_PREFIX.length + 33);
  data.set(TORV3_CHECKSUM_PREFIX, 0);
  data.set(pubkey, TORV3_CHECKSUM_PREFIX.length);
  data[data.length - 1] = TORV3_VERSION;
  return sha3_256(data).subarray(0, 2);
}

/** Options for parsing address strings. */
export interface ParseAddressOptions {
  /**
   * Read fc00::/8 IPv6 strings as CJDNS addresses (Core does with `-cjdnsreachable`). Default true:
   * such addresses are almost always CJDNS in practice, and BIP155 gives CJDNS its own id.
   */
  cjdns?: boolean;
}

/** An immutable network address (Core `CNetAddr`). */
export class NetAddress {
  /** The address's own network (Core `m_net`): never UNROUTABLE. */
  readonly net: NetId;
  /** Raw address bytes (Core `m_addr`); do not mutate. */
  readonly bytes: Uint8Array;
  /** IPv6 zone index (e.g. `fe80::1%2`), 0 when absent; not part of any encoding. */
  readonly scopeId: number;
  private cachedKey: string | undefined;
  private routable: boolean | undefined;

  private constructor(net: NetId, bytes: Uint8Array, scopeId = 0) {
    this.net = net;
    this.bytes = bytes;
    this.scopeId = scopeId;
  }

  // ---- construction ------------------------------------------------------------------------

  /** The default (invalid) address `::`, as a default-constructed Core `CNetAddr`. */
  static invalid(): NetAddress {
    return new NetAddress(Net.IPV6, new Uint8Array(16));
  }

  /** An IPv4 address from 4 bytes. */
  static ipv4(bytes: Uint8Array): NetAddress {
    if (bytes.length !== ADDR_IPV4_SIZE) throw new DecodeError(`IPv4 address must be 4 bytes, got ${bytes.length}`);
    return new NetAddress(Net.IPV4, new Uint8Array(bytes));
  }

  /** An IPv6 address from 16 raw bytes (no prefix interpretation; see `fromV1` for that). */
  static ipv6(bytes: Uint8Array, scopeId = 0): NetAddress {
    if (bytes.length !== ADDR_IPV6_SIZE) throw new DecodeError(`IPv6 address must be 16 bytes, got ${bytes.length}`);
    return new NetAddress(Net.IPV6, new Uint8Array(bytes), scopeId);
  }

  /** A Tor v3 address from its 32-byte ed25519 public key. */
  static torV3(pubkey: Uint8Array): NetAddress {
    if (pubkey.length !== ADDR_TORV3_SIZE) throw new DecodeError(`Tor v3 key must be 32 bytes, got ${pubkey.length}`);
    return new NetAddress(Net.ONION, new Uint8Array(pubkey));
  }

  /** An I2P address from its 32-byte destination hash. */
  static i2p(hash: Uint8Array): NetAddress {
    if (hash.length !== ADDR_I2P_SIZE) throw new DecodeError(`I2P hash must be 32 bytes, got ${hash.length}`);
    return new NetAddress(Net.I2P, new Uint8Array(hash));
  }

  /** A CJDNS address from 16 bytes (valid only when the first byte is 0xfc). */
  static cjdns(bytes: Uint8Array): NetAddress {
    if (bytes.length !== ADDR_CJDNS_SIZE) throw new DecodeError(`CJDNS address must be 16 bytes, got ${bytes.length}`);
    return new NetAddress(Net.CJDNS, new Uint8Array(bytes));
  }

  /**
   * An address of network `net` (IPv4 … internal) whose raw bytes start at `pool[offset]`, copied
   * once: how a column store of addresses (the address manager's) hands one out. Throws for
   * UNROUTABLE, which owns no bytes.
   */
  static fromPooled(net: NetId, pool: Uint8Array, offset: number): NetAddress {
    const len = POOLED_SIZES[net];
    if (!(len > 0) || offset < 0 || offset + len > pool.length) throw new DecodeError(`no ${len ?? 0}-byte address of network ${net} at offset ${offset}`);
    return new NetAddress(net, pool.slice(offset, offset + len));
  }

  /** Core `SetInternal(name)`: the internal pseudo-address sha256(name)[0:10]. */
  static internal(name: string): NetAddress {
    return new NetAddress(Net.INTERNAL, sha256(Buffer.from(name, 'utf8')).slice(0, ADDR_INTERNAL_SIZE));
  }

  /** Core `SetLegacyIPv6`: a 16-byte v1 form, with IPv4-mapped, internal and Tor v2 prefixes recognised. */
  static fromV1(bytes16: Uint8Array): NetAddress {
    if (bytes16.length !== ADDR_IPV6_SIZE) throw new DecodeError(`v1 address must be 16 bytes, got ${bytes16.length}`);
    if (hasPrefix(bytes16, IPV4_IN_IPV6_PREFIX)) return new NetAddress(Net.IPV4, bytes16.slice(12));
    if (hasPrefix(bytes16, TORV2_IN_IPV6_PREFIX)) return NetAddress.invalid();
    if (hasPrefix(bytes16, INTERNAL_IN_IPV6_PREFIX)) return new NetAddress(Net.INTERNAL, bytes16.slice(6));
    return new NetAddress(Net.IPV6, new Uint8Array(bytes16));
  }

  /** Reads a 16-byte v1 address from a stream (Core `UnserializeV1Stream`). */
  static readV1(r: ByteReader): NetAddress {
    return NetAddress.fromV1(r.bytes(ADDR_IPV6_SIZE));
  }

  /**
   * Reads a BIP155 address (Core `UnserializeV2Stream`): wrong lengths for known ids throw with Core's
   * message; unknown ids, Tor v2 and IPv4/Tor v2 embedded in IPv6 yield the invalid address `::`.
   */
  static readV2(r: ByteReader): NetAddress {
    const netId = r.u8();
    const size = r.compactSize();
    if (size > MAX_ADDRV2_SIZE) throw new DecodeError(`Address too long: ${size} > ${MAX_ADDRV2_SIZE}`);
    const expected = BIP155_SIZES[netId];
    if (expected === undefined) {
      r.skip(size);
      return NetAddress.invalid();
    }
    if (size !== expected) {
      throw new DecodeError(`BIP155 ${BIP155_NAMES[netId]} address with length ${size} (should be ${expected})`);
    }
    const bytes = r.bytes(size);
    switch (netId) {
      case Bip155Net.IPV4: return new NetAddress(Net.IPV4, bytes);
      case Bip155Net.TORV2: return NetAddress.invalid();
      case Bip155Net.TORV3: return new NetAddress(Net.ONION, bytes);
      case Bip155Net.I2P: return new NetAddress(Net.I2P, bytes);
      case Bip155Net.CJDNS: return new NetAddress(Net.CJDNS, bytes);
      default: {
        if (hasPrefix(bytes, INTERNAL_IN_IPV6_PREFIX)) return new NetAddress(Net.INTERNAL, bytes.slice(6));
        // IPv4 and Tor v2 must not be embedded in a v2 IPv6 record: read as invalid, like Core.
        if (hasPrefix(bytes, IPV4_IN_IPV6_PREFIX) || hasPrefix(bytes, TORV2_IN_IPV6_PREFIX)) return NetAddress.invalid();
        return new NetAddress(Net.IPV6, bytes);
      }
    }
  }

  /** Decodes a complete BIP155 address (netid, CompactSize length, bytes); trailing bytes are an error. */
  static fromV2Bytes(data: Uint8Array): NetAddress {
    const r = new ByteReader(data);
    const addr = NetAddress.readV2(r);
    if (!r.done) throw new DecodeError(`${r.remaining} trailing bytes after BIP155 address`);
    return addr;
  }

  /**
   * Parses an address string without port: dotted-quad IPv4, IPv6 (optionally `%zone`), `.onion`
   * (Tor v3; v2 names are refused), `.b32.i2p`, CJDNS (fc00::/8) and `.internal`. Throws `ParseError`.
   */
  static parse(text: string, options: ParseAddressOptions = {}): NetAddress {
    const s = text.trim();
    if (s.length === 0) throw new ParseError('empty address');
    if (s.includes('\0')) throw new ParseError('address contains a NUL character');
    const lower = s.toLowerCase();
    if (lower.endsWith('.onion')) return parseOnion(lower);
    if (lower.endsWith('.b32.i2p')) return parseI2p(lower);
    if (lower.endsWith('.i2p')) throw new ParseError(`unsupported I2P address "${s}": only 52-character .b32.i2p names are valid`);
    if (lower.endsWith('.internal')) return parseInternal(lower);
    if (s.includes(':')) {
      const { bytes, scopeId } = parseIPv6(s);
      if (hasPrefix(bytes, INTERNAL_IN_IPV6_PREFIX)) {
        throw new ParseError(`"${s}" is in Core's reserved internal-address range fd6b:88c0:8724::/48`);
      }
      if ((options.cjdns ?? true) && bytes[0] === 0xfc) return new NetAddress(Net.CJDNS, bytes);
      const addr = NetAddress.fromV1(bytes);
      return addr.net === Net.IPV6 && scopeId !== 0 ? new NetAddress(Net.IPV6, addr.bytes, scopeId) : addr;
    }
    return new NetAddress(Net.IPV4, parseIPv4(s));
  }

  // ---- encodings ---------------------------------------------------------------------------

  /** Core `IsAddrV1Compatible`: IPv4, IPv6 and internal have a 16-byte form; Tor v3, I2P, CJDNS do not. */
  isAddrV1Compatible(): boolean {
    return this.net === Net.IPV4 || this.net === Net.IPV6 || this.net === Net.INTERNAL;
  }

  /** Core `SerializeV1Array`: the 16-byte form; zeros for networks that have none. */
  toV1(): Uint8Array {
    const out = new Uint8Array(16);
    switch (this.net) {
      case Net.IPV4: out.set(IPV4_IN_IPV6_PREFIX); out.set(this.bytes, 12); break;
      case Net.IPV6: out.set(this.bytes); break;
      case Net.INTERNAL: out.set(INTERNAL_IN_IPV6_PREFIX); out.set(this.bytes, 6); break;
      default: break; // Tor v3, I2P, CJDNS: not representable, all zeros.
    }
    return out;
  }

  /** The BIP155 network id this address is sent with (internal goes as IPv6, like Core). */
  bip155Net(): number {
    switch (this.net) {
      case Net.IPV4: return Bip155Net.IPV4;
      case Net.ONION: return Bip155Net.TORV3;
      case Net.I2P: return Bip155Net.I2P;
      case Net.CJDNS: return Bip155Net.CJDNS;
      default: return Bip155Net.IPV6;
    }
  }

  /** Writes the BIP155 form: netid, CompactSize length, bytes (Core `SerializeV2Stream`). */
  writeV2(w: ByteWriter): void {
    if (this.net === Net.INTERNAL) {
      w.u8(Bip155Net.IPV6).compactSize(16).bytes(this.toV1());
      return;
    }
    w.u8(this.bip155Net()).varBytes(this.bytes);
  }

  /** The BIP155 form as bytes. */
  toV2(): Uint8Array {
    const w = new ByteWriter(40);
    this.writeV2(w);
    return w.toBytes();
  }

  /** Core `GetAddrBytes`: the v1 form for v1-compatible networks, else the raw bytes. */
  getAddrBytes(): Uint8Array {
    return this.isAddrV1Compatible() ? this.toV1() : this.bytes;
  }

  /** A compact string usable as a Map key; equal addresses have equal keys. */
  get key(): string {
    if (this.cachedKey === undefined) {
      this.cachedKey = String.fromCharCode(this.net) + Buffer.from(this.bytes).toString('latin1');
    }
    return this.cachedKey;
  }

  /** Core `operator==`: same network and bytes (the zone index is ignored). */
  equals(other: NetAddress): boolean {
    return this.key === other.key;
  }

  // ---- formatting --------------------------------------------------------------------------

  /** `JSON.stringify` writes an address as its text form (`toString()`), e.g. `"2001:db8::1"`. */
  toJSON(): string {
    return this.toString();
  }

  /** Core `ToStringAddr`: canonical text (RFC 5952 IPv6, lowercase base32 names). */
  toString(): string {
    switch (this.net) {
      case Net.IPV4: return `${this.bytes[0]}.${this.bytes[1]}.${this.bytes[2]}.${this.bytes[3]}`;
      case Net.IPV6: return formatIPv6(this.bytes) + (this.scopeId !== 0 ? `%${this.scopeId}` : '');
      case Net.CJDNS: return formatIPv6(this.bytes);
      case Net.ONION: {
        const full = new Uint8Array(35);
        full.set(this.bytes);
        full.set(torV3Checksum(this.bytes), 32);
        full[34] = TORV3_VERSION;
        return base32nopad.encode(full).toLowerCase() + '.onion';
      }
      case Net.I2P: return base32nopad.encode(this.bytes).toLowerCase().slice(0, I2P_B32_LENGTH) + '.b32.i2p';
      case Net.INTERNAL: return base32nopad.encode(this.bytes).toLowerCase() + '.internal';
      default: return '[unknown]';
    }
  }

  /** The name of the address's own network. */
  networkType(): AddressNetwork {
    return (['ipv6', 'ipv4', 'ipv6', 'onion', 'i2p', 'cjdns', 'internal'] as const)[this.net];
  }

  // ---- classification (Core netaddress.cpp) ---------------------------------------------------

  /** True for IPv4. */
  isIPv4(): boolean { return this.net === Net.IPV4; }
  /** True for IPv6 (not CJDNS, not internal). */
  isIPv6(): boolean { return this.net === Net.IPV6; }
  /** True for Tor (v3). */
  isTor(): boolean { return this.net === Net.ONION; }
  /** True for I2P. */
  isI2P(): boolean { return this.net === Net.I2P; }
  /** True for CJDNS. */
  isCJDNS(): boolean { return this.net === Net.CJDNS; }
  /** True for Core's internal pseudo-addresses. */
  isInternal(): boolean { return this.net === Net.INTERNAL; }
  /** Core `IsPrivacyNet`: Tor or I2P. */
  isPrivacyNet(): boolean { return this.isTor() || this.isI2P(); }
  /** Core `IsRelayable`: a network whose addresses are gossiped. */
  isRelayable(): boolean { return this.isIPv4() || this.isIPv6() || this.isTor() || this.isI2P() || this.isCJDNS(); }

  /** Core `IsBindAny`: 0.0.0.0 or ::. */
  isBindAny(): boolean {
    if (!this.isIPv4() && !this.isIPv6()) return false;
    return isAllZero(this.bytes, this.bytes.length);
  }

  private v4(a: number, b?: number): boolean {
    return this.net === Net.IPV4 && this.bytes[0] === a && (b === undefined || this.bytes[1] === b);
  }

  /** 10/8, 192.168/16, 172.16/12 (private). */
  isRFC1918(): boolean {
    return this.v4(10) || this.v4(192, 168) || (this.v4(172) && this.bytes[1] >= 16 && this.bytes[1] <= 31);
  }
  /** 198.18/15 (benchmarking). */
  isRFC2544(): boolean { return this.v4(198) && (this.bytes[1] === 18 || this.bytes[1] === 19); }
  /** 169.254/16 (IPv4 link-local). */
  isRFC3927(): boolean { return this.v4(169, 254); }
  /** 100.64/10 (carrier-grade NAT). */
  isRFC6598(): boolean { return this.v4(100) && this.bytes[1] >= 64 && this.bytes[1] <= 127; }
  /** 192.0.2/24, 198.51.100/24, 203.0.113/24 (IPv4 documentation). */
  isRFC5737(): boolean {
    const b = this.bytes;
    return (this.v4(192, 0) && b[2] === 2) || (this.v4(198, 51) && b[2] === 100) || (this.v4(203, 0) && b[2] === 113);
  }
  private v6(prefix: Uint8Array): boolean {
    return this.net === Net.IPV6 && hasPrefix(this.bytes, prefix);
  }
  /** 2001:db8::/32 (IPv6 documentation). */
  isRFC3849(): boolean { return this.v6(PREFIX_RFC3849); }
  /** 3fff::/20 (IPv6 documentation, RFC 9637). */
  isRFC9637(): boolean { return this.v6(PREFIX_RFC9637) && (this.bytes[2] & 0xf0) === 0; }
  /** 2002::/16 (6to4). */
  isRFC3964(): boolean { return this.v6(PREFIX_RFC3964); }
  /** 64:ff9b::/96 (NAT64 well-known prefix). */
  isRFC6052(): boolean { return this.v6(PREFIX_RFC6052); }
  /** 2001::/32 (Teredo). */
  isRFC4380(): boolean { return this.v6(PREFIX_RFC4380); }
  /** fe80::/64 (IPv6 link-local). */
  isRFC4862(): boolean { return this.v6(PREFIX_RFC4862); }
  /** fc00::/7 (unique local). */
  isRFC4193(): boolean { return this.net === Net.IPV6 && (this.bytes[0] & 0xfe) === 0xfc; }
  /** ::ffff:0:0:0/96 (IPv4-translated, SIIT). */
  isRFC6145(): boolean { return this.v6(PREFIX_RFC6145); }
  /** 2001:10::/28 (ORCHID). */
  isRFC4843(): boolean { return this.v6(PREFIX_RFC4843_7343) && (this.bytes[3] & 0xf0) === 0x10; }
  /** 2001:20::/28 (ORCHIDv2). */
  isRFC7343(): boolean { return this.v6(PREFIX_RFC4843_7343) && (this.bytes[3] & 0xf0) === 0x20; }
  /** 2001:470::/32 (Hurricane Electric, grouped by /36). */
  isHeNet(): boolean { return this.v6(PREFIX_HENET); }

  /** Core `IsLocal`: 127/8, 0/8, ::1. */
  isLocal(): boolean {
    if (this.net === Net.IPV4) return this.bytes[0] === 127 || this.bytes[0] === 0;
    if (this.net === Net.IPV6) return isAllZero(this.bytes, 15) && this.bytes[15] === 1;
    return false;
  }

  /** Core `IsValid`: not ::, not documentation ranges, not internal, not 0.0.0.0/255.255.255.255, CJDNS starts 0xfc. */
  isValid(): boolean {
    if (this.net === Net.IPV6 && isAllZero(this.bytes, 16)) return false;
    if (this.isCJDNS() && this.bytes[0] !== 0xfc) return false;
    if (this.isRFC3849() || this.isRFC9637()) return false;
    if (this.isInternal()) return false;
    if (this.isIPv4()) {
      const v = readBE32(this.bytes, 0);
      if (v === 0 || v === 0xffffffff) return false;
    }
    return true;
  }

  /** Core `IsRoutable`: valid and outside every private, reserved and local range (computed once; addresses are immutable). */
  isRoutable(): boolean {
    if (this.routable === undefined) {
      this.routable = this.isValid() && !(
        this.isRFC1918() || this.isRFC2544() || this.isRFC3927() || this.isRFC4862() || this.isRFC6598() ||
        this.isRFC5737() || this.isRFC4193() || this.isRFC4843() || this.isRFC7343() || this.isLocal() || this.isInternal()
      );
    }
    return this.routable;
  }

  /** Core `GetNetwork`: INTERNAL, UNROUTABLE for anything not routable, else the address's network. */
  getNetwork(): NetId {
    if (this.isInternal()) return Net.INTERNAL;
    if (!this.isRoutable()) return Net.UNROUTABLE;
    return this.net;
  }

  /** Core `GetNetClass`: like `getNetwork`, but IPv6 carrying a routable IPv4 counts as IPv4. */
  getNetClass(): NetId {
    if (this.isInternal()) return Net.INTERNAL;
    if (!this.isRoutable()) return Net.UNROUTABLE;
    if (this.hasLinkedIPv4()) return Net.IPV4;
    return this.net;
  }

  /** Core `HasLinkedIPv4`: routable IPv4, or IPv6 that embeds one (SIIT, NAT64, 6to4, Teredo). */
  hasLinkedIPv4(): boolean {
    return this.isRoutable() && (this.isIPv4() || this.isRFC6145() || this.isRFC6052() || this.isRFC3964() || this.isRFC4380());
  }

  /** Core `GetLinkedIPv4`: the embedded IPv4 as an unsigned 32-bit number (Teredo's is bit-inverted). */
  getLinkedIPv4(): number {
    const b = this.bytes;
    if (this.isIPv4()) return readBE32(b, 0);
    if (this.isRFC6052() || this.isRFC6145()) return readBE32(b, 12);
    if (this.isRFC3964()) return readBE32(b, 2);
    if (this.isRFC4380()) return ~readBE32(b, 12) >>> 0;
    throw new Error('getLinkedIPv4 called on an address without a linked IPv4');
  }

  /**
   * The 16-byte key asmap lookups use (Core `GetMappedAS`): IPv4 and linked IPv4 as ::ffff:a.b.c.d,
   * IPv6 as itself; undefined for every other network.
   */
  asmapKey(): Uint8Array | undefined {
    const cls = this.getNetClass();
    if (cls !== Net.IPV4 && cls !== Net.IPV6) return undefined;
    if (cls === Net.IPV4) {
      const out = new Uint8Array(16);
      out.set(IPV4_IN_IPV6_PREFIX);
      const v = this.getLinkedIPv4();
      out[12] = v >>> 24; out[13] = (v >>> 16) & 0xff; out[14] = (v >>> 8) & 0xff; out[15] = v & 0xff;
      return out;
    }
    return this.bytes;
  }

  /**
   * Core `GetReachabilityFrom(paddrPartner)`: how well a peer at `partner` could reach us at this
   * address (used to choose which local address to advertise). `partner` undefined = unknown.
   */
  getReachabilityFrom(partner?: NetAddress): number {
    const NET_UNKNOWN = 7; // Core: NET_MAX
    const NET_TEREDO = 8; // Core: NET_MAX + 1
    const netOf = (a: NetAddress): number => (a.isRFC4380() ? NET_TEREDO : a.getNetwork());
    if (!this.isRoutable() || this.isInternal()) return Reach.UNREACHABLE;
    const ourNet = netOf(this);
    const theirNet = partner === undefined ? NET_UNKNOWN : netOf(partner);
    const tunnel = this.isRFC3964() || this.isRFC6052() || this.isRFC6145();
    switch (theirNet) {
      case Net.IPV4:
        return ourNet === Net.IPV4 ? Reach.IPV4 : Reach.DEFAULT;
      case Net.IPV6:
        if (ourNet === NET_TEREDO) return Reach.TEREDO;
        if (ourNet === Net.IPV4) return Reach.IPV4;
        if (ourNet === Net.IPV6) return tunnel ? Reach.IPV6_WEAK : Reach.IPV6_STRONG;
        return Reach.DEFAULT;
      case Net.ONION:
        if (ourNet === Net.IPV4) return Reach.IPV4; // Tor users can connect to IPv4 as well
        if (ourNet === Net.ONION) return Reach.PRIVATE;
        return Reach.DEFAULT;
      case Net.I2P:
        return ourNet === Net.I2P ? Reach.PRIVATE : Reach.DEFAULT;
      case Net.CJDNS:
        return ourNet === Net.CJDNS ? Reach.PRIVATE : Reach.DEFAULT;
      case NET_TEREDO:
        if (ourNet === NET_TEREDO) return Reach.TEREDO;
        if (ourNet === Net.IPV6) return Reach.IPV6_WEAK;
        if (ourNet === Net.IPV4) return Reach.IPV4;
        return Reach.DEFAULT;
      default: // unknown or unroutable partner
        if (ourNet === NET_TEREDO) return Reach.TEREDO;
        if (ourNet === Net.IPV6) return Reach.IPV6_WEAK;
        if (ourNet === Net.IPV4) return Reach.IPV4;
        if (ourNet === Net.ONION) return Reach.PRIVATE;
        return Reach.DEFAULT;
    }
  }
}

// ---- string parsing and formatting -------------------------------------------------------------

function parseIPv4(s: string): Uint8Array {
  const parts = s.split('.');
  if (parts.length !== 4) throw new ParseError(`invalid address "${s}": not an IPv4 dotted quad, IPv6, .onion, .b32.i2p or .internal`);
  const out = new Uint8Array(4);
  parts.forEach((p, i) => {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new ParseError(`invalid IPv4 address "${s}": octet "${p}" is not 0-255`);
    out[i] = Number(p);
  });
  return out;
}

function parseIPv6(s: string): { bytes: Uint8Array; scopeId: number } {
  let text = s;
  let scopeId = 0;
  const pct = text.indexOf('%');
  if (pct >= 0) {
    const zone = text.slice(pct + 1);
    if (!/^\d{1,10}$/.test(zone) || Number(zone) > 0xffffffff) throw new ParseError(`invalid IPv6 zone "${zone}" in "${s}": must be a number`);
    scopeId = Number(zone);
    text = text.slice(0, pct);
  }
  const bad = (why: string): ParseError => new ParseError(`invalid IPv6 address "${s}": ${why}`);
  const halves = text.split('::');
  if (halves.length > 2) throw bad('"::" appears more than once');
  const groupsOf = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    items.forEach((g, i) => {
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = parseIPv4(g);
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad(`group "${g}" is not 1-4 hex digits`);
        out.push(parseInt(g, 16));
      }
    });
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (halves.length === 2 && halves[1].includes('.') && halves[0].includes('.')) throw bad('misplaced IPv4 part');
  let groups: number[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) throw bad('too many groups around "::"');
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) throw bad(`expected 8 groups, got ${head.length}`);
    groups = head;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => { bytes[2 * i] = g >> 8; bytes[2 * i + 1] = g & 0xff; });
  return { bytes, scopeId };
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestLen < 2) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

function decodeBase32(text: string, what: string): Uint8Array {
  try {
    return base32nopad.decode(text.toUpperCase());
  } catch (e) {
    throw new ParseError(`invalid ${what}: bad base32 (${(e as Error).message})`);
  }
}

function parseOnion(lower: string): NetAddress {
  const name = lower.slice(0, -'.onion'.length);
  if (name.length === 16) throw new ParseError(`Tor v2 address "${lower}" is no longer supported`);
  if (name.length !== 56) throw new ParseError(`invalid Tor address "${lower}": expected 56 base32 characters before .onion, got ${name.length}`);
  const raw = decodeBase32(name, `Tor v3 address "${lower}"`);
  const pubkey = raw.slice(0, 32);
  if (raw[34] !== TORV3_VERSION) throw new ParseError(`invalid Tor v3 address "${lower}": version ${raw[34]}, expected 3`);
  const sum = torV3Checksum(pubkey);
  if (raw[32] !== sum[0] || raw[33] !== sum[1]) throw new ParseError(`invalid Tor v3 address "${lower}": checksum mismatch`);
  return NetAddress.torV3(pubkey);
}

function parseI2p(lower: string): NetAddress {
  const name = lower.slice(0, -'.b32.i2p'.length);
  if (name.length !== I2P_B32_LENGTH) {
    throw new ParseError(`invalid I2P address "${lower}": expected ${I2P_B32_LENGTH} base32 characters before .b32.i2p, got ${name.length}`);
  }
  // 52 characters carry 260 bits; the last 4 must be zero (Core decodes the name padded with "====").
  const raw = decodeBase32(name + 'aaaa', `I2P address "${lower}"`);
  if (raw[32] !== 0 || raw[33] !== 0 || (raw[34] ?? 0) !== 0 || raw.length !== 35) {
    throw new ParseError(`invalid I2P address "${lower}": non-zero padding bits`);
  }
  return NetAddress.i2p(raw.slice(0, 32));
}

function parseInternal(lower: string): NetAddress {
  const name = lower.slice(0, -'.internal'.length);
  if (name.length !== 16) throw new ParseError(`invalid internal address "${lower}": expected 16 base32 characters`);
  const raw = decodeBase32(name, `internal address "${lower}"`);
  return NetAddress.fromV1(Uint8Array.from([...INTERNAL_IN_IPV6_PREFIX, ...raw]));
}
