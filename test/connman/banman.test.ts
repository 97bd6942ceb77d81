import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { Subnet } from '../../src/address/subnet.js';
import { BanMan, DEFAULT_BAN_TIME_S } from '../../src/connman/banman.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';

const addr = (s: string): NetAddress => NetAddress.parse(s);
const setup = (opts: ConstructorParameters<typeof BanMan>[2] = {}) => {
  const clock = new VirtualClock(1_700_000_000_000);
  return { clock, bans: new BanMan(clock, ChaChaRandom.fromSeed(1), opts) };
};

test('a default ban lasts 24 h and covers exactly its subnet', () => {
  const { clock, bans } = setup();
  const e = bans.ban(Subnet.parse('1.2.3.0/24'));
  assert.equal(e.until - e.created, DEFAULT_BAN_TIME_S);
  assert.ok(bans.isBanned(addr('1.2.3.77')));
  assert.ok(!bans.isBanned(addr('1.2.4.1')));
  assert.ok(!bans.isBanned(addr('::ffff:1.2.4.1')));
  clock.advance(DEFAULT_BAN_TIME_S * 1000 - 1000);
  assert.ok(bans.isBanned(addr('1.2.3.77')));
  clock.advance(1000);
  assert.ok(!bans.isBanned(addr('1.2.3.77')));
  assert.deepEqual(bans.list(), []);
});

test('absolute expiry is stored as given and bans are only extended, never shortened', () => {
  const { clock, bans } = setup();
  const now = clock.nowSeconds();
  bans.ban(Subnet.parse('5.6.7.8'), { time: now + 1000, absolute: true });
  assert.equal(bans.list()[0].until, now + 1000);
  bans.ban(Subnet.parse('5.6.7.8'), { time: 10 });
  assert.equal(bans.list()[0].until, now + 1000);
  bans.ban(Subnet.parse('5.6.7.8'), { time: 5000 });
  assert.equal(bans.list()[0].until, now + 5000);
});

test('unban, clear and the change callback', () => {
  let changes = 0;
  const { bans } = setup({ onChange: () => { changes++; } });
  const s = Subnet.parse('2001:db8:1::/48');
  bans.ban(s);
  assert.ok(bans.isSubnetBanned(s));
  assert.equal(bans.unban(s), true);
  assert.equal(bans.unban(s), false);
  bans.ban(Subnet.parse('9.9.9.9'));
  bans.clear();
  assert.equal(bans.size, 0);
  assert.equal(changes, 4);
});

test('the list is capped: past the limit the soonest-expiring ban is dropped', () => {
  const { bans } = setup({ maxEntries: 100 });
  for (let i = 0; i < 150; i++) bans.ban(Subnet.single(NetAddress.ipv4(Uint8Array.of(10, 0, i >> 8, i & 0xff))), { time: 1000 + i });
  assert.equal(bans.size, 100);
  assert.ok(!bans.isBanned(NetAddress.ipv4(Uint8Array.of(10, 0, 0, 0))));
  assert.ok(bans.isBanned(NetAddress.ipv4(Uint8Array.of(10, 0, 0, 149))));
});

test('discouragement is remembered per address and is not a ban', () => {
  const { bans } = setup();
  const a = addr('8.8.8.8');
  assert.ok(!bans.isDiscouraged(a));
  bans.discourage(a);
  assert.ok(bans.isDiscouraged(a));
  assert.ok(!bans.isDiscouraged(addr('8.8.8.9')));
  assert.ok(!bans.isBanned(a));
  assert.deepEqual(bans.list(), []);
});

test('load drops expired and invalid entries and keeps onion single-address bans', () => {
  const { clock, bans } = setup();
  const now = clock.nowSeconds();
  const onion = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
  bans.load([
    { subnet: Subnet.parse(onion), created: now - 10, until: now + 100 },
    { subnet: Subnet.parse('1.1.1.1'), created: now - 10, until: now - 1 },
  ]);
  assert.equal(bans.size, 1);
  assert.ok(bans.isBanned(addr(onion)));
});
