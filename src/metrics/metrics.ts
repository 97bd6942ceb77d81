/**
 * metrics/: the Prometheus view of a running `PeerManager` — how many peers of which kind on which
 * network, how full the address table is, what traffic each message type costs, and how often the
 * defences fire (inbound evictions and refusals, handshake and dial failures, misbehaviour, bans).
 *
 * Design. Nothing here is updated on the hot path: every value is read from the manager's public API
 * when Prometheus scrapes (prom-client `collect()` callbacks), so a node without a scraper pays
 * nothing, and the numbers can never drift from what `getpeerinfo`/`getnettotals` would say. Gauges are
 * rebuilt from scratch on each scrape (a peer that left takes its series with it). Counters mirror the
 * manager's cumulative `ManagerCounters`; they are advanced by the difference since the previous scrape
 * and never moved backwards, so `rate()` stays meaningful. The attack this resists is cardinality
 * blow-up: label values come only from closed sets (Core's connection-type and network names, the
 * refusal reasons, Core's message-type list whose unknown commands the peer layer already folds into
 * `*other*`), and the message-type label is capped again here (`MAX_MESSAGE_TYPE_LABELS`) in case a
 * future source is less careful — a hostile peer must not be able to mint time series.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { Net, networkName, type NetId } from '../address/network.js';
import type { NetService } from '../address/service.js';
import type { AddrMan } from '../addrman/addrman.js';
import type { ManagerCounters } from '../connman/types.js';
import type { TransportProtocolType } from '../peer/message-transport.js';
import { CONNECTION_TYPES, type ConnectionType } from '../peer/types.js';

/** Prefix of every metric name. */
export const METRIC_PREFIX = 'peerbook_';
/**
 * Most distinct `message_type` label values per byte counter. Core knows 35 message types plus
 * `*other*`; anything past this cap is added to `*other*` so the series count stays bounded.
 */
export const MAX_MESSAGE_TYPE_LABELS = 64;
/** Label value that absorbs message types past the cap (Core NET_MESSAGE_TYPE_OTHER). */
export const OTHER_MESSAGE_TYPE = '*other*';
/** Label values of `transport` (Core TransportProtocolType names). */
const TRANSPORT_TYPES: readonly TransportProtocolType[] = ['v1', 'v2', 'detecting'];
/** Networks an address (and so a peer or an addrman entry) can be on, as Core's network-name ids. */
const ADDRESS_NETWORKS: readonly NetId[] = [Net.IPV4, Net.IPV6, Net.ONION, Net.I2P, Net.CJDNS];
/** Core's network names for the networks above (label values of `network`). */
const PEER_NETWORK_IDS: readonly NetId[] = [Net.UNROUTABLE, ...ADDRESS_NETWORKS, Net.INTERNAL];

/** What the metrics read from the connection manager; `PeerManager` satisfies it. */
export interface MetricsSource {
  /** Current peers (Core's vNodes). */
  peers(): ReadonlyArray<{
    readonly connType: ConnectionType; readonly inbound: boolean; readonly isDisconnecting: boolean; readonly addr: NetService;
    /** The connection's transport (absent: v1). */
    readonly transportInfo?: { readonly type: TransportProtocolType };
  }>;
  /** Socket bytes in total (getnettotals). */
  totals(): { bytesSent: number; bytesRecv: number };
  /** Cumulative counters since start. */
  readonly counters: ManagerCounters;
  /** The address table. */
  readonly addrman: Pick<AddrMan, 'size'>;
  /** Active bans (listbanned). */
  listBanned(): readonly unknown[];
  /** Whether networking is on (getnetworkinfo networkactive). */
  readonly networkActive: boolean;
}

/** Options of `createMetrics`. */
export interface MetricsOptions {
  /** Registry to register into; default: a new private one (never prom-client's global). */
  registry?: Registry;
  /** Also collect prom-client's process metrics (CPU, memory, event-loop lag, GC) under `peerbook_process_…`/`peerbook_nodejs_…`. Default false. */
  defaultMetrics?: boolean;
}

/** A scrape result ready for an HTTP response. */
export interface MetricsResponse {
  /** Value for the Content-Type header (Prometheus text format 0.0.4). */
  contentType: string;
  /** The exposition text. */
  body: string;
}

/** The registered metrics of one manager. */
export interface PeerbookMetrics {
  /** The registry holding them. */
  readonly registry: Registry;
  /** Collects every metric now and renders the Prometheus text format. */
  scrape(): Promise<MetricsResponse>;
  /** Unregisters everything this call registered (all of a private registry; only Peerbook's names from a shared one). */
  close(): void;
}

/**
 * Mirrors a monotonically increasing source value into a prom-client counter: adds the increase since
 * the last call; a smaller value (a restarted source) is ignored, so the exported counter never decreases.
 */
export class CounterMirror<L extends string> {
  private readonly last = new Map<string, number>();

  /** @param counter the counter to advance. */
  constructor(private readonly counter: Counter<L>) {}

  /** Brings the series with `labels` up to `value`. */
  set(labels: Partial<Record<L, string>>, value: number): void {
    const key = JSON.stringify(labels);
    const prev = this.last.get(key);
    if (prev === undefined) {
      this.counter.inc(labels, Math.max(0, value)); // creates the series, at 0 if nothing happened yet
      this.last.set(key, Math.max(0, value));
    } else if (value > prev) {
      this.counter.inc(labels, value - prev);
      this.last.set(key, value);
    }
  }
}

/**
 * Folds a per-message-type byte map into at most `MAX_MESSAGE_TYPE_LABELS` label values: the first
 * names seen (the manager's map keeps insertion order) keep their own series, the rest add to `*other*`.
 * `stable` remembers names that already have a series so that a name never changes bucket.
 */
export function foldMessageTypes(source: ReadonlyMap<string, number>, stable: Set<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, bytes] of source) {
    let label = name;
    if (!stable.has(name)) {
      if (name !== OTHER_MESSAGE_TYPE && stable.size < MAX_MESSAGE_TYPE_LABELS - 1) stable.add(name);
      else label = OTHER_MESSAGE_TYPE;
    }
    out.set(label, (out.get(label) ?? 0) + bytes);
  }
  return out;
}

/**
 * Registers Peerbook's metrics for `manager` (all read at scrape time) and returns a scraper for the
 * daemon's `/metrics` handler. Names are listed in `METRIC_NAMES`.
 */
export function createMetrics(manager: MetricsSource, options: MetricsOptions = {}): PeerbookMetrics {
  const ownRegistry = options.registry === undefined;
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const names: string[] = [];
  const n = (suffix: string): string => {
    names.push(METRIC_PREFIX + suffix);
    return METRIC_PREFIX + suffix;
  };

  new Gauge({
    name: n('peers'), help: 'Connected peers (not yet disconnecting) by direction, Core connection type and network.',
    labelNames: ['direction', 'type', 'network'] as const, registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const p of manager.peers()) {
        if (p.isDisconnecting) continue;
        const key = `${p.connType}\u0000${p.addr.addr.getNetClass()}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      // Every type on every address network appears, at 0 when empty, so dashboards see a flat line.
      for (const type of CONNECTION_TYPES) {
        for (const net of PEER_NETWORK_IDS) {
          const c = counts.get(`${type}\u0000${net}`) ?? 0;
          if (c === 0 && !ADDRESS_NETWORKS.includes(net)) continue;
          this.set({ direction: type === 'inbound' ? 'inbound' : 'outbound', type, network: networkName(net) }, c);
        }
      }
    },
  });

  new Gauge({
    name: n('peers_by_transport'), help: 'Connected peers (not yet disconnecting) by direction and transport protocol (getpeerinfo transport_protocol_type: v1, v2, detecting).',
    labelNames: ['direction', 'transport'] as const, registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const p of manager.peers()) {
        if (p.isDisconnecting) continue;
        const key = `${p.inbound ? 'inbound' : 'outbound'}\u0000${p.transportInfo?.type ?? 'v1'}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const direction of ['inbound', 'outbound'] as const) {
        for (const transport of TRANSPORT_TYPES) this.set({ direction, transport }, counts.get(`${direction}\u0000${transport}`) ?? 0);
      }
    },
  });

  const transportBytes = new Counter({
    name: n('transport_bytes_total'), help: 'Bytes on peer sockets by transport protocol when they moved (detecting = BIP324 handshakes and attempts that never settled).',
    labelNames: ['direction', 'transport'] as const, registers,
    collect() {
      const b = manager.counters.bytesByTransport;
      for (const transport of TRANSPORT_TYPES) {
        transportMirror.set({ direction: 'sent', transport }, b.sent[transport]);
        transportMirror.set({ direction: 'received', transport }, b.recv[transport]);
      }
    },
  });
  const transportMirror = new CounterMirror(transportBytes);

  const socketBytes = new Counter({ name: n('bytes_total'), help: 'Bytes on peer sockets (getnettotals).', labelNames: ['direction'] as const, registers,
    collect() {
      const t = manager.totals();
      socketMirror.set({ direction: 'sent' }, t.bytesSent);
      socketMirror.set({ direction: 'received' }, t.bytesRecv);
    },
  });
  const socketMirror = new CounterMirror(socketBytes);

  const stableTypes = { sent: new Set<string>(), recv: new Set<string>() };
  const msgBytes = new Counter({
    name: n('message_bytes_total'), help: 'Bytes of whole messages by direction and message type, including peers already gone (getnettotals/getpeerinfo bytes*_per_msg).',
    labelNames: ['direction', 'message_type'] as const, registers,
    collect() {
      for (const dir of ['sent', 'recv'] as const) {
        const folded = foldMessageTypes(manager.counters.bytesPerMsg[dir], stableTypes[dir]);
        for (const [type, bytes] of folded) msgMirror.set({ direction: dir === 'sent' ? 'sent' : 'received', message_type: type }, bytes);
      }
    },
  });
  const msgMirror = new CounterMirror(msgBytes);

  new Gauge({
    name: n('addrman_entries'), help: 'Address table entries by table (new/tried) and network.',
    labelNames: ['table', 'network'] as const, registers,
    collect() {
      this.reset();
      for (const net of ADDRESS_NETWORKS) {
        this.set({ table: 'new', network: networkName(net) }, manager.addrman.size({ network: net, inNew: true }));
        this.set({ table: 'tried', network: networkName(net) }, manager.addrman.size({ network: net, inNew: false }));
      }
    },
  });

  new Gauge({ name: n('bans_active'), help: 'Banned addresses and subnets now in force (listbanned).', registers,
    collect() { this.set(manager.listBanned().length); } });
  new Gauge({ name: n('network_active'), help: '1 while networking is enabled (setnetworkactive), else 0.', registers,
    collect() { this.set(manager.networkActive ? 1 : 0); } });

  const simple: Array<[string, string, (c: ManagerCounters) => number]> = [
    ['bans_added_total', 'Bans added since start.', (c) => c.bansAdded],
    ['inbound_evictions_total', 'Inbound peers evicted to make room for a new inbound connection.', (c) => c.inboundEvictions],
    ['handshake_failures_total', 'Connections closed before the version handshake completed (feelers excluded).', (c) => c.handshakeFailures],
    ['connect_failures_total', 'Outbound dials that failed.', (c) => c.connectFailures],
    ['misbehaving_total', 'Peers reported misbehaving.', (c) => c.misbehaving],
    ['addr_processed_total', 'Gossiped addresses processed (getpeerinfo addr_processed, over every peer since start).', (c) => c.addrProcessed],
    ['addr_rate_limited_total', 'Gossiped addresses dropped by the per-peer rate limit (getpeerinfo addr_rate_limited, over every peer since start).', (c) => c.addrRateLimited],
  ];
  for (const [suffix, help, read] of simple) {
    const counter: Counter = new Counter({ name: n(suffix), help, registers, collect() { mirror.set({}, read(manager.counters)); } });
    const mirror = new CounterMirror(counter);
  }

  const rejected = new Counter({
    name: n('inbound_rejected_total'), help: 'Inbound connections refused, by reason (banned, discouraged, full = no eviction candidate, inactive = network off).',
    labelNames: ['reason'] as const, registers,
    collect() {
      const r = manager.counters.inboundRejected;
      for (const reason of ['banned', 'discouraged', 'full', 'inactive'] as const) rejectedMirror.set({ reason }, r[reason]);
    },
  });
  const rejectedMirror = new CounterMirror(rejected);

  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

  return {
    registry,
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close() {
      if (ownRegistry) registry.clear();
      else for (const name of names) registry.removeSingleMetric(name);
    },
  };
}

/** Every metric name `createMetrics` registers (without the optional process metrics). */
export const METRIC_NAMES: readonly string[] = [
  'peers', 'peers_by_transport', 'transport_bytes_total', 'bytes_total', 'message_bytes_total', 'addrman_entries', 'bans_active', 'network_active', 'bans_added_total',
  'inbound_evictions_total', 'handshake_failures_total', 'connect_failures_total', 'misbehaving_total',
  'inbound_rejected_total', 'addr_processed_total', 'addr_rate_limited_total',
].map((s) => METRIC_PREFIX + s);
