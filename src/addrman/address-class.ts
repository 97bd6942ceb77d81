/**
 * Core's address classification (`IsValid`, `GetNetwork`, `GetNetClass`; netaddress.cpp) read straight
 * from an address stored in the entry table's byte pool, without building a `NetAddress`.
 *
 * Loading a full peers.dat classifies 81,920 addresses; building a `NetAddress` for each (an object and
 * a copied byte array) costs more than the rest of the decoding. The rules are those of `NetAddress`
 * (address/netaddress.ts), which the tests compare this with on random and on every special range.
 */
import { Net } from '../address/network.js';

/** Bit set in `classifyPooled`'s result when the address is valid (Core `IsValid`). */
export const CLASS_VALID = 0x40;

/**
 * Classifies the address of network `net` whose bytes start at `pool[off]`: bits 0–2 are Core's
 * `GetNetwork()`, bits 3–5 `GetNetClass()`, and CLASS_VALID is set when the address is valid.
 */
export function classifyPooled(net: number, pool: Uint8Array, off: number): number {
  const valid = isValidPooled(net, pool, off);
  if (net === Net.INTERNAL) return Net.INTERNAL | (Net.INTERNAL << 3) | (valid ? CLASS_VALID : 0);
  if (!valid || !isRoutableValid(net, pool, off)) return valid ? CLASS_VALID : 0; // UNROUTABLE, UNROUTABLE
  let netClass = net;
  if (net === Net.IPV6 && linksIPv4(pool, off)) netClass = Net.IPV4;
  return net | (netClass << 3) | CLASS_VALID;
}

/** Core `IsValid`. */
function isValidPooled(net: number, b: Uint8Array, o: number): boolean {
  switch (net) {
    case Net.IPV4: {
      const v = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
      return v !== 0 && v !== 0xffffffff;
    }
    case Net.IPV6: {
      let zero = true;
      for (let i = 0; i < 16; i++) if (b[o + i] !== 0) { zero = false; break; }
      if (zero) return false;
      if (b[o] === 0x20 && b[o + 1] === 0x01 && b[o + 2] === 0x0d && b[o + 3] === 0xb8) return false; // RFC 3849
      if (b[o] === 0x3f && b[o + 1] === 0xff && (b[o + 2] & 0xf0) === 0) return false; // RFC 9637
      return true;
    }
    case Net.CJDNS: return b[o] === 0xfc;
    case Net.ONION:
    case Net.I2P: return true;
    default: return false; // internal and unroutable addresses are not valid
  }
}

/** Core `IsRoutable` of an address already known to be valid (and not internal). */
function isRoutableValid(net: number, b: Uint8Array, o: number): boolean {
  if (net === Net.IPV4) {
    const a0 = b[o];
    const a1 = b[o + 1];
    if (a0 === 10 || (a0 === 192 && a1 === 168) || (a0 === 172 && a1 >= 16 && a1 <= 31)) return false; // RFC 1918
    if (a0 === 198 && (a1 === 18 || a1 === 19)) return false; // RFC 2544
    if (a0 === 169 && a1 === 254) return false; // RFC 3927
    if (a0 === 100 && a1 >= 64 && a1 <= 127) return false; // RFC 6598
    const a2 = b[o + 2];
    if ((a0 === 192 && a1 === 0 && a2 === 2) || (a0 === 198 && a1 === 51 && a2 === 100) || (a0 === 203 && a1 === 0 && a2 === 113)) return false; // RFC 5737
    if (a0 === 127 || a0 === 0) return false; // local
    return true;
  }
  if (net === Net.IPV6) {
    const a0 = b[o];
    if (a0 === 0xfe && b[o + 1] === 0x80) { // RFC 4862: fe80::/64
      let linkLocal = true;
      for (let i = 2; i < 8; i++) if (b[o + i] !== 0) { linkLocal = false; break; }
      if (linkLocal) return false;
    }
    if ((a0 & 0xfe) === 0xfc) return false; // RFC 4193
    if (a0 === 0x20 && b[o + 1] === 0x01 && b[o + 2] === 0x00) {
      const top = b[o + 3] & 0xf0;
      if (top === 0x10 || top === 0x20) return false; // RFC 4843, RFC 7343
    }
    let local = b[o + 15] === 1; // ::1
    for (let i = 0; local && i < 15; i++) if (b[o + i] !== 0) local = false;
    return !local;
  }
  return true; // Tor, I2P, CJDNS
}

/** Core `HasLinkedIPv4` for a routable IPv6 address: SIIT, NAT64, 6to4 or Teredo. */
function linksIPv4(b: Uint8Array, o: number): boolean {
  if (b[o] === 0x20 && b[o + 1] === 0x02) return true; // RFC 3964
  if (b[o] === 0x20 && b[o + 1] === 0x01 && b[o + 2] === 0 && b[o + 3] === 0) return true; // RFC 4380
  for (let i = 0; i < 8; i++) if (b[o + i] !== 0) return b[o] === 0x00 && b[o + 1] === 0x64 && b[o + 2] === 0xff && b[o + 3] === 0x9b && isZero(b, o + 4, 8); // RFC 6052
  return (b[o + 8] === 0xff && b[o + 9] === 0xff && b[o + 10] === 0 && b[o + 11] === 0); // RFC 6145 (first 8 bytes zero)
}

function isZero(b: Uint8Array, o: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[o + i] !== 0) return false;
  return true;
}

/**
 * Core `NetGroupManager::GetGroup` without an asmap (prefix groups), read from pooled bytes: writes the
 * group (network class byte, then the prefix bytes) into `out` at `at` and returns its length (at most
 * 11: an internal address's class and 10 bytes; at most 7 for a routable address). Callers with an
 * asmap use `NetGroupManager.getGroup`.
 */
export function writeGroupPooled(net: number, b: Uint8Array, o: number, out: Uint8Array, at: number): number {
  const c = classifyPooled(net, b, o);
  const netClass = (c >>> 3) & 7;
  if (net === Net.INTERNAL) {
    out[at] = netClass;
    for (let i = 0; i < 10; i++) out[at + 1 + i] = b[o + i];
    return 11;
  }
  if ((c & 7) === Net.UNROUTABLE) { // local, invalid or otherwise unroutable: the class byte alone
    out[at] = netClass;
    return 1;
  }
  if (netClass === Net.IPV4) { // IPv4 itself, or an IPv6 that embeds one: its /16
    out[at] = Net.IPV4;
    if (net === Net.IPV4) { out[at + 1] = b[o]; out[at + 2] = b[o + 1]; }
    else if (b[o] === 0x20 && b[o + 1] === 0x02) { out[at + 1] = b[o + 2]; out[at + 2] = b[o + 3]; } // 6to4
    else if (b[o] === 0x20 && b[o + 1] === 0x01) { out[at + 1] = ~b[o + 12] & 0xff; out[at + 2] = ~b[o + 13] & 0xff; } // Teredo
    else { out[at + 1] = b[o + 12]; out[at + 2] = b[o + 13]; } // NAT64, SIIT
    return 3;
  }
  let bits: number;
  if (net === Net.ONION || net === Net.I2P) bits = 4;
  else if (net === Net.CJDNS) bits = 12; // the constant 0xfc byte plus 4 random bits
  else if (b[o] === 0x20 && b[o + 1] === 0x01 && b[o + 2] === 0x04 && b[o + 3] === 0x70) bits = 36; // Hurricane Electric
  else bits = 32;
  const whole = bits >> 3;
  const rest = bits & 7;
  out[at] = netClass;
  for (let i = 0; i < whole; i++) out[at + 1 + i] = b[o + i];
  if (rest === 0) return 1 + whole;
  out[at + 1 + whole] = b[o + whole] | ((1 << (8 - rest)) - 1);
  return 2 + whole;
}
