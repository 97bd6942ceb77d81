/**
 * Core's test RPCs on the regtest daemon: `setmocktime` pins the clock the node decides by (Core
 * SetMockTime), as Bitcoin Core's Python functional-test framework uses it, over real JSON-RPC/HTTP
 * with cookie authentication. Outbound connections are off and nothing listens for P2P.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PeerManager } from '../../src/connman/manager.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { RpcErrorCode } from '../../src/rpc/errors.js';
import { MockableClock, SystemClock } from '../../src/util/clock.js';
import { MAINNET } from '../../src/wire/params.js';
import { directDispatcher, rpcError } from '../rpc/helpers.js';
import { tempDirFor } from '../support/tmp.js';

const flags = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([k, value]) => [k, [{ value, origin: `--${k}` }]]));

/** A regtest daemon on the system clock with RPC on a kernel-chosen port; `call` speaks JSON-RPC 1.0 with the cookie. */
async function regtestDaemon(t: TestContext): Promise<{ daemon: Daemon; call: (method: string, params?: unknown[]) => Promise<{ result: any; error: any }> }> {
  const datadir = await tempDirFor(t, 'daemon');
  const daemon = await Daemon.create({
    flags: flags({ listen: '0', dnsseed: '0', connect: '0', rpcport: '0', metricsbind: '0', printtoconsole: '0' }), network: 'regtest', datadir,
  });
  t.after(() => daemon.stop());
  await daemon.start();
  const cookie = (await readFile(path.join(daemon.netDir, '.cookie'), 'utf8')).trim();
  const port = daemon.rpcAddresses[0].port;
  const call = async (method: string, params: unknown[] = []) => {
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST', headers: { Authorization: `Basic ${Buffer.from(cookie).toString('base64')}` }, body: JSON.stringify({ id: 1, method, params }),
    });
    return (await res.json()) as { result: any; error: any };
  };
  return { daemon, call };
}

test('setmocktime pins the node\'s time: addresses, net totals and uptime show the mocked time until 0 unpins it', async (t) => {
  const { call } = await regtestDaemon(t);
  const mocked = 1_600_000_000;
  assert.deepEqual(await call('setmocktime', [mocked]), { result: null, error: null, id: 1 });
  assert.equal((await call('addpeeraddress', ['1.2.3.4', 8333])).result.success, true);
  const [entry] = (await call('getnodeaddresses', [0])).result;
  assert.equal(entry.address, '1.2.3.4');
  assert.equal(entry.time, mocked, 'the address was stamped with the mocked time');
  assert.equal((await call('getnettotals')).result.timemillis, mocked * 1000);
  // Core's rpc_uptime.py: mock ten seconds ahead of now, uptime is at least ten.
  await call('setmocktime', [Math.floor(Date.now() / 1000) + 10]);
  assert.ok((await call('uptime')).result >= 10);
  assert.deepEqual((await call('setmocktime', [0])).error, null);
  const now = (await call('getnettotals')).result.timemillis;
  assert.ok(Math.abs(now - Date.now()) < 60_000, 'back on the system clock');
});

test('setmocktime refuses a negative or too large time and a non-number, with Core\'s codes and messages', async (t) => {
  const { call } = await regtestDaemon(t);
  assert.deepEqual((await call('setmocktime', [-1])).error, { code: RpcErrorCode.INVALID_PARAMETER, message: 'Mocktime must be in the range [0, 9223372036], not -1.' });
  assert.deepEqual((await call('setmocktime', [9_223_372_037])).error,
    { code: RpcErrorCode.INVALID_PARAMETER, message: 'Mocktime must be in the range [0, 9223372036], not 9223372037.' });
  assert.equal((await call('setmocktime', ['soon'])).error.code, RpcErrorCode.TYPE_ERROR);
  assert.equal((await call('setmocktime', [])).error.code, RpcErrorCode.MISC_ERROR, 'the timestamp is required');
});

test('setmocktime is refused off regtest, like Core on a chain that is not mockable', async () => {
  const clock = new MockableClock(new SystemClock(true));
  const manager = new PeerManager({ network: MAINNET, clock, connect: ['0'], listen: false, dnsSeed: false });
  const rpc = directDispatcher(manager, { mockClock: clock });
  const e = await rpcError(() => rpc.call('setmocktime', [1_600_000_000]));
  assert.equal(e.rpcCode, RpcErrorCode.MISC_ERROR);
  assert.equal(e.message, 'setmocktime is for regression testing (-regtest mode) only');
  assert.equal(clock.mockTimeSeconds, 0, 'the clock was not touched');
});
