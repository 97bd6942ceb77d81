/**
 * BIP324 in the connection manager: NODE_P2P_V2 advertised (and `v2transport: false` clearing it),
 * the transport each kind of connection starts with (Core: inbound always offered v2; automatic
 * outbound v2 only to addresses advertising NODE_P2P_V2; manual connections v2 unless asked
 * otherwise), Core's one retry with v1 when a v1-only node hangs up (and none after a deliberate
 * local disconnect), its bounded queue, and the operator surface (peerDetails, RPC getpeerinfo and
 * addnode's v2transport, metrics by transport). Peers run on the in-memory network of `Sim`, and two
 * managers also over real loopback TCP.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { NetAddress } from '../../src/address/netaddress.js';
import type { PeerManager } from '../../src/connman/manager.js';
import { MAX_PENDING_V1_RETRIES, V1Retries } from '../../src/connman/reconnect.js';
import type { DialRequest, DialResult } from '../../src/connman/dialer.js';
import type { PeerSpec } from '../../src/connman/peer-spec.js';
import type { PeerRecord } from '../../src/connman/registry.js';
import { chooseTransport } from '../../src/connman/policy/transport.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { directDispatcher } from '../rpc/helpers.js';
import { FULL_NODE, RawPeer, settle, Sim, svc } from '../../src/sim/network.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { NODE_P2P_V2 } from '../../src/wire/services.js';
import { parseExposition } from '../metrics/exposition.js';
import { startPeerbook } from '../support/peerbook-node.js';
import { waitUntil } from '../support/wait.js';

const V2_FULL_NODE = FULL_NODE | NODE_P2P_V2;

function detailsTo(me: PeerManager, ip: string): ReturnType<PeerManager['peerDetails']>[number] {
  const d = me.peerDetails().find((p) => p.addr.addr.toString() === ip);
  assert.ok(d, `a peer at ${ip}`);
  return d;
}

// ---- policy ---------------------------------------------------------------------------------------

test('chooseTransport follows Core: inbound always v2, automatic outbound only to NODE_P2P_V2 addresses, explicit requests win, nothing v2 when disabled', () => {
  assert.equal(chooseTransport(V2_FULL_NODE, { inbound: true }), 'v2');
  assert.equal(chooseTransport(V2_FULL_NODE, { inbound: false, peerServices: V2_FULL_NODE }), 'v2');
  assert.equal(chooseTransport(V2_FULL_NODE, { inbound: false, peerServices: FULL_NODE }), 'v1');
  assert.equal(chooseTransport(V2_FULL_NODE, { inbound: false }), 'v1', 'unknown services: v1');
  assert.equal(chooseTransport(V2_FULL_NODE, { inbound: false, peerServices: FULL_NODE, requested: 'v2' }), 'v2');
  assert.equal(chooseTransport(V2_FULL_NODE, { inbound: false, peerServices: V2_FULL_NODE, requested: 'v1' }), 'v1');
  assert.equal(chooseTransport(FULL_NODE, { inbound: true }), 'v1');
  assert.equal(chooseTransport(FULL_NODE, { inbound: false, peerServices: V2_FULL_NODE, requested: 'v2' }), 'v1');
});

// ---- services -------------------------------------------------------------------------------------

test('a manager advertises NODE_P2P_V2 by default, as Core ≥ 27 does, and v2transport: false clears it', () => {
  const sim = new Sim();
  const on = sim.node('10.0.0.1');
  const off = sim.node('10.0.0.2', { v2transport: false, services: V2_FULL_NODE });
  assert.equal(on.localServices, V2_FULL_NODE);
  assert.equal(on.v2transport, true);
  assert.equal(off.localServices, FULL_NODE, 'the bit follows the option, whatever services say');
  assert.equal(off.v2transport, false);
});

// ---- connections between managers ---------------------------------------------------------------

test('a manual connection between two managers is v2 on both ends, with the same session id', async () => {
  const sim = new Sim();
  const me = sim.node('11.0.0.1');
  const other = sim.node('11.1.0.1');
  await sim.startAll();
  const info = await me.connect(svc('11.1.0.1'));
  await sim.run(1_000);
  const mine = detailsTo(me, '11.1.0.1');
  const theirs = detailsTo(other, '11.0.0.1');
  assert.equal(mine.transportType, 'v2');
  assert.equal(theirs.transportType, 'v2');
  assert.ok(mine.sessionId && /^[0-9a-f]{64}$/.test(mine.sessionId));
  assert.equal(mine.sessionId, theirs.sessionId);
  assert.equal(info.services, V2_FULL_NODE);
  await sim.stopAll();
});

test('automatic outbound speaks v2 only to addresses that advertise NODE_P2P_V2, even when the other node could', async () => {
  const sim = new Sim();
  const me = sim.node('12.0.0.1', { connect: undefined });
  sim.node('12.1.0.1');
  sim.node('12.2.0.1');
  const now = sim.clock.nowSeconds();
  me.addrman.add([
    { service: svc('12.1.0.1'), services: V2_FULL_NODE, time: now },
    { service: svc('12.2.0.1'), services: FULL_NODE, time: now },
  ], NetAddress.parse('12.9.9.9'));
  await sim.startAll();
  await sim.run(30_000);
  const a = detailsTo(me, '12.1.0.1');
  const b = detailsTo(me, '12.2.0.1');
  assert.ok(a.connType !== 'inbound' && b.connType !== 'inbound');
  assert.equal(a.transportType, 'v2');
  assert.equal(b.transportType, 'v1', 'the address did not advertise BIP324, so Core dials v1');
  await sim.stopAll();
});

test('a v2-enabled manager accepts a v1 peer: the inbound transport detects it and reports v1', async () => {
  const sim = new Sim();
  const me = sim.node('13.0.0.1');
  await sim.startAll();
  const raw = await RawPeer.dial(sim, '13.1.0.1', svc('13.0.0.1'));
  await sim.run(1_000);
  assert.deepEqual(raw.messages('verack').length, 1);
  assert.equal(detailsTo(me, '13.1.0.1').transportType, 'v1');
  await sim.stopAll();
});

test('a manual connection to a v1-only node is tried with v2, hung up on, and retried once with v1', async () => {
  const sim = new Sim();
  const me = sim.node('14.0.0.1');
  const v1Only = await RawPeer.listen(sim, '14.1.0.1');
  await sim.startAll();
  const info = await me.connect(svc('14.1.0.1'));
  assert.equal(info.userAgent, '/raw-peer:1/');
  assert.equal(v1Only.rejected(), 1, 'the v2 attempt was hung up on');
  assert.equal(v1Only.peers.length, 1, 'the v1 retry is the connection that stayed');
  assert.equal(detailsTo(me, '14.1.0.1').transportType, 'v1');
  assert.equal(me.counters.connectFailures, 0, 'the attempt reached the node: not a failed dial');
  await sim.run(5_000);
  assert.equal(me.nodeCount('out'), 1, 'no further attempts');
  await sim.stopAll();
});

test('the -connect list and -addnode peers get the v1 retry too; addnode with v2transport false dials v1 at once', async () => {
  const sim = new Sim();
  const viaConnect = await RawPeer.listen(sim, '15.1.0.1');
  const added = await RawPeer.listen(sim, '15.2.0.1');
  const addedV1 = await RawPeer.listen(sim, '15.3.0.1');
  const me = sim.node('15.0.0.1', { connect: ['15.1.0.1'], addNode: ['15.2.0.1'] });
  await sim.startAll();
  me.addNode('15.3.0.1', { v2transport: false });
  await sim.run(5_000);
  assert.equal(viaConnect.rejected(), 1);
  assert.equal(viaConnect.peers.length, 1);
  assert.equal(added.rejected(), 1);
  assert.equal(added.peers.length, 1);
  assert.equal(addedV1.rejected(), 0, 'asked for v1: no v2 attempt');
  assert.equal(addedV1.peers.length, 1);
  for (const ip of ['15.1.0.1', '15.2.0.1', '15.3.0.1']) assert.equal(detailsTo(me, ip).transportType, 'v1');
  await sim.stopAll();
});

test('a v2 attempt the caller aborts, or the operator disconnects, is not retried with v1', async () => {
  const sim = new Sim();
  const me = sim.node('16.0.0.1');
  await sim.net.transport(NetAddress.parse('16.1.0.1')).listen(svc('16.1.0.1'), () => undefined); // accepts, never answers
  await sim.startAll();
  me.connectOnce('16.1.0.1');
  await settle();
  assert.equal(me.nodeCount('out'), 1);
  assert.equal(me.disconnect({ address: '16.1.0.1' }), 1);
  await sim.run(2_000);
  assert.equal(me.nodeCount('out'), 0, 'the operator\'s disconnect stands');
  const controller = new AbortController();
  const pending = me.connect(svc('16.1.0.1'), { signal: controller.signal });
  await settle();
  controller.abort();
  await assert.rejects(pending);
  await sim.run(2_000);
  assert.equal(me.nodeCount('out'), 0, 'the caller\'s abort stands');
  await sim.stopAll();
});

test('with v2transport false nothing is v2: no key goes out and a v2 manager dialing in is retried with v1', async () => {
  const sim = new Sim();
  const old = sim.node('17.0.0.1', { v2transport: false });
  const modern = sim.node('17.1.0.1');
  await sim.startAll();
  const info = await modern.connect(svc('17.0.0.1'));
  assert.equal(info.services, FULL_NODE);
  assert.equal(detailsTo(modern, '17.0.0.1').transportType, 'v1');
  assert.equal(detailsTo(old, '17.1.0.1').transportType, 'v1');
  assert.ok(old.counters.handshakeFailures >= 1, 'the v2 attempt failed at the v1-only end');
  await sim.stopAll();
});

// ---- the retry queue ------------------------------------------------------------------------------

test(`v1 retries are bounded: past ${MAX_PENDING_V1_RETRIES} queued, a retry is dropped and logged; queued ones are dialed with v1, uncounted, or aborted at stop`, async () => {
  const log = new MemoryLogger();
  const dials: DialRequest[] = [];
  // The dialer's seam: records what would be dialed (the dialer itself is exercised by the tests above).
  const retries = new V1Retries({ log, dial: async (req) => { dials.push(req); return { ok: false, error: new Error('not dialed') } as unknown as DialResult; } });
  const spec = (i: number): PeerSpec => ({ connection: undefined as never, connType: 'outbound-full-relay', addr: svc(`18.0.${i >> 8}.${i & 0xff}`), permissions: 0 });
  const record = (): PeerRecord => ({}) as PeerRecord;
  const records: PeerRecord[] = [];
  for (let i = 0; i < MAX_PENDING_V1_RETRIES; i++) {
    records.push(record());
    assert.equal(retries.add(spec(i), records[i]), true);
  }
  const extra = record();
  assert.equal(retries.add(spec(999), extra), false);
  assert.equal(retries.resultFor(extra), undefined);
  assert.ok(log.lines.some((l) => /not retrying .* with v1: 32 retries already queued/.test(l.message)));
  assert.equal(retries.pending, MAX_PENDING_V1_RETRIES);
  await settle(2);
  assert.equal(dials.length, MAX_PENDING_V1_RETRIES, 'dialed a microtask later');
  assert.ok(dials.every((d) => d.peer?.messageTransport === 'v1' && d.countFailure === false && d.connType === 'outbound-full-relay'));
  retries.add(spec(1000), record());
  const last = record();
  retries.add(spec(1001), last);
  retries.abortAll();
  const aborted = await retries.resultFor(last)!;
  assert.equal(aborted.ok, false);
  assert.equal(!aborted.ok && aborted.error.code, 'ERR_ABORTED');
});

// ---- operator surface -------------------------------------------------------------------------------

test('getpeerinfo reports transport_protocol_type and session_id; addnode honours its v2transport argument', async () => {
  const sim = new Sim();
  const me = sim.node('19.0.0.1');
  sim.node('19.1.0.1');
  const v1Only = await RawPeer.listen(sim, '19.2.0.1');
  await sim.startAll();
  const rpc = directDispatcher(me);
  assert.equal(await rpc.call('addnode', ['19.1.0.1', 'onetry']), null);
  assert.equal(await rpc.call('addnode', ['19.2.0.1', 'onetry', false]), null);
  await sim.run(2_000);
  const peers = await rpc.call('getpeerinfo');
  const v2 = peers.find((p: any) => p.addr === '19.1.0.1');
  const v1 = peers.find((p: any) => p.addr === '19.2.0.1');
  assert.equal(v2.transport_protocol_type, 'v2');
  assert.match(v2.session_id, /^[0-9a-f]{64}$/);
  assert.equal(v1.transport_protocol_type, 'v1');
  assert.equal(v1.session_id, '');
  assert.equal(v1Only.rejected(), 0, 'addnode … false: dialed v1 directly');
  const info = await rpc.call('getnetworkinfo');
  assert.deepEqual(info.localservicesnames, ['NETWORK', 'WITNESS', 'P2P_V2']);
  await sim.stopAll();
});

test('metrics count peers and socket bytes by transport; handshake bytes are "detecting"', async () => {
  const sim = new Sim();
  const me = sim.node('20.0.0.1');
  sim.node('20.1.0.1');
  await sim.startAll();
  await RawPeer.dial(sim, '20.2.0.1', svc('20.0.0.1'));
  await me.connect(svc('20.1.0.1'));
  await sim.run(1_000);
  const x = parseExposition((await createMetrics(me).scrape()).body);
  assert.equal(x.value('peerbook_peers_by_transport', { direction: 'outbound', transport: 'v2' }), 1);
  assert.equal(x.value('peerbook_peers_by_transport', { direction: 'inbound', transport: 'v1' }), 1);
  assert.equal(x.value('peerbook_peers_by_transport', { direction: 'inbound', transport: 'detecting' }), 0);
  const sent = (t: string): number => x.value('peerbook_transport_bytes_total', { direction: 'sent', transport: t }) ?? 0;
  const recv = (t: string): number => x.value('peerbook_transport_bytes_total', { direction: 'received', transport: t }) ?? 0;
  assert.ok(sent('v2') > 0 && sent('v1') > 0 && recv('v2') > 0 && recv('v1') > 0);
  assert.ok(sent('detecting') >= 64 + 16 + 20, 'our key, terminator and version packet');
  const t = me.totals();
  assert.equal(sent('v1') + sent('v2') + sent('detecting'), t.bytesSent);
  assert.equal(recv('v1') + recv('v2') + recv('detecting'), t.bytesRecv);
  await sim.stopAll();
});

// ---- over real TCP --------------------------------------------------------------------------------

async function twoManagersOverTcp(t: TestContext): Promise<{ a: PeerManager; b: PeerManager; bPort: number }> {
  const a = await startPeerbook(t);
  const b = await startPeerbook(t);
  return { a: a.manager, b: b.manager, bPort: b.port };
}

test('two Peerbook managers over loopback TCP: an addnode connection completes over v2 and both report the same session', async (t) => {
  const { a, b, bPort } = await twoManagersOverTcp(t);
  a.addNode(`127.0.0.1:${bPort}`);
  const ready = await waitUntil('the connection ready at b', () => b.peerDetails().find((p) => p.successfullyConnected));
  const atA = await waitUntil('the connection ready at a', () => a.peerDetails().find((p) => p.successfullyConnected));
  assert.equal(atA.transportType, 'v2');
  assert.equal(ready.transportType, 'v2');
  assert.equal(atA.sessionId, ready.sessionId);
  assert.equal(atA.connType, 'manual');
  // Application messages flow both ways over the encrypted link.
  const got = new Promise<string>((resolve) => b.once('peer:message', (_p, m) => resolve(m.type)));
  a.send(atA.id, { type: 'sendheaders' });
  assert.equal(await got, 'sendheaders');
  assert.equal(b.peerDetails()[0].bytesRecvPerMsg.sendheaders, 13 + 20, 'a v2 packet: 0x00 + 12-byte type, no payload, 20 bytes of framing');
});
