import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { bytesToHex } from '../../src/util/hex.js';

test('host:port forms parse like Core SplitHostPort', () => {
  assert.equal(NetService.parse('1.2.3.4:8333').toString(), '1.2.3.4:8333');
  assert.equal(NetService.parse('1.2.3.4', 8333).toString(), '1.2.3.4:8333');
  assert.equal(NetService.parse('[2001:db8::1]:8333').toString(), '[2001:db8::1]:8333');
  assert.equal(NetService.parse('2001:4860::1', 18444).toString(), '[2001:4860::1]:18444');
  assert.equal(NetService.parse('[::1]', 5).toString(), '[::1]:5');
  const onion = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
  assert.equal(NetService.parse(`${onion}:8333`).toString(), `${onion}:8333`);
});

test('bad ports and brackets are ParseErrors', () => {
  for (const s of ['1.2.3.4:65536', '1.2.3.4:x', '[::1:80', '::1]:80', '1.2.3.4:-1']) {
    assert.throws(() => NetService.parse(s), { code: 'ERR_PARSE' }, s);
  }
});

test('getKey is address bytes then port big-endian, and ports make distinct keys', () => {
  const a = NetService.parse('250.1.1.1:8333');
  assert.equal(bytesToHex(a.getKey()), '00000000000000000000fffffa010101208d');
  assert.notEqual(a.key, NetService.parse('250.1.1.1:8334').key);
  assert.equal(a.key, NetService.parse('::ffff:250.1.1.1', 8333).key);
});

test('JSON.stringify writes services and addresses as their text forms', () => {
  const onion = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
  const value = {
    v4: NetService.parse('1.2.3.4:8333'),
    v6: NetService.parse('[2001:db8::1]:18444'),
    tor: NetService.parse(`${onion}:8333`),
    addrs: [NetAddress.parse('1.2.3.4'), NetAddress.parse('2001:db8::1'), NetAddress.parse(onion)],
  };
  assert.equal(JSON.stringify(value),
    `{"v4":"1.2.3.4:8333","v6":"[2001:db8::1]:18444","tor":"${onion}:8333","addrs":["1.2.3.4","2001:db8::1","${onion}"]}`);
  const back = JSON.parse(JSON.stringify(value)) as { v6: string };
  assert.ok(NetService.parse(back.v6).equals(value.v6), 'the text parses back to the same service');
});
