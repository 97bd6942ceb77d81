/**
 * Runs INSIDE a loopback-only network namespace (test/support/netns.ts). Starts the flood test's daemon
 * (flood-daemon.ts) and opens connections that are abandoned by the attacker at a chosen point, then
 * measures how long the daemon takes to let go of them: inbound peers registered, open file descriptors.
 *
 *   node abandon-scenario.js <work dir> <kind> <count> <stalled 0|1> <daemon flags|-> <attacker ip>…
 *
 * (daemon flags: comma-separated name=value settings for the daemon, e.g. `peertimeout=3`, or `-`.)
 *
 * Kinds: what the attacker sends before closing, and how it closes —
 *   `fin-silent` / `rst-silent`        nothing;
 *   `fin-mid-version` / `rst-mid-version`  the first 30 bytes of a v1 `version` frame;
 *   `fin-mid-v2-key` / `rst-mid-v2-key`    40 of the 64 bytes of a BIP324 ElligatorSwift key;
 *   `fin-handshaken` / `rst-handshaken`    a full v1 version handshake;
 *   `fin-addr-flood` / `rst-addr-flood`    a handshake, then ADDR_FLOOD_MESSAGES addr messages at once
 *                                          (with `stalled`, the daemon is stopped after the handshakes);
 *   `hold-silent`                          nothing, and the connection is held open until the daemon
 *                                          closes it (with `stalled`, the daemon is stopped for the
 *                                          first HOLD_STALL_MS: it accepts them late, from its listen queue).
 * `fin` ends the socket normally (FIN), `rst` with `resetAndDestroy()` (RST).
 * `stalled` = 1: the daemon process is stopped (SIGSTOP) while the connections are opened and
 * abandoned, and continued (SIGCONT) afterwards — the daemon's event loop starved, as at load ≈ 15: the
 * kernel completes the TCP handshakes into the listen queue and the daemon accepts sockets whose
 * other end has already gone.
 *
 * Prints one JSON object (AbandonResults) on stdout.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { NetAddress } from '../../../src/address/netaddress.js';
import { NetService } from '../../../src/address/service.js';
import { encodeMessageFrame, type Message } from '../../../src/wire/messages.js';
import { REGTEST } from '../../../src/wire/params.js';
import { PROTOCOL_VERSION, zeroVersionAddress } from '../../../src/wire/version.js';
import { assertIsolatedNetwork } from '../../support/netns.js';
import { HOLD_STALL_MS } from './abandon-constants.js';
import type { DaemonSample, LeftoverPeer } from './flood-daemon.js';

const P2P_PORT = 18444;
const RPC_PORT = 18443;
/** How long the daemon is watched for after the attacker's last close, ms. */
const WATCH_MS = Number(process.env.PEERBOOK_ABANDON_WATCH_MS ?? 15_000);
/** How long an attacker waits for its connection before giving up, ms. */
const CONNECT_GIVE_UP_MS = 3_000;

/** What the scenario prints. */
export interface AbandonResults {
  kind: string;
  count: number;
  stalled: boolean;
  connected: number;
  gaveUpConnecting: number;
  /** `hold-silent`: for each connection, ms from its connect to the daemon closing it. */
  heldForMs: number[];
  /** Bytes the attacker's sockets still held in user space (not yet taken by the kernel) when destroyed: never sent. */
  sentButUnflushed: number;
  before: DaemonSample;
  /** The first sample after the last close (and, when stalled, after SIGCONT). */
  atClose: DaemonSample;
  /** ms after the last close at which the daemon had no inbound peer and its fds were back (undefined: not within WATCH_MS). */
  settledAfterMs: number | undefined;
  after: DaemonSample;
  /** Inbound peers still registered at the end of the watch. */
  leftovers: LeftoverPeer[];
}

const frame = (m: Message): Uint8Array => encodeMessageFrame(REGTEST.magic, m);

/** `addr-flood`: addr messages of 1,000 addresses (≈30 KB each) written at once after the handshake. */
const ADDR_FLOOD_MESSAGES = Number(process.env.PEERBOOK_ABANDON_ADDR_MESSAGES ?? 300);

/** An addr message of 1,000 distinct routable IPv4 addresses. */
function addrFrame(seed: number): Uint8Array {
  const now = Math.floor(Date.now() / 1000);
  const addresses = Array.from({ length: 1000 }, (_, j) => ({
    service: new NetService(NetAddress.ipv4(Uint8Array.of(1 + ((seed * 7 + j) % 200), (j >> 8) & 0xff, j & 0xff, 1 + seed)), 8333),
    services: 9n, time: now - j,
  }));
  return frame({ type: 'addr', addresses });
}

const versionFrame = (nonce: bigint): Uint8Array => frame({
  type: 'version', version: PROTOCOL_VERSION, services: 9n, timestamp: BigInt(Math.floor(Date.now() / 1000)),
  addrRecv: zeroVersionAddress(), addrFrom: zeroVersionAddress(), nonce, userAgent: '/abandon:0.1/', startHeight: 0, relay: true,
});

async function main(): Promise<void> {
  assertIsolatedNetwork();
  const [workDir, kind, countArg, stalledArg, daemonFlags, ...ips] = process.argv.slice(2);
  const hold = kind.startsWith('hold-');
  const count = Number(countArg);
  const stalled = stalledArg === '1';
  const [closeHow, ...what] = kind.split('-');
  const payload = what.join('-');

  const daemonScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'flood-daemon.js');
  const daemon = fork(daemonScript, [workDir, String(P2P_PORT), String(RPC_PORT), ...(daemonFlags === '-' ? [] : daemonFlags.split(','))], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters: Array<(m: any) => void> = [];
  daemon.on('message', (m) => waiters.shift()?.(m));
  const next = (): Promise<any> => new Promise((resolve) => waiters.push(resolve));
  await next(); // ready
  const ask = async <T>(what: string): Promise<T> => {
    const p = next();
    daemon.send(what);
    return p as Promise<T>;
  };
  await sleep(1_000);
  const before = await ask<DaemonSample>('sample');
  // addr-flood: the handshakes complete with the daemon running; it is stopped only for the flood itself.
  const floodKind = payload === 'addr-flood';
  if (stalled && !floodKind) daemon.kill('SIGSTOP');
  // hold-: the daemon is continued after HOLD_STALL_MS, while the attacker still holds its connections.
  if (stalled && hold) setTimeout(() => daemon.kill('SIGCONT'), HOLD_STALL_MS);
  const heldForMs: number[] = [];
  let handshakenCount = 0;
  let floodNow: () => void = () => undefined;
  const floodStart = new Promise<void>((resolve) => { floodNow = resolve; });

  let connected = 0;
  let gaveUpConnecting = 0;
  let sentButUnflushed = 0;
  const addrFrames = Array.from({ length: 8 }, (_, k) => addrFrame(k));
  const handshake = [frame({ type: 'wtxidrelay' }), frame({ type: 'sendaddrv2' }), frame({ type: 'verack' })];
  const openOne = (i: number): Promise<void> => new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: P2P_PORT, localAddress: ips[i % ips.length] });
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    const giveUp = setTimeout(() => {
      gaveUpConnecting++;
      socket.destroy();
    }, CONNECT_GIVE_UP_MS);
    socket.once('close', () => {
      clearTimeout(giveUp);
      resolve();
    });
    socket.once('connect', () => {
      clearTimeout(giveUp);
      connected++;
      if (payload === 'mid-version') socket.write(versionFrame(BigInt(i + 1)).subarray(0, 30));
      else if (payload === 'mid-v2-key') socket.write(Uint8Array.from({ length: 40 }, (_, j) => (i * 31 + j * 7 + 1) & 0xff));
      else if (payload === 'handshaken' || floodKind) {
        socket.write(versionFrame(BigInt(i + 1)));
        for (const f of handshake) socket.write(f);
      }
      if (hold) {
        // Never send, never close: the daemon has to end it.
        const connectedAt = performance.now();
        socket.once('close', () => heldForMs.push(performance.now() - connectedAt));
        return;
      }
      if (floodKind) {
        // The daemon's answer (version, verack, …) arrived: handshaken. Once all are, flood and abandon.
        socket.once('data', () => setTimeout(() => {
          if (++handshakenCount === count) floodNow();
        }, 300));
        void floodStart.then(() => {
          for (let k = 0; k < ADDR_FLOOD_MESSAGES; k++) socket.write(addrFrames[k % addrFrames.length]);
          setTimeout(() => {
            sentButUnflushed += socket.writableLength;
            if (closeHow === 'rst') socket.resetAndDestroy();
            else socket.destroy();
          }, 500);
        });
        return;
      }
      // Let the bytes leave (and, unstalled, the daemon see them) before abandoning the connection.
      setTimeout(() => {
        sentButUnflushed += socket.writableLength;
        if (closeHow === 'rst') socket.resetAndDestroy();
        else socket.destroy();
      }, 200);
    });
  });
  const opening = Promise.all(Array.from({ length: count }, (_, i) => openOne(i)));
  if (floodKind && stalled) {
    await floodStart;
    daemon.kill('SIGSTOP');
  }
  await opening;
  const closedAt = performance.now();
  if (stalled) daemon.kill('SIGCONT');
  const atClose = await ask<DaemonSample>('sample');

  let settledAfterMs: number | undefined;
  let after = atClose;
  while (performance.now() - closedAt < WATCH_MS) {
    after = await ask<DaemonSample>('sample');
    if (after.inbound === 0 && after.fds <= before.fds) {
      settledAfterMs = performance.now() - closedAt;
      break;
    }
    await sleep(100);
  }
  const leftovers = await ask<LeftoverPeer[]>('peers');
  const stopped = next();
  daemon.send('stop');
  await stopped;
  const results: AbandonResults = { kind, count, stalled, connected, gaveUpConnecting, sentButUnflushed, heldForMs, before, atClose, settledAfterMs, after, leftovers };
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
