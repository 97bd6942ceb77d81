/**
 * The experiments at reduced size (the full ones: `npm run sim:experiments`, or PEERBOOK_FULL=1 for
 * larger sizes here). Each test asserts the property the experiment is about; the seeds are fixed, so
 * a result only changes when the code does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDRMAN_MAX_ENTRIES } from '../../src/addrman/constants.js';
import { runAddrFlood } from '../../src/sim/addr-flood.js';
import { runEclipse } from '../../src/sim/eclipse.js';
import { runInboundFlood } from '../../src/sim/inbound-flood.js';
import { parseScenario, type AddrFloodScenario, type EclipseScenario, type InboundFloodScenario } from '../../src/sim/scenario.js';

const FULL = process.env.PEERBOOK_FULL === '1';
const SCENARIOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../sim/scenarios');
/** The committed scenario file, with `patch` applied to its JSON (so the reduced run uses the real attack settings). */
function scenario<T>(name: string, patch: (doc: Record<string, unknown>) => void): T {
  const doc = JSON.parse(readFileSync(path.join(SCENARIOS, `${name}.json`), 'utf8')) as Record<string, unknown>;
  patch(doc);
  return parseScenario(doc) as T;
}

/** Bound on Pr[eclipse] with every defence on, at reduced size: no more than this share of restarts. */
const ECLIPSE_BOUND_DEFENCES_ON = 0.05;

test(`with every defence on, at most ${ECLIPSE_BOUND_DEFENCES_ON * 100} % of restarts are eclipsed by a botnet that owns most of the victims' new tables`, async () => {
  const sc = scenario<EclipseScenario>('eclipse-heilman', (d) => {
    d.world = { tickMs: 2000, honestNodes: FULL ? 200 : 50, startSpreadS: 60, churn: { leavePerHour: 0.05, joinPerHour: 0.05 } };
    d.warmupS = 600;
    d.victims = { perConfiguration: FULL ? 6 : 3, honestPhaseS: 1200, joinSpreadS: 30, restartsPerVictim: FULL ? 20 : 8, measureAtS: [120] };
    d.attack = { ...(d.attack as object), durationS: FULL ? 7200 : 2400, inboundConnections: FULL ? 114 : 24 };
    d.configurations = [{ name: 'botnet/all-on', attacker: 'botnet' }];
    d.sampleIntervalS = 600;
  });
  const r = await runEclipse(sc, 11);
  const c = r.configurations[0];
  const e = c.eclipse[0];
  assert.equal(e.all.n, sc.victims.perConfiguration * sc.victims.restartsPerVictim);
  // The attack worked on the tables — so a low eclipse rate is the defences' doing, not a failed attack.
  assert.ok(c.atRestart.newAttackerShare.mean > 0.5, `attacker share of new ${c.atRestart.newAttackerShare.mean}`);
  assert.ok(c.atRestart.triedAttackerShare.mean > 0.1, `attacker share of tried ${c.atRestart.triedAttackerShare.mean}`);
  assert.ok(e.meanOutbound >= 8, `restarted victims are connected (${e.meanOutbound} outbound)`);
  assert.ok(e.all.p <= ECLIPSE_BOUND_DEFENCES_ON, `eclipsed ${e.all.k}/${e.all.n}`);
  assert.equal(r.nodeErrors.count, 0, r.nodeErrors.first.join('\n'));
});

test('an addr flood is at least 99 % rate-limited, honest gossip still gets in, and the table stays bounded', async () => {
  const sc = scenario<AddrFloodScenario>('addr-flood', (d) => {
    d.world = { tickMs: 2000, honestNodes: FULL ? 100 : 30, startSpreadS: 60 };
    d.warmupS = 300;
    d.flood = { attackers: FULL ? 100 : 20, addrsPerSecond: 1000, addrPerMessage: 1000, durationS: FULL ? 1200 : 240, honestJoiners: 5 };
    d.sampleIntervalS = 60;
  });
  const r = await runAddrFlood(sc, 5);
  const v = r.victim;
  const sent = sc.flood.attackers * sc.flood.addrsPerSecond * sc.flood.durationS;
  assert.ok(v.attackerRateLimited.n >= 0.95 * sent, `the flood arrived: ${v.attackerRateLimited.n} of ${sent}`);
  assert.ok(v.attackerRateLimited.p >= 0.99, `rate-limited share ${v.attackerRateLimited.p}`);
  // Core's bucket: 1 token at connect + 0.1/s, per attacker peer.
  assert.ok(v.attackerProcessed <= sc.flood.attackers * (1 + 0.1 * sc.flood.durationS) + sc.flood.attackers,
    `processed ${v.attackerProcessed}`);
  // Honest gossip stays under the limit but for rare bursts (Core measured 0–0.025 addr/s per honest peer).
  assert.ok(v.honestProcessed > 0);
  assert.ok(v.honestRateLimited <= 0.05 * (v.honestProcessed + v.honestRateLimited), `honest rate-limited ${v.honestRateLimited} of ${v.honestProcessed + v.honestRateLimited}`);
  assert.ok(v.joinersKnown.k >= 1, 'addresses of honest nodes that joined during the flood still reached the table');
  assert.ok(v.maxEntries <= ADDRMAN_MAX_ENTRIES);
  assert.ok(v.entriesAfter <= v.entriesBefore + v.attackerProcessed + v.honestProcessed, 'the table grew only by what was processed');
  assert.equal(v.attackerPeersAtEnd, sc.flood.attackers, 'flooding alone does not get a peer disconnected (as in Core)');
  assert.ok(v.honestEntriesAfter >= v.honestEntriesBefore, 'the flood evicted no honest address');
});

test('5,000 inbound attempts never take a node past its connection limits, and protected honest peers survive', async () => {
  const sc = scenario<InboundFloodScenario>('inbound-flood', (d) => {
    d.world = { tickMs: 2000, honestNodes: FULL ? 100 : 20, startSpreadS: 60 };
    d.warmupS = 240;
    d.victim = { maxConnections: FULL ? 125 : 50 };
    d.honest = { blockRelayers: 4, txRelayers: 4, lowPing: 8, longLived: FULL ? 20 : 4, region: 'europe' };
    d.flood = { attempts: FULL ? 5000 : 600, perSecond: FULL ? 10 : 20, groups: FULL ? 50 : 10, ipsPerGroup: FULL ? 100 : 60, region: 'asia' };
    d.afterS = 30;
  });
  const r = await runInboundFlood(sc, 5);
  assert.ok(r.observed.checks > 1000);
  assert.equal(r.observed.violations, 0);
  assert.ok(r.observed.maxLiveInbound <= r.limits.maxInbound);
  assert.ok(r.observed.maxLivePeers <= r.limits.maxConnections);
  assert.ok(r.victim.inboundEvictions >= sc.flood.attempts - r.limits.maxInbound, `evictions ${r.victim.inboundEvictions}`);
  for (const k of ['lowPing', 'blockRelayers', 'txRelayers', 'longLived'] as const) {
    assert.equal(r.survival[k].k, r.survival[k].n, `${k}: ${r.survival[k].k}/${r.survival[k].n} survived`);
  }
  assert.ok(r.survival.all.n >= 16);
});
