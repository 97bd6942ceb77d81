/**
 * What a crawl produces: one `CrawlNodeRecord` per address tried, and the `CrawlReport` written to
 * crawl.json. Records have a fixed shape — every field is present, `null` when it does not apply
 * (an unreachable node has no user agent; a reachable one has no error) — so tools like `jq` can
 * read them without guarding each key.
 */
import type { AddressNetwork } from '../address/network.js';
import type { AddressRecord } from '../address/record.js';
import type { NetService } from '../address/service.js';
import type { RemoteVersion } from '../peer/peer.js';
import { formatServiceFlags, serviceFlagNames } from '../wire/services.js';

/** One address the crawler tried. */
export interface CrawlNodeRecord {
  /** `host:port` as Core prints it (`1.2.3.4:8333`, `[2001:db8::1]:8333`). */
  address: string;
  /** The address's network: ipv4, ipv6, onion, i2p, cjdns. */
  network: AddressNetwork;
  /** True when the node completed the version handshake (we received its `version`). */
  reachable: boolean;
  /** How we learned the address: `seed`, `dns:<seed name>`, `fixed`, or the `host:port` of the node that told us. */
  source: string;
  /** When the attempt started (ISO 8601). */
  triedAt: string;
  /** Handshake round trip: from sending our `version` to receiving theirs, ms. */
  latencyMs: number | null;
  /** The protocol version the node announced. */
  protocolVersion: number | null;
  /** Its user agent (BIP14 subversion). */
  userAgent: string | null;
  /** Its service flags as 16 hex digits (getpeerinfo `services`). */
  services: string | null;
  /** Names of its service flags (getpeerinfo `servicesnames`). */
  servicesNames: string[] | null;
  /** The best height it announced. */
  startHeight: number | null;
  /** Whether it asked for transaction relay. */
  relay: boolean | null;
  /** Addresses it sent in addr/addrv2 messages while we waited. */
  addressesReceived: number;
  /** Of those, how many were new to the crawl and queued. */
  newAddresses: number;
  /** Why it was unreachable. */
  error: string | null;
  /** Stable code of that reason (`ERR_CONNECT_TIMEOUT`, `ERR_CONNECT_REFUSED`, `ERR_HANDSHAKE_TIMEOUT` …). */
  errorCode: string | null;
}

/** Why a crawl ended. */
export type CrawlStopReason = 'queue-empty' | 'duration' | 'interrupted';

/** Addresses refused by the crawl's bookkeeping, by reason. */
export interface SkipCounts {
  /** Already known (queued, in flight or tried). */
  duplicate: number;
  /** On a network the transport cannot dial (e.g. onion without a proxy). */
  unreachableNetwork: number;
  /** Not publicly routable (private, reserved, local) or invalid, when learned from gossip. */
  unroutable: number;
  /** Port 0 or one of Core's bad ports (SSH, SMTP, …), when learned from gossip. */
  badPort: number;
  /** Too many ports already known for the same IP. */
  portsPerAddress: number;
  /** The crawl already knows its maximum number of addresses. */
  cap: number;
}

/** Counters of a crawl in progress or finished. */
export interface CrawlStats {
  /** Attempts finished (reachable + unreachable). */
  tried: number;
  /** Nodes that completed the handshake. */
  reachable: number;
  /** Nodes that did not. */
  unreachable: number;
  /** Attempts under way. */
  inFlight: number;
  /** Addresses waiting to be tried. */
  queued: number;
  /** Addresses known to the crawl (tried + in flight + queued + abandoned). */
  known: number;
  /** Addresses refused, by reason. */
  skipped: SkipCounts;
}

/** The contents of crawl.json. */
export interface CrawlReport {
  /** Network name (`main`, `regtest`, or a custom name). */
  network: string;
  /** Its message start, 8 hex digits. */
  magic: string;
  /** When the crawl started (ISO 8601). */
  startedAt: string;
  /** When it ended (ISO 8601). */
  finishedAt: string;
  /** Why it ended. */
  stoppedBy: CrawlStopReason;
  /**
   * Seeds that gave no address, with the reason: `seed.example.org: no addresses` (DNS answered, with no
   * usable address) or `seed.example.org: DNS lookup failed: getaddrinfo ENOTFOUND …` (no answer at all).
   */
  seedErrors: string[];
  /** Counters at the end; `notTried` counts addresses known but never (fully) tried. */
  stats: Omit<CrawlStats, 'inFlight' | 'queued'> & { notTried: number };
  /** Every address tried, in the order the attempts finished. */
  nodes: CrawlNodeRecord[];
}

/** How one attempt ended, as the I/O shell reports it to the bookkeeping. */
export type VisitOutcome =
  | {
    kind: 'reachable';
    /** What the node said in its `version`. */
    remote: RemoteVersion;
    /** Handshake round trip, ms. */
    latencyMs: number;
    /** Addresses from its addr/addrv2 replies. */
    addresses: AddressRecord[];
  }
  | {
    kind: 'unreachable';
    /** Stable reason code. */
    code: string;
    /** Human-readable reason. */
    error: string;
  }
  /** Cut short by the end of the crawl before the handshake completed: not recorded. */
  | { kind: 'abandoned' };

/** Builds the record of one finished attempt (`newAddresses` is filled in by the bookkeeping). */
export function buildNodeRecord(target: NetService, source: string, triedAtMs: number,
  outcome: Exclude<VisitOutcome, { kind: 'abandoned' }>): CrawlNodeRecord {
  const base: CrawlNodeRecord = {
    address: target.toString(),
    network: target.addr.networkType(),
    reachable: false,
    source,
    triedAt: new Date(triedAtMs).toISOString(),
    latencyMs: null,
    protocolVersion: null,
    userAgent: null,
    services: null,
    servicesNames: null,
    startHeight: null,
    relay: null,
    addressesReceived: 0,
    newAddresses: 0,
    error: null,
    errorCode: null,
  };
  if (outcome.kind === 'unreachable') return { ...base, error: outcome.error, errorCode: outcome.code };
  const r = outcome.remote;
  return {
    ...base,
    reachable: true,
    latencyMs: Math.max(0, Math.round(outcome.latencyMs)),
    protocolVersion: r.version,
    userAgent: r.userAgent,
    services: formatServiceFlags(r.services),
    servicesNames: serviceFlagNames(r.services),
    startHeight: r.startHeight,
    relay: r.relay,
    addressesReceived: outcome.addresses.length,
  };
}
