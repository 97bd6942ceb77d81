/**
 * Traffic accounting for every peer of one manager (Core `RecordBytesSent`/`RecordBytesRecv`,
 * `GetTotalBytesSent`, per-message-type counters, and the `-maxuploadtarget` cycle): each `Peer`
 * reports its frames here, so totals survive the peers that produced them.
 */
import type { TransportProtocolType } from '../peer/message-transport.js';
import type { TrafficRecorder } from '../peer/peer.js';
import type { Clock } from '../util/clock.js';
import type { ManagerCounters } from './types.js';
import { MAX_UPLOAD_TIMEFRAME_MS, UploadTarget } from './upload-target.js';

/** getnettotals "uploadtarget". */
export interface UploadTargetInfo {
  /** Length of a cycle, s. */
  timeframeS: number;
  /** Bytes per cycle (0 = unlimited). */
  target: number;
  /** The target is reached. */
  targetReached: boolean;
  /** Historical blocks may still be served. */
  serveHistoricalBlocks: boolean;
  /** Bytes left in this cycle. */
  bytesLeftInCycle: number;
  /** Time left in this cycle, s. */
  timeLeftInCycleS: number;
}

/** Byte totals, per-message counters and the upload target. */
export class Traffic implements TrafficRecorder {
  private sentBytes = 0;
  private recvBytes = 0;
  private readonly uploadTarget: UploadTarget;

  /** @param clock time; @param counters where per-message bytes go; @param maxUploadTargetBytes 0 = unlimited. */
  constructor(private readonly clock: Clock, private readonly counters: ManagerCounters, maxUploadTargetBytes: number) {
    this.uploadTarget = new UploadTarget(maxUploadTargetBytes);
  }

  /** @inheritdoc */
  recordSent(bytes: number): void {
    this.sentBytes += bytes;
    this.uploadTarget.record(bytes, this.clock.now());
  }

  /** @inheritdoc */
  recordReceived(bytes: number): void {
    this.recvBytes += bytes;
  }

  /** @inheritdoc */
  recordMessage(direction: 'sent' | 'recv', key: string, bytes: number): void {
    const m = this.counters.bytesPerMsg[direction];
    m.set(key, (m.get(key) ?? 0) + bytes);
  }

  /** @inheritdoc */
  recordTransport(direction: 'sent' | 'recv', transport: TransportProtocolType, bytes: number): void {
    this.counters.bytesByTransport[direction][transport] += bytes;
  }

  /** Bytes sent and received in total (Core GetTotalBytesSent/Recv). */
  totals(): { bytesSent: number; bytesRecv: number } {
    return { bytesSent: this.sentBytes, bytesRecv: this.recvBytes };
  }

  /** The upload target state (getnettotals "uploadtarget"). */
  uploadTargetInfo(): UploadTargetInfo {
    const now = this.clock.now();
    const t = this.uploadTarget;
    return {
      timeframeS: MAX_UPLOAD_TIMEFRAME_MS / 1000,
      target: t.limitBytes,
      targetReached: t.reached(false, now),
      serveHistoricalBlocks: !t.reached(true, now),
      bytesLeftInCycle: t.bytesLeft(),
      timeLeftInCycleS: Math.floor(t.timeLeftInCycle(now) / 1000),
    };
  }

  /** True when serving historical blocks would exceed the upload target (Core OutboundTargetReached(true)). */
  outboundTargetReached(historical: boolean): boolean {
    return this.uploadTarget.reached(historical, this.clock.now());
  }
}
