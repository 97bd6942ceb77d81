/**
 * Several peer-set nodes on loopback TCP, one VirtualClock: the handshakes run on real sockets with real
 * cryptography while cooldowns, blocks and timeouts run on virtual time, advanced in small steps so a
 * handshake (a few ms of real time) never outlives its 5 s virtual deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PeerSetNode, type PeerSetNodeOptions } from '../../src/peerset/node.js';
import { Identity } from '../../src/transport/secure/authenticated/identity.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';

/** Namespace of the test network. */
export const TEST_NAMESPACE = 'peerbook-peerset-test';
/** Virtual ms per step, and real ms slept per step (10× real speed at most). */
export const STEP_VIRTUAL_MS = 200;
const STEP_REAL_MS = 20;
/** Real-time cap of one wait. */
const WAIT_REAL_MS = 20_000;

/** A deterministic identity per index. */
export function identityOf(i: number): Identity {
  return Identity.fromSecretKey(new Uint8Array(32).fill(0x40 + i));
}

/** Nodes sharing one clock. */
export class NodeNet {
  readonly clock = new VirtualClock(1_700_000_000_000);
  readonly nodes: PeerSetNode[] = [];

  /** Creates and starts a node with identity `i` listening on 127.0.0.1 (a free port unless given). */
  async add(i: number, options: Partial<PeerSetNodeOptions> = {}): Promise<PeerSetNode> {
    const node = new PeerSetNode({
      identity: identityOf(i), namespace: TEST_NAMESPACE, listen: '127.0.0.1:0', clock: this.clock,
      random: ChaChaRandom.fromSeed(`node-${i}-${this.nodes.length}`), ...options,
    });
    await node.start();
    this.nodes.push(node);
    return node;
  }

  /** `{ key: "127.0.0.1:port" }` for the given nodes. */
  addresses(...nodes: PeerSetNode[]): Record<string, string> {
    return Object.fromEntries(nodes.map((n) => [n.publicKey, n.listenAddress!.toString()]));
  }

  /** Advances virtual time in small steps until `check` holds; throws naming `what` after the real-time cap. */
  async until(what: string, check: () => boolean, maxVirtualMs = 30 * 60_000): Promise<void> {
    const realDeadline = Date.now() + WAIT_REAL_MS;
    const start = this.clock.now();
    while (!check()) {
      if (Date.now() > realDeadline || this.clock.now() - start > maxVirtualMs) {
        throw new Error(`gave up waiting for ${what} after ${(this.clock.now() - start) / 1000} virtual s`);
      }
      await this.clock.tick(STEP_VIRTUAL_MS);
      await sleep(STEP_REAL_MS);
    }
  }

  /** Advances virtual time by `ms` in small steps (letting sockets work in between). */
  async run(ms: number): Promise<void> {
    for (let spent = 0; spent < ms; spent += STEP_VIRTUAL_MS) {
      await this.clock.tick(Math.min(STEP_VIRTUAL_MS, ms - spent));
      await sleep(STEP_REAL_MS);
    }
  }

  /** Stops every node (driving the clock so their flush timers fire). */
  async stopAll(): Promise<void> {
    let done = false;
    const stopped = Promise.all(this.nodes.map((n) => n.stop())).finally(() => { done = true; });
    while (!done) {
      await this.clock.tick(250);
      await sleep(5);
    }
    await stopped;
  }
}
