import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { AddressPlan, group16, ip4Address } from '../../src/sim/address-plan.js';
import { ChaChaRandom } from '../../src/util/random.js';

const plan = (): AddressPlan => new AddressPlan(ChaChaRandom.fromSeed('plan-test'), { honestGroups: 50, honestAses: 10, zipfExponent: 1 });

test('every allocated address is routable IPv4 and no /16 has two owners', () => {
  const p = plan();
  const honest = Array.from({ length: 200 }, () => p.honestIp());
  const botnet = p.attacker({ id: 'b', groups: 300, ipsPerGroup: 2, asCount: 50 });
  const infra = p.attacker({ id: 'i', groups: 32, ipsPerGroup: 256, asCount: 1, contiguous: true });
  const trash = p.trash(100);
  for (const ip of [...honest, ...botnet, ...infra, ...trash]) assert.ok(ip4Address(ip).isRoutable(), ip4Address(ip).toString());
  const owners = (ips: number[]): Set<string> => new Set(ips.map((ip) => p.ownerOf(ip4Address(ip))!));
  assert.deepEqual([...owners(honest)], ['honest']);
  assert.deepEqual([...owners(botnet)], ['attacker:b']);
  assert.deepEqual([...owners(infra)], ['attacker:i']);
  assert.deepEqual([...owners(trash)], ['trash']);
  assert.equal(new Set([...honest, ...botnet, ...infra, ...trash]).size, 200 + 600 + 8192 + 100, 'all addresses distinct');
});

test('the infrastructure attacker gets 32 adjacent /16s of 256 addresses each', () => {
  const infra = plan().attacker({ id: 'i', groups: 32, ipsPerGroup: 256, asCount: 1, contiguous: true });
  const groups = [...new Set(infra.map(group16))].sort((a, b) => a - b);
  assert.equal(groups.length, 32);
  assert.equal(groups[31] - groups[0], 31);
  for (const g of groups) assert.equal(infra.filter((ip) => group16(ip) === g).length, 256);
});

test('with the plan\'s asmap a one-AS attacker is one netgroup, without it 32', () => {
  const p = plan();
  const infra = p.attacker({ id: 'i', groups: 32, ipsPerGroup: 4, asCount: 1, contiguous: true });
  const hex = (g: Uint8Array): string => Buffer.from(g).toString('hex');
  const withAsmap = new NetGroupManager(p.asmap());
  const without = new NetGroupManager();
  assert.equal(new Set(infra.map((ip) => hex(withAsmap.getGroup(ip4Address(ip))))).size, 1);
  assert.equal(new Set(infra.map((ip) => hex(without.getGroup(ip4Address(ip))))).size, 32);
});

test('the asmap answers each /16 with the AS the plan assigned', () => {
  const p = plan();
  const honest = Array.from({ length: 100 }, () => p.honestIp());
  const bot = p.attacker({ id: 'b', groups: 40, ipsPerGroup: 1, asCount: 7 });
  const groups = new NetGroupManager(p.asmap());
  for (const ip of [...honest, ...bot]) assert.equal(groups.getMappedAS(ip4Address(ip)), p.asnOfAddress(ip4Address(ip)));
  assert.equal(p.distinctAses(bot.map(ip4Address)), 7);
});

test('the same seed gives the same plan', () => {
  const a = plan();
  const b = plan();
  assert.deepEqual(Array.from({ length: 20 }, () => a.honestIp()), Array.from({ length: 20 }, () => b.honestIp()));
  assert.deepEqual(a.attacker({ id: 'x', groups: 5, ipsPerGroup: 3, asCount: 2 }), b.attacker({ id: 'x', groups: 5, ipsPerGroup: 3, asCount: 2 }));
});
