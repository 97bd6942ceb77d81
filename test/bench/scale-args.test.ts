/** The scale bench's command lines (orchestrator, load generator, `npm run bench` flags): parsing only, no processes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BenchArgsError, DEFAULT_BCOIN_MAX_PEERS, DEFAULT_CONCURRENCY, DEFAULT_HOLD_MS, DEFAULT_STEPS, MAX_BENCH_PEERS, nofileFor, parseLoadGenArgs,
  parseMagic, parseScaleArgs, parseSteps, parseTarget, QUICK_STEPS,
} from '../../bench/scale/args.js';
import { stepsFor } from '../../bench/scale/run-scale.js';
import { takeNetBenchFlags } from '../../bench/net-benches.js';

function benchArgsError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof BenchArgsError && e.code === 'ERR_BENCH_ARGS' && pattern.test(e.message));
}

test('the load generator needs a target and defaults to loopback sources over every /16, regtest magic, idle peers', () => {
  const a = parseLoadGenArgs(['--target', '127.0.0.1:18444']);
  assert.deepEqual([a.targetHost, a.targetPort], ['127.0.0.1', 18444]);
  assert.deepEqual(a.plan, { kind: 'loopback', groups: 254 });
  assert.deepEqual([...a.magic], [0xfa, 0xbf, 0xb5, 0xda]);
  assert.equal(a.afterHandshake, 'idle');
  benchArgsError(() => parseLoadGenArgs([]), /--target must be IPv4:port/);
});

test('the load generator takes a routable plan, a group count and --getaddr', () => {
  const a = parseLoadGenArgs(['--target', '11.0.0.1:8333', '--plan', 'routable', '--groups', '16', '--getaddr', '--magic', 'f9beb4d9']);
  assert.deepEqual(a.plan, { kind: 'routable', groups: 16 });
  assert.equal(a.afterHandshake, 'getaddr');
  assert.deepEqual([...a.magic], [0xf9, 0xbe, 0xb4, 0xd9]);
});

test('bad load-generator values name the option', () => {
  benchArgsError(() => parseLoadGenArgs(['--target', '127.0.0.1:18444', '--groups', '0']), /--groups must be an integer in \[1, 254\]/);
  benchArgsError(() => parseLoadGenArgs(['--target', '127.0.0.1:18444', '--plan', 'tor']), /--plan must be loopback or routable/);
  benchArgsError(() => parseLoadGenArgs(['--target', '127.0.0.1:18444', '--bogus']), /bogus/);
  benchArgsError(() => parseTarget('300.0.0.1:1'), /IPv4:port/);
  benchArgsError(() => parseTarget('[::1]:18444'), /IPv4:port/);
  benchArgsError(() => parseTarget('127.0.0.1:0'), /target port/);
  benchArgsError(() => parseMagic('fabfb5'), /8 hex digits/);
});

test('the orchestrator defaults to the full curve to 5,000 peers with 256 handshakes in flight', () => {
  const a = parseScaleArgs([]);
  assert.deepEqual(a.steps, [...DEFAULT_STEPS]);
  assert.equal(a.steps[a.steps.length - 1], 5_000);
  assert.equal(a.concurrency, DEFAULT_CONCURRENCY);
  assert.equal(a.holdMs, DEFAULT_HOLD_MS);
  assert.deepEqual(a.servers, ['peerbook']);
  assert.equal(a.bcoinMaxPeers, DEFAULT_BCOIN_MAX_PEERS);
  assert.equal(a.cpuProfDir, undefined);
  assert.equal(a.quick, false);
});

test('--quick shortens the curve and the phases; explicit values still win', () => {
  const q = parseScaleArgs(['--quick']);
  assert.deepEqual(q.steps, [...QUICK_STEPS]);
  assert.equal(q.holdMs, 2_000);
  assert.equal(q.churnMs, 2_000);
  assert.equal(parseScaleArgs(['--quick', '--hold-ms', '500']).holdMs, 500);
});

test('--max-peers cuts the default curve and ends it at the given count', () => {
  assert.deepEqual(parseScaleArgs(['--max-peers', '2500']).steps, [500, 1_000, 2_000, 2_500]);
  assert.deepEqual(parseScaleArgs(['--max-peers', '8000']).steps, [...DEFAULT_STEPS, 8_000]);
  benchArgsError(() => parseScaleArgs(['--max-peers', '10', '--steps', '5,10']), /not both/);
});

test('steps must be ascending positive integers within the bench limit', () => {
  assert.deepEqual(parseSteps('1,2,3'), [1, 2, 3]);
  benchArgsError(() => parseSteps('3,2'), /ascending/);
  benchArgsError(() => parseSteps('1,1'), /ascending/);
  benchArgsError(() => parseSteps('0'), /--steps must be an integer/);
  benchArgsError(() => parseSteps(String(MAX_BENCH_PEERS + 1)), /--steps must be an integer/);
  benchArgsError(() => parseScaleArgs(['--steps', '1,x']), /--steps must be an integer/);
});

test('servers are peerbook and/or bcoin, each once', () => {
  assert.deepEqual(parseScaleArgs(['--servers', 'bcoin,peerbook']).servers, ['bcoin', 'peerbook']);
  benchArgsError(() => parseScaleArgs(['--servers', 'peerbook,peerbook']), /each implementation once/);
  benchArgsError(() => parseScaleArgs(['--servers', 'btcd']), /peerbook and\/or bcoin/);
});

test('bcoin runs the steps up to its cap and ends at the cap; Peerbook runs them all', () => {
  const args = { steps: [500, 1_000, 2_000, 5_000], bcoinMaxPeers: 1_500 };
  assert.deepEqual(stepsFor('peerbook', args), [500, 1_000, 2_000, 5_000]);
  assert.deepEqual(stepsFor('bcoin', args), [500, 1_000, 1_500]);
  assert.deepEqual(stepsFor('bcoin', { ...args, bcoinMaxPeers: 10_000 }), args.steps);
});

test('each child gets descriptors for every peer, the newcomers in flight and slack', () => {
  assert.equal(nofileFor(5_000, 256), 5_000 + 512 + 1_024);
});

test('npm run bench passes its network flags to the scale parser and leaves the others to run.ts', () => {
  const { options, rest } = takeNetBenchFlags(['--quick', '--scale-peers', '800', '--skip-wire', '--no-save'], true);
  assert.deepEqual(rest, ['--quick', '--no-save']);
  assert.equal(options.wire, false);
  assert.deepEqual(options.scale?.steps, [250, 500, 800]);
  assert.deepEqual(options.scale?.servers, ['peerbook', 'bcoin']);
  assert.equal(takeNetBenchFlags(['--skip-scale'], false).options.scale, null);
  benchArgsError(() => takeNetBenchFlags(['--scale-peers', 'many'], false), /--max-peers must be an integer/);
});
