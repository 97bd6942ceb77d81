import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { MAINNET } from '../../src/wire/params.js';
import { helpText } from '../../src/rpc/args.js';
import { MAX_STOP_WAIT_MS, METHOD_SPECS } from '../../src/rpc/methods.js';
import { FULL_NODE, Sim, svc } from '../../src/sim/network.js';
import { directDispatcher, rpcError } from './helpers.js';

/** Core v28 getpeerinfo keys, in order (mapped_as, addrlocal and the ping fields only when known). */
const PEERINFO_KEYS = ['id', 'addr', 'addrbind', 'network', 'services', 'servicesnames', 'relaytxes', 'lastsend', 'lastrecv',
  'last_transaction', 'last_block', 'bytessent', 'bytesrecv', 'conntime', 'timeoffset', 'minping', 'version', 'subver', 'inbound',
  'bip152_hb_to', 'bip152_hb_from', 'startingheight', 'presynced_headers', 'synced_headers', 'synced_blocks', 'inflight',
  'addr_relay_enabled', 'addr_processed', 'addr_rate_limited', 'permissions', 'minfeefilter', 'bytessent_per_msg',
  'bytesrecv_per_msg', 'connection_type', 'transport_protocol_type', 'session_id'];

/** Core v28 getnetworkinfo keys, in order. */
const NETWORKINFO_KEYS = ['version', 'subversion', 'protocolversion', 'localservices', 'localservicesnames', 'localrelay', 'timeoffset',
  'networkactive', 'connections', 'connections_in', 'connections_out', 'networks', 'relayfee', 'incrementalfee', 'localaddresses', 'warnings'];

/** A node `me` at 10.0.0.1 with `inbound` peers dialing it and `outbound` peers it dials manually. */
async function network(inbound: number, outbound: number, over = {}) {
  const sim = new Sim();
  const me = sim.node('10.0.0.1', over);
  const ins = Array.from({ length: inbound }, (_, i) => sim.node(`20.${i}.0.1`));
  const outs = Array.from({ length: outbound }, (_, i) => sim.node(`30.${i}.0.1`));
  await sim.startAll();
  for (const n of ins) void n.openConnection(svc('10.0.0.1'), 'manual');
  for (const n of outs) void me.openConnection(svc(n.listenAddresses[0].addr.toString()), 'manual');
  await sim.run(2_000);
  return { sim, me, ins, outs, rpc: directDispatcher(me) };
}

test('getconnectioncount counts inbound and outbound peers', async () => {
  const { sim, rpc } = await network(2, 1);
  assert.equal(await rpc.call('getconnectioncount'), 3);
  await sim.stopAll();
});

test('getpeerinfo has Core\'s fields in Core\'s order with the handshake\'s values', async () => {
  const { sim, me, rpc } = await network(1, 1);
  const peers = await rpc.call('getpeerinfo');
  assert.equal(peers.length, 2);
  const inbound = peers.find((p: any) => p.inbound);
  const outbound = peers.find((p: any) => !p.inbound);
  assert.deepEqual(Object.keys(outbound), PEERINFO_KEYS);
  assert.equal(outbound.addr, '30.0.0.1:18444');
  assert.equal(outbound.network, 'ipv4');
  assert.equal(outbound.services, '0000000000000809', 'NETWORK | WITNESS | P2P_V2 (BIP324 is on by default, as in Core)');
  assert.deepEqual(outbound.servicesnames, ['NETWORK', 'WITNESS', 'P2P_V2']);
  assert.equal(outbound.version, 70016);
  assert.equal(outbound.subver, '/Peerbook:0.1.0/');
  assert.equal(outbound.connection_type, 'manual');
  assert.equal(outbound.transport_protocol_type, 'v1');
  assert.equal(outbound.session_id, '');
  assert.equal(outbound.startingheight, 0);
  assert.equal(outbound.synced_headers, -1);
  assert.deepEqual(outbound.inflight, []);
  assert.equal(outbound.minfeefilter, 0);
  assert.equal(outbound.relaytxes, true);
  assert.equal(outbound.conntime, Math.floor(me.getPeer(outbound.id)!.connectedAt / 1000));
  assert.ok(outbound.bytessent > 0 && outbound.bytesrecv > 0);
  assert.ok(outbound.bytessent_per_msg.version > 0 && outbound.bytesrecv_per_msg.verack > 0);
  assert.ok(Object.values(outbound.bytessent_per_msg).every((v) => (v as number) > 0), 'message types with 0 bytes are left out');
  assert.equal(inbound.connection_type, 'inbound');
  assert.equal(inbound.addr.split(':')[0], '20.0.0.1');
  assert.ok(typeof inbound.addrbind === 'string' && inbound.addrbind.startsWith('10.0.0.1:'));
  await sim.stopAll();
});

test('getpeerinfo shows Core\'s pre-handshake defaults for a peer that has not sent version', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const conn = await sim.net.transport(NetAddress.parse('20.9.9.9')).connect(svc('10.0.0.1'));
  await sim.run(500);
  const [peer] = await directDispatcher(me).call('getpeerinfo');
  assert.equal(peer.version, 0);
  assert.equal(peer.subver, '');
  assert.equal(peer.services, '0000000000000000');
  assert.deepEqual(peer.servicesnames, []);
  assert.equal(peer.startingheight, -1);
  assert.equal(peer.relaytxes, false);
  assert.equal('minping' in peer, false);
  assert.equal('pingtime' in peer, false);
  conn.destroy();
  await sim.stopAll();
});

test('ping returns null and makes every peer measure a ping', async () => {
  const { sim, rpc } = await network(1, 0);
  const before = (await rpc.call('getpeerinfo'))[0];
  assert.equal(await rpc.call('ping'), null);
  await sim.run(2_000);
  const after = (await rpc.call('getpeerinfo'))[0];
  assert.ok((after.bytessent_per_msg.ping ?? 0) > (before.bytessent_per_msg.ping ?? 0), 'a ping was sent');
  assert.equal(typeof after.minping, 'number');
  await sim.stopAll();
});

test('getnettotals reports the manager\'s byte counts, the time and the upload target', async () => {
  const { sim, me, rpc } = await network(1, 0, { maxUploadTarget: 5_000_000 });
  const t = await rpc.call('getnettotals');
  assert.deepEqual(Object.keys(t), ['totalbytesrecv', 'totalbytessent', 'timemillis', 'uploadtarget']);
  assert.equal(t.totalbytessent, me.totals().bytesSent);
  assert.equal(t.totalbytesrecv, me.totals().bytesRecv);
  assert.equal(t.timemillis, sim.clock.now());
  assert.deepEqual(Object.keys(t.uploadtarget), ['timeframe', 'target', 'target_reached', 'serve_historical_blocks', 'bytes_left_in_cycle', 'time_left_in_cycle']);
  assert.equal(t.uploadtarget.timeframe, 86400);
  assert.equal(t.uploadtarget.target, 5_000_000);
  assert.equal(t.uploadtarget.target_reached, false);
  assert.equal(t.uploadtarget.bytes_left_in_cycle, 5_000_000 - me.uploadTargetInfo().target + me.uploadTargetInfo().bytesLeftInCycle);
  await sim.stopAll();
});

test('getnetworkinfo has Core\'s fields in order, counts by direction, and the per-network table', async () => {
  const { sim, rpc } = await network(2, 1, { externalIp: ['1.2.3.4'], proxy: '127.0.0.1:9050' });
  const info = await rpc.call('getnetworkinfo');
  assert.deepEqual(Object.keys(info), NETWORKINFO_KEYS);
  assert.equal(info.version, 10_000);
  assert.equal(info.protocolversion, 70016);
  assert.equal(info.localservices, '0000000000000809');
  assert.equal(info.localrelay, true);
  assert.equal(info.networkactive, true);
  assert.deepEqual([info.connections, info.connections_in, info.connections_out], [3, 2, 1]);
  assert.deepEqual(info.networks.map((n: any) => n.name), ['ipv4', 'ipv6', 'onion', 'i2p', 'cjdns']);
  assert.deepEqual(info.networks[0], { name: 'ipv4', limited: false, reachable: true, proxy: '127.0.0.1:9050', proxy_randomize_credentials: true });
  assert.deepEqual(info.networks[2], { name: 'onion', limited: false, reachable: true, proxy: '127.0.0.1:9050', proxy_randomize_credentials: true });
  assert.deepEqual(info.networks[3], { name: 'i2p', limited: true, reachable: false, proxy: '', proxy_randomize_credentials: false });
  assert.equal(info.relayfee, 0.00001);
  assert.deepEqual(info.localaddresses, [{ address: '1.2.3.4', port: 18444, score: 4 }]);
  assert.deepEqual(info.warnings, []);
  await sim.stopAll();
});

test('getnetworkinfo says localrelay false in blocks-only mode and marks -onlynet networks limited', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1', { blocksOnly: true, onlyNet: ['ipv6'] });
  await sim.startAll();
  const info = await directDispatcher(me).call('getnetworkinfo');
  assert.equal(info.localrelay, false);
  assert.deepEqual(info.networks.map((n: any) => [n.name, n.limited]), [['ipv4', true], ['ipv6', false], ['onion', true], ['i2p', true], ['cjdns', true]]);
  await sim.stopAll();
});

test('setnetworkactive false disconnects everyone and returns the new state', async () => {
  const { sim, rpc } = await network(2, 0);
  assert.equal(await rpc.call('setnetworkactive', [false]), false);
  await sim.run(3_000);
  assert.equal(await rpc.call('getconnectioncount'), 0);
  assert.equal((await rpc.call('getnetworkinfo')).networkactive, false);
  assert.equal(await rpc.call('setnetworkactive', [true]), true);
  const e = await rpcError(() => rpc.call('setnetworkactive', ['false']));
  assert.equal(e.rpcCode, -3);
  assert.equal(e.message, 'Wrong type passed:\n{\n    "Position 1 (state)": "JSON value of type string is not of expected type bool"\n}');
  await sim.stopAll();
});

test('addnode add connects the node, and adding it twice is RPC_CLIENT_NODE_ALREADY_ADDED', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  sim.node('30.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  assert.equal(await rpc.call('addnode', ['30.0.0.1:18444', 'add']), null);
  await sim.run(5_000);
  assert.deepEqual(await rpc.call('getaddednodeinfo'), [
    { addednode: '30.0.0.1:18444', connected: true, addresses: [{ address: '30.0.0.1:18444', connected: 'outbound' }] },
  ]);
  const again = await rpcError(() => rpc.call('addnode', ['30.0.0.1:18444', 'add']));
  assert.deepEqual([again.rpcCode, again.message], [-23, 'Error: Node already added']);
  await sim.stopAll();
});

test('addnode treats 127.1 as the same node as 127.0.0.1, as Core resolves both', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  await rpc.call('addnode', { node: '127.0.0.1:18444', command: 'add' });
  const e = await rpcError(() => rpc.call('addnode', { node: '127.1:18444', command: 'add' }));
  assert.deepEqual([e.rpcCode, e.message], [-23, 'Error: Node already added']);
  const e2 = await rpcError(() => rpc.call('addnode', ['127.0.0.1', 'add']));
  assert.equal(e2.rpcCode, -23, 'the default port makes them equal too');
  await sim.stopAll();
});

test('addnode remove of a node never added is RPC_CLIENT_NODE_NOT_ADDED; a bad command returns the help', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1', { v2transport: false });
  await sim.startAll();
  const rpc = directDispatcher(me);
  const e = await rpcError(() => rpc.call('addnode', ['1.2.3.4:5', 'remove']));
  assert.deepEqual([e.rpcCode, e.message], [-24, 'Error: Node could not be removed. It has not been added previously.']);
  await rpc.call('addnode', ['1.2.3.4:5', 'add']);
  assert.equal(await rpc.call('addnode', ['1.2.3.4:5', 'remove']), null);
  assert.deepEqual(await rpc.call('getaddednodeinfo'), []);
  const bad = await rpcError(() => rpc.call('addnode', ['1.2.3.4:5', 'connect']));
  assert.equal(bad.rpcCode, -1);
  assert.equal(bad.message, helpText(METHOD_SPECS.find((s) => s.name === 'addnode')!));
  const v2 = await rpcError(() => rpc.call('addnode', ['1.2.3.4:5', 'onetry', true]));
  assert.deepEqual([v2.rpcCode, v2.message], [-8, 'Error: v2transport requested but not enabled (see -v2transport)']);
  await sim.stopAll();
});

test('addnode onetry opens one manual connection', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  sim.node('30.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  await rpc.call('addnode', ['30.0.0.1', 'onetry']);
  await sim.run(2_000);
  const peers = await rpc.call('getpeerinfo');
  assert.deepEqual(peers.map((p: any) => [p.addr, p.connection_type]), [['30.0.0.1', 'manual']]);
  assert.deepEqual(await rpc.call('getaddednodeinfo'), [], 'onetry nodes are not listed');
  await sim.stopAll();
});

test('getaddednodeinfo for a node not added is RPC_CLIENT_NODE_NOT_ADDED; an unconnected one has no addresses', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  const e = await rpcError(() => rpc.call('getaddednodeinfo', ['9.9.9.9']));
  assert.deepEqual([e.rpcCode, e.message], [-24, 'Error: Node has not been added.']);
  await rpc.call('addnode', ['9.9.9.9', 'add']);
  assert.deepEqual(await rpc.call('getaddednodeinfo', ['9.9.9.9']), [{ addednode: '9.9.9.9', connected: false, addresses: [] }]);
  await sim.stopAll();
});

test('disconnectnode by id or by address disconnects; both or neither or an unknown peer are errors', async () => {
  const { sim, rpc } = await network(2, 1);
  const peers = await rpc.call('getpeerinfo');
  const out = peers.find((p: any) => !p.inbound);
  const inb = peers.find((p: any) => p.inbound);
  assert.equal(await rpc.call('disconnectnode', { nodeid: inb.id }), null);
  assert.equal(await rpc.call('disconnectnode', [out.addr]), null);
  await sim.run(3_000);
  assert.equal(await rpc.call('getconnectioncount'), 1);
  const both = await rpcError(() => rpc.call('disconnectnode', ['1.2.3.4:5', 3]));
  assert.deepEqual([both.rpcCode, both.message], [-32602, 'Only one of address and nodeid should be provided.']);
  const neither = await rpcError(() => rpc.call('disconnectnode', []));
  assert.equal(neither.rpcCode, -32602);
  const unknown = await rpcError(() => rpc.call('disconnectnode', ['', 999]));
  assert.deepEqual([unknown.rpcCode, unknown.message], [-29, 'Node not found in connected nodes']);
  const byAddr = await rpcError(() => rpc.call('disconnectnode', ['1.2.3.4:5']));
  assert.equal(byAddr.rpcCode, -29);
  await sim.stopAll();
});

test('setban add bans a single IP for 24 h by default, disconnects it, and listbanned shows Core\'s fields', async () => {
  const { sim, me, rpc } = await network(1, 0);
  const now = sim.clock.nowSeconds();
  assert.equal(await rpc.call('setban', ['20.0.0.1', 'add']), null);
  await sim.run(3_000);
  assert.equal(me.nodeCount('all'), 0, 'the banned peer was disconnected');
  const later = sim.clock.nowSeconds();
  assert.deepEqual(await rpc.call('listbanned'), [
    { address: '20.0.0.1/32', ban_created: now, banned_until: now + 86400, ban_duration: 86400, time_remaining: now + 86400 - later },
  ]);
  await sim.stopAll();
});

test('setban accepts subnets, normalising them, and relative or absolute ban times', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  const now = sim.clock.nowSeconds();
  await rpc.call('setban', ['1.2.3.4/24', 'add', 3600]);
  await rpc.call('setban', ['2001:db8::/32', 'add', now + 7200, true]);
  await rpc.call('setban', ['5.6.7.8/255.255.0.0', 'add']);
  assert.deepEqual((await rpc.call('listbanned')).map((b: any) => [b.address, b.banned_until - now]), [
    ['1.2.3.0/24', 3600], ['2001:db8::/32', 7200], ['5.6.0.0/16', 86400],
  ]);
  assert.equal(await rpc.call('setban', ['1.2.3.0/24', 'remove']), null);
  assert.equal((await rpc.call('listbanned')).length, 2);
  assert.equal(await rpc.call('clearbanned'), null);
  assert.deepEqual(await rpc.call('listbanned'), []);
  await sim.stopAll();
});

test('setban errors carry Core\'s codes and messages', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  for (const bad of ['1.2.3.4/33', 'foo', '1.2.3.4/255.0.255.0', 'example.com', '']) {
    const e = await rpcError(() => rpc.call('setban', [bad, 'add']));
    assert.deepEqual([e.rpcCode, e.message], [-30, 'Error: Invalid IP/Subnet'], bad);
  }
  await rpc.call('setban', ['1.2.3.0/24', 'add']);
  const dupSubnet = await rpcError(() => rpc.call('setban', ['1.2.3.0/24', 'add']));
  assert.deepEqual([dupSubnet.rpcCode, dupSubnet.message], [-23, 'Error: IP/Subnet already banned']);
  const covered = await rpcError(() => rpc.call('setban', ['1.2.3.4', 'add']));
  assert.equal(covered.rpcCode, -23, 'a single IP inside a banned subnet is already banned');
  const past = await rpcError(() => rpc.call('setban', ['9.9.9.9', 'add', 1000, true]));
  assert.deepEqual([past.rpcCode, past.message], [-8, 'Error: Absolute timestamp is in the past']);
  const notBanned = await rpcError(() => rpc.call('setban', ['9.9.9.9', 'remove']));
  assert.deepEqual([notBanned.rpcCode, notBanned.message], [-30, 'Error: Unban failed. Requested address/subnet was not previously manually banned.']);
  const command = await rpcError(() => rpc.call('setban', ['9.9.9.9', 'ban']));
  assert.equal(command.rpcCode, -1);
  assert.ok(command.message.startsWith('setban "subnet" "command" ( bantime absolute )'));
  const type = await rpcError(() => rpc.call('setban', ['9.9.9.9', 'add', '60']));
  assert.equal(type.rpcCode, -3);
  await sim.stopAll();
});

test('getnodeaddresses returns one address by default, all with 0, filtered by network, with Core\'s fields', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const now = sim.clock.nowSeconds();
  const v4 = Array.from({ length: 5 }, (_, i) => ({ service: svc(`40.${i}.0.1`, 8333), services: FULL_NODE, time: now - 100 }));
  const v6 = [{ service: new NetService(NetAddress.parse('2a01:4f8::1'), 8333), services: 1n << 63n | 1n, time: now - 100 }];
  const terrible = [{ service: svc('41.0.0.1', 8333), services: FULL_NODE, time: 0 }];
  me.addrman.add([...v4, ...v6, ...terrible], NetAddress.parse('9.9.9.9'));
  const rpc = directDispatcher(me);
  assert.equal((await rpc.call('getnodeaddresses')).length, 1);
  const all = await rpc.call('getnodeaddresses', [0]);
  assert.equal(all.length, 6, 'the terrible entry (time 0) is filtered out');
  const six = all.find((a: any) => a.network === 'ipv6');
  assert.deepEqual(Object.keys(six), ['time', 'services', 'address', 'port', 'network']);
  assert.equal(await rpc.text('getnodeaddresses', [0, 'ipv6']),
    `[{"time":${now - 100},"services":9223372036854775809,"address":"2a01:4f8::1","port":8333,"network":"ipv6"}]`, 'services written exactly');
  assert.deepEqual((await rpc.call('getnodeaddresses', [0, 'IPv6'])).map((a: any) => a.address), ['2a01:4f8::1']);
  assert.deepEqual(await rpc.call('getnodeaddresses', { network: 'onion', count: 0 }), []);
  await rpc.call('setban', ['40.0.0.0/16', 'add']);
  assert.equal((await rpc.call('getnodeaddresses', [0])).length, 5, 'banned addresses are left out');
  await sim.stopAll();
});

test('getnodeaddresses refuses a negative count, an unknown network and a fractional count', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  const neg = await rpcError(() => rpc.call('getnodeaddresses', [-1]));
  assert.deepEqual([neg.rpcCode, neg.message], [-8, 'Address count out of range']);
  const net = await rpcError(() => rpc.call('getnodeaddresses', [1, 'Foo']));
  assert.deepEqual([net.rpcCode, net.message], [-8, 'Network not recognized: Foo']);
  const frac = await rpcError(() => rpc.call('getnodeaddresses', [1.5]));
  assert.deepEqual([frac.rpcCode, frac.message], [-1, 'JSON integer out of range']);
  const str = await rpcError(() => rpc.call('getnodeaddresses', ['1']));
  assert.equal(str.message, 'Wrong type passed:\n{\n    "Position 1 (count)": "JSON value of type string is not of expected type number"\n}');
  await sim.stopAll();
});

test('addpeeraddress adds to new or tried, and reports Core\'s errors', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  assert.deepEqual(await rpc.call('addpeeraddress', ['1.2.3.4', 8333]), { success: true });
  const dup = await rpc.call('addpeeraddress', ['1.2.3.4', 8333]);
  assert.deepEqual(Object.keys(dup), ['error', 'success'], 'error comes first, as Core pushes it first');
  assert.deepEqual(dup, { error: 'failed-adding-to-new', success: false });
  assert.deepEqual(await rpc.call('addpeeraddress', ['', 8333]), { success: false });
  assert.deepEqual(await rpc.call('addpeeraddress', ['127.0.0.1', 8333]), { error: 'failed-adding-to-new', success: false });
  assert.deepEqual(await rpc.call('addpeeraddress', ['2.3.4.5', 8333, true]), { success: true });
  assert.equal(me.addrman.getInfo(svc('2.3.4.5', 8333))?.inTried, true);
  assert.equal(me.addrman.getInfo(svc('1.2.3.4', 8333))?.record.services, 9n);
  const port = await rpcError(() => rpc.call('addpeeraddress', ['1.2.3.4', 70000]));
  assert.deepEqual([port.rpcCode, port.message], [-1, 'JSON integer out of range']);
  await sim.stopAll();
});

test('getaddrmaninfo counts new and tried per network and in total', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  await rpc.call('addpeeraddress', ['1.2.3.4', 8333]);
  await rpc.call('addpeeraddress', ['2.3.4.5', 8333, true]);
  await rpc.call('addpeeraddress', ['2a01:4f8::1', 8333]);
  const info = await rpc.call('getaddrmaninfo');
  assert.deepEqual(Object.keys(info), ['ipv4', 'ipv6', 'onion', 'i2p', 'cjdns', 'all_networks']);
  assert.deepEqual(info.ipv4, { new: 1, tried: 1, total: 2 });
  assert.deepEqual(info.ipv6, { new: 1, tried: 0, total: 1 });
  assert.deepEqual(info.onion, { new: 0, tried: 0, total: 0 });
  assert.deepEqual(info.all_networks, { new: 2, tried: 1, total: 3 });
  await sim.stopAll();
});

test('getrawaddrman lists each table by "bucket/position" with Core\'s entry fields', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  await rpc.call('addpeeraddress', ['1.2.3.4', 8333]);
  await rpc.call('addpeeraddress', ['2.3.4.5', 8333, true]);
  const raw = await rpc.call('getrawaddrman');
  const loc = me.addrman.findEntry(svc('1.2.3.4', 8333))!;
  const entry = raw.new[`${loc.bucket}/${loc.position}`];
  assert.deepEqual(entry, {
    address: '1.2.3.4', port: 8333, services: 9, time: sim.clock.nowSeconds(), network: 'ipv4', source: '1.2.3.4', source_network: 'ipv4',
  });
  const tloc = me.addrman.findEntry(svc('2.3.4.5', 8333))!;
  assert.equal(raw.tried[`${tloc.bucket}/${tloc.position}`].address, '2.3.4.5');
  assert.equal(Object.keys(raw.tried).length, 1);
  await sim.stopAll();
});

test('addconnection opens an automatic-type connection on regtest and refuses past the type\'s capacity', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  const others = ['30.0.0.1', '31.0.0.1', '32.0.0.1'].map((ip) => sim.node(ip));
  await sim.startAll();
  const rpc = directDispatcher(me);
  for (const o of others.slice(0, 2)) {
    const ip = o.listenAddresses[0].addr.toString();
    assert.deepEqual(await rpc.call('addconnection', [`${ip}:18444`, 'block-relay-only', false]), { address: `${ip}:18444`, connection_type: 'block-relay-only' });
  }
  await sim.run(2_000);
  assert.equal(me.nodeCount('out', 'block-relay-only'), 2);
  const full = await rpcError(() => rpc.call('addconnection', ['32.0.0.1:18444', 'block-relay-only', false]));
  assert.deepEqual([full.rpcCode, full.message], [-34, 'Error: Already at capacity for specified connection type.']);
  const type = await rpcError(() => rpc.call('addconnection', ['32.0.0.1:18444', 'manual', false]));
  assert.equal(type.rpcCode, -8);
  await sim.stopAll();
});

test('addconnection is refused outside regtest', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1', { network: MAINNET, bind: [`10.0.0.1:${MAINNET.defaultPort}`] });
  await sim.startAll();
  const e = await rpcError(() => directDispatcher(me).call('addconnection', ['1.2.3.4:8333', 'feeler', false]));
  assert.deepEqual([e.rpcCode, e.message], [-1, 'addconnection is for regression testing (-regtest mode) only.']);
  await sim.stopAll();
});

test('uptime counts whole seconds since the start time', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const started = sim.clock.now();
  const rpc = directDispatcher(me, { startTime: () => started });
  sim.clock.advance(90_500);
  assert.equal(await rpc.call('uptime'), 90);
  await sim.stopAll();
});

test('stop asks the owner to shut down and answers "Peerbook stopping"', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  assert.equal(await rpc.call('stop'), 'Peerbook stopping');
  assert.equal(rpc.stops.length, 1);
  await sim.stopAll();
});

test('stop\'s hidden wait argument delays the reply on the clock, at most MAX_STOP_WAIT_MS', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  let reply: string | undefined;
  const pending = rpc.call('stop', [10 * MAX_STOP_WAIT_MS]).then((r) => { reply = r; });
  await sim.clock.tick(MAX_STOP_WAIT_MS - 1);
  assert.equal(reply, undefined);
  await sim.clock.tick(1);
  await pending;
  assert.equal(reply, 'Peerbook stopping');
  await sim.stopAll();
});

test('help lists visible methods by category, explains one, and names an unknown one', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  const list: string = await rpc.call('help');
  assert.ok(list.startsWith('== Control ==\nhelp ( "command" )\nstop\nuptime\n\n== Network ==\naddnode "node" "command" ( v2transport )\n'));
  assert.ok(list.endsWith('setnetworkactive state'));
  assert.doesNotMatch(list, /addpeeraddress|getrawaddrman|addconnection/, 'hidden methods are not listed');
  const one: string = await rpc.call('help', ['getnodeaddresses']);
  assert.ok(one.startsWith('getnodeaddresses ( count "network" )\n\nReturn known addresses'));
  assert.ok((await rpc.call('help', ['addpeeraddress'])).startsWith('addpeeraddress "address" port ( tried )'));
  assert.equal(await rpc.call('help', ['nosuchthing']), 'help: unknown command: nosuchthing');
  await sim.stopAll();
});

test('an unknown method is RPC_METHOD_NOT_FOUND and extra arguments return the help', async () => {
  const sim = new Sim();
  const me = sim.node('10.0.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  const nf = await rpcError(() => rpc.call('getblockcount'));
  assert.deepEqual([nf.rpcCode, nf.message], [-32601, 'Method not found']);
  const extra = await rpcError(() => rpc.call('getconnectioncount', [1]));
  assert.equal(extra.rpcCode, -1);
  assert.ok(extra.message.startsWith('getconnectioncount\n\nReturns the number of connections'));
  const proto = await rpcError(() => rpc.call('__proto__'));
  assert.equal(proto.rpcCode, -32601);
  await sim.stopAll();
});
