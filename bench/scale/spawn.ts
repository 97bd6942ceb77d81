/**
 * Starts the bench's child processes (the server under test, the load generator) with a raised
 * file-descriptor limit and an IPC channel. Each peer is one socket on each side, so 5,000 peers need
 * 5,000+ descriptors per process — past the usual soft limit of 1,024. The child is started through
 * util-linux `prlimit --nofile=N:N` (or, without it, `sh -c 'ulimit -n N && exec …'`); raising the hard
 * limit needs root (CAP_SYS_RESOURCE), otherwise N must stay within the current hard limit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { RpcClient } from './rpc.js';

/** How to start one child. */
export interface ChildSpec {
  /** Name in messages. */
  name: string;
  /** The compiled script. */
  script: string;
  /** Its arguments. */
  args: readonly string[];
  /** Node flags (e.g. --expose-gc, --cpu-prof). */
  execArgv?: readonly string[];
  /** File-descriptor limit (soft and hard). */
  nofile: number;
  /** Extra environment. */
  env?: Record<string, string>;
}

let prlimitAvailable: boolean | undefined;

function hasPrlimit(): boolean {
  if (prlimitAvailable === undefined) prlimitAvailable = spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
  return prlimitAvailable;
}

/** Spawns `spec` with its descriptor limit raised; returns the process and an RPC client on its IPC channel. */
export function spawnChild(spec: ChildSpec): { child: ChildProcess; rpc: RpcClient } {
  const nodeArgs = [...(spec.execArgv ?? []), spec.script, ...spec.args];
  const [cmd, argv] = hasPrlimit()
    ? ['prlimit', [`--nofile=${spec.nofile}:${spec.nofile}`, process.execPath, ...nodeArgs]]
    : ['/bin/sh', ['-c', `ulimit -n ${spec.nofile} && exec "$0" "$@"`, process.execPath, ...nodeArgs]];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...spec.env } });
  return { child, rpc: new RpcClient(child, spec.name) };
}
