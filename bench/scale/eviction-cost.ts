/**
 * The cost of one inbound eviction decision at N inbound peers: what Peerbook does for every newcomer
 * once all inbound slots are taken (Core `AttemptToEvictConnection`): build an `EvictionCandidate`
 * for every peer, then `selectNodeToEvict` (five protection sorts, the ratio protection's sorts, the
 * netgroup grouping). Core does the same O(N log N) work per accepted connection; at Core's default
 * 125 connections it is invisible, at 5,000 it bounds the accept rate.
 *
 * The peers are real `Peer` objects past their handshake (each fed a `version` and `verack` over a
 * do-nothing in-process connection), registered the way the peer lifecycle registers them, with
 * addresses spread over `groups` /16s (127/8 — one group under Core's rules — or routable 11/8).
 *
 *   node --expose-gc dist/bench/scale/eviction-cost.js [--peers 125,1000,5000]
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { NetAddress } from '../../src/address/netaddress.js';
import { keyedNetGroup, NetGroupManager } from '../../src/address/netgroup.js';
import { NetService } from '../../src/address/service.js';
import { evictionCandidate } from '../../src/connman/inbound.js';
import { selectNodeToEvict } from '../../src/connman/policy/eviction.js';
import { PeerRecord } from '../../src/connman/registry.js';
import { Peer } from '../../src/peer/peer.js';
import type { Connection } from '../../src/transport/transport.js';
import { SystemClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { encodeFrame } from '../../src/wire/frame.js';
import { encodeMessage, type Message } from '../../src/wire/messages.js';
import { REGTEST } from '../../src/wire/params.js';
import { PROTOCOL_VERSION, zeroVersionAddress } from '../../src/wire/version.js';
import { medianNs } from '../timing.js';
import { sourceAddress, type SourcePlanKind } from './sources.js';

/** A connection that accepts writes and goes nowhere (the bench only needs the peer's state). */
class NullConnection extends EventEmitter implements Connection {
  readonly writableLength = 0;
  closed = false;
  constructor(readonly remote: NetService, readonly local: NetService | undefined) {
    super();
  }
  write(): boolean { return true; }
  pause(): void {}
  resume(): void {}
  end(): void { this.destroy(); }
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', undefined);
  }
}

/** Cost of one eviction decision at one peer count. */
export interface EvictionCostFigures {
  peers: number;
  /** Building the candidates, µs (median). */
  candidatesUs: number;
  /** selectNodeToEvict on them, µs (median). */
  selectUs: number;
  /** Both: one decision, µs. */
  decisionUs: number;
  /** 1e6 ÷ decisionUs: the most newcomers per second eviction alone allows. */
  maxDecisionsPerS: number;
}

function frame(m: Message): Uint8Array {
  const { command, payload } = encodeMessage(m);
  return encodeFrame(REGTEST.magic, command, payload);
}

/** Builds `n` ready inbound peer records with source addresses from `kind` over `groups` /16s. */
export function readyInboundRecords(n: number, kind: SourcePlanKind, groups: number): PeerRecord[] {
  const clock = new SystemClock();
  const random = ChaChaRandom.fromSeed('eviction-cost');
  const netgroups = new NetGroupManager();
  const seed0 = random.rand64();
  const seed1 = random.rand64();
  const local = { protocolVersion: PROTOCOL_VERSION, services: 0n, userAgent: '/bench/', startHeight: () => 0, relayTxs: true };
  const verack = frame({ type: 'verack' });
  const records: PeerRecord[] = [];
  for (let i = 0; i < n; i++) {
    const addr = new NetService(NetAddress.parse(sourceAddress({ kind, groups }, i)), 40_000 + (i % 20_000));
    const conn = new NullConnection(addr, undefined);
    const peer = new Peer({ id: i, connection: conn, connType: 'inbound', addr, magic: REGTEST.magic, clock, random, local, nonce: BigInt(i + 1) });
    conn.emit('data', frame({
      type: 'version', version: PROTOCOL_VERSION, services: 0x409n, timestamp: BigInt(clock.nowSeconds()),
      addrRecv: zeroVersionAddress(), addrFrom: zeroVersionAddress(), nonce: BigInt(1_000_000 + i), userAgent: '/x/', startHeight: 0, relay: true,
    }));
    conn.emit('data', verack);
    if (!peer.isReady) throw new Error(`bench peer ${i} did not complete its handshake`);
    records.push(new PeerRecord({ peer, keyedNetGroup: keyedNetGroup(seed0, seed1, netgroups.getGroup(addr.addr)) }));
  }
  return records;
}

/** Median cost of one eviction decision at each peer count. */
export function runEvictionCost(peerCounts: readonly number[], kind: SourcePlanKind = 'loopback', groups = 254, runs = 15): EvictionCostFigures[] {
  const desirable = (s: bigint): boolean => (s & 0x9n) === 0x9n;
  return peerCounts.map((n) => {
    const records = readyInboundRecords(n, kind, groups);
    const build = () => records.map((r) => evictionCandidate(r, desirable));
    const candidates = build();
    for (let i = 0; i < 3; i++) selectNodeToEvict(build()); // warm-up
    const candidatesNs = medianNs(runs, () => { build(); });
    const selectNs = medianNs(runs, () => { selectNodeToEvict(candidates); });
    const decisionUs = (candidatesNs + selectNs) / 1000;
    for (const r of records) r.peer.destroy();
    const round = (x: number): number => Number(x.toPrecision(4));
    return { peers: n, candidatesUs: round(candidatesNs / 1000), selectUs: round(selectNs / 1000), decisionUs: round(decisionUs), maxDecisionsPerS: round(1e6 / decisionUs) };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--peers');
  const counts = i > 0 ? process.argv[i + 1].split(',').map(Number) : [125, 1_000, 5_000];
  const kindArg = process.argv.indexOf('--plan');
  const kind: SourcePlanKind = kindArg > 0 && process.argv[kindArg + 1] === 'routable' ? 'routable' : 'loopback';
  console.log(JSON.stringify(runEvictionCost(counts, kind), null, 2));
}
