/**
 * Test-before-evict (Core `ResolveCollisions_` / `SelectTriedCollision_`, BIP-less, PR #9037).
 *
 * When `good()` would move an entry into a tried cell that is occupied, Core does not evict the
 * occupant at once: it remembers the newcomer (at most ADDRMAN_SET_TRIED_COLLISION_SIZE = 10 of them),
 * lets the connection manager probe the occupant with a feeler, and resolves later. An occupant that
 * succeeded within 4 hours stays; one that was tried within 4 hours and has not answered for 60 s is
 * replaced; if nobody could test it within 40 minutes of the newcomer's success it is replaced anyway.
 * This stops an attacker from flushing good peers out of the tried table by pushing many addresses
 * through successful connections.
 */
import {
  ADDRMAN_COLLISION_TEST_GRACE_S,
  ADDRMAN_REPLACEMENT_S,
  ADDRMAN_TEST_WINDOW_S,
} from './constants.js';
import type { AddrTable } from './table.js';

/** Core `ResolveCollisions_`: settles every pending collision that can be settled now. */
export function resolveCollisions(t: AddrTable, nowSeconds: () => number): void {
  const e = t.entries;
  const pending = t.collisions.slice();
  const erased = new Set<number>();
  for (const c of pending) {
    let erase = false;
    if (!t.collisionLive(c)) {
      erase = true;
    } else {
      const slot = c.slot;
      const tb = t.triedBucket(slot);
      const tp = t.triedPos(slot);
      if (!e.addrAt(slot).isValid()) {
        erase = true; // id_new may no longer map to a valid address
      } else if (t.triedCell(tb, tp) !== -1) {
        const old = t.triedCell(tb, tp);
        const now = nowSeconds();
        if (now - e.lastSuccess[old] < ADDRMAN_REPLACEMENT_S) {
          erase = true; // has successfully connected in the last 4 hours: keep it
        } else if (now - e.lastTry[old] < ADDRMAN_REPLACEMENT_S) {
          // Attempted to connect and failed in the last 4 hours; give it 60 s to answer.
          if (now - e.lastTry[old] > ADDRMAN_COLLISION_TEST_GRACE_S) {
            t.good(e.addrAt(slot), e.port[slot], false, now);
            erase = true;
          }
        } else if (now - e.lastSuccess[slot] > ADDRMAN_TEST_WINDOW_S) {
          // The collision was not resolved in a reasonable time: the old entry must be unreachable.
          t.good(e.addrAt(slot), e.port[slot], false, now);
          erase = true;
        }
      } else {
        t.good(e.addrAt(slot), e.port[slot], false, nowSeconds()); // not a collision any more
        erase = true;
      }
    }
    if (erase) erased.add(c.id);
  }
  t.eraseCollisions(erased);
}

/**
 * Core `SelectTriedCollision_`: a random pending collision's *occupant* (the tried entry that would be
 * evicted), to be tested by a feeler. Returns its slot, or -1 when there is none. Core reads the cell
 * without checking it is occupied (and so can return a default address); here an emptied cell gives -1.
 */
export function selectTriedCollision(t: AddrTable): number {
  if (t.collisions.length === 0) return -1;
  const i = t.random.randrange(t.collisions.length);
  const c = t.collisions[i];
  if (!t.collisionLive(c)) {
    t.eraseCollisionAt(i);
    return -1;
  }
  return t.triedCell(t.triedBucket(c.slot), t.triedPos(c.slot));
}
