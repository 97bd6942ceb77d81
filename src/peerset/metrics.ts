/**
 * Prometheus series of the peer-set mode, registered next to the connection manager's (metrics/):
 * tracked sets and peers, which primaries are connected, blocks, handshakes completed and refused per
 * reason, inbound refusals before the handshake, dials. Like metrics/, everything is read at scrape
 * time from the node's public state, and every label value comes from a closed set (roles, the
 * handshake's reject reasons, the limiter's reasons) — never a key or an address, so no peer can mint
 * a series.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { CounterMirror, METRIC_PREFIX } from '../metrics/metrics.js';
import { AUTH_REJECT_REASONS } from '../transport/secure/authenticated/errors.js';
import type { AuthCounters } from '../transport/secure/authenticated/counters.js';
import type { PeerKeyHex } from '../util/public-key.js';
import type { PeerSetCounters } from './component.js';
import type { HandshakeLimiter } from './handshake-limiter.js';
import type { PeerSetTracker } from './tracker.js';

/** Prefix of the peer-set series. */
export const PEERSET_METRIC_PREFIX = `${METRIC_PREFIX}peerset_`;

/** What the series read; `PeerSetNode` provides it through `metricsSource()`. */
export interface PeerSetMetricsSource {
  /** The tracker (sets, records, blocks). */
  readonly tracker: Pick<PeerSetTracker, 'ids' | 'activeId' | 'all' | 'blockedCount' | 'peers'>;
  /** The limiter (in-flight handshakes, refusals). */
  readonly limiter: Pick<HandshakeLimiter, 'inFlight' | 'counters'>;
  /** Handshake outcomes. */
  readonly auth: Pick<AuthCounters, 'snapshot'>;
  /** The component's own counters. */
  readonly counters: Readonly<PeerSetCounters>;
  /** Keys connected and past their handshake. */
  connectedKeys(): PeerKeyHex[];
}

/** The registered series. */
export interface PeerSetMetrics {
  /** Registry holding them. */
  readonly registry: Registry;
  /** Unregisters them. */
  close(): void;
}

/** Every series name `createPeerSetMetrics` registers. */
export const PEERSET_METRIC_NAMES: readonly string[] = [
  'sets', 'active_set_id', 'peers', 'connected_peers', 'primaries', 'blocked_keys', 'handshakes_in_flight',
  'handshakes_total', 'handshake_rejections_total', 'inbound_refused_total', 'dials_total', 'severed_total',
].map((s) => PEERSET_METRIC_PREFIX + s);

/** Registers the peer-set series for `source` into `registry` (default: a new private one). */
export function createPeerSetMetrics(source: PeerSetMetricsSource, registry = new Registry()): PeerSetMetrics {
  const registers = [registry];
  const names: string[] = [];
  const n = (suffix: string): string => {
    names.push(PEERSET_METRIC_PREFIX + suffix);
    return PEERSET_METRIC_PREFIX + suffix;
  };
  const gauge = (suffix: string, help: string, read: () => number): void => {
    new Gauge({ name: n(suffix), help, registers, collect() { this.set(read()); } });
  };
  gauge('sets', 'Peer sets kept (the active one and those before it).', () => source.tracker.ids.length);
  gauge('active_set_id', 'Id of the active (highest) peer set; -1 before the first.', () => source.tracker.activeId ?? -1);
  gauge('blocked_keys', 'Keys blocked now (tracked or not).', () => source.tracker.blockedCount);
  gauge('handshakes_in_flight', 'Inbound authenticated handshakes in progress.', () => source.limiter.inFlight);

  new Gauge({
    name: n('peers'), help: 'Tracked keys by role (primary in some kept set, else secondary).', labelNames: ['role'] as const, registers,
    collect() {
      const all = source.tracker.all();
      this.set({ role: 'primary' }, all.primary.length);
      this.set({ role: 'secondary' }, all.secondary.length);
    },
  });
  new Gauge({
    name: n('connected_peers'), help: 'Connected tracked keys by role.', labelNames: ['role'] as const, registers,
    collect() {
      const all = source.tracker.all();
      const primary = new Set(all.primary);
      const connected = source.connectedKeys();
      const p = connected.filter((k) => primary.has(k)).length;
      this.set({ role: 'primary' }, p);
      this.set({ role: 'secondary' }, connected.length - p);
    },
  });
  new Gauge({
    name: n('primaries'), help: 'Primary keys of the kept sets (self excluded) by state: connected or not.', labelNames: ['state'] as const, registers,
    collect() {
      const connected = new Set(source.connectedKeys());
      const primaries = source.tracker.peers().filter((p) => p.role === 'primary');
      const up = primaries.filter((p) => connected.has(p.key)).length;
      this.set({ state: 'connected' }, up);
      this.set({ state: 'not_connected' }, primaries.length - up);
    },
  });

  const handshakes = new Counter({
    name: n('handshakes_total'), help: 'Authenticated handshakes completed, by our role.', labelNames: ['role'] as const, registers,
    collect() {
      const s = source.auth.snapshot();
      handshakesMirror.set({ role: 'initiator' }, s.completed.initiator);
      handshakesMirror.set({ role: 'responder' }, s.completed.responder);
    },
  });
  const handshakesMirror = new CounterMirror(handshakes);
  const rejections = new Counter({
    name: n('handshake_rejections_total'), help: 'Handshakes refused and connections closed for a protocol violation, by our role and reason.',
    labelNames: ['role', 'reason'] as const, registers,
    collect() {
      const s = source.auth.snapshot();
      for (const role of ['initiator', 'responder'] as const) for (const reason of AUTH_REJECT_REASONS) rejectionsMirror.set({ role, reason }, s.rejected[role][reason]);
    },
  });
  const rejectionsMirror = new CounterMirror(rejections);
  const refused = new Counter({
    name: n('inbound_refused_total'), help: 'Inbound connections refused before the handshake: source IP not registered, or a handshake limit.',
    labelNames: ['reason'] as const, registers,
    collect() {
      const c = source.limiter.counters();
      refusedMirror.set({ reason: 'unregistered-ip' }, source.counters.unregisteredIp);
      for (const reason of ['ip-rate', 'subnet-rate', 'in-flight', 'table-full'] as const) refusedMirror.set({ reason }, c.refused[reason]);
    },
  });
  const refusedMirror = new CounterMirror(refused);
  const dials = new Counter({
    name: n('dials_total'), help: 'Dials of primary keys, by result (started, failed).', labelNames: ['result'] as const, registers,
    collect() {
      dialsMirror.set({ result: 'started' }, source.counters.dialsStarted);
      dialsMirror.set({ result: 'failed' }, source.counters.dialsFailed);
    },
  });
  const dialsMirror = new CounterMirror(dials);
  const severed = new Counter({
    name: n('severed_total'), help: 'Connections and dials severed by track, overwrite or block.', registers,
    collect() { severedMirror.set({}, source.counters.severed); },
  });
  const severedMirror = new CounterMirror(severed);

  return {
    registry,
    close() {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
