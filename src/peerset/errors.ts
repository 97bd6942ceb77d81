/** Typed errors of the peer-set tracker: misuse by the application, never a crash. */
import { PeerbookError } from '../util/errors.js';

/**
 * A refused peer-set operation. Codes: `ERR_PEERSET_INVALID_ID`, `ERR_PEERSET_ID_NOT_INCREASING`,
 * `ERR_PEERSET_TOO_LARGE`, `ERR_PEERSET_INVALID_PEER`, `ERR_PEERSET_BLOCK_SELF`,
 * `ERR_PEERSET_INVALID_DURATION`, `ERR_PEERSET_TOO_MANY_SUBSCRIBERS`, `ERR_PEERSET_OPTION`.
 */
export class PeerSetError extends PeerbookError {
  /** @param code one of the codes above; @param message what was wrong. */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
