import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetGroupManager, keyedNetGroup, type AsnLookup } from '../../src/address/netgroup.js';

const groups = new NetGroupManager();
const group = (s: string): number[] => [...groups.getGroup(NetAddress.parse(s, { cjdns: false }))];

test('network groups match Core netbase_getgroup', () => {
  assert.deepEqual(group('127.0.0.1'), [0]);
  assert.deepEqual([...groups.getGroup(NetAddress.invalid())], [0]); // "257.0.0.1" fails to parse → ::
  assert.deepEqual(group('10.0.0.1'), [0]);
  assert.deepEqual(group('169.254.1.1'), [0]);
  assert.deepEqual(group('1.2.3.4'), [1, 1, 2]);
  assert.deepEqual(group('::FFFF:0:102:304'), [1, 1, 2]); // RFC6145
  assert.deepEqual(group('64:FF9B::102:304'), [1, 1, 2]); // RFC6052
  assert.deepEqual(group('2002:102:304:9999:9999:9999:9999:9999'), [1, 1, 2]); // RFC3964
  assert.deepEqual(group('2001:0:9999:9999:9999:9999:FEFD:FCFB'), [1, 1, 2]); // RFC4380 Teredo
  assert.deepEqual(group('2001:470:abcd:9999:9999:9999:9999:9999'), [2, 32, 1, 4, 112, 175]); // he.net /36
  assert.deepEqual(group('2001:2001:9999:9999:9999:9999:9999:9999'), [2, 32, 1, 32, 1]); // IPv6 /32
  assert.deepEqual([...groups.getGroup(NetAddress.internal('baz.net'))], [6, 0x12, 0x92, 0x94, 0x00, 0xeb, 0x46, 0x07, 0xc4, 0xac, 0x07]);
});

test('Tor and I2P group on 4 bits of the key, CJDNS on 12 bits', () => {
  const tor = NetAddress.parse('pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion');
  assert.deepEqual([...groups.getGroup(tor)], [3, tor.bytes[0] | 0x0f]);
  const i2p = NetAddress.parse('ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p');
  assert.deepEqual([...groups.getGroup(i2p)], [4, i2p.bytes[0] | 0x0f]);
  assert.deepEqual([...groups.getGroup(NetAddress.parse('fc12:3456::1'))], [5, 0xfc, 0x1f]);
});

test('with an asmap, mapped IPv4/IPv6 group as [NET_IPV6, LE32(ASN)] and unmapped fall back', () => {
  const asmap: AsnLookup = {
    lookup: (ip16) => (ip16[10] === 0xff && ip16[12] === 250 ? 1000 : ip16[0] === 0x20 ? 0x01020304 : 0),
    checksum: new Uint8Array(32).fill(7),
  };
  const withMap = new NetGroupManager(asmap);
  assert.deepEqual([...withMap.getGroup(NetAddress.parse('250.1.2.3'))], [2, 0xe8, 0x03, 0, 0]);
  assert.deepEqual([...withMap.getGroup(NetAddress.parse('2001:4860::1'))], [2, 4, 3, 2, 1]);
  assert.deepEqual([...withMap.getGroup(NetAddress.parse('1.2.3.4'))], [1, 1, 2]);
  assert.equal(withMap.getMappedAS(NetAddress.parse('250.9.9.9')), 1000);
  assert.equal(withMap.getMappedAS(NetAddress.parse('10.0.0.1')), 0); // unroutable: never looked up
  assert.deepEqual([...withMap.asmapChecksum()], new Array(32).fill(7));
  assert.deepEqual([...groups.asmapChecksum()], new Array(32).fill(0));
});

test('keyed netgroup depends on the key and the group', () => {
  const g = groups.getGroup(NetAddress.parse('1.2.3.4'));
  const a = keyedNetGroup(1n, 2n, g);
  assert.equal(a, keyedNetGroup(1n, 2n, g));
  assert.notEqual(a, keyedNetGroup(1n, 3n, g));
  assert.notEqual(a, keyedNetGroup(1n, 2n, groups.getGroup(NetAddress.parse('1.3.3.4'))));
  assert.equal(keyedNetGroup(1n, 2n, g), keyedNetGroup(1n, 2n, groups.getGroup(NetAddress.parse('1.2.200.200'))));
});
