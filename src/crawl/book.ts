/**
 * The crawl's bookkeeping, pure: which addresses are known, which wait in the breadth-first queue,
 * which are being tried, and the records of those that were. No sockets, no timers — the I/O shell
 * (crawler.ts) asks it for the next target and reports how each attempt ended.
 *
 * Everything a crawled node says is untrusted, and a crawler is an amplifier: every address it
 * accepts becomes a connection attempt. So gossiped addresses (unlike the seeds the operator gave)
 * must be publicly routable, must not use port 0 or one of Core's bad ports (SSH, SMTP, databases),
 * may occupy at most MAX_PORTS_PER_ADDRESS ports of one IP (a node cannot make us scan a host), and
 * must be on a network the transport can reach. The number of known addresses — and with it the
 * queue, the index and the records — is capped (MAX_CRAWL_NODES, lower with `maxNodes`).
 */
import { Net, type NetId } from '../address/network.js';
import type { AddressRecord } from '../address/record.js';
import type { NetService } from '../address/service.js';
import { isBadPort } from '../connman/policy/bad-ports.js';
import { Fifo } from '../peer/queue.js';
import { ArgumentError } from '../util/errors.js';
import { buildNodeRecord, type CrawlNodeRecord, type CrawlStats, type SkipCounts, type VisitOutcome } from './record.js';

/**
 * Most addresses one crawl keeps track of (queued, in flight and tried). A mainnet crawl meets a few
 * hundred thousand gossiped addresses, of which some tens of thousands answer; at roughly 1 KB per
 * address (index entry plus record) this bounds memory to a few hundred MB.
 */
export const MAX_CRAWL_NODES = 250_000;
/** Most ports tried for one IP address, so a node cannot turn the crawl into a port scan of a host. */
export const MAX_PORTS_PER_ADDRESS = 4;

/** An address to try and how it was learned. */
export interface CrawlTarget {
  /** The address and port. */
  service: NetService;
  /** `seed`, `dns:<seed>`, `fixed`, or the node that told us. */
  source: string;
}

/** What `offer` did with an address: queued it, or why not. */
export type OfferResult = 'queued' | keyof SkipCounts;

type EntryState = 'queued' | 'in-flight' | 'done' | 'abandoned';

interface Entry extends CrawlTarget {
  state: EntryState;
}

/** Options of `CrawlBook`. */
export interface CrawlBookOptions {
  /** Cap on known addresses, 1..MAX_CRAWL_NODES (default MAX_CRAWL_NODES). */
  maxNodes?: number;
  /** Whether the transport can dial an address of network `net` (its own network, e.g. Net.ONION). */
  canReach(net: NetId): boolean;
}

function zeroSkips(): SkipCounts {
  return { duplicate: 0, unreachableNetwork: 0, unroutable: 0, badPort: 0, portsPerAddress: 0, cap: 0 };
}

/** Queue, de-duplication, caps and results of one crawl. */
export class CrawlBook {
  /** The cap on known addresses in force. */
  readonly maxNodes: number;
  private readonly canReach: (net: NetId) => boolean;
  private readonly known = new Map<string, Entry>();
  private readonly portsPerAddress = new Map<string, number>();
  private readonly queue = new Fifo<Entry>();
  private readonly results: CrawlNodeRecord[] = [];
  private readonly skips = zeroSkips();
  private inFlight = 0;
  private abandoned = 0;
  private reachable = 0;

  /** @param options see `CrawlBookOptions`; a bad `maxNodes` is an ArgumentError. */
  constructor(options: CrawlBookOptions) {
    const maxNodes = options.maxNodes ?? MAX_CRAWL_NODES;
    if (!Number.isInteger(maxNodes) || maxNodes < 1 || maxNodes > MAX_CRAWL_NODES) {
      throw new ArgumentError(`maxNodes must be an integer in [1, ${MAX_CRAWL_NODES}], got ${String(maxNodes)}`);
    }
    this.maxNodes = maxNodes;
    this.canReach = options.canReach;
  }

  /**
   * Offers an address. `trusted` addresses (the operator's seeds) skip the routability and port
   * rules; everything else must pass them. Returns 'queued' or the reason it was refused.
   */
  offer(service: NetService, source: string, trusted = false): OfferResult {
    const { addr } = service;
    let result: OfferResult = 'queued';
    if (!addr.isValid() || (!trusted && !addr.isRoutable())) result = 'unroutable';
    else if (!trusted && ((service.port === 0 && addr.net !== Net.I2P) || isBadPort(service.port))) result = 'badPort';
    else if (!this.canReach(addr.net)) result = 'unreachableNetwork';
    else if (this.known.has(service.key)) result = 'duplicate';
    else if (this.known.size >= this.maxNodes) result = 'cap';
    else if ((this.portsPerAddress.get(addr.key) ?? 0) >= MAX_PORTS_PER_ADDRESS) result = 'portsPerAddress';
    if (result !== 'queued') {
      this.skips[result]++;
      return result;
    }
    const entry: Entry = { service, source, state: 'queued' };
    this.known.set(service.key, entry);
    this.portsPerAddress.set(addr.key, (this.portsPerAddress.get(addr.key) ?? 0) + 1);
    this.queue.push(entry);
    return 'queued';
  }

  /** Offers the addresses a node sent; returns how many were queued. */
  offerRecords(records: readonly AddressRecord[], source: string): number {
    let queued = 0;
    for (const r of records) if (this.offer(r.service, source) === 'queued') queued++;
    return queued;
  }

  /** Takes the oldest queued address (breadth-first) and marks it in flight; undefined when none. */
  next(): CrawlTarget | undefined {
    const entry = this.queue.shift();
    if (!entry) return undefined;
    entry.state = 'in-flight';
    this.inFlight++;
    return { service: entry.service, source: entry.source };
  }

  /**
   * Records how the attempt on `target` ended and queues the addresses a reachable node sent.
   * Returns the record, or undefined for an abandoned attempt (which stays "not tried").
   */
  complete(target: CrawlTarget, outcome: VisitOutcome, triedAtMs: number): CrawlNodeRecord | undefined {
    const entry = this.known.get(target.service.key);
    if (!entry || entry.state !== 'in-flight') {
      throw new ArgumentError(`${target.service} is not being tried`);
    }
    this.inFlight--;
    if (outcome.kind === 'abandoned') {
      entry.state = 'abandoned';
      this.abandoned++;
      return undefined;
    }
    entry.state = 'done';
    const record = buildNodeRecord(entry.service, entry.source, triedAtMs, outcome);
    if (outcome.kind === 'reachable') {
      this.reachable++;
      record.newAddresses = this.offerRecords(outcome.addresses, record.address);
    }
    this.results.push(record);
    return record;
  }

  /** Number of queued addresses. */
  get queued(): number {
    return this.queue.length;
  }

  /** Attempts under way. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Known addresses never fully tried: queued, in flight, or abandoned when the crawl stopped. */
  get notTried(): number {
    return this.queue.length + this.inFlight + this.abandoned;
  }

  /** The records of finished attempts, in the order they finished. */
  records(): readonly CrawlNodeRecord[] {
    return this.results;
  }

  /** Current counters. */
  stats(): CrawlStats {
    return {
      tried: this.results.length,
      reachable: this.reachable,
      unreachable: this.results.length - this.reachable,
      inFlight: this.inFlight,
      queued: this.queue.length,
      known: this.known.size,
      skipped: { ...this.skips },
    };
  }
}
