/**
 * Network identifiers. The numeric values are Core's `enum Network` (netaddress.h) because they are
 * written into network-group bytes; the names are Core's `GetNetworkName()` strings.
 */

/** Core's `enum Network`. */
export const Net = {
  UNROUTABLE: 0,
  IPV4: 1,
  IPV6: 2,
  ONION: 3,
  I2P: 4,
  CJDNS: 5,
  INTERNAL: 6,
} as const;

/** One of Core's network ids (0..6). */
export type NetId = (typeof Net)[keyof typeof Net];

/** Names of the networks an address can belong to (its own type, Core's `m_net`). */
export type AddressNetwork = 'ipv4' | 'ipv6' | 'onion' | 'i2p' | 'cjdns' | 'internal';

/** Core's `GetNetworkName()` result, including the unroutable class. */
export type NetworkName = AddressNetwork | 'not_publicly_routable';

const NAMES: readonly NetworkName[] = ['not_publicly_routable', 'ipv4', 'ipv6', 'onion', 'i2p', 'cjdns', 'internal'];

/** Core's `GetNetworkName(net)`. */
export function networkName(net: NetId): NetworkName {
  return NAMES[net];
}

/** The networks a user can reach or filter by, in Core's order (GetNetworkNames). */
export const REACHABLE_NETWORKS: readonly AddressNetwork[] = ['ipv4', 'ipv6', 'onion', 'i2p', 'cjdns'];

/**
 * Core's `ParseNetwork`: case-insensitive "ipv4", "ipv6", "onion", "i2p", "cjdns" (and "tor" for
 * onion in older releases is refused, as in Core ≥ 0.21); anything else is `undefined`.
 */
export function parseNetwork(name: string): NetId | undefined {
  switch (name.toLowerCase()) {
    case 'ipv4': return Net.IPV4;
    case 'ipv6': return Net.IPV6;
    case 'onion': return Net.ONION;
    case 'i2p': return Net.I2P;
    case 'cjdns': return Net.CJDNS;
    default: return undefined;
  }
}
