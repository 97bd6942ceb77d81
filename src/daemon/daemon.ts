/**
 * `peerbook run`: the daemon. It reads `<datadir>/peerbook.conf` (or `--conf`), lets command-line flags
 * override it, lays out the data directory like Core (mainnet files in the datadir itself, other
 * networks in testnet3/, testnet4/, signet/, regtest/), and runs a PeerManager with structured logs
 * (pino: JSON lines in `<netdir>/peerbook.log`; on the console readable lines on a terminal, JSON
 * lines otherwise), a one-line status every minute, periodic dumps, and a clean shutdown on
 * SIGINT/SIGTERM or the RPC `stop`. Corrupt data files are moved aside with a warning and start-up
 * continues; when no peer can be reached it says so plainly (DNS failures included) and keeps trying.
 *
 * Start-up order (Core's AppInit does the same): signal handlers first, then the JSON-RPC port (in
 * warmup, answering RPC_IN_WARMUP) and the metrics port, then the connection manager; RPC calls are
 * served once the manager runs. Any step that fails (a port already taken, most often by bitcoind or
 * litecoind) stops whatever was started, writes nothing over the data files, and `start()` rejects
 * with a `DaemonStartError` naming the port and what to change; the CLI exits with status 1.
 */
import { once } from 'node:events';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import pinoPretty from 'pino-pretty';
import { Asmap } from '../address/asmap.js';
import { networkName, type AddressNetwork } from '../address/network.js';
import { NetService } from '../address/service.js';
import { Subnet } from '../address/subnet.js';
import type { Logger, LogFields } from '../util/logger.js';
import { PeerManager } from '../connman/manager.js';
import { ConfigError, type PeerManagerOptions } from '../connman/options.js';
import { systemResolver, type Resolver } from '../util/resolver.js';
import { startOperatorHttpServer } from '../dashboard/server.js';
import { createDashboardHandler } from '../dashboard/handler.js';
import { createMetrics } from '../metrics/metrics.js';
import { RpcServer } from '../rpc/server.js';
import type { Transport } from '../transport/transport.js';
import { MockableClock, SystemClock, type Clock, type Timer } from '../util/clock.js';
import { fsErrorReason, PeerbookError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import { bytesToHex } from '../util/hex.js';
import { getNetworkParams, type NetworkParams } from '../wire/params.js';
import { chainFromSettings, ConfigFileError, readConfigFile, Settings, type RawSettings } from './config.js';
import { defaultMetricsPort } from './ports.js';

/** The asynchronous file writer pino.destination() returns (sonic-boom). */
type LogFile = ReturnType<typeof pino.destination>;

/** Core's per-network data directory names (chainparamsbase.cpp `DataDir()`); mainnet uses the root. */
const NETWORK_DIRS: Readonly<Record<string, string>> = { main: '', test: 'testnet3', testnet4: 'testnet4', signet: 'signet', regtest: 'regtest' };
/** Status line period, ms. */
export const STATUS_INTERVAL_MS = 60_000;
/** After this long without any peer, the status line explains why, ms. */
export const NO_PEERS_WARNING_AFTER_MS = 2 * 60_000;
/** Core's warmup status while the node loads its address table (init.cpp "Loading P2P addresses…"). */
export const RPC_WARMUP_STATUS = 'Loading P2P addresses…';
/** Default data directory. */
export function defaultDataDir(): string {
  return path.join(homedir(), '.peerbook');
}

/** The daemon could not start (code `ERR_DAEMON_START`): a port in use, a bind that failed. Nothing was left running. */
export class DaemonStartError extends PeerbookError {
  /** @param message what failed and what to change. */
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DAEMON_START', message, options);
  }
}

/** What the daemon saw of DNS: lookups made (DNS seeds and -addnode/-seednode names) and how they went. */
export interface DnsHealth {
  /** Lookups that answered with at least one address. */
  answered: number;
  /** Lookups that answered with no address. */
  empty: number;
  /** Lookups that failed (no such name, no resolver, timeout). */
  failed: number;
  /** The last failure: the name and the resolver's error. */
  lastFailure?: { host: string; error: string };
}

/** Wraps `resolver` so every lookup is counted in `health`. */
function trackedResolver(resolver: Resolver, health: DnsHealth): Resolver {
  return async (host, signal) => {
    try {
      const ips = await resolver(host, signal);
      if (ips.length > 0) health.answered++;
      else health.empty++;
      return ips;
    } catch (e) {
      health.failed++;
      health.lastFailure = { host, error: e instanceof Error ? e.message : String(e) };
      throw e;
    }
  };
}

/** The start-up step under way: the JSON-RPC server, the metrics server, the connection manager. */
type StartPhase = 'rpc' | 'metrics' | 'p2p';

/** `err` names a port that is taken (EADDRINUSE), possibly as the cause of a wrapping error. */
function isAddressInUse(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === 'EADDRINUSE') return true;
  }
  return false;
}

/** How the daemon is started. */
export interface DaemonInputs {
  /** Settings from command-line flags (override the file). */
  flags: RawSettings;
  /** --datadir. */
  datadir?: string;
  /** --conf (absolute, or relative to the datadir). */
  conf?: string;
  /** --network (overrides chain= in the file). */
  network?: string;
  /** Injected for tests: clock, transport, resolver, log destination. */
  clock?: Clock;
  transport?: Transport;
  resolver?: Resolver;
  /** Where console log lines go (default stdout). */
  console?: NodeJS.WritableStream;
  /** Whether the console is a terminal (readable lines) or not (JSON lines); default: asks the stream. */
  consoleIsTTY?: boolean;
}

/** `addr` or `addr:port` → `addr:port`, with the given default port (Core -bind semantics). */
function withPort(text: string, port: number, key: string, s: Settings): string {
  try {
    return NetService.parse(text, port).toString();
  } catch (e) {
    throw new ConfigFileError(`${s.origin(key)}: ${key}=${text}: ${(e as Error).message}`);
  }
}

/** A pino logger behind Peerbook's Logger interface. */
function pinoLogger(p: pino.Logger): Logger {
  const wrap = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: LogFields): void => {
    if (fields) p[level](fields, message);
    else p[level](message);
  };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

function wrapConfigError(e: unknown): never {
  if (e instanceof ConfigError) throw new ConfigFileError(e.flagMessage());
  throw e;
}

/** A running daemon. */
export class Daemon {
  /** The connection manager. */
  readonly manager: PeerManager;
  /** The resolved network. */
  readonly params: NetworkParams;
  /** The network's data directory. */
  readonly netDir: string;
  /** What the daemon's DNS lookups gave so far (for the status line). */
  readonly dns: DnsHealth;
  /** On regtest, the manager's clock, which the `setmocktime` RPC pins (Core SetMockTime). */
  readonly mockClock: MockableClock | undefined;
  private readonly log: Logger;
  private readonly pino: pino.Logger;
  /** peerbook.log's asynchronous writer: stop() waits for it to land. */
  private readonly logFile: LogFile;
  private readonly clock: Clock;
  private rpc: RpcServer | undefined;
  private http: { stop(): Promise<void>; address: NetService } | undefined;
  private statusTimer: Timer | undefined;
  private starting: Promise<void> | undefined;
  private services: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private signalHandlers: Array<[NodeJS.Signals, () => void]> = [];
  private phase: StartPhase = 'rpc';
  private stopped!: () => void;
  /** Resolves when the daemon has stopped (by signal, RPC `stop` or `stop()`). */
  readonly done: Promise<void>;

  private constructor(private readonly settings: Settings, params: NetworkParams, netDir: string, clock: Clock,
    { logger, logFile }: { logger: pino.Logger; logFile: LogFile }, options: PeerManagerOptions, dns: DnsHealth,
    mockClock: MockableClock | undefined) {
    this.params = params;
    this.netDir = netDir;
    this.clock = clock;
    this.pino = logger;
    this.logFile = logFile;
    this.dns = dns;
    this.mockClock = mockClock;
    this.log = pinoLogger(logger);
    this.manager = new PeerManager({ ...options, logger: this.log });
    this.done = new Promise((resolve) => { this.stopped = resolve; });
  }

  /** True once a stop was asked for (signal, RPC `stop`, `stop()`). */
  get stopRequested(): boolean {
    return this.stopping !== undefined;
  }

  /** Reads configuration, validates everything, and builds (but does not start) the daemon. */
  static async create(inputs: DaemonInputs): Promise<Daemon> {
    const datadir = path.resolve(inputs.datadir ?? defaultDataDir());
    if (inputs.datadir !== undefined) {
      // Core: an explicit -datadir must exist (only the default one is created).
      const info = await stat(datadir).catch(() => undefined);
      if (!info?.isDirectory()) throw new ConfigFileError(`Specified data directory "${inputs.datadir}" does not exist.`);
    }
    const confPath = inputs.conf ? path.resolve(datadir, inputs.conf) : path.join(datadir, 'peerbook.conf');
    const file = await readConfigFile(confPath, inputs.conf !== undefined);
    const top = Settings.merge(file?.get(''), inputs.flags);
    const chain = inputs.network ?? chainFromSettings(top) ?? 'main';
    let params: NetworkParams;
    try {
      params = getNetworkParams(chain);
    } catch (e) {
      // The parser's message already names the network and lists the valid ones.
      throw new ConfigFileError((e as Error).message);
    }
    const settings = Settings.merge(file?.get(''), file?.get(params.name), inputs.flags);
    settings.validate();
    const netDir = path.join(datadir, NETWORK_DIRS[params.name] ?? params.name);
    await mkdir(netDir, { recursive: true });
    const baseClock = inputs.clock ?? new SystemClock();
    // Regtest's clock can be pinned by the setmocktime RPC (Core: only on a "mockable chain").
    const mockClock = params.name === 'regtest' ? new MockableClock(baseClock) : undefined;
    const clock: Clock = mockClock ?? baseClock;
    const level = settings.bool('debug') ? 'debug' : 'info';
    const logFile = pino.destination({ dest: path.join(netDir, 'peerbook.log'), mkdir: true, sync: false });
    const streams: pino.StreamEntry[] = [{ level, stream: logFile }];
    if (settings.bool('printtoconsole') ?? true) {
      const out = inputs.console ?? process.stdout;
      const tty = inputs.consoleIsTTY ?? (out as { isTTY?: boolean }).isTTY === true;
      // A person reads a terminal; a pipe or a log collector gets the same JSON lines as peerbook.log.
      streams.push({ level, stream: tty ? pinoPretty({ destination: out, sync: true, colorize: true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss', ignore: 'pid,hostname,network' }) : out });
    }
    // Log times are wall-clock times, even while setmocktime pins the node's clock.
    const logger = pino({ level, base: { network: params.name }, timestamp: () => `,"time":"${new Date(baseClock.now()).toISOString()}"` },
      pino.multistream(streams));
    const dns: DnsHealth = { answered: 0, empty: 0, failed: 0 };
    const notes: string[] = [];
    const options = await Daemon.managerOptions(settings, params, netDir, clock, { ...inputs, resolver: trackedResolver(inputs.resolver ?? systemResolver, dns) }, notes);
    try {
      PeerManager.validate(options);
    } catch (e) {
      wrapConfigError(e);
    }
    const daemon = new Daemon(settings, params, netDir, clock, { logger, logFile }, options, dns, mockClock);
    if (file) daemon.log.info(`Using config file ${confPath}`);
    for (const note of notes) daemon.log.info(note);
    return daemon;
  }

  /** Reads the -asmap file (noting it in `notes`), then maps settings to PeerManager options (`managerOptionsFromSettings`). */
  private static async managerOptions(s: Settings, params: NetworkParams, netDir: string, clock: Clock, inputs: DaemonInputs,
    notes: string[]): Promise<PeerManagerOptions> {
    let asmap: Asmap | undefined;
    const asmapPath = s.string('asmap');
    if (asmapPath !== undefined) {
      const file = path.resolve(netDir, '..', asmapPath);
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (e) {
        throw new ConfigFileError(`${s.origin('asmap')}: cannot read asmap file ${file}: ${fsErrorReason(e)}`);
      }
      try {
        asmap = Asmap.fromBytes(bytes);
      } catch (e) {
        throw new ConfigFileError(`${s.origin('asmap')}: ${(e as Error).message}`);
      }
      // The file's SHA-256 is what `sha256sum` prints and what asmap-data and Core's exportasmap publish.
      notes.push(`Using asmap ${file} (${bytes.length} bytes, sha256 ${bytesToHex(sha256(bytes))}) for IP bucketing`);
    }
    return managerOptionsFromSettings(s, params, netDir, { clock, transport: inputs.transport, resolver: inputs.resolver, asmap });
  }

  /**
   * Starts the daemon: signal handlers (if asked), the JSON-RPC server (in warmup), the metrics/dashboard
   * server, then the connection manager. Rejects with `DaemonStartError` after stopping whatever had
   * started when any of them fails; resolves early, without error, if a stop was asked for meanwhile.
   */
  start(options: { handleSignals?: boolean } = {}): Promise<void> {
    if (this.starting) return this.starting;
    if (options.handleSignals) this.installSignalHandlers();
    this.services = this.startServices();
    this.starting = this.services.catch(async (e: unknown) => {
      const error = this.explainStartFailure(e, this.phase);
      this.log.error(`Error: ${error.message}`);
      await this.stop();
      throw error;
    });
    return this.starting;
  }

  /** SIGINT/SIGTERM → a clean stop. Repeats are harmless (a terminal's Ctrl-C reaches `npm start` and the daemon both). */
  private installSignalHandlers(): void {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const handler = (): void => {
        if (this.stopRequested) {
          this.log.info(`${sig} received again; already shutting down`);
          return;
        }
        this.log.info(`${sig} received, shutting down`);
        void this.stop();
      };
      process.on(sig, handler);
      this.signalHandlers.push([sig, handler]);
    }
  }

  private removeSignalHandlers(): void {
    for (const [sig, handler] of this.signalHandlers) process.off(sig, handler);
    this.signalHandlers = [];
  }

  private async startServices(): Promise<void> {
    const s = this.settings;
    const rpcPort = s.int('rpcport') ?? this.params.rpcPort;
    this.phase = 'rpc';
    if (s.bool('server') ?? true) {
      const binds = (s.list('rpcbind') ?? ['127.0.0.1']).map((b) => NetService.parse(b, rpcPort));
      const allow = s.list('rpcallowip')?.map((a) => Subnet.parse(a));
      this.rpc = new RpcServer({
        manager: this.manager,
        bind: binds.map((b) => ({ host: b.addr.toString(), port: b.port })),
        auth: { cookieFile: path.join(this.netDir, '.cookie'), user: s.string('rpcuser'), password: s.string('rpcpassword') },
        allowIps: allow,
        logger: this.log,
        clock: this.clock,
        onStop: () => { void this.stop(); },
        warmupStatus: RPC_WARMUP_STATUS,
        ...(this.mockClock ? { mockClock: this.mockClock } : {}),
      });
      await this.rpc.start();
      this.log.info(`JSON-RPC listening on ${this.rpc.addresses.map(String).join(', ')}`);
    }
    if (this.stopRequested) return;
    this.phase = 'metrics';
    const metricsPort = defaultMetricsPort(this.params.name);
    const metricsBind = s.string('metricsbind') ?? `127.0.0.1:${metricsPort}`;
    if (metricsBind !== '0') {
      const where = NetService.parse(metricsBind, metricsPort);
      const metrics = createMetrics(this.manager);
      const dashboard = createDashboardHandler(this.manager, { clock: this.clock });
      this.http = await startOperatorHttpServer({ host: where.addr.toString(), port: where.port, metrics, dashboard });
      this.log.info(`Metrics at http://${this.http.address}/metrics, dashboard at http://${this.http.address}/`);
    }
    if (this.stopRequested) return;
    this.phase = 'p2p';
    await this.manager.start();
    this.rpc?.setWarmupFinished();
    this.scheduleStatus();
  }

  /** A start failure as one plain sentence: which service, which port, what to change. */
  private explainStartFailure(e: unknown, phase: StartPhase): DaemonStartError {
    const message = e instanceof Error ? e.message : String(e);
    const what = { rpc: 'listen for JSON-RPC', metrics: 'serve metrics and the dashboard', p2p: 'listen for P2P connections' }[phase];
    // Other failures (EACCES, EADDRNOTAVAIL…) already name the address and the reason.
    if (!isAddressInUse(e)) return new DaemonStartError(message, { cause: e });
    const port = /(?:port |:)(\d+)\s*$/.exec(message)?.[1];
    const busy = `port ${port ?? '(see above)'} is already in use (bitcoind, litecoind or another Peerbook is probably running)`;
    const fix = {
      rpc: 'choose another with rpcport= (or server=0)',
      metrics: 'choose another with metricsbind=ADDRESS:PORT (or metricsbind=0)',
      p2p: 'choose another with port= or bind=, or listen=0',
    }[phase];
    return new DaemonStartError(`cannot ${what}: ${busy}; ${fix}`, { cause: e });
  }

  private scheduleStatus(): void {
    this.statusTimer = this.clock.setTimeout(() => {
      this.log.info(this.statusLine());
      this.scheduleStatus();
    }, STATUS_INTERVAL_MS);
  }

  /** The one-line status: peers by direction, type and network; table sizes; and why there are no peers. */
  statusLine(): string {
    const m = this.manager;
    const peers = m.peers().filter((p) => !p.isDisconnecting);
    const byType = new Map<string, number>();
    const byNet = new Map<string, number>();
    for (const p of peers) {
      byType.set(p.connType, (byType.get(p.connType) ?? 0) + 1);
      const n = networkName(p.addr.addr.getNetClass());
      byNet.set(n, (byNet.get(n) ?? 0) + 1);
    }
    const fmt = (map: Map<string, number>): string => [...map].map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    const line = `peers ${peers.length} (in ${m.nodeCount('in')}, out ${m.nodeCount('out')}; ${fmt(byType)}; by network: ${fmt(byNet)}); ` +
      `addrman new ${m.addrman.size({ inNew: true })} tried ${m.addrman.size({ inNew: false })}`;
    const dns = this.dnsTrouble();
    if (peers.length === 0 && this.clock.now() - m.startTime >= NO_PEERS_WARNING_AFTER_MS) {
      const known = m.addrman.size();
      const why = !m.networkActive ? 'networking is switched off (setnetworkactive true to resume)'
        : dns !== undefined ? `${dns}${known > 0 ? `, and none of the ${known} known addresses answered` : ''}; check this machine's DNS and connectivity, or give -addnode/-seednode/-connect`
          : known === 0 ? 'no addresses known: DNS seeds gave no answer and no fixed seed is reachable; check connectivity, -proxy or -addnode'
            : `none of the ${known} known addresses answered; check connectivity, firewall or -proxy`;
      return `${line}; no peers: ${why}; still trying`;
    }
    return dns !== undefined ? `${line}; ${dns}` : line;
  }

  /**
   * "DNS resolution failed …" when every lookup so far failed (the usual sign of a machine without
   * DNS), undefined while DNS works or has not been used.
   */
  private dnsTrouble(): string | undefined {
    const d = this.dns;
    if (d.failed === 0 || d.answered > 0) return undefined;
    const last = d.lastFailure ? ` (last: ${d.lastFailure.host}: ${d.lastFailure.error})` : '';
    return `DNS resolution failed: ${d.failed} of ${d.failed + d.empty} lookups failed and none answered${last}`;
  }

  /** Stops everything (idempotent); resolves when all is written and closed. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        // A start under way finishes (or fails) first, so that everything it opened is closed below.
        await this.services?.catch(() => undefined);
        this.statusTimer?.cancel();
        await this.rpc?.stop();
        await this.http?.stop();
        await this.manager.stop();
        // The line just logged started a write to peerbook.log, so the file is complete at its next
        // 'drain' (sonic-boom's flush(cb) answers at once for an unbuffered file, before a write in
        // flight lands: stop() then resolved with the last lines still on their way to the disk).
        const logFileWritten = once(this.logFile, 'drain').catch(() => undefined);
        this.log.info('Shutdown: done');
        await Promise.all([logFileWritten, new Promise<void>((resolve) => this.pino.flush(() => resolve()))]);
        this.removeSignalHandlers();
        this.stopped();
      })();
    }
    return this.stopping;
  }

  /** The RPC server's addresses (tests). */
  get rpcAddresses(): NetService[] {
    return this.rpc?.addresses ?? [];
  }

  /** The metrics/dashboard address (tests). */
  get httpAddress(): NetService | undefined {
    return this.http?.address;
  }
}

/**
 * Maps settings to PeerManager options with Core's semantics for each key (the daemon's mapping,
 * exported so tests and the config fuzz target can check it without starting anything).
 * `wiring.asmap` is the already loaded -asmap file. Throws ConfigFileError for a bad value.
 */
export function managerOptionsFromSettings(s: Settings, params: NetworkParams, netDir: string,
  wiring: { clock: Clock; transport?: Transport; resolver?: Resolver; asmap?: Asmap }): PeerManagerOptions {
  const port = s.int('port') ?? params.defaultPort;
  const network = port === params.defaultPort ? params : { ...params, defaultPort: port };
  const onlyNet = s.list('onlynet') as AddressNetwork[] | undefined;
  const kb = (key: string): number | undefined => {
    const v = s.int(key);
    return v === undefined ? undefined : v * 1000;
  };
  const peertimeout = s.int('peertimeout');
  const peersDatFormat = s.int('peersdatformat');
  if (peersDatFormat !== undefined && peersDatFormat !== 3 && peersDatFormat !== 4) {
    throw new ConfigFileError(`${s.origin('peersdatformat')}: peersdatformat=${peersDatFormat} must be 3 or 4`);
  }
  const bind = s.list('bind');
  return {
    network,
    clock: wiring.clock,
    transport: wiring.transport,
    resolver: wiring.resolver,
    dataDir: netDir,
    listen: s.bool('listen'),
    bind: bind?.map((b) => withPort(b, port, 'bind', s)),
    whitebind: s.list('whitebind'),
    whitelist: s.list('whitelist'),
    maxConnections: s.int('maxconnections'),
    connect: s.list('connect'),
    addNode: s.list('addnode'),
    seedNode: s.list('seednode'),
    dnsSeed: s.bool('dnsseed'),
    forceDnsSeed: s.bool('forcednsseed'),
    fixedSeeds: s.bool('fixedseeds'),
    onlyNet,
    proxy: s.string('proxy'),
    onion: s.string('onion'),
    i2pProxy: s.string('i2pproxy'),
    proxyRandomize: s.bool('proxyrandomize'),
    cjdnsReachable: s.bool('cjdnsreachable'),
    externalIp: s.list('externalip'),
    asmap: wiring.asmap,
    maxUploadTarget: s.size('maxuploadtarget'),
    networkActive: s.bool('networkactive'),
    banTime: s.int('bantime'),
    connectTimeoutMs: s.int('timeout') || undefined, // Core: -timeout ≤ 0 means the default
    blocksOnly: s.bool('blocksonly'),
    v2transport: s.bool('v2transport'),
    checkAddrman: s.int('checkaddrman'),
    peersDatFormat: peersDatFormat as 3 | 4 | undefined,
    peerLimits: {
      ...(kb('maxreceivebuffer') !== undefined ? { receiveFloodBytes: kb('maxreceivebuffer') } : {}),
      ...(kb('maxsendbuffer') !== undefined ? { sendBufferBytes: kb('maxsendbuffer') } : {}),
      ...(peertimeout !== undefined ? { peerConnectTimeoutMs: peertimeout * 1000 } : {}),
    },
  };
}

/** Re-exported for the CLI. */
export { ConfigFileError, PeerbookError };
