/**
 * Peerbook `PeerManager`s for integration tests against a real litecoind, kept strictly on loopback:
 * manual-only outbound (`connect: ['0']` unless the test lists targets), no DNS or fixed seeds, a
 * listener on 127.0.0.1 with a kernel-chosen port, and (by default) `LoopbackOnlyTransport`, which
 * refuses any dial off 127.0.0.0/8. Every event the manager emits is recorded, and the manager is
 * stopped when the test ends, pass or fail.
 */
import type { TestContext } from 'node:test';
import type { AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { PeerManager } from '../../src/connman/manager.js';
import type { PeerInfo } from '../../src/connman/types.js';
import type { PeerManagerOptions } from '../../src/connman/options.js';
import { SystemClock, VirtualClock, type Clock } from '../../src/util/clock.js';
import type { InvEntry } from '../../src/wire/inventory.js';
import type { Message } from '../../src/wire/messages.js';
import { REGTEST } from '../../src/wire/params.js';
import { LoopbackOnlyTransport } from './loopback-transport.js';
import { stopDriven } from './wait.js';

/** Everything a test PeerManager emitted, in order per kind. */
export interface RecordedEvents {
  connects: PeerInfo[];
  disconnects: Array<{ peer: PeerInfo; reason: string }>;
  addrNew: Array<{ records: AddressRecord[]; from: PeerInfo }>;
  connectFailed: Array<{ target: string; reason: string }>;
  inv: Array<{ peer: PeerInfo; entries: InvEntry[] }>;
  messages: Array<{ peer: PeerInfo; message: Message }>;
}

/** A started test PeerManager. */
export interface TestPeerbook {
  manager: PeerManager;
  /** Its listening port on 127.0.0.1 (0 when not listening). */
  port: number;
  logger: MemoryLogger;
  events: RecordedEvents;
  /** The loopback guard, unless the test asked for Peerbook's default transport. */
  transport: LoopbackOnlyTransport | undefined;
  clock: Clock;
}

/** Options of `startPeerbook`. */
export interface TestPeerbookOptions {
  /** Overrides (defaults: regtest, connect ['0'], listen on 127.0.0.1:0, no seeds). */
  options?: Partial<PeerManagerOptions>;
  /** Use Peerbook's own default transport (TCP with SOCKS5 routes) instead of the loopback guard. */
  defaultTransport?: boolean;
  /** A virtual clock to run on (the test drives it); default the system clock. */
  clock?: VirtualClock;
}

/** Creates and starts a loopback-only PeerManager; it is stopped when `t` ends. */
export async function startPeerbook(t: TestContext, o: TestPeerbookOptions = {}): Promise<TestPeerbook> {
  const clock: Clock = o.clock ?? new SystemClock();
  const logger = new MemoryLogger();
  const transport = o.defaultTransport ? undefined : new LoopbackOnlyTransport(clock);
  const manager = new PeerManager({
    network: REGTEST,
    clock,
    logger,
    ...(transport ? { transport } : {}),
    connect: ['0'],
    listen: true,
    bind: ['127.0.0.1:0'],
    dnsSeed: false,
    fixedSeeds: false,
    ...o.options,
  });
  const events: RecordedEvents = { connects: [], disconnects: [], addrNew: [], connectFailed: [], inv: [], messages: [] };
  manager.on('peer:connect', (peer) => events.connects.push(peer));
  manager.on('peer:disconnect', (peer, reason) => events.disconnects.push({ peer, reason }));
  manager.on('addr:new', (records, from) => events.addrNew.push({ records, from }));
  manager.on('connect:failed', (target, _type, reason) => events.connectFailed.push({ target: target.toString(), reason }));
  manager.on('inv', (peer, entries) => events.inv.push({ peer, entries }));
  manager.on('peer:message', (peer, message) => events.messages.push({ peer, message }));
  t.after(() => (o.clock ? stopDriven(manager, o.clock) : manager.stop()));
  await manager.start();
  return { manager, port: manager.listenAddresses[0]?.port ?? 0, logger, events, transport, clock };
}

/** 127.0.0.1:`port` as a NetService. */
export function loopback(port: number): NetService {
  return NetService.parse(`127.0.0.1:${port}`);
}
