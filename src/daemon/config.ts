/**
 * The daemon's configuration: `peerbook.conf` in bitcoin.conf syntax, with Core's key names and value
 * forms, plus command-line flags that override it.
 *
 * Syntax (Core common/config.cpp): one `key=value` per line; `#` starts a comment; blank lines are
 * ignored; `[main]`, `[test]`, `[testnet4]`, `[signet]`, `[regtest]` sections apply only to that
 * network; `nokey=1` negates a boolean (`nolisten=1` ≡ `listen=0`); list options (addnode, connect,
 * bind, …) may repeat. A key Peerbook does not know, or a value it cannot use, is an error that names the
 * key, the file and the line — a typo must not be silently ignored on a node operators rely on.
 */
import { readFile } from 'node:fs/promises';
import { fsErrorReason, PeerbookError } from '../util/errors.js';

/** A bad configuration file or flag (code `ERR_CONFIG_FILE`). */
export class ConfigFileError extends PeerbookError {
  /** @param message what is wrong, with file and line when known. */
  constructor(message: string) {
    super('ERR_CONFIG_FILE', message);
  }
}

/** How a key's value is read. */
type Kind = 'bool' | 'int' | 'string' | 'list' | 'size';

/** Every key Peerbook understands, with its kind and a one-line description (for --help). */
export const CONFIG_KEYS: Readonly<Record<string, { kind: Kind; help: string }>> = {
  chain: { kind: 'string', help: 'network: main, test, testnet4, signet, regtest' },
  testnet: { kind: 'bool', help: 'use testnet3 (same as chain=test)' },
  testnet4: { kind: 'bool', help: 'use testnet4' },
  signet: { kind: 'bool', help: 'use the default signet' },
  regtest: { kind: 'bool', help: 'use regtest' },
  port: { kind: 'int', help: 'P2P port to listen on (default: the network\'s)' },
  listen: { kind: 'bool', help: 'accept inbound connections (default 1, 0 with connect)' },
  bind: { kind: 'list', help: 'listen address addr[:port] (repeatable)' },
  whitebind: { kind: 'list', help: 'listen address with permissions [perms@]addr:port' },
  whitelist: { kind: 'list', help: 'grant permissions to peers [perms@]subnet' },
  connect: { kind: 'list', help: 'connect only to these peers; connect=0 disables automatic outbound' },
  addnode: { kind: 'list', help: 'keep a connection to this peer' },
  seednode: { kind: 'list', help: 'fetch addresses from this peer, then disconnect' },
  maxconnections: { kind: 'int', help: 'maximum peer connections (default 125)' },
  dnsseed: { kind: 'bool', help: 'query DNS seeds when short of addresses (default 1)' },
  forcednsseed: { kind: 'bool', help: 'always query DNS seeds at start' },
  fixedseeds: { kind: 'bool', help: 'fall back to built-in seed addresses (default 1)' },
  onlynet: { kind: 'list', help: 'only connect to this network (ipv4, ipv6, onion, i2p, cjdns)' },
  proxy: { kind: 'string', help: 'SOCKS5 proxy for all networks host:port' },
  onion: { kind: 'string', help: 'SOCKS5 proxy for Tor host:port' },
  i2pproxy: { kind: 'string', help: 'SOCKS5 proxy that resolves .b32.i2p names host:port' },
  proxyrandomize: { kind: 'bool', help: 'random proxy credentials per connection (default 1)' },
  cjdnsreachable: { kind: 'bool', help: 'CJDNS addresses are routed by this host' },
  externalip: { kind: 'list', help: 'our public address' },
  asmap: { kind: 'string', help: 'asmap file for AS-based network groups' },
  maxuploadtarget: { kind: 'size', help: 'upload target per 24 h, e.g. 5000 (MiB), 500M, 2G; 0 = none' },
  networkactive: { kind: 'bool', help: 'start with networking on (default 1)' },
  bantime: { kind: 'int', help: 'default ban duration in seconds (default 86400)' },
  peertimeout: { kind: 'int', help: 'seconds before inactivity checks start (default 60)' },
  timeout: { kind: 'int', help: 'connect timeout in ms (default 5000)' },
  maxreceivebuffer: { kind: 'int', help: 'per-peer receive buffer, KB (default 5000)' },
  maxsendbuffer: { kind: 'int', help: 'per-peer send buffer, KB (default 1000)' },
  blocksonly: { kind: 'bool', help: 'ask peers not to relay transactions' },
  v2transport: { kind: 'bool', help: 'BIP324 v2 encrypted transport, with v1 fallback (default 1)' },
  checkaddrman: { kind: 'int', help: 'run addrman consistency checks every N operations (0 = off)' },
  server: { kind: 'bool', help: 'run the JSON-RPC server (default 1)' },
  rpcbind: { kind: 'list', help: 'JSON-RPC listen address (default 127.0.0.1)' },
  rpcport: { kind: 'int', help: 'JSON-RPC port (default: the network\'s)' },
  rpcuser: { kind: 'string', help: 'JSON-RPC user name (default: cookie authentication)' },
  rpcpassword: { kind: 'string', help: 'JSON-RPC password' },
  rpcallowip: { kind: 'list', help: 'allow JSON-RPC from this subnet (default: loopback only)' },
  metricsbind: { kind: 'string', help: 'address for /metrics and the dashboard (default 127.0.0.1:8335, testnet 18335, testnet4 48335, signet 38335, regtest 18446); 0 disables' },
  peersdatformat: { kind: 'int', help: 'peers.dat format to write: 4 (default; Bitcoin Core 23.0 and later) or 3 (Bitcoin Core 0.21-22, Litecoin Core 0.21: they cannot read 4)' },
  debug: { kind: 'bool', help: 'log debug lines' },
  printtoconsole: { kind: 'bool', help: 'also log to the console (default 1)' },
};

/** Network section names accepted in the file (Core's). */
export const CONFIG_SECTIONS: readonly string[] = ['main', 'test', 'testnet4', 'signet', 'regtest'];

/** A parsed value with where it came from (for error messages). */
export interface ConfigValue {
  value: string;
  origin: string;
}

/** Raw settings: key → values in order (a later value wins for single-valued keys). */
export type RawSettings = Map<string, ConfigValue[]>;

/** The sections of a parsed file: '' is the top level. */
export type ParsedConfigFile = Map<string, RawSettings>;

/** Splits `nokey` into (key, negated) if `key` is known. */
function normaliseKey(key: string): { key: string; negated: boolean } {
  if (!(key in CONFIG_KEYS) && key.startsWith('no') && key.slice(2) in CONFIG_KEYS) return { key: key.slice(2), negated: true };
  return { key, negated: false };
}

function add(settings: RawSettings, key: string, v: ConfigValue): void {
  const list = settings.get(key);
  if (list) list.push(v);
  else settings.set(key, [v]);
}

/** Parses bitcoin.conf-syntax text; `file` names it in errors. */
export function parseConfigText(text: string, file: string): ParsedConfigFile {
  const out: ParsedConfigFile = new Map([['', new Map()]]);
  let section = '';
  text.split(/\r?\n/).forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const sec = /^\[([^\]]*)\]$/.exec(line);
    if (sec) {
      section = sec[1].trim();
      if (!CONFIG_SECTIONS.includes(section)) throw new ConfigFileError(`${where}: unknown section [${section}] (use ${CONFIG_SECTIONS.join(', ')})`);
      if (!out.has(section)) out.set(section, new Map());
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfigFileError(`${where}: expected key=value, got "${line}"`);
    let rawKey = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    let sectionForKey = section;
    // Core also accepts "regtest.key=value" for a section.
    const dot = rawKey.indexOf('.');
    if (dot > 0) {
      sectionForKey = rawKey.slice(0, dot);
      rawKey = rawKey.slice(dot + 1);
      if (!CONFIG_SECTIONS.includes(sectionForKey)) throw new ConfigFileError(`${where}: unknown section prefix "${sectionForKey}."`);
      if (!out.has(sectionForKey)) out.set(sectionForKey, new Map());
    }
    const { key, negated } = normaliseKey(rawKey.replace(/^-+/, ''));
    const spec = CONFIG_KEYS[key];
    if (!spec) throw new ConfigFileError(`${where}: unknown option "${rawKey}"`);
    if (negated) {
      if (spec.kind !== 'bool' && !(spec.kind === 'list' && (value === '1' || value === ''))) {
        throw new ConfigFileError(`${where}: "${rawKey}" negates a non-boolean option`);
      }
      add(out.get(sectionForKey)!, key, { value: value === '0' ? '1' : '0', origin: where });
      return;
    }
    add(out.get(sectionForKey)!, key, { value, origin: where });
  });
  return out;
}

/** Reads and parses a config file; a missing file is `undefined` unless `required`. */
export async function readConfigFile(path: string, required: boolean): Promise<ParsedConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT' && !required) return undefined;
    throw new ConfigFileError(`cannot read config file ${path}: ${fsErrorReason(e)}`);
  }
  return parseConfigText(text, path);
}

/** Typed accessors over merged settings (flags over file, network section over top level). */
export class Settings {
  /** @param raw merged settings. */
  constructor(private readonly raw: RawSettings) {}

  /** Merges sources: later ones override earlier ones per key (lists are replaced, not appended, like Core's command line). */
  static merge(...sources: Array<RawSettings | undefined>): Settings {
    const out: RawSettings = new Map();
    for (const src of sources) if (src) for (const [k, v] of src) out.set(k, v);
    return new Settings(out);
  }

  /** True if the key was given anywhere. */
  has(key: string): boolean {
    return this.raw.has(key);
  }

  private last(key: string): ConfigValue | undefined {
    const list = this.raw.get(key);
    return list ? list[list.length - 1] : undefined;
  }

  /** A boolean: "1"/"0", "true"/"false", "" (= true, as Core's bare `-listen`). */
  bool(key: string): boolean | undefined {
    const v = this.last(key);
    if (!v) return undefined;
    const s = v.value.toLowerCase();
    if (s === '' || s === '1' || s === 'true' || s === 'yes') return true;
    if (s === '0' || s === 'false' || s === 'no') return false;
    throw new ConfigFileError(`${v.origin}: ${key}=${v.value} is not a boolean (use 0 or 1)`);
  }

  /** A non-negative integer. */
  int(key: string): number | undefined {
    const v = this.last(key);
    if (!v) return undefined;
    if (!/^\d+$/.test(v.value) || !Number.isSafeInteger(Number(v.value))) {
      throw new ConfigFileError(`${v.origin}: ${key}=${v.value} is not a non-negative integer`);
    }
    return Number(v.value);
  }

  /** A string (the last one given). */
  string(key: string): string | undefined {
    return this.last(key)?.value;
  }

  /** Every value of a list option, in order. */
  list(key: string): string[] | undefined {
    return this.raw.get(key)?.map((v) => v.value);
  }

  /**
   * A byte size like Core's -maxuploadtarget: a number is MiB; suffixes k, m, g, t are powers of 1000,
   * K, M, G, T powers of 1024.
   */
  size(key: string): number | undefined {
    const v = this.last(key);
    if (!v) return undefined;
    const m = /^(\d+)([kmgtKMGT]?)$/.exec(v.value);
    if (!m) throw new ConfigFileError(`${v.origin}: ${key}=${v.value} is not a size (e.g. 5000, 500M, 2G)`);
    const n = Number(m[1]);
    const unit = m[2] || 'M';
    const pow = 'kmgt'.indexOf(unit.toLowerCase()) + 1;
    const base = unit === unit.toLowerCase() ? 1000 : 1024;
    return n * base ** pow;
  }

  /** Where a key's value came from (for error messages). */
  origin(key: string): string | undefined {
    return this.last(key)?.origin;
  }

  /** Checks every value has the right form (so mistakes surface at start, not later). */
  validate(): void {
    for (const key of this.raw.keys()) {
      const kind = CONFIG_KEYS[key]?.kind;
      if (kind === 'bool') this.bool(key);
      else if (kind === 'int') this.int(key);
      else if (kind === 'size') this.size(key);
    }
  }
}

/** The network chosen by chain=/testnet=/… settings (Core `ArgsManager::GetChainType`). */
export function chainFromSettings(s: Settings): string | undefined {
  const flags = (['testnet', 'testnet4', 'signet', 'regtest'] as const).filter((k) => s.bool(k));
  const chain = s.string('chain');
  if (flags.length + (chain !== undefined ? 1 : 0) > 1) {
    throw new ConfigFileError('Invalid combination of -regtest, -signet, -testnet, -testnet4 and -chain. Can use at most one.');
  }
  if (chain !== undefined) return chain;
  const f = flags[0];
  return f === 'testnet' ? 'test' : f;
}
