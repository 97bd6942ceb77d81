/**
 * BIP324's v1 fallback against a real v1-only node: litecoind 0.21 (a Bitcoin Core 0.21 fork, no
 * BIP324). Both directions, over real TCP on 127.0.0.1, with Peers built directly on `TcpTransport`
 * (the connection manager is not involved):
 * - litecoind dials a v2-enabled Peerbook listener: Core's inbound detection sees `magic ‖ "version"`
 *   and serves it v1;
 * - Peerbook dials litecoind with v2: litecoind reads our key as a bad v1 header and hangs up, the
 *   transport says "retry with v1" (Core ShouldReconnectV1), and the v1 retry connects.
 * Then the same through the connection manager with BIP324 on (its default): -connect to litecoind
 * (v2 attempt, hang-up, Core's v1 retry), an automatic-type connection to an address that does not
 * advertise NODE_P2P_V2 (v1 at once), and litecoind dialing Peerbook's v2 listener.
 * Nothing dials off the machine: litecoind runs with -connect=0 and is only told to dial Peerbook.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetService } from '../../src/address/service.js';
import { Peer, type LocalNodeInfo } from '../../src/peer/peer.js';
import type { ConnectionType } from '../../src/peer/types.js';
import { V2MessageTransport } from '../../src/peer/v2-transport.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import type { Connection } from '../../src/transport/transport.js';
import { SystemClock } from '../../src/util/clock.js';
import { MAX_SIZE } from '../../src/util/bytes.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';
import { PROTOCOL_VERSION } from '../../src/wire/version.js';
import { LITECOIND_FACTS, requireLitecoind, startLitecoind } from '../support/litecoind.js';
import { loopback, startPeerbook } from '../support/peerbook-node.js';
import { waitUntil } from '../support/wait.js';
import { DEFAULT_USER_AGENT } from '../../src/wire/user-agent.js';

const USER_AGENT = '/peerbook-v2-test:1/';
const local: LocalNodeInfo = { protocolVersion: PROTOCOL_VERSION, services: 0n, userAgent: USER_AGENT, startHeight: () => 0, relayTxs: true };

function peerOn(conn: Connection, connType: ConnectionType, clock: SystemClock, messageTransport: 'v1' | 'v2' | V2MessageTransport, id: number): Peer {
  return new Peer({
    id, connection: conn, connType, addr: conn.remote, magic: REGTEST.magic, clock, random: ChaChaRandom.fromSeed(`ltc-v2-${id}`),
    local, nonce: BigInt(1000 + id), messageTransport,
  });
}

/**
 * An initiating v2 transport whose key, read by a v1 node as a header, announces a payload above
 * MAX_SIZE — so litecoind rejects the header at once instead of waiting for a payload (the case
 * Core's ShouldReconnectV1 is about). Deterministic: the first of a fixed list of seeds that qualifies.
 */
function v2TransportLitecoindRejectsAtOnce(): V2MessageTransport {
  for (let i = 0; ; i++) {
    const t = new V2MessageTransport({ magic: REGTEST.magic, initiating: true, random: ChaChaRandom.fromSeed(`ltc-v2-key-${i}`) });
    const announced = new DataView(t.ourPublicKey.buffer, t.ourPublicKey.byteOffset).getUint32(16, true);
    if (announced > MAX_SIZE) return t;
  }
}

test('litecoind (v1 only) reaches a v2-enabled Peerbook in both directions', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLitecoind({ extraArgs: ['-debug=net'] });
  t.after(() => ltc.remove());
  const clock = new SystemClock();
  const tcp = new TcpTransport(clock);

  await t.test('litecoind dials a v2-enabled listener: detected as v1, handshake completes', async (st) => {
    const peers: Peer[] = [];
    const listener = await tcp.listen(NetService.parse('127.0.0.1:0'), (conn) => {
      const p = peerOn(conn, 'inbound', clock, 'v2', 10 + peers.length);
      peers.push(p);
      p.start();
    });
    st.after(async () => {
      await listener.close();
      for (const p of peers) p.destroy();
    });
    await ltc.cli('addnode', `127.0.0.1:${listener.address.port}`, 'onetry');
    const peer = await waitUntil('litecoind\'s inbound connection is ready', () => peers.find((p) => p.isReady));
    assert.equal(peer.transportInfo.type, 'v1');
    assert.equal(peer.stats().transportType, 'v1');
    assert.equal(peer.remote?.userAgent, LITECOIND_FACTS.userAgent);
    const seen = await waitUntil('litecoind lists Peerbook', async () => (await ltc.cli('getpeerinfo') as Array<{ subver: string; inbound: boolean }>).find((p) => p.subver === USER_AGENT));
    assert.equal(seen.inbound, false);
    peer.disconnect('test done');
    await peer.closed;
  });

  await t.test('Peerbook dials litecoind with v2: hung up on, told to retry with v1, and the v1 retry connects', async (st) => {
    const target = NetService.parse(`127.0.0.1:${ltc.p2pPort}`);
    const first = peerOn(await tcp.connect(target), 'manual', clock, v2TransportLitecoindRejectsAtOnce(), 20);
    st.after(() => first.destroy());
    const closed = new Promise<string>((resolve) => first.once('close', resolve));
    first.start();
    assert.match(await closed, /connection closed by peer|connection error/);
    assert.equal(first.stats().bytesRecv, 0, 'litecoind sent nothing back');
    assert.equal(first.shouldReconnectV1, true);
    // litecoind's side: our 64-byte key read as a v1 header with the wrong magic.
    await waitUntil('litecoind to log the bad header', async () => /HEADER ERROR - MESSAGESTART .* received [0-9a-f]{8}, peer=\d+/.test(await ltc.debugLog()));

    const retry = peerOn(await tcp.connect(target), 'manual', clock, 'v1', 21);
    st.after(() => retry.destroy());
    retry.start();
    await waitUntil('the v1 retry is ready', () => retry.isReady);
    assert.equal(retry.stats().transportType, 'v1');
    assert.equal(retry.remote?.userAgent, LITECOIND_FACTS.userAgent);
    retry.disconnect('test done');
    await retry.closed;
  });
});

test('through the connection manager, with BIP324 on (the default): litecoind is reached both ways', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const ltc = await startLitecoind({ extraArgs: ['-debug=net'] });
  t.after(() => ltc.remove());
  const headerErrors = async (): Promise<number> => ((await ltc.debugLog()).match(/HEADER ERROR - MESSAGESTART/g) ?? []).length;

  await t.test('-connect to litecoind: a v2 attempt it hangs up on, then Core\'s one retry with v1, which stays', async (st) => {
    const pb = await startPeerbook(st, { options: { connect: [`127.0.0.1:${ltc.p2pPort}`], listen: false } });
    assert.equal(pb.manager.v2transport, true);
    const peer = await waitUntil('peer:connect for litecoind', () => pb.events.connects[0]);
    assert.equal(peer.userAgent, LITECOIND_FACTS.userAgent);
    assert.deepEqual(pb.transport!.dialed, [`127.0.0.1:${ltc.p2pPort}`, `127.0.0.1:${ltc.p2pPort}`]);
    assert.equal(pb.manager.peerDetails()[0].transportType, 'v1');
    assert.equal(pb.events.connectFailed.length, 0);
    assert.equal(await headerErrors(), 1, 'litecoind read our key as a bad v1 header once');
  });

  await t.test('an automatic-type connection to litecoind, which does not advertise NODE_P2P_V2, is v1 from the start', async (st) => {
    const before = await headerErrors();
    const pb = await startPeerbook(st);
    assert.equal(await pb.manager.openConnection(loopback(ltc.p2pPort), 'outbound-full-relay'), true);
    const peer = await waitUntil('peer:connect for litecoind', () => pb.events.connects[0]);
    assert.equal(peer.connType, 'outbound-full-relay');
    assert.deepEqual(pb.transport!.dialed, [`127.0.0.1:${ltc.p2pPort}`], 'one dial, no retry');
    assert.equal(pb.manager.peerDetails()[0].transportType, 'v1');
    assert.equal(await headerErrors(), before, 'no key was sent');
  });

  await t.test('litecoind dials Peerbook (addnode onetry): the v2 listener detects v1 and serves it', async (st) => {
    const pb = await startPeerbook(st);
    await ltc.cli('addnode', `127.0.0.1:${pb.port}`, 'onetry');
    const peer = await waitUntil('peer:connect for litecoind', () => pb.events.connects[0]);
    assert.equal(peer.inbound, true);
    assert.equal(pb.manager.peerDetails()[0].transportType, 'v1');
    const seen = await waitUntil('litecoind lists Peerbook', async () => (await ltc.cli('getpeerinfo') as Array<{ subver: string; services: string }>).find((p) => p.subver === DEFAULT_USER_AGENT));
    assert.equal(seen.services, '0000000000000800', 'litecoind sees NODE_P2P_V2 in our version');
  });
});
