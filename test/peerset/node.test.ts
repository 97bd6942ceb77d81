import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeNet } from './node-harness.js';

const NODE_TEST = { timeout: 60_000 };

test('three nodes tracking the same set connect to each other and exchange data by key', NODE_TEST, async () => {
  const net = new NodeNet();
  try {
    const [a, b, c] = [await net.add(1), await net.add(2), await net.add(3)];
    const set = net.addresses(a, b, c);
    for (const n of [a, b, c]) n.track(1, set);
    await net.until('a full mesh', () => [a, b, c].every((n) => n.connectedKeys().length === 2));
    const got = new Promise<[string, string]>((resolve) => b.on('message', (key, m) => resolve([key, Buffer.from(m.payload).toString()])));
    assert.equal(a.send(b.publicKey, new TextEncoder().encode('hello b')), true);
    await net.until('the message', () => false === false);
    assert.deepEqual(await got, [a.publicKey, 'hello b']);
  } finally {
    await net.stopAll();
  }
});
