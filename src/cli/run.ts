/**
 * `peerbook run`: start the daemon. Every configuration key of peerbook.conf is also a flag
 * (`--addnode 1.2.3.4`, `--listen 0`, `--connect 127.0.0.1:19444`), and flags override the file.
 * Bad configuration exits with status 2 before anything starts; a daemon that cannot start (a port in
 * use) stops what it had started and exits with status 1; a clean shutdown exits with 0.
 */
import type { Command } from 'commander';
import { CONFIG_KEYS, type RawSettings } from '../daemon/config.js';
import { Daemon, DaemonStartError } from '../daemon/daemon.js';
import { CliError, type CliIO } from './io.js';

/** Exit status when the daemon could not start (Core's EXIT_FAILURE). */
export const EXIT_START_FAILED = 1;

/** Turns parsed commander options into raw settings with a "command line" origin. */
export function flagsToSettings(opts: Record<string, unknown>): RawSettings {
  const out: RawSettings = new Map();
  for (const key of Object.keys(CONFIG_KEYS)) {
    const v = opts[key];
    if (v === undefined) continue;
    const values = Array.isArray(v) ? v : [v];
    out.set(key, values.map((x) => ({ value: x === true ? '1' : String(x), origin: `command line --${key}` })));
  }
  return out;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds `run` to the program. */
export function registerRunCommand(program: Command, io: CliIO): void {
  const cmd = program
    .command('run')
    .description('run the peer-management daemon (mainnet by default; see peerbook.conf keys below)')
    .option('--network <name>', 'main, test, testnet4, signet or regtest')
    .option('--datadir <dir>', 'data directory (default ~/.peerbook)')
    .option('--conf <file>', 'configuration file (default <datadir>/peerbook.conf)');
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    if (key === 'chain') continue;
    if (spec.kind === 'list') cmd.option(`--${key} <value>`, spec.help, collect);
    else if (spec.kind === 'bool') cmd.option(`--${key} [0|1]`, spec.help);
    else cmd.option(`--${key} <value>`, spec.help);
  }
  cmd.action(async (opts: Record<string, unknown> & { network?: string; datadir?: string; conf?: string }) => {
    const daemon = await Daemon.create({ flags: flagsToSettings(opts), datadir: opts.datadir, conf: opts.conf, network: opts.network });
    try {
      await daemon.start({ handleSignals: true });
    } catch (e) {
      if (e instanceof DaemonStartError) throw new CliError(e.message, EXIT_START_FAILED);
      throw e;
    }
    if (!daemon.stopRequested) io.err(`peerbook: running on ${daemon.params.name}; data in ${daemon.netDir}; Ctrl-C to stop\n`);
    await daemon.done;
  });
}
