import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatServiceFlags, getDesirableServiceFlags, hasAllDesirableServiceFlags, mayHaveUsefulAddressDB,
  NODE_BLOOM, NODE_COMPACT_FILTERS, NODE_NETWORK, NODE_NETWORK_LIMITED, NODE_NETWORK_LIMITED_ALLOW_CONN_BLOCKS,
  NODE_NONE, NODE_P2P_V2, NODE_WITNESS, SEEDS_SERVICE_FLAGS, serviceFlagNames,
} from '../../src/wire/services.js';

test('service flag constants have Core protocol.h values', () => {
  assert.deepEqual(
    [NODE_NONE, NODE_NETWORK, NODE_BLOOM, NODE_WITNESS, NODE_COMPACT_FILTERS, NODE_NETWORK_LIMITED, NODE_P2P_V2],
    [0n, 1n, 4n, 8n, 64n, 1024n, 2048n],
  );
  assert.equal(SEEDS_SERVICE_FLAGS, 9n);
});

test('serviceFlagNames names known bits lowest first, like Core serviceFlagsToStr', () => {
  assert.deepEqual(serviceFlagNames(NODE_NETWORK | NODE_WITNESS), ['NETWORK', 'WITNESS']);
  assert.deepEqual(serviceFlagNames(0x0c4dn), ['NETWORK', 'BLOOM', 'WITNESS', 'COMPACT_FILTERS', 'NETWORK_LIMITED', 'P2P_V2']);
  assert.deepEqual(serviceFlagNames(0n), []);
});

test('unknown service bits print as UNKNOWN[2^n] (rpc_net.py services 2^4 | 2^63)', () => {
  assert.deepEqual(serviceFlagNames((1n << 4n) | (1n << 63n)), ['UNKNOWN[2^4]', 'UNKNOWN[2^63]']);
  assert.deepEqual(serviceFlagNames(2n | NODE_NETWORK_LIMITED), ['UNKNOWN[2^1]', 'NETWORK_LIMITED']);
});

test('service flags outside uint64 are an ArgumentError', () => {
  assert.throws(() => serviceFlagNames(-1n), { code: 'ERR_ARGUMENT' });
  assert.throws(() => serviceFlagNames(1n << 64n), { code: 'ERR_ARGUMENT' });
});

test('formatServiceFlags prints 16 hex digits as getpeerinfo does', () => {
  assert.equal(formatServiceFlags(0x409n), '0000000000000409');
  assert.equal(formatServiceFlags((1n << 64n) - 1n), 'ffffffffffffffff');
});

test('desirable flags are NETWORK|WITNESS, or NETWORK_LIMITED|WITNESS for a limited peer near the tip', () => {
  assert.equal(getDesirableServiceFlags(NODE_NETWORK | NODE_WITNESS, 0), NODE_NETWORK | NODE_WITNESS);
  assert.equal(getDesirableServiceFlags(NODE_NETWORK_LIMITED | NODE_WITNESS, 10), NODE_NETWORK_LIMITED | NODE_WITNESS);
  assert.equal(getDesirableServiceFlags(NODE_NETWORK_LIMITED | NODE_WITNESS, NODE_NETWORK_LIMITED_ALLOW_CONN_BLOCKS),
    NODE_NETWORK | NODE_WITNESS);
});

test('a pruned peer is acceptable only while our best block is less than 144 blocks deep', () => {
  const pruned = NODE_NETWORK_LIMITED | NODE_WITNESS;
  assert.equal(hasAllDesirableServiceFlags(pruned, 143), true);
  assert.equal(hasAllDesirableServiceFlags(pruned, 144), false);
  assert.equal(hasAllDesirableServiceFlags(NODE_NETWORK | NODE_WITNESS | NODE_NETWORK_LIMITED, 100_000), true);
  assert.equal(hasAllDesirableServiceFlags(NODE_NETWORK, 0), false);
});

test('extra required flags (a Litecoin-style NODE_MWEB) must also be present', () => {
  const MWEB = 1n << 24n;
  assert.equal(hasAllDesirableServiceFlags(NODE_NETWORK | NODE_WITNESS, 0, MWEB), false);
  assert.equal(hasAllDesirableServiceFlags(NODE_NETWORK | NODE_WITNESS | MWEB, 0, MWEB), true);
});

test('mayHaveUsefulAddressDB accepts NETWORK or NETWORK_LIMITED only', () => {
  assert.equal(mayHaveUsefulAddressDB(NODE_NETWORK), true);
  assert.equal(mayHaveUsefulAddressDB(NODE_NETWORK_LIMITED), true);
  assert.equal(mayHaveUsefulAddressDB(NODE_WITNESS | NODE_BLOOM), false);
});
