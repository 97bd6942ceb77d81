/**
 * Where a crawl starts. With explicit seeds (`--seed HOST[:PORT]`) only those, resolved when they are
 * names. Otherwise the network's DNS seeds, asked the way Core asks them (net.cpp
 * `ThreadDNSAddressSeed`): the name `x9.<seed>`, which makes seeds that filter by service bits return
 * only NODE_NETWORK|NODE_WITNESS nodes, falling back to the plain seed name when that yields nothing
 * (Core falls back to an addr-fetch connection to the seed name, which for a crawler is the same
 * thing) — plus the network's fixed seeds.
 */
import { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import { dnsSeedQueryName } from '../connman/seeds.js';
import type { Resolver } from '../util/resolver.js';
import type { Clock } from '../util/clock.js';
import { AbortError } from '../util/clock.js';
import { ParseError } from '../util/errors.js';

/** How long one DNS lookup may take before the seed is given up, ms. */
export const DNS_SEED_TIMEOUT_MS = 15_000;
/** Most IPs taken from one DNS answer (Core takes 32 per seed; a crawler wants what the seed offers, bounded). */
export const MAX_IPS_PER_DNS_ANSWER = 256;

/** An operator-given seed: a numeric address, or a host name to resolve. */
export type SeedSpec =
  | { kind: 'address'; service: NetService }
  | { kind: 'host'; host: string; port: number };

const HOST_LABEL_RE = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * Parses `HOST[:PORT]`, `[IPV6]:PORT` or a bare IPv6 address; a missing port is `defaultPort`.
 * Throws ParseError for anything that is neither an address nor a valid DNS name.
 */
export function parseSeedSpec(text: string, defaultPort: number): SeedSpec {
  const s = String(text).trim();
  try {
    return { kind: 'address', service: NetService.parse(s, defaultPort) };
  } catch {
    // not numeric: maybe a host name
  }
  const m = /^([^:[\]]+?)(?::(\d{1,5}))?$/.exec(s);
  const host = m?.[1] ?? '';
  const bare = host.endsWith('.') ? host.slice(0, -1) : host;
  const port = m?.[2] !== undefined ? Number(m[2]) : defaultPort;
  if (!m || bare.length === 0 || bare.length > 253 || !bare.split('.').every((l) => HOST_LABEL_RE.test(l)) || /^[\d.]+$/.test(bare)) {
    throw new ParseError(`seed "${s}" is neither an address nor a host name (expected HOST[:PORT])`);
  }
  if (port > 0xffff) throw new ParseError(`seed "${s}": port must be 0-65535`);
  return { kind: 'host', host, port };
}

/** Turns resolver output into services on `port`, skipping what does not parse. */
export function servicesFromIps(ips: readonly string[], port: number): NetService[] {
  const out: NetService[] = [];
  for (const ip of ips.slice(0, MAX_IPS_PER_DNS_ANSWER)) {
    try {
      out.push(new NetService(NetAddress.parse(ip, { cjdns: false }), port));
    } catch {
      // a resolver answer we cannot use
    }
  }
  return out;
}

/**
 * Resolves `host` with a time limit: the resolver may ignore the signal (the OS resolver does), so
 * the lookup is raced against the clock and `signal`. Rejects with the resolver's error, an
 * AbortError, or a ParseError saying it timed out.
 */
export function resolveWithin(resolver: Resolver, host: string, clock: Clock, timeoutMs: number, signal: AbortSignal): Promise<string[]> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new AbortError(`lookup of ${host} aborted`));
      return;
    }
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => settle(() => reject(new AbortError(`lookup of ${host} aborted`)));
    const timer = clock.setTimeout(() => settle(() => reject(new ParseError(`lookup of ${host} timed out after ${timeoutMs} ms`))), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    resolver(host, signal).then((ips) => settle(() => resolve(ips)), (e: unknown) => settle(() => reject(e)));
  });
}

/**
 * Core-style DNS seed lookup: `x9.<seed>` first, the seed name itself when that fails or is empty.
 * Resolves with the services found (on `port`) — empty when a name answered without a usable
 * address — and the name that answered. When no name could be resolved at all (no such name, no
 * resolver, time-out) it rejects with the last lookup error, so "DNS failed" is never reported as
 * "the seed has no addresses".
 */
export async function lookupDnsSeed(seed: string, port: number, resolver: Resolver, clock: Clock, signal: AbortSignal,
  timeoutMs = DNS_SEED_TIMEOUT_MS): Promise<{ services: NetService[]; name: string | undefined }> {
  let lastError: unknown;
  let answered = false;
  for (const name of [dnsSeedQueryName(seed), seed]) {
    let ips: string[] = [];
    try {
      ips = await resolveWithin(resolver, name, clock, timeoutMs, signal);
      answered = true;
    } catch (e) {
      if (e instanceof AbortError) throw e;
      lastError = e;
      continue;
    }
    const services = servicesFromIps(ips, port);
    if (services.length > 0) return { services, name };
  }
  if (!answered) throw lastError;
  return { services: [], name: undefined };
}
