/** Helpers of the peer-set tracker tests: keys, a tracker on a virtual clock. */
import { PeerSetTracker, type PeerSetTrackerOptions } from '../../src/peerset/tracker.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';

/** A distinct 64-hex-character key per number (not a real curve point: the tracker never checks). */
export function key(n: number): string {
  return n.toString(16).padStart(64, '0');
}

/** The tracker's own key in these tests. */
export const SELF = key(0x5e1f);

/** A tracker on a fresh VirtualClock with a seeded Random. */
export function makeTracker(options: Partial<PeerSetTrackerOptions> = {}, seed: number | string = 1): { tracker: PeerSetTracker; clock: VirtualClock } {
  const clock = new VirtualClock(1_700_000_000_000);
  const tracker = new PeerSetTracker({ self: SELF, ...options }, { clock, random: ChaChaRandom.fromSeed(seed) });
  return { tracker, clock };
}

/** `{ key(n): "10.0.0.n:9000" }` for each n. */
export function peers(...ns: number[]): Record<string, string> {
  return Object.fromEntries(ns.map((n) => [key(n), `10.0.${n >> 8}.${n & 0xff}:9000`]));
}

/** The source IP `peers()` registers for n. */
export function ipOf(n: number): string {
  return `10.0.${n >> 8}.${n & 0xff}`;
}
