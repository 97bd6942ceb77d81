/**
 * The malformed-input table of Core's p2p_invalid_messages.py (test/support/invalid-messages.ts), run
 * against a real litecoind (Litecoin Core 0.21.2.1, a Bitcoin Core 0.21 fork) over real TCP on
 * 127.0.0.1, to confirm that the behaviour Peerbook copies — drop the message, book its bytes under
 * "*other*", keep the peer; disconnect on a wrong magic or an oversized length — is what an
 * independent Core implementation does. Peerbook's own node runs the same table in
 * test/robustness/invalid-messages.test.ts.
 *
 * One known difference, asserted here so that it stays documented: Core 0.21 answers an inv or getdata
 * with more than 50,000 entries with `Misbehaving(20)` and keeps the peer until its score reaches 100;
 * current Core (and Peerbook) discourage and disconnect at the first offence.
 *
 * Staying on the machine: litecoind runs on regtest with -connect=0 and listens on 127.0.0.1 only; the
 * raw peer refuses any host but 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REGTEST } from '../../src/wire/params.js';
import { invalidMessageCases, UNRECOGNIZED_NETWORK_STORED, type Expectation } from '../support/invalid-messages.js';
import { requireLitecoind, startLitecoind, type LitecoindNode } from '../support/litecoind.js';
import { RawPeer } from '../support/raw-peer.js';
import { waitUntil } from '../support/wait.js';

/** Where litecoind 0.21 differs from current Core (see the module comment). */
const LITECOIN_0_21_EXPECTS: Readonly<Record<string, Expectation>> = {
  test_oversized_inv_msg: 'stays',
  test_oversized_getdata_msg: 'stays',
};

/** litecoind's debug.log line for each case (Core 0.21 wording; current Core says "Header error: …"). */
const LITECOIN_0_21_LOG: Readonly<Record<string, RegExp>> = {
  test_magic_bytes: /HEADER ERROR - MESSAGESTART \(badmsg\\x01, 2 bytes\), received ffffffff/,
  test_checksum: /CHECKSUM ERROR \(badmsg, 2 bytes\), expected 78df0a04 was ffffffff/,
  test_size: /HEADER ERROR - SIZE \(badmsg\\x01, 4000001 bytes\)/,
  test_msgtype: /HEADER ERROR - COMMAND \(bad, 2 bytes\)/,
  test_addrv2_empty: /ProcessMessages\(addrv2, 0 bytes\): Exception '.*end of data/,
  test_addrv2_too_long_address: /ProcessMessages\(addrv2, 525 bytes\): Exception 'Address too long: 513 > 512/,
  test_oversized_inv_msg: /Misbehaving: peer=\d+ \(0 -> 20\): inv message size = 50001/,
  test_oversized_getdata_msg: /Misbehaving: peer=\d+ \(0 -> 20\): getdata message size = 50001/,
};

interface LtcPeerInfo {
  addr: string;
  bytesrecv_per_msg: Record<string, number>;
}

async function peerAt(node: LitecoindNode, localPort: number): Promise<LtcPeerInfo | undefined> {
  return ((await node.cli('getpeerinfo')) as LtcPeerInfo[]).find((p) => p.addr === `127.0.0.1:${localPort}`);
}

test('litecoind 0.21 treats Core\'s malformed-input cases as the table says', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const node = await startLitecoind({ extraArgs: ['-debug=net'] });
  t.after(() => node.remove());
  for (const c of invalidMessageCases(REGTEST.magic, Math.floor(Date.now() / 1000))) {
    const expect = LITECOIN_0_21_EXPECTS[c.name] ?? c.expect;
    await t.test(`${c.name}: litecoind ${expect === 'stays' ? 'keeps' : 'disconnects'} the peer`, async () => {
      const raw = await RawPeer.connect(node.p2pPort);
      try {
        await raw.handshake();
        await raw.syncWithPing();
        const before = (await peerAt(node, raw.localPort))?.bytesrecv_per_msg['*other*'] ?? 0;
        raw.sendRaw(c.bytes);
        if (expect === 'disconnects') {
          await raw.waitForDisconnect();
        } else {
          await raw.syncWithPing();
          assert.equal(raw.isClosedNow, false);
          if (c.otherBytes !== undefined) {
            const info = await peerAt(node, raw.localPort);
            assert.equal((info?.bytesrecv_per_msg['*other*'] ?? 0) - before, c.otherBytes);
          }
        }
        const log = LITECOIN_0_21_LOG[c.name];
        if (log) await waitUntil(`debug.log line ${log}`, async () => log.test(await node.debugLog()));
        if (c.name === 'test_addrv2_unrecognized_network') {
          const stored = (await node.cli('getnodeaddresses', 0)) as Array<{ address: string; port: number }>;
          assert.ok(stored.some((a) => `${a.address}:${a.port}` === UNRECOGNIZED_NETWORK_STORED), JSON.stringify(stored));
        }
      } finally {
        await raw.close();
      }
    });
  }
});
