/** Option validation of the connection manager: ranges checked against what the values become. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig, type PeerManagerOptions } from '../../src/connman/options.js';
import { MAX_TIMER_DELAY_MS } from '../../src/util/clock.js';
import { REGTEST } from '../../src/wire/params.js';

/** Asserts the options are refused with a ConfigError naming `option` (and Core's `flag` for the daemon). */
const refused = (over: Partial<PeerManagerOptions>, option: string, flag = option.toLowerCase()): ConfigError => {
  let error: unknown;
  try {
    resolveConfig({ network: REGTEST, ...over });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError, `${option}: ${String(error)}`);
  assert.equal(error.option, option);
  assert.equal(error.flag, flag);
  return error;
};

test('durations the clock cannot schedule (above 2^31 - 1 ms) are refused, naming the option', () => {
  assert.equal(refused({ connectTimeoutMs: MAX_TIMER_DELAY_MS + 1 }, 'connectTimeoutMs', 'timeout').flagMessage(),
    'invalid -timeout: 2147483648 is not an integer in [1, 2147483647] ms');
  assert.equal(refused({ peerLimits: { peerConnectTimeoutMs: 2 ** 31 * 1000 } }, 'peerLimits.peerConnectTimeoutMs', 'peertimeout').flagMessage(),
    'invalid -peertimeout: 2147483648 is not an integer in [1, 2147483] s');
  refused({ peerLimits: { inactivityTimeoutMs: 1e12 } }, 'peerLimits.inactivityTimeoutMs');
  refused({ peerLimits: { pingIntervalMs: Infinity } }, 'peerLimits.pingIntervalMs');
  resolveConfig({ network: REGTEST, connectTimeoutMs: MAX_TIMER_DELAY_MS, peerLimits: { peerConnectTimeoutMs: MAX_TIMER_DELAY_MS } });
});

test('sizes and counts outside safe integers, and non-integers, are refused', () => {
  refused({ maxUploadTarget: Infinity }, 'maxUploadTarget');
  refused({ maxUploadTarget: 2 ** 53 }, 'maxUploadTarget');
  refused({ maxUploadTarget: -1 }, 'maxUploadTarget');
  refused({ banTime: 1.5 }, 'banTime');
  refused({ peerLimits: { receiveFloodBytes: Number.NaN } }, 'peerLimits.receiveFloodBytes', 'maxreceivebuffer');
  refused({ peerLimits: { malformedMessages: 'ignore' as 'drop' } }, 'peerLimits.malformedMessages');
});
