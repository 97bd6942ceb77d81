/** Automatic outbound as a component (one manager's components, no shell): anchors and whose dials count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import { world } from './fixtures.js';

const anchor = (text: string, services = 9n): AddressRecord => ({ service: NetService.parse(text), services, time: 0 });

test('anchors the choice consumed are dropped: the unusable one at the back and the one dialed', () => {
  const w = world('30.0.0.1', { connect: undefined });
  const usable = anchor('80.1.1.1:18444');
  w.c.outbound.setAnchors([anchor('70.1.1.1:18444'), usable, anchor('90.1.1.1:18444', 1n)], []);
  const now = w.clock.now();
  w.c.outbound.start(now);
  w.c.outbound.tick(now);
  assert.equal(w.c.outbound.anchorsLeft, 1);
  assert.equal(w.c.registry.pendingFor(usable.service)?.connType, 'block-relay-only', 'the anchor is dialed as block-relay-only');
});

test('dials and peers another component opened (an owner) do not count against automatic slots', () => {
  const w = world('30.0.0.1', { connect: undefined });
  w.c.registry.reserve(NetService.parse('81.1.1.1:18444'), 'outbound-full-relay', 'peerset');
  assert.equal(w.c.outbound.state().fullRelay, 0);
  assert.equal(w.c.outbound.state().automaticPending, 0);
  w.c.registry.reserve(NetService.parse('82.1.1.1:18444'), 'outbound-full-relay');
  assert.equal(w.c.outbound.state().fullRelay, 1);
  assert.equal(w.c.outbound.state().groups.size, 1, 'only the manager\'s own dial adds its netgroup');
});

test('starting draws the feeler, extra block-relay and extra-network times, and sets the surplus check 45 s out', () => {
  const w = world('30.0.0.1', { connect: undefined });
  const now = w.clock.now();
  w.c.outbound.start(now);
  const s = w.c.schedule.snapshot();
  assert.ok(s.feeler > now && s.extraBlockRelay > now && s.extraNetworkPeer > now);
  assert.equal(s.extraPeerCheck, now + 45_000);
});
