/**
 * Inventory relay for applications (Core net_processing.cpp `SendMessages` inventory trickling,
 * btcd's known-inventory cache). `announce()` queues transaction hashes for every peer that does not
 * already know them; queues are flushed as `inv` messages on Poisson timers — one timer shared by all
 * inbound peers (mean 5 s) so an attacker with many inbound connections cannot time the origin of a
 * transaction, and one per outbound peer (mean 2 s). Blocks (and anything that is not a transaction)
 * are announced at once, as Core does: their propagation speed matters and their origin is public. Each peer remembers, in a bounded most-recently-used cache, what it
 * announced to us and what we announced to it, so nothing is echoed back.
 *
 * A protocol plug-in (../protocol.ts): each peer's queue and timer live in a slot on its record.
 */
import type { Peer } from '../../peer/peer.js';
import type { Random } from '../../util/random.js';
import { MSG_TX, MSG_TYPE_MASK, MSG_WTX, type InvEntry } from '../../wire/inventory.js';
import { MAX_INV_SZ, type Message } from '../../wire/messages.js';
import type { ProtocolPlugin } from '../protocol.js';
import { PeerSlot, type PeerRecord } from '../registry.js';

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

/** One peer's announcement queue and (outbound) trickle timer. */
interface PeerInventoryState {
  /** Transactions waiting for the next trickle, oldest first (at most MAX_PENDING_INVENTORY). */
  queue: InvEntry[];
  /** When this outbound peer's next trickle is due, ms (unset until its first trickle). */
  nextSendAtMs: number | undefined;
}

/** The slot inventory relay keeps its per-peer state in. */
const INV_STATE = new PeerSlot<PeerInventoryState>('inv-relay');

function stateOf(record: PeerRecord): PeerInventoryState {
  return record.get(INV_STATE) ?? record.set(INV_STATE, { queue: [], nextSendAtMs: undefined });
}

/** Per-peer announcement queues and trickle timers. */
export class InventoryRelay implements ProtocolPlugin {
  /** @inheritdoc */
  readonly name = 'inv-relay';
  private nextInboundSendAt = 0;

  /** @param random timer draws; @param peers every current peer's record. */
  constructor(private readonly random: Random, private readonly peers: () => Iterable<PeerRecord>) {}

  /**
   * Announces `entries` to every ready peer that does not know them: blocks and other non-transaction
   * items at once, transactions queued for the next trickle (and only to peers that relay
   * transactions). Returns the number of peers something was sent or queued for.
   */
  announce(entries: readonly InvEntry[]): number {
    let reached = 0;
    for (const record of this.peers()) {
      const { peer } = record;
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
        const { queue } = stateOf(record);
        queue.push(...later);
        if (queue.length > MAX_PENDING_INVENTORY) queue.splice(0, queue.length - MAX_PENDING_INVENTORY);
      }
      reached++;
    }
    return reached;
  }

  /** Records what a peer announced (so it is never announced back to it); never consumes the message. */
  onMessage(record: PeerRecord, message: Message): boolean {
    if (message.type === 'inv') {
      for (const e of message.entries) record.peer.knownInventory.add(inventoryKey(e));
    }
    return false;
  }

  /** Entries queued for a peer. */
  pendingFor(peerId: number): number {
    for (const r of this.peers()) if (r.id === peerId) return r.get(INV_STATE)?.queue.length ?? 0;
    return 0;
  }

  /** Flushes the queues whose timers have fired. */
  tick(nowMs: number): void {
    const now = nowMs;
    const inboundDue = now >= this.nextInboundSendAt;
    if (inboundDue) this.nextInboundSendAt = now + this.random.randExpDuration(INBOUND_INVENTORY_BROADCAST_INTERVAL_MS);
    for (const record of this.peers()) {
      const { peer } = record;
      const state = record.get(INV_STATE);
      if (!peer.isReady || peer.isDisconnecting) continue;
      if (peer.inbound) {
        if (!inboundDue) continue;
      } else {
        const at = state?.nextSendAtMs ?? 0;
        if (now < at) continue;
        stateOf(record).nextSendAtMs = now + this.random.randExpDuration(OUTBOUND_INVENTORY_BROADCAST_INTERVAL_MS);
      }
      const queue = state?.queue;
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
