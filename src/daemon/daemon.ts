/**
 * `peerbook run`: the daemon. It reads `<datadir>/peerbook.conf` (or `--conf`), lets command-line flags
 * override it, lays out the data directory like Core (mainnet files in the datadir itself, other
 * networks in testnet3/, testnet4/, signet/, regtest/), and runs a PeerManager with structured logs
 * (pino, to `<netdir>/peerbook.log` and the console), a one-line status every minute, periodic dumps,
 * and a clean shutdown on SIGINT/SIGTERM or the RPC `stop`. Corrupt data files are moved aside with a
 * warning and start-up continues; when no peer can be reached it says so plainly and keeps trying.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Asmap } from '../address/asmap.js';
import { networkName, type AddressNetwork } from '../address/network.js';
import { NetService } from '../address/service.js';
import { Subnet } from '../address/subnet.js';
import type { Logger, LogFields } from '../util/logger.js';
import { PeerManager } from '../connman/manager.js';
import { ConfigError, type PeerManagerOptions } from '../connman/options.js';
import type { Resolver } from '../util/resolver.js';
import { startOperatorHttpServer } from '../dashboard/server.js';
import { createDashboardHandler } from '../dashboard/handler.js';
import { createMetrics } from '../metrics/metrics.js';
import { RpcServer } from '../rpc/server.js';
import type { Transport } from '../transport/transport.js';
import { SystemClock, type Clock, type Timer } from '../util/clock.js';
import { PeerbookError } from '../util/errors.js';
import { getNetworkParams, type NetworkParams } from '../wire/params.js';
import { chainFromSettings, ConfigFileError, readConfigFile, Settings, type RawSettings } from './config.js';

/** Core's per-network data directory names (chainparamsbase.cpp `DataDir()`); mainnet uses the root. */
const NETWORK_DIRS: Readonly<Record<string, string>> = { main: '', test: 'testnet3', testnet4: 'testnet4', signet: 'signet', regtest: 'regtest' };
/** Status line period, ms. */
export const STATUS_INTERVAL_MS = 60_000;
/** After this long without any peer, the status line explains why, ms. */
export const NO_PEERS_WARNING_AFTER_MS = 2 * 60_000;
/** Default data directory. */
export function defaultDataDir(): string {
  return path.join(homedir(), '.peerbook');
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
  private readonly log: Logger;
  private readonly pino: pino.Logger;
  private readonly clock: Clock;
  private rpc: RpcServer | undefined;
  private http: { stop(): Promise<void>; address: NetService } | undefined;
  private statusTimer: Timer | undefined;
  private stopping: Promise<void> | undefined;
  private stopped!: () => void;
  /** Resolves when the daemon has stopped (by signal, RPC `stop` or `stop()`). */
  readonly done: Promise<void>;

  private constructor(private readonly settings: Settings, params: NetworkParams, netDir: string, clock: Clock,
    logger: pino.Logger, options: PeerManagerOptions) {
    this.params = params;
    this.netDir = netDir;
    this.clock = clock;
    this.pino = logger;
    this.log = pinoLogger(logger);
    this.manager = new PeerManager({ ...options, logger: this.log });
    this.done = new Promise((resolve) => { this.stopped = resolve; });
  }

  /** Reads configuration, validates everything, and builds (but does not start) the daemon. */
  static async create(inputs: DaemonInputs): Promise<Daemon> {
    const datadir = path.resolve(inputs.datadir ?? defaultDataDir());
    const confPath = inputs.conf ? path.resolve(datadir, inputs.conf) : path.join(datadir, 'peerbook.conf');
    const file = await readConfigFile(confPath, inputs.conf !== undefined);
    const top = Settings.merge(file?.get(''), inputs.flags);
    const chain = inputs.network ?? chainFromSettings(top) ?? 'main';
    let params: NetworkParams;
    try {
      params = getNetworkParams(chain);
    } catch (e) {
      throw new ConfigFileError(`unknown network "${chain}": ${(e as Error).message}`);
    }
    const settings = Settings.merge(file?.get(''), file?.get(params.name), inputs.flags);
    settings.validate();
    const netDir = path.join(datadir, NETWORK_DIRS[params.name] ?? params.name);
    await mkdir(netDir, { recursive: true });
    const clock = inputs.clock ?? new SystemClock();
    const level = settings.bool('debug') ? 'debug' : 'info';
    const streams: pino.StreamEntry[] = [{ level, stream: pino.destination({ dest: path.join(netDir, 'peerbook.log'), mkdir: true, sync: false }) }];
    if (settings.bool('printtoconsole') ?? true) streams.push({ level, stream: inputs.console ?? process.stdout });
    const logger = pino({ level, base: { network: params.name }, timestamp: () => `,"time":"${new Date(clock.now()).toISOString()}"` },
      pino.multistream(streams));
    const options = await Daemon.managerOptions(settings, params, netDir, clock, inputs);
    try {
      PeerManager.validate(options);
    } catch (e) {
      wrapConfigError(e);
    }
    const daemon = new Daemon(settings, params, netDir, clock, logger, options);
    if (file) daemon.log.info(`Using config file ${confPath}`);
    return daemon;
  }

  /** Maps settings to PeerManager options (Core's semantics for each key). */
  private static async managerOptions(s: Settings, params: NetworkParams, netDir: string, clock: Clock, inputs: DaemonInputs): Promise<PeerManagerOptions> {
    const port = s.int('port') ?? params.defaultPort;
    const network = port === params.defaultPort ? params : { ...params, defaultPort: port };
    let asmap: Asmap | undefined;
    const asmapPath = s.string('asmap');
    if (asmapPath !== undefined) {
      const file = path.resolve(netDir, '..', asmapPath);
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (e) {
        throw new ConfigFileError(`${s.origin('asmap')}: cannot read asmap file ${file}: ${(e as Error).message}`);
      }
      try {
        asmap = Asmap.fromBytes(bytes);
      } catch (e) {
        throw new ConfigFileError(`${s.origin('asmap')}: ${(e as Error).message}`);
      }
    }
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
      clock,
      transport: inputs.transport,
      resolver: inputs.resolver,
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
      asmap,
      maxUploadTarget: s.size('maxuploadtarget'),
      networkActive: s.bool('networkactive'),
      banTime: s.int('bantime'),
      connectTimeoutMs: s.int('timeout'),
      blocksOnly: s.bool('blocksonly'),
      checkAddrman: s.int('checkaddrman'),
      peersDatFormat: peersDatFormat as 3 | 4 | undefined,
      peerLimits: {
        ...(kb('maxreceivebuffer') !== undefined ? { receiveFloodBytes: kb('maxreceivebuffer') } : {}),
        ...(kb('maxsendbuffer') !== undefined ? { sendBufferBytes: kb('maxsendbuffer') } : {}),
        ...(peertimeout !== undefined ? { peerConnectTimeoutMs: peertimeout * 1000 } : {}),
      },
    };
  }

  /** Starts the manager, the RPC server and the metrics/dashboard server; installs signal handlers if asked. */
  async start(options: { handleSignals?: boolean } = {}): Promise<void> {
    const s = this.settings;
    await this.manager.start();
    if (s.bool('server') ?? true) {
      const rpcPort = s.int('rpcport') ?? this.params.rpcPort;
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
      });
      await this.rpc.start();
      this.log.info(`JSON-RPC listening on ${this.rpc.addresses.map(String).join(', ')}`);
      const metricsBind = s.string('metricsbind') ?? `127.0.0.1:${rpcPort + 1000}`;
      if (metricsBind !== '0') {
        const where = NetService.parse(metricsBind, rpcPort + 1000);
        const metrics = createMetrics(this.manager);
        const dashboard = createDashboardHandler(this.manager, { clock: this.clock });
        this.http = await startOperatorHttpServer({ host: where.addr.toString(), port: where.port, metrics, dashboard });
        this.log.info(`Metrics at http://${this.http.address}/metrics, dashboard at http://${this.http.address}/`);
      }
    }
    if (options.handleSignals) {
      const onSignal = (sig: string): void => {
        this.log.info(`${sig} received, shutting down`);
        void this.stop();
      };
      process.once('SIGINT', () => onSignal('SIGINT'));
      process.once('SIGTERM', () => onSignal('SIGTERM'));
    }
    this.scheduleStatus();
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
    if (peers.length === 0 && this.clock.now() - m.startTime >= NO_PEERS_WARNING_AFTER_MS) {
      const why = !m.networkActive ? 'networking is switched off (setnetworkactive true to resume)'
        : m.addrman.size() === 0 ? 'no addresses known: DNS seeds gave no answer and no fixed seed is reachable; check connectivity, -proxy or -addnode'
          : `none of the ${m.addrman.size()} known addresses answered; check connectivity, firewall or -proxy`;
      return `${line}; no peers: ${why}; still trying`;
    }
    return line;
  }

  /** Stops everything (idempotent); resolves when all is written and closed. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        this.statusTimer?.cancel();
        await this.rpc?.stop();
        await this.http?.stop();
        await this.manager.stop();
        this.log.info('Shutdown: done');
        await new Promise<void>((resolve) => this.pino.flush(() => resolve()));
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

/** Re-exported for the CLI. */
export { ConfigFileError, PeerbookError };
