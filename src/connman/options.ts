/**
 * Connection-manager options, with Core's option names in the docs and Core's defaults, and their
 * validation into a resolved configuration. Every string option is parsed here, once, so a bad value
 * fails at construction with a `ConfigError` naming the option — never later, mid-connection.
 */
import type { Asmap } from '../address/asmap.js';
import { Net, parseNetwork, type AddressNetwork, type NetId } from '../address/network.js';
import { NetService } from '../address/service.js';
import type { PeerLimits } from '../peer/types.js';
import type { Transport } from '../transport/transport.js';
import { MAX_TIMER_DELAY_MS, type Clock } from '../util/clock.js';
import { PeerbookError } from '../util/errors.js';
import type { Random } from '../util/random.js';
import type { NetworkParams } from '../wire/params.js';
import { NODE_NONE, NODE_P2P_V2 } from '../wire/services.js';
import type { Logger } from '../util/logger.js';
import type { Resolver } from '../util/resolver.js';
import type { ConnectionLayer, InboundGate } from './connection-layer.js';
import { DEFAULT_MAX_PEER_CONNECTIONS } from './policy/outbound.js';
import { hasPermission, parseWhitebind, parseWhitelist, Permission, type WhitebindEntry, type WhitelistEntry } from './policy/permissions.js';
import type { ProtocolFactory } from './protocol.js';

/**
 * A bad option value (code `ERR_CONFIG`). The message names the option as `PeerManagerOptions` spells
 * it (`invalid maxConnections: …`); `flagMessage` says the same with Core's flag names
 * (`invalid -maxconnections: …`), which is what the daemon prints.
 */
export class ConfigError extends PeerbookError {
  /** Core's flag name of the option (e.g. `maxconnections`). */
  readonly flag: string;
  /** What is wrong, without the option's name. */
  readonly detail: string;
  private readonly flagDetail: string;

  /**
   * @param option the option as `PeerManagerOptions` spells it (e.g. `maxConnections`); @param detail what is wrong;
   * @param options.flagDetail the detail in Core's words when it names other options (default `detail`);
   * @param options.flag Core's flag when it is not the option's name in lower case (`connectTimeoutMs` is `-timeout`).
   */
  constructor(readonly option: string, detail: string, options?: { cause?: unknown; flagDetail?: string; flag?: string }) {
    super('ERR_CONFIG', `invalid ${option}: ${detail}`, options);
    this.flag = options?.flag ?? option.toLowerCase();
    this.detail = detail;
    this.flagDetail = options?.flagDetail ?? detail;
  }

  /** The message with Core's flag names, as the daemon prints it. */
  flagMessage(): string {
    return `invalid -${this.flag}: ${this.flagDetail}`;
  }
}

/** A service requirement: keep at least `minPeers` outbound peers that offer all of `services`. */
export interface ServiceRequirement {
  /** Service bits wanted (e.g. NODE_COMPACT_FILTERS = 64n). */
  services: bigint;
  /** Outbound peers offering them to keep. */
  minPeers: number;
}

/**
 * Switches for the simulator's security experiments (docs/security.md): each turns off one of the
 * defences Core added against eclipse attacks, so its worth can be measured, or slows the maintenance
 * loop to make large simulations cheaper. **Experiment-only**: a real node must never set them.
 */
export interface ExperimentOptions {
  /** false: no feeler connections (Core before PR #8282). Default true. */
  feelers?: boolean;
  /** false: automatic outbound connections may share a network group (no "one outbound per group"). Default true. */
  netgroupDiversity?: boolean;
  /** false: no block-relay-only connections (Core before v0.19): their two slots go to inbound, so no anchors either. Default true. */
  blockRelayOnly?: boolean;
  /** false: a tried-table collision evicts the old entry at once (Core before PR #9037). Default true. */
  testBeforeEvict?: boolean;
  /** Maintenance loop period, ms (default TICK_INTERVAL_MS = 500, Core's ThreadOpenConnections sleep); 100..60,000. */
  tickIntervalMs?: number;
}

/** Most a maintenance tick may be stretched to by `ExperimentOptions.tickIntervalMs`, ms. */
export const MAX_EXPERIMENT_TICK_MS = 60_000;
/** Least a maintenance tick may be shortened to by `ExperimentOptions.tickIntervalMs`, ms. */
export const MIN_EXPERIMENT_TICK_MS = 100;

/** Options of `PeerManager`. Everything but `network` is optional. */
export interface PeerManagerOptions {
  /** Network parameters (magic, port, seeds): e.g. `MAINNET`, `REGTEST`, or `customNetworkParams(...)`. */
  network: NetworkParams;
  /** Time source (default: the system clock). */
  clock?: Clock;
  /** Randomness (default: seeded from the OS). */
  random?: Random;
  /** Logger (default: silent). */
  logger?: Logger;
  /** How to dial and listen (default: TCP, with SOCKS5 routes from `proxy`/`onion`/`i2pProxy`). */
  transport?: Transport;
  /** Network data directory for peers.dat, banlist.json, anchors.dat, anchors.json (default: nothing persisted). */
  dataDir?: string;
  /** Accept inbound connections (Core -listen; default true, false with `connect`). */
  listen?: boolean;
  /** Listen addresses (Core -bind; default 0.0.0.0 and [::] on the network port). */
  bind?: string[];
  /** Listen addresses whose peers get permissions (Core -whitebind=[perms@]addr:port). */
  whitebind?: string[];
  /** Peers granted permissions by subnet (Core -whitelist=[perms@]subnet). */
  whitelist?: string[];
  /** Implicit whitelist permissions include relay (Core -whitelistrelay, default true). */
  whitelistRelay?: boolean;
  /** Implicit whitelist permissions include forcerelay (Core -whitelistforcerelay, default false). */
  whitelistForceRelay?: boolean;
  /** Core -maxconnections (default 125). */
  maxConnections?: number;
  /** Core -connect: connect only to these; `['0']` disables automatic outbound entirely. */
  connect?: string[];
  /** Core -addnode: peers kept connected with a separate 8-slot budget. */
  addNode?: string[];
  /** Core -seednode: addr-fetch peers used to fill an empty table. */
  seedNode?: string[];
  /** Query DNS seeds (Core -dnsseed; default true unless `connect`). */
  dnsSeed?: boolean;
  /** Query DNS seeds even with a full table (Core -forcednsseed). */
  forceDnsSeed?: boolean;
  /** Use the network's fixed seeds as a last resort (Core -fixedseeds, default true). */
  fixedSeeds?: boolean;
  /** DNS resolver (default: the OS resolver). */
  resolver?: Resolver;
  /** Only connect to these networks (Core -onlynet). */
  onlyNet?: AddressNetwork[];
  /** SOCKS5 proxy for every network (Core -proxy), host:port. */
  proxy?: string;
  /** SOCKS5 proxy for Tor (Core -onion), host:port. */
  onion?: string;
  /** SOCKS5 proxy that resolves .b32.i2p names (e.g. i2pd's SOCKS port). */
  i2pProxy?: string;
  /** Fresh credentials per proxy connection for Tor stream isolation (Core -proxyrandomize, default true). */
  proxyRandomize?: boolean;
  /** CJDNS addresses are reachable through the host's routing (Core -cjdnsreachable). */
  cjdnsReachable?: boolean;
  /** Group by autonomous system (Core -asmap). */
  asmap?: Asmap;
  /** Our public addresses (Core -externalip). */
  externalIp?: string[];
  /** Our user agent (BIP14). */
  userAgent?: string;
  /** Our service flags (default NODE_NONE: Peerbook itself serves no blocks; NODE_P2P_V2 follows `v2transport`). */
  services?: bigint;
  /**
   * Speak BIP324, the v2 encrypted transport (Core -v2transport, default true): advertise NODE_P2P_V2,
   * offer v2 on every inbound connection (v1 peers are detected), use it outbound to peers that
   * advertise it and on manual connections, retrying once with v1 where a v1-only node hangs up.
   */
  v2transport?: boolean;
  /** Our best block height, asked at each handshake (default 0). */
  startHeight?: () => number;
  /** Blocks-only mode: ask peers not to relay transactions (Core -blocksonly). */
  blocksOnly?: boolean;
  /** Services every automatic outbound peer must offer (default: Core's rule, NETWORK|WITNESS or NETWORK_LIMITED|WITNESS near the tip). */
  desirableServices?: bigint;
  /** How many blocks our tip is behind (Core ApproximateBestBlockDepth; default: far behind, so NODE_NETWORK is required). */
  bestBlockDepth?: () => number;
  /** Keep some outbound peers offering rare services (Floresta-style), e.g. compact filters. */
  requiredServices?: ServiceRequirement[];
  /** Bytes sent per 24 h before the upload target is reached (Core -maxuploadtarget; 0 = unlimited). */
  maxUploadTarget?: number;
  /** Start with networking on (Core -networkactive, default true). */
  networkActive?: boolean;
  /** Default ban duration, s (Core -bantime, default 86400). */
  banTime?: number;
  /** Skip non-default ports until desperate, like btcd and Core ≤ 22 (default: Core ≥ 23's bad-port list). */
  strictPorts?: boolean;
  /** Per-peer limits (Core -maxreceivebuffer, -maxsendbuffer, -peertimeout …). */
  peerLimits?: Partial<PeerLimits>;
  /** Dial timeout, ms (Core -timeout, default 5000). */
  connectTimeoutMs?: number;
  /** Core -checkaddrman: consistency-check 1 in N addrman operations (0 = off). */
  checkAddrman?: number;
  /** peers.dat format to write: 4 (default; Bitcoin Core 23.0 and later) or 3 (Bitcoin Core 0.21-22, Litecoin Core 0.21: they cannot read 4). */
  peersDatFormat?: 3 | 4;
  /** Protocol plug-ins to add after address and inventory relay (see connman/protocol.ts). */
  protocols?: ProtocolFactory[];
  /** Upgrades every connection before its `Peer` exists (e.g. an authenticated handshake; see connman/connection-layer.ts). */
  connectionLayer?: ConnectionLayer;
  /** Asked about every inbound connection before any other work; a returned reason refuses it. */
  inboundGate?: InboundGate;
  /** Experiment-only switches (see `ExperimentOptions`); never set on a real node. */
  experiment?: ExperimentOptions;
}

/** The validated configuration. */
export interface ResolvedConfig {
  listen: boolean;
  binds: NetService[];
  whitebinds: WhitebindEntry[];
  whitelist: WhitelistEntry[];
  connect: string[];
  useAddrmanOutgoing: boolean;
  addNodes: string[];
  seedNodes: string[];
  dnsSeed: boolean;
  fixedSeeds: boolean;
  reachable: Set<NetId>;
  proxy: NetService | undefined;
  onion: NetService | undefined;
  i2pProxy: NetService | undefined;
  externalIps: NetService[];
  /** Our services, with NODE_P2P_V2 set or cleared by `v2transport`. */
  services: bigint;
  requiredServices: ServiceRequirement[];
  maxConnections: number;
  /** Experiment switches with their defaults filled in. */
  experiment: Required<ExperimentOptions>;
}

/** Longest ban time, s: keeps "now + banTime" a safe integer (Core takes any int64). */
export const MAX_BAN_TIME_S = 2 ** 52;

/**
 * Throws ConfigError unless `value` (when given) is an integer in [min, max] `unit`. `flag` is Core's
 * flag for the daemon's message, in its own unit: the flag's value is `value / divisor`.
 */
function checkRange(option: string, value: number | undefined, min: number, max: number, unit: string,
  flag?: { name: string; unit: string; divisor: number }): void {
  if (value === undefined) return;
  if (Number.isInteger(value) && value >= min && value <= max) return;
  const f = flag ?? { name: option.toLowerCase(), unit, divisor: 1 };
  throw new ConfigError(option, `${value} is not an integer in [${min}, ${max}] ${unit}`.trimEnd(), {
    flag: f.name,
    flagDetail: `${value / f.divisor} is not an integer in [${Math.ceil(min / f.divisor)}, ${Math.floor(max / f.divisor)}] ${f.unit}`.trimEnd(),
  });
}

/**
 * Numeric options checked against what they become: durations against what the clock can schedule
 * (MAX_TIMER_DELAY_MS; Node fires a longer timer after 1 ms), sizes and counts against safe integers.
 */
function checkRanges(o: PeerManagerOptions): void {
  checkRange('connectTimeoutMs', o.connectTimeoutMs, 1, MAX_TIMER_DELAY_MS, 'ms', { name: 'timeout', unit: 'ms', divisor: 1 });
  checkRange('banTime', o.banTime, 0, MAX_BAN_TIME_S, 's');
  checkRange('maxUploadTarget', o.maxUploadTarget, 0, Number.MAX_SAFE_INTEGER, 'bytes');
  checkRange('checkAddrman', o.checkAddrman, 0, Number.MAX_SAFE_INTEGER, '');
  const l = o.peerLimits ?? {};
  checkRange('peerLimits.peerConnectTimeoutMs', l.peerConnectTimeoutMs, 1, MAX_TIMER_DELAY_MS, 'ms', { name: 'peertimeout', unit: 's', divisor: 1000 });
  checkRange('peerLimits.inactivityTimeoutMs', l.inactivityTimeoutMs, 1, MAX_TIMER_DELAY_MS, 'ms');
  checkRange('peerLimits.pingIntervalMs', l.pingIntervalMs, 1, MAX_TIMER_DELAY_MS, 'ms');
  checkRange('peerLimits.receiveFloodBytes', l.receiveFloodBytes, 0, Number.MAX_SAFE_INTEGER, 'bytes', { name: 'maxreceivebuffer', unit: 'KB', divisor: 1000 });
  checkRange('peerLimits.sendBufferBytes', l.sendBufferBytes, 0, Number.MAX_SAFE_INTEGER, 'bytes', { name: 'maxsendbuffer', unit: 'KB', divisor: 1000 });
  checkRange('peerLimits.maxSendQueueBytes', l.maxSendQueueBytes, 0, Number.MAX_SAFE_INTEGER, 'bytes');
  if (l.malformedMessages !== undefined && l.malformedMessages !== 'drop' && l.malformedMessages !== 'disconnect') {
    throw new ConfigError('peerLimits.malformedMessages', `${JSON.stringify(l.malformedMessages)} is not 'drop' or 'disconnect'`);
  }
}

function parseServices(option: string, list: readonly string[] | undefined, defaultPort: number): NetService[] {
  return (list ?? []).map((text) => {
    try {
      return NetService.parse(text, defaultPort);
    } catch (e) {
      throw new ConfigError(option, `${JSON.stringify(text)}: ${(e as Error).message}`, { cause: e });
    }
  });
}

function parseOne(option: string, text: string | undefined, defaultPort: number): NetService | undefined {
  return text === undefined ? undefined : parseServices(option, [text], defaultPort)[0];
}

/**
 * Core `GetListenPort`: the port of the first -bind given with one, else of the first -whitebind
 * without noban, else the network's port. -externalip without a port advertises this port.
 */
function listenPort(o: PeerManagerOptions, whitebinds: readonly WhitebindEntry[]): number {
  for (const text of o.bind ?? []) {
    const port = NetService.parse(text, 0).port; // already validated by parseServices
    if (port !== 0) return port;
  }
  const whitebind = whitebinds.find((w) => !hasPermission(w.flags, Permission.NOBAN));
  return whitebind ? whitebind.service.port : o.network.defaultPort;
}

/** Validates options into a `ResolvedConfig`; throws `ConfigError` naming the bad option. */
export function resolveConfig(o: PeerManagerOptions): ResolvedConfig {
  const port = o.network.defaultPort;
  const connect = o.connect ?? [];
  // -connect=0 (Core: negated) only turns automatic outbound off; a real -connect list also means
  // "trusted peers only": no listening and no DNS seeding by default (Core init.cpp soft-sets).
  const connectDisabled = connect.length === 1 && connect[0] === '0';
  const manualOnly = connect.length > 0 && !connectDisabled;
  const listen = o.listen ?? !manualOnly;
  const maxConnections = o.maxConnections ?? DEFAULT_MAX_PEER_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 0) throw new ConfigError('maxConnections', `${maxConnections} is not a non-negative integer`);
  if (o.v2transport !== undefined && typeof o.v2transport !== 'boolean') throw new ConfigError('v2transport', `${String(o.v2transport)} is not a boolean`);
  checkRanges(o);
  const binds = parseServices('bind', o.bind, port);
  const whitebinds = (o.whitebind ?? []).map((t) => {
    try {
      return parseWhitebind(t);
    } catch (e) {
      throw new ConfigError('whitebind', `${JSON.stringify(t)}: ${(e as Error).message}`, { cause: e });
    }
  });
  const whitelist = (o.whitelist ?? []).map((t) => {
    try {
      return parseWhitelist(t);
    } catch (e) {
      throw new ConfigError('whitelist', `${JSON.stringify(t)}: ${(e as Error).message}`, { cause: e });
    }
  });
  if (listen && binds.length === 0 && whitebinds.length === 0) {
    binds.push(NetService.parse(`0.0.0.0:${port}`), NetService.parse(`[::]:${port}`));
  }
  const proxy = parseOne('proxy', o.proxy, 9050);
  const onion = parseOne('onion', o.onion, 9050);
  const i2pProxy = parseOne('i2pProxy', o.i2pProxy, 4447);
  const reachable = new Set<NetId>();
  if (o.onlyNet && o.onlyNet.length > 0) {
    for (const name of o.onlyNet) {
      const net = parseNetwork(name);
      if (net === undefined) throw new ConfigError('onlyNet', `unknown network ${JSON.stringify(name)} (use ipv4, ipv6, onion, i2p, cjdns)`);
      reachable.add(net);
    }
  } else {
    reachable.add(Net.IPV4).add(Net.IPV6);
    if (proxy || onion) reachable.add(Net.ONION);
    if (i2pProxy) reachable.add(Net.I2P);
    if (o.cjdnsReachable) reachable.add(Net.CJDNS);
  }
  if (reachable.has(Net.ONION) && !proxy && !onion) throw new ConfigError('onlyNet', 'onion needs proxy or onion', { flagDetail: 'onion needs -proxy or -onion' });
  if (reachable.has(Net.I2P) && !i2pProxy) throw new ConfigError('onlyNet', 'i2p needs an I2P SOCKS proxy (i2pProxy)', { flagDetail: 'i2p needs an I2P SOCKS proxy (-i2pproxy)' });
  const requiredServices = (o.requiredServices ?? []).map((r) => {
    if (typeof r.services !== 'bigint' || r.services <= 0n || !Number.isInteger(r.minPeers) || r.minPeers < 1) {
      throw new ConfigError('requiredServices', 'each entry needs services > 0n and minPeers ≥ 1');
    }
    return r;
  });
  const dnsSeed = o.dnsSeed ?? (!manualOnly && (reachable.has(Net.IPV4) || reachable.has(Net.IPV6)));
  return {
    listen,
    binds: listen ? binds : [],
    whitebinds: listen ? whitebinds : [],
    whitelist,
    connect: connectDisabled ? [] : connect,
    useAddrmanOutgoing: connect.length === 0,
    addNodes: [...(o.addNode ?? [])],
    seedNodes: [...(o.seedNode ?? [])],
    dnsSeed,
    fixedSeeds: o.fixedSeeds ?? true,
    reachable,
    proxy,
    onion,
    i2pProxy,
    externalIps: parseServices('externalIp', o.externalIp, listenPort(o, whitebinds)),
    // Core init.cpp: -v2transport adds NODE_P2P_V2 to the local services (and without it the bit is never set).
    services: (o.v2transport ?? true) ? (o.services ?? NODE_NONE) | NODE_P2P_V2 : (o.services ?? NODE_NONE) & ~NODE_P2P_V2,
    requiredServices,
    maxConnections,
    experiment: resolveExperiment(o.experiment ?? {}),
  };
}

function resolveExperiment(e: ExperimentOptions): Required<ExperimentOptions> {
  const tickIntervalMs = e.tickIntervalMs ?? 500;
  if (!Number.isInteger(tickIntervalMs) || tickIntervalMs < MIN_EXPERIMENT_TICK_MS || tickIntervalMs > MAX_EXPERIMENT_TICK_MS) {
    throw new ConfigError('experiment.tickIntervalMs', `${tickIntervalMs} is not an integer in [${MIN_EXPERIMENT_TICK_MS}, ${MAX_EXPERIMENT_TICK_MS}]`);
  }
  return {
    feelers: e.feelers ?? true,
    netgroupDiversity: e.netgroupDiversity ?? true,
    blockRelayOnly: e.blockRelayOnly ?? true,
    testBeforeEvict: e.testBeforeEvict ?? true,
    tickIntervalMs,
  };
}
