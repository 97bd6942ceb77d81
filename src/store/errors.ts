/** Typed errors of the data-directory layer. */
import { PeerbookError } from '../util/errors.js';

/**
 * A data-directory operation failed (code `ERR_STORE`): the message names the operation and the
 * path; `cause` carries the underlying `fs` error (its `code`, e.g. `ENOSPC`, is copied to `fsCode`).
 */
export class StoreError extends PeerbookError {
  /** The `fs` error code behind this failure (`ENOSPC`, `EACCES`, …), when there is one. */
  readonly fsCode: string | undefined;

  /** @param message what failed and where; @param cause the underlying error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_STORE', message, options);
    const cause = options?.cause as { code?: unknown } | undefined;
    this.fsCode = typeof cause?.code === 'string' ? cause.code : undefined;
  }
}

/** Describes an fs error briefly: "ENOSPC: no space left on device, write". */
export function describeFsError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
