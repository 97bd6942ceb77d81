/**
 * The upload target (Core `-maxuploadtarget`, net.cpp): a budget of bytes sent per 24-hour cycle.
 * Peerbook counts every byte sent and answers Core's questions — is the target reached, how many bytes
 * and seconds are left in the cycle — so the application can refuse to serve historical blocks (Core
 * keeps a buffer of one maximum-size block per 10 minutes left in the cycle for new blocks).
 */

/** Core net.cpp MAX_UPLOAD_TIMEFRAME: the length of a cycle, ms. */
export const MAX_UPLOAD_TIMEFRAME_MS = 24 * 60 * 60 * 1000;
/** Core consensus.h MAX_BLOCK_SERIALIZED_SIZE, bytes. */
export const MAX_BLOCK_SERIALIZED_SIZE = 4_000_000;
const TEN_MINUTES_MS = 10 * 60 * 1000;

/** Bytes sent per cycle against a limit (0 = unlimited). */
export class UploadTarget {
  private cycleStart = 0;
  private sentInCycle = 0;

  /** @param limitBytes bytes per 24 h; 0 disables the target. */
  constructor(public limitBytes = 0) {}

  /** Core `RecordBytesSent`: starts a new cycle when the old one is over, then counts. */
  record(bytes: number, nowMs: number): void {
    if (this.cycleStart + MAX_UPLOAD_TIMEFRAME_MS < nowMs) {
      this.cycleStart = nowMs;
      this.sentInCycle = 0;
    }
    this.sentInCycle += bytes;
  }

  /** Bytes sent in the current cycle. */
  get sent(): number {
    return this.sentInCycle;
  }

  /** Core `GetMaxOutboundTimeLeftInCycle`, ms. */
  timeLeftInCycle(nowMs: number): number {
    if (this.limitBytes === 0) return 0;
    if (this.cycleStart === 0) return MAX_UPLOAD_TIMEFRAME_MS;
    const end = this.cycleStart + MAX_UPLOAD_TIMEFRAME_MS;
    return end < nowMs ? 0 : end - nowMs;
  }

  /** Core `OutboundTargetReached(historicalBlockServingLimit)`. */
  reached(historical: boolean, nowMs: number): boolean {
    if (this.limitBytes === 0) return false;
    if (historical) {
      const buffer = Math.floor(this.timeLeftInCycle(nowMs) / TEN_MINUTES_MS) * MAX_BLOCK_SERIALIZED_SIZE;
      return buffer >= this.limitBytes || this.sentInCycle >= this.limitBytes - buffer;
    }
    return this.sentInCycle >= this.limitBytes;
  }

  /** Core `GetOutboundTargetBytesLeft`. */
  bytesLeft(): number {
    if (this.limitBytes === 0) return 0;
    return this.sentInCycle >= this.limitBytes ? 0 : this.limitBytes - this.sentInCycle;
  }
}
