/**
 * Connection permissions (Core net_permissions.h/.cpp): flags granted to peers matched by
 * `-whitelist=[flags@]subnet` or connecting to a `-whitebind=[flags@]addr:port` listener.
 */
import { NetService } from '../address/service.js';
import { Subnet } from '../address/subnet.js';
import type { NetAddress } from '../address/netaddress.js';
import { ParseError } from '../util/errors.js';

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
  return (flags & permission) === permission;
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

/** Splits `flags@rest` and parses the flag list (Core `TryParsePermissionFlags`). */
function parseFlags(text: string, allowDirection: boolean): { flags: number; rest: string; direction: Direction | undefined } {
  const at = text.indexOf('@');
  if (at < 0) return { flags: Permission.IMPLICIT, rest: text, direction: undefined };
  let flags = 0;
  let direction: Direction | undefined;
  for (const token of text.slice(0, at).split(',')) {
    const t = token.trim();
    if (t === '') continue;
    if (t === 'in' || t === 'out') {
      if (!allowDirection) throw new ParseError(`Invalid P2P permission: '${t}' (directions are only for -whitelist)`);
      direction = direction && direction !== t ? 'both' : t;
      continue;
    }
    if (t === 'bloomfilter' || t === 'bloom') flags |= Permission.BLOOMFILTER;
    else if (t === 'noban') flags |= Permission.NOBAN;
    else if (t === 'forcerelay') flags |= Permission.FORCERELAY;
    else if (t === 'mempool') flags |= Permission.MEMPOOL;
    else if (t === 'download') flags |= Permission.DOWNLOAD;
    else if (t === 'all') flags |= PERMISSION_ALL;
    else if (t === 'relay') flags |= Permission.RELAY;
    else if (t === 'addr') flags |= Permission.ADDR;
    else throw new ParseError(`Invalid P2P permission: '${t}'`);
  }
  return { flags, rest: text.slice(at + 1), direction };
}

/** Parses `-whitelist=[flags[,in|out]@]subnet`. */
export function parseWhitelist(text: string): WhitelistEntry {
  const { flags, rest, direction } = parseFlags(text, true);
  return { flags, subnet: Subnet.parse(rest), direction: direction ?? 'in' };
}

/** Parses `-whitebind=[flags@]addr:port` (the port is required, as in Core). */
export function parseWhitebind(text: string): WhitebindEntry {
  const { flags, rest } = parseFlags(text, false);
  if (!/(:\d+)$/.test(rest)) throw new ParseError(`Need to specify a port with -whitebind: '${rest}'`);
  return { flags, service: NetService.parse(rest) };
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
