/**
 * What CLI commands print through. Commands never touch `process.stdout` directly, so tests can run
 * them in-process and read exactly what they printed.
 */
import { PeerbookError } from '../util/errors.js';

/** Output sinks and exit status for one CLI run. */
export interface CliIO {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
}

/** The process's real stdout/stderr. */
export const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Exit code for unusable input (unparsable address, bad hex, malformed file, bad flag). */
export const EXIT_BAD_INPUT = 2;

/** A CLI failure with the exit code to use (code `ERR_CLI`). */
export class CliError extends PeerbookError {
  /** @param message printed on stderr; @param exitCode process exit status. */
  constructor(message: string, readonly exitCode = EXIT_BAD_INPUT) {
    super('ERR_CLI', message);
  }
}

/** JSON.stringify that prints bigints as decimal strings and byte arrays as hex. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
    return v;
  }, indent);
}

/** The `--pretty` option every JSON-printing command takes: indented output instead of one line per result. */
export const PRETTY_OPTION = ['--pretty', 'indent the JSON for reading (default: one JSON line per result)'] as const;

/** One result as text: a single JSON line, or indented JSON with `pretty`; ends with a newline. */
export function jsonText(value: unknown, pretty = false): string {
  return toJson(value, pretty ? 2 : undefined) + '\n';
}

/** Prints one result (see `jsonText`). */
export function printJson(io: CliIO, value: unknown, pretty = false): void {
  io.out(jsonText(value, pretty));
}
