/**
 * Core's one-time retry with v1 (net.cpp `m_reconnections`, `PerformReconnections`): an outbound
 * BIP324 attempt that a v1-only node hung up on — nothing received after at least 24 bytes sent,
 * `Peer.shouldReconnectV1` — is dialed again once, to the same target with the same connection type,
 * name and owner, speaking v1. As in Core the retry does not count as a failed attempt against the
 * address (the first dial reached the node). Core makes it from its added-connections loop, keeping
 * the failed attempt's outbound slot (its semaphore grant) for it; here it is dialed as soon as the
 * close has been handled (a microtask later), so its reservation takes the slot before the next
 * maintenance pass could give it to a new address. Each queued retry carries a promise of its dial's result, so a caller awaiting the
 * first attempt (`PeerManager.connect`) can follow the retry.
 *
 * Bounded: at most MAX_PENDING_V1_RETRIES wait at once; beyond that a retry is dropped (logged), and
 * queued ones are answered `ERR_ABORTED` when the manager stops.
 */
import { ConnectError } from '../transport/transport.js';
import type { Logger } from '../util/logger.js';
import type { DialRequest, DialResult } from './dialer.js';
import type { PeerSpec } from './peer-spec.js';
import type { PeerRecord } from './registry.js';

/**
 * Most v1 retries waiting at once. Core bounds them by its outbound semaphore (each retry keeps the
 * grant of the attempt it replaces): 8 full-relay + 2 block-relay-only + 1 feeler + 8 addnode, plus
 * -connect and addr-fetch. 32 is above that sum; reaching it means something dials in a loop.
 */
export const MAX_PENDING_V1_RETRIES = 32;

/** What the retry queue uses. */
export interface ReconnectContext {
  log: Logger;
  /** Dials (the connection manager's dialer). */
  dial(req: DialRequest): Promise<DialResult>;
}

interface Pending {
  req: DialRequest;
  settle(result: DialResult): void;
}

/** The queue of v1 retries. */
export class V1Retries {
  private queue: Pending[] = [];
  private readonly results = new WeakMap<PeerRecord, Promise<DialResult>>();

  /** @param ctx see `ReconnectContext`. */
  constructor(private readonly ctx: ReconnectContext) {}

  /** Retries waiting for the next maintenance pass. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues a v1 retry of the connection `spec` created (`record` is the failed attempt); false when the queue is full. */
  add(spec: PeerSpec, record: PeerRecord): boolean {
    if (this.queue.length >= MAX_PENDING_V1_RETRIES) {
      this.ctx.log.warn(`not retrying ${spec.addr} with v1: ${MAX_PENDING_V1_RETRIES} retries already queued`);
      return false;
    }
    const { limits } = spec.overrides ?? {};
    const req: DialRequest = {
      target: spec.addr,
      connType: spec.connType === 'inbound' ? 'manual' : spec.connType, // (never inbound: only outbound attempts are retried)
      countFailure: false, // Core PerformReconnections: connecting already worked once
      knownServices: spec.knownServices,
      manual: spec.manual,
      owner: spec.owner,
      peer: limits ? { limits, messageTransport: 'v1' } : { messageTransport: 'v1' },
      ...(spec.addrName !== undefined ? { addrName: spec.addrName } : {}),
    };
    let settle!: (r: DialResult) => void;
    this.results.set(record, new Promise<DialResult>((resolve) => { settle = resolve; }));
    this.queue.push({ req, settle });
    if (this.queue.length === 1) queueMicrotask(() => this.perform());
    return true;
  }

  /** The result of the retry queued for `record`'s failed attempt, if one was queued. */
  resultFor(record: PeerRecord): Promise<DialResult> | undefined {
    return this.results.get(record);
  }

  /** Core PerformReconnections: dials every queued retry (a microtask after the first is queued; the maintenance loop also calls it). */
  perform(): void {
    const queue = this.queue;
    this.queue = [];
    for (const p of queue) void this.ctx.dial(p.req).then(p.settle);
  }

  /** At stop: every queued retry is answered ERR_ABORTED. */
  abortAll(): void {
    const queue = this.queue;
    this.queue = [];
    for (const p of queue) p.settle({ ok: false, error: new ConnectError('ERR_ABORTED', `v1 retry of ${p.req.target} aborted: stopping`) });
  }
}
