/**
 * The logging seam. Components log through this small interface; the daemon adapts it to `pino`,
 * tests can collect lines, and the default discards everything.
 */

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A structured logger (a subset every logging library can back). */
export interface Logger {
  /** Detailed diagnostics (Core -debug=net lines). */
  debug(message: string, fields?: LogFields): void;
  /** Normal operation. */
  info(message: string, fields?: LogFields): void;
  /** Something is wrong but handled (a corrupt file moved aside, a network unreachable). */
  warn(message: string, fields?: LogFields): void;
  /** Something failed. */
  error(message: string, fields?: LogFields): void;
}

/** A logger that discards everything. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A logger that keeps lines in memory (for tests and the dashboard's recent-events view). */
export class MemoryLogger implements Logger {
  /** Lines logged, oldest first, at most `limit`. */
  readonly lines: Array<{ level: string; message: string; fields?: LogFields }> = [];

  /** @param limit most lines kept (older ones are dropped). */
  constructor(readonly limit = 10_000) {}

  private push(level: string, message: string, fields?: LogFields): void {
    this.lines.push({ level, message, ...(fields ? { fields } : {}) });
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
  }

  /** @inheritdoc */
  debug(message: string, fields?: LogFields): void { this.push('debug', message, fields); }
  /** @inheritdoc */
  info(message: string, fields?: LogFields): void { this.push('info', message, fields); }
  /** @inheritdoc */
  warn(message: string, fields?: LogFields): void { this.push('warn', message, fields); }
  /** @inheritdoc */
  error(message: string, fields?: LogFields): void { this.push('error', message, fields); }

  /** True if some line's message matches. */
  has(pattern: RegExp): boolean {
    return this.lines.some((l) => pattern.test(l.message));
  }
}
