/**
 * Connection permissions (Core net_permissions.h/.cpp): flags granted to peers matched by
 * `-whitelist=[flags@]subnet` or connecting to a `-whitebind=[flags@]addr:port` listener.
 */
import { NetService } from '../../address/service.js';
import { Subnet } from '../../address/subnet.js';
import type { NetAddress } from '../../address/netaddress.js';
import { ParseError } from '../../util/errors.js';

/** Core `NetPermissionFlags` bit values. */
export const Permission = {
  NONE: 0,
  BLOOMFILTER: 1 << 1,
  RELAY: 1 << 3,
  FORCERELAY: (1 << 2) | (1 << 3),
  DOWNLOAD: 1 << 6,
  NOBAN: (1 << 4) | (1 << 6),
  MEMPOOL: 1 << 5,
  ADDR: 1 << 7,
  IMPLICIT: 2 ** 31,
} as const;

/** Every explicit permission. */
export const PERMISSION_ALL = Permission.BLOOMFILTER | Permission.FORCERELAY | Permission.RELAY | Permission.NOBAN |
  Permission.MEMPOOL | Permission.DOWNLOAD | Permission.ADDR;

/** Names in Core's `NetPermissions::ToStrings` order (the getpeerinfo "permissions" order). */
const NAMES: ReadonlyArray<[string, number]> = [
  ['bloomfilter', Permission.BLOOMFILTER],
  ['noban', Permission.NOBAN],
  ['forcerelay', Permission.FORCERELAY],
  ['relay', Permission.RELAY],
  ['mempool', Permission.MEMPOOL],
  ['download', Permission.DOWNLOAD],
  ['addr', Permission.ADDR],
];

/** True if `flags` include every bit of `permission`. */
export function hasPermission(flags: number, permission: number): boolean {
  // Unsigned: IMPLICIT is bit 31, which JavaScript's bitwise operators return as a negative int32.
  return (flags & permission) >>> 0 === permission >>> 0;
}

/** Core `NetPermissions::ToStrings`. */
export function permissionNames(flags: number): string[] {
  return NAMES.filter(([, bit]) => hasPermission(flags, bit)).map(([name]) => name);
}

/** Which connections a whitelist entry applies to (Core ConnectionDirection). */
export type Direction = 'in' | 'out' | 'both';

/** A parsed `-whitelist` entry. */
export interface WhitelistEntry {
  /** Flags granted (IMPLICIT when none were named). */
  flags: number;
  /** Subnet matched. */
  subnet: Subnet;
  /** Direction it applies to (default in). */
  direction: Direction;
}

/** A parsed `-whitebind` entry. */
export interface WhitebindEntry {
  /** Flags granted to every peer accepted on this listener. */
  flags: number;
  /** Address to listen on. */
  service: NetService;
}

/**
 * Splits `flags@rest` and parses the flag list (Core `TryParsePermissionFlags`): names are exact (no
 * trimming), empty names are allowed, "in"/"out" set the direction ("out" only for -whitelist), and a
 * direction without any permission is refused.
 */
function parseFlags(text: string, allowOut: boolean): { flags: number; rest: string; direction: Direction } {
  const at = text.indexOf('@');
  if (at < 0) return { flags: Permission.IMPLICIT, rest: text, direction: 'in' };
  let flags = 0;
  let inbound = false;
  let outbound = false;
  for (const t of text.slice(0, at).split(',')) {
    if (t === '') continue;
    if (t === 'in') inbound = true;
    else if (t === 'out') {
      if (!allowOut) throw new ParseError('whitebind may only be used for incoming connections ("out" was passed)');
      outbound = true;
    } else if (t === 'bloomfilter' || t === 'bloom') flags |= Permission.BLOOMFILTER;
    else if (t === 'noban') flags |= Permission.NOBAN;
    else if (t === 'forcerelay') flags |= Permission.FORCERELAY;
    else if (t === 'mempool') flags |= Permission.MEMPOOL;
    else if (t === 'download') flags |= Permission.DOWNLOAD;
    else if (t === 'all') flags |= PERMISSION_ALL;
    else if (t === 'relay') flags |= Permission.RELAY;
    else if (t === 'addr') flags |= Permission.ADDR;
    else throw new ParseError(`Invalid P2P permission: '${t}'`);
  }
  if ((inbound || outbound) && flags === 0) throw new ParseError(`Only direction was set, no permissions: '${text}'`);
  return { flags, rest: text.slice(at + 1), direction: inbound && outbound ? 'both' : outbound ? 'out' : 'in' };
}

/** Parses `-whitelist=[flags[,in|out]@]subnet`. */
export function parseWhitelist(text: string): WhitelistEntry {
  const { flags, rest, direction } = parseFlags(text, true);
  let subnet: Subnet;
  try {
    subnet = Subnet.parse(rest);
  } catch {
    throw new ParseError(`Invalid netmask specified in -whitelist: '${rest}'`);
  }
  return { flags, subnet, direction };
}

/** Parses `-whitebind=[flags[,in]@]addr:port` (the port is required, as in Core). */
export function parseWhitebind(text: string): WhitebindEntry {
  const { flags, rest } = parseFlags(text, false);
  let service: NetService;
  try {
    service = NetService.parse(rest, 0);
  } catch {
    throw new ParseError(`Cannot resolve -whitebind address: '${rest}'`);
  }
  if (service.port === 0) throw new ParseError(`Need to specify a port with -whitebind: '${rest}'`);
  return { flags, service };
}

/**
 * Core `AddWhitelistPermissionFlags` + implicit expansion: OR the flags of every matching entry for
 * the direction; implicit (no flags named) becomes relay (-whitelistrelay, default on), mempool and
 * noban, plus forcerelay with -whitelistforcerelay.
 */
export function resolvePermissions(base: number, addr: NetAddress, outbound: boolean, whitelist: readonly WhitelistEntry[],
  options: { whitelistRelay?: boolean; whitelistForceRelay?: boolean } = {}): number {
  let flags = base;
  for (const w of whitelist) {
    const applies = w.direction === 'both' || w.direction === (outbound ? 'out' : 'in');
    if (applies && w.subnet.match(addr)) flags |= w.flags;
  }
  if (hasPermission(flags, Permission.IMPLICIT)) {
    flags &= ~Permission.IMPLICIT;
    if (options.whitelistForceRelay ?? false) flags |= Permission.FORCERELAY;
    if (options.whitelistRelay ?? true) flags |= Permission.RELAY;
    flags |= Permission.MEMPOOL | Permission.NOBAN;
  }
  return flags >>> 0;
}
