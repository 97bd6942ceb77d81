/**
 * The simulated network the dashboard tests look at: one observed node with three inbound peers (one
 * with a hostile user agent), two outbound peers, and a few thousand addresses in its table, some tried.
 */
import { NetAddress } from '../../src/address/netaddress.js';
import type { PeerManager } from '../../src/connman/manager.js';
import { FULL_NODE, Sim, svc } from '../../src/sim/network.js';

/** A user agent that would run script if the page ever parsed peer text as HTML. */
export const HOSTILE_USER_AGENT = '<img src=x onerror="document.title=\'pwned\'">';

/** What the observed node should show for each peer (by remote IP). */
export interface ExpectedPeer {
  ip: string;
  type: 'inbound' | 'manual' | 'block-relay-only';
  userAgent: string;
}

/** A running scenario. */
export interface Scenario {
  sim: Sim;
  me: PeerManager;
  peers: ExpectedPeer[];
  /** The peer nodes, in the order of `peers`. */
  remotes: PeerManager[];
}

/** Addresses put in the observed node's table. */
export const SCENARIO_ADDRESSES = 3_000;
/** Of those, how many are then marked good (moved to tried). */
export const SCENARIO_TRIED = 120;

/** Builds and starts the scenario; the caller stops `sim`. */
export async function startScenario(sim = new Sim()): Promise<Scenario> {
  const me = sim.node('30.0.0.1');
  const peers: ExpectedPeer[] = [
    { ip: '31.1.0.1', type: 'inbound', userAgent: '/Satoshi:27.0.0/' },
    { ip: '31.2.0.1', type: 'inbound', userAgent: HOSTILE_USER_AGENT },
    { ip: '31.3.0.1', type: 'inbound', userAgent: '/btcd:0.24.2/' },
    { ip: '32.1.0.1', type: 'manual', userAgent: '/Peerbook:0.1.0/' },
    { ip: '32.2.0.1', type: 'block-relay-only', userAgent: '/Satoshi:26.1.0/' },
  ];
  const nodes = peers.map((p) => sim.node(p.ip, { userAgent: p.userAgent }));
  const now = sim.clock.nowSeconds();
  const records = Array.from({ length: SCENARIO_ADDRESSES }, (_, i) => ({
    service: svc(`${40 + (i % 150)}.${(i >> 4) & 255}.${i & 15}.7`), services: FULL_NODE, time: now - 3600 - i,
  }));
  for (let s = 0; s < 30; s++) me.addrman.add(records.filter((_, i) => i % 30 === s), NetAddress.parse(`${100 + s}.1.1.1`));
  for (const r of records.slice(0, SCENARIO_TRIED)) me.addrman.good(r.service);
  await sim.startAll();
  for (const [i, p] of peers.entries()) {
    const ok = p.type === 'inbound'
      ? await nodes[i].openConnection(svc('30.0.0.1'), 'manual')
      : await me.openConnection(svc(p.ip), p.type);
    if (!ok) throw new Error(`scenario: connection with ${p.ip} failed`);
  }
  await sim.run(2_000);
  return { sim, me, peers, remotes: nodes };
}
