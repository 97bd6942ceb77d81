/**
 * Network groups (Core netgroup.cpp `NetGroupManager`). A group is the slice of address space one
 * operator plausibly controls: the /16 of an IPv4 address (or of the IPv4 inside 6to4, Teredo, NAT64
 * and SIIT addresses), the /32 of IPv6 (/36 inside Hurricane Electric's tunnel range), 4 bits of a
 * Tor or I2P key, 12 bits of a CJDNS address. With an asmap loaded, IPv4/IPv6 addresses are grouped by
 * their autonomous system instead, so one AS cannot look like many /16s.
 *
 * Groups are what bucketing, outbound diversity ("one outbound per group") and inbound eviction
 * protection are keyed on; they must match Core byte for byte for peers.dat bucket positions to match.
 */
import { SipHasher } from '../util/siphash.js';
import { Net } from './network.js';
import type { NetAddress } from './netaddress.js';

/** What NetGroupManager needs from an asmap (implemented by `Asmap` in asmap.ts). */
export interface AsnLookup {
  /** ASN for a 16-byte IPv6-form key, 0 when unmapped. */
  lookup(ip16: Uint8Array): number;
  /** The checksum Core stores in peers.dat. */
  readonly checksum: Uint8Array;
}

/** Core RANDOMIZER_ID_NETGROUP = SHA256("netgroup")[0:8]. */
export const RANDOMIZER_ID_NETGROUP = 0x6c0edd8036ef4036n;

const ZERO_CHECKSUM = new Uint8Array(32);

/** Computes network groups, with or without an asmap (Core `NetGroupManager`). */
export class NetGroupManager {
  /** @param asmap optional ASN map; without it groups are prefix-based. */
  constructor(readonly asmap?: AsnLookup) {}

  /** Core `GetMappedAS`: the ASN of an IPv4/IPv6 address, 0 without an asmap or for other networks. */
  getMappedAS(addr: NetAddress): number {
    if (!this.asmap) return 0;
    const key = addr.asmapKey();
    return key ? this.asmap.lookup(key) : 0;
  }

  /** Core `GetGroup`: the group bytes (first byte = network class, or NET_IPV6 for AS-based groups). */
  getGroup(addr: NetAddress): Uint8Array {
    const asn = this.getMappedAS(addr);
    if (asn !== 0) return Uint8Array.of(Net.IPV6, asn & 0xff, (asn >>> 8) & 0xff, (asn >>> 16) & 0xff, asn >>> 24);
    const netClass = addr.getNetClass();
    if (addr.isLocal()) return Uint8Array.of(netClass);
    if (addr.isInternal()) { // the 10 hash bytes
      const out = new Uint8Array(1 + addr.bytes.length);
      out[0] = netClass;
      out.set(addr.bytes, 1);
      return out;
    }
    if (!addr.isRoutable()) return Uint8Array.of(netClass);
    if (addr.hasLinkedIPv4()) {
      const v4 = addr.getLinkedIPv4();
      return Uint8Array.of(netClass, v4 >>> 24, (v4 >>> 16) & 0xff);
    }
    let bits: number;
    if (addr.isTor() || addr.isI2P()) bits = 4;
    else if (addr.isCJDNS()) bits = 12; // the constant 0xfc byte plus 4 random bits
    else if (addr.isHeNet()) bits = 36;
    else bits = 32;
    const bytes = addr.getAddrBytes();
    const whole = bits >> 3;
    const rest = bits & 7;
    const out = new Uint8Array(1 + whole + (rest > 0 ? 1 : 0));
    out[0] = netClass;
    for (let i = 0; i < whole; i++) out[1 + i] = bytes[i];
    if (rest > 0) out[1 + whole] = bytes[whole] | ((1 << (8 - rest)) - 1);
    return out;
  }

  /** The asmap checksum stored in peers.dat; all zeros without an asmap. */
  asmapChecksum(): Uint8Array {
    return this.asmap ? this.asmap.checksum : ZERO_CHECKSUM;
  }
}

/**
 * Core `CalculateKeyedNetGroup`: SipHash(k0, k1) over RANDOMIZER_ID_NETGROUP then the group bytes.
 * A secret key keeps an attacker from predicting which groups inbound eviction will protect.
 */
export function keyedNetGroup(k0: bigint, k1: bigint, group: Uint8Array): bigint {
  return new SipHasher(k0, k1).write64(RANDOMIZER_ID_NETGROUP).write(group).finalize();
}
