import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { Net } from '../../src/address/network.js';
import { ByteReader, ByteWriter } from '../../src/util/bytes.js';
import { DecodeError, ParseError } from '../../src/util/errors.js';
import { bytesToHex, hexToBytes } from '../../src/util/hex.js';

const TORV3 = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
const I2P = 'ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p';
const v1 = (a: NetAddress): string => bytesToHex(a.toV1());
const v2 = (a: NetAddress): string => bytesToHex(a.toV2());

test('v1 serialisation matches Core cnetaddr_serialize_v1', () => {
  assert.equal(v1(NetAddress.invalid()), '00000000000000000000000000000000');
  assert.equal(v1(NetAddress.parse('1.2.3.4')), '00000000000000000000ffff01020304');
  assert.equal(v1(NetAddress.parse('1a1b:2a2b:3a3b:4a4b:5a5b:6a6b:7a7b:8a8b')), '1a1b2a2b3a3b4a4b5a5b6a6b7a7b8a8b');
  assert.equal(v1(NetAddress.parse(TORV3)), '00000000000000000000000000000000');
  assert.equal(v1(NetAddress.internal('a')), 'fd6b88c08724ca978112ca1bbdcafac2');
});

test('v2 serialisation matches Core cnetaddr_serialize_v2', () => {
  assert.equal(v2(NetAddress.invalid()), '021000000000000000000000000000000000');
  assert.equal(v2(NetAddress.parse('1.2.3.4')), '010401020304');
  assert.equal(v2(NetAddress.parse('1a1b:2a2b:3a3b:4a4b:5a5b:6a6b:7a7b:8a8b')), '02101a1b2a2b3a3b4a4b5a5b6a6b7a7b8a8b');
  assert.equal(v2(NetAddress.parse('kpgvmscirrdqpekbqjsvw5teanhatztpp2gl6eee4zkowvwfxwenqaid.onion')),
    '042053cd5648488c4707914182655b7664034e09e66f7e8cbf1084e654eb56c5bd88');
  assert.equal(v2(NetAddress.internal('a')), '0210fd6b88c08724ca978112ca1bbdcafac2');
});

/** Decodes one v2 address from hex and reports (address, whether the stream was fully consumed). */
function readV2(hex: string): { addr: NetAddress; done: boolean } {
  const r = new ByteReader(hexToBytes(hex));
  const addr = NetAddress.readV2(r);
  return { addr, done: r.done };
}

test('v2 deserialisation matches Core cnetaddr_unserialize_v2', () => {
  let d = readV2('010401020304');
  assert.ok(d.addr.isValid() && d.addr.isIPv4() && d.done);
  assert.equal(d.addr.toString(), '1.2.3.4');
  assert.throws(() => readV2('01040102'), (e: unknown) => e instanceof DecodeError && e.message.startsWith('end of data'));
  assert.throws(() => readV2('010501020304'), { message: 'BIP155 IPv4 address with length 5 (should be 4)' });
  assert.throws(() => readV2('01fd010201020304'), { message: 'Address too long: 513 > 512' });
  d = readV2('02100102030405060708090a0b0c0d0e0f10');
  assert.ok(d.addr.isValid() && d.addr.isIPv6() && d.done);
  assert.equal(d.addr.toString(), '102:304:506:708:90a:b0c:d0e:f10');
  d = readV2('0210fd6b88c08724ca978112ca1bbdcafac2');
  assert.ok(d.addr.isInternal() && d.done);
  assert.equal(d.addr.toString(), 'zklycewkdo64v6wc.internal');
  assert.throws(() => readV2('020400'), { message: 'BIP155 IPv6 address with length 4 (should be 16)' });
  d = readV2('021000000000000000000000ffff01020304');
  assert.ok(!d.addr.isValid() && d.done);
  d = readV2('0210fd87d87eeb430102030405060708090a');
  assert.ok(!d.addr.isValid() && d.done);
  d = readV2('030af1f2f3f4f5f6f7f8f9fa');
  assert.ok(!d.addr.isValid() && d.done);
  d = readV2('042079bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f');
  assert.ok(d.addr.isValid() && d.addr.isTor() && d.done);
  assert.equal(d.addr.toString(), TORV3);
  assert.throws(() => readV2('040000'), { message: 'BIP155 TORv3 address with length 0 (should be 32)' });
  d = readV2('0520a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87');
  assert.ok(d.addr.isValid() && d.addr.isI2P() && d.done);
  assert.equal(d.addr.toString(), I2P);
  assert.throws(() => readV2('050300'), { message: 'BIP155 I2P address with length 3 (should be 32)' });
  d = readV2('0610fc000001000200030004000500060007');
  assert.ok(d.addr.isValid() && d.addr.isCJDNS() && d.done);
  assert.equal(d.addr.toString(), 'fc00:1:2:3:4:5:6:7');
  d = readV2('0610aa000001000200030004000500060007');
  assert.ok(d.addr.isCJDNS() && !d.addr.isValid() && d.done);
  assert.throws(() => readV2('060100'), { message: 'BIP155 CJDNS address with length 1 (should be 16)' });
  assert.throws(() => readV2('aafe0000000201020304050607'), { message: 'Address too long: 33554432 > 512' });
  d = readV2('aa0401020304');
  assert.ok(!d.addr.isValid() && d.done);
  d = readV2('aa00');
  assert.ok(!d.addr.isValid() && d.done);
});

test('string parsing matches Core cnetaddr_basic', () => {
  assert.ok(!NetAddress.parse('0.0.0.0').isValid());
  assert.ok(NetAddress.parse('0.0.0.0').isBindAny());
  assert.ok(!NetAddress.parse('255.255.255.255').isValid());
  const a = NetAddress.parse('12.34.56.78');
  assert.ok(a.isIPv4() && a.isValid() && a.isAddrV1Compatible());
  assert.equal(a.toString(), '12.34.56.78');
  assert.ok(!NetAddress.parse('::').isValid() && NetAddress.parse('::').isBindAny());
  const v6 = NetAddress.parse('1122:3344:5566:7788:9900:aabb:ccdd:eeff');
  assert.ok(v6.isIPv6() && v6.isValid());
  assert.equal(v6.toString(), '1122:3344:5566:7788:9900:aabb:ccdd:eeff');
  const scoped = NetAddress.parse('fe80::1%32');
  assert.equal(scoped.toString(), 'fe80::1%32');
  assert.throws(() => NetAddress.parse('6hzph5hv6337r6p2.onion'), /Tor v2/);
  const tor = NetAddress.parse(TORV3);
  assert.ok(tor.isTor() && tor.isValid() && !tor.isAddrV1Compatible());
  assert.equal(tor.toString(), TORV3);
  assert.equal(NetAddress.parse(TORV3.toUpperCase()).toString(), TORV3);
  // Bad checksum (one character changed) and bad version.
  assert.throws(() => NetAddress.parse('pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscrye.onion'), ParseError);
  assert.throws(() => NetAddress.parse('pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscrya.onion'), ParseError);
  assert.throws(() => NetAddress.parse(`${TORV3.slice(0, 10)}\0${TORV3.slice(10)}`), ParseError);
  assert.throws(() => NetAddress.parse('pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscry.onion'), ParseError);
  assert.throws(() => NetAddress.parse('pg6mmjiyjmcrsslvykfwnntl!!u7p5svn6y2ymmju6nubxndf4pscryd.onion'), ParseError);
  const i2p = NetAddress.parse(I2P);
  assert.ok(i2p.isI2P() && i2p.isValid() && !i2p.isAddrV1Compatible());
  assert.equal(i2p.toString(), I2P);
  assert.equal(NetAddress.parse(I2P.toUpperCase()).toString(), I2P);
  assert.throws(() => NetAddress.parse('ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkd.b32.i2p'), ParseError);
  assert.throws(() => NetAddress.parse('ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq=.b32.i2p'), ParseError);
  assert.throws(() => NetAddress.parse('ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdqsssa.b32.i2p'), ParseError);
  assert.throws(() => NetAddress.parse('ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdr.b32.i2p'), /padding/);
  assert.equal(NetAddress.internal('esffpp').toString(), 'esffpvrt3wpeaygy.internal');
  assert.ok(NetAddress.parse('esffpvrt3wpeaygy.internal').equals(NetAddress.internal('esffpp')));
});

test('IPv6 text is RFC 5952 canonical (Core cnetaddr_tostring_canonical_ipv6)', () => {
  const cases: Array<[string, string]> = [
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['000:0000:000:00:0:00:000:0000', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:db8:85a3::8a2e:370:7334'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:aaaa:bbbb:cccc:dddd:0:1', '2001:db8:aaaa:bbbb:cccc:dddd:0:1'],
    ['2001:db8:aaaa:bbbb:cccc:dddd::1', '2001:db8:aaaa:bbbb:cccc:dddd:0:1'],
    ['2001:db8::1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8:85a3:0:0:8a2e:370:7334', '2001:db8:85a3::8a2e:370:7334'],
    ['::ffff:0:102:304', '::ffff:0:102:304'],
  ];
  for (const [input, out] of cases) assert.equal(NetAddress.parse(input).toString(), out, input);
});

test('IPv4-mapped IPv6 text becomes IPv4, Core\'s embedded_test', () => {
  const a = NetAddress.parse('::FFFF:0102:0304');
  assert.ok(a.isIPv4());
  assert.ok(a.equals(NetAddress.parse('1.2.3.4')));
  assert.ok(NetAddress.parse('::ffff:1.2.3.4').equals(NetAddress.parse('1.2.3.4')));
});

test('the internal prefix refuses to parse from text, as in Core netbase_lookupnumeric', () => {
  assert.throws(() => NetAddress.parse('fd6b:88c0:8724:edb1:8e4:3588:e546:35ca'), ParseError);
});

test('bad strings get a ParseError that names the problem', () => {
  for (const s of ['', '1.2.3', '1.2.3.256', '1.2.3.4.5', 'a.b.c.d', '1::2::3', '12345::', 'fe80::1%eth0', 'foo.i2p', 'x.onion', '1:2:3:4:5:6:7:8:9']) {
    assert.throws(() => NetAddress.parse(s), ParseError, s);
  }
});

test('network classification matches Core netbase_networks', () => {
  assert.equal(NetAddress.parse('127.0.0.1').getNetwork(), Net.UNROUTABLE);
  assert.equal(NetAddress.parse('::1').getNetwork(), Net.UNROUTABLE);
  assert.equal(NetAddress.parse('8.8.8.8').getNetwork(), Net.IPV4);
  assert.equal(NetAddress.parse('2001::8888').getNetwork(), Net.IPV6);
  assert.equal(NetAddress.parse(TORV3).getNetwork(), Net.ONION);
  assert.equal(NetAddress.internal('foo.com').getNetwork(), Net.INTERNAL);
});

test('RFC predicates match Core netbase_properties', () => {
  const p = (s: string): NetAddress => NetAddress.parse(s, { cjdns: false });
  assert.ok(p('127.0.0.1').isIPv4() && p('127.0.0.1').isLocal());
  assert.ok(p('::FFFF:192.168.1.1').isIPv4());
  assert.ok(p('::1').isIPv6() && p('::1').isLocal());
  assert.ok(p('10.0.0.1').isRFC1918() && p('192.168.1.1').isRFC1918() && p('172.31.255.255').isRFC1918());
  assert.ok(!p('172.32.0.0').isRFC1918());
  assert.ok(p('198.18.0.0').isRFC2544() && p('198.19.255.255').isRFC2544());
  assert.ok(p('2001:0DB8::').isRFC3849() && !p('2001:0DB8::').isValid());
  assert.ok(p('169.254.1.1').isRFC3927());
  assert.ok(p('2002::1').isRFC3964());
  assert.ok(p('FC00::').isRFC4193());
  assert.ok(p('2001::2').isRFC4380());
  assert.ok(p('2001:10::').isRFC4843() && p('2001:20::').isRFC7343());
  assert.ok(p('FE80::').isRFC4862());
  assert.ok(p('64:FF9B::').isRFC6052());
  assert.ok(p('100.64.0.0').isRFC6598() && p('100.127.255.255').isRFC6598() && !p('100.128.0.0').isRFC6598());
  assert.ok(p('192.0.2.0').isRFC5737() && p('198.51.100.1').isRFC5737() && p('203.0.113.5').isRFC5737());
  assert.ok(p('3FFF::').isRFC9637() && p('3FFF:0FFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF').isRFC9637());
  assert.ok(!p('3FFF:1000::').isRFC9637() && !p('3FFF::').isValid());
  assert.ok(p('2001:470:abcd::').isHeNet());
  assert.ok(p('::FFFF:0:102:304').isRFC6145());
  assert.ok(!p('1.2.3.4').isLocal() && p('0.1.2.3').isLocal());
  assert.ok(NetAddress.internal('foo').isInternal() && !NetAddress.internal('foo').isValid());
});

test('routability: private, documentation, link-local, internal and local are not routable; class E is', () => {
  for (const s of ['10.1.1.1', '192.168.0.1', '127.0.0.1', '169.254.0.1', '100.64.1.1', '198.18.0.1', '192.0.2.1', 'fe80::1', 'fd00::1', '2001:10::1', '::1']) {
    assert.ok(!NetAddress.parse(s, { cjdns: false }).isRoutable(), s);
  }
  for (const s of ['1.2.3.4', '250.1.1.1', '2001:4860::8888', TORV3, I2P, 'fc00:1:2:3:4:5:6:7']) {
    assert.ok(NetAddress.parse(s).isRoutable(), s);
  }
});

test('fc00::/8 text is CJDNS by default and IPv6 with cjdns: false', () => {
  assert.ok(NetAddress.parse('fc00::1').isCJDNS());
  assert.ok(NetAddress.parse('fc00::1', { cjdns: false }).isIPv6());
  assert.ok(NetAddress.parse('fd00::1').isIPv6());
});

test('Tor v2 in the v1 form decodes to the invalid address', () => {
  const a = NetAddress.fromV1(hexToBytes('fd87d87eeb430102030405060708090a'));
  assert.ok(!a.isValid());
  assert.ok(a.equals(NetAddress.invalid()));
});

test('reachability from partner networks follows Core GetReachabilityFrom', () => {
  const v4 = NetAddress.parse('1.2.3.4');
  const v6 = NetAddress.parse('2001:4860::1');
  const teredo = NetAddress.parse('2001::1');
  const sixToFour = NetAddress.parse('2002:102:304::1');
  const tor = NetAddress.parse(TORV3);
  assert.equal(v4.getReachabilityFrom(v4), 4);
  assert.equal(v6.getReachabilityFrom(v4), 1);
  assert.equal(v6.getReachabilityFrom(v6), 5);
  assert.equal(sixToFour.getReachabilityFrom(v6), 3);
  assert.equal(teredo.getReachabilityFrom(v6), 2);
  assert.equal(tor.getReachabilityFrom(tor), 6);
  assert.equal(v4.getReachabilityFrom(tor), 4);
  assert.equal(tor.getReachabilityFrom(undefined), 6);
  assert.equal(NetAddress.parse('10.0.0.1').getReachabilityFrom(v4), 0);
});

// ---- properties ---------------------------------------------------------------------------

const arbAddress = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => NetAddress.ipv4(b)),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => NetAddress.fromV1(b)),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => NetAddress.torV3(b)),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => NetAddress.i2p(b)),
  fc.uint8Array({ minLength: 15, maxLength: 15 }).map((b) => NetAddress.cjdns(Uint8Array.from([0xfc, ...b]))),
  fc.string().map((s) => NetAddress.internal(s)),
);

test('parse(format(a)) == a for every network (property)', () => {
  fc.assert(fc.property(arbAddress, (a) => {
    if (a.isInternal() || (a.isIPv6() && a.bytes[0] === 0xfc)) return; // fc00::/8 text reads back as CJDNS by default
    if (a.isIPv6() && a.equals(NetAddress.invalid())) return;
    assert.ok(NetAddress.parse(a.toString()).equals(a), a.toString());
  }), { numRuns: 2000 });
});

test('decode(encode(a)) == a for the v2 form, and for v1 where representable (property)', () => {
  fc.assert(fc.property(arbAddress, (a) => {
    assert.ok(NetAddress.fromV2Bytes(a.toV2()).equals(a));
    if (a.isAddrV1Compatible()) assert.ok(NetAddress.fromV1(a.toV1()).equals(a));
  }), { numRuns: 2000 });
});

test('NetService round-trips through text and both wire forms (property)', () => {
  fc.assert(fc.property(arbAddress, fc.integer({ min: 0, max: 65535 }), (a, port) => {
    const s = new NetService(a, port);
    if (!a.isInternal() && !(a.isIPv6() && a.bytes[0] === 0xfc)) assert.ok(NetService.parse(s.toString()).equals(s), s.toString());
    const w = new ByteWriter();
    s.writeV2(w);
    assert.ok(NetService.readV2(new ByteReader(w.toBytes())).equals(s));
  }), { numRuns: 1000 });
});

test('the v2 decoder throws only DecodeError on random bytes (property)', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (data) => {
    try {
      NetAddress.readV2(new ByteReader(data));
    } catch (e) {
      assert.ok(e instanceof DecodeError, String(e));
    }
  }), { numRuns: 5000 });
});

test('the parser throws only ParseError on random strings (property)', () => {
  fc.assert(fc.property(fc.string({ maxLength: 70 }), (s) => {
    try {
      NetAddress.parse(s);
    } catch (e) {
      assert.ok(e instanceof ParseError, `${JSON.stringify(s)}: ${String(e)}`);
    }
  }), { numRuns: 5000 });
});
