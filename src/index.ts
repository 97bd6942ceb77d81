/**
 * Peerbook's public API: the peer address manager and connection manager for Bitcoin-style P2P
 * networks. Start with `PeerManager` (connman/manager.ts); `AddrMan` is the address table on its own.
 *
 * Every export is named here on purpose — what an application, an operator tool or a plug-in needs —
 * and nothing else: codec internals, hashing constants and the components inside the connection
 * manager stay private, so they can change without breaking users. The surface is recorded in
 * etc/peerbook.api.md and checked by the test suite (see docs/architecture.md, "Public API").
 */

// ---- connection manager -------------------------------------------------------------------------
export {
  PeerManager, TICK_INTERVAL_MS, STOP_FLUSH_MS, type PeerConnectOptions, type ManualConnectOptions, type GetAddressesOptions,
} from './connman/manager.js';
export { ConfigError, type ExperimentOptions, type PeerManagerOptions, type ServiceRequirement } from './connman/options.js';
export {
  PeerManagerError, type PeerManagerEvents, type PeerInfo, type PeerDetails, type AddrRelayStats, type ManagerCounters,
  type AddedNodeInfo, type DisconnectTarget,
} from './connman/types.js';
export type { UploadTargetInfo } from './connman/traffic.js';
export { BanMan, DEFAULT_BAN_TIME_S, MAX_BANLIST_ENTRIES, type BanOptions } from './connman/banman.js';
export type { BanEntry } from './addrman/banlist.js';
export { LocalAddresses, LocalScore } from './connman/local-addresses.js';
export { DataFile } from './connman/datadir.js';
export {
  slotBudget, DEFAULT_MAX_PEER_CONNECTIONS, MAX_OUTBOUND_FULL_RELAY_CONNECTIONS, MAX_BLOCK_RELAY_ONLY_CONNECTIONS,
  MAX_FEELER_CONNECTIONS, MAX_ADDNODE_CONNECTIONS, type SlotBudget,
} from './connman/policy/outbound.js';
export { Permission, hasPermission, permissionNames } from './connman/policy/permissions.js';
// Seams for plug-ins and connection layers (see docs/architecture.md, "Seams").
export type { ProtocolPlugin, ProtocolHost, ProtocolFactory } from './connman/protocol.js';
export { PeerRecord, PeerSlot, type PeerLookup, type ManualTarget, type PeerRecordInit, type PendingDial, type PeerDirection } from './connman/registry.js';
export type { PeerDialer, DialRequest, DialResult } from './connman/dialer.js';
export type { PeerOverrides } from './connman/peer-spec.js';
export {
  DEFAULT_UPGRADE_TIMEOUT_MS, type ConnectionLayer, type ConnectionUpgradeContext, type UpgradedConnection, type InboundGate,
} from './connman/connection-layer.js';
export { AddrRelay, type AddrRelayContext, type AddrRelayDiagnostics } from './connman/protocols/addr-relay.js';
export { InventoryRelay } from './connman/protocols/inv-relay.js';

// ---- address manager ----------------------------------------------------------------------------
export {
  AddrMan, AddressBatch, type AddressColumns, type AddrManOptions, type AddrInfoView, type ConnectionSelectOptions, type EntryLocation, type EntryPosition,
  type GetAddrOptions, type SelectOptions, type SelectResult, type SerializeOptions, type SizeOptions, type AddressState,
  AddrManConsistencyError, PeersDatError, PeersDatVersionError, type PeersDatErrorReason, PeersDatFormat, DataFileError, type DataFileErrorReason,
  AddrManRestoreError, type RestoreCell, type RestoreEntry, type TableSnapshot,
  PeersJsonError, encodePeersJson, decodePeersJson, decodePeersJsonDocument, type PeersJsonDocument, type PeersJsonEntry,
  type PeersJsonHeader, type PeersJsonDecodeOptions,
} from './addrman/index.js';

// ---- addresses ----------------------------------------------------------------------------------
export {
  NetAddress, NetService, Subnet, Net, networkName, parseNetwork, REACHABLE_NETWORKS, Bip155Net, NetGroupManager, Asmap,
  AsmapError, type NetId, type AddressNetwork, type NetworkName, type AddressRecord, type ParseAddressOptions, type AsnLookup,
} from './address/index.js';

// ---- wire ---------------------------------------------------------------------------------------
export {
  encodeMessage, decodeMessage, NetMsgType, MAX_ADDR_TO_SEND, MAX_INV_SZ, type Message, type AddrMessage, type InventoryMessage,
  type PingMessage, type FeeFilterMessage, type SendCmpctMessage, type EmptyMessage, type UnknownMessage, type KnownCommand,
  type EncodedMessage, encodeFrame, FrameDecoder, type FrameDecoderOptions, type DroppedFrame, type DecodedFrame, FrameError, MessageDecodeError,
  type FrameErrorCode, type MessageDecodeReason, type CompletedFrame, type InvEntry, MSG_TX, MSG_BLOCK, MSG_WTX, MSG_WITNESS_TX,
  MSG_WITNESS_BLOCK, MSG_FILTERED_BLOCK, MSG_CMPCT_BLOCK, MSG_WITNESS_FLAG, MSG_TYPE_MASK, invTypeName, hashToDisplayHex,
  type NetworkParams, type ChainName, type CustomNetworkOptions, MAINNET, TESTNET3, TESTNET4, SIGNET, REGTEST, NETWORK_NAMES,
  getNetworkParams, customNetworkParams, signetNetworkParams, NODE_NONE, NODE_NETWORK, NODE_BLOOM, NODE_WITNESS,
  NODE_COMPACT_FILTERS, NODE_NETWORK_LIMITED, NODE_P2P_V2, serviceFlagNames, formatServiceFlags, PROTOCOL_VERSION,
  MIN_PEER_PROTO_VERSION, type VersionMessage, type VersionAddress,
} from './wire/index.js';
export { DEFAULT_USER_AGENT } from './wire/user-agent.js';

// ---- peers and transports -----------------------------------------------------------------------
export {
  Peer, type PeerEvents, type PeerStats, type PeerOptions, type RemoteVersion, type LocalNodeInfo, type TrafficRecorder,
  type ConnectionType, CONNECTION_TYPES, type PeerLimits, DEFAULT_PEER_LIMITS, type LruSet,
  // Message transports (Core's Transport): v1 framing, BIP324 v2 with v1 detection (see docs/bip324.md).
  type MessageTransport, type TransportChoice, type TransportInfo, type TransportProtocolType, type OutgoingBytes,
  V1MessageTransport, V2MessageTransport, type V2TransportOptions, V2TransportError, type V2TransportErrorCode,
  type V2ReceiveState, type V2SendState,
} from './peer/index.js';
export { generateEllSwiftKey, type EllSwiftKeyPair } from './bip324/index.js';
export {
  ConnectError, type Transport, type Connection, type ConnectionEvents, type Listener, type ConnectOptions, StreamConnection, type StreamConnectionOptions,
  DEFAULT_CONNECT_TIMEOUT_MS, TcpTransport, type TcpTransportOptions, Socks5Transport, type Socks5Options, RoutingTransport, MemoryNetwork, MemoryTransport,
  LoopbackMapTransport,
} from './transport/index.js';

// ---- seams: time, randomness, logging, names, errors, events ------------------------------------
export { SystemClock, VirtualClock, MockableClock, AbortError, type Clock, type Timer, ChaChaRandom, type Random } from './util/index.js';
export { PeerbookError, DecodeError, ParseError, ArgumentError, TypedEmitter, type EventMap, ByteReader, ByteWriter } from './util/index.js';
export { MemoryLogger, silentLogger, type Logger, type LogFields } from './util/logger.js';
export { systemResolver, type Resolver } from './util/resolver.js';
export { StoreError } from './store/index.js';

// ---- peer sets: known-membership networks over authenticated transport (docs/peerset.md) -------
export {
  PeerSetNode, peerSetNetwork, DEFAULT_APP_COMMAND, type PeerSetNodeOptions, type PeerSetNodeEvents, type PeerSetPeerDetails,
  type PeerSetsDocument, PeerSetComponent, PEERSET_OWNER, type PeerSetComponentOptions, type PeerSetComponentDeps,
  type PeerSetComponentEvents, type PeerSetMessage, type PeerSetCounters, type PreHandshakeRefusal,
  PeerSetTracker, type PeerSetTrackerOptions, type PeerSetTrackerDeps, type TrackInput, type PeerMapInput, type TrackResult,
  type OverwriteResult, type OverwriteSkipReason, type BlockResult, type PeerView, type PeerRoles, type DialPlan, type Reservation,
  type InboundRefusal, type PeerStatus, type PeerSetDirection, PeerSetError, PeerSetSubscription, type PeerSetUpdate, type TrackedPeers,
  type PeerAddress, type PeerAddressInput, HandshakeLimiter, type HandshakeLimiterOptions, type HandshakeLimitReason,
  type HandshakeLimiterCounters, createPeerSetMetrics, PEERSET_METRIC_NAMES, type PeerSetMetrics, type PeerSetMetricsSource,
  DEFAULT_TRACKED_PEER_SETS, DEFAULT_MAX_PEERS_PER_SET, PEER_CONNECTION_COOLDOWN_MS, DEFAULT_BLOCK_DURATION_MS,
  MAX_CONCURRENT_HANDSHAKES, HANDSHAKE_INTERVAL_PER_IP_MS, HANDSHAKES_PER_SUBNET_PER_SECOND,
} from './peerset/index.js';
export {
  Identity, verifySignature, AuthenticatedTransport, type AuthenticatedTransportOptions, type AuthenticatedListenOptions,
  type InboundScreen, SecureConnection, secureInbound, secureOutbound, type SecureOptions, type SecureInboundOptions,
  type SecureOutboundOptions, type HandshakeGate, AuthError, authErrorCode, AUTH_REJECT_REASONS, type AuthRejectReason,
  type GateRejectReason, GATE_REJECT_REASONS, AuthCounters, type AuthCountersSnapshot, type HandshakeRole, ReplayCache, AUTH_PROTOCOL_VERSION,
  type SecureSession, FrameSealer, FrameOpener,
  HANDSHAKE_TIMEOUT_MS, MAX_FRAME_PLAINTEXT_BYTES,
} from './transport/secure/authenticated/index.js';
export { toPeerKeyHex, type PeerKeyHex } from './util/public-key.js';

// ---- operator surface ---------------------------------------------------------------------------
export {
  RpcServer, RpcError, RpcErrorCode, RpcConfigError, type RpcServerOptions, type RpcBind, type RpcAuthOptions, type RpcManager,
  METHOD_SPECS, type MethodSpec, type ArgSpec, type ArgType, type RpcVersionInfo, type JsonRpcLimits,
} from './rpc/index.js';
export { createMetrics, METRIC_NAMES, type MetricsOptions, type MetricsResponse, type MetricsSource, type PeerbookMetrics } from './metrics/index.js';
export {
  createDashboardHandler, startOperatorHttpServer, OperatorHttpError, type DashboardHandler, type DashboardOptions, peerRows, summary,
  type PeerRow, type Summary, type BucketFill, type TrafficDocument, type TrafficSampler, type TrafficSample, type TrafficSamplerOptions,
  DASHBOARD_CHART_NAMES, type AddrmanComposition, type AddressScope, type GroupRanking, type GroupShare,
  type DashboardSource, type OperatorHttpServer, type OperatorHttpServerOptions, type OperatorHandler, type MetricsEndpoint,
  type PeerSetsPanelDocument,
} from './dashboard/index.js';
export {
  Crawler, type CrawlerOptions, type CrawlProgress, type CrawlReport, type CrawlNodeRecord, type CrawlStats, type CrawlStopReason,
  summarizeCrawl, type CrawlSummary, formatCrawlJson, type CrawlBook, type SkipCounts, type CountRow, type CrawlBookOptions,
  type CrawlTarget, type OfferResult, type VisitOutcome,
} from './crawl/index.js';
export { Daemon, DaemonStartError, type DnsHealth, defaultDataDir, defaultMetricsPort, DEFAULT_METRICS_PORTS, ConfigFileError, type DaemonInputs, type RawSettings, type ConfigValue } from './daemon/index.js';
