/**
 * `peerbook run` as a real child process for the lifecycle tests: output collected, waits on real
 * time (the daemon is another process), and a kill in `t.after` so no process outlives its test.
 * Every daemon runs on regtest with outbound connections off (`--connect 0`) and listens on
 * 127.0.0.1 only: nothing dials outside the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { REPO_ROOT } from '../cli/run-cli.js';
import { freePorts } from '../support/ports.js';
import { waitUntil } from '../support/wait.js';

/** A running (or finished) child process. */
export interface DaemonProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Waits until the output matches `pattern` (fails with the output so far). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Ports for one daemon: P2P, RPC and metrics, all free a moment ago. */
export interface DaemonPorts {
  p2p: number;
  rpc: number;
  metrics: number;
}

/** Three free loopback ports. */
export async function daemonPorts(): Promise<DaemonPorts> {
  const [p2p, rpc, metrics] = await freePorts(3);
  return { p2p, rpc, metrics };
}

/** The regtest flags of a loopback-only daemon on `ports` with data in `datadir`. */
export function daemonArgs(datadir: string, ports: DaemonPorts): string[] {
  return ['run', '--network', 'regtest', '--datadir', datadir, '--connect', '0', '--bind', `127.0.0.1:${ports.p2p}`,
    '--rpcport', String(ports.rpc), '--metricsbind', `127.0.0.1:${ports.metrics}`];
}

/** Starts `command args` (default: node bin/peerbook.js) and kills it when `t` ends if it is still running. */
export function spawnProcess(t: TestContext, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): DaemonProcess {
  const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor: async (pattern, timeoutMs = 20_000) => {
      await waitUntil(`output matching ${pattern} (output so far:\n${out})`, () => pattern.test(out), { timeoutMs });
    },
  };
}

/** `peerbook …args` as a child process. */
export function spawnPeerbook(t: TestContext, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): DaemonProcess {
  return spawnProcess(t, process.execPath, [path.join(REPO_ROOT, 'bin/peerbook.js'), ...args], options);
}

/** A TCP listener on 127.0.0.1:`port` that only occupies it, closed when `t` ends. */
export async function occupyPort(t: TestContext, port: number): Promise<void> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve());
  });
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

/** True when nothing accepts connections on 127.0.0.1:`port` any more. */
export function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(true));
  });
}
