/**
 * Core's p2p_invalid_messages.py against a real Peerbook node over real TCP on 127.0.0.1: for each
 * malformed input (test/support/invalid-messages.ts) a raw peer completes the handshake, sends the
 * bytes, and then either stays (a ping round trip proves the node processed everything and kept it;
 * the bytes booked under "*other*" are checked) or is disconnected. Like Core's test, the node
 * whitelists 127.0.0.1 with the `addr` permission so that addr rate limiting does not interfere.
 *
 * The same table is run against litecoind in test/integration/litecoind-invalid-messages.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetService } from '../../src/address/service.js';
import type { Peer } from '../../src/peer/peer.js';
import { encodeMessageFrame } from '../../src/wire/messages.js';
import { REGTEST } from '../../src/wire/params.js';
import {
  invalidMessageCases, maxSizeJunk, UNRECOGNIZED_NETWORK_STORED,
} from '../support/invalid-messages.js';
import { startPeerbook, type TestPeerbook } from '../support/peerbook-node.js';
import { RawPeer } from '../support/raw-peer.js';
import { waitUntil } from '../support/wait.js';

/** Core's test_resource_exhaustion sends 80 junk messages of 4 MB; CI sends fewer (PEERBOOK_FULL=1: Core's 80). */
const JUNK_MESSAGES = process.env.PEERBOOK_FULL === '1' ? 80 : 8;

async function connect(node: TestPeerbook): Promise<{ raw: RawPeer; peer: () => Peer }> {
  const raw = await RawPeer.connect(node.port);
  await raw.handshake();
  const peer = await waitUntil('the node\'s record of the raw peer', () =>
    node.manager.peers().find((p) => p.inbound && p.addr.port === raw.localPort));
  return { raw, peer: () => peer };
}

for (const c of invalidMessageCases(REGTEST.magic, Math.floor(Date.now() / 1000))) {
  const what = c.expect === 'stays' ? `keeps the peer (${c.otherBytes} bytes under *other*)` : 'disconnects the peer';
  test(`${c.name}: the input ${what}`, async (t) => {
    const node = await startPeerbook(t, { options: { whitelist: ['addr@127.0.0.1'] } });
    const { raw, peer } = await connect(node);
    t.after(() => raw.close());
    const otherBefore = peer().stats().bytesRecvPerMsg['*other*'] ?? 0;
    raw.sendRaw(c.bytes);
    if (c.expect === 'disconnects') {
      await raw.waitForDisconnect();
      assert.ok(peer().isDisconnecting);
      return;
    }
    await raw.syncWithPing();
    assert.equal(raw.isClosedNow, false);
    assert.equal(peer().isDisconnecting, false);
    assert.equal((peer().stats().bytesRecvPerMsg['*other*'] ?? 0) - otherBefore, c.otherBytes);
    if (c.otherBytes! > 0) {
      assert.ok(node.logger.has(/sent a message that was dropped: Header error: (Wrong checksum|Invalid message type)/), 'the drop is logged');
    }
    if (c.name === 'test_addrv2_unrecognized_network') {
      // The unknown network's entry is skipped without impeding the IPv4 one after it.
      assert.ok(node.manager.addrman.getInfo(NetService.parse(UNRECOGNIZED_NETWORK_STORED)), `${UNRECOGNIZED_NETWORK_STORED} stored`);
    }
  });
}

test('test_resource_exhaustion: a peer sending 4 MB junk messages stays, and another peer is served meanwhile', async (t) => {
  const node = await startPeerbook(t);
  const a = await connect(node);
  const b = await connect(node);
  t.after(() => Promise.all([a.raw.close(), b.raw.close()]));
  const junk = maxSizeJunk(REGTEST.magic);
  for (let i = 0; i < JUNK_MESSAGES; i++) a.raw.sendRaw(junk);
  for (let i = 0; i < 20; i++) await b.raw.syncWithPing(2_000);
  await a.raw.syncWithPing(120_000);
  assert.equal(a.raw.isClosedNow, false);
  assert.equal(b.raw.isClosedNow, false);
  assert.equal(a.peer().stats().bytesRecvPerMsg['*other*'], JUNK_MESSAGES * (24 + 4_000_000));
});

test('test_buffer: a header split across two sends is received whole', async (t) => {
  const node = await startPeerbook(t);
  const { raw, peer } = await connect(node);
  t.after(() => raw.close());
  await raw.syncWithPing();
  const before = peer().stats().bytesRecv;
  const pingBytesBefore = peer().stats().bytesRecvPerMsg.ping ?? 0;
  const ping = encodeMessageFrame(REGTEST.magic, { type: 'ping', nonce: 12345n });
  raw.sendRaw(ping.subarray(0, 12));
  await waitUntil('the first 12 bytes counted', () => peer().stats().bytesRecv === before + 12);
  raw.sendRaw(ping.subarray(12));
  await raw.syncWithPing();
  // The split ping and syncWithPing's own ping: 32 bytes each.
  assert.equal((peer().stats().bytesRecvPerMsg.ping ?? 0) - pingBytesBefore, 64);
});
