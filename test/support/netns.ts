/**
 * Loopback-only network namespaces, for tests that must open real TCP connections to many addresses
 * but must never reach beyond this machine — above all the crawler, which dials whatever it hears of.
 *
 * `runInNetns` starts a Node script under `unshare --net`: a fresh network namespace whose only
 * interface is `lo` and which has no route to anywhere else. Before the script runs, `lo` is brought
 * up and the requested IPv4 addresses are added to it as /32s — public-looking addresses such as
 * 20.0.0.1 that exist only inside the namespace, so Core's routability rules treat them as real
 * nodes and gossip them. `silentRoutes` (CIDRs routed into `lo` without being local) make dials hang
 * until they time out; any other address fails at once with ENETUNREACH. Child processes the script
 * starts inherit the namespace.
 *
 * Needs util-linux `unshare`, iproute2 `ip` and root (or CAP_SYS_ADMIN). `requireNetns(t)` fails the
 * test with the reason when that is missing, or skips it when PEERBOOK_SKIP_NETNS=1 — never silently.
 * Scripts call `assertIsolatedNetwork()` first, so they refuse to run outside such a namespace.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';

/** Environment variable that turns "network namespaces unavailable" from a failure into a skip. */
export const SKIP_NETNS_ENV = 'PEERBOOK_SKIP_NETNS';
/** Default limit on one namespaced run; the whole process group is killed after it, ms. */
export const NETNS_RUN_TIMEOUT_MS = 120_000;
/** Longest the availability probe may take, ms. */
const PROBE_TIMEOUT_MS = 10_000;
/** Most addresses or routes one namespace gets. */
export const MAX_NETNS_ADDRESSES = 64;

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** Whether namespaces can be used here, and why not. */
export interface NetnsAvailability {
  /** True when `unshare --net` and `ip` work. */
  available: boolean;
  /** What was found, or what is missing. */
  reason: string;
}

let cached: NetnsAvailability | undefined;

/** Probes once (cached): can we create a network namespace and configure its loopback? */
export function netnsAvailability(): NetnsAvailability {
  if (cached) return cached;
  try {
    execFileSync('unshare', ['--net', 'sh', '-c', 'ip link set lo up && ip addr add 192.0.2.1/32 dev lo'], {
      stdio: ['ignore', 'ignore', 'pipe'], timeout: PROBE_TIMEOUT_MS,
    });
    cached = { available: true, reason: 'unshare --net and ip work' };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    const detail = err.code === 'ENOENT' ? '`unshare` (util-linux) is not installed'
      : `\`unshare --net sh -c "ip link set lo up; ip addr add …"\` failed: ${String(err.stderr ?? err.message).trim()} ` +
        '(needs root or CAP_SYS_ADMIN, and iproute2 `ip`)';
    cached = { available: false, reason: detail };
  }
  return cached;
}

/** For a test: true when namespaces work; otherwise fails the test (or skips it with PEERBOOK_SKIP_NETNS=1). */
export function requireNetns(t: TestContext): boolean {
  const a = netnsAvailability();
  if (a.available) return true;
  if (process.env[SKIP_NETNS_ENV] === '1') {
    t.skip(`network namespaces unavailable: ${a.reason}`);
    return false;
  }
  throw new Error(`network namespaces unavailable: ${a.reason}. Run as root with util-linux and iproute2, or set ${SKIP_NETNS_ENV}=1 to skip.`);
}

/** What to run in a namespace. */
export interface NetnsRun {
  /** IPv4 addresses added to `lo` as /32s. */
  ips: readonly string[];
  /** IPv4 CIDRs routed into `lo` without being local: connections to them hang (dial timeouts). */
  silentRoutes?: readonly string[];
  /** The Node script to run (a compiled .js file). */
  script: string;
  /** Its arguments. */
  args?: readonly string[];
  /** Kill everything after this long (default NETNS_RUN_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** How a namespaced run ended. */
export interface NetnsResult {
  /** Exit status (null when killed by a signal). */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  /** Everything it wrote on stdout. */
  stdout: string;
  /** Everything it wrote on stderr. */
  stderr: string;
  /** True when it was killed for running past `timeoutMs`. */
  timedOut: boolean;
}

/** The shell commands that configure the namespace, then `exec "$@"` (the script and its arguments). */
export function netnsSetupScript(ips: readonly string[], silentRoutes: readonly string[] = []): string {
  if (ips.length + silentRoutes.length > MAX_NETNS_ADDRESSES) throw new RangeError(`at most ${MAX_NETNS_ADDRESSES} addresses and routes`);
  for (const ip of ips) if (!IPV4_RE.test(ip)) throw new RangeError(`not an IPv4 address: ${JSON.stringify(ip)}`);
  for (const r of silentRoutes) {
    const [ip, bits, extra] = r.split('/');
    if (extra !== undefined || !IPV4_RE.test(ip) || !/^\d{1,2}$/.test(bits ?? '') || Number(bits) > 32) {
      throw new RangeError(`not an IPv4 CIDR: ${JSON.stringify(r)}`);
    }
  }
  return [
    'set -e',
    'ip link set lo up',
    ...ips.map((ip) => `ip addr add ${ip}/32 dev lo`),
    ...silentRoutes.map((r) => `ip route add ${r} dev lo`),
    'exec "$@"',
  ].join('\n');
}

/**
 * Runs `node script args…` in a fresh loopback-only network namespace. Resolves when it exits (or
 * was killed after `timeoutMs`, together with every process it started).
 */
export function runInNetns(run: NetnsRun): Promise<NetnsResult> {
  const setup = netnsSetupScript(run.ips, run.silentRoutes);
  return new Promise((resolve, reject) => {
    // detached: the child leads its own process group, so a timeout can kill its children too.
    const child = spawn('unshare', ['--net', 'sh', '-c', setup, 'netns', process.execPath, run.script, ...(run.args ?? [])], {
      detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, run.timeoutMs ?? NETNS_RUN_TIMEOUT_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start unshare: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * Throws unless this process is in a loopback-only network namespace: every interface in
 * /proc/net/dev (which, unlike /sys/class/net, shows the calling process's namespace) must be `lo`,
 * and every IPv4 and IPv6 route must go through `lo`. Scripts that dial call this first.
 */
export function assertIsolatedNetwork(): void {
  const ifaces = readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)
    .map((l) => l.split(':')[0].trim()).filter((n) => n !== '');
  const outside = ifaces.filter((n) => n !== 'lo');
  if (outside.length > 0) throw new Error(`refusing to run: network interfaces other than lo are present (${outside.join(', ')})`);
  const v4 = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).map((l) => l.split('\t')[0].trim()).filter((n) => n !== '');
  const v6 = readFileSync('/proc/net/ipv6_route', 'utf8').split('\n').map((l) => l.trim().split(/\s+/).at(-1) ?? '').filter((n) => n !== '');
  const routes = [...v4, ...v6].filter((n) => n !== 'lo');
  if (routes.length > 0) throw new Error(`refusing to run: routes through ${routes.join(', ')}`);
}
