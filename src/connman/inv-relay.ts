/**
 * Inventory relay for applications (Core net_processing.cpp `SendMessages` inventory trickling,
 * btcd's known-inventory cache). `announce()` queues transaction hashes for every peer that does not
 * already know them; queues are flushed as `inv` messages on Poisson timers — one timer shared by all
 * inbound peers (mean 5 s) so an attacker with many inbound connections cannot time the origin of a
 * transaction, and one per outbound peer (mean 2 s). Blocks (and anything that is not a transaction)
 * are announced at once, as Core does: their propagation speed matters and their origin is public. Each peer remembers, in a bounded most-recently-used cache, what it
 * announced to us and what we announced to it, so nothing is echoed back.
 */
import type { Peer } from '../peer/peer.js';
import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';
import { MSG_TX, MSG_TYPE_MASK, MSG_WTX, type InvEntry } from '../wire/inventory.js';
import { MAX_INV_SZ, type InventoryMessage } from '../wire/messages.js';

/** Core INBOUND_INVENTORY_BROADCAST_INTERVAL: mean of the shared inbound trickle timer, ms. */
export const INBOUND_INVENTORY_BROADCAST_INTERVAL_MS = 5_000;
/** Core OUTBOUND_INVENTORY_BROADCAST_INTERVAL: mean of each outbound peer's trickle timer, ms. */
export const OUTBOUND_INVENTORY_BROADCAST_INTERVAL_MS = 2_000;
/** Core INVENTORY_BROADCAST_MAX: most entries announced to one peer per trickle. */
export const INVENTORY_BROADCAST_MAX = 1_000;
/** Most announcements queued for one peer; beyond it the oldest are dropped. */
export const MAX_PENDING_INVENTORY = 10 * INVENTORY_BROADCAST_MAX;

/** The key an inventory item is remembered by: its 32-byte hash (as a binary string). */
export function inventoryKey(entry: InvEntry): string {
  return Buffer.from(entry.hash.buffer, entry.hash.byteOffset, entry.hash.byteLength).toString('latin1');
}

function isTransaction(entry: InvEntry): boolean {
  const base = entry.type & MSG_TYPE_MASK;
  return base === MSG_TX || base === MSG_WTX;
}

/** True when `peer` wants transaction announcements (it asked for relay and is not block-relay-only). */
function relaysTransactions(peer: Peer): boolean {
  return peer.connType !== 'block-relay-only' && (peer.remote?.relay ?? false);
}

/** Per-peer announcement queues and trickle timers. */
export class InventoryRelay {
  private readonly pending = new Map<number, InvEntry[]>();
  private readonly nextSendAt = new Map<number, number>();
  private nextInboundSendAt = 0;

  /** @param clock time; @param random timer draws; @param peers every current peer. */
  constructor(private readonly clock: Clock, private readonly random: Random, private readonly peers: () => Iterable<Peer>) {}

  /**
   * Announces `entries` to every ready peer that does not know them: blocks and other non-transaction
   * items at once, transactions queued for the next trickle (and only to peers that relay
   * transactions). Returns the number of peers something was sent or queued for.
   */
  announce(entries: readonly InvEntry[]): number {
    let reached = 0;
    for (const peer of this.peers()) {
      if (!peer.isReady || peer.isDisconnecting) continue;
      const wanted = entries.filter((e) => !peer.knownInventory.has(inventoryKey(e)) && (!isTransaction(e) || relaysTransactions(peer)));
      if (wanted.length === 0) continue;
      const now = wanted.filter((e) => !isTransaction(e));
      if (now.length > 0) {
        for (const e of now) peer.knownInventory.add(inventoryKey(e));
        for (let i = 0; i < now.length; i += MAX_INV_SZ) peer.send({ type: 'inv', entries: now.slice(i, i + MAX_INV_SZ) });
      }
      const later = wanted.filter(isTransaction);
      if (later.length > 0) {
        let queue = this.pending.get(peer.id);
        if (!queue) this.pending.set(peer.id, (queue = []));
        queue.push(...later);
        if (queue.length > MAX_PENDING_INVENTORY) queue.splice(0, queue.length - MAX_PENDING_INVENTORY);
      }
      reached++;
    }
    return reached;
  }

  /** Records what a peer announced (so it is never announced back to it). */
  onMessage(peer: Peer, message: { type: string }): void {
    if (message.type === 'inv') {
      for (const e of (message as InventoryMessage).entries) peer.knownInventory.add(inventoryKey(e));
    }
  }

  /** Forgets a disconnected peer. */
  onDisconnect(peer: Peer): void {
    this.pending.delete(peer.id);
    this.nextSendAt.delete(peer.id);
  }

  /** Entries queued for a peer. */
  pendingFor(peerId: number): number {
    return this.pending.get(peerId)?.length ?? 0;
  }

  /** Flushes the queues whose timers have fired. */
  tick(): void {
    const now = this.clock.now();
    const inboundDue = now >= this.nextInboundSendAt;
    if (inboundDue) this.nextInboundSendAt = now + this.random.randExpDuration(INBOUND_INVENTORY_BROADCAST_INTERVAL_MS);
    for (const peer of this.peers()) {
      const queue = this.pending.get(peer.id);
      if (!peer.isReady || peer.isDisconnecting) continue;
      if (peer.inbound) {
        if (!inboundDue) continue;
      } else {
        const at = this.nextSendAt.get(peer.id) ?? 0;
        if (now < at) continue;
        this.nextSendAt.set(peer.id, now + this.random.randExpDuration(OUTBOUND_INVENTORY_BROADCAST_INTERVAL_MS));
      }
      if (!queue || queue.length === 0) continue;
      const batch: InvEntry[] = [];
      while (queue.length > 0 && batch.length < Math.min(INVENTORY_BROADCAST_MAX, MAX_INV_SZ)) {
        const e = queue.shift()!;
        const key = inventoryKey(e);
        if (peer.knownInventory.has(key)) continue; // it announced this to us meanwhile
        peer.knownInventory.add(key);
        batch.push(e);
      }
      if (batch.length > 0) peer.send({ type: 'inv', entries: batch });
    }
  }
}
