/** Option validation of the connection manager: ranges checked against what the values become. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig, type PeerManagerOptions } from '../../src/connman/options.js';
import { MAX_TIMER_DELAY_MS } from '../../src/util/clock.js';
import { REGTEST } from '../../src/wire/params.js';

const refused = (over: Partial<PeerManagerOptions>, option: string): void => {
  assert.throws(() => resolveConfig({ network: REGTEST, ...over }), (e: unknown) => e instanceof ConfigError && e.option === option, option);
};

test('durations the clock cannot schedule (above 2^31 - 1 ms) are refused, naming the option', () => {
  refused({ connectTimeoutMs: MAX_TIMER_DELAY_MS + 1 }, 'timeout');
  refused({ peerLimits: { peerConnectTimeoutMs: 2 ** 31 } }, 'peertimeout');
  refused({ peerLimits: { inactivityTimeoutMs: 1e12 } }, 'peerLimits.inactivityTimeoutMs');
  refused({ peerLimits: { pingIntervalMs: Infinity } }, 'peerLimits.pingIntervalMs');
  resolveConfig({ network: REGTEST, connectTimeoutMs: MAX_TIMER_DELAY_MS, peerLimits: { peerConnectTimeoutMs: MAX_TIMER_DELAY_MS } });
});

test('sizes and counts outside safe integers, and non-integers, are refused', () => {
  refused({ maxUploadTarget: Infinity }, 'maxuploadtarget');
  refused({ maxUploadTarget: 2 ** 53 }, 'maxuploadtarget');
  refused({ maxUploadTarget: -1 }, 'maxuploadtarget');
  refused({ banTime: 1.5 }, 'bantime');
  refused({ peerLimits: { receiveFloodBytes: Number.NaN } }, 'maxreceivebuffer');
  refused({ peerLimits: { malformedMessages: 'ignore' as 'drop' } }, 'peerLimits.malformedMessages');
});
