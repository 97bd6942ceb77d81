/**
 * The peer-set experiment at reduced size (sim/scenarios/peer-set.json with fewer attempts and shorter
 * floods; the full run's figures are in docs/security.md). One run, several properties: untracked keys
 * never complete a handshake and are refused before any cryptography, floods stay within the limiter's
 * bounds, and the honest members stay connected throughout. Real handshake cryptography on virtual time.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_CONCURRENT_HANDSHAKES } from '../../src/peerset/constants.js';
import { runPeerSet, type PeerSetResult, type UntrackedCase } from '../../src/sim/peer-set.js';
import { parseScenario, type PeerSetScenario } from '../../src/sim/scenario.js';

const SCENARIOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../sim/scenarios');

function reducedScenario(): PeerSetScenario {
  const doc = JSON.parse(readFileSync(path.join(SCENARIOS, 'peer-set.json'), 'utf8')) as Record<string, unknown>;
  doc.members = { core: 3 };
  doc.epochs = { count: 3, intervalS: 20, trackedPeerSets: 2, maxPeersPerSet: 2048, settleS: 10 };
  doc.untracked = { attemptsPerCase: 3, intervalMs: 6000 };
  doc.floods = [
    { name: 'one-ip', subnets: 1, ipsPerSubnet: 1, perSecond: 50, durationS: 10, behaviour: 'hello' },
    { name: 'one-24', subnets: 1, ipsPerSubnet: 254, perSecond: 500, durationS: 3, behaviour: 'hello' },
    { name: 'three-24-silent', subnets: 3, ipsPerSubnet: 254, perSecond: 152.4, durationS: 5, behaviour: 'silent' },
  ];
  doc.afterS = 5;
  return parseScenario(doc) as PeerSetScenario;
}

let r: PeerSetResult;
before(async () => {
  r = await runPeerSet(reducedScenario(), 7);
});

const flood = (name: string): PeerSetResult['floods'][number] => {
  const f = r.floods.find((x) => x.name === name);
  assert.ok(f, `flood ${name} ran`);
  return f;
};

test('no attacker without a tracked key completes a handshake with a peer-set member', () => {
  assert.equal(r.untracked.length, 5);
  for (const u of r.untracked) {
    assert.equal(u.attempts, 3, u.case);
    assert.equal(u.completed, 0, `${u.case}: ${u.completed} handshakes completed`);
  }
  for (const f of r.floods) assert.equal(f.completed, 0, `flood ${f.name}`);
});

test('untracked keys are refused before any cryptography: at the allow-list or the gate, and the victim sends back nothing', () => {
  const expected: Record<UntrackedCase, Record<string, number>> = {
    'fresh-key-unregistered-ip': { 'unregistered-ip': 3 },
    'fresh-key-registered-ip': { 'unknown-key': 3 },
    'member-key-wrong-ip': { 'wrong-source-ip': 3 },
    'member-key-member-ip': { duplicate: 3 },
    'expired-member-key': { 'unregistered-ip': 3 },
  };
  for (const u of r.untracked) {
    assert.deepEqual(u.reasons, expected[u.case], u.case);
    assert.deepEqual(Object.keys(u.steps).sort(), [expected[u.case]['unregistered-ip'] ? 'allow-list' : 'gate'], u.case);
    assert.equal(u.victimBytesSent, 0, `${u.case}: the victim sent a Reply (signature and DH computed)`);
  }
});

test('a handshake flood from one IP is admitted once per 5 s and no more', () => {
  const f = flood('one-ip');
  assert.equal(f.attempts, 500);
  assert.equal(f.bound.admitted, 2);
  assert.equal(f.admitted, 2);
  assert.equal(f.refused['ip-rate'], 498);
});

test('a handshake flood from one /24 stays within the per-IP and per-subnet bounds', () => {
  const f = flood('one-24');
  assert.equal(f.attempts, 1500);
  assert.ok(f.admitted > 0 && f.admitted <= f.bound.admitted, `admitted ${f.admitted}, bound ${f.bound.admitted}`);
  assert.ok((f.refused['subnet-rate'] ?? 0) > 0, 'the /24 allowance ran out');
  assert.equal(f.admitted + Object.values(f.refused).reduce((a, b) => a + b, 0), f.attempts);
});

test(`silent connections from several /24s never hold more than ${MAX_CONCURRENT_HANDSHAKES} handshakes in flight`, () => {
  const f = flood('three-24-silent');
  assert.equal(f.peakInFlight, MAX_CONCURRENT_HANDSHAKES, 'the flood reached the cap');
  assert.ok(f.series.every((s) => s.inFlight <= MAX_CONCURRENT_HANDSHAKES));
  assert.ok(Object.values(f.refused).reduce((a, b) => a + b, 0) > 0, 'attempts past the cap were refused');
  assert.ok(f.admitted <= f.bound.admitted);
});

test('honest members stay connected throughout the attacks, and a rotating member is connected while its set is kept', () => {
  assert.ok(r.honest.fullyConnectedAtS >= 0, 'the core members connected');
  assert.ok(r.honest.checks > 100);
  assert.equal(r.honest.violations, 0);
  assert.equal(r.honest.coreDisconnects, 0);
  assert.ok(r.honest.rotation.every((x) => x.connectedWhileKept), JSON.stringify(r.honest.rotation));
  assert.equal(r.honest.rotation[0].disconnectedAfterDrop, true);
  assert.equal(r.nodeErrors.count, 0, r.nodeErrors.first.join('\n'));
});
