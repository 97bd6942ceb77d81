/** Protocol plug-ins seen from outside: hook order, consuming a message, per-peer slots, redialing with per-peer options. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtocolHost, ProtocolPlugin } from '../../src/connman/protocol.js';
import { PeerSlot, type PeerRecord } from '../../src/connman/registry.js';
import { RawPeer, settle, Sim, svc } from '../../src/sim/network.js';
import { MSG_TX } from '../../src/wire/inventory.js';
import type { Message } from '../../src/wire/messages.js';

const SEEN = new PeerSlot<{ messages: number }>('recorder');
const entries = [{ type: MSG_TX, hash: new Uint8Array(32).fill(7) }];

/** Records every hook call; consumes `getdata`. */
class Recorder implements ProtocolPlugin {
  readonly name = 'recorder';
  readonly calls: string[] = [];
  ticks = 0;
  lastRecord: PeerRecord | undefined;

  constructor(private readonly host: ProtocolHost) {}

  onConnect(r: PeerRecord): void {
    this.calls.push(`connect in-registry=${this.host.registry.get(r.id) === r}`);
    r.set(SEEN, { messages: 0 });
    this.lastRecord = r;
  }

  onVersion(r: PeerRecord): void {
    this.calls.push(`version ready=${r.peer.isReady}`);
  }

  onMessage(r: PeerRecord, m: Message): boolean {
    r.get(SEEN)!.messages++;
    this.calls.push(`message ${m.type}`);
    return m.type === 'getdata';
  }

  onDisconnect(r: PeerRecord, reason: string): void {
    this.calls.push(`disconnect in-registry=${this.host.registry.get(r.id) !== undefined} messages=${r.get(SEEN)?.messages} ${reason}`);
  }

  tick(): void {
    this.ticks++;
  }
}

test('a plug-in sees connect, version, messages and disconnect in order; the record has left the registry at disconnect', async () => {
  const sim = new Sim();
  let recorder: Recorder | undefined;
  const me = sim.node('30.0.0.1', { protocols: [(host) => (recorder = new Recorder(host))] });
  await sim.startAll();
  const raw = await RawPeer.dial(sim, '40.0.0.1', svc('30.0.0.1'));
  raw.send({ type: 'notfound', entries });
  await settle();
  raw.close();
  await settle();
  assert.deepEqual(recorder!.calls, [
    'connect in-registry=true', 'version ready=false', 'message notfound', 'disconnect in-registry=false messages=1 connection closed by peer',
  ]);
  assert.ok(me.protocols.at(-1) === recorder, 'application plug-ins come after address and inventory relay');
  await sim.run(2_000);
  assert.ok(recorder!.ticks >= 4, `ticked ${recorder!.ticks} times`);
  await sim.stopAll();
});

test('a message a plug-in consumes reaches neither later plug-ins nor the application', async () => {
  const sim = new Sim();
  const me = sim.node('30.0.0.1', { protocols: [(host) => new Recorder(host)] });
  const appSaw: string[] = [];
  me.on('peer:message', (_p, m) => appSaw.push(m.type));
  me.on('getdata', () => appSaw.push('getdata event'));
  me.on('notfound', () => appSaw.push('notfound event'));
  await sim.startAll();
  const raw = await RawPeer.dial(sim, '40.0.0.1', svc('30.0.0.1'));
  raw.send({ type: 'getdata', entries });
  raw.send({ type: 'notfound', entries });
  await settle();
  assert.deepEqual(appSaw, ['notfound event', 'notfound']);
  await sim.stopAll();
});

test('a plug-in can redial a target with its own per-peer options after a close (BIP324 "reconnect with v1")', async () => {
  const sim = new Sim();
  const redialed: string[] = [];
  const me = sim.node('30.0.0.1', {
    protocols: [(host) => ({
      name: 'redial-once',
      onDisconnect: (r: PeerRecord) => {
        if (redialed.length > 0 || r.peer.connType !== 'manual') return;
        redialed.push(r.peer.addr.toString());
        void host.dialer.dial({
          target: r.peer.addr, connType: 'manual', countFailure: false, manual: { kind: 'onetry', target: r.peer.addr.toString() },
          peer: { limits: { pingIntervalMs: 1_000 } },
        });
      },
    })],
  });
  const { peers, service } = await RawPeer.listen(sim, '50.0.0.1');
  await sim.startAll();
  assert.equal(await me.openConnection(service, 'manual'), true);
  await sim.run(5_000);
  assert.equal(peers[0].messages('ping').length, 1, 'default limits: one ping right after the handshake');
  peers[0].close();
  await sim.run(5_000);
  assert.deepEqual(redialed, ['50.0.0.1:18444']);
  assert.equal(peers.length, 2);
  assert.ok(peers[1].messages('ping').length >= 3, `the redialed peer pings every second: ${peers[1].messages('ping').length} pings`);
  await sim.stopAll();
});
