/** Source addresses of the load generator's peers: spread over /16s, distinct, never the server's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { HOSTS_PER_GROUP, MAX_SOURCE_GROUPS, planCapacity, serverAddress, sourceAddress, type SourcePlan } from '../../bench/scale/sources.js';

const LOOPBACK: SourcePlan = { kind: 'loopback', groups: MAX_SOURCE_GROUPS };
const ROUTABLE: SourcePlan = { kind: 'routable', groups: MAX_SOURCE_GROUPS };

test('consecutive peers land in different /16s, round robin', () => {
  assert.deepEqual([0, 1, 2, 253, 254].map((i) => sourceAddress(LOOPBACK, i)), ['127.1.0.1', '127.2.0.1', '127.3.0.1', '127.254.0.1', '127.1.0.2']);
  assert.equal(sourceAddress(ROUTABLE, 0), '11.1.0.1');
});

test('every peer of a plan gets a distinct address, never the server\'s or a broadcast-looking .0/.255 host (property)', () => {
  const plans = fc.record({ kind: fc.constantFrom('loopback' as const, 'routable' as const), groups: fc.integer({ min: 1, max: MAX_SOURCE_GROUPS }) });
  fc.assert(fc.property(plans, fc.array(fc.nat(), { minLength: 2, maxLength: 50 }), (plan, raw) => {
    const indices = [...new Set(raw.map((r) => r % planCapacity(plan)))];
    const addrs = indices.map((i) => sourceAddress(plan, i));
    assert.equal(new Set(addrs).size, addrs.length);
    for (const a of addrs) {
      assert.notEqual(a, serverAddress(plan.kind));
      const last = Number(a.split('.')[3]);
      assert.ok(last >= 1 && last <= 254, a);
    }
  }));
});

test('an index past the plan\'s capacity is refused', () => {
  const plan: SourcePlan = { kind: 'loopback', groups: 2 };
  assert.equal(planCapacity(plan), 2 * HOSTS_PER_GROUP);
  assert.throws(() => sourceAddress(plan, planCapacity(plan)), /outside/);
  assert.throws(() => sourceAddress(plan, -1), /outside/);
});

test('Core\'s grouping puts every 127/8 source in one network group, and routable sources in one group per /16', () => {
  const groups = new NetGroupManager();
  const key = (plan: SourcePlan, i: number): string => groups.getGroup(NetAddress.parse(sourceAddress(plan, i))).join('.');
  assert.equal(new Set(Array.from({ length: 600 }, (_, i) => key(LOOPBACK, i))).size, 1, 'GetGroup: all local addresses share one group');
  assert.equal(new Set(Array.from({ length: 600 }, (_, i) => key(ROUTABLE, i))).size, MAX_SOURCE_GROUPS);
});
