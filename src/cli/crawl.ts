/**
 * `peerbook crawl`: walks a P2P network breadth-first from its seeds and reports every node it could
 * reach. Writes `crawl.json` and a self-contained HTML report, `crawl.html` (charts of the crawl, by AS
 * with `--asmap`), into `--out`, prints a summary table on stdout and progress on stderr: a progress
 * bar redrawn in place when both stdout and stderr are terminals, otherwise a plain line every 10 s
 * (a redirected run is a scripted or logged run, and carriage returns and escape codes would litter
 * its output). Ctrl-C stops the crawl, writes what it has and exits 0; a second Ctrl-C kills it. Bad
 * flags print one line on stderr and exit 2 before anything is dialed.
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Asmap } from '../address/asmap.js';
import { Net, type NetId } from '../address/network.js';
import { systemResolver, type Resolver } from '../util/resolver.js';
import { analyzeCrawl } from '../crawl/analysis.js';
import { MAX_CRAWL_NODES } from '../crawl/book.js';
import {
  Crawler, DEFAULT_CRAWL_CONCURRENCY, DEFAULT_CRAWL_DURATION_MS, DEFAULT_CRAWL_TIMEOUT_MS, DEFAULT_GETADDR_WAIT_MS,
  MAX_CRAWL_CONCURRENCY, MAX_CRAWL_DURATION_MS, MAX_CRAWL_SEEDS, MAX_CRAWL_TIMEOUT_MS, MAX_GETADDR_WAIT_MS,
  type CrawlProgress,
} from '../crawl/crawler.js';
import { DEFAULT_TERMINAL_COLUMNS, ProgressBar } from '../crawl/progress.js';
import type { CrawlReport } from '../crawl/record.js';
import { renderCrawlReportHtml } from '../crawl/report-html.js';
import { parseSeedSpec } from '../crawl/seeds.js';
import { formatCrawlJson, formatCrawlSummary, formatProgress } from '../crawl/summary.js';
import { writeFileAtomic } from '../store/atomic-write.js';
import { RoutingTransport } from '../transport/router.js';
import { TcpTransport } from '../transport/tcp.js';
import type { Transport } from '../transport/transport.js';
import { SystemClock, type Clock, type Timer } from '../util/clock.js';
import { fsErrorReason } from '../util/errors.js';
import { ChaChaRandom, type Random } from '../util/random.js';
import { customNetworkParams, getNetworkParams, NETWORK_NAMES, type NetworkParams } from '../wire/params.js';
import { loadAsmapFile } from './address.js';
import { CliError, processIO, type CliIO } from './io.js';

/** Name of the file written into `--out`. */
export const CRAWL_FILE_NAME = 'crawl.json';
/** Name of the HTML report written beside it. */
export const CRAWL_REPORT_FILE_NAME = 'crawl.html';
/** Progress redraw period on a terminal, ms. */
export const PROGRESS_TTY_INTERVAL_MS = 1_000;
/** Progress line period when stderr is not a terminal (logs, pipes), ms. */
export const PROGRESS_LOG_INTERVAL_MS = 10_000;
/** Exit status when the crawl ran but its results could not be written. */
export const EXIT_WRITE_FAILED = 1;

/** The raw flags as commander hands them over (strings; `seed` may repeat). */
export interface CrawlFlags {
  /** --network NAME (default main; with --magic, the custom network's name). */
  network?: string;
  /** --concurrency N. */
  concurrency?: string;
  /** --duration SECONDS. */
  duration?: string;
  /** --out DIR. */
  out?: string;
  /** --seed HOST[:PORT] … (variadic, repeatable). */
  seed?: string[];
  /** --timeout MS. */
  timeout?: string;
  /** --max-nodes N. */
  maxNodes?: string;
  /** --getaddr-wait SECONDS. */
  getaddrWait?: string;
  /** --magic HEX. */
  magic?: string;
  /** --port N. */
  port?: string;
  /** --asmap FILE. */
  asmap?: string;
}

/** Validated settings of one crawl. */
export interface CrawlSettings {
  /** The network crawled. */
  params: NetworkParams;
  /** Attempts at once. */
  concurrency: number;
  /** Crawl duration, ms. */
  durationMs: number;
  /** Absolute directory for crawl.json. */
  outDir: string;
  /** Operator seeds (empty: the network's DNS and fixed seeds). */
  seeds: string[];
  /** Dial timeout and handshake timeout, ms. */
  timeoutMs: number;
  /** Cap on known addresses. */
  maxNodes: number;
  /** Wait for a getaddr answer, ms. */
  getaddrWaitMs: number;
  /** The asmap for the report's AS grouping (--asmap), already validated. */
  asmap?: { map: Asmap; path: string };
}

/** How the command reaches the world; tests replace every part. */
export interface CrawlCommandDeps {
  /** Time source (default: the system clock). */
  clock?: Clock;
  /** Clock for per-connection peers (default: a system clock whose timers do not keep the process alive). */
  peerClock?: Clock;
  /** Randomness (default: seeded from the OS). */
  random?: Random;
  /** DNS resolver (default: the OS resolver). */
  resolver?: Resolver;
  /** The dialer and the networks it reaches (default: TCP for IPv4 and IPv6). */
  dialer?: () => { transport: Transport; canReach(net: NetId): boolean };
  /** Whether stderr is a terminal (default: process.stderr.isTTY, and TERM is not `dumb`). */
  stderrIsTTY?: boolean;
  /** Whether stdout is a terminal (default: process.stdout.isTTY). The bar needs both. */
  stdoutIsTTY?: boolean;
  /** Width of the terminal, columns (default: process.stderr.columns, else 80). */
  terminalColumns?: () => number;
  /** Subscribes to the interrupt (default: SIGINT, once); returns the unsubscribe function. */
  onInterrupt?: (handler: () => void) => () => void;
}

function intFlag(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new CliError(`${flag} "${text}" must be an integer in [${min}, ${max}]`);
  }
  return value;
}

function networkFor(flags: CrawlFlags): NetworkParams {
  const port = flags.port === undefined ? undefined : intFlag('--port', flags.port, 0, 1, 0xffff);
  if (flags.magic !== undefined) {
    if (!/^[0-9a-fA-F]{8}$/.test(flags.magic)) throw new CliError(`--magic "${flags.magic}" must be exactly 8 hex digits`);
    if (port === undefined) throw new CliError('--magic needs --port: a custom network has no default port');
    const name = flags.network ?? 'custom';
    if (NETWORK_NAMES.includes(name.toLowerCase())) {
      throw new CliError(`--network ${name} is a known network; with --magic, --network names the custom network`);
    }
    try {
      return customNetworkParams({ name, magic: flags.magic, defaultPort: port });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  const params = getNetworkParams(flags.network ?? 'main');
  return port === undefined ? params : { ...params, defaultPort: port };
}

/** Validates the flags; throws CliError (exit 2) naming the bad one. */
export function parseCrawlFlags(flags: CrawlFlags): CrawlSettings {
  const params = networkFor(flags);
  const seeds = flags.seed ?? [];
  if (seeds.length > MAX_CRAWL_SEEDS) throw new CliError(`at most ${MAX_CRAWL_SEEDS} --seed values`);
  for (const s of seeds) {
    try {
      parseSeedSpec(s, params.defaultPort);
    } catch (e) {
      throw new CliError(`--seed: ${(e as Error).message}`);
    }
  }
  if (flags.out !== undefined && flags.out.trim() === '') throw new CliError('--out must name a directory');
  let asmap: CrawlSettings['asmap'];
  if (flags.asmap !== undefined) {
    try {
      asmap = { map: loadAsmapFile(flags.asmap), path: flags.asmap };
    } catch (e) {
      throw e instanceof CliError ? e : new CliError(`--asmap ${flags.asmap}: ${(e as Error).message}`);
    }
  }
  return {
    params,
    concurrency: intFlag('--concurrency', flags.concurrency, DEFAULT_CRAWL_CONCURRENCY, 1, MAX_CRAWL_CONCURRENCY),
    durationMs: intFlag('--duration', flags.duration, DEFAULT_CRAWL_DURATION_MS / 1000, 1, MAX_CRAWL_DURATION_MS / 1000) * 1000,
    outDir: path.resolve(flags.out ?? '.'),
    seeds,
    timeoutMs: intFlag('--timeout', flags.timeout, DEFAULT_CRAWL_TIMEOUT_MS, 1, MAX_CRAWL_TIMEOUT_MS),
    maxNodes: intFlag('--max-nodes', flags.maxNodes, MAX_CRAWL_NODES, 1, MAX_CRAWL_NODES),
    getaddrWaitMs: intFlag('--getaddr-wait', flags.getaddrWait, DEFAULT_GETADDR_WAIT_MS / 1000, 0, MAX_GETADDR_WAIT_MS / 1000) * 1000,
    asmap,
  };
}

/** Plain TCP for IPv4 and IPv6: what the crawl can reach without a proxy. */
export function defaultCrawlDialer(clock: Clock): { transport: Transport; canReach(net: NetId): boolean } {
  const tcp = new TcpTransport(clock);
  const router = new RoutingTransport(tcp).route(Net.IPV4, tcp).route(Net.IPV6, tcp);
  return { transport: router, canReach: (net) => router.canReach(net) };
}

function processInterrupt(handler: () => void): () => void {
  // `once`: a second Ctrl-C finds no handler and terminates the process the default way.
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/** Writes progress periodically until stopped: a bar redrawn in place on a terminal, plain lines otherwise. */
class ProgressLine {
  private timer: Timer | undefined;
  private readonly bar: ProgressBar;

  constructor(private readonly io: CliIO, private readonly clock: Clock, private readonly tty: boolean,
    private readonly read: () => CrawlProgress, durationMs: number, private readonly columns: () => number) {
    this.bar = new ProgressBar(durationMs);
  }

  start(): void {
    const every = this.tty ? PROGRESS_TTY_INTERVAL_MS : PROGRESS_LOG_INTERVAL_MS;
    const loop = (): void => {
      this.write(false);
      this.timer = this.clock.setTimeout(loop, every);
    };
    if (this.tty) this.write(false);
    this.timer = this.clock.setTimeout(loop, every);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.write(true);
  }

  private write(last: boolean): void {
    const p = this.read();
    if (this.tty) this.io.err(`\r${this.bar.render(p, this.columns(), last && p.inFlight === 0 && p.queued === 0)}\x1b[K${last ? '\n' : ''}`);
    else this.io.err(`${formatProgress(p)}\n`);
  }
}

function terminalColumns(): number {
  const c = process.stderr.columns;
  return typeof c === 'number' && c > 0 ? c : DEFAULT_TERMINAL_COLUMNS;
}

async function prepareOutDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (e) {
    throw new CliError(`cannot write to --out ${dir}: ${fsErrorReason(e)}`);
  }
}

/** Runs one crawl with validated settings: progress on stderr, crawl.json, summary on stdout. */
export async function runCrawlCommand(settings: CrawlSettings, io: CliIO, deps: CrawlCommandDeps = {}): Promise<CrawlReport> {
  await prepareOutDir(settings.outDir);
  const clock = deps.clock ?? new SystemClock();
  const dialer = (deps.dialer ?? (() => defaultCrawlDialer(clock)))();
  const crawler = new Crawler({
    network: settings.params,
    transport: dialer.transport,
    canReach: dialer.canReach,
    clock,
    peerClock: deps.peerClock ?? (deps.clock ? deps.clock : new SystemClock(true)),
    random: deps.random ?? ChaChaRandom.secure(),
    resolver: deps.resolver ?? systemResolver,
    seeds: settings.seeds,
    concurrency: settings.concurrency,
    durationMs: settings.durationMs,
    timeoutMs: settings.timeoutMs,
    getaddrWaitMs: settings.getaddrWaitMs,
    maxNodes: settings.maxNodes,
  });
  const isProcess = io === processIO;
  const stderrTTY = deps.stderrIsTTY ?? (isProcess && process.stderr.isTTY === true && process.env.TERM !== 'dumb');
  const stdoutTTY = deps.stdoutIsTTY ?? (isProcess ? process.stdout.isTTY === true : stderrTTY);
  const progress = new ProgressLine(io, clock, stderrTTY && stdoutTTY, () => crawler.progress(), settings.durationMs,
    deps.terminalColumns ?? terminalColumns);
  const unsubscribe = (deps.onInterrupt ?? processInterrupt)(() => {
    io.err('\npeerbook: interrupted; writing what the crawl has so far\n');
    crawler.stop('interrupted');
  });
  let report: CrawlReport;
  progress.start();
  try {
    report = await crawler.run();
  } finally {
    unsubscribe();
    progress.stop();
  }
  const file = path.join(settings.outDir, CRAWL_FILE_NAME);
  const htmlFile = path.join(settings.outDir, CRAWL_REPORT_FILE_NAME);
  let writeError: Error | undefined;
  try {
    await writeFileAtomic(file, formatCrawlJson(report));
    // crawl.json first: whatever happens to the report, the data is on disk.
    const analysis = analyzeCrawl(report, settings.asmap?.map);
    await writeFileAtomic(htmlFile, renderCrawlReportHtml(report, analysis, {
      asmapName: settings.asmap ? path.basename(settings.asmap.path) : undefined, jsonFileName: CRAWL_FILE_NAME,
    }));
  } catch (e) {
    writeError = e as Error;
  }
  io.out(formatCrawlSummary(report));
  if (writeError) throw new CliError(`crawl finished but its results could not be written to ${settings.outDir}: ${writeError.message}`, EXIT_WRITE_FAILED);
  io.err(`peerbook: wrote ${htmlFile} (report with charts; open it in a browser)\n`);
  io.err(`peerbook: wrote ${file} (${report.nodes.length} nodes)\n`);
  return report;
}

/** Adds `crawl` to the program. */
export function registerCrawlCommand(program: Command, io: CliIO = processIO, deps: CrawlCommandDeps = {}): void {
  program
    .command('crawl')
    .description('crawl a P2P network breadth-first from its seeds; write crawl.json and an HTML report, and print a summary')
    .option('--network <name>', 'main (default), test, testnet4, signet, regtest; with --magic: the custom network\'s name')
    .option('--concurrency <n>', `connections at once (default ${DEFAULT_CRAWL_CONCURRENCY}, at most ${MAX_CRAWL_CONCURRENCY})`)
    .option('--duration <seconds>', `stop after this long (default ${DEFAULT_CRAWL_DURATION_MS / 1000})`)
    .option('--out <dir>', 'directory for crawl.json and crawl.html (default: the current directory)')
    .option('--asmap <file>', 'asmap file (Core\'s format): the HTML report also groups nodes by autonomous system')
    .option('--seed <host...>', 'HOST[:PORT] to start from instead of the DNS and fixed seeds (several allowed)')
    .option('--timeout <ms>', `connect timeout, and again handshake timeout (default ${DEFAULT_CRAWL_TIMEOUT_MS})`)
    .option('--getaddr-wait <seconds>', `wait this long per node for its getaddr answer (default ${DEFAULT_GETADDR_WAIT_MS / 1000})`)
    .option('--max-nodes <n>', `stop learning addresses after this many (default and most ${MAX_CRAWL_NODES})`)
    .option('--magic <hex>', 'custom network magic, 8 hex digits (needs --port)')
    .option('--port <n>', 'default P2P port (needed with --magic)')
    .action(async (flags: CrawlFlags) => {
      const settings = parseCrawlFlags(flags);
      await runCrawlCommand(settings, io, deps);
    });
}
