/**
 * Runs INSIDE a loopback-only network namespace (started by netns.test.ts through
 * test/support/netns.ts; it refuses to run anywhere else). Starts the test network of
 * netns-scenario.ts — eight PeerManagers on real TCP sockets plus a silent listener — then runs the
 * real `peerbook crawl` binary against it three times: a full crawl (with an asmap, so its HTML
 * report groups by AS), a crawl stopped with SIGINT, and one with a bad flag. Prints one JSON object
 * on stdout with what each run printed and wrote; the reports stay in the work directory.
 *
 * Usage: node dist/test/crawl/netns-network.js <work dir>
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { encodeAsmap } from '../../src/address/asmap.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { PeerManager } from '../../src/connman/manager.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import { SystemClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';
import { NODE_NETWORK, NODE_WITNESS } from '../../src/wire/services.js';
import { REPO_ROOT } from '../cli/run-cli.js';
import { assertIsolatedNetwork } from '../support/netns.js';
import { answerGetAddrWithWholeTable, rec } from './helpers.js';
import { ASMAP_FILE, ASMAP_PREFIXES, CHAIN, KNOWS, PORT, SILENT } from './netns-scenario.js';

/** Longest one CLI run may take before it is killed, ms. */
const CLI_RUN_LIMIT_MS = 90_000;
/** After the silent listener is dialed, how long to let the interrupted crawl work before SIGINT, ms. */
const SIGINT_AFTER_MS = 1_500;

/** What one CLI run did. */
export interface CliRunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** crawl.json, parsed, when it was written. */
  report: unknown;
  /** Path of crawl.html, when it was written. */
  htmlPath: string | null;
  /** Milliseconds from SIGINT to exit (interrupted run only). */
  exitAfterSigintMs?: number;
}

/** The JSON this script prints. */
export interface NetnsCrawlResults {
  /** Address-table size of each node after seeding. */
  tableSizes: Record<string, number>;
  full: CliRunResult;
  interrupted: CliRunResult;
  badFlag: CliRunResult;
}

function runCrawl(args: string[], outDir: string | undefined, onStart?: (child: ReturnType<typeof spawn>) => void): Promise<CliRunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/peerbook.js'), 'crawl', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const limit = setTimeout(() => child.kill('SIGKILL'), CLI_RUN_LIMIT_MS);
    onStart?.(child);
    child.once('close', async (code, signal) => {
      clearTimeout(limit);
      let report: unknown = null;
      let htmlPath: string | null = null;
      if (outDir) {
        report = await readFile(path.join(outDir, 'crawl.json'), 'utf8').then((t) => JSON.parse(t) as unknown, () => null);
        const html = path.join(outDir, 'crawl.html');
        htmlPath = await readFile(html).then(() => html, () => null);
      }
      resolve({ code, signal, stdout, stderr, report, htmlPath });
    });
  });
}

async function main(): Promise<void> {
  assertIsolatedNetwork();
  const work = process.argv[2];
  if (!work) throw new Error('usage: netns-network.js <work dir>');
  const clock = new SystemClock();
  const nodes = CHAIN.map((ip) => new PeerManager({
    network: REGTEST, clock, random: ChaChaRandom.fromSeed(`netns-${ip}`), transport: new TcpTransport(clock),
    bind: [`${ip}:${PORT}`], listen: true, connect: ['0'], dnsSeed: false, fixedSeeds: false,
    services: NODE_NETWORK | NODE_WITNESS,
  }));
  const now = clock.nowSeconds();
  const tableSizes: Record<string, number> = {};
  nodes.forEach((node, i) => {
    const ip = CHAIN[i];
    answerGetAddrWithWholeTable(node);
    node.addrman.add(KNOWS[ip].map((a) => rec(a, now - 600, PORT)), NetAddress.parse(ip));
    tableSizes[ip] = node.addrman.size();
  });
  // The silent listener: holds every connection open without a word. `nextSilentDial()` resolves at the next one.
  let silentDialed: () => void = () => undefined;
  const nextSilentDial = (): Promise<void> => new Promise<void>((resolve) => { silentDialed = resolve; });
  const held: net.Socket[] = [];
  const silent = net.createServer((socket) => { held.push(socket); silentDialed(); });
  await new Promise<void>((resolve) => silent.listen(PORT, SILENT, resolve));
  for (const n of nodes) await n.start();
  try {
    const fullOut = path.join(work, 'full');
    const intOut = path.join(work, 'interrupted');
    await mkdir(fullOut, { recursive: true });
    const asmapFile = path.join(work, ASMAP_FILE);
    await writeFile(asmapFile, encodeAsmap(ASMAP_PREFIXES.map(({ cidr, asn }) => {
      const [ip, bits] = cidr.split('/');
      return { prefix: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...NetAddress.parse(ip).bytes), prefixLength: 96 + Number(bits), asn };
    })));
    const full = await runCrawl(['--network', 'regtest', '--seed', CHAIN[0], '--concurrency', '4', '--getaddr-wait', '5',
      '--duration', '60', '--timeout', '2000', '--asmap', asmapFile, '--out', fullOut], fullOut);
    let sigintAt = 0;
    const dialed = nextSilentDial();
    const interrupted = await runCrawl(['--network', 'regtest', '--seed', SILENT, CHAIN[0], '--concurrency', '2',
      '--getaddr-wait', '30', '--timeout', '30000', '--duration', '60', '--out', intOut], intOut, (child) => {
      void dialed.then(() => setTimeout(() => { sigintAt = Date.now(); child.kill('SIGINT'); }, SIGINT_AFTER_MS));
    });
    interrupted.exitAfterSigintMs = sigintAt === 0 ? -1 : Date.now() - sigintAt;
    const badFlag = await runCrawl(['--network', 'regtest', '--seed', CHAIN[0], '--concurrency', '0'], undefined);
    const results: NetnsCrawlResults = { tableSizes, full, interrupted, badFlag };
    process.stdout.write(JSON.stringify(results) + '\n');
  } finally {
    for (const s of held) s.destroy();
    silent.close();
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`netns-network: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
