/**
 * Connection permissions: Core's netpermissions_test (src/test/netbase_tests.cpp) and
 * p2p_permissions.py, against src/connman/permissions.ts and, for listeners and directions, a
 * PeerManager on the simulated network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { Subnet } from '../../src/address/subnet.js';
import {
  hasPermission, Permission, PERMISSION_ALL, permissionNames, parseWhitebind, parseWhitelist, resolvePermissions,
} from '../../src/connman/policy/permissions.js';
import { ParseError } from '../../src/util/errors.js';
import { peerOf, RawPeer, Sim, svc } from '../../src/sim/network.js';

const flagsOf = (text: string): number => parseWhitebind(text).flags;
const refuses = (fn: () => unknown, message: string): void => {
  assert.throws(fn, (e: unknown) => e instanceof ParseError && e.message === message, message);
};

test('an entry without "@" gets the implicit permissions; "@addr" gets none', () => {
  assert.equal(flagsOf('1.2.3.4:32'), Permission.IMPLICIT);
  assert.equal(parseWhitelist('1.2.3.4').flags, Permission.IMPLICIT);
  assert.equal(flagsOf('@1.2.3.4:32'), Permission.NONE);
  assert.equal(flagsOf('bloom@1.2.3.4:32'), Permission.BLOOMFILTER);
  assert.equal(flagsOf('bloomfilter@1.2.3.4:32'), Permission.BLOOMFILTER);
  assert.equal(flagsOf(',,bloom,,@1.2.3.4:32'), Permission.BLOOMFILTER, 'empty names are allowed');
});

test('noban implies download, but download does not imply noban', () => {
  const noban = flagsOf('noban@1.2.3.4:32');
  assert.equal(noban, Permission.NOBAN);
  assert.ok(hasPermission(noban, Permission.DOWNLOAD));
  assert.equal(flagsOf('noban,download@1.2.3.4:32'), noban);
  assert.equal(flagsOf('download,noban@1.2.3.4:32'), noban);
  const download = flagsOf('download@1.2.3.4:32');
  assert.equal(download, Permission.DOWNLOAD);
  assert.ok(!hasPermission(download, Permission.NOBAN));
});

test('forcerelay implies relay; "all" is every permission', () => {
  assert.equal(flagsOf('bloom,forcerelay@1.2.3.4:32'), Permission.BLOOMFILTER | Permission.FORCERELAY | Permission.RELAY);
  assert.ok(hasPermission(flagsOf('forcerelay@1.2.3.4:32'), Permission.RELAY));
  assert.ok(!hasPermission(flagsOf('relay@1.2.3.4:32'), Permission.FORCERELAY));
  assert.equal(flagsOf('bloom,relay,noban@1.2.3.4:32'), Permission.BLOOMFILTER | Permission.RELAY | Permission.NOBAN);
  assert.equal(flagsOf('all@1.2.3.4:32'), PERMISSION_ALL);
  assert.equal(parseWhitelist('bloom,forcerelay,noban,relay,mempool,addr@1.2.3.4/32').flags,
    Permission.BLOOMFILTER | Permission.FORCERELAY | Permission.NOBAN | Permission.MEMPOOL | Permission.ADDR);
});

test('an unknown permission is refused with Core\'s message, names are not trimmed or case-folded', () => {
  refuses(() => parseWhitebind('bloom,forcerelay,oopsie@1.2.3.4:32'), "Invalid P2P permission: 'oopsie'");
  refuses(() => parseWhitelist('oopsie@1.2.3.4'), "Invalid P2P permission: 'oopsie'");
  refuses(() => parseWhitelist('noban,Relay@1.2.3.4'), "Invalid P2P permission: 'Relay'");
  refuses(() => parseWhitelist('noban, relay@1.2.3.4'), "Invalid P2P permission: ' relay'");
});

test('whitelist directions: in by default, in, out or both; a direction alone is refused', () => {
  assert.equal(parseWhitelist('noban@1.2.3.4').direction, 'in');
  assert.equal(parseWhitelist('1.2.3.4').direction, 'in');
  assert.equal(parseWhitelist('in,noban@1.2.3.4').direction, 'in');
  assert.equal(parseWhitelist('out,noban@1.2.3.4').direction, 'out');
  assert.equal(parseWhitelist('noban,in,out@1.2.3.4').direction, 'both');
  assert.equal(parseWhitelist('out,noban@1.2.3.4').flags, Permission.NOBAN, 'directions are not permissions');
  refuses(() => parseWhitelist('in@1.2.3.4'), "Only direction was set, no permissions: 'in@1.2.3.4'");
  refuses(() => parseWhitelist('out,in@1.2.3.4'), "Only direction was set, no permissions: 'out,in@1.2.3.4'");
});

test('whitebind takes "in" but refuses "out"', () => {
  assert.equal(flagsOf('in,noban@1.2.3.4:32'), Permission.NOBAN);
  refuses(() => parseWhitebind('in@1.2.3.4:32'), "Only direction was set, no permissions: 'in@1.2.3.4:32'");
  refuses(() => parseWhitebind('out,forcerelay@1.2.3.4:32'), 'whitebind may only be used for incoming connections ("out" was passed)');
});

test('a whitelist needs a subnet; the subnet is parsed like -setban\'s', () => {
  refuses(() => parseWhitelist('bloom,forcerelay,noban@1.2.3.4:32'), "Invalid netmask specified in -whitelist: '1.2.3.4:32'");
  refuses(() => parseWhitelist('noban@nothing'), "Invalid netmask specified in -whitelist: 'nothing'");
  refuses(() => parseWhitelist('1.2.3.4/33'), "Invalid netmask specified in -whitelist: '1.2.3.4/33'");
  refuses(() => parseWhitelist(''), "Invalid netmask specified in -whitelist: ''");
  const w = parseWhitelist('noban@1.2.3.4/32');
  assert.equal(w.subnet.toString(), '1.2.3.4/32');
  assert.ok(parseWhitelist('noban@10.0.0.0/8').subnet.match(NetAddress.parse('10.200.1.1')));
});

test('a whitebind needs an address and a port', () => {
  refuses(() => parseWhitebind('127.0.0.1'), "Need to specify a port with -whitebind: '127.0.0.1'");
  refuses(() => parseWhitebind('noban@[::1]'), "Need to specify a port with -whitebind: '[::1]'");
  refuses(() => parseWhitebind('1.2.3.4:0'), "Need to specify a port with -whitebind: '1.2.3.4:0'");
  refuses(() => parseWhitebind(''), "Cannot resolve -whitebind address: ''");
  refuses(() => parseWhitebind('noban@127.0.0.1/10'), "Cannot resolve -whitebind address: '127.0.0.1/10'");
  assert.equal(parseWhitebind('noban@[::1]:8333').service.toString(), '[::1]:8333');
});

test('permission names come in Core\'s ToStrings order', () => {
  assert.deepEqual(permissionNames(PERMISSION_ALL), ['bloomfilter', 'noban', 'forcerelay', 'relay', 'mempool', 'download', 'addr']);
  assert.deepEqual(permissionNames(Permission.NOBAN), ['noban', 'download']);
  assert.deepEqual(permissionNames(Permission.FORCERELAY), ['forcerelay', 'relay']);
  assert.deepEqual(permissionNames(Permission.NONE), []);
});

test('implicit permissions resolve to relay, mempool and noban (forcerelay with whitelistforcerelay); entries add up', () => {
  const at = NetAddress.parse('1.2.3.4');
  const implicit = [parseWhitelist('1.2.3.0/24')];
  assert.deepEqual(permissionNames(resolvePermissions(0, at, false, implicit)), ['noban', 'relay', 'mempool', 'download']);
  assert.deepEqual(permissionNames(resolvePermissions(0, at, false, implicit, { whitelistRelay: false })), ['noban', 'mempool', 'download']);
  assert.deepEqual(permissionNames(resolvePermissions(0, at, false, implicit, { whitelistForceRelay: true })),
    ['noban', 'forcerelay', 'relay', 'mempool', 'download']);
  assert.ok(!hasPermission(resolvePermissions(0, at, false, implicit), Permission.IMPLICIT));
  // Explicit flags are not expanded; several matching entries are OR'ed; others do not apply.
  const list = [parseWhitelist('noban,mempool@1.2.3.4'), parseWhitelist('addr@1.2.0.0/16'), parseWhitelist('bloom@5.0.0.0/8')];
  assert.deepEqual(permissionNames(resolvePermissions(0, at, false, list, { whitelistForceRelay: true })), ['noban', 'mempool', 'download', 'addr']);
  // A whitebind listener's flags are the base.
  assert.deepEqual(permissionNames(resolvePermissions(flagsOf('relay@0.0.0.0:1'), at, false, [])), ['relay']);
  assert.deepEqual(permissionNames(resolvePermissions(flagsOf('0.0.0.0:1'), at, false, [])), ['noban', 'relay', 'mempool', 'download']);
});

test('whitelist entries apply to the directions they name', () => {
  const at = NetAddress.parse('1.2.3.4');
  const inOnly = [parseWhitelist('noban@1.2.3.4')];
  const outOnly = [parseWhitelist('noban,out@1.2.3.4')];
  const both = [parseWhitelist('noban,in,out@1.2.3.4')];
  assert.equal(resolvePermissions(0, at, false, inOnly), Permission.NOBAN);
  assert.equal(resolvePermissions(0, at, true, inOnly), 0);
  assert.equal(resolvePermissions(0, at, false, outOnly), 0);
  assert.equal(resolvePermissions(0, at, true, outOnly), Permission.NOBAN);
  assert.equal(resolvePermissions(0, at, true, both), Permission.NOBAN);
  assert.equal(resolvePermissions(0, at, false, both), Permission.NOBAN);
});

// ---- manager level (p2p_permissions.py) ----------------------------------------------------------

test('a whitebind listener grants its permissions to the peers it accepts; a plain bind grants none', async () => {
  const sim = new Sim();
  const me = sim.node('10.1.1.1', { bind: ['10.1.1.1:18444'], whitebind: ['noban,addr@10.1.1.1:18445', '10.1.1.1:18446'] });
  await sim.startAll();
  const plain = await RawPeer.dial(sim, '60.0.0.1', svc('10.1.1.1', 18444));
  const white = await RawPeer.dial(sim, '60.1.0.1', svc('10.1.1.1', 18445));
  const implicit = await RawPeer.dial(sim, '60.2.0.1', svc('10.1.1.1', 18446));
  const names = (raw: RawPeer): string[] => permissionNames(me.peerDetails().find((d) => d.id === peerOf(me, raw).id)!.permissions);
  assert.deepEqual(names(plain), []);
  assert.deepEqual(names(white), ['noban', 'download', 'addr']);
  assert.deepEqual(names(implicit), ['noban', 'relay', 'mempool', 'download']);
  await sim.stopAll();
});

test('noban lets a banned address connect; an "out" whitelist entry applies to our own dials only', async () => {
  const sim = new Sim();
  const me = sim.node('10.1.1.1', { whitelist: ['noban@60.1.0.1', 'noban,out@70.0.0.1'] });
  await sim.startAll();
  me.ban(Subnet.parse('60.0.0.0/8'));
  const banned = await RawPeer.dial(sim, '60.0.0.1', svc('10.1.1.1'));
  const exempt = await RawPeer.dial(sim, '60.1.0.1', svc('10.1.1.1'));
  assert.ok(banned.closed, 'a banned address is refused');
  assert.ok(!exempt.closed && peerOf(me, exempt).isReady, 'noban bypasses the ban');
  const listener = await RawPeer.listen(sim, '70.0.0.1');
  assert.equal(await me.openConnection(listener.service, 'manual'), true);
  const inboundFromSameIp = await RawPeer.dial(sim, '70.0.0.1', svc('10.1.1.1'));
  const outPeer = me.peers().find((p) => !p.inbound && p.addr.equals(listener.service))!;
  assert.deepEqual(permissionNames(outPeer.permissions), ['noban', 'download']);
  assert.deepEqual(permissionNames(peerOf(me, inboundFromSameIp).permissions), []);
  await sim.stopAll();
});
