/**
 * The RPC methods: Core's network and control calls (src/rpc/net.cpp, src/rpc/server.cpp, v28) over
 * the `PeerManager` operator API, with Core's argument names, result field names and order, error
 * codes and messages. Each method is a `MethodSpec` (signature and help) and a function from checked
 * positional parameters to a JSON-ready result; `createMethodTable` builds the table the server
 * dispatches into.
 */
import { Net, networkName, REACHABLE_NETWORKS, parseNetwork, type NetId } from '../address/network.js';
import type { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import { Subnet } from '../address/subnet.js';
import type { PeerManager } from '../connman/manager.js';
import { PeerManagerError, type PeerDetails } from '../connman/types.js';
import { permissionNames } from '../connman/policy/permissions.js';
import type { ConnectionType } from '../peer/types.js';
import { MAX_MOCK_TIME_S, type Clock, type MockableClock } from '../util/clock.js';
import { formatServiceFlags, NODE_NETWORK, NODE_P2P_V2, NODE_WITNESS, serviceFlagNames } from '../wire/services.js';
import {
  checkArgs, helpText, INT32, INT64_SAFE, namedToPositional, toInteger, UINT16, usageLine, type MethodSpec,
} from './args.js';
import { RpcError, RpcErrorCode } from './errors.js';
import { Amount } from './json.js';
import { lookupHost, sanitizeString } from './host.js';
import type { Dispatcher } from './jsonrpc.js';

/** Core v28 DEFAULT_MIN_RELAY_TX_FEE: getnetworkinfo "relayfee", sat/kvB. */
export const DEFAULT_RELAY_FEE_SAT_PER_KVB = 1_000n;
/** Core v28 DEFAULT_INCREMENTAL_RELAY_FEE: getnetworkinfo "incrementalfee", sat/kvB. */
export const DEFAULT_INCREMENTAL_FEE_SAT_PER_KVB = 1_000n;
/** Core timeoffsets.cpp: the median time offset is reported only from this many outbound samples on. */
export const MIN_TIME_OFFSET_SAMPLES = 5;
/** Longest the hidden `stop wait` argument may delay the reply, ms (Core has no cap). */
export const MAX_STOP_WAIT_MS = 60_000;
/** Core name of the client in the `stop` reply ("Bitcoin Core stopping"). */
export const CLIENT_NAME = 'Peerbook';

/** What getnetworkinfo reports about the server itself. */
export interface RpcVersionInfo {
  /** Core CLIENT_VERSION-style number (getnetworkinfo "version"). */
  version: number;
  /** The user agent (getnetworkinfo "subversion"). */
  subversion: string;
  /** The P2P protocol version (getnetworkinfo "protocolversion"). */
  protocolVersion: number;
}

/**
 * What the RPC methods use of the connection manager: its operator API without the live `Peer`
 * objects — peers are read as `peerDetails()` snapshots, never sent to or destroyed from here.
 */
export type RpcManager = Omit<PeerManager, 'peers' | 'getPeer' | 'findByService' | 'findByAddress' | 'findBySubnet' | 'send' | 'connect'>;

/** Everything the methods read besides their parameters. */
export interface RpcContext {
  /** The connection manager (operator view). */
  manager: RpcManager;
  /** Time source (getnettotals, listbanned, uptime, stop's wait). */
  clock: Clock;
  /** Server identity. */
  version: RpcVersionInfo;
  /** When the node started, ms (uptime). */
  startTime(): number;
  /** Minimum relay fee rate reported by getnetworkinfo, sat/kvB. */
  relayFee: bigint;
  /** Incremental relay fee rate reported by getnetworkinfo, sat/kvB. */
  incrementalFee: bigint;
  /** Asks the owner to shut down after the current reply has been sent (the `stop` method). */
  requestStop(): void;
  /** The node's clock when it can be mocked (regtest `setmocktime`); absent: setmocktime is refused. */
  mockClock?: Pick<MockableClock, 'setMockTime'>;
}

/** One method: its signature and its implementation over checked positional parameters. */
export interface RpcMethod {
  /** Signature and help. */
  spec: MethodSpec;
  /** Runs the method; throws `RpcError`. */
  run(params: readonly unknown[], ctx: RpcContext): unknown;
}

/** Runs a `PeerManager` call, turning its typed errors into Core's RPC codes (its messages are already Core's). */
function viaManager<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof PeerManagerError)) throw e;
    const code: Record<string, number> = {
      ERR_NODE_ALREADY_ADDED: RpcErrorCode.CLIENT_NODE_ALREADY_ADDED,
      ERR_ALREADY_BANNED: RpcErrorCode.CLIENT_NODE_ALREADY_ADDED,
      ERR_NODE_NOT_ADDED: RpcErrorCode.CLIENT_NODE_NOT_ADDED,
      ERR_NOT_BANNED: RpcErrorCode.CLIENT_INVALID_IP_OR_SUBNET,
      ERR_BAN_PAST: RpcErrorCode.INVALID_PARAMETER,
      ERR_ADDED_NODES_FULL: RpcErrorCode.CLIENT_NODE_CAPACITY_REACHED,
    };
    throw new RpcError(code[e.code] ?? RpcErrorCode.MISC_ERROR, e.message, { cause: e });
  }
}

function cjdnsReachable(ctx: RpcContext): boolean {
  return ctx.manager.reachableNetworks.has(Net.CJDNS);
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function nonZero(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v > 0));
}

/** Core `DefaultPort`-aware numeric lookup used to compare -addnode entries (CConnman::AddNode). */
function resolvedAddedNode(text: string, ctx: RpcContext): string | undefined {
  try {
    const s = NetService.parse(text, ctx.manager.network.defaultPort, { cjdns: cjdnsReachable(ctx) });
    return s.key;
  } catch {
    // Core LookupNumeric also reads inet_aton shorthand ("127.1:port").
    const m = /^(.*?)(?::(\d{1,5}))?$/.exec(text);
    const addr = m ? lookupHost(m[1], { cjdns: cjdnsReachable(ctx) }) : undefined;
    const port = m?.[2] !== undefined ? Number(m[2]) : ctx.manager.network.defaultPort;
    return addr && port <= 0xffff ? new NetService(addr, port).key : undefined;
  }
}

function peerInfo(d: PeerDetails): Record<string, unknown> {
  const services = d.remote?.services ?? 0n;
  const perMsgSent = nonZero(d.bytesSentPerMsg);
  const perMsgRecv = nonZero(d.bytesRecvPerMsg);
  return {
    id: d.id,
    addr: d.addrName,
    addrbind: d.addrBind?.addr.isValid() ? d.addrBind.toString() : undefined,
    addrlocal: d.remote?.addrLocal?.toString(),
    network: networkName(d.network),
    mapped_as: d.mappedAs !== 0 ? d.mappedAs : undefined,
    services: formatServiceFlags(services),
    servicesnames: serviceFlagNames(services),
    relaytxes: (d.remote?.relay ?? false) && d.connType !== 'block-relay-only' && d.connType !== 'feeler',
    lastsend: seconds(d.lastSendMs),
    lastrecv: seconds(d.lastRecvMs),
    last_transaction: d.lastTxS,
    last_block: d.lastBlockS,
    bytessent: d.bytesSent,
    bytesrecv: d.bytesRecv,
    conntime: seconds(d.connectedAtMs),
    timeoffset: d.remote?.timeOffset ?? 0,
    pingtime: d.lastPingMs !== undefined && d.lastPingMs > 0 ? d.lastPingMs / 1000 : undefined,
    minping: d.minPingMs !== undefined ? d.minPingMs / 1000 : undefined,
    pingwait: d.pingWaitMs !== undefined && d.pingWaitMs > 0 ? d.pingWaitMs / 1000 : undefined,
    version: d.remote?.version ?? 0,
    subver: sanitizeString(d.remote?.userAgent ?? ''),
    inbound: d.inbound,
    bip152_hb_to: false,
    bip152_hb_from: false,
    startingheight: d.remote?.startHeight ?? -1,
    presynced_headers: -1,
    synced_headers: -1,
    synced_blocks: -1,
    inflight: [],
    addr_relay_enabled: d.addrRelayEnabled,
    addr_processed: d.addrProcessed,
    addr_rate_limited: d.addrRateLimited,
    permissions: permissionNames(d.permissions),
    minfeefilter: new Amount(0n),
    bytessent_per_msg: perMsgSent,
    bytesrecv_per_msg: perMsgRecv,
    connection_type: d.connType,
    transport_protocol_type: d.transportType,
    session_id: d.sessionId ?? '',
  };
}

/** Core TimeOffsets::Median over the outbound peers' clock offsets (0 with fewer than 5). */
function medianOutboundTimeOffset(ctx: RpcContext): number {
  const offsets = ctx.manager.peerDetails().filter((d) => !d.inbound && !d.disconnecting && d.remote)
    .map((d) => d.remote!.timeOffset).sort((a, b) => a - b);
  return offsets.length < MIN_TIME_OFFSET_SAMPLES ? 0 : offsets[Math.floor(offsets.length / 2)];
}

function networksInfo(ctx: RpcContext): Array<Record<string, unknown>> {
  return REACHABLE_NETWORKS.map((name) => {
    const net = parseNetwork(name) as NetId;
    const reachable = ctx.manager.reachableNetworks.has(net);
    const proxy = ctx.manager.proxyFor(net);
    return {
      name,
      limited: !reachable,
      reachable,
      proxy: proxy ? proxy.proxy.toString() : '',
      proxy_randomize_credentials: proxy?.randomizeCredentials ?? false,
    };
  });
}

function entryJson(ctx: RpcContext, e: { record: { service: NetService; services: bigint; time: number }; source: NetAddress }): Record<string, unknown> {
  const g = ctx.manager.netgroups;
  const mapped = g.getMappedAS(e.record.service.addr);
  const sourceMapped = g.getMappedAS(e.source);
  return {
    address: e.record.service.addr.toString(),
    mapped_as: mapped !== 0 ? mapped : undefined,
    port: e.record.service.port,
    services: e.record.services,
    time: e.record.time,
    network: networkName(e.record.service.addr.getNetClass()),
    source: e.source.toString(),
    source_network: networkName(e.source.getNetClass()),
    source_mapped_as: sourceMapped !== 0 ? sourceMapped : undefined,
  };
}

const AUTOMATIC_OUTBOUND: readonly ConnectionType[] = ['outbound-full-relay', 'block-relay-only', 'feeler', 'addr-fetch'];

function automaticOutboundCount(ctx: RpcContext): number {
  return AUTOMATIC_OUTBOUND.reduce((n, t) => n + ctx.manager.nodeCount('out', t), 0);
}

const NET_NAMES = REACHABLE_NETWORKS.join(', ');

/** Core's network and control methods, in Core's registration order. */
const METHODS: RpcMethod[] = [
  {
    spec: { name: 'getconnectioncount', category: 'network', args: [], description: 'Returns the number of connections to other nodes.', result: 'n    (numeric) The connection count' },
    run: (_p, ctx) => ctx.manager.nodeCount('all'),
  },
  {
    spec: {
      name: 'ping', category: 'network', args: [], result: 'null    (json null)',
      description: 'Requests that a ping be sent to all other nodes, to measure ping time.\nResults provided in getpeerinfo, pingtime and pingwait fields are decimal seconds.',
    },
    run: (_p, ctx) => { ctx.manager.pingAll(); return null; },
  },
  {
    spec: {
      name: 'getpeerinfo', category: 'network', args: [],
      description: 'Returns data about each connected network peer as a json array of objects.',
      result: '[ { "id" : n, "addr" : "host:port", "network" : "str", "services" : "hex", ... }, ... ]    (json array)',
    },
    run: (_p, ctx) => ctx.manager.peerDetails().filter((d) => !d.disconnecting).map(peerInfo),
  },
  {
    spec: {
      name: 'addnode', category: 'network',
      description: 'Attempts to add or remove a node from the addnode list.\nOr try a connection to a node once.\n' +
        'Nodes added using addnode (or -connect) are protected from DoS disconnection and are not required to be\n' +
        'full nodes as other outbound peers are (though such peers will not be synced from).\n' +
        'Addnode connections are limited to 8 at a time and are counted separately from the -maxconnections limit.',
      args: [
        { name: 'node', type: 'string', required: true, description: 'The address of the peer to connect to' },
        { name: 'command', type: 'string', required: true, description: "'add' to add a node to the list, 'remove' to remove a node from the list, 'onetry' to try a connection to the node once" },
        { name: 'v2transport', type: 'boolean', defaultText: 'set by -v2transport', description: "Attempt to connect using BIP324 v2 transport protocol (ignored for 'remove' command)" },
      ],
      result: 'null    (json null)',
    },
    run: (p, ctx) => {
      const command = p[1] as string;
      if (command !== 'onetry' && command !== 'add' && command !== 'remove') throw new RpcError(RpcErrorCode.MISC_ERROR, helpText(METHOD_BY_NAME.get('addnode')!.spec));
      const node = p[0] as string;
      const nodeV2 = (ctx.manager.localServices & NODE_P2P_V2) !== 0n;
      const useV2 = (p[2] as boolean | null | undefined) ?? nodeV2;
      if (useV2 && !nodeV2) throw new RpcError(RpcErrorCode.INVALID_PARAMETER, 'Error: v2transport requested but not enabled (see -v2transport)');
      if (command === 'onetry') {
        ctx.manager.connectOnce(node, { v2transport: useV2 });
        return null;
      }
      if (command === 'add') {
        const resolved = resolvedAddedNode(node, ctx);
        const duplicate = ctx.manager.addedNodeList.some((n) => n === node || (resolved !== undefined && resolvedAddedNode(n, ctx) === resolved));
        if (duplicate) throw new RpcError(RpcErrorCode.CLIENT_NODE_ALREADY_ADDED, 'Error: Node already added');
        viaManager(() => ctx.manager.addNode(node, { v2transport: useV2 }));
      } else {
        viaManager(() => ctx.manager.removeNode(node));
      }
      return null;
    },
  },
  {
    spec: {
      name: 'disconnectnode', category: 'network',
      description: 'Immediately disconnects from the specified peer node.\n\nStrictly one out of \'address\' and \'nodeid\' can be provided to identify the node.\n\n' +
        "To disconnect by nodeid, either set 'address' to the empty string, or call using the named 'nodeid' argument only.",
      args: [
        { name: 'address', type: 'string', defaultText: 'fallback to nodeid', description: 'The IP address/port of the node' },
        { name: 'nodeid', type: 'number', defaultText: 'fallback to address', description: 'The node ID (see getpeerinfo for node IDs)' },
      ],
      result: 'null    (json null)',
    },
    run: (p, ctx) => {
      const address = (p[0] ?? null) as string | null;
      const id = p[1] ?? null;
      let count: number;
      if (address !== null && id === null) {
        count = ctx.manager.disconnect({ address });
      } else if (id !== null && (address === null || address === '')) {
        count = ctx.manager.disconnect({ id: toInteger(id, INT64_SAFE.min, INT64_SAFE.max) });
      } else {
        throw new RpcError(RpcErrorCode.INVALID_PARAMS, 'Only one of address and nodeid should be provided.');
      }
      if (count === 0) throw new RpcError(RpcErrorCode.CLIENT_NODE_NOT_CONNECTED, 'Node not found in connected nodes');
      return null;
    },
  },
  {
    spec: {
      name: 'getaddednodeinfo', category: 'network',
      description: 'Returns information about the given added node, or all added nodes\n(note that onetry addnodes are not listed here)',
      args: [{ name: 'node', type: 'string', defaultText: 'all nodes', description: 'If provided, return information about this specific node, otherwise all nodes are returned.' }],
      result: '[ { "addednode" : "str", "connected" : true|false, "addresses" : [ { "address" : "str", "connected" : "str" } ] }, ... ]    (json array)',
    },
    run: (p, ctx) => {
      const node = (p[0] ?? undefined) as string | undefined;
      if (node !== undefined && !ctx.manager.addedNodeList.includes(node)) {
        throw new RpcError(RpcErrorCode.CLIENT_NODE_NOT_ADDED, 'Error: Node has not been added.');
      }
      return viaManager(() => ctx.manager.addedNodeInfo(node)).map((i) => ({
        addednode: i.addednode,
        connected: i.connected,
        addresses: i.addresses.slice(0, 1).map((a) => ({ address: a.address, connected: a.connected })),
      }));
    },
  },
  {
    spec: {
      name: 'getnettotals', category: 'network', args: [],
      description: 'Returns information about network traffic, including bytes in, bytes out,\nand current system time.',
      result: '{ "totalbytesrecv" : n, "totalbytessent" : n, "timemillis" : xxx, "uploadtarget" : { "timeframe" : n, "target" : n, "target_reached" : true|false, "serve_historical_blocks" : true|false, "bytes_left_in_cycle" : n, "time_left_in_cycle" : n } }    (json object)',
    },
    run: (_p, ctx) => {
      const t = ctx.manager.totals();
      const u = ctx.manager.uploadTargetInfo();
      return {
        totalbytesrecv: t.bytesRecv,
        totalbytessent: t.bytesSent,
        timemillis: ctx.clock.now(),
        uploadtarget: {
          timeframe: u.timeframeS,
          target: u.target,
          target_reached: u.targetReached,
          serve_historical_blocks: u.serveHistoricalBlocks,
          bytes_left_in_cycle: u.bytesLeftInCycle,
          time_left_in_cycle: u.timeLeftInCycleS,
        },
      };
    },
  },
  {
    spec: {
      name: 'getnetworkinfo', category: 'network', args: [],
      description: 'Returns an object containing various state info regarding P2P networking.',
      result: '{ "version" : n, "subversion" : "str", "protocolversion" : n, "localservices" : "hex", "localservicesnames" : [ "str", ... ], "localrelay" : true|false, "timeoffset" : n, ' +
        '"networkactive" : true|false, "connections" : n, "connections_in" : n, "connections_out" : n, "networks" : [ { "name" : "str", "limited" : true|false, "reachable" : true|false, "proxy" : "str", ' +
        '"proxy_randomize_credentials" : true|false }, ... ], "relayfee" : n, "incrementalfee" : n, "localaddresses" : [ { "address" : "str", "port" : n, "score" : n }, ... ], "warnings" : [ "str", ... ] }    (json object)',
    },
    run: (_p, ctx) => {
      const m = ctx.manager;
      return {
        version: ctx.version.version,
        subversion: ctx.version.subversion,
        protocolversion: ctx.version.protocolVersion,
        localservices: formatServiceFlags(m.localServices),
        localservicesnames: serviceFlagNames(m.localServices),
        localrelay: !m.blocksOnly,
        timeoffset: medianOutboundTimeOffset(ctx),
        networkactive: m.networkActive,
        connections: m.nodeCount('all'),
        connections_in: m.nodeCount('in'),
        connections_out: m.nodeCount('out'),
        networks: networksInfo(ctx),
        relayfee: new Amount(ctx.relayFee),
        incrementalfee: new Amount(ctx.incrementalFee),
        localaddresses: m.localAddresses.list().map((l) => ({ address: l.service.addr.toString(), port: l.service.port, score: l.score })),
        warnings: [],
      };
    },
  },
  {
    spec: {
      name: 'setban', category: 'network', description: 'Attempts to add or remove an IP/Subnet from the banned list.',
      args: [
        { name: 'subnet', type: 'string', required: true, description: 'The IP/Subnet (see getpeerinfo for nodes IP) with an optional netmask (default is /32 = single IP)' },
        { name: 'command', type: 'string', required: true, description: "'add' to add an IP/Subnet to the list, 'remove' to remove an IP/Subnet from the list" },
        { name: 'bantime', type: 'number', defaultText: '0', description: 'time in seconds how long (or until when if [absolute] is set) the IP is banned (0 or empty means using the default time of 24h which can also be overwritten by the -bantime startup argument)' },
        { name: 'absolute', type: 'boolean', defaultText: 'false', description: 'If set, the bantime must be an absolute timestamp expressed in UNIX epoch time' },
      ],
      result: 'null    (json null)',
    },
    run: (p, ctx) => {
      const command = p[1] as string;
      if (command !== 'add' && command !== 'remove') throw new RpcError(RpcErrorCode.MISC_ERROR, helpText(METHOD_BY_NAME.get('setban')!.spec));
      const text = p[0] as string;
      const isSubnet = text.includes('/');
      let subnet: Subnet | undefined;
      let single: NetAddress | undefined;
      if (isSubnet) {
        try {
          subnet = Subnet.parse(text, { cjdns: cjdnsReachable(ctx) });
        } catch {
          subnet = undefined;
        }
      } else {
        single = lookupHost(text, { cjdns: cjdnsReachable(ctx) });
        subnet = single ? Subnet.single(single) : undefined;
      }
      if (!subnet || !subnet.isValid() || (single && !single.isValid())) {
        throw new RpcError(RpcErrorCode.CLIENT_INVALID_IP_OR_SUBNET, 'Error: Invalid IP/Subnet');
      }
      const banman = ctx.manager.banman;
      if (command === 'add') {
        if (single ? banman.isBanned(single) : banman.isSubnetBanned(subnet)) {
          throw new RpcError(RpcErrorCode.CLIENT_NODE_ALREADY_ADDED, 'Error: IP/Subnet already banned');
        }
        const banTime = p[2] === undefined || p[2] === null ? 0 : toInteger(p[2], INT64_SAFE.min, INT64_SAFE.max);
        const absolute = (p[3] ?? false) as boolean;
        if (absolute && banTime < ctx.clock.nowSeconds()) throw new RpcError(RpcErrorCode.INVALID_PARAMETER, 'Error: Absolute timestamp is in the past');
        const target = subnet;
        viaManager(() => ctx.manager.ban(target, { time: banTime, absolute }));
      } else {
        const target = subnet;
        viaManager(() => ctx.manager.unban(target));
      }
      return null;
    },
  },
  {
    spec: {
      name: 'listbanned', category: 'network', args: [], description: 'List all manually banned IPs/Subnets.',
      result: '[ { "address" : "str", "ban_created" : xxx, "banned_until" : xxx, "ban_duration" : xxx, "time_remaining" : xxx }, ... ]    (json array)',
    },
    run: (_p, ctx) => {
      const now = ctx.clock.nowSeconds();
      return ctx.manager.listBanned().map((b) => ({
        address: b.subnet.toString(),
        ban_created: b.created,
        banned_until: b.until,
        ban_duration: b.until - b.created,
        time_remaining: b.until - now,
      }));
    },
  },
  {
    spec: { name: 'clearbanned', category: 'network', args: [], description: 'Clear all banned IPs.', result: 'null    (json null)' },
    run: (_p, ctx) => { ctx.manager.clearBanned(); return null; },
  },
  {
    spec: {
      name: 'setnetworkactive', category: 'network', description: 'Disable/enable all p2p network activity.',
      args: [{ name: 'state', type: 'boolean', required: true, description: 'true to enable networking, false to disable' }],
      result: 'true|false    (boolean) The value that was passed in',
    },
    run: (p, ctx) => { ctx.manager.setNetworkActive(p[0] as boolean); return ctx.manager.networkActive; },
  },
  {
    spec: {
      name: 'getnodeaddresses', category: 'network',
      description: 'Return known addresses, after filtering for quality and recency.\nThese can potentially be used to find new peers in the network.\nThe total number of addresses known to the node may be higher.',
      args: [
        { name: 'count', type: 'number', defaultText: '1', description: 'The maximum number of addresses to return. Specify 0 to return all known addresses.' },
        { name: 'network', type: 'string', defaultText: 'all networks', description: `Return only addresses of the specified network. Can be one of: ${NET_NAMES}.` },
      ],
      result: '[ { "time" : xxx, "services" : n, "address" : "str", "port" : n, "network" : "str" }, ... ]    (json array)',
    },
    run: (p, ctx) => {
      const count = p[0] === undefined || p[0] === null ? 1 : toInteger(p[0], INT32.min, INT32.max);
      if (count < 0) throw new RpcError(RpcErrorCode.INVALID_PARAMETER, 'Address count out of range');
      let network: NetId | undefined;
      if (p[1] !== undefined && p[1] !== null) {
        network = parseNetwork(p[1] as string);
        if (network === undefined) throw new RpcError(RpcErrorCode.INVALID_PARAMETER, `Network not recognized: ${p[1] as string}`);
      }
      return ctx.manager.getAddr({ count, network }).map((r) => ({
        time: r.time,
        services: r.services,
        address: r.service.addr.toString(),
        port: r.service.port,
        network: networkName(r.service.addr.getNetClass()),
      }));
    },
  },
  {
    spec: {
      name: 'getaddrmaninfo', category: 'network', args: [],
      description: "Provides information about the node's address manager by returning the number of addresses in the `new` and `tried` tables and their sum for all networks.",
      result: `{ "network" : { "new" : n, "tried" : n, "total" : n }, ... }    (json object) keys: ${NET_NAMES}, all_networks`,
    },
    run: (_p, ctx) => {
      const a = ctx.manager.addrman;
      const out: Record<string, unknown> = {};
      for (const name of REACHABLE_NETWORKS) {
        const network = parseNetwork(name) as NetId;
        out[name] = { new: a.size({ network, inNew: true }), tried: a.size({ network, inNew: false }), total: a.size({ network }) };
      }
      out.all_networks = { new: a.size({ inNew: true }), tried: a.size({ inNew: false }), total: a.size() };
      return out;
    },
  },
  {
    spec: {
      name: 'addconnection', category: 'hidden', description: 'Open an outbound connection to a specified node. This RPC is for testing only.',
      args: [
        { name: 'address', type: 'string', required: true, description: 'The IP address and port to attempt connecting to.' },
        { name: 'connection_type', type: 'string', required: true, description: 'Type of connection to open ("outbound-full-relay", "block-relay-only", "addr-fetch" or "feeler").' },
        { name: 'v2transport', type: 'boolean', required: true, description: 'Attempt to connect using BIP324 v2 transport protocol' },
      ],
      result: '{ "address" : "str", "connection_type" : "str" }    (json object)',
    },
    run: (p, ctx) => {
      if (ctx.manager.network.name !== 'regtest') throw new RpcError(RpcErrorCode.MISC_ERROR, 'addconnection is for regression testing (-regtest mode) only.');
      const address = p[0] as string;
      const type = (p[1] as string).trim();
      if (!(AUTOMATIC_OUTBOUND as readonly string[]).includes(type)) throw new RpcError(RpcErrorCode.INVALID_PARAMETER, helpText(METHOD_BY_NAME.get('addconnection')!.spec));
      if ((p[2] as boolean) && (ctx.manager.localServices & NODE_P2P_V2) === 0n) {
        throw new RpcError(RpcErrorCode.INVALID_PARAMETER, 'Error: Adding v2transport connections requires -v2transport init flag to be set.');
      }
      const connType = type as Exclude<ConnectionType, 'inbound' | 'manual'>;
      const b = ctx.manager.budget;
      const max = connType === 'outbound-full-relay' ? b.maxOutboundFullRelay : connType === 'block-relay-only' ? b.maxBlockRelay : Infinity;
      const existing = ctx.manager.peerDetails().filter((d) => d.connType === connType).length;
      if (existing >= max || automaticOutboundCount(ctx) >= b.maxAutomaticOutbound) {
        throw new RpcError(RpcErrorCode.CLIENT_NODE_CAPACITY_REACHED, 'Error: Already at capacity for specified connection type.');
      }
      let target: NetService;
      try {
        target = NetService.parse(address, ctx.manager.network.defaultPort, { cjdns: cjdnsReachable(ctx) });
      } catch (e) {
        throw new RpcError(RpcErrorCode.INVALID_PARAMETER, `Error: Invalid address ${address}: ${(e as Error).message}`, { cause: e });
      }
      void ctx.manager.openConnection(target, connType, { v2transport: p[2] as boolean });
      return { address, connection_type: type };
    },
  },
  {
    spec: {
      name: 'addpeeraddress', category: 'hidden', description: 'Add the address of a potential peer to an address manager table. This RPC is for testing only.',
      args: [
        { name: 'address', type: 'string', required: true, description: 'The IP address of the peer' },
        { name: 'port', type: 'number', required: true, description: 'The port of the peer' },
        { name: 'tried', type: 'boolean', defaultText: 'false', description: 'If true, attempt to add the peer to the tried addresses table' },
      ],
      result: '{ "success" : true|false, "error" : "str" (optional) }    (json object)',
    },
    run: (p, ctx) => {
      const port = toInteger(p[1], UINT16.min, UINT16.max);
      const tried = (p[2] ?? false) as boolean;
      const addr = lookupHost(p[0] as string, { cjdns: cjdnsReachable(ctx) });
      const out: Record<string, unknown> = {};
      let success = false;
      if (addr) {
        const service = new NetService(addr, port);
        const record = { service, services: NODE_NETWORK | NODE_WITNESS, time: ctx.clock.nowSeconds() };
        if (ctx.manager.addrman.add([record], addr)) {
          success = true;
          if (tried && !ctx.manager.addrman.good(service)) {
            success = false;
            out.error = 'failed-adding-to-tried';
          }
        } else {
          out.error = 'failed-adding-to-new';
        }
      }
      out.success = success;
      return out;
    },
  },
  {
    spec: {
      name: 'setmocktime', category: 'hidden', description: 'Set the local time to given timestamp (-regtest only)',
      args: [{ name: 'timestamp', type: 'number', required: true, description: 'UNIX epoch time\nPass 0 to go back to using the system time.' }],
      result: 'null    (json null)',
    },
    run: (p, ctx) => {
      // Core rpc/node.cpp setmocktime: refused off regtest (a runtime_error, so RPC_MISC_ERROR), then the range check.
      if (ctx.manager.network.name !== 'regtest') throw new RpcError(RpcErrorCode.MISC_ERROR, 'setmocktime is for regression testing (-regtest mode) only');
      const time = toInteger(p[0], INT64_SAFE.min, INT64_SAFE.max);
      if (time < 0 || time > MAX_MOCK_TIME_S) {
        throw new RpcError(RpcErrorCode.INVALID_PARAMETER, `Mocktime must be in the range [0, ${MAX_MOCK_TIME_S}], not ${time}.`);
      }
      if (!ctx.mockClock) throw new RpcError(RpcErrorCode.MISC_ERROR, 'setmocktime: this node\'s clock cannot be mocked (give the RPC server a MockableClock)');
      ctx.mockClock.setMockTime(time);
      return null;
    },
  },
  {
    spec: {
      name: 'getrawaddrman', category: 'hidden', args: [],
      description: 'EXPERIMENTAL warning: this call may be changed in future releases.\n\nReturns information on all address manager entries for the new and tried tables.',
      result: '{ "table" : { "bucket/position" : { "address" : "str", "mapped_as" : n (optional), "port" : n, "network" : "str", "services" : n, "time" : xxx, "source" : "str", "source_network" : "str", "source_mapped_as" : n (optional) }, ... }, ... }    (json object)',
    },
    run: (_p, ctx) => {
      const table = (tried: boolean): Record<string, unknown> => {
        const out: Record<string, unknown> = {};
        for (const e of ctx.manager.addrman.getEntries(tried)) out[`${e.bucket}/${e.position}`] = entryJson(ctx, e.info);
        return out;
      };
      return { new: table(false), tried: table(true) };
    },
  },
  {
    spec: {
      name: 'help', category: 'control', description: 'List all commands, or get help for a specified command.',
      args: [{ name: 'command', type: 'string', defaultText: 'all commands', description: 'The command to get help on' }],
      result: '"str"    (string) The help text',
    },
    run: (p) => help((p[0] ?? '') as string),
  },
  {
    spec: {
      name: 'stop', category: 'control', description: `Request a graceful shutdown of ${CLIENT_NAME}.`,
      args: [{ name: 'wait', type: 'number', hidden: true, description: 'how long to wait in ms' }],
      result: `"str"    (string) A string with the content '${CLIENT_NAME} stopping'`,
    },
    run: async (p, ctx) => {
      ctx.requestStop();
      if (typeof p[0] === 'number') await ctx.clock.sleep(Math.min(Math.max(0, toInteger(p[0], INT32.min, INT32.max)), MAX_STOP_WAIT_MS));
      return `${CLIENT_NAME} stopping`;
    },
  },
  {
    spec: { name: 'uptime', category: 'control', args: [], description: 'Returns the total uptime of the server.', result: 'n    (numeric) The number of seconds that the server has been running' },
    // Core: GetTime() - GetStartupTime(), both whole seconds.
    run: (_p, ctx) => ctx.clock.nowSeconds() - seconds(ctx.startTime()),
  },
];

const METHOD_BY_NAME: ReadonlyMap<string, RpcMethod> = new Map(METHODS.map((m) => [m.spec.name, m]));

/** Every method's signature, in registration order. */
export const METHOD_SPECS: readonly MethodSpec[] = METHODS.map((m) => m.spec);

/**
 * Core `CRPCTable::help`: with no command, the usage line of every non-hidden method grouped under
 * "== Category ==" headers (sorted by category, then name); with a command, its full help; for an
 * unknown command, the text "help: unknown command: <name>" (a result, not an error, as in Core).
 */
export function help(command: string): string {
  if (command !== '') {
    const m = METHOD_BY_NAME.get(command);
    return m ? helpText(m.spec).replace(/\n$/, '') : `help: unknown command: ${command}`;
  }
  const visible = METHODS.filter((m) => m.spec.category !== 'hidden')
    .sort((a, b) => (a.spec.category + a.spec.name < b.spec.category + b.spec.name ? -1 : 1));
  let text = '';
  let category = '';
  for (const m of visible) {
    if (m.spec.category !== category) {
      if (category !== '') text += '\n';
      category = m.spec.category;
      text += `== ${category[0].toUpperCase()}${category.slice(1)} ==\n`;
    }
    text += `${usageLine(m.spec)}\n`;
  }
  return text.replace(/\n$/, '');
}

/**
 * The dispatcher over the method table (Core `CRPCTable::execute`): finds the method (else
 * RPC_METHOD_NOT_FOUND "Method not found"), turns named parameters into positions, checks count
 * and types, and runs it. Errors that are not `RpcError` become RPC_MISC_ERROR with their message.
 */
export function createDispatcher(ctx: RpcContext): Dispatcher {
  return async (req) => {
    const m = METHOD_BY_NAME.get(req.method);
    if (!m) throw new RpcError(RpcErrorCode.METHOD_NOT_FOUND, 'Method not found');
    const params = Array.isArray(req.params) ? req.params : namedToPositional(m.spec, req.params);
    checkArgs(m.spec, params);
    try {
      return await m.run(params, ctx);
    } catch (e) {
      if (e instanceof RpcError) throw e;
      throw new RpcError(RpcErrorCode.MISC_ERROR, e instanceof Error ? e.message : String(e), { cause: e });
    }
  };
}
