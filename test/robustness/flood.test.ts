/**
 * A real Peerbook daemon under a connection flood and an addr flood, inside a loopback-only network
 * namespace (support/flood-scenario.ts does the work; test/support/netns.ts sets the namespace up):
 * 300 connections over 6 s in CI, 2,000 over 20 s with PEERBOOK_FULL=1, from 60 attacker addresses
 * in 60 /16 groups, a tenth of the handshaken ones sending 1,000-address `addr` messages five times a
 * second. Asserted: the inbound limit (114 with the default 125 connections) is never exceeded; every
 * JSON-RPC call made during the flood (one per 100 ms) answers within 1 s; RSS stays within a bound;
 * after the flood the daemon's file descriptors and active handles/timers are back to their level from
 * before (no leak); the addr rate limit dropped at least 99 % of the flood. The figures are reported.
 *
 * The settle window is 9 s, extended only when inbound sockets are still open then: a CPU-starved daemon
 * lets its listen queue overflow, and connections the kernel completes from it after the attackers have
 * gone receive nothing until the daemon's 60 s peer connect timeout (or a late retransmission) ends
 * them — the scenario waits for that bound, counted from each socket's accept (flood-scenario.ts
 * LATE_CLOSE_BOUND_MS; abandoned-connection.test.ts proves the bound). Reproduce the overflow with
 * PEERBOOK_FLOOD_CPU_PERCENT=15 (the daemon runs 15 % of the time); PEERBOOK_FLOOD_DEBUG=1 logs every
 * disconnect reason in the daemon's data directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireNetns, runInNetns } from '../support/netns.js';
import { tempDirFor } from '../support/tmp.js';
import type { FloodResults } from './support/flood-scenario.js';

const FULL = process.env.PEERBOOK_FULL === '1';
const CONNECTIONS = FULL ? 2_000 : 300;
const SECONDS = FULL ? 20 : 6;
const ADDR_FLOODERS = FULL ? 40 : 10;
/** Core's default maxconnections (125) less the 8 + 2 + 1 outbound slots Core reserves. */
const MAX_INBOUND = 114;
/** The RPC must answer within this, ms (the issue's target). */
const RPC_LIMIT_MS = 1_000;
/** RSS may grow by at most this much during the flood, bytes (114 peers at a few hundred KiB each, plus the table). */
const RSS_GROWTH_LIMIT = 256 * 1024 * 1024;
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'flood-scenario.js');
const ATTACKERS = Array.from({ length: 60 }, (_, i) => `40.${i + 1}.0.1`);

const MB = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;

test(`a daemon under a ${CONNECTIONS}-connection flood and an addr flood keeps its limits, answers RPC within 1 s and leaks nothing`, async (t) => {
  if (!requireNetns(t)) return;
  const dir = await tempDirFor(t, 'flood');
  const run = await runInNetns({ ips: ATTACKERS, script: SCRIPT, args: [dir, String(CONNECTIONS), String(SECONDS), String(ADDR_FLOODERS), ...ATTACKERS], timeoutMs: 280_000 });
  assert.equal(run.timedOut, false, `the namespaced run timed out\n${run.stderr}`);
  assert.equal(run.code, 0, `the namespaced run failed (${run.code ?? run.signal})\n${run.stderr}`);
  const r = JSON.parse(run.stdout) as FloodResults;
  const timers = (s: { resources: Record<string, number> }): number => s.resources.Timeout ?? 0;
  const sockets = (s: { resources: Record<string, number> }): number => s.resources.TCPSocketWrap ?? 0;
  t.diagnostic(`flood: ${r.opened} connections opened (${r.refusedOrFailed} failed), ${r.closedByDaemon} closed by the daemon during the flood, ` +
    `most inbound at once ${r.peak.maxInbound} (RPC saw ${r.rpc.maxConnectionsIn}); evictions ${r.after.inboundEvictions}, refused full ${r.after.inboundRejectedFull}`);
  t.diagnostic(`addr flood: ${r.addressesSent} addresses sent, ${r.after.addrProcessed} processed, ${r.after.addrRateLimited} rate-limited; table ${r.after.addrmanSize} entries`);
  t.diagnostic(`RPC: ${r.rpc.calls} calls, ${r.rpc.failed} failed, p99 ${r.rpc.p99Ms.toFixed(1)} ms, max ${r.rpc.maxMs.toFixed(1)} ms`);
  t.diagnostic(`RSS ${MB(r.before.rssBytes)} before, ${MB(r.peak.rssBytes)} peak, ${MB(r.after.rssBytes)} after; fds ${r.before.fds} → ${r.peak.fds} → ${r.after.fds}; ` +
    `timers ${timers(r.before)} → ${timers(r.after)}; sockets ${sockets(r.before)} → ${sockets(r.after)}; resources after ${JSON.stringify(r.after.resources)}`);
  t.diagnostic(`attempts the attacker gave up while connecting (its 10 s timer): ${r.gaveUpConnecting}`);
  if (r.leftover) {
    const zeroBytes = r.leftover.peers.filter((p) => p.bytesRecv === 0).length;
    t.diagnostic(`late closes: ${r.leftover.peers.length} inbound peers left after the settle window (${zeroBytes} had received no byte), ` +
      `all gone ${r.leftover.goneAfterMs === undefined ? 'NOT within the bound' : `${(r.leftover.goneAfterMs / 1000).toFixed(1)} s`} later; ` +
      `peers ${JSON.stringify(r.leftover.peers.slice(0, 5))}; sockets (ss):\n${r.leftover.sockets.replace(/^/gm, '# ')}`);
  }

  assert.ok(r.opened >= CONNECTIONS * 0.9, `only ${r.opened} of ${CONNECTIONS} connections opened`);
  assert.ok(r.peak.maxInbound <= MAX_INBOUND, `inbound reached ${r.peak.maxInbound}`);
  assert.ok(r.peak.maxInbound >= MAX_INBOUND - 10, `the flood should fill the inbound slots (reached ${r.peak.maxInbound})`);
  assert.equal(r.rpc.failed, 0, r.rpc.errors.join('; '));
  assert.ok(r.rpc.maxMs < RPC_LIMIT_MS, `an RPC call took ${r.rpc.maxMs.toFixed(0)} ms`);
  assert.ok(r.peak.rssBytes - r.before.rssBytes < RSS_GROWTH_LIMIT, `RSS grew by ${MB(r.peak.rssBytes - r.before.rssBytes)}`);
  assert.equal(r.after.inbound, 0, `inbound peers still open past the late-close bound: ${JSON.stringify(r.leftover?.peers)}`);
  assert.ok(r.after.fds <= r.before.fds, `file descriptors: ${r.before.fds} before, ${r.after.fds} after`);
  assert.ok(timers(r.after) <= timers(r.before), `timers: ${timers(r.before)} before, ${timers(r.after)} after`);
  assert.ok(sockets(r.after) <= sockets(r.before), `sockets: ${sockets(r.before)} before, ${sockets(r.after)} after`);
  const offered = r.after.addrProcessed + r.after.addrRateLimited;
  assert.ok(offered > 0 && r.after.addrRateLimited / offered >= 0.99, `rate-limited ${r.after.addrRateLimited} of ${offered}`);
});
