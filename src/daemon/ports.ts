/**
 * The daemon's default TCP ports besides Core's own P2P and RPC ports (which Peerbook keeps, so that
 * Core's tools work unchanged): the metrics/dashboard HTTP server. Each default sits right after the
 * network's Tor onion-service target port (Core: P2P + 1), so it collides with none of the default ports
 * of Bitcoin Core (P2P, RPC, onion target) or Litecoin Core (P2P, RPC, onion target) on any network —
 * both may run on the same machine. test/daemon/ports.test.ts checks that against both lists.
 */
import type { ChainName } from '../wire/params.js';

/** Default metrics/dashboard port per network (`metricsbind=` overrides it; 0 switches it off). */
export const DEFAULT_METRICS_PORTS: Readonly<Record<ChainName, number>> = Object.freeze({
  main: 8335, // Core: P2P 8333, RPC 8332, onion 8334
  test: 18335, // Core testnet3: P2P 18333, RPC 18332, onion 18334
  testnet4: 48335, // Core testnet4: P2P 48333, RPC 48332, onion 48334
  signet: 38335, // Core signet: P2P 38333, RPC 38332, onion 38334
  regtest: 18446, // Core regtest: P2P 18444, RPC 18443, onion 18445
});

/** The default metrics port of `network` (a Core chain name). */
export function defaultMetricsPort(network: string): number {
  return DEFAULT_METRICS_PORTS[network as ChainName] ?? DEFAULT_METRICS_PORTS.main;
}
