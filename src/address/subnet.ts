/**
 * `Subnet`: a set of addresses to ban or whitelist, with Bitcoin Core's `CSubNet` semantics
 * (netaddress.cpp, netbase.cpp `LookupSubNet`). An IPv4 or IPv6 subnet is a network address and a
 * contiguous netmask (`1.2.3.0/24`, `2001:db8::/32`); Tor, I2P and CJDNS subnets are single addresses,
 * because their address bits carry no routing hierarchy to mask. A subnet only ever matches addresses
 * of its own network: `::/0` does not match IPv4, `0.0.0.0/0` does not match IPv6, and nothing matches
 * an invalid address. Non-contiguous masks (`255.0.255.0`) are refused, as Core refuses them, so every
 * valid subnet has exactly one text form, which is what `banlist.json` stores.
 */
import { ParseError } from '../util/errors.js';
import { Net } from './network.js';
import { NetAddress, type ParseAddressOptions } from './netaddress.js';

/** Prefix length of a single IPv4 address (Core `ADDR_IPV4_SIZE * 8`). */
export const IPV4_MAX_PREFIX = 32;
/** Prefix length of a single IPv6 address (Core `ADDR_IPV6_SIZE * 8`). */
export const IPV6_MAX_PREFIX = 128;

/** Number of leading one bits of a netmask byte, or -1 when the byte is not of the form 1…10…0 (Core `NetmaskBits`). */
function netmaskBits(byte: number): number {
  for (let bits = 0; bits <= 8; bits++) {
    if (((0xff << (8 - bits)) & 0xff) === byte) return bits;
  }
  return -1;
}

function isIp(addr: NetAddress): boolean {
  return addr.net === Net.IPV4 || addr.net === Net.IPV6;
}

function maskBytes(size: number, prefix: number): Uint8Array {
  const mask = new Uint8Array(size);
  let n = prefix;
  for (let i = 0; i < size; i++) {
    const bits = Math.min(n, 8);
    mask[i] = (0xff << (8 - bits)) & 0xff;
    n -= bits;
  }
  return mask;
}

function applyMask(addr: NetAddress, mask: Uint8Array): NetAddress {
  const bytes = addr.bytes.map((b, i) => b & mask[i]);
  return addr.net === Net.IPV4 ? NetAddress.ipv4(bytes) : NetAddress.ipv6(bytes, addr.scopeId);
}

/** An immutable subnet (Core `CSubNet`); may be invalid, like a default-constructed `CSubNet`. */
export class Subnet {
  /** The network address, already masked (Core `network`); `::` for an invalid subnet. */
  readonly network: NetAddress;
  /**
   * Prefix length for IPv4/IPv6 subnets (0..32 or 0..128); undefined for single-address Tor, I2P and
   * CJDNS subnets and for invalid subnets.
   */
  readonly prefix: number | undefined;
  private readonly valid: boolean;

  private constructor(network: NetAddress, prefix: number | undefined, valid: boolean) {
    this.network = network;
    this.prefix = prefix;
    this.valid = valid;
  }

  /** The invalid subnet (Core's default `CSubNet`): matches nothing. */
  static invalid(): Subnet {
    return new Subnet(NetAddress.invalid(), undefined, false);
  }

  /**
   * Core `CSubNet(addr)`: the subnet holding exactly `addr` (/32, /128, or the single Tor, I2P or
   * CJDNS address). Internal addresses give an invalid subnet, as in Core.
   */
  static single(addr: NetAddress): Subnet {
    if (addr.net === Net.IPV4) return new Subnet(addr, IPV4_MAX_PREFIX, true);
    if (addr.net === Net.IPV6) return new Subnet(addr, IPV6_MAX_PREFIX, true);
    if (addr.net === Net.ONION || addr.net === Net.I2P || addr.net === Net.CJDNS) return new Subnet(addr, undefined, true);
    return Subnet.invalid();
  }

  /**
   * Core `CSubNet(addr, mask_bits)`: `addr` masked to its first `prefix` bits. Invalid unless `addr`
   * is IPv4 with 0..32 or IPv6 with 0..128 (Tor, I2P and CJDNS cannot be masked).
   */
  static fromPrefix(addr: NetAddress, prefix: number): Subnet {
    const max = addr.net === Net.IPV4 ? IPV4_MAX_PREFIX : addr.net === Net.IPV6 ? IPV6_MAX_PREFIX : -1;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return Subnet.invalid();
    return new Subnet(applyMask(addr, maskBytes(addr.bytes.length, prefix)), prefix, true);
  }

  /**
   * Core `CSubNet(addr, mask)`: `addr` masked by a full netmask of the same network. Invalid when the
   * networks differ, when `addr` is not IPv4/IPv6, or when the mask has a one bit after a zero bit.
   */
  static fromMask(addr: NetAddress, mask: NetAddress): Subnet {
    if (!isIp(addr) || addr.net !== mask.net) return Subnet.invalid();
    let prefix = 0;
    let zerosFound = false;
    for (const byte of mask.bytes) {
      const bits = netmaskBits(byte);
      if (bits < 0 || (zerosFound && bits !== 0)) return Subnet.invalid();
      if (bits < 8) zerosFound = true;
      prefix += bits;
    }
    return new Subnet(applyMask(addr, mask.bytes), prefix, true);
  }

  /**
   * Parses a subnet as Core's `LookupSubNet` does (numeric only, never DNS): `1.2.3.0/24`,
   * `1.2.3.4/255.255.255.0`, `2001:db8::/32`, `[::1]/128`, a single address (`1.2.3.4` → /32,
   * `::1` → /128) or a single Tor, I2P or CJDNS address. Throws `ParseError` naming the problem
   * (bad address, prefix out of range, non-contiguous mask, mask of another network, masked
   * Tor/I2P/CJDNS address).
   */
  static parse(text: string, options: ParseAddressOptions = {}): Subnet {
    const s = text.trim();
    if (s.length === 0) throw new ParseError('invalid subnet "": empty string');
    if (s.includes('\0')) throw new ParseError('invalid subnet: contains a NUL character');
    const slash = s.lastIndexOf('/');
    const addrText = slash >= 0 ? s.slice(0, slash) : s;
    const addr = parseHost(addrText, s, options);
    if (slash < 0) {
      const single = Subnet.single(addr);
      if (!single.isValid()) throw new ParseError(`invalid subnet "${s}": ${addr.networkType()} addresses cannot be banned`);
      return single;
    }
    const maskText = s.slice(slash + 1);
    if (!isIp(addr)) {
      throw new ParseError(`invalid subnet "${s}": a ${addr.networkType()} subnet is a single address and takes no "/${maskText}"`);
    }
    const max = addr.net === Net.IPV4 ? IPV4_MAX_PREFIX : IPV6_MAX_PREFIX;
    if (/^\d+$/.test(maskText)) {
      const prefix = Number(maskText);
      if (prefix > max) throw new ParseError(`invalid subnet "${s}": prefix length ${maskText} is out of range 0-${max}`);
      return readsBack(Subnet.fromPrefix(addr, prefix), s, options);
    }
    if (maskText.length === 0) throw new ParseError(`invalid subnet "${s}": empty netmask after "/"`);
    let mask: NetAddress;
    try {
      mask = parseHost(maskText, s, { cjdns: false });
    } catch (e) {
      throw new ParseError(`invalid subnet "${s}": netmask "${maskText}" is neither a prefix length 0-${max} nor an address`, { cause: e });
    }
    if (mask.net !== addr.net) {
      throw new ParseError(`invalid subnet "${s}": netmask "${maskText}" is ${mask.networkType()}, address is ${addr.networkType()}`);
    }
    const subnet = Subnet.fromMask(addr, mask);
    if (!subnet.isValid()) throw new ParseError(`invalid subnet "${s}": netmask "${maskText}" is not contiguous (a one bit follows a zero bit)`);
    return readsBack(subnet, s, options);
  }

  /** Core `IsValid`: false only for a subnet that failed to construct. */
  isValid(): boolean {
    return this.valid;
  }

  /** The netmask bytes in network order (as long as the address), or undefined for non-IP and invalid subnets. */
  netmask(): Uint8Array | undefined {
    if (!this.valid || this.prefix === undefined) return undefined;
    return maskBytes(this.network.bytes.length, this.prefix);
  }

  /**
   * Core `Match`: true when this subnet is valid, `addr` is valid, both are of the same network, and
   * `addr` lies inside (IPv4/IPv6) or equals (Tor, I2P, CJDNS) the subnet.
   */
  match(addr: NetAddress): boolean {
    if (!this.valid || !addr.isValid() || addr.net !== this.network.net) return false;
    if (this.prefix === undefined) return addr.equals(this.network);
    const mask = maskBytes(addr.bytes.length, this.prefix);
    for (let i = 0; i < addr.bytes.length; i++) {
      if ((addr.bytes[i] & mask[i]) !== this.network.bytes[i]) return false;
    }
    return true;
  }

  /**
   * Core `CSubNet::ToString`: `1.2.3.0/24`, `1::/16`, `::/0`, and the bare address for Tor, I2P and
   * CJDNS. An invalid subnet prints as Core's does (`::/0`): never store one.
   */
  toString(): string {
    if (!this.valid) return '::/0';
    const addr = this.network.toString();
    return this.prefix === undefined ? addr : `${addr}/${this.prefix}`;
  }

  /** A Map key: equal subnets (Core `operator==`: same network, same mask) have equal keys. */
  get key(): string {
    if (!this.valid) return 'invalid';
    return `${this.network.key}/${this.prefix ?? ''}`;
  }

  /** Core `operator==`. */
  equals(other: Subnet): boolean {
    return this.key === other.key;
  }
}

/** Core `LookupHost` with lookups off: strips one pair of brackets, then parses a numeric address. */
/**
 * Refuses an IPv6 subnet whose network address, once masked, falls in fc00::/8 while such addresses
 * read as CJDNS (`fd00::/7` masks to `fc00::`): it would print as `fc00::/7`, which parses as a CJDNS
 * address with a prefix, so a ban of it could not be saved to banlist.json and read back. Core (with
 * `-cjdnsreachable`) accepts it and loses it the same way; found by the subnet fuzz target.
 */
function readsBack(subnet: Subnet, whole: string, options: ParseAddressOptions): Subnet {
  const network = subnet.network;
  if ((options.cjdns ?? true) && network.net === Net.IPV6 && network.bytes[0] === 0xfc) {
    throw new ParseError(`invalid subnet "${whole}": its network address ${network.toString()} lies in fc00::/8 and would read back as a CJDNS address`);
  }
  return subnet;
}

function parseHost(text: string, whole: string, options: ParseAddressOptions): NetAddress {
  let host = text;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.length === 0) throw new ParseError(`invalid subnet "${whole}": missing address`);
  try {
    return NetAddress.parse(host, options);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ParseError(`invalid subnet "${whole}": ${why}`, { cause: e });
  }
}
