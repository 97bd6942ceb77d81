/** The peer registry on its own: records, the one cleanup path, nonces, dials in flight, lookups. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { Net } from '../../src/address/network.js';
import { NetService } from '../../src/address/service.js';
import { Subnet } from '../../src/address/subnet.js';
import { PeerRecord, PeerRegistry, PeerSlot } from '../../src/connman/registry.js';
import type { Random } from '../../src/util/random.js';
import { pipePeer } from './fixtures.js';

function record(id: number, connType: Parameters<typeof pipePeer>[1], addr: string, init: Partial<ConstructorParameters<typeof PeerRecord>[0]> = {}): PeerRecord {
  return new PeerRecord({ peer: pipePeer(id, connType, addr), keyedNetGroup: BigInt(id), ...init });
}

test('removing a record drops every plug-in slot with it and frees its nonce', () => {
  const reg = new PeerRegistry();
  const slot = new PeerSlot<{ queue: number[] }>('test');
  const r = record(0, 'outbound-full-relay', '20.0.0.1:18444');
  r.set(slot, { queue: [1, 2, 3] });
  reg.add(r);
  assert.equal(reg.isOwnNonce(r.peer.nonce), true, 'an outbound nonce is remembered');
  const removed = reg.remove(0);
  assert.equal(removed, r);
  assert.equal(reg.get(0), undefined);
  assert.equal(reg.isOwnNonce(r.peer.nonce), false, 'the nonce goes with the record');
  assert.equal(reg.size, 0);
  assert.equal(reg.remove(0), undefined, 'removing twice is a no-op');
});

test('inbound nonces are not remembered as ours', () => {
  const reg = new PeerRegistry();
  const r = record(0, 'inbound', '20.0.0.1:50000');
  reg.add(r);
  assert.equal(reg.isOwnNonce(r.peer.nonce), false);
});

test('a new nonce is never zero and never one already in use', () => {
  const reg = new PeerRegistry();
  const used = record(0, 'outbound-full-relay', '20.0.0.1:18444', {});
  reg.add(used);
  const draws = [0n, used.peer.nonce, 77n];
  const random = { rand64: () => draws.shift()! } as unknown as Random;
  assert.equal(reg.newNonce(random), 77n, 'zero and the used nonce were skipped');
});

test('peer ids are never reused', () => {
  const reg = new PeerRegistry();
  assert.deepEqual([reg.newPeerId(), reg.newPeerId(), reg.newPeerId()], [0, 1, 2]);
});

test('a reserved target counts as connected until released, and stop aborts it', () => {
  const reg = new PeerRegistry();
  const target = NetService.parse('20.0.0.9:18444');
  const dial = reg.reserve(target, 'feeler');
  assert.equal(reg.isConnectedTo(target), true);
  assert.equal(reg.pendingFor(target), dial);
  reg.abortPending();
  assert.equal(dial.abort.signal.aborted, true);
  reg.release(target);
  assert.equal(reg.isConnectedTo(target), false);
});

test('lookups find peers by service, address and subnet, and counts follow Core GetNodeCount', () => {
  const reg = new PeerRegistry();
  reg.add(record(0, 'outbound-full-relay', '20.1.0.1:18444'));
  reg.add(record(1, 'inbound', '20.1.0.1:50001'));
  reg.add(record(2, 'block-relay-only', '20.2.0.1:18444'));
  reg.add(record(3, 'manual', '[2a01:4f8::1]:18444'));
  assert.deepEqual(reg.findByService(NetService.parse('20.1.0.1:18444')).map((p) => p.id), [0]);
  assert.deepEqual(reg.findByAddress(NetAddress.parse('20.1.0.1')).map((p) => p.id), [0, 1]);
  assert.deepEqual(reg.findBySubnet(Subnet.parse('20.0.0.0/8')).map((p) => p.id), [0, 1, 2]);
  assert.equal(reg.nodeCount('all'), 4);
  assert.equal(reg.nodeCount('in'), 1);
  assert.equal(reg.nodeCount('out', 'block-relay-only'), 1);
  assert.equal(reg.nodeCount('out', undefined, true), 0, 'none completed the handshake');
  assert.equal(reg.peersOnNetwork(Net.IPV4), 1, 'full-relay and manual peers only');
  assert.equal(reg.peersOnNetwork(Net.IPV6), 1);
  reg.get(0)!.peer.disconnect('test');
  assert.equal(reg.nodeCount('out'), 2, 'a disconnecting peer is not counted');
  assert.equal(reg.isConnectedTo(NetService.parse('20.1.0.1:18444')), false, 'nor is it connected');
});

test('records iterate in connection order, and removal while iterating is safe', () => {
  const reg = new PeerRegistry();
  for (let i = 0; i < 5; i++) reg.add(record(i, 'inbound', `20.0.0.${i + 1}:5000`));
  const seen: number[] = [];
  for (const r of reg.records()) {
    seen.push(r.id);
    if (r.id === 1) reg.remove(2);
  }
  assert.deepEqual(seen, [0, 1, 3, 4]);
});

test('a record carries the remote identity and owner it was created with', () => {
  const key = Uint8Array.of(1, 2, 3);
  const r = record(0, 'manual', '20.0.0.1:18444', { remoteIdentity: key, owner: 'peerset', manual: { kind: 'addnode', target: '20.0.0.1' } });
  assert.equal(r.remoteIdentity, key);
  assert.equal(r.owner, 'peerset');
  assert.deepEqual(r.manual, { kind: 'addnode', target: '20.0.0.1' });
  assert.equal(r.lastBlockS, 0);
  assert.equal(r.preferEvict, false);
});

test('inboundCount always equals nodeCount("in"): registering, disconnecting and removing inbound peers', () => {
  const reg = new PeerRegistry();
  const counts = (): [number, number] => [reg.inboundCount(), reg.nodeCount('in')];
  for (let i = 0; i < 4; i++) reg.add(record(i, i === 3 ? 'outbound-full-relay' : 'inbound', `20.0.${i}.1:5000`));
  assert.deepEqual(counts(), [3, 3]);
  reg.get(1)!.peer.disconnect('test');
  assert.deepEqual(counts(), [2, 2], 'a disconnecting inbound peer stops counting at once, still registered');
  reg.remove(1);
  reg.remove(0);
  assert.deepEqual(counts(), [1, 1]);
  const late = record(9, 'inbound', '20.0.9.1:5000');
  late.peer.disconnect('before registration');
  reg.add(late);
  assert.deepEqual(counts(), [1, 1], 'a peer registered while disconnecting is not counted');
});
