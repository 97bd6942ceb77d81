/**
 * Typed errors. Every error Peerbook throws on purpose is a `PeerbookError` with a stable `code`
 * string, so callers can branch on `err.code` instead of parsing messages.
 */

/** Base class of every error Peerbook throws on purpose. */
export class PeerbookError extends Error {
  /** Stable machine-readable code, e.g. `ERR_DECODE`. */
  readonly code: string;

  /** @param code stable code; @param message what was wrong and where. */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Malformed bytes: a truncated stream, a non-canonical CompactSize, a bad field length. */
export class DecodeError extends PeerbookError {
  /** @param message Core's wording where Core has one (e.g. "end of data"). */
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DECODE', message, options);
  }
}

/** A string that cannot be parsed (an address, a subnet, a hex string, a config value). */
export class ParseError extends PeerbookError {
  /** @param message names the input and the problem. */
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_PARSE', message, options);
  }
}

/** A caller passed an argument outside its documented range. */
export class ArgumentError extends PeerbookError {
  /** @param message names the argument and the accepted range. */
  constructor(message: string) {
    super('ERR_ARGUMENT', message);
  }
}

/**
 * The reason of a failed file-system call without the path Node appends ("ENOENT: no such file or
 * directory, open '/x'" → "ENOENT: no such file or directory"), for messages that name the file
 * themselves and should say it once.
 */
export function fsErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/, [a-z]+ '[^']*'(?: -> '[^']*')?$/, '');
}
