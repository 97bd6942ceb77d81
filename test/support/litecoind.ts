/**
 * Test harness for a real `litecoind` (Debian's Litecoin Core 0.21.2, a Bitcoin Core 0.21 fork): an
 * independent implementation of the P2P protocol and of peers.dat to test Peerbook against.
 *
 * - `ensureLitecoind()` finds `litecoind`/`litecoin-cli` on PATH, or installs the Debian package when
 *   running as root (serialised across test processes by `flock` on the same lock file as
 *   scripts/install-test-deps.sh). It reports why when it cannot.
 * - `requireLitecoind(t)` is what a test calls: litecoind missing fails the test, unless
 *   PEERBOOK_SKIP_LITECOIND=1, which skips it with the reason. Tests never skip silently.
 * - `startLitecoind()` runs a regtest daemon in a fresh temporary datadir, on loopback only, never
 *   dialing out (-connect=0, no DNS seeds, no discovery, no UPnP, no Tor), on free ports, retrying on
 *   port races, and waits until RPC answers. `stop()` shuts it down cleanly (SIGKILL as a fallback).
 * - Nothing is written into the user's home: Debian's /usr/bin/litecoind is a wrapper script that
 *   creates ~/.litecoin/litecoin.conf (with a random rpcpassword that then breaks every
 *   `litecoin-cli -rpccookiefile=…` call), so the real binary behind it is run instead
 *   (`litecoindCommand()`), and every child gets its datadir as HOME (`litecoindEnv()`).
 *
 * Facts about litecoind 0.21.2.1 that tests rely on are collected in LITECOIND_FACTS.
 * Polling with real timers is unavoidable here: the daemon is a separate process on the wall clock.
 */
import { execFile, spawn } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { freePorts } from './ports.js';

/** What litecoind 0.21.2.1 (Debian bookworm 0.21.2.1-1+b1) was observed to do, for tests to assert against. */
export const LITECOIND_FACTS = {
  /** `getnetworkinfo.version` (CLIENT_VERSION). */
  version: 210201,
  /** `getnetworkinfo.subversion`: the user agent it sends in `version`. */
  userAgent: '/LitecoinCore:0.21.2.1/',
  /** `getnetworkinfo.protocolversion`. */
  protocolVersion: 70016,
  /** `localservices` on regtest: NETWORK | WITNESS | NETWORK_LIMITED | MWEB (1 << 24). */
  localServices: 0x0100_0409n,
  /** Regtest network magic (same as Bitcoin's regtest): first 4 bytes of peers.dat and of every message. */
  regtestMagic: 'fabfb5da',
  /** Default regtest P2P port (also the default onion-service target port it binds on 127.0.0.1). */
  regtestPort: 19444,
  /** Default regtest RPC port. */
  regtestRpcPort: 19443,
  /** peers.dat header bytes after the magic: format 3 (V3_BIP155), compat 0x23 = 32 + lowest compatible 3. */
  peersDatFormat: 3,
  peersDatCompat: 0x23,
  /** CAddress disk version word in peers.dat records: CLIENT_VERSION | ADDRV2 (0x20033519). */
  peersDatRecordVersion: (210201 | 0x2000_0000) >>> 0,
  /** Services `addpeeraddress` gives an address: NETWORK | WITNESS. */
  addPeerAddressServices: 9,
  /** Default pid file name (Core's, unchanged by the fork); the harness passes -pid explicitly. */
  defaultPidFile: 'bitcoind.pid',
} as const;

/** Environment variable that turns "litecoind unavailable" from a failure into a skip. */
export const SKIP_ENV = 'PEERBOOK_SKIP_LITECOIND';
/** Lock file shared with scripts/install-test-deps.sh so concurrent installs run one at a time. */
export const APT_LOCK_FILE = '/tmp/peerbook-apt.lock';
/** Longest wait for the lock plus `apt-get update && apt-get install`. */
export const INSTALL_TIMEOUT_MS = 20 * 60_000;
/** Longest wait for a started daemon to answer `getnetworkinfo`. */
export const READY_TIMEOUT_MS = 60_000;
/** Longest wait for a clean `stop` before SIGKILL. */
export const STOP_TIMEOUT_MS = 60_000;
/** Longest a single `litecoin-cli` call may take. */
export const CLI_TIMEOUT_MS = 60_000;
/** Start attempts with fresh ports when a port was taken in the meantime. */
export const MAX_START_ATTEMPTS = 4;
/** Poll interval while waiting for the daemon. */
const POLL_MS = 100;

const DAEMON = 'litecoind';
const CLI = 'litecoin-cli';
/** Debian's real daemon; /usr/bin/litecoind only writes ~/.litecoin/litecoin.conf and execs this. */
export const DEBIAN_REAL_LITECOIND = '/usr/lib/litecoin/litecoind';

/** The daemon to run: Debian's real binary when installed (never its HOME-writing wrapper), else `litecoind` on PATH. */
export function litecoindCommand(): string {
  return existsSync(DEBIAN_REAL_LITECOIND) ? DEBIAN_REAL_LITECOIND : DAEMON;
}

/** The environment of a litecoind/litecoin-cli child: HOME is its own datadir, so nothing lands in the user's home. */
export function litecoindEnv(datadir: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: datadir };
}

// ---- availability -------------------------------------------------------------------------------

/** Whether litecoind can be used, and why not. */
export interface LitecoindAvailability {
  /** True when both binaries are on PATH (possibly after installing them). */
  available: boolean;
  /** Why not, or how it became available ("installed litecoind with apt-get"). */
  reason: string;
}

/** Options for `ensureLitecoind` (tests of the harness itself override them). */
export interface EnsureOptions {
  /** PATH to search; default process.env.PATH. */
  searchPath?: string;
  /** Install with apt-get when missing and root; default true. */
  allowInstall?: boolean;
}

async function onPath(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, signal: null, stdout, stderr: stderr + String(e) }); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

async function missingBinaries(searchPath: string): Promise<string[]> {
  const missing: string[] = [];
  for (const name of [DAEMON, CLI]) if ((await onPath(name, searchPath)) === undefined) missing.push(name);
  return missing;
}

async function install(searchPath: string): Promise<LitecoindAvailability> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', PATH: searchPath };
  const script =
    `command -v ${DAEMON} >/dev/null && command -v ${CLI} >/dev/null && exit 0; ` +
    'apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 litecoind';
  const hasFlock = (await onPath('flock', searchPath)) !== undefined;
  const [cmd, args] = hasFlock
    ? ['flock', ['-w', String(Math.floor(INSTALL_TIMEOUT_MS / 1000)), APT_LOCK_FILE, 'sh', '-c', script]]
    : ['sh', ['-c', script]];
  const res = await run(cmd, args as string[], { timeoutMs: INSTALL_TIMEOUT_MS, env });
  if (res.code !== 0) {
    const tail = (res.stderr || res.stdout).trim().split('\n').slice(-5).join(' | ');
    return { available: false, reason: `apt-get install litecoind failed (exit ${res.code ?? res.signal}): ${tail}` };
  }
  const still = await missingBinaries(searchPath);
  if (still.length > 0) return { available: false, reason: `apt-get install litecoind succeeded but ${still.join(', ')} is not on PATH` };
  return { available: true, reason: 'installed litecoind with apt-get' };
}

let cached: Promise<LitecoindAvailability> | undefined;

/**
 * Makes sure `litecoind` and `litecoin-cli` are on PATH: found → available; missing and root →
 * `apt-get update && apt-get install -y litecoind` under the shared lock; otherwise unavailable with
 * the reason. The default-options result is cached for the process.
 */
export function ensureLitecoind(options: EnsureOptions = {}): Promise<LitecoindAvailability> {
  const isDefault = options.searchPath === undefined && options.allowInstall === undefined;
  if (isDefault && cached) return cached;
  const result = (async (): Promise<LitecoindAvailability> => {
    const searchPath = options.searchPath ?? process.env.PATH ?? '';
    const missing = await missingBinaries(searchPath);
    if (missing.length === 0) return { available: true, reason: 'found on PATH' };
    if (options.allowInstall === false) return { available: false, reason: `${missing.join(' and ')} not found on PATH and installing is disabled` };
    if (process.getuid?.() !== 0) {
      return { available: false, reason: `${missing.join(' and ')} not found on PATH; install it with: sudo apt-get install -y litecoind` };
    }
    return install(searchPath);
  })();
  if (isDefault) cached = result;
  return result;
}

/**
 * For a test that needs litecoind: resolves true when it is available. When it is not, the test
 * fails with the reason, or — only with PEERBOOK_SKIP_LITECOIND=1 — is skipped with the reason and
 * false is returned.
 */
export async function requireLitecoind(t: TestContext): Promise<boolean> {
  const got = await ensureLitecoind();
  if (got.available) return true;
  if (process.env[SKIP_ENV] === '1') {
    t.skip(`litecoind unavailable (${SKIP_ENV}=1): ${got.reason}`);
    return false;
  }
  throw new Error(`litecoind is required for this test and unavailable: ${got.reason} (set ${SKIP_ENV}=1 to skip instead)`);
}

// ---- running a daemon ---------------------------------------------------------------------------

/** An RPC call that failed; `rpcCode` is the JSON-RPC error code when litecoin-cli printed one. */
export class LitecoindRpcError extends Error {
  /** JSON-RPC error code (e.g. -8), when known. */
  readonly rpcCode: number | undefined;
  /** @param message what failed; @param rpcCode the RPC error code. */
  constructor(message: string, rpcCode?: number) {
    super(message);
    this.name = 'LitecoindRpcError';
    this.rpcCode = rpcCode;
  }
}

/** Options for `startLitecoind`. */
export interface StartOptions {
  /** Extra command-line arguments, appended last (so they override the harness's). */
  extraArgs?: string[];
  /** Accept inbound P2P connections on `p2pPort` (default true); false runs with -listen=0. */
  listen?: boolean;
}

/** A running regtest litecoind. */
export interface LitecoindNode {
  /** Top-level datadir (a fresh temporary directory). */
  datadir: string;
  /** Network-specific directory: `<datadir>/regtest`. */
  netDir: string;
  /** P2P port on 127.0.0.1 (listening unless started with listen: false). */
  p2pPort: number;
  /** RPC port on 127.0.0.1. */
  rpcPort: number;
  /** Port of the onion-service bind on 127.0.0.1 (always bound by 0.21; set so it never clashes). */
  onionPort: number;
  /** `<datadir>/regtest/peers.dat`. */
  peersDatPath: string;
  /** `<datadir>/regtest/debug.log`. */
  debugLogPath: string;
  /** Daemon process id. */
  pid: number;
  /** Runs `litecoin-cli -regtest -datadir -rpcport <args>`; JSON output is parsed, other output returned trimmed. */
  cli(...args: Array<string | number | boolean>): Promise<any>;
  /** The debug log so far. */
  debugLog(): Promise<string>;
  /** Clean shutdown (`stop` RPC), waiting for the process to exit; SIGKILL after STOP_TIMEOUT_MS. Idempotent. */
  stop(): Promise<void>;
  /** `stop()`, then deletes the datadir. Idempotent. */
  remove(): Promise<void>;
}

/** Daemon pids started by this process, killed if the process exits with them still running. */
const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  });
}

/** True while `pid` is a running (not zombie) process. */
async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

async function readPid(pidFile: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(pidFile, 'utf8')).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try { await access(path); return true; } catch { return false; }
}

function cliRunner(datadir: string, rpcPort: number) {
  return (...args: Array<string | number | boolean>): Promise<any> =>
    new Promise((resolve, reject) => {
      const argv = ['-regtest', `-datadir=${datadir}`, `-rpcport=${rpcPort}`, '-rpcconnect=127.0.0.1', ...args.map(String)];
      execFile(CLI, argv, { timeout: CLI_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, env: litecoindEnv(datadir) }, (err, stdout, stderr) => {
        if (err) {
          const text = (stderr || err.message).trim();
          const code = /error code: (-?\d+)/.exec(text);
          reject(new LitecoindRpcError(`litecoin-cli ${args.join(' ')}: ${text}`, code ? Number(code[1]) : undefined));
          return;
        }
        const out = stdout.trim();
        try {
          resolve(JSON.parse(out));
        } catch {
          resolve(out);
        }
      });
    });
}

/** A start that failed in a way fresh ports may fix. */
class PortRace extends Error {}

async function startOnce(options: StartOptions): Promise<LitecoindNode> {
  const listen = options.listen ?? true;
  const datadir = await mkdtemp(join(tmpdir(), 'peerbook-litecoind-'));
  const netDir = join(datadir, 'regtest');
  const pidFile = join(datadir, 'litecoind.pid');
  const debugLogPath = join(netDir, 'debug.log');
  const [p2pPort, rpcPort, onionPort] = await freePorts(3);
  const args = [
    '-regtest', `-datadir=${datadir}`, `-pid=${pidFile}`,
    `-port=${p2pPort}`, '-connect=0', '-dnsseed=0', '-discover=0', '-upnp=0', '-listenonion=0',
    '-server=1', '-rpcbind=127.0.0.1', '-rpcallowip=127.0.0.1', `-rpcport=${rpcPort}`,
    '-disablewallet', '-printtoconsole=0', '-daemon',
    ...(listen ? ['-listen=1', `-bind=127.0.0.1:${p2pPort}`, `-bind=127.0.0.1:${onionPort}=onion`] : ['-listen=0']),
    ...(options.extraArgs ?? []),
  ];
  const cli = cliRunner(datadir, rpcPort);
  const launched = await run(litecoindCommand(), args, { timeoutMs: READY_TIMEOUT_MS, env: litecoindEnv(datadir) });
  if (launched.code !== 0) {
    await rm(datadir, { recursive: true, force: true });
    throw new Error(`${DAEMON} ${args.join(' ')} exited with ${launched.code ?? launched.signal}: ${launched.stderr.trim()}`);
  }
  installExitHook();
  let pid: number | undefined;
  const log = async (): Promise<string> => readFile(debugLogPath, 'utf8').catch(() => '');
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = '';
  for (;;) {
    pid ??= await readPid(pidFile);
    if (pid !== undefined) live.add(pid);
    try {
      await cli('getnetworkinfo');
      break;
    } catch (e) {
      lastError = (e as Error).message;
    }
    const text = await log();
    const died = pid !== undefined ? !(await isAlive(pid)) : /Shutdown: done/.test(text);
    if (died || Date.now() > deadline) {
      if (pid !== undefined) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        live.delete(pid);
      }
      await rm(datadir, { recursive: true, force: true });
      const bindFailure = /Unable to bind|Binding RPC on address .* failed|Unable to start HTTP server/.test(text);
      const errors = text.split('\n').filter((l) => /error|unable/i.test(l) && !/DeserializeFileDB: Failed to open/.test(l)).slice(-5).join(' | ');
      const msg = `${DAEMON} ${died ? 'exited during startup' : `did not answer RPC within ${READY_TIMEOUT_MS} ms`}: ${errors || lastError}`;
      throw bindFailure ? new PortRace(msg) : new Error(msg);
    }
    await sleep(POLL_MS);
  }
  if (pid === undefined) pid = await readPid(pidFile);
  if (pid === undefined) throw new Error(`${DAEMON} answered RPC but wrote no pid file ${pidFile}`);
  live.add(pid);
  const daemonPid = pid;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await cli('stop').catch(() => undefined);
      const until = Date.now() + STOP_TIMEOUT_MS;
      while (Date.now() < until && ((await exists(pidFile)) || (await isAlive(daemonPid)))) await sleep(POLL_MS);
      if (await isAlive(daemonPid)) {
        try { process.kill(daemonPid, 'SIGKILL'); } catch { /* gone */ }
        while (await isAlive(daemonPid)) await sleep(POLL_MS);
      }
      live.delete(daemonPid);
    })();
    return stopped;
  };
  let removed: Promise<void> | undefined;
  const node: LitecoindNode = {
    datadir, netDir, p2pPort, rpcPort, onionPort,
    peersDatPath: join(netDir, 'peers.dat'),
    debugLogPath,
    pid: daemonPid,
    cli,
    debugLog: log,
    stop,
    remove: () => {
      removed ??= stop().then(() => rm(datadir, { recursive: true, force: true }));
      return removed;
    },
  };
  if (listen) {
    const text = await log();
    if (!text.includes(`Bound to 127.0.0.1:${p2pPort}`)) {
      await node.remove();
      throw new PortRace(`${DAEMON} did not bind 127.0.0.1:${p2pPort}`);
    }
  }
  return node;
}

/**
 * Starts a regtest litecoind in a fresh temporary datadir: loopback only, never dialing out, RPC on
 * 127.0.0.1, no wallet. Retries with fresh ports (up to MAX_START_ATTEMPTS) when a port was taken.
 * Call `requireLitecoind(t)` first. Pair with `t.after(() => node.remove())`.
 */
export async function startLitecoind(options: StartOptions = {}): Promise<LitecoindNode> {
  let last: unknown;
  for (let attempt = 0; attempt < MAX_START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(options);
    } catch (e) {
      if (!(e instanceof PortRace)) throw e;
      last = e;
    }
  }
  throw new Error(`could not start ${DAEMON} after ${MAX_START_ATTEMPTS} attempts: ${(last as Error).message}`);
}
