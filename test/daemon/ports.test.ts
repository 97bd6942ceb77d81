import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_METRICS_PORTS } from '../../src/daemon/ports.js';
import { MAINNET, REGTEST, SIGNET, TESTNET3, TESTNET4 } from '../../src/wire/params.js';

/**
 * Default ports of the nodes an operator may run beside Peerbook, per network: P2P, RPC and the Tor
 * onion-service target. Bitcoin Core: kernel/chainparams.cpp nDefaultPort and chainparamsbase.cpp
 * CreateBaseChainParams (rpc_port, onion_service_target_port). Litecoin Core 0.21: chainparams.cpp and
 * chainparamsbase.cpp (its signet uses the testnet chain parameters, P2P 19335).
 */
const CORE_PORTS = {
  main: [8333, 8332, 8334],
  test: [18333, 18332, 18334],
  testnet4: [48333, 48332, 48334],
  signet: [38333, 38332, 38334],
  regtest: [18444, 18443, 18445],
};
const LITECOIN_PORTS = {
  main: [9333, 9332, 9333],
  test: [19335, 19332, 19335],
  signet: [19335, 39332, 39335],
  regtest: [19444, 19443, 19444],
};

test('no default metrics port is a default port of Bitcoin Core or Litecoin Core on any network', () => {
  const taken = new Set([...Object.values(CORE_PORTS), ...Object.values(LITECOIN_PORTS)].flat());
  for (const [network, port] of Object.entries(DEFAULT_METRICS_PORTS)) {
    assert.ok(!taken.has(port), `${network}: metrics port ${port} collides with a Core or Litecoin default`);
  }
  assert.equal(new Set(Object.values(DEFAULT_METRICS_PORTS)).size, 5, 'one port per network, all different');
});

test('the Core ports in this test are the ones Peerbook uses for P2P and RPC', () => {
  for (const params of [MAINNET, TESTNET3, TESTNET4, SIGNET, REGTEST]) {
    const [p2p, rpc] = CORE_PORTS[params.name as keyof typeof CORE_PORTS];
    assert.deepEqual([params.defaultPort, params.rpcPort], [p2p, rpc], params.name);
  }
});
