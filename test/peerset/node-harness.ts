/**
 * Several peer-set nodes on loopback TCP, each its own host 127.0.0.N (a node listening on a specific
 * address also dials from it), one VirtualClock: the handshakes run on real sockets with real
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

/** The loopback address of node `i`: 127.0.0.(i + 1). */
export function hostOf(i: number): string {
  return `127.0.0.${i + 1}`;
}

/** A deterministic identity per index. */
export function identityOf(i: number): Identity {
  return Identity.fromSecretKey(new Uint8Array(32).fill(0x40 + i));
}

/** Nodes sharing one clock. */
export class NodeNet {
  readonly clock = new VirtualClock(1_700_000_000_000);
  readonly nodes: PeerSetNode[] = [];

  /** Creates and starts node `i`: identity `i`, host 127.0.0.(i+1), a free port unless `listen` says otherwise. */
  async add(i: number, options: Partial<PeerSetNodeOptions> = {}): Promise<PeerSetNode> {
    const node = new PeerSetNode({
      identity: identityOf(i), namespace: TEST_NAMESPACE, listen: `${hostOf(i)}:0`, clock: this.clock,
      random: ChaChaRandom.fromSeed(`node-${i}-${this.nodes.length}`), ...options,
    });
    await node.start();
    this.nodes.push(node);
    return node;
  }

  /** `{ key: "127.0.0.N:port" }` for the given nodes. */
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

  /**
   * Advances virtual time by `ms` in steps of `stepMs` (letting sockets work in between). Large steps
   * suit idle stretches (cooldowns, blocks); a handshake caught in one may time out, so use them only
   * when no connection is expected to complete.
   */
  async run(ms: number, stepMs = STEP_VIRTUAL_MS): Promise<void> {
    for (let spent = 0; spent < ms; spent += stepMs) {
      await this.clock.tick(Math.min(stepMs, ms - spent));
      await sleep(STEP_REAL_MS);
    }
  }

  /** Advances virtual time until `promise` settles; returns its value. */
  async settle<T>(what: string, promise: Promise<T>): Promise<T> {
    let done = false;
    const watched = promise.finally(() => { done = true; });
    await this.until(what, () => done);
    return watched;
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
