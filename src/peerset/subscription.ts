/**
 * `subscribe()`'s iterator: an async iterator of peer-set updates with a bounded buffer.
 *
 * Slow-subscriber policy: each subscriber buffers at most SUBSCRIBER_BUFFER_UPDATES updates. When a
 * new update arrives at a full buffer, the **oldest** buffered update is dropped and `dropped` counts it.
 * Nothing is lost for a consumer that only needs the current state, because every update carries the
 * union of all kept sets (`all`); a consumer that needs every id can read `peerSet(id)` for the ids it
 * skipped (those still kept). The tracker never waits for a subscriber.
 */
import type { PeerKeyHex } from '../util/public-key.js';
import { SUBSCRIBER_BUFFER_UPDATES } from './constants.js';

/** Keys of one set, by role. A key listed in both roles is primary only. */
export interface TrackedPeers {
  /** Keys dialed and kept connected. */
  primary: PeerKeyHex[];
  /** Keys accepted inbound and sent to, never dialed. */
  secondary: PeerKeyHex[];
}

/** One change: a new set was tracked. */
export interface PeerSetUpdate {
  /** The id of the new (now active) set. */
  id: number;
  /** Its primary keys (sorted). */
  primary: PeerKeyHex[];
  /** Its secondary keys (sorted; keys also primary are not repeated). */
  secondary: PeerKeyHex[];
  /** Union over every kept set (secondary excludes keys primary in any kept set). */
  all: TrackedPeers;
}

/** A subscriber's iterator; `return()` (or `break` in `for await`) unsubscribes. */
export class PeerSetSubscription implements AsyncIterableIterator<PeerSetUpdate> {
  private readonly buffer: PeerSetUpdate[] = [];
  private waiter: ((result: IteratorResult<PeerSetUpdate>) => void) | undefined;
  private isClosed = false;
  private droppedCount = 0;

  /** @param onClose called once when the subscriber leaves; @param capacity buffered updates. */
  constructor(private readonly onClose: (sub: PeerSetSubscription) => void, readonly capacity = SUBSCRIBER_BUFFER_UPDATES) {}

  /** Updates dropped because this subscriber's buffer was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Updates waiting to be read. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** True after `return()`/`close()`. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Delivers an update (called by the tracker). */
  push(update: PeerSetUpdate): void {
    if (this.isClosed) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: update, done: false });
      return;
    }
    if (this.buffer.length >= this.capacity) {
      this.buffer.shift();
      this.droppedCount++;
    }
    this.buffer.push(update);
  }

  /** @inheritdoc */
  next(): Promise<IteratorResult<PeerSetUpdate>> {
    const value = this.buffer.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.isClosed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  /** Unsubscribes; buffered updates are discarded. */
  return(): Promise<IteratorResult<PeerSetUpdate>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Unsubscribes (same as `return()`). */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.buffer.length = 0;
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
    this.onClose(this);
  }

  /** @inheritdoc */
  [Symbol.asyncIterator](): AsyncIterableIterator<PeerSetUpdate> {
    return this;
  }
}
