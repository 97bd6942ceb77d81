/**
 * Typed errors of the wire layer: `FrameError` for a broken byte stream (the connection cannot be
 * trusted any more) and `MessageDecodeError` for one malformed message payload (the stream is fine;
 * what to do with the peer is the peer layer's decision).
 */
import { DecodeError, PeerbookError } from '../util/errors.js';

/**
 * Stable codes of `FrameError`:
 * - `ERR_FRAME_MAGIC`: the 4 network-magic bytes are not ours (Core: "Wrong MessageStart", disconnect);
 * - `ERR_FRAME_OVERSIZE`: the header announces more than the payload limit (Core: "Size too large", disconnect);
 * - `ERR_FRAME_COMMAND`: the 12-byte command is not printable ASCII padded with NULs (Core `IsMessageTypeValid`);
 * - `ERR_FRAME_CHECKSUM`: the payload does not hash to the header's checksum (Core: "Wrong checksum");
 * - `ERR_FRAME_FAILED`: input pushed into a decoder that already failed;
 * - `ERR_FRAME_INCOMPLETE`: a one-shot decode ran out of bytes before the frame ended;
 * - `ERR_FRAME_TRAILING`: a one-shot decode found bytes after the frame.
 */
export type FrameErrorCode =
  | 'ERR_FRAME_MAGIC'
  | 'ERR_FRAME_OVERSIZE'
  | 'ERR_FRAME_COMMAND'
  | 'ERR_FRAME_CHECKSUM'
  | 'ERR_FRAME_FAILED'
  | 'ERR_FRAME_INCOMPLETE'
  | 'ERR_FRAME_TRAILING';

/** A message that was completely framed before a `FrameError` stopped the decoder. */
export interface CompletedFrame {
  /** Command string (NUL padding removed). */
  command: string;
  /** Payload bytes (a copy owned by the receiver). */
  payload: Uint8Array;
  /** Bytes the message took on the wire: 24-byte header + payload (Core `m_raw_message_size`). */
  rawSize: number;
}

/** The framed byte stream is broken; the decoder that threw it refuses further input. */
export class FrameError extends PeerbookError {
  /** Which check failed. */
  declare readonly code: FrameErrorCode;
  /** Messages completed in the same `push()` before the error, in order (may be empty). */
  readonly completed: readonly CompletedFrame[];

  /** @param code which check failed; @param message what was wrong; @param completed frames decoded before it. */
  constructor(code: FrameErrorCode, message: string, completed: readonly CompletedFrame[] = []) {
    super(code, message);
    this.completed = completed;
  }
}

/**
 * Why a payload failed to decode:
 * - `malformed`: truncated or structurally invalid bytes (a short field, a bad BIP155 address, a
 *   non-canonical CompactSize);
 * - `too-many-entries`: an addr/addrv2/inv/getdata/notfound vector above its protocol limit;
 * - `user-agent-too-long`: a version user agent above MAX_SUBVERSION_LENGTH bytes.
 */
export type MessageDecodeReason = 'malformed' | 'too-many-entries' | 'user-agent-too-long';

/** A message payload that cannot be decoded (code `ERR_DECODE`, like every `DecodeError`). */
export class MessageDecodeError extends DecodeError {
  /** The message's command, e.g. `addrv2`. */
  readonly command: string;
  /** Stable sub-code saying what kind of problem it was. */
  readonly reason: MessageDecodeReason;

  /** @param command the message's command; @param reason stable sub-code; @param detail what was wrong. */
  constructor(command: string, reason: MessageDecodeReason, detail: string, options?: { cause?: unknown }) {
    super(`${command} message: ${detail}`, options);
    this.command = command;
    this.reason = reason;
  }
}
