/**
 * Example: a peer-set network through two epochs, on this machine only (loopback).
 *
 *   npm run build && node dist/examples/peerset-epochs.js
 *
 * Three members (alice, bob, carol) track epoch 1 and connect to each other over authenticated,
 * encrypted connections; alice sends bob a message by key. In epoch 2 carol leaves and dave joins:
 * everyone who tracks epoch 2 (keeping only the latest set) drops carol and connects to dave.
 *
 * Each member is its own host on loopback (127.0.0.11 to 127.0.0.14): a node that listens on a specific
 * address also dials from it, which is the source IP its peers register for it.
 */
import { ChaChaRandom, Identity, PeerSetNode, SystemClock, type PeerKeyHex } from '../src/index.js';

const NAMESPACE = 'peerbook-example';
const WAIT_LIMIT_MS = 20_000;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

const clock = new SystemClock();

/** Polls `check` every 50 ms until it holds (or fails after WAIT_LIMIT_MS). */
async function waitFor(what: string, check: () => boolean): Promise<void> {
  const started = clock.now();
  while (!check()) {
    if (clock.now() - started > WAIT_LIMIT_MS) throw new Error(`timed out waiting for ${what}`);
    await clock.sleep(50);
  }
}

async function main(): Promise<void> {
  const random = ChaChaRandom.secure();
  const names = ['alice', 'bob', 'carol', 'dave'] as const;
  const nodes = new Map<string, PeerSetNode>();
  for (const [i, name] of names.entries()) {
    const node = new PeerSetNode({
      identity: Identity.generate(random), namespace: NAMESPACE, listen: `127.0.0.${11 + i}:0`, clock, random: random.derive(),
      tracker: { trackedPeerSets: 1 }, // keep only the latest set: a member who leaves is dropped at once
    });
    await node.start();
    nodes.set(name, node);
  }
  const nameOf = new Map<PeerKeyHex, string>([...nodes].map(([name, node]) => [node.publicKey, name]));
  const members = (...who: string[]): Record<PeerKeyHex, string> =>
    Object.fromEntries(who.map((name) => [nodes.get(name)!.publicKey, nodes.get(name)!.listenAddress!.toString()]));
  const [alice, bob, carol, dave] = names.map((n) => nodes.get(n)!);
  try {
    const epoch1 = members('alice', 'bob', 'carol');
    for (const node of [alice, bob, carol]) node.track(1, epoch1);
    await waitFor('epoch 1 mesh', () => [alice, bob, carol].every((n) => n.connectedKeys().length === 2));
    log('epoch 1: alice, bob and carol are connected to each other');

    const received = new Promise<string>((resolve) => bob.once('message', (key, message) =>
      resolve(`bob got "${Buffer.from(message.payload).toString()}" from ${nameOf.get(key)}`)));
    alice.send(bob.publicKey, new TextEncoder().encode('hello bob'));
    log(await received);

    const epoch2 = members('alice', 'bob', 'dave');
    for (const node of [alice, bob, dave]) node.track(2, epoch2);
    await waitFor('epoch 2 mesh', () => [alice, bob, dave].every((n) => n.connectedKeys().length === 2) &&
      !alice.isConnected(carol.publicKey) && !bob.isConnected(carol.publicKey));
    log('epoch 2: carol was disconnected, dave is connected to alice and bob');
    for (const p of alice.peerDetails()) log(`  alice ↔ ${nameOf.get(p.key)}: ${p.role}, ${p.inbound ? 'inbound' : 'outbound'}`);
  } finally {
    await Promise.all(names.map((n) => nodes.get(n)!.stop()));
  }
  log('done');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
