/** Typed errors of the BIP324 message transport (the v1 transport throws wire/'s `FrameError`). */
import { PeerbookError } from '../util/errors.js';
import type { CompletedFrame } from '../wire/errors.js';

/**
 * Stable codes of `V2TransportError` (Core's log wording in quotes; each one disconnects, as in Core):
 * - `ERR_V2_WRONG_NETWORK`: an inbound peer's first bytes are a v1 `version` header with another
 *   network's magic ("V1 peer with wrong MessageStart");
 * - `ERR_V2_GARBAGE_TERMINATOR`: 4095 bytes of garbage without the expected terminator ("missing garbage terminator");
 * - `ERR_V2_PACKET_TOO_LARGE`: a length field above 1 + 12 + 4,000,000 bytes ("packet too large");
 * - `ERR_V2_DECRYPT`: a packet that does not authenticate — wrong key, tampered bytes, wrong AAD ("packet decryption failure");
 * - `ERR_V2_FAILED`: input pushed into a transport that already failed.
 */
export type V2TransportErrorCode =
  | 'ERR_V2_WRONG_NETWORK'
  | 'ERR_V2_GARBAGE_TERMINATOR'
  | 'ERR_V2_PACKET_TOO_LARGE'
  | 'ERR_V2_DECRYPT'
  | 'ERR_V2_FAILED';

/** The BIP324 byte stream is broken; the transport that threw it refuses further input. */
export class V2TransportError extends PeerbookError {
  /** Which check failed. */
  declare readonly code: V2TransportErrorCode;
  /** Messages completed in the same `receive()` before the error, in order (may be empty). */
  completed: readonly CompletedFrame[];

  /** @param code which check failed; @param message what was wrong; @param completed messages decoded before it. */
  constructor(code: V2TransportErrorCode, message: string, completed: readonly CompletedFrame[] = []) {
    super(code, message);
    this.completed = completed;
  }
}
