/** `peerbook demo` (`npm run demo`): an offline demonstration network on this machine. */
import type { Command } from 'commander';
import { runDemo } from '../demo/demo.js';
import { CliError, type CliIO } from './io.js';

/** Adds `demo` to the program. */
export function registerDemoCommand(program: Command, io: CliIO): void {
  program
    .command('demo')
    .description('run a small Peerbook network on loopback (and litecoind if installed) with a dashboard; Ctrl-C to stop')
    .option('--duration <seconds>', 'stop after this many seconds')
    .option('--dashboard-port <port>', 'port for the dashboard (default: any free port)')
    .option('--no-litecoind', 'do not start litecoind even if it is installed')
    .action(async (opts: { duration?: string; dashboardPort?: string; litecoind: boolean }) => {
      const durationS = opts.duration === undefined ? undefined : Number(opts.duration);
      if (durationS !== undefined && !(Number.isFinite(durationS) && durationS > 0)) throw new CliError(`--duration must be a positive number of seconds, got ${opts.duration}`);
      const dashboardPort = opts.dashboardPort === undefined ? undefined : Number(opts.dashboardPort);
      if (dashboardPort !== undefined && !(Number.isInteger(dashboardPort) && dashboardPort >= 0 && dashboardPort <= 65535)) {
        throw new CliError(`--dashboard-port must be 0-65535, got ${opts.dashboardPort}`);
      }
      const abort = new AbortController();
      const onSigint = (): void => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        const result = await runDemo({ durationS, dashboardPort, litecoind: opts.litecoind, print: (l) => io.out(l + '\n'), signal: abort.signal });
        const connected = result.nodes.filter((n) => n.outbound > 0).length;
        io.out(`Demo finished: ${connected} of ${result.nodes.length} nodes had outbound peers.\n`);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
