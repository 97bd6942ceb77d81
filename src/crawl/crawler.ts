/**
 * The network crawler: a breadth-first walk over every node it can reach. It starts from the seeds
 * (the operator's, or the network's DNS and fixed seeds), and for each address connects, completes
 * the version handshake (recording version, user agent, services, height and the handshake round
 * trip), sends `getaddr`, waits for the answer (Core answers on a timer with a 30 s mean, so
 * patience matters more than speed here), queues the new addresses it hears about, and disconnects.
 *
 * It is a thin I/O shell around the pure bookkeeping in book.ts: at most `concurrency` attempts run
 * at once; the crawl ends when nothing is queued or in flight, when `durationMs` has passed, or when
 * `stop()` is called (Ctrl-C in the CLI) — then attempts under way end at once, nodes that already
 * completed the handshake are kept with what they sent, and the report is built from what is known.
 * Clock, randomness, transport and resolver are injected, so tests run whole crawls on the in-memory
 * network in virtual time. Gossip is untrusted input: see book.ts for the limits that keep a hostile
 * node from steering the crawl at other hosts or growing it without bound.
 */
import type { NetId } from '../address/network.js';
import type { NetService } from '../address/service.js';
import { DEFAULT_USER_AGENT } from '../wire/user-agent.js';
import type { Resolver } from '../util/resolver.js';
import type { LocalNodeInfo } from '../peer/peer.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type Transport } from '../transport/transport.js';
import type { Clock, Timer } from '../util/clock.js';
import { AbortError } from '../util/clock.js';
import { ArgumentError, PeerbookError } from '../util/errors.js';
import { bytesToHex } from '../util/hex.js';
import type { Random } from '../util/random.js';
import type { NetworkParams } from '../wire/params.js';
import { NODE_NONE } from '../wire/services.js';
import { PROTOCOL_VERSION } from '../wire/version.js';
import { CrawlBook, MAX_CRAWL_NODES, type CrawlTarget } from './book.js';
import type { CrawlReport, CrawlStats, CrawlStopReason, VisitOutcome } from './record.js';
import { lookupDnsSeed, parseSeedSpec, resolveWithin, servicesFromIps, DNS_SEED_TIMEOUT_MS, type SeedSpec } from './seeds.js';
import { visitNode } from './visit.js';

/** Attempts run at once by default. */
export const DEFAULT_CRAWL_CONCURRENCY = 32;
/** Most attempts at once (each holds a socket; stays well under the usual 1024 open-file limit). */
export const MAX_CRAWL_CONCURRENCY = 512;
/** Default crawl duration, ms. */
export const DEFAULT_CRAWL_DURATION_MS = 10 * 60_000;
/** Longest crawl accepted, ms (a week). */
export const MAX_CRAWL_DURATION_MS = 7 * 24 * 3600_000;
/** Default wait for a getaddr answer: Core's mean address-send interval (AVG_ADDRESS_BROADCAST_INTERVAL), ms. */
export const DEFAULT_GETADDR_WAIT_MS = 30_000;
/** Longest getaddr wait accepted, ms. */
export const MAX_GETADDR_WAIT_MS = 10 * 60_000;
/** Default dial timeout and handshake timeout, each: Core DEFAULT_CONNECT_TIMEOUT (netbase.h), ms. */
export const DEFAULT_CRAWL_TIMEOUT_MS = DEFAULT_CONNECT_TIMEOUT_MS;
/** Longest dial/handshake timeout accepted, ms. */
export const MAX_CRAWL_TIMEOUT_MS = 10 * 60_000;
/** Most operator-given seeds. */
export const MAX_CRAWL_SEEDS = 1_000;
/** The crawler's user agent: Peerbook's, with a BIP14 comment saying what it is. */
export const CRAWLER_USER_AGENT = DEFAULT_USER_AGENT.replace(/\/$/, '(crawler)/');

/** Options of `Crawler`. */
export interface CrawlerOptions {
  /** Network parameters (magic, default port, DNS and fixed seeds). */
  network: NetworkParams;
  /** How to dial. */
  transport: Transport;
  /** Which networks `transport` can dial (by the address's own network, e.g. Net.ONION). */
  canReach(net: NetId): boolean;
  /** Time source. */
  clock: Clock;
  /** Clock for the per-connection `Peer`s (default `clock`); see visit.ts. */
  peerClock?: Clock;
  /** Randomness. */
  random: Random;
  /** DNS resolver for seeds. */
  resolver: Resolver;
  /** `HOST[:PORT]` seeds; when given, the network's DNS and fixed seeds are not used. */
  seeds?: readonly string[];
  /** Attempts at once, 1..MAX_CRAWL_CONCURRENCY (default 32). */
  concurrency?: number;
  /** Crawl at most this long, ms (default 10 min). */
  durationMs?: number;
  /** Dial timeout, and separately handshake timeout, ms (default 5000). */
  timeoutMs?: number;
  /** Wait for a getaddr answer, ms (default 30 000). */
  getaddrWaitMs?: number;
  /** Cap on known addresses (default MAX_CRAWL_NODES). */
  maxNodes?: number;
  /** User agent we announce (default CRAWLER_USER_AGENT). */
  userAgent?: string;
  /** Aborting it stops the crawl like `stop('interrupted')`. */
  signal?: AbortSignal;
}

/** Live counters plus timing. */
export interface CrawlProgress extends CrawlStats {
  /** Time since the crawl started, ms. */
  elapsedMs: number;
  /** Seed lookups still running. */
  seeding: number;
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentError(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/** Crawls a network once: `await new Crawler(options).run()`. */
export class Crawler {
  /** The bookkeeping (read it for live counters). */
  readonly book: CrawlBook;
  private readonly o: CrawlerOptions;
  private readonly seeds: SeedSpec[] | undefined;
  private readonly concurrency: number;
  private readonly durationMs: number;
  private readonly timeoutMs: number;
  private readonly getaddrWaitMs: number;
  private readonly local: LocalNodeInfo;
  /**
   * One controller per attempt and per seed lookup under way; `stop()` aborts them all. Each signal has
   * a listener or two; a single shared signal would collect one per attempt (up to the concurrency)
   * and trip Node's MaxListenersExceededWarning.
   */
  private readonly running = new Set<AbortController>();
  private state: 'new' | 'running' | 'done' = 'new';
  private stopReason: CrawlStopReason | undefined;
  private pendingLookups = 0;
  private nextPeerId = 0;
  private startedAt = 0;
  private resolveDone: (() => void) | undefined;
  private readonly seedErrors: string[] = [];

  /** @param options see `CrawlerOptions`; bad values are ArgumentErrors (seeds: ParseError). */
  constructor(options: CrawlerOptions) {
    this.o = options;
    this.concurrency = checkInt('concurrency', options.concurrency ?? DEFAULT_CRAWL_CONCURRENCY, 1, MAX_CRAWL_CONCURRENCY);
    this.durationMs = checkInt('durationMs', options.durationMs ?? DEFAULT_CRAWL_DURATION_MS, 1, MAX_CRAWL_DURATION_MS);
    this.timeoutMs = checkInt('timeoutMs', options.timeoutMs ?? DEFAULT_CRAWL_TIMEOUT_MS, 1, MAX_CRAWL_TIMEOUT_MS);
    this.getaddrWaitMs = checkInt('getaddrWaitMs', options.getaddrWaitMs ?? DEFAULT_GETADDR_WAIT_MS, 0, MAX_GETADDR_WAIT_MS);
    checkInt('maxNodes', options.maxNodes ?? MAX_CRAWL_NODES, 1, MAX_CRAWL_NODES);
    if (options.seeds && options.seeds.length > MAX_CRAWL_SEEDS) {
      throw new ArgumentError(`at most ${MAX_CRAWL_SEEDS} seeds, got ${options.seeds.length}`);
    }
    this.seeds = options.seeds && options.seeds.length > 0
      ? options.seeds.map((s) => parseSeedSpec(s, options.network.defaultPort))
      : undefined;
    this.book = new CrawlBook({ maxNodes: options.maxNodes, canReach: options.canReach });
    this.local = {
      protocolVersion: PROTOCOL_VERSION,
      services: NODE_NONE,
      userAgent: options.userAgent ?? CRAWLER_USER_AGENT,
      startHeight: () => 0,
      relayTxs: false,
    };
  }

  /** Live counters. */
  progress(): CrawlProgress {
    return {
      ...this.book.stats(),
      elapsedMs: this.state === 'new' ? 0 : this.o.clock.now() - this.startedAt,
      seeding: this.pendingLookups,
    };
  }

  /** Why the crawl stopped (or is stopping), once it did. */
  get stoppedBy(): CrawlStopReason | undefined {
    return this.stopReason;
  }

  /** Ends the crawl early: attempts under way end at once and `run()` resolves with what is known. Idempotent. */
  stop(reason: CrawlStopReason = 'interrupted'): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    for (const c of this.running) c.abort();
    this.pump();
  }

  /** Runs the crawl to its end and returns the report. Can be called once. */
  async run(): Promise<CrawlReport> {
    if (this.state !== 'new') throw new PeerbookError('ERR_CRAWL', 'a Crawler runs once; create a new one');
    const { clock, signal } = this.o;
    this.state = 'running';
    this.startedAt = clock.now();
    const done = new Promise<void>((resolve) => { this.resolveDone = resolve; });
    const onSignal = (): void => this.stop('interrupted');
    signal?.addEventListener('abort', onSignal, { once: true });
    const durationTimer: Timer = clock.setTimeout(() => this.stop('duration'), this.durationMs);
    if (signal?.aborted) this.stop('interrupted');
    this.startSeeding();
    this.pump();
    await done;
    durationTimer.cancel();
    signal?.removeEventListener('abort', onSignal);
    return this.report(clock.now());
  }

  // ---- seeding --------------------------------------------------------------------------------

  private startSeeding(): void {
    const { network } = this.o;
    if (this.seeds) {
      for (const seed of this.seeds) {
        if (seed.kind === 'address') this.book.offer(seed.service, 'seed', true);
        else this.lookup(seed.host, async (signal) => servicesFromIps(
          await resolveWithin(this.o.resolver, seed.host, this.o.clock, DNS_SEED_TIMEOUT_MS, signal), seed.port), 'seed');
      }
      return;
    }
    for (const seed of network.dnsSeeds) {
      const name = seed.endsWith('.') ? seed.slice(0, -1) : seed;
      this.lookup(name, async (signal) => (await lookupDnsSeed(seed, network.defaultPort, this.o.resolver, this.o.clock, signal)).services, `dns:${name}`);
    }
    for (const service of network.fixedSeeds) this.book.offer(service, 'fixed');
  }

  /** Runs one seed lookup; an unresolvable seed is not fatal, it is listed in the report's `seedErrors`. */
  private lookup(name: string, find: (signal: AbortSignal) => Promise<NetService[]>, source: string): void {
    this.pendingLookups++;
    const abort = this.track();
    find(abort.signal).then(
      (services) => {
        if (services.length === 0) this.seedErrors.push(`${name}: no addresses`);
        for (const s of services) this.book.offer(s, source, source === 'seed');
      },
      (e: unknown) => {
        if (!(e instanceof AbortError)) this.seedErrors.push(`${name}: DNS lookup failed: ${e instanceof Error ? e.message : String(e)}`);
      },
    ).finally(() => {
      this.running.delete(abort);
      this.pendingLookups--;
      this.pump();
    });
  }

  // ---- the loop -----------------------------------------------------------------------------

  /** Starts attempts while slots are free; notices the end. Called after every state change. */
  private pump(): void {
    if (this.state !== 'running') return;
    if (this.stopReason === undefined) {
      while (this.book.inFlightCount < this.concurrency) {
        const target = this.book.next();
        if (!target) break;
        this.launch(target);
      }
      if (this.book.inFlightCount === 0 && this.pendingLookups === 0) this.stopReason = 'queue-empty';
    }
    if (this.stopReason !== undefined && this.book.inFlightCount === 0 && this.pendingLookups === 0) {
      this.state = 'done';
      this.resolveDone?.();
    }
  }

  /** A controller for one attempt or lookup, aborted by `stop()`; the caller deletes it from `running` when done. */
  private track(): AbortController {
    const c = new AbortController();
    if (this.stopReason !== undefined) c.abort();
    this.running.add(c);
    return c;
  }

  private launch(target: CrawlTarget): void {
    const { clock } = this.o;
    const triedAt = clock.now();
    const abort = this.track();
    visitNode(target.service, {
      transport: this.o.transport, clock, peerClock: this.o.peerClock ?? clock, random: this.o.random,
      magic: this.o.network.magic, local: this.local, connectTimeoutMs: this.timeoutMs, handshakeTimeoutMs: this.timeoutMs,
      getaddrWaitMs: this.getaddrWaitMs, signal: abort.signal, peerId: this.nextPeerId++,
    }).catch((e: unknown): VisitOutcome => ({ kind: 'unreachable', code: 'ERR_CRAWL', error: `internal error: ${String(e)}` }))
      .then((outcome) => {
        this.running.delete(abort);
        this.book.complete(target, outcome, triedAt);
        this.pump();
      });
  }

  private report(finishedAtMs: number): CrawlReport {
    const s = this.book.stats();
    return {
      network: this.o.network.name,
      magic: bytesToHex(this.o.network.magic),
      startedAt: new Date(this.startedAt).toISOString(),
      finishedAt: new Date(finishedAtMs).toISOString(),
      stoppedBy: this.stopReason ?? 'queue-empty',
      seedErrors: [...this.seedErrors],
      stats: {
        tried: s.tried, reachable: s.reachable, unreachable: s.unreachable, known: s.known,
        notTried: this.book.notTried, skipped: s.skipped,
      },
      nodes: [...this.book.records()],
    };
  }
}
