import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAsmap, Asmap } from '../../src/address/asmap.js';
import { netGroupLabel } from '../../src/address/group-label.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetGroupManager } from '../../src/address/netgroup.js';

const label = (text: string, groups?: NetGroupManager): string => netGroupLabel(NetAddress.parse(text), groups);

test('a group is named by the prefix it covers: /16 for IPv4 and embedded IPv4, /32 for IPv6, /36 inside Hurricane Electric', () => {
  assert.equal(label('203.0.114.7'), '203.0.0.0/16');
  assert.equal(label('2002:cb00:7207::1'), '203.0.0.0/16', '6to4 carries 203.0.114.7');
  assert.equal(label('64:ff9b::cb00:7207'), '203.0.0.0/16', 'NAT64');
  assert.equal(label('2a01:4f8:1234:5678::1'), '2a01:4f8::/32');
  assert.equal(label('2001:470:abcd::1'), '2001:470:a000::/36');
  assert.equal(label('fc12:3456::1'), 'fc10::/12', 'CJDNS: 12 bits');
});

test('addresses that share a group share its name, and different groups get different names', () => {
  const groups = new NetGroupManager();
  const pairs = [['1.2.3.4', '1.2.200.9'], ['2a01:4f8::1', '2a01:4f8:ffff::2'], ['2001:470:1000::1', '2001:470:1fff::1']];
  for (const [a, b] of pairs) {
    assert.deepEqual(groups.getGroup(NetAddress.parse(a)), groups.getGroup(NetAddress.parse(b)), `${a} and ${b} share a group`);
    assert.equal(label(a), label(b));
  }
  assert.notEqual(label('1.2.3.4'), label('1.3.3.4'));
  assert.notEqual(label('2001:470:1000::1'), label('2001:470:2000::1'));
});

test('Tor and I2P groups are named by their first four key bits; loopback, private and internal addresses by what they are', () => {
  const onion = NetAddress.torV3(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0x7a : i)));
  assert.equal(netGroupLabel(onion), 'onion 7…/4');
  const i2p = NetAddress.i2p(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xc3 : 0)));
  assert.equal(netGroupLabel(i2p), 'i2p c…/4');
  assert.equal(label('127.0.0.1'), 'local');
  assert.equal(label('::1'), 'local');
  assert.equal(label('10.1.2.3'), 'unroutable');
  assert.equal(netGroupLabel(NetAddress.internal('seed.example')), 'internal');
});

test('with an asmap, a mapped address is named by its AS and an unmapped one by its prefix', () => {
  const prefix = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 0, 0);
  const groups = new NetGroupManager(Asmap.fromBytes(encodeAsmap([{ prefix, prefixLength: 96 + 8, asn: 3320 }])));
  assert.equal(label('203.0.114.7', groups), 'AS3320');
  assert.equal(label('8.8.8.8', groups), '8.8.0.0/16');
});
