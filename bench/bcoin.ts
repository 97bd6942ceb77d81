/**
 * The bcoin comparison: the operations bcoin's address manager (`HostList`, lib/net/hostlist.js of npm
 * bcoin 1.0.2, a dev dependency used only here) shares with addrman, on Core's bench addresses.
 *
 * bcoin is CommonJS and picks its backends when first required: with NODE_BACKEND=js its murmur3 (and,
 * elsewhere, its crypto) are plain JavaScript, which is how it loads on Node 20 where its native builds
 * fail. `runBcoinBenchIsolated()` therefore runs this file in a child process with NODE_BACKEND=js and
 * --expose-gc, which also keeps bcoin's heap apart from Peerbook's for the memory figure.
 *
 * No network: HostList is built with no seeds, no nodes and a resolver that throws; `open()` (which
 * would resolve DNS seeds and start a flush timer) is never called; before bcoin is loaded, `net`,
 * `dns` and `dgram` are patched to throw, so any attempt fails the bench instead of leaving the machine.
 *
 * bcoin's table as shipped holds at most 20 buckets × 50 = 1,000 fresh entries, so the "shipped"
 * figures are per operation on the first 1,000 of Core's addresses. The "scaled" configuration sets
 * bcoin's own options to 1024 buckets × 64 (Core's new-table shape), which holds all 16,384, so that
 * the whole of Core's workload can run on bcoin's code too.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { addressSetDigest, coreBenchAddresses, encodeV1Record, NODE_NETWORK, type RawAddress } from './core-addresses.js';
import { collect, gcExposed, medianNs, memoryNow, perOpNs } from './timing.js';

const require = createRequire(import.meta.url);

/** Entries bcoin's pool sends at most in reply to `getaddr` (lib/net/pool.js handleGetAddr). */
const BCOIN_GETADDR_MAX = 1000;
/** Lists built for the memory figure of the shipped configuration (16 × ~1,000 entries, less noise). */
const SHIPPED_MEMORY_LISTS = 16;
/** Wall-clock limit for the child process, ms. */
const CHILD_TIMEOUT_MS = 10 * 60_000;

// --- The parts of bcoin's CommonJS API the bench uses -------------------------------------------------

interface BcoinNetAddress {
  hostname: string;
  port: number;
  services: number;
  time: number;
}
interface BcoinNetAddressClass {
  fromReader(br: unknown, full: boolean): BcoinNetAddress;
  fromRaw(data: Buffer, full: boolean): BcoinNetAddress;
  fromHostname(hostname: string, network: string): BcoinNetAddress;
}
interface BcoinHostEntry {
  addr: BcoinNetAddress;
}
interface BcoinHostList {
  options: { maxBuckets: number; maxEntries: number };
  map: Map<string, BcoinHostEntry>;
  totalFresh: number;
  totalUsed: number;
  add(addr: BcoinNetAddress, src?: BcoinNetAddress): boolean;
  getHost(): BcoinHostEntry | null;
  markAck(hostname: string, services: number): void;
  markSuccess(hostname: string): void;
  toArray(): BcoinNetAddress[];
  toJSON(): unknown;
  fromJSON(json: unknown): BcoinHostList;
  size(): number;
}
type BcoinHostListClass = new (options: object) => BcoinHostList;
interface Bufio {
  read(data: Buffer, zeroCopy?: boolean): unknown;
}

/** bcoin's modules, loaded lazily so that NODE_BACKEND and the network guard are in place first. */
interface Bcoin {
  version: string;
  HostList: BcoinHostListClass;
  NetAddress: BcoinNetAddressClass;
  bufio: Bufio;
  mrmrNative: number;
}

/** Makes every outgoing connection, DNS query and UDP socket in this process throw. */
function forbidNetwork(): void {
  const refuse = (what: string) => (): never => {
    throw new Error(`bcoin bench: ${what} attempted; the bench must not touch the network`);
  };
  const net = require('node:net') as Record<string, unknown> & { Socket: { prototype: Record<string, unknown> } };
  net.Socket.prototype.connect = refuse('net.Socket.connect');
  net.connect = refuse('net.connect');
  net.createConnection = refuse('net.createConnection');
  const dns = require('node:dns') as Record<string, unknown> & { promises: Record<string, unknown> };
  for (const name of ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveSrv', 'resolveTxt', 'reverse']) {
    dns[name] = refuse(`dns.${name}`);
    dns.promises[name] = refuse(`dns.promises.${name}`);
  }
  const dgram = require('node:dgram') as Record<string, unknown>;
  dgram.createSocket = refuse('dgram.createSocket');
}

function loadBcoin(): Bcoin {
  if (process.env.NODE_BACKEND !== 'js') process.env.NODE_BACKEND = 'js'; // read by bcoin's modules at require time
  forbidNetwork();
  const bcoinRequire = createRequire(require.resolve('bcoin/package.json'));
  return {
    version: (bcoinRequire('./package.json') as { version: string }).version,
    HostList: bcoinRequire('./lib/net/hostlist') as BcoinHostListClass,
    NetAddress: bcoinRequire('./lib/net/netaddress') as BcoinNetAddressClass,
    bufio: bcoinRequire('bufio') as Bufio,
    mrmrNative: (bcoinRequire('mrmr') as { native: number }).native,
  };
}

// --- Figures ------------------------------------------------------------------------------------------

/** bcoin's figures for one table configuration (nanoseconds unless the name says otherwise). */
export interface BcoinConfigFigures {
  /** HostList option: buckets in each of the fresh and used tables. */
  maxBuckets: number;
  /** HostList option: entries per bucket. */
  maxEntries: number;
  /** maxBuckets × maxEntries: bcoin refuses new addresses at this size. */
  capacity: number;
  /** Core addresses offered to add() (Core order: source 0's 256, source 1's 256, …). */
  addressesOffered: number;
  /** Entries held afterwards (full buckets evict, so it can be below the number offered). */
  entriesHeld: number;
  /** add() of ready-made NetAddress objects, per address offered. */
  addNsPerAddress: number;
  /** NetAddress.fromReader on the v1 `addr` bytes (as bcoin parses an addr message) + add(), per address. */
  addWithParseNsPerAddress: number;
  /** getHost() on the filled list (fresh entries only, as Core's Select bench has only new entries). */
  getHostNs: number;
  /** getHost() with one entry (250.3.1.1:8333). */
  getHostFromAlmostEmptyNs: number;
  /** The getaddr reply as bcoin's pool builds it: toArray(), first ≤1,000 (without the per-peer filter). */
  getAddrMs: number;
  /** Addresses in that reply. */
  getAddrReturned: number;
  /** markAck() (fresh → used, bcoin's Good) on every held entry of a freshly filled list, per entry. */
  markAckNsPerAddress: number;
  /** Entries in the used table after those markAck() calls. */
  usedAfterMarkAck: number;
  /** markSuccess() (bcoin's Connected) on held entries, per call. */
  markSuccessNs: number;
  /** Heap + external bytes per held entry. */
  bytesPerEntry: number;
  /** Entries behind the memory figure (summed over the lists built for it). */
  memoryEntries: number;
  /** toJSON() + JSON.stringify() of the filled list (what bcoin's flush writes to hosts.json), ms. */
  saveMs: number;
  /** JSON.parse() + fromJSON() of that text (bcoin's loadFile without the read), ms. */
  loadMs: number;
  /** Entries in the saved/loaded list. */
  saveLoadEntries: number;
  /** Size of the JSON text. */
  fileBytes: number;
}

/** Everything the bcoin bench reports. */
export interface BcoinBenchResult {
  name: 'bcoin';
  /** npm package version measured. */
  version: string;
  /** NODE_BACKEND seen by bcoin and whether its murmur3 is native (mrmr `native`: 0 = JavaScript). */
  backend: { NODE_BACKEND: string | undefined; mrmrNative: number };
  /** SHA-256 of the address set (same as Peerbook's run when equal). */
  addressSetSha256: string;
  gcExposed: boolean;
  nodeVersion: string;
  /** As shipped: 20 buckets × 50 entries, measured on the first 1,000 addresses. */
  shipped: BcoinConfigFigures;
  /** bcoin's code with maxBuckets 1024, maxEntries 64: all 16,384 addresses. */
  scaled: BcoinConfigFigures;
}

/** One source's share of a workload: its index and how many of its 256 addresses are offered. */
interface Share {
  source: number;
  count: number;
}

/** Core order, cut after `limit` addresses. */
function sharesUpTo(limit: number, perSource: number, sources: number): Share[] {
  const shares: Share[] = [];
  for (let s = 0; s < sources && limit > 0; s++) {
    const count = Math.min(perSource, limit);
    shares.push({ source: s, count });
    limit -= count;
  }
  return shares;
}

function benchConfig(
  b: Bcoin,
  options: { maxBuckets?: number; maxEntries?: number },
  limit: number,
  runs: number,
): BcoinConfigFigures {
  const now = Math.floor(Date.now() / 1000); // bcoin's clock is the wall clock (network.now())
  const set = coreBenchAddresses();
  const perSource = set.addresses[0].length;
  const refuseDns = async (): Promise<never> => {
    throw new Error('bcoin bench: DNS resolution attempted');
  };
  const hostListOptions = { network: 'main', seeds: [], nodes: [], resolve: refuseDns, memory: true, ...options };
  const newList = (): BcoinHostList => new b.HostList(hostListOptions);
  const toBcoin = (a: RawAddress): BcoinNetAddress => b.NetAddress.fromRaw(encodeV1Record(a, now), true);
  const sources = set.sources.map(toBcoin);
  // One v1 `addr` body per source, as bcoin's AddrPacket would parse it.
  const messages = set.addresses.map((list) => Buffer.concat(list.map((a) => encodeV1Record(a, now))));

  const shares = sharesUpTo(limit, perSource, set.sources.length);
  const offered = shares.reduce((n, s) => n + s.count, 0);
  const fillParsing = (list: BcoinHostList, from: Share[] = shares): void => {
    for (const { source, count } of from) {
      const br = b.bufio.read(messages[source]);
      for (let i = 0; i < count; i++) list.add(b.NetAddress.fromReader(br, true), sources[source]);
    }
  };
  const prebuilt = (): BcoinNetAddress[][] => shares.map(({ source, count }) => set.addresses[source].slice(0, count).map(toBcoin));

  // add(), ready-made addresses: fresh objects and a fresh list per run, built outside the timed part.
  const addTimes: number[] = [];
  let entriesHeld = 0;
  for (let r = -1; r < runs; r++) {
    const addrs = prebuilt();
    const list = newList();
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < shares.length; k++) {
      const src = sources[shares[k].source];
      for (const addr of addrs[k]) list.add(addr, src);
    }
    const t = Number(process.hrtime.bigint() - t0);
    if (r >= 0) addTimes.push(t); // run -1 warms up
    entriesHeld = list.size();
  }
  addTimes.sort((x, y) => x - y);
  const addNs = addTimes[Math.floor(addTimes.length / 2)];

  // add() with parsing.
  let lists: BcoinHostList[] = [];
  for (let r = 0; r <= runs; r++) lists.push(newList());
  fillParsing(lists.pop()!); // warm-up
  const addWithParseNs = medianNs(runs, () => fillParsing(lists.pop()!));
  lists = [];

  // getHost() on the filled list.
  const filled = newList();
  fillParsing(filled);
  const getHostNs = perOpNs(runs, 20_000, () => {
    const e = filled.getHost();
    if (!e || e.addr.port === 0) throw new Error('bcoin getHost: no address');
  });

  // getHost() with one entry.
  const almostEmpty = newList();
  const lone = b.NetAddress.fromHostname('250.3.1.1:8333', 'main');
  almostEmpty.add(lone, lone);
  const getHostFromAlmostEmptyNs = perOpNs(runs, 500, () => {
    if (!almostEmpty.getHost()) throw new Error('bcoin getHost: no address');
  });

  // getaddr reply (pool.handleGetAddr without the per-peer rolling filter).
  let getAddrReturned = 0;
  const getAddrNs = perOpNs(runs, 20, () => {
    const items: BcoinNetAddress[] = [];
    for (const addr of filled.toArray()) {
      items.push(addr);
      if (items.length === BCOIN_GETADDR_MAX) break;
    }
    getAddrReturned = items.length;
  });

  // markAck() on every held entry of a freshly filled list.
  const ackTimes: number[] = [];
  let usedAfterMarkAck = 0;
  for (let r = -1; r < runs; r++) {
    const list = newList();
    fillParsing(list);
    const keys = [...list.map.keys()];
    const t0 = process.hrtime.bigint();
    for (const key of keys) list.markAck(key, NODE_NETWORK);
    const perEntry = Number(process.hrtime.bigint() - t0) / keys.length;
    if (r >= 0) ackTimes.push(perEntry);
    usedAfterMarkAck = list.totalUsed;
  }
  ackTimes.sort((x, y) => x - y);
  const markAckNs = ackTimes[Math.floor(ackTimes.length / 2)];

  // markSuccess() cycling over the held entries.
  const keys = [...filled.map.keys()];
  let next = 0;
  const markSuccessNs = perOpNs(runs, keys.length, () => {
    filled.markSuccess(keys[next]);
    next = (next + 1) % keys.length;
  });

  // Memory per held entry. The shipped table is tiny, so several are built, each from its own run of
  // sources (4 sources, 1,024 addresses, for 16 lists), to lift the figure above the collector's noise.
  const listCount = offered < set.sources.length * perSource ? SHIPPED_MEMORY_LISTS : 1;
  const sourcesPerList = set.sources.length / listCount;
  const slices: Share[][] = [];
  for (let k = 0; k < listCount; k++) {
    slices.push(listCount === 1 ? shares : Array.from({ length: sourcesPerList }, (_, j) => ({ source: k * sourcesPerList + j, count: perSource })));
  }
  const memoryLists: BcoinHostList[] = [];
  collect();
  const before = memoryNow();
  for (const slice of slices) {
    const list = newList();
    fillParsing(list, slice);
    memoryLists.push(list);
  }
  collect();
  const after = memoryNow();
  const memoryEntries = memoryLists.reduce((n, l) => n + l.size(), 0);
  memoryLists.length = 0;

  // Save and load: hosts.json text in memory (no file I/O, like Peerbook's peers.dat figures).
  let text = '';
  const saveNs = medianNs(runs, () => {
    text = JSON.stringify(filled.toJSON());
  });
  const loaded = newList();
  const loadNs = medianNs(runs, () => {
    loaded.fromJSON(JSON.parse(text));
  });
  if (loaded.size() !== filled.size()) throw new Error(`bcoin load: ${loaded.size()} entries, saved ${filled.size()}`);

  return {
    maxBuckets: filled.options.maxBuckets,
    maxEntries: filled.options.maxEntries,
    capacity: filled.options.maxBuckets * filled.options.maxEntries,
    addressesOffered: offered,
    entriesHeld,
    addNsPerAddress: addNs / offered,
    addWithParseNsPerAddress: addWithParseNs / offered,
    getHostNs,
    getHostFromAlmostEmptyNs,
    getAddrMs: getAddrNs / 1e6,
    getAddrReturned,
    markAckNsPerAddress: markAckNs,
    usedAfterMarkAck,
    markSuccessNs,
    bytesPerEntry: (after - before) / memoryEntries,
    memoryEntries,
    saveMs: saveNs / 1e6,
    loadMs: loadNs / 1e6,
    saveLoadEntries: filled.size(),
    fileBytes: Buffer.byteLength(text),
  };
}

/** Runs the bcoin bench in this process (sets NODE_BACKEND=js and blocks the network first). */
export function runBcoinBench(opts: { quick?: boolean } = {}): BcoinBenchResult {
  const runs = opts.quick ? 3 : 7;
  const b = loadBcoin();
  const shippedCapacity = new b.HostList({ network: 'main', seeds: [], nodes: [] }).options;
  return {
    name: 'bcoin',
    version: b.version,
    backend: { NODE_BACKEND: process.env.NODE_BACKEND, mrmrNative: b.mrmrNative },
    addressSetSha256: addressSetDigest(coreBenchAddresses()),
    gcExposed: gcExposed(),
    nodeVersion: process.version,
    shipped: benchConfig(b, {}, shippedCapacity.maxBuckets * shippedCapacity.maxEntries, runs),
    scaled: benchConfig(b, { maxBuckets: 1024, maxEntries: 64 }, Number.POSITIVE_INFINITY, runs),
  };
}

/** Runs the bcoin bench in a child process (`node --expose-gc`, NODE_BACKEND=js) and returns its figures. */
export function runBcoinBenchIsolated(opts: { quick?: boolean } = {}): Promise<BcoinBenchResult> {
  const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', ...(opts.quick ? ['--quick'] : [])];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { env: { ...process.env, NODE_BACKEND: 'js' }, timeout: CHILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`bcoin bench child failed: ${err.message}${stderr ? `\n${stderr.trim()}` : ''}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as BcoinBenchResult);
        } catch {
          reject(new Error(`bcoin bench child printed no JSON:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const result = runBcoinBench({ quick: process.argv.includes('--quick') });
    process.stdout.write(`${JSON.stringify(result, null, process.argv.includes('--child') ? 0 : 2)}\n`);
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  }
}
