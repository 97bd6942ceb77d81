/**
 * Every decoder Peerbook feeds untrusted bytes to, as fuzz targets (see engine.ts for the contract):
 * the frame decoder, each message codec, addresses (v1, v2 and text), subnets, peers.dat,
 * anchors.dat, banlist.json, peers.json, anchors.json, the config file (through to the manager's
 * option validation), JSON-RPC bodies through the real method table, asmap files and the fixed-seed
 * table.
 *
 * Adding a target is a few lines: an object with a name, valid seed encodings, the function that
 * decodes (throwing only the listed typed errors), and how to mutate — push it onto `TARGETS`. The
 * BIP324 receive path and the peer-set handshake have their own files (bip324-targets.ts,
 * peerset-targets.ts).
 *
 * Oracles beyond "no unexpected exception" are thrown as `OracleError`: a decoded message must
 * re-encode, and re-encoding must be idempotent; a decoded address must print and parse back to
 * itself; a decoded peers.dat must pass the consistency check and re-serialise to the same bytes;
 * the frame decoder must cut the same frames whatever the chunking.
 */
import fc from 'fast-check';
import { Asmap, encodeAsmap, type AsmapEntry } from '../../src/address/asmap.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { readRecordV1, readRecordV2, writeRecordV1, writeRecordV2, type AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import { Subnet } from '../../src/address/subnet.js';
import { AddrMan } from '../../src/addrman/addrman.js';
import type { AddrManOptions } from '../../src/addrman/types.js';
import { decodeAnchors, encodeAnchors } from '../../src/addrman/anchors.js';
import { BanlistError, decodeBanlist, encodeBanlist, type BanEntry } from '../../src/addrman/banlist.js';
import { DataFileError } from '../../src/addrman/hashed-file.js';
import { decodePeersJson, encodePeersJson, PeersJsonError } from '../../src/addrman/peers-json.js';
import { PeersDatError } from '../../src/addrman/errors.js';
import { decodeServiceAnchors, encodeServiceAnchors, ServiceAnchorsError } from '../../src/connman/datadir.js';
import { PeerManager } from '../../src/connman/manager.js';
import { ConfigError } from '../../src/connman/options.js';
import { chainFromSettings, CONFIG_KEYS, ConfigFileError, parseConfigText, Settings } from '../../src/daemon/config.js';
import { managerOptionsFromSettings } from '../../src/daemon/daemon.js';
import { RpcError } from '../../src/rpc/errors.js';
import { handleBody } from '../../src/rpc/jsonrpc.js';
import { createDispatcher, METHOD_SPECS, type RpcContext } from '../../src/rpc/methods.js';
import { ByteReader, ByteWriter } from '../../src/util/bytes.js';
import { VirtualClock, type Clock } from '../../src/util/clock.js';
import { DecodeError, ParseError, PeerbookError } from '../../src/util/errors.js';
import { sha256d } from '../../src/util/hash.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { FrameError, MessageDecodeError } from '../../src/wire/errors.js';
import { decodeSingleFrame, encodeFrame, FrameDecoder, type DecodedFrame } from '../../src/wire/frame.js';
import { decodeMessage, encodeMessage, NetMsgType, type Message } from '../../src/wire/messages.js';
import { getNetworkParams, REGTEST } from '../../src/wire/params.js';
import { decodeFixedSeeds, encodeFixedSeeds } from '../../src/wire/seeds.js';
import { Sim } from '../../src/sim/network.js';
import { message as messageArbitrary } from '../wire/arbitraries.js';
import { stopDriven } from '../support/wait.js';
import { BIP324_TARGETS } from './bip324-targets.js';
import { PEERSET_TARGETS } from './peerset-targets.js';
import { OracleError, type FuzzTarget } from './engine.js';

const encoder = new TextEncoder();
const utf8 = (s: string): Uint8Array => encoder.encode(s);
const text = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const MAGIC = REGTEST.magic;

function oracle(condition: boolean, what: string): void {
  if (!condition) throw new OracleError(what);
}

// ---- shared fixtures ------------------------------------------------------------------------------

const ONION = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
const I2P = 'ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p';

/** Addresses of every network, as text. */
const SAMPLE_ADDRESSES = ['1.2.3.4', '250.1.2.3', '2001:db8::1', 'fc00::1', '::ffff:1.2.3.4', ONION, I2P, '[2001:db8::2]', 'esffpp.internal'];

/** Records of every network (services and times varied). */
function sampleRecords(): AddressRecord[] {
  const out: AddressRecord[] = [];
  const addrs = ['1.2.3.4:8333', '250.1.2.3:18444', '[2001:db8::1]:8333', `${ONION}:8333`, `${I2P}:0`, '[fc00::1]:8333', '9.9.9.9:0'];
  addrs.forEach((a, i) => out.push({ service: NetService.parse(a), services: BigInt(i) << BigInt(i * 7), time: 1_700_000_000 - i * 99_999 }));
  return out;
}

const messageSamples = new Map<string, Uint8Array[]>();

/** Encoded payloads of sample messages of one command (fast-check samples, fixed seed, plus an all-zero one). */
function messageSeeds(command: string): Uint8Array[] {
  if (messageSamples.size === 0) {
    for (const m of fc.sample(messageArbitrary, { seed: 1, numRuns: 3000 })) {
      const { command: c, payload } = encodeMessage(m);
      const list = messageSamples.get(c) ?? [];
      if (list.length < 12) list.push(payload);
      messageSamples.set(c, list);
    }
  }
  const seeds = [...(messageSamples.get(command) ?? [])];
  if (seeds.length === 0) seeds.push(new Uint8Array(0));
  return seeds;
}

/** Re-encode, decode, re-encode: the two encodings must match (and re-encoding must work at all). */
function messageRoundTrip(command: string, decoded: Message): string {
  let first: Uint8Array;
  try {
    first = encodeMessage(decoded).payload;
  } catch (e) {
    throw new OracleError(`a decoded ${command} cannot be re-encoded: ${(e as Error).message}`);
  }
  const second = encodeMessage(decodeMessage(command, first)).payload;
  oracle(hex(first) === hex(second), `${command} re-encoding is not idempotent`);
  return 'ok';
}

/** An addrman with `n` entries over every network, some in tried, on a fixed clock and seed. */
function sampleAddrman(n: number, seed: string): AddrMan {
  const clock = new VirtualClock(1_700_000_000_000);
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed(seed) });
  const records: AddressRecord[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 6;
    const addr = kind < 3 ? NetAddress.ipv4(Uint8Array.of(20 + (i % 50), i & 0xff, (i >> 8) & 0xff, 1))
      : kind === 3 ? NetAddress.ipv6(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, i & 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))
        : kind === 4 ? NetAddress.torV3(new Uint8Array(32).fill(i & 0xff)) : NetAddress.i2p(new Uint8Array(32).fill((i * 7) & 0xff));
    records.push({ service: new NetService(addr, 8333 + (i % 3)), services: 9n, time: clock.nowSeconds() - i * 600 });
  }
  man.add(records, NetAddress.parse('5.6.7.8'));
  for (let i = 0; i < n; i += 4) man.good(records[i].service);
  return man;
}

function addrmanOptions(): AddrManOptions {
  return { clock: new VirtualClock(1_700_000_000_000), random: ChaChaRandom.fromSeed('fuzz') };
}

/** Recomputes a hashed data file's trailing sha256d (peers.dat, anchors.dat), so mutations reach the parser. */
function fixHashedFile(input: Uint8Array): Uint8Array {
  if (input.length < 36) return input;
  const out = input.slice();
  out.set(sha256d(out.subarray(0, out.length - 32)), out.length - 32);
  return out;
}

// ---- targets ---------------------------------------------------------------------------------------

const ADDRESS_TOKENS = [
  '.', ':', '::', '[', ']', '%', '/', '0x', '0', '00', 'ffff', 'FFFF', '255', '256', '4294967295', '.onion', '.b32.i2p', '.i2p', '.internal',
  'fc00', 'fd87:d87e:eb43', 'fd6b:88c0:8724', '::ffff:', '1.2.3.4', ' ', '\t', '\0', '-', '+', 'localhost', ONION, I2P, ':8333', ':65536',
  ':-1', '/0', '/32', '/33', '/128', '/129', '/255.255.255.0', '/255.0.255.0', '/ffff:ffff::', 'e', '1e3', '0.0.0.0', '::', 'é', '\u{1F600}',
];

const frameTarget: FuzzTarget = {
  name: 'frame',
  kind: 'bytes',
  errors: [FrameError],
  seeds: () => {
    const frames = [...messageSeeds('version').slice(0, 2), ...messageSeeds('addrv2').slice(0, 2)].map((p, i) => encodeFrame(MAGIC, i < 2 ? 'version' : 'addrv2', p));
    const verack = encodeFrame(MAGIC, 'verack', new Uint8Array(0));
    const ping = encodeFrame(MAGIC, 'ping', new Uint8Array(8).fill(7));
    return [verack, ping, Buffer.concat([verack, ping, verack]), ...frames, Buffer.concat(frames)].map((b) => new Uint8Array(b));
  },
  run: (input) => {
    // The same stream decoded whole and in small uneven chunks must give the same frames.
    const cut = (frames: DecodedFrame[]): string => frames.map((f) => `${f.command}:${f.rawSize}:${hex(f.payload)}`).join('|');
    const whole = new FrameDecoder(MAGIC, 1 << 20, { dropCorrupt: true });
    const chunked = new FrameDecoder(MAGIC, 1 << 20, { dropCorrupt: true });
    let a: DecodedFrame[] = [];
    let errA: unknown;
    try { a = whole.push(input); } catch (e) { errA = e; a = [...(e as FrameError).completed]; }
    let b: DecodedFrame[] = [];
    let errB: unknown;
    const sizes = [1, 3, 20, 7, 64, 2, 500];
    try {
      for (let pos = 0, i = 0; pos < input.length; pos += sizes[i++ % sizes.length]) b.push(...chunked.push(input.subarray(pos, pos + sizes[i % sizes.length])));
    } catch (e) { errB = e; b.push(...(e as FrameError).completed); }
    if (errA !== undefined && !(errA instanceof FrameError)) throw errA;
    if (errB !== undefined && !(errB instanceof FrameError)) throw errB;
    oracle((errA === undefined) === (errB === undefined), 'chunking changed whether the stream is broken');
    if (errA === undefined) {
      oracle(cut(a) === cut(b), 'chunking changed the frames');
      oracle(whole.bufferedBytes === chunked.bufferedBytes && whole.droppedBytes === chunked.droppedBytes, 'chunking changed the byte accounting');
      const consumed = a.reduce((n, f) => n + f.rawSize, 0) + whole.droppedBytes + whole.bufferedBytes;
      oracle(consumed === input.length, `frames + dropped + buffered = ${consumed}, not ${input.length}`);
    }
    return decodeSingleFrame(MAGIC, input, 1 << 20);
  },
};

const MESSAGE_COMMANDS = Object.values(NetMsgType);

const messageTargets: FuzzTarget[] = MESSAGE_COMMANDS.map((command) => ({
  name: `message:${command}`,
  kind: 'bytes',
  errors: [MessageDecodeError],
  seeds: () => messageSeeds(command),
  run: (input) => decodeMessage(command, input),
  check: (decoded) => messageRoundTrip(command, decoded as Message),
}));

/** Decodes records until the input ends; the re-encoding of what was read must be idempotent. */
function recordTarget(name: string, read: (r: ByteReader) => AddressRecord, write: (w: ByteWriter, r: AddressRecord) => void): FuzzTarget {
  const encode = (records: AddressRecord[]): Uint8Array => {
    const w = new ByteWriter();
    for (const r of records) write(w, r);
    return w.toBytes();
  };
  const readAll = (bytes: Uint8Array): AddressRecord[] => {
    const r = new ByteReader(bytes);
    const out: AddressRecord[] = [];
    while (!r.done) out.push(read(r));
    return out;
  };
  return {
    name,
    kind: 'bytes',
    errors: [DecodeError],
    seeds: () => sampleRecords().filter((rec) => name.endsWith('v2') || rec.service.addr.isAddrV1Compatible()).map((rec) => encode([rec])),
    run: (input) => readAll(input),
    check: (decoded) => {
      const records = decoded as AddressRecord[];
      for (const rec of records) rec.service.toString();
      const once = encode(records);
      oracle(hex(encode(readAll(once))) === hex(once), `${name} re-encoding is not idempotent`);
      return records.map((r) => r.service.addr.networkType()).slice(0, 3).join();
    },
  };
}

const addressTextTarget: FuzzTarget = {
  name: 'address:text',
  kind: 'text',
  errors: [ParseError],
  dictionary: ADDRESS_TOKENS,
  seeds: () => [...SAMPLE_ADDRESSES, '1.2.3.4:8333', '[2001:db8::1]:8333', `${ONION}:9050`, '0x7f.1', '127.1'].map(utf8),
  run: (input) => {
    const s = text(input);
    let addr: NetAddress | undefined;
    try {
      addr = NetAddress.parse(s);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
    }
    return { s, addr, svc: NetService.parse(s, 8333) };
  },
  check: (decoded) => {
    const { s, addr, svc } = decoded as { s: string; addr: NetAddress | undefined; svc: NetService };
    if (addr) {
      const again = NetAddress.parse(addr.toString());
      oracle(again.equals(addr), `address "${s}" prints as "${addr.toString()}", which parses as "${again.toString()}"`);
    }
    const back = NetService.parse(svc.toString(), 8333);
    oracle(back.equals(svc), `service "${s}" prints as "${svc.toString()}", which parses as "${back.toString()}"`);
    return `${addr?.networkType() ?? '-'}/${svc.addr.networkType()}/${svc.port === 8333 ? 'default' : 'port'}`;
  },
};

const subnetTarget: FuzzTarget = {
  name: 'subnet',
  kind: 'text',
  errors: [ParseError],
  dictionary: ADDRESS_TOKENS,
  seeds: () => ['1.2.3.0/24', '1.2.3.4', '2001:db8::/32', '1.2.3.4/255.255.255.0', `${ONION}`, '::/0', '0.0.0.0/0', 'fc00::/7'].map(utf8),
  run: (input) => Subnet.parse(text(input)),
  check: (decoded) => {
    const subnet = decoded as Subnet;
    if (subnet.isValid()) {
      const again = Subnet.parse(subnet.toString());
      oracle(again.toString() === subnet.toString() && again.key === subnet.key, `subnet prints as "${subnet.toString()}", which parses as "${again.toString()}"`);
    }
    return subnet.isValid() ? `valid/${subnet.toString().includes('/') ? 'range' : 'single'}` : 'invalid';
  },
};

const peersDatTarget: FuzzTarget = {
  name: 'peers.dat',
  kind: 'bytes',
  errors: [PeersDatError],
  seeds: () => [sampleAddrman(0, 'a').serialize(MAGIC), sampleAddrman(3, 'b').serialize(MAGIC), sampleAddrman(12, 'c').serialize(MAGIC),
    sampleAddrman(12, 'd').serialize(MAGIC, { format: 3 })],
  fixup: fixHashedFile,
  run: (input) => AddrMan.deserialize(input, MAGIC, addrmanOptions()),
  check: (decoded) => {
    const man = decoded as AddrMan;
    oracle(man.checkConsistency() === 0, `consistency check ${man.checkConsistency()} after loading`);
    const once = man.serialize(MAGIC);
    const twice = AddrMan.deserialize(once, MAGIC, addrmanOptions()).serialize(MAGIC);
    oracle(hex(once) === hex(twice), 'save → load → save changed the file');
    return `n${Math.min(man.size(), 8)}/tried${Math.min(man.size({ inNew: false }), 4)}`;
  },
};

const anchorsDatTarget: FuzzTarget = {
  name: 'anchors.dat',
  kind: 'bytes',
  errors: [DataFileError],
  seeds: () => [encodeAnchors(MAGIC, []), encodeAnchors(MAGIC, sampleRecords().slice(0, 2)), encodeAnchors(MAGIC, sampleRecords().slice(3, 5))],
  fixup: fixHashedFile,
  run: (input) => decodeAnchors(MAGIC, input),
  check: (decoded) => {
    const records = decoded as AddressRecord[];
    const again = decodeAnchors(MAGIC, encodeAnchors(MAGIC, records));
    oracle(again.map((r) => r.service.toString()).join() === records.map((r) => r.service.toString()).join(), 'anchors change on re-encoding');
    return `n${records.length}`;
  },
};

const banlistTarget: FuzzTarget = {
  name: 'banlist.json',
  kind: 'json',
  errors: [BanlistError],
  dictionary: ['banned_nets', 'version', 'ban_created', 'banned_until', 'address', '_warning_', ...SAMPLE_ADDRESSES, '1.2.3.0/24', '::/0'],
  seeds: () => [encodeBanlist([]), encodeBanlist([
    { subnet: Subnet.parse('1.2.3.0/24'), created: 1_700_000_000, until: 1_700_086_400 },
    { subnet: Subnet.parse(ONION), created: 1_700_000_000, until: 1_800_000_000 },
    { subnet: Subnet.parse('2001:db8::/32'), created: 1, until: 2 },
  ])].map(utf8),
  run: (input) => decodeBanlist(text(input)),
  check: (decoded) => {
    const entries = decoded as BanEntry[];
    const again = decodeBanlist(encodeBanlist(entries));
    oracle(again.map((e) => `${e.subnet.key}:${e.until}`).sort().join() === entries.map((e) => `${e.subnet.key}:${e.until}`).sort().join(), 'ban entries change on re-encoding');
    return `n${Math.min(entries.length, 4)}`;
  },
};

const peersJsonTarget: FuzzTarget = {
  name: 'peers.json',
  kind: 'json',
  errors: [PeersJsonError],
  dictionary: ['header', 'entries', 'format', 'version', 'magic', 'key', 'asmapChecksum', 'lastGood', 'counts', 'new', 'tried', 'total', 'collisions',
    'address', 'port', 'network', 'services', 'servicesnames', 'time', 'lastTry', 'lastCountAttempt', 'lastSuccess', 'attempts', 'source',
    'sourceNetwork', 'table', 'refCount', 'cells', 'bucket', 'position', 'state', 'ipv4', 'ipv6', 'onion', 'i2p', 'cjdns', ...SAMPLE_ADDRESSES, 'fabfb5da'],
  seeds: () => [encodePeersJson(sampleAddrman(0, 'e'), MAGIC), encodePeersJson(sampleAddrman(6, 'f'), MAGIC)].map(utf8),
  run: (input) => decodePeersJson(input, { ...addrmanOptions(), magic: MAGIC }),
  check: (decoded) => {
    const man = decoded as AddrMan;
    oracle(man.checkConsistency() === 0, `consistency check ${man.checkConsistency()} after import`);
    return `n${Math.min(man.size(), 8)}`;
  },
};

const anchorsJsonTarget: FuzzTarget = {
  name: 'anchors.json',
  kind: 'json',
  errors: [ServiceAnchorsError],
  dictionary: ['version', 'anchors', 'address', 'services', 'time', ...SAMPLE_ADDRESSES.map((a) => `${a}:8333`), '0000000000000449'],
  seeds: () => [encodeServiceAnchors([]), encodeServiceAnchors(sampleRecords().slice(0, 4))].map(utf8),
  run: (input) => decodeServiceAnchors(text(input)),
  check: (decoded) => `n${(decoded as AddressRecord[]).length}`,
};

const configTarget: FuzzTarget = {
  name: 'config',
  kind: 'text',
  errors: [ConfigFileError, ConfigError],
  dictionary: [...Object.keys(CONFIG_KEYS).map((k) => `\n${k}=`), ...Object.keys(CONFIG_KEYS), '=', '\n', '[regtest]\n', '[main]\n', '[test]\n', 'no', '#',
    '0', '1', '9'.repeat(400), '2147483648', '2147483647', '-1', '1.5', 'K', 'M', 'G', 'T', 't', '127.0.0.1:18444', '[::1]', '0.0.0.0', 'ipv4', 'onion', 'i2p',
    'noban@127.0.0.1', 'addr,noban@1.2.3.0/24', 'regtest.', '\r\n', ' ', '\0'],
  seeds: () => [
    'regtest=1\n[regtest]\nlisten=1\nbind=127.0.0.1:18444\nmaxconnections=40\n',
    'chain=regtest\ntimeout=5000\npeertimeout=60\nbantime=86400\nmaxuploadtarget=500M\nmaxreceivebuffer=5000\nmaxsendbuffer=1000\n',
    'regtest=1\nconnect=0\naddnode=127.0.0.1:18445\nwhitelist=noban@127.0.0.1\nwhitebind=addr@127.0.0.1:18446\nonlynet=ipv4\nexternalip=1.2.3.4\n',
    'regtest=1\nproxy=127.0.0.1:9050\nonion=127.0.0.1:9050\nproxyrandomize=0\ndnsseed=0\nfixedseeds=0\ncheckaddrman=100\npeersdatformat=3\n',
  ].map(utf8),
  run: (input) => {
    const file = parseConfigText(text(input), 'fuzz.conf');
    const top = Settings.merge(file.get(''));
    const chain = chainFromSettings(top) ?? 'regtest';
    let params;
    try {
      params = getNetworkParams(chain);
    } catch (e) {
      throw new ConfigFileError(`unknown network ${chain}: ${(e as Error).message}`);
    }
    const s = Settings.merge(file.get(''), file.get(params.name));
    s.validate();
    if (s.has('asmap')) return 'asmap'; // a file path: the loader is the asmap target's business
    const options = managerOptionsFromSettings(s, params, '/nonexistent', { clock: new VirtualClock() });
    PeerManager.validate(options);
    return Object.keys(options).length;
  },
};

/** A clock whose sleeps end at once: `stop`'s hidden wait must not hold the fuzzer. */
function instantSleepClock(clock: Clock): Clock {
  return { now: () => clock.now(), nowSeconds: () => clock.nowSeconds(), setTimeout: (fn, ms) => clock.setTimeout(fn, ms), sleep: async () => undefined };
}

/** A typed cause hidden under RPC_MISC_ERROR is fine; an untyped one (a TypeError in a method) is a finding. */
let untypedRpcCause: unknown;
let rpcSim: { sim: Sim; node: PeerManager; dispatch: ReturnType<typeof createDispatcher> } | undefined;

function rpcRequestSeeds(): string[] {
  const byMethod: Record<string, unknown[][]> = {
    setban: [['1.2.3.0/24', 'add', 3600], ['1.2.3.4', 'add', 1_900_000_000, true], ['1.2.3.0/24', 'remove'], [ONION, 'add']],
    addnode: [['127.0.0.1:18445', 'add'], ['127.0.0.1:18445', 'remove'], ['10.0.0.9', 'onetry']],
    disconnectnode: [['127.0.0.1:18445'], ['', 5]],
    getnodeaddresses: [[0], [10, 'ipv4'], [1, 'onion']],
    getpeerinfo: [[]], getnetworkinfo: [[]], getnettotals: [[]], getconnectioncount: [[]], listbanned: [[]], clearbanned: [[]],
    setnetworkactive: [[true]], ping: [[]], getaddednodeinfo: [[], ['127.0.0.1:18445']], getaddrmaninfo: [[]], getrawaddrman: [[]],
    addpeeraddress: [['1.2.3.4', 8333], ['2001:db8::1', 8333, true]], addconnection: [['127.0.0.1:18446', 'feeler', false]],
    help: [[], ['setban']], uptime: [[]], stop: [[1]], sendmsgtopeer: [[0, 'ping', '0000000000000000']],
  };
  const out: string[] = [];
  for (const spec of METHOD_SPECS) {
    for (const params of byMethod[spec.name] ?? [[]]) out.push(JSON.stringify({ jsonrpc: '2.0', method: spec.name, params, id: out.length }));
  }
  out.push(JSON.stringify([{ method: 'getconnectioncount', id: 1 }, { method: 'uptime', id: 2 }]));
  out.push(JSON.stringify({ method: 'setban', params: { subnet: '1.2.3.4', command: 'add' }, id: 'named' }));
  return out;
}

const rpcTarget: FuzzTarget = {
  name: 'rpc',
  kind: 'json',
  errors: [],
  dictionary: [...METHOD_SPECS.map((m) => m.name), 'method', 'params', 'id', 'jsonrpc', '2.0', '1.0', 'add', 'remove', 'onetry', 'ipv4', 'ipv6', 'onion',
    'i2p', 'cjdns', 'feeler', 'block-relay-only', 'outbound-full-relay', 'addr-fetch', ...SAMPLE_ADDRESSES, '1.2.3.0/24', '1.2.3.4/33', '127.0.0.1:18445'],
  seeds: () => rpcRequestSeeds().map(utf8),
  async open() {
    const sim = new Sim();
    const node = sim.node('10.0.0.1');
    await sim.startAll();
    const ctx: RpcContext = {
      manager: node, clock: instantSleepClock(node.clock), version: { version: 10_000, subversion: '/Peerbook:0.1.0/', protocolVersion: 70016 },
      startTime: () => node.startTime, relayFee: 1000n, incrementalFee: 1000n, requestStop: () => undefined,
    };
    const inner = createDispatcher(ctx);
    rpcSim = {
      sim, node,
      dispatch: async (req) => {
        try {
          return await inner(req);
        } catch (e) {
          const cause = e instanceof RpcError ? (e as { cause?: unknown }).cause : e;
          if (!(e instanceof RpcError) || (cause !== undefined && !(cause instanceof PeerbookError))) untypedRpcCause = cause ?? e;
          throw e;
        }
      },
    };
  },
  async close() {
    if (rpcSim) await stopDriven(rpcSim.node, rpcSim.sim.clock);
    rpcSim = undefined;
  },
  run: async (input) => {
    if (!rpcSim) throw new Error('rpc target used before open()');
    untypedRpcCause = undefined;
    const reply = await handleBody(text(input), rpcSim.dispatch);
    if (untypedRpcCause !== undefined) {
      const c = untypedRpcCause as Error;
      throw new OracleError(`a method failed with an untyped ${c?.constructor?.name}: ${c?.message}\n${c?.stack?.split('\n').slice(1, 5).join('\n')}`);
    }
    const body: unknown = reply.body === undefined ? undefined : JSON.parse(reply.body);
    const first = (Array.isArray(body) ? body[0] : body) as { error?: { code?: number } } | undefined;
    const named = (/"method":"([a-z]+)"/.exec(text(input)) ?? [])[1];
    const method = METHOD_SPECS.some((m) => m.name === named) ? named : 'other';
    return `${reply.status}/${method}/${first?.error?.code ?? 'ok'}`;
  },
};

function asmapEntry(address: string, prefixLength: number, asn: number): AsmapEntry {
  return { prefix: NetAddress.parse(address).toV1(), prefixLength, asn };
}

const asmapTarget: FuzzTarget = {
  name: 'asmap',
  kind: 'bytes',
  errors: [PeerbookError],
  seeds: () => [
    encodeAsmap([asmapEntry('1.0.0.0', 96 + 8, 13335), asmapEntry('2001:db8::', 32, 64512), asmapEntry('10.1.0.0', 96 + 16, 7)]),
    encodeAsmap([asmapEntry('::', 0, 1)]),
  ],
  run: (input) => {
    const map = Asmap.fromBytes(input);
    for (const a of ['1.2.3.4', '2001:db8::1', '10.1.2.3', '::']) map.lookup(NetAddress.parse(a).toV1());
    return map;
  },
};

const fixedSeedsTarget: FuzzTarget = {
  name: 'fixed-seeds',
  kind: 'bytes',
  errors: [DecodeError],
  seeds: () => [encodeFixedSeeds(sampleRecords().map((r) => r.service))],
  run: (input) => decodeFixedSeeds(input),
  check: (decoded) => {
    const seeds = decoded as NetService[];
    oracle(decodeFixedSeeds(encodeFixedSeeds(seeds)).map(String).join() === seeds.map(String).join(), 'fixed seeds change on re-encoding');
    return seeds.length;
  },
};

/** Every fuzz target, in the order `npm run fuzz` runs them. */
export const TARGETS: FuzzTarget[] = [
  frameTarget,
  ...messageTargets,
  recordTarget('address:v1', readRecordV1, writeRecordV1),
  recordTarget('address:v2', readRecordV2, writeRecordV2),
  addressTextTarget,
  subnetTarget,
  peersDatTarget,
  anchorsDatTarget,
  banlistTarget,
  peersJsonTarget,
  anchorsJsonTarget,
  configTarget,
  rpcTarget,
  asmapTarget,
  fixedSeedsTarget,
  ...BIP324_TARGETS,
  ...PEERSET_TARGETS,
];
