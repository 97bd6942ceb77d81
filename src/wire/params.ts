/**
 * Network parameters: what tells one P2P network from another on the wire — the 4-byte message
 * start ("magic"), the default P2P and RPC ports, the DNS seeds and the fixed seeds — for Bitcoin
 * Core's five chains (Core src/kernel/chainparams.cpp, src/chainparamsbase.cpp) and for custom
 * networks such as another coin's regtest.
 */
import { NetService } from '../address/service.js';
import { ByteWriter } from '../util/bytes.js';
import { ArgumentError, ParseError } from '../util/errors.js';
import { sha256d } from '../util/hash.js';
import { hexToBytes } from '../util/hex.js';
import { MAGIC_SIZE } from './frame.js';
import { decodeFixedSeeds } from './seeds.js';
import { FIXED_SEEDS_HEX } from './seeds-data.js';

/** Core's chain type names (`ChainTypeToString`). */
export type ChainName = 'main' | 'test' | 'testnet4' | 'signet' | 'regtest';

/** The parameters that identify a P2P network. Treat every field, including `magic`, as read-only. */
export interface NetworkParams {
  /** Core's chain name ('main', 'test', 'testnet4', 'signet', 'regtest') or a custom network's name. */
  readonly name: ChainName | (string & {});
  /** The 4-byte message start every frame (and peers.dat / anchors.dat) begins with. */
  readonly magic: Uint8Array;
  /** Default P2P port (Core `nDefaultPort`). */
  readonly defaultPort: number;
  /** Default JSON-RPC port (Core chainparamsbase.cpp). */
  readonly rpcPort: number;
  /** DNS seed host names, as Core lists them (with the trailing dot that makes them absolute). */
  readonly dnsSeeds: readonly string[];
  /** Fixed seeds, decoded from Core's BIP155 `CService` list format. */
  readonly fixedSeeds: readonly NetService[];
}

/** Core kernel/chainparams.cpp: the default signet challenge (a 1-of-2 bare multisig script). */
export const DEFAULT_SIGNET_CHALLENGE = hexToBytes(
  '512103ad5e0edad18cb1f0fc0d28a3d4f1f3e445640337489abb10404f2d1e086be430210359ef5021964fe22d6f8e05b2463c9540ce96883fe3b278760f048f5189f2e6c452ae',
);

/**
 * Core `SigNetParams`: a signet's magic is the first 4 bytes of SHA256d of its challenge serialized
 * as a byte vector (CompactSize length, then the script).
 */
export function signetMagic(challenge: Uint8Array): Uint8Array {
  const w = new ByteWriter(challenge.length + 9);
  w.varBytes(challenge);
  return sha256d(w.toBytes()).slice(0, MAGIC_SIZE);
}

function frozen(p: NetworkParams): NetworkParams {
  return Object.freeze({
    ...p,
    dnsSeeds: Object.freeze([...p.dnsSeeds]),
    fixedSeeds: Object.freeze([...p.fixedSeeds]),
  });
}

function seeds(hex: string): NetService[] {
  return decodeFixedSeeds(hexToBytes(hex));
}

/** Bitcoin mainnet (Core CMainParams): magic f9beb4d9, P2P 8333, RPC 8332. */
export const MAINNET: NetworkParams = frozen({
  name: 'main',
  magic: Uint8Array.of(0xf9, 0xbe, 0xb4, 0xd9),
  defaultPort: 8333,
  rpcPort: 8332,
  // Operators and the x<hex> service-bit subdomains each seed answers, per Core's chainparams.cpp notes.
  dnsSeeds: [
    'seed.bitcoin.sipa.be.', // Pieter Wuille; service filters x1 x5 x9 xd
    'dnsseed.bluematt.me.', // Matt Corallo; filter x9 only
    'seed.bitcoin.jonasschnelli.ch.', // Jonas Schnelli; x1 x5 x9 xd
    'seed.btc.petertodd.net.', // Peter Todd; x1 x5 x9 xd
    'seed.bitcoin.sprovoost.nl.', // Sjors Provoost
    'dnsseed.emzy.de.', // Stephan Oeste
    'seed.bitcoin.wiz.biz.', // Jason Maurice
    'seed.mainnet.achownodes.xyz.', // Ava Chow; x1 x5 x9 x49 x809 x849 xd x400 x404 x408 x448 xc08 xc48 x40c
  ],
  fixedSeeds: seeds(FIXED_SEEDS_HEX.main),
});

/** Bitcoin testnet3 (Core CTestNetParams): magic 0b110907, P2P 18333, RPC 18332. */
export const TESTNET3: NetworkParams = frozen({
  name: 'test',
  magic: Uint8Array.of(0x0b, 0x11, 0x09, 0x07),
  defaultPort: 18333,
  rpcPort: 18332,
  dnsSeeds: [
    'testnet-seed.bitcoin.jonasschnelli.ch.',
    'seed.tbtc.petertodd.net.',
    'seed.testnet.bitcoin.sprovoost.nl.',
    'testnet-seed.bluematt.me.',
    'seed.testnet.achownodes.xyz.',
  ],
  fixedSeeds: seeds(FIXED_SEEDS_HEX.test),
});

/** Bitcoin testnet4 (Core CTestNet4Params, BIP94): magic 1c163f28, P2P 48333, RPC 48332. */
export const TESTNET4: NetworkParams = frozen({
  name: 'testnet4',
  magic: Uint8Array.of(0x1c, 0x16, 0x3f, 0x28),
  defaultPort: 48333,
  rpcPort: 48332,
  dnsSeeds: ['seed.testnet4.bitcoin.sprovoost.nl.', 'seed.testnet4.wiz.biz.'],
  fixedSeeds: seeds(FIXED_SEEDS_HEX.testnet4),
});

/** The default signet (Core SigNetParams without -signetchallenge): magic 0a03cf40, P2P 38333, RPC 38332. */
export const SIGNET: NetworkParams = frozen({
  name: 'signet',
  magic: signetMagic(DEFAULT_SIGNET_CHALLENGE),
  defaultPort: 38333,
  rpcPort: 38332,
  dnsSeeds: ['seed.signet.bitcoin.sprovoost.nl.', 'seed.signet.achownodes.xyz.'],
  fixedSeeds: seeds(FIXED_SEEDS_HEX.signet),
});

/**
 * Bitcoin regtest (Core CRegTestParams): magic fabfb5da, P2P 18444, RPC 18443, no fixed seeds. Core
 * lists one dummy DNS seed, `dummySeed.invalid.` (RFC 2606 `.invalid` never resolves), so that the
 * seeding code paths run in tests; it is kept here for fidelity.
 */
export const REGTEST: NetworkParams = frozen({
  name: 'regtest',
  magic: Uint8Array.of(0xfa, 0xbf, 0xb5, 0xda),
  defaultPort: 18444,
  rpcPort: 18443,
  dnsSeeds: ['dummySeed.invalid.'],
  fixedSeeds: [],
});

const BY_NAME: ReadonlyMap<string, NetworkParams> = new Map([
  ['main', MAINNET],
  ['mainnet', MAINNET],
  ['test', TESTNET3],
  ['testnet', TESTNET3],
  ['testnet3', TESTNET3],
  ['testnet4', TESTNET4],
  ['signet', SIGNET],
  ['regtest', REGTEST],
]);

/** Every name and alias `getNetworkParams` accepts. */
export const NETWORK_NAMES: readonly string[] = Object.freeze([...BY_NAME.keys()]);

/**
 * Parameters of one of Core's chains by name (Core `ChainTypeFromString`, case-insensitive):
 * 'main'/'mainnet', 'test'/'testnet'/'testnet3', 'testnet4', 'signet', 'regtest'. Anything else is a
 * ParseError listing the accepted names.
 */
export function getNetworkParams(name: string): NetworkParams {
  const params = BY_NAME.get(String(name).trim().toLowerCase());
  if (params === undefined) {
    throw new ParseError(`unknown network "${name}": expected one of ${NETWORK_NAMES.join(', ')}`);
  }
  return params;
}

/**
 * Signet parameters for a custom challenge (Core `-signetchallenge`): the magic is derived from the
 * challenge; as in Core, a custom challenge has no DNS or fixed seeds unless given here (Core
 * `-signetseednode`).
 */
export function signetNetworkParams(challenge: Uint8Array, dnsSeeds: readonly string[] = []): NetworkParams {
  if (!(challenge instanceof Uint8Array) || challenge.length === 0) {
    throw new ArgumentError('signet challenge must be a non-empty byte array');
  }
  return frozen({ ...SIGNET, magic: signetMagic(challenge), dnsSeeds: dnsSeeds.map(checkHostName), fixedSeeds: [] });
}

/** What `customNetworkParams` accepts. */
export interface CustomNetworkOptions {
  /** Network name: 1–64 characters of letters, digits, `.`, `_`, `-`. */
  name: string;
  /** 4-byte magic, as bytes or 8 hex digits (e.g. 'fabfb5da'). */
  magic: Uint8Array | string;
  /** Default P2P port, 1–65535. */
  defaultPort: number;
  /** Default RPC port, 1–65535; defaults to `defaultPort - 1`, the convention of every Core chain. */
  rpcPort?: number;
  /** DNS seed host names. */
  dnsSeeds?: readonly string[];
  /** Fixed seeds as services, `host:port` strings (a missing port means `defaultPort`), or BIP155 list bytes. */
  fixedSeeds?: readonly (NetService | string)[] | Uint8Array;
}

const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;
const HOST_LABEL_RE = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

function checkHostName(host: string): string {
  const h = typeof host === 'string' && host.endsWith('.') ? host.slice(0, -1) : host;
  if (typeof h !== 'string' || h.length === 0 || h.length > 253 || !h.split('.').every((l) => HOST_LABEL_RE.test(l))) {
    throw new ArgumentError(`invalid DNS seed host name "${String(host)}"`);
  }
  return host;
}

function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 0xffff) {
    throw new ArgumentError(`${what} must be an integer in [1, 65535], got ${String(port)}`);
  }
  return port;
}

/**
 * Parameters for a network Core does not know (another coin, a private test network), validated:
 * e.g. `customNetworkParams({ name: 'litecoin-regtest', magic: 'fabfb5da', defaultPort: 19444 })`.
 * Throws ArgumentError naming the bad field.
 */
export function customNetworkParams(options: CustomNetworkOptions): NetworkParams {
  const { name } = options;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new ArgumentError(`network name "${String(name)}" must be 1-64 characters of letters, digits, ".", "_" or "-"`);
  }
  let magic: Uint8Array;
  if (typeof options.magic === 'string') {
    if (!/^[0-9a-fA-F]{8}$/.test(options.magic)) {
      throw new ArgumentError(`network magic "${options.magic}" must be exactly 8 hex digits`);
    }
    magic = hexToBytes(options.magic);
  } else if (options.magic instanceof Uint8Array && options.magic.length === MAGIC_SIZE) {
    magic = Uint8Array.from(options.magic);
  } else {
    throw new ArgumentError(`network magic must be ${MAGIC_SIZE} bytes or 8 hex digits`);
  }
  const defaultPort = checkPort(options.defaultPort, 'defaultPort');
  const rpcPort = checkPort(options.rpcPort ?? defaultPort - 1, 'rpcPort');
  if (options.dnsSeeds !== undefined && !Array.isArray(options.dnsSeeds)) throw new ArgumentError('dnsSeeds must be an array of host names');
  const dnsSeeds = (options.dnsSeeds ?? []).map(checkHostName);
  let fixedSeeds: NetService[];
  const given = options.fixedSeeds ?? [];
  if (given instanceof Uint8Array) {
    try {
      fixedSeeds = decodeFixedSeeds(given);
    } catch (e) {
      throw new ArgumentError(`fixedSeeds: ${(e as Error).message}`);
    }
  } else if (Array.isArray(given)) {
    fixedSeeds = given.map((s, i) => {
      if (s instanceof NetService) return s;
      try {
        return NetService.parse(String(s), defaultPort);
      } catch (e) {
        throw new ArgumentError(`fixedSeeds[${i}] "${String(s)}": ${(e as Error).message}`);
      }
    });
  } else {
    throw new ArgumentError('fixedSeeds must be an array or BIP155 bytes');
  }
  return frozen({ name, magic, defaultPort, rpcPort, dnsSeeds, fixedSeeds });
}
