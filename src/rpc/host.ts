/**
 * Text helpers for RPC arguments and results: Core's numeric `LookupHost` (no DNS), which unlike
 * `NetAddress.parse` also reads the shorthand IPv4 forms `getaddrinfo(AI_NUMERICHOST)` accepts
 * (`127.1`, `0x7f.1`), and Core's `SanitizeString` for peer-supplied text such as user agents.
 */
import { NetAddress } from '../address/netaddress.js';
import { Net } from '../address/network.js';

/** One inet_aton part: decimal, octal (leading 0) or hex (0x); undefined when malformed. */
function inetAtonPart(text: string): number | undefined {
  if (/^0x[0-9a-f]*$/i.test(text)) return text.length === 2 ? 0 : parseInt(text.slice(2), 16);
  if (/^0[0-7]*$/.test(text)) return parseInt(text, 8);
  if (/^[1-9][0-9]*$/.test(text)) return Number(text);
  return undefined;
}

/**
 * The IPv4 forms `inet_aton` accepts (what glibc's numeric `getaddrinfo` reads): `a.b.c.d`, `a.b.c`
 * (last part 16 bits), `a.b` (last part 24 bits), `a` (32 bits), each part decimal, octal or hex.
 */
export function parseInetAton(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums = parts.map(inetAtonPart);
  if (nums.some((n) => n === undefined || !Number.isFinite(n))) return undefined;
  const values = nums as number[];
  const lastBits = 8 * (5 - values.length);
  const last = values[values.length - 1];
  if (values.slice(0, -1).some((v) => v > 0xff) || last >= 2 ** lastBits) return undefined;
  let n = last;
  values.slice(0, -1).forEach((v, i) => { n += v * 2 ** (8 * (3 - i)); });
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/**
 * Core `LookupHost(name, /*fAllowLookup=*\/false)` followed by `MaybeFlipIPv6toCJDNS`: strips one
 * pair of brackets, then reads a Tor v3 or I2P name, an IPv6 address, or an IPv4 address in any
 * `inet_aton` form. Returns undefined for anything else (host names are never resolved here).
 */
export function lookupHost(text: string, options: { cjdns: boolean }): NetAddress | undefined {
  let host = text;
  if (host.length === 0 || host !== host.trim() || host.includes('\0')) return undefined;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (!host.includes(':') && !/\.(onion|i2p|internal)$/i.test(host)) {
    const v4 = parseInetAton(host);
    return v4 ? NetAddress.ipv4(v4) : undefined;
  }
  try {
    const addr = NetAddress.parse(host, { cjdns: options.cjdns });
    return addr.net === Net.INTERNAL ? undefined : addr;
  } catch {
    return undefined;
  }
}

/** Core SAFE_CHARS_DEFAULT: what `SanitizeString` keeps. */
const SAFE_CHARS = /[^a-zA-Z0-9 .,;\-_/:?@()]/g;

/** Core `SanitizeString(str)`: drops every character outside the default safe set (getpeerinfo "subver"). */
export function sanitizeString(text: string): string {
  return text.replace(SAFE_CHARS, '');
}
