/**
 * One crawl attempt, the I/O part: dial, run the version handshake as an outbound addr-fetch peer,
 * ask `getaddr`, collect addr/addrv2 replies, disconnect. Core answers a getaddr on its per-peer
 * address timer (exponential, mean 30 s — net_processing.cpp AVG_ADDRESS_BROADCAST_INTERVAL), and
 * usually sends a one-entry self-announcement first, so we wait up to `getaddrWaitMs` or until a
 * message with more than one address arrives — Core's own rule for ending an addr-fetch connection.
 * Every phase is bounded (connect and handshake timeouts, the getaddr wait, MAX_ADDRESSES_PER_NODE)
 * and everything ends at once when the crawl's signal aborts.
 */
import type { AddressRecord } from '../address/record.js';
import type { NetService } from '../address/service.js';
import { Peer, type LocalNodeInfo, type RemoteVersion } from '../peer/peer.js';
import type { Transport } from '../transport/transport.js';
import type { Clock, Timer } from '../util/clock.js';
import { PeerbookError } from '../util/errors.js';
import type { Random } from '../util/random.js';
import { MAX_ADDR_TO_SEND } from '../wire/messages.js';
import type { VisitOutcome } from './record.js';

/** Most gossiped addresses kept from one node (two full addr messages); the rest are ignored. */
export const MAX_ADDRESSES_PER_NODE = 2 * MAX_ADDR_TO_SEND;

/** Error code: TCP connected but the version handshake did not finish in time. */
export const ERR_HANDSHAKE_TIMEOUT = 'ERR_HANDSHAKE_TIMEOUT';
/** Error code: the connection closed (or broke a rule) before the handshake finished. */
export const ERR_HANDSHAKE_FAILED = 'ERR_HANDSHAKE_FAILED';

/** What one attempt needs. */
export interface VisitContext {
  /** How to dial. */
  transport: Transport;
  /** Time source for timeouts and latency. */
  clock: Clock;
  /** Clock handed to the `Peer` (its close-grace timer); normally the same as `clock`. */
  peerClock: Clock;
  /** Randomness (version nonce, ping nonces). */
  random: Random;
  /** Network magic. */
  magic: Uint8Array;
  /** What we announce in `version`. */
  local: LocalNodeInfo;
  /** Dial timeout, ms. */
  connectTimeoutMs: number;
  /** Time allowed from connection to the peer's `version`, ms. */
  handshakeTimeoutMs: number;
  /** How long to wait for an addr reply after `getaddr`, ms (0: disconnect right after the handshake). */
  getaddrWaitMs: number;
  /** Aborts the attempt (end of the crawl). */
  signal: AbortSignal;
  /** An id for the peer (diagnostics only). */
  peerId: number;
}

/**
 * Tries `target` once. Resolves — never rejects — with how it went: reachable (with what the node
 * said and the addresses it sent), unreachable (with the reason), or abandoned when `signal` aborted
 * before the handshake completed.
 */
export async function visitNode(target: NetService, ctx: VisitContext): Promise<VisitOutcome> {
  if (ctx.signal.aborted) return { kind: 'abandoned' };
  let conn;
  try {
    conn = await ctx.transport.connect(target, { signal: ctx.signal, timeoutMs: ctx.connectTimeoutMs });
  } catch (e) {
    if (ctx.signal.aborted) return { kind: 'abandoned' };
    const code = e instanceof PeerbookError ? e.code : 'ERR_CONNECT_FAILED';
    return { kind: 'unreachable', code, error: e instanceof Error ? e.message : String(e) };
  }
  if (ctx.signal.aborted) {
    conn.destroy();
    return { kind: 'abandoned' };
  }
  let nonce = 0n;
  while (nonce === 0n) nonce = ctx.random.rand64();
  const peer = new Peer({
    id: ctx.peerId, connection: conn, connType: 'addr-fetch', addr: target, magic: ctx.magic,
    clock: ctx.peerClock, random: ctx.random, local: ctx.local, nonce,
  });
  return new Promise<VisitOutcome>((resolve) => {
    const addresses: AddressRecord[] = [];
    const versionSentAt = ctx.clock.now();
    let remote: RemoteVersion | undefined;
    let latencyMs = 0;
    let timer: Timer | undefined;
    let settled = false;
    const finish = (outcome: VisitOutcome): void => {
      if (settled) return;
      settled = true;
      timer?.cancel();
      ctx.signal.removeEventListener('abort', onAbort);
      peer.destroy();
      resolve(outcome);
    };
    const reachable = (): VisitOutcome => ({ kind: 'reachable', remote: remote!, latencyMs, addresses });
    const onAbort = (): void => finish(remote ? reachable() : { kind: 'abandoned' });
    peer.on('version', (info) => {
      remote = info;
      latencyMs = ctx.clock.now() - versionSentAt;
      timer?.cancel();
      peer.send({ type: 'getaddr' });
      if (ctx.getaddrWaitMs <= 0) {
        finish(reachable());
        return;
      }
      timer = ctx.clock.setTimeout(() => finish(reachable()), ctx.getaddrWaitMs);
    });
    peer.on('message', (message) => {
      if (message.type !== 'addr' && message.type !== 'addrv2') return;
      for (const rec of message.addresses) {
        if (addresses.length >= MAX_ADDRESSES_PER_NODE) break;
        addresses.push(rec);
      }
      if (message.addresses.length > 1) finish(reachable());
    });
    peer.once('close', (reason) => {
      finish(remote ? reachable() : { kind: 'unreachable', code: ERR_HANDSHAKE_FAILED, error: `handshake failed: ${reason}` });
    });
    timer = ctx.clock.setTimeout(() => finish({
      kind: 'unreachable', code: ERR_HANDSHAKE_TIMEOUT, error: `no version received within ${ctx.handshakeTimeoutMs} ms`,
    }), ctx.handshakeTimeoutMs);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    peer.start();
  });
}
