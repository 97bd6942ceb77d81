/**
 * The `peerbook` command line. Each area registers its own subcommands; this file only assembles
 * them and maps failures to exit codes: any error Peerbook raises on purpose (bad address, bad hex,
 * malformed file, bad flag) prints one line on stderr and exits with 2, with nothing on stdout.
 */
import { Command, CommanderError } from 'commander';
import { PeerbookError } from '../util/errors.js';
import { registerAddressCommands } from './address.js';
import { registerAddrmanCommands } from './addrman.js';
import { registerCrawlCommand } from './crawl.js';
import { registerDemoCommand } from './demo.js';
import { CliError, EXIT_BAD_INPUT, processIO, type CliIO } from './io.js';
import { registerRunCommand } from './run.js';
import { registerSimCommand } from './sim.js';
import { registerWireCommands } from './wire.js';

/** Package version shown by `peerbook --version`. */
export const PEERBOOK_VERSION = '0.1.0';

/** Builds the command tree, writing through `io`. */
export function buildProgram(io: CliIO = processIO): Command {
  const program = new Command('peerbook')
    .description('Peer address manager and connection manager for Bitcoin-style P2P networks')
    .version(PEERBOOK_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerAddressCommands(program, io);
  registerAddrmanCommands(program, io);
  registerWireCommands(program, io);
  registerCrawlCommand(program, io);
  registerRunCommand(program, io);
  registerDemoCommand(program, io);
  registerSimCommand(program, io);
  return program;
}

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; usage errors were already printed by commander.
      return e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    if (e instanceof CliError) {
      io.err(`peerbook: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof PeerbookError) {
      io.err(`peerbook: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    io.err(`peerbook: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
