/**
 * What one inbound handshake costs Peerbook itself, without sockets: a `PeerManager` whose transport
 * hands it in-process connections (no kernel, no libuv), each fed a peer's `version`, then
 * `wtxidrelay`, `sendaddrv2` and `verack` — the bytes the load generator sends — until the manager
 * counts the peer ready. The time per handshake is the floor of the node's CPU cost in the scale
 * bench (which adds `net.Socket` creation, system calls and loopback TCP), and a clean profile target
 * (`node --cpu-prof dist/bench/scale/handshake-cost.js`).
 *
 *   node --expose-gc dist/bench/scale/handshake-cost.js [--peers 5000]
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { PeerManager } from '../../src/connman/manager.js';
import type { Connection, Listener, Transport } from '../../src/transport/transport.js';
import { SystemClock } from '../../src/util/clock.js';
import { encodeFrame } from '../../src/wire/frame.js';
import { encodeMessage, type Message } from '../../src/wire/messages.js';
import { REGTEST } from '../../src/wire/params.js';
import { PROTOCOL_VERSION, zeroVersionAddress } from '../../src/wire/version.js';
import { maxConnectionsForInbound } from './peerbook-server.js';
import { sourceAddress } from './sources.js';

/** Idle window after the handshakes, ms. */
const IDLE_WINDOW_MS = 3_000;

/** An in-process connection: writes are counted and dropped; the bench emits the peer's bytes. */
class InProcessConnection extends EventEmitter implements Connection {
  writableLength = 0;
  closed = false;
  bytesWritten = 0;
  constructor(readonly remote: NetService, readonly local: NetService) {
    super();
  }
  write(data: Uint8Array): boolean {
    this.bytesWritten += data.length;
    return true;
  }
  pause(): void {}
  resume(): void {}
  end(): void { this.destroy(); }
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.emit('close', undefined));
  }
}

/** A transport whose listener is driven by the bench; it never dials. */
class InProcessTransport implements Transport {
  accept: ((conn: Connection) => void) | undefined;
  connect(): Promise<Connection> {
    return Promise.reject(new Error('the handshake bench does not dial'));
  }
  listen(bind: NetService, onConnection: (conn: Connection) => void): Promise<Listener> {
    this.accept = onConnection;
    return Promise.resolve({ address: bind, close: () => Promise.resolve() });
  }
}

/** The per-handshake cost. */
export interface HandshakeCostFigures {
  peers: number;
  /** Wall time per handshake, µs (includes time other processes held the CPU). */
  usPerHandshake: number;
  /** CPU time (user + system, all threads: V8's collector helpers too) per handshake, µs. */
  cpuUsPerHandshake: number;
  /** 1e6 ÷ cpuUsPerHandshake: handshakes per second of CPU. */
  handshakesPerS: number;
  /** Bytes the node wrote per handshake (its version, wtxidrelay, sendaddrv2, verack). */
  bytesWrittenPerPeer: number;
  /** CPU the manager uses per second with all peers idle (ticks over every peer, pings every 2 min), ms. */
  idleCpuMsPerS: number;
}

function frame(m: Message): Uint8Array {
  const { command, payload } = encodeMessage(m);
  return encodeFrame(REGTEST.magic, command, payload);
}

/** Completes `peers` inbound handshakes in one manager; returns the cost of each. */
export async function runHandshakeCost(peers: number): Promise<HandshakeCostFigures> {
  const transport = new InProcessTransport();
  const manager = new PeerManager({
    network: REGTEST, clock: new SystemClock(), transport, bind: ['127.0.0.1:18444'], connect: ['0'], dnsSeed: false, fixedSeeds: false,
    maxConnections: maxConnectionsForInbound(peers),
  });
  await manager.start();
  const local = NetService.parse('127.0.0.1:18444');
  const afterVersion = Buffer.concat([frame({ type: 'wtxidrelay' }), frame({ type: 'sendaddrv2' }), frame({ type: 'verack' })]);
  const versions = Array.from({ length: peers }, (_, i) => frame({
    type: 'version', version: PROTOCOL_VERSION, services: 0x409n, timestamp: BigInt(Math.floor(Date.now() / 1000)),
    addrRecv: { services: 0n, service: local }, addrFrom: zeroVersionAddress(), nonce: BigInt(i + 1), userAgent: '/peerbook-loadgen:0.1.0/',
    startHeight: 0, relay: true,
  }));
  const remotes = Array.from({ length: peers }, (_, i) => new NetService(NetAddress.parse(sourceAddress({ kind: 'loopback', groups: 254 }, i)), 40_000));
  const conns: InProcessConnection[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < peers; i++) {
    const conn = new InProcessConnection(remotes[i], local);
    conns.push(conn);
    transport.accept!(conn);
    conn.emit('data', versions[i]);
    conn.emit('data', afterVersion);
  }
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const ready = manager.nodeCount('in', undefined, true);
  if (ready !== peers) throw new Error(`only ${ready} of ${peers} handshakes completed`);
  const written = conns.reduce((a, c) => a + c.bytesWritten, 0);
  // Idle: the maintenance tick walks every peer every 500 ms (their first pings go out on the first one).
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const idle0 = process.cpuUsage();
  const idleT0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, IDLE_WINDOW_MS));
  const idleCpu = process.cpuUsage(idle0);
  const idleCpuMsPerS = ((idleCpu.user + idleCpu.system) / 1000) / ((performance.now() - idleT0) / 1000);
  await manager.stop();
  const us = ns / 1000 / peers;
  const cpuUs = (cpu.user + cpu.system) / peers;
  return {
    peers, usPerHandshake: Number(us.toPrecision(4)), cpuUsPerHandshake: Number(cpuUs.toPrecision(4)),
    handshakesPerS: Number((1e6 / cpuUs).toPrecision(4)), bytesWrittenPerPeer: Math.round(written / peers),
    idleCpuMsPerS: Number(idleCpuMsPerS.toPrecision(3)),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--peers');
  const peers = i > 0 ? Number(process.argv[i + 1]) : 5_000;
  (async () => {
    await runHandshakeCost(Math.min(peers, 500)); // warm-up
    console.log(JSON.stringify(await runHandshakeCost(peers)));
  })().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
