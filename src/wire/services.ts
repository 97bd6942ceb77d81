/**
 * Service flags: the 64-bit bitmask a node advertises in `version` and in every addr record, saying
 * what it can serve (Core `ServiceFlags`, protocol.h). They are unauthenticated claims; the policy
 * functions here only decide whom we bother connecting to, exactly as Core's
 * `GetDesirableServiceFlags` / `HasAllDesirableServiceFlags` (net_processing.cpp) do.
 */
import { ArgumentError } from '../util/errors.js';

/** Core NODE_NONE: nothing. */
export const NODE_NONE = 0n;
/** Core NODE_NETWORK (1 << 0): serves the complete block chain. */
export const NODE_NETWORK = 1n << 0n;
/** Core NODE_BLOOM (1 << 2): handles BIP37 bloom-filtered connections. */
export const NODE_BLOOM = 1n << 2n;
/** Core NODE_WITNESS (1 << 3): serves blocks and transactions with witness data (BIP144). */
export const NODE_WITNESS = 1n << 3n;
/** Core NODE_COMPACT_FILTERS (1 << 6): serves BIP157/158 compact block filters. */
export const NODE_COMPACT_FILTERS = 1n << 6n;
/** Core NODE_NETWORK_LIMITED (1 << 10): serves only the last 288 blocks (BIP159). */
export const NODE_NETWORK_LIMITED = 1n << 10n;
/** Core NODE_P2P_V2 (1 << 11): speaks the BIP324 encrypted transport. */
export const NODE_P2P_V2 = 1n << 11n;

/** Core SeedsServiceFlags(): the flags assumed for DNS-seed and fixed-seed addresses (NETWORK | WITNESS). */
export const SEEDS_SERVICE_FLAGS = NODE_NETWORK | NODE_WITNESS;

/**
 * Core net_processing.cpp NODE_NETWORK_LIMITED_ALLOW_CONN_BLOCKS: while our best block is fewer
 * than this many blocks (~1 day) behind, a NETWORK_LIMITED peer is as good as a full one.
 */
export const NODE_NETWORK_LIMITED_ALLOW_CONN_BLOCKS = 144;

const MAX_U64 = (1n << 64n) - 1n;

/** Core's name of each known flag bit (protocol.cpp serviceFlagToStr). */
const FLAG_NAMES: ReadonlyMap<bigint, string> = new Map([
  [NODE_NETWORK, 'NETWORK'],
  [NODE_BLOOM, 'BLOOM'],
  [NODE_WITNESS, 'WITNESS'],
  [NODE_COMPACT_FILTERS, 'COMPACT_FILTERS'],
  [NODE_NETWORK_LIMITED, 'NETWORK_LIMITED'],
  [NODE_P2P_V2, 'P2P_V2'],
]);

function checkFlags(flags: bigint, what: string): void {
  if (typeof flags !== 'bigint' || flags < 0n || flags > MAX_U64) {
    throw new ArgumentError(`${what} must be a bigint in [0, 2^64), got ${String(flags)}`);
  }
}

/**
 * Core `serviceFlagsToStr`: one name per set bit, lowest bit first; unknown bits as
 * `UNKNOWN[2^n]` (e.g. `["NETWORK", "WITNESS", "UNKNOWN[2^4]"]`). This is getpeerinfo's
 * `servicesnames`.
 */
export function serviceFlagNames(flags: bigint): string[] {
  checkFlags(flags, 'service flags');
  const names: string[] = [];
  for (let bit = 0n; bit < 64n; bit++) {
    const flag = 1n << bit;
    if ((flags & flag) !== 0n) names.push(FLAG_NAMES.get(flag) ?? `UNKNOWN[2^${bit}]`);
  }
  return names;
}

/** Service flags as getpeerinfo's `services` string: 16 lowercase hex digits (Core `strprintf("%016x")`). */
export function formatServiceFlags(flags: bigint): string {
  checkFlags(flags, 'service flags');
  return flags.toString(16).padStart(16, '0');
}

/**
 * Core `GetDesirableServiceFlags(services)`: what we require of an outbound peer advertising
 * `services`. NETWORK | WITNESS, except that a NETWORK_LIMITED peer only needs
 * NETWORK_LIMITED | WITNESS while our best block is less than NODE_NETWORK_LIMITED_ALLOW_CONN_BLOCKS
 * deep (Core's `ApproximateBestBlockDepth()`, passed in as `bestBlockDepth`).
 * `extraRequired` is ORed in for chains that demand more (e.g. Litecoin's NODE_MWEB); Core has none.
 */
export function getDesirableServiceFlags(services: bigint, bestBlockDepth: number, extraRequired = NODE_NONE): bigint {
  checkFlags(services, 'services');
  checkFlags(extraRequired, 'extraRequired');
  if ((services & NODE_NETWORK_LIMITED) !== 0n && bestBlockDepth < NODE_NETWORK_LIMITED_ALLOW_CONN_BLOCKS) {
    return NODE_NETWORK_LIMITED | NODE_WITNESS | extraRequired;
  }
  return NODE_NETWORK | NODE_WITNESS | extraRequired;
}

/**
 * Core `HasAllDesirableServiceFlags(services)`: true when `services` includes every flag
 * `getDesirableServiceFlags` asks for. Outbound full-relay, block-relay and addr-fetch peers that fail
 * this are disconnected after their `version`; non-feeler outbound selection skips such addresses.
 */
export function hasAllDesirableServiceFlags(services: bigint, bestBlockDepth: number, extraRequired = NODE_NONE): boolean {
  return (getDesirableServiceFlags(services, bestBlockDepth, extraRequired) & ~services) === 0n;
}

/** Core `MayHaveUsefulAddressDB(services)`: NETWORK or NETWORK_LIMITED (what a feeler requires). */
export function mayHaveUsefulAddressDB(services: bigint): boolean {
  checkFlags(services, 'services');
  return (services & (NODE_NETWORK | NODE_NETWORK_LIMITED)) !== 0n;
}
