/**
 * The name-resolution seam. Components that turn host names into addresses (DNS seeding, `-addnode`
 * names, the crawler's seeds) take a `Resolver`; production uses the operating system's, tests pass a
 * table, and a run behind a proxy passes none at all (names then go to the proxy).
 */
import { promises as dns } from 'node:dns';

/** Resolves a host name to IP address strings. */
export type Resolver = (host: string, signal?: AbortSignal) => Promise<string[]>;

/** The operating system's resolver (`node:dns` lookup, every address family). */
export const systemResolver: Resolver = async (host) => {
  const results = await dns.lookup(host, { all: true, verbatim: true });
  return results.map((r) => r.address);
};
