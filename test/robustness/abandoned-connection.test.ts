/**
 * Connections an attacker abandons, against a real daemon (flood-daemon.ts: the `Daemon` of `peerbook
 * run`, real TCP, system clock) in a loopback-only network namespace (support/abandon-scenario.ts).
 *
 * Why: the full-size flood test once ended with two inbound sockets still open 9 s after the attackers
 * had closed theirs. Reproduced with the daemon starved of CPU: its listen queue overflows, the kernel
 * drops the attackers' handshake ACKs and first bytes, and connections it completes later from a
 * retransmitted SYN-ACK reach the daemon with nothing received — the attacker's bytes and FIN wait for a
 * retransmission backed off to tens of seconds. Not a leak: the daemon tracks such a socket as an
 * inbound peer and its peer connect timeout (Core -peertimeout, 60 s) closes it. These tests prove that
 * bound (with -peertimeout=3 s, to stay short), that it counts from the accept, and that a connection
 * abandoned at any point of the handshake, by FIN or RST, is let go as soon as the close arrives.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TICK_INTERVAL_MS } from '../../src/connman/manager.js';
import { requireNetns, runInNetns } from '../support/netns.js';
import { tempDirFor } from '../support/tmp.js';
import { HOLD_STALL_MS } from './support/abandon-constants.js';
import type { AbandonResults } from './support/abandon-scenario.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'abandon-scenario.js');
const ATTACKERS = Array.from({ length: 10 }, (_, i) => `40.${i + 1}.0.1`);
/** The daemon's -peertimeout in these tests, s. */
const PEER_TIMEOUT_S = 3;
/** Scheduling slack on a shared, loaded machine, ms (on top of one connman tick). */
const SLACK_MS = 1_500;
/** Longest between stopping the daemon and the attacker's connections completing in its listen queue, ms (allowance). */
const OPEN_AFTER_STOP_MS = 500;
const FULL = process.env.PEERBOOK_FULL === '1';

async function run(t: TestContext, kind: string, count: number, stalled: boolean): Promise<AbandonResults> {
  const dir = await tempDirFor(t, 'abandon');
  const r = await runInNetns({
    ips: ATTACKERS, script: SCRIPT, timeoutMs: 60_000,
    args: [dir, kind, String(count), stalled ? '1' : '0', `peertimeout=${PEER_TIMEOUT_S}`, ...ATTACKERS],
  });
  assert.equal(r.timedOut, false, `the namespaced run timed out\n${r.stderr}`);
  assert.equal(r.code, 0, `the namespaced run failed (${r.code ?? r.signal})\n${r.stderr}`);
  return JSON.parse(r.stdout) as AbandonResults;
}

test('an inbound connection that never delivers a byte is closed by the daemon at its peer connect timeout, not later', async (t) => {
  if (!requireNetns(t)) return;
  const r = await run(t, 'hold-silent', 5, false);
  t.diagnostic(`closed after ${r.heldForMs.map((ms) => ms.toFixed(0)).join(', ')} ms (peertimeout ${PEER_TIMEOUT_S} s)`);
  assert.equal(r.heldForMs.length, 5);
  for (const ms of r.heldForMs) {
    assert.ok(ms >= PEER_TIMEOUT_S * 1000, `closed after ${ms.toFixed(0)} ms, before the timeout`);
    assert.ok(ms <= PEER_TIMEOUT_S * 1000 + TICK_INTERVAL_MS + SLACK_MS, `closed after ${ms.toFixed(0)} ms, past the bound`);
  }
  assert.equal(r.after.inbound, 0);
  assert.ok(r.after.fds <= r.before.fds, `file descriptors: ${r.before.fds} before, ${r.after.fds} after`);
});

test('a connection the daemon accepts late, from its listen queue, is closed one peer connect timeout after the accept', async (t) => {
  if (!requireNetns(t)) return;
  const r = await run(t, 'hold-silent', 5, true);
  t.diagnostic(`daemon stopped for ${HOLD_STALL_MS} ms; closed after ${r.heldForMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  assert.equal(r.heldForMs.length, 5);
  for (const ms of r.heldForMs) {
    // The connections open up to OPEN_AFTER_STOP_MS after the daemon was stopped, so they wait a little less than the stall.
    assert.ok(ms >= HOLD_STALL_MS - OPEN_AFTER_STOP_MS + PEER_TIMEOUT_S * 1000, `closed after ${ms.toFixed(0)} ms: the timeout did not count from the accept`);
    assert.ok(ms <= HOLD_STALL_MS + PEER_TIMEOUT_S * 1000 + TICK_INTERVAL_MS + SLACK_MS, `closed after ${ms.toFixed(0)} ms, past the bound`);
  }
  assert.equal(r.after.inbound, 0);
});

test('connections abandoned at any point of the handshake, by FIN or RST, while the daemon is stalled, are let go as soon as it reads the close', async (t) => {
  if (!requireNetns(t)) return;
  // Every point × both closes at PEERBOOK_FULL=1; in CI each point once, alternating FIN and RST (~3.5 s a run).
  const points = ['silent', 'mid-version', 'mid-v2-key', 'handshaken'];
  const kinds = FULL ? points.flatMap((k) => [`fin-${k}`, `rst-${k}`]) : points.map((k, i) => `${i % 2 === 0 ? 'fin' : 'rst'}-${k}`);
  for (const kind of kinds) {
    const r = await run(t, kind, 20, true);
    t.diagnostic(`${kind}: ${r.connected} connected; ${r.atClose.inbound} inbound when the daemon was continued, none after ${r.settledAfterMs?.toFixed(0) ?? '—'} ms`);
    assert.equal(r.connected, 20, kind);
    // Well under the peer connect timeout: the close itself ended them, not a timer.
    assert.ok(r.settledAfterMs !== undefined && r.settledAfterMs < PEER_TIMEOUT_S * 1000 - 500,
      `${kind}: ${r.after.inbound} inbound, ${r.after.fds} fds (before ${r.before.fds}) ${r.settledAfterMs === undefined ? 'still' : `until ${r.settledAfterMs.toFixed(0)} ms`} after the close: ${JSON.stringify(r.leftovers)}`);
  }
});
