/**
 * Human-readable names for network groups (netgroup.ts): `AS3320` with an asmap, else the prefix a
 * group stands for — `203.0.0.0/16` (IPv4, and IPv4 embedded in 6to4/Teredo/NAT64), `2001:db8::/32`
 * (IPv6; `/36` inside Hurricane Electric's tunnel range), `onion 7…/4` (Tor and I2P group by the first
 * 4 bits of the key), `fc40::/12` (CJDNS), and `local`, `unroutable` or `internal` for addresses that
 * all share one group. Operators read these in the dashboard and the crawl report when judging how
 * concentrated a table or a network is; the grouping itself stays `NetGroupManager.getGroup`'s.
 */
import { NetAddress } from './netaddress.js';
import type { NetGroupManager } from './netgroup.js';

/** The prefix `bits` long of `bytes` (16-byte IPv6 form), the rest zeroed, as `addr/bits`. */
function ipv6Prefix(bytes: Uint8Array, bits: number): string {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = bytes[i] & (0xff << (8 - keep)) & 0xff;
  }
  return `${NetAddress.ipv6(out).toString()}/${bits}`;
}

/**
 * The name of `addr`'s network group under `groups` (without an asmap or for an unmapped address:
 * the prefix the group covers). Two addresses in one group always get the same name.
 */
export function netGroupLabel(addr: NetAddress, groups?: Pick<NetGroupManager, 'getMappedAS'>): string {
  const asn = groups?.getMappedAS(addr) ?? 0;
  if (asn !== 0) return `AS${asn}`;
  if (addr.isLocal()) return 'local';
  if (addr.isInternal()) return 'internal';
  if (!addr.isRoutable()) return 'unroutable';
  if (addr.hasLinkedIPv4()) {
    const v4 = addr.getLinkedIPv4();
    return `${v4 >>> 24}.${(v4 >>> 16) & 0xff}.0.0/16`;
  }
  const bytes = addr.getAddrBytes();
  if (addr.isTor() || addr.isI2P()) return `${addr.networkType()} ${(bytes[0] >>> 4).toString(16)}…/4`;
  if (addr.isCJDNS()) return ipv6Prefix(bytes, 12);
  return ipv6Prefix(bytes, addr.isHeNet() ? 36 : 32);
}
