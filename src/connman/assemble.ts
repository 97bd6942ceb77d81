/**
 * The connection manager's composition root: builds every component from the options and connects
 * them, in one function, so `PeerManager` itself holds only the start/stop order, the maintenance
 * tick and the API. Components never construct each other; they get what they use here. The order of
 * construction is part of the behaviour: the node's secret keys and the ban manager's and address
 * table's random streams are drawn from the injected `Random` in a fixed order, so a seeded manager
 * makes the same choices every run.
 */
import { NetGroupManager } from '../address/netgroup.js';
import { Net, type NetId } from '../address/network.js';
import type { NetService } from '../address/service.js';
import { AddrMan } from '../addrman/addrman.js';
import type { AddrManOptions } from '../addrman/types.js';
import type { LocalNodeInfo } from '../peer/peer.js';
import { RoutingTransport } from '../transport/router.js';
import { Socks5Transport } from '../transport/socks5.js';
import { TcpTransport } from '../transport/tcp.js';
import type { Transport } from '../transport/transport.js';
import { SystemClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { ChaChaRandom, type Random } from '../util/random.js';
import { systemResolver } from '../util/resolver.js';
import { mayHaveUsefulAddressDB } from '../wire/services.js';
import { DEFAULT_USER_AGENT } from '../wire/user-agent.js';
import { PROTOCOL_VERSION } from '../wire/version.js';
import { BanMan } from './banman.js';
import { DataDirectory } from './datadir.js';
import { Dialer } from './dialer.js';
import { Inbound } from './inbound.js';
import { LocalAddresses, LocalScore } from './local-addresses.js';
import { ManualConnections } from './manual.js';
import { resolveConfig, type PeerManagerOptions, type ResolvedConfig } from './options.js';
import { AutomaticOutbound } from './outbound.js';
import { PeerLifecycle } from './peer-lifecycle.js';
import { Persistence } from './persistence.js';
import { hasDesirableServices, slotBudget, type SlotBudget } from './policy/outbound.js';
import { resolvePermissions } from './policy/permissions.js';
import { v2Enabled } from './policy/transport.js';
import type { ProtocolHost, ProtocolPlugin } from './protocol.js';
import { AddrRelay } from './protocols/addr-relay.js';
import { InventoryRelay } from './protocols/inv-relay.js';
import { V1Retries } from './reconnect.js';
import { PeerRegistry } from './registry.js';
import { Schedule } from './schedule.js';
import { BackgroundTasks } from './tasks.js';
import { Traffic } from './traffic.js';
import { newCounters, peerInfo, type EmitEvent, type ManagerCounters } from './types.js';

/** The shell's state that components read (the shell alone changes it). */
export class RunState {
  /** Where the manager is in its life. */
  phase: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  /** When start() completed, ms (0 before). */
  startedAtMs = 0;
  /** Still in initial block download (no self-advertisement then). */
  inInitialBlockDownload = false;
  /** Aborted when stop() begins. */
  readonly stop = new AbortController();

  /** @param networkActive Core -networkactive. */
  constructor(public networkActive: boolean) {}

  /** True between start() and stop(). */
  get running(): boolean {
    return this.phase === 'running';
  }
}

/** Every part of one manager. */
export interface Components {
  config: ResolvedConfig;
  clock: Clock;
  random: Random;
  log: Logger;
  netgroups: NetGroupManager;
  budget: SlotBudget;
  banman: BanMan;
  localAddresses: LocalAddresses;
  counters: ManagerCounters;
  datadir: DataDirectory | undefined;
  /** Holds the address table (replaced when peers.dat loads). */
  table: { current: AddrMan; options(): AddrManOptions };
  registry: PeerRegistry;
  schedule: Schedule;
  tasks: BackgroundTasks;
  traffic: Traffic;
  lifecycle: PeerLifecycle;
  dialer: Dialer;
  inbound: Inbound;
  outbound: AutomaticOutbound;
  manual: ManualConnections;
  /** Core's one-time retries with v1 of outbound v2 attempts a v1-only node hung up on. */
  retries: V1Retries;
  persistence: Persistence;
  addrRelay: AddrRelay;
  invRelay: InventoryRelay;
  /** Every plug-in in order: address relay, inventory relay, then the application's. */
  plugins: ProtocolPlugin[];
}

/** Core's routes: -proxy for IPv4/IPv6 (and Tor), -onion for Tor, the I2P proxy, CJDNS through the host. */
export function defaultTransport(clock: Clock, config: ResolvedConfig, randomizeCredentials: boolean): Transport {
  const tcp = new TcpTransport(clock);
  const router = new RoutingTransport(tcp);
  const proxy = config.proxy ? new Socks5Transport(clock, { proxy: config.proxy, randomizeCredentials }) : undefined;
  const direct: Transport = proxy ?? tcp;
  router.route(Net.IPV4, direct).route(Net.IPV6, direct);
  if (config.reachable.has(Net.CJDNS)) router.route(Net.CJDNS, tcp);
  const onion = config.onion ? new Socks5Transport(clock, { proxy: config.onion, randomizeCredentials }) : proxy;
  if (onion) router.route(Net.ONION, onion);
  if (config.i2pProxy) router.route(Net.I2P, new Socks5Transport(clock, { proxy: config.i2pProxy, randomizeCredentials }));
  return router;
}

/**
 * The SOCKS5 proxy connections to `net` go through, as configured (Core GetProxy), or undefined when
 * that network is dialed directly or not at all: -proxy for IPv4/IPv6, -onion (else -proxy) for Tor, the I2P proxy.
 */
export function proxyFor(config: ResolvedConfig, net: NetId, randomizeCredentials: boolean): { proxy: NetService; randomizeCredentials: boolean } | undefined {
  const proxy = net === Net.IPV4 || net === Net.IPV6 ? config.proxy
    : net === Net.ONION ? config.onion ?? config.proxy
      : net === Net.I2P ? config.i2pProxy
        : undefined;
  return proxy ? { proxy, randomizeCredentials } : undefined;
}

/** Builds and connects every component of a manager; throws `ConfigError` for bad options. */
export function assemble(options: PeerManagerOptions, run: RunState, emit: EmitEvent): Components {
  const config = resolveConfig(options);
  const clock = options.clock ?? new SystemClock();
  const random = options.random ?? ChaChaRandom.secure();
  const log = options.logger ?? silentLogger;
  const netgroups = new NetGroupManager(options.asmap);
  const budget = slotBudget(config.maxConnections, config.experiment.blockRelayOnly);
  const counters = newCounters();
  const localAddresses = new LocalAddresses();
  const seed0 = random.rand64();
  const seed1 = random.rand64();
  const transport = options.transport ?? defaultTransport(clock, config, options.proxyRandomize ?? true);
  const datadir = options.dataDir ? new DataDirectory(options.dataDir, options.network.magic, log) : undefined;
  let persistence: Persistence | undefined;
  const banman = new BanMan(clock, random.derive(), { defaultBanTime: options.banTime, onChange: () => persistence?.markBansDirty() });
  const table = {
    // Address selection skips what the ban system refuses to dial: banned or discouraged (Core OpenNetworkConnection).
    options: (): AddrManOptions => ({
      clock, random: random.derive(), netgroups, consistencyCheckRatio: options.checkAddrman ?? 0,
      isBanned: (addr) => banman.isBanned(addr) || banman.isDiscouraged(addr),
      testBeforeEvict: config.experiment.testBeforeEvict,
    }),
    current: undefined as unknown as AddrMan,
  };
  table.current = new AddrMan(table.options());
  const tasks = new BackgroundTasks(log);
  const traffic = new Traffic(clock, counters, options.maxUploadTarget ?? 0);
  for (const s of config.externalIps) localAddresses.add(s, LocalScore.MANUAL);
  const registry = new PeerRegistry();
  const schedule = new Schedule();
  const plugins: ProtocolPlugin[] = [];
  const addrman = (): AddrMan => table.current;
  const track = (task: Promise<unknown>): void => tasks.track(task);
  const desirable = (s: bigint): boolean => {
    const wanted = options.desirableServices;
    return hasDesirableServices(s, wanted, wanted !== undefined ? 0 : options.bestBlockDepth?.() ?? Number.MAX_SAFE_INTEGER);
  };
  const permissions = (flags: number, addr: NetService['addr'], outbound: boolean): number =>
    resolvePermissions(flags, addr, outbound, config.whitelist, { whitelistRelay: options.whitelistRelay, whitelistForceRelay: options.whitelistForceRelay });
  const localInfo = (): LocalNodeInfo => ({
    protocolVersion: PROTOCOL_VERSION, services: config.services, userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    startHeight: options.startHeight ?? (() => 0), relayTxs: !(options.blocksOnly ?? false),
  });
  let retries: V1Retries | undefined;
  const lifecycle = new PeerLifecycle({
    clock, random, log, magic: options.network.magic, registry, counters, netgroups, seed0, seed1, addrman, banman,
    localAddresses, protocols: plugins, localInfo, peerLimits: options.peerLimits, hasDesirableServices: desirable,
    viaProxy: config.proxy !== undefined, traffic, emit, retryWithV1: (spec, record) => { retries?.add(spec, record); },
  });
  const createPeer = lifecycle.create.bind(lifecycle);
  const dialer = new Dialer({
    clock, log, transport, registry, banman, localAddresses, counters, addrman, track, createPeer,
    canDial: () => run.running && run.networkActive, stopping: () => run.stop.signal.aborted, running: () => run.running,
    connectTimeoutMs: options.connectTimeoutMs, permissionsFor: (addr) => permissions(0, addr, true), connectionLayer: options.connectionLayer,
    onFailed: (target, connType, error) => emit('connect:failed', target, connType, error.message, error),
  });
  retries = new V1Retries({ log, dial: (req) => dialer.dial(req) });
  const inbound = new Inbound({
    clock, log, transport, registry, banman, counters, localAddresses, budget, binds: config.binds, whitebinds: config.whitebinds,
    running: () => run.running, networkActive: () => run.networkActive, permissionsFor: (flags, remote) => permissions(flags, remote.addr, false),
    hasDesirableServices: desirable, gate: options.inboundGate, connectionLayer: options.connectionLayer, createPeer, track,
  });
  let outbound: AutomaticOutbound | undefined;
  const manual = new ManualConnections({
    clock, random, log, network: options.network, registry, dialer, schedule, transport, resolver: options.resolver ?? systemResolver,
    config, forceDnsSeed: options.forceDnsSeed ?? false, maxAddnode: budget.maxAddnode, addrman, networkActive: () => run.networkActive,
    v2transport: v2Enabled(config.services),
    startedAtMs: () => run.startedAtMs, fullRelayCount: () => outbound!.state().fullRelay, stopSignal: run.stop.signal, track,
  });
  outbound = new AutomaticOutbound({
    clock, random, registry, dialer, schedule, budget, netgroups, localAddresses, addrman, reachable: config.reachable,
    requiredServices: config.requiredServices, isAddedNode: (s) => manual.isAddedNode(s), hasDesirableServices: desirable,
    strictPorts: options.strictPorts, defaultPort: options.network.defaultPort,
    feelers: config.experiment.feelers, netgroupDiversity: config.experiment.netgroupDiversity,
  });
  persistence = new Persistence({ datadir, peersDatFormat: options.peersDatFormat ?? 4, banman, log, schedule, addrman, track });
  const addrRelay = new AddrRelay({
    clock, random, addrman, banman, seed0, seed1, reachable: () => config.reachable, peers: () => registry.records(),
    listening: () => inbound.listening, inInitialBlockDownload: () => run.inInitialBlockDownload,
    localAddressFor: (peer) => localAddresses.forPeer(peer, inbound.firstPort ?? options.network.defaultPort, config.reachable),
    ourServices: () => config.services, isUsefulServices: (s) => mayHaveUsefulAddressDB(s) || desirable(s),
    onAccepted: (records, peer) => emit('addr:new', records, peerInfo(peer)),
    onCounted: (processed, rateLimited) => {
      counters.addrProcessed += processed;
      counters.addrRateLimited += rateLimited;
    },
  });
  const invRelay = new InventoryRelay(random, () => registry.records());
  const host: ProtocolHost = { clock, random, log, registry, dialer, addrman };
  plugins.push(addrRelay, invRelay, ...(options.protocols ?? []).map((make) => make(host)));
  return {
    config, clock, random, log, netgroups, budget, banman, localAddresses, counters, datadir, table, registry, schedule, tasks,
    traffic, lifecycle, dialer, inbound, outbound, manual, retries, persistence, addrRelay, invRelay, plugins,
  };
}
