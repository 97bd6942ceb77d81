import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenario, parseScenarioText, ScenarioError } from '../../src/sim/scenario.js';

const SCENARIOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../sim/scenarios');

test('every scenario file in sim/scenarios is valid', () => {
  const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 1);
  for (const f of files) {
    const sc = parseScenarioText(readFileSync(path.join(SCENARIOS, f), 'utf8'), f);
    assert.equal(`${sc.name}.json`, f, 'a scenario is named after its file');
  }
});

const minimalNetwork = { kind: 'network', name: 'n', world: { honestNodes: 3 }, durationS: 10 };

test('defaults are filled in', () => {
  const sc = parseScenario(minimalNetwork);
  assert.equal(sc.kind, 'network');
  assert.equal(sc.seed, 1);
  assert.equal(sc.stepMs, 100);
  assert.deepEqual(sc.latency, { model: 'regions', jitter: 0.2 });
});

const bad = (doc: unknown, path: string, pattern: RegExp): void => {
  assert.throws(() => parseScenario(doc), (e: unknown) => {
    assert.ok(e instanceof ScenarioError, String(e));
    assert.equal(e.code, 'ERR_SCENARIO');
    assert.equal(e.path, path);
    assert.match(e.message, pattern);
    return true;
  });
};

test('a misspelt key is an error naming its path, not silently ignored', () => {
  bad({ ...minimalNetwork, world: { honestNodes: 3, churnn: {} } }, '$.world.churnn', /unknown key/);
});

test('a value of the wrong type or out of range names its path and the expectation', () => {
  bad({ ...minimalNetwork, durationS: '10' }, '$.durationS', /expected a number/);
  bad({ ...minimalNetwork, world: { honestNodes: 2.5 } }, '$.world.honestNodes', /integer/);
  bad({ ...minimalNetwork, world: { honestNodes: 3, listeningShare: 2 } }, '$.world.listeningShare', /≤ 1/);
  bad({ kind: 'network', name: 'n', durationS: 10 }, '$.world', /expected an object/);
});

test('an unknown kind lists the known ones', () => {
  bad({ ...minimalNetwork, kind: 'nope' }, '$.kind', /network, eclipse, addr-flood, inbound-flood, peer-set/);
});

test('a peer-set scenario whose sets cannot hold its registered flood hosts is refused before it runs', () => {
  const floods = [{ name: 'f', subnets: 4, ipsPerSubnet: 254, perSecond: 10, durationS: 1 }];
  bad({ kind: 'peer-set', name: 'p', floods, epochs: { maxPeersPerSet: 1000 } }, '$.epochs.maxPeersPerSet', /at least 1022/);
  assert.equal(parseScenario({ kind: 'peer-set', name: 'p', floods }).kind, 'peer-set');
});

test('an eclipse configuration must name a defined attacker, once', () => {
  const eclipse = {
    kind: 'eclipse', name: 'e', world: { honestNodes: 5 }, victims: { perConfiguration: 1 },
    attackers: [{ id: 'a', groups: 1, ipsPerGroup: 1, asCount: 1 }], attack: { durationS: 10 },
    configurations: [{ name: 'c', attacker: 'b' }],
  };
  bad(eclipse, '$.configurations[0].attacker', /no attacker with id "b"/);
  bad({ ...eclipse, configurations: [{ name: 'c', attacker: 'a' }, { name: 'c', attacker: 'a' }] }, '$.configurations[1].name', /duplicate/);
  bad({ ...eclipse, configurations: [{ name: 'c', attacker: 'a', defences: { anchor: false } }] }, '$.configurations[0].defences.anchor', /unknown key/);
});

test('text that is not JSON is a ScenarioError too', () => {
  assert.throws(() => parseScenarioText('{', 'x.json'), (e: unknown) => e instanceof ScenarioError && /x\.json is not valid JSON/.test(e.message));
});
