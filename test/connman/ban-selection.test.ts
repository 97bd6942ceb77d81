/**
 * One ban system: the PeerManager wires its BanMan into the address table (AddrManOptions.isBanned), so
 * the table's dialling choice skips what BanMan bans or discourages — as Core's OpenNetworkConnection
 * refuses both — and follows an unban at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { Subnet } from '../../src/address/subnet.js';
import { records, Sim } from '../../src/sim/network.js';

test('selectForConnection skips banned and discouraged addresses and takes them back after an unban', async () => {
  const sim = new Sim();
  const me = sim.node('30.0.0.1');
  me.addrman.add([...records(10, sim.clock.nowSeconds() - 3600), ...records(10, sim.clock.nowSeconds() - 3600, 0, 121)], NetAddress.parse('9.9.9.9'));
  me.ban(Subnet.parse('120.0.0.0/8'));
  for (let i = 0; i < 12; i++) me.banman.discourage(NetAddress.parse(`121.${i}.0.1`));
  for (let i = 0; i < 50; i++) assert.equal(me.addrman.selectForConnection(), undefined, 'every address is banned or discouraged');
  me.unban(Subnet.parse('120.0.0.0/8'));
  const chosen = me.addrman.selectForConnection();
  assert.equal(chosen?.service.addr.bytes[0], 120);
  await sim.stopAll();
});
