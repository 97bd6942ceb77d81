/**
 * sim/: simulated networks of real `PeerManager`s in one process, on virtual time.
 *
 * Two layers. `network.ts` is the small harness the unit tests use (`Sim`: managers on
 * `MemoryNetwork`, `RawPeer` scripted peers). The simulator proper (engine.ts) runs thousands of
 * unmodified nodes — real address manager, connection policy, eviction, address and inventory relay,
 * data directories — over latency links (latency-transport.ts, geography.ts) in a simulated Internet
 * with ASes and an asmap (address-plan.ts), with churn (world.ts) and scripted attackers
 * (attacker.ts). It is deterministic: the same scenario and seed give byte-identical results, because
 * all randomness is seeded, timers fire in a fixed order, and file I/O (restarts reload peers.dat and
 * anchors.dat from real temporary directories) happens only while virtual time stands still.
 *
 * Experiments are scenario files (scenario.ts validates them; sim/scenarios/*.json): `network`
 * (connectivity and scale), `eclipse` (Heilman et al.'s attack, each defence switched off in turn),
 * `addr-flood`, `inbound-flood` and `peer-set` (real `PeerSetNode`s against untracked keys and
 * handshake floods); runner.ts writes result.json (reproducible), nodes.json, perf.json (the
 * simulator's own cost) and SVG plots; `peerbook sim` runs them. Results are in docs/security.md.
 */
export * from './network.js';
export { Simulation, SimNode, SimLogger, SIM_NETWORK, SIM_NODE_SERVICES, type NodeSpec, type NodeRole, type SimulationConfig } from './engine.js';
export { LatencyNetwork, LatencyTransport, type LinkLatency } from './latency-transport.js';
export { Geography, REGIONS, type LatencyConfig, type Region } from './geography.js';
export { AddressPlan, type AddressPlanOptions, type AttackerShape } from './address-plan.js';
export { Attacker, type AttackerOptions, type HoldOptions } from './attacker.js';
export { World, type WorldConfig, type ChurnConfig } from './world.js';
export { parseScenario, parseScenarioText, ScenarioError, type Scenario, type DefenceSwitches, type PeerSetScenario } from './scenario.js';
export { runScenario, type RunOptions, type RunOutput } from './runner.js';
export { runPeerSet, type PeerSetResult } from './peer-set.js';
export { wilson, type Proportion } from './stats.js';
