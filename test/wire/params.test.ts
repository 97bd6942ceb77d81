import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Net, networkName } from '../../src/address/network.js';
import { NetService } from '../../src/address/service.js';
import { bytesToHex, hexToBytes } from '../../src/util/hex.js';
import {
  customNetworkParams, DEFAULT_SIGNET_CHALLENGE, getNetworkParams, MAINNET, NETWORK_NAMES, REGTEST, SIGNET,
  signetMagic, signetNetworkParams, TESTNET3, TESTNET4,
} from '../../src/wire/params.js';
import { decodeFixedSeeds, encodeFixedSeeds, parseSeedList } from '../../src/wire/seeds.js';
import { FIXED_SEEDS_HEX } from '../../src/wire/seeds-data.js';
import { REPO_ROOT } from '../cli/run-cli.js';

test('Core\'s chains have Core\'s magic bytes and ports', () => {
  const table = [MAINNET, TESTNET3, TESTNET4, SIGNET, REGTEST].map((p) => [p.name, bytesToHex(p.magic), p.defaultPort, p.rpcPort]);
  assert.deepEqual(table, [
    ['main', 'f9beb4d9', 8333, 8332],
    ['test', '0b110907', 18333, 18332],
    ['testnet4', '1c163f28', 48333, 48332],
    ['signet', '0a03cf40', 38333, 38332],
    ['regtest', 'fabfb5da', 18444, 18443],
  ]);
});

test('the default signet magic is derived from the default challenge', () => {
  assert.equal(bytesToHex(signetMagic(DEFAULT_SIGNET_CHALLENGE)), '0a03cf40');
});

test('a custom signet challenge gets its own magic and no seeds, as in Core', () => {
  const p = signetNetworkParams(hexToBytes('51'));
  assert.equal(p.name, 'signet');
  assert.notEqual(bytesToHex(p.magic), '0a03cf40');
  assert.equal(bytesToHex(p.magic), bytesToHex(signetMagic(hexToBytes('51'))));
  assert.deepEqual([p.dnsSeeds, p.fixedSeeds], [[], []]);
  assert.equal(p.defaultPort, 38333);
});

test('DNS seeds are Core master\'s lists', () => {
  assert.deepEqual(MAINNET.dnsSeeds, [
    'seed.bitcoin.sipa.be.', 'dnsseed.bluematt.me.', 'seed.bitcoin.jonasschnelli.ch.', 'seed.btc.petertodd.net.',
    'seed.bitcoin.sprovoost.nl.', 'dnsseed.emzy.de.', 'seed.bitcoin.wiz.biz.', 'seed.mainnet.achownodes.xyz.',
  ]);
  assert.deepEqual(TESTNET3.dnsSeeds, [
    'testnet-seed.bitcoin.jonasschnelli.ch.', 'seed.tbtc.petertodd.net.', 'seed.testnet.bitcoin.sprovoost.nl.',
    'testnet-seed.bluematt.me.', 'seed.testnet.achownodes.xyz.',
  ]);
  assert.deepEqual(TESTNET4.dnsSeeds, ['seed.testnet4.bitcoin.sprovoost.nl.', 'seed.testnet4.wiz.biz.']);
  assert.deepEqual(SIGNET.dnsSeeds, ['seed.signet.bitcoin.sprovoost.nl.', 'seed.signet.achownodes.xyz.']);
  assert.deepEqual(REGTEST.dnsSeeds, ['dummySeed.invalid.']);
});

test('getNetworkParams accepts Core\'s chain names and aliases, case-insensitively', () => {
  const cases: [string, string][] = [
    ['main', 'main'], ['mainnet', 'main'], ['MAIN', 'main'], ['test', 'test'], ['testnet', 'test'],
    ['testnet3', 'test'], ['testnet4', 'testnet4'], ['signet', 'signet'], ['regtest', 'regtest'],
  ];
  for (const [input, name] of cases) assert.equal(getNetworkParams(input).name, name, input);
  assert.deepEqual([...NETWORK_NAMES].sort(), ['main', 'mainnet', 'regtest', 'signet', 'test', 'testnet', 'testnet3', 'testnet4']);
});

test('an unknown network name is a ParseError listing the accepted names', () => {
  assert.throws(() => getNetworkParams('testnet5'), { code: 'ERR_PARSE', message: /unknown network "testnet5": expected one of main, mainnet/ });
});

/**
 * How many fixed seeds Core ships per chain and address network, counted from Core's contrib/seeds lists
 * in data/seeds (sources and commits in data/seeds/README.md). Pinned here, not derived from the files,
 * so a truncated list, a dropped network or a partial regeneration fails; updating the lists means
 * updating this table on purpose.
 */
const CORE_FIXED_SEED_MIX: Record<'main' | 'test' | 'testnet4' | 'signet', Record<'ipv4' | 'ipv6' | 'onion' | 'i2p' | 'cjdns', number>> = {
  main: { ipv4: 512, ipv6: 512, onion: 512, i2p: 512, cjdns: 8 },
  test: { ipv4: 68, ipv6: 35, onion: 69, i2p: 5, cjdns: 2 },
  testnet4: { ipv4: 63, ipv6: 70, onion: 78, i2p: 18, cjdns: 1 },
  signet: { ipv4: 46, ipv6: 47, onion: 67, i2p: 9, cjdns: 1 },
};
const CHAINS_WITH_SEEDS = { main: MAINNET, test: TESTNET3, testnet4: TESTNET4, signet: SIGNET } as const;

function countByNetwork(seeds: readonly NetService[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of seeds) counts[networkName(s.addr.net)] = (counts[networkName(s.addr.net)] ?? 0) + 1;
  return counts;
}

test('each chain ships Core\'s whole fixed-seed list, mixed over IPv4, IPv6, Tor, I2P and CJDNS as Core\'s is', () => {
  for (const [name, params] of Object.entries(CHAINS_WITH_SEEDS)) {
    assert.deepEqual(countByNetwork(params.fixedSeeds), CORE_FIXED_SEED_MIX[name as keyof typeof CHAINS_WITH_SEEDS], `${name} fixed seeds by network`);
  }
  assert.deepEqual(REGTEST.fixedSeeds, []);
});

test('every address line of a seed list becomes one fixed seed (none dropped, none added)', () => {
  for (const [name, params] of Object.entries(CHAINS_WITH_SEEDS)) {
    const text = readFileSync(path.join(REPO_ROOT, 'data/seeds', `nodes_${name}.txt`), 'utf8');
    const addressLines = text.split('\n').filter((line) => line.replace(/#.*$/, '').trim() !== '');
    assert.equal(params.fixedSeeds.length, addressLines.length, `data/seeds/nodes_${name}.txt`);
    assert.equal(new Set(params.fixedSeeds.map(String)).size, params.fixedSeeds.length, `${name}: no duplicate seeds`);
  }
});

test('every fixed seed is routable and uses its chain\'s port (I2P: port 0)', () => {
  for (const params of Object.values(CHAINS_WITH_SEEDS)) {
    const wrong = params.fixedSeeds.filter((s) => !s.addr.isValid() || !s.addr.isRoutable() || s.port !== (s.addr.net === Net.I2P ? 0 : params.defaultPort));
    assert.deepEqual(wrong.map(String), [], params.name);
  }
});

test('the fixed-seed data matches the text lists it was generated from', () => {
  for (const net of ['main', 'test', 'testnet4', 'signet'] as const) {
    const text = readFileSync(path.join(REPO_ROOT, 'data/seeds', `nodes_${net}.txt`), 'utf8');
    assert.equal(FIXED_SEEDS_HEX[net], bytesToHex(encodeFixedSeeds(parseSeedList(text))), `run tools/generate-seeds.mjs for ${net}`);
  }
});

test('fixed seeds use Core\'s BIP155 CService encoding with the port big-endian', () => {
  const s = parseSeedList('[fc10:efa7:ca6:1548:f8c:6bb9:1cc4:63ae]:48333\n1.2.3.4:8333 # comment\n');
  assert.equal(bytesToHex(encodeFixedSeeds(s)), '0610fc10efa70ca615480f8c6bb91cc463aebccd' + '010401020304208d');
  assert.deepEqual(decodeFixedSeeds(encodeFixedSeeds(s)).map(String), ['[fc10:efa7:ca6:1548:f8c:6bb9:1cc4:63ae]:48333', '1.2.3.4:8333']);
});

test('a truncated fixed-seed list is a DecodeError naming the offset', () => {
  assert.throws(() => decodeFixedSeeds(hexToBytes('010401020304208d0104')), { code: 'ERR_DECODE', message: /fixed seed entry at offset 8/ });
});

test('seed lists refuse unroutable addresses and I2P ports other than 0', () => {
  assert.throws(() => parseSeedList('10.0.0.1:8333'), { code: 'ERR_PARSE', message: /line 1 "10.0.0.1:8333": not a valid routable address/ });
  assert.throws(() => parseSeedList('# x\nukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p:8333'), { message: /line 2 .*I2P seeds must use port 0/ });
  assert.throws(() => parseSeedList('not-an-address:1'), { code: 'ERR_PARSE' });
  assert.deepEqual(parseSeedList('# only comments\n\n   \n'), []);
});

test('a Litecoin regtest is a valid custom network', () => {
  const p = customNetworkParams({ name: 'litecoin-regtest', magic: 'fabfb5da', defaultPort: 19444, rpcPort: 19443 });
  assert.deepEqual([p.name, bytesToHex(p.magic), p.defaultPort, p.rpcPort, p.dnsSeeds, p.fixedSeeds], ['litecoin-regtest', 'fabfb5da', 19444, 19443, [], []]);
});

test('custom networks default rpcPort to defaultPort - 1 and parse seed strings with the default port', () => {
  const p = customNetworkParams({
    name: 'ltc', magic: Uint8Array.of(0xfb, 0xc0, 0xb6, 0xdb), defaultPort: 9333,
    dnsSeeds: ['dnsseed.example.org'], fixedSeeds: ['1.2.3.4', NetService.parse('5.6.7.8:9334')],
  });
  assert.equal(p.rpcPort, 9332);
  assert.deepEqual(p.fixedSeeds.map(String), ['1.2.3.4:9333', '5.6.7.8:9334']);
  const fromBytes = customNetworkParams({ name: 'x', magic: '00000001', defaultPort: 1000, fixedSeeds: hexToBytes('010401020304208d') });
  assert.deepEqual(fromBytes.fixedSeeds.map(String), ['1.2.3.4:8333']);
});

test('custom network validation names the bad field', () => {
  const ok = { name: 'net', magic: 'fabfb5da', defaultPort: 19444 };
  const bad: [object, RegExp][] = [
    [{ ...ok, name: '' }, /network name/],
    [{ ...ok, name: 'has space' }, /network name/],
    [{ ...ok, magic: 'fabfb5' }, /exactly 8 hex digits/],
    [{ ...ok, magic: 'zzzzzzzz' }, /exactly 8 hex digits/],
    [{ ...ok, magic: new Uint8Array(5) }, /4 bytes/],
    [{ ...ok, defaultPort: 0 }, /defaultPort/],
    [{ ...ok, defaultPort: 65536 }, /defaultPort/],
    [{ ...ok, rpcPort: 1.5 }, /rpcPort/],
    [{ ...ok, dnsSeeds: ['bad host!'] }, /invalid DNS seed host name/],
    [{ ...ok, fixedSeeds: ['1.2.3.4:99999'] }, /fixedSeeds\[0\]/],
    [{ ...ok, fixedSeeds: hexToBytes('0104') }, /fixedSeeds/],
  ];
  for (const [opts, re] of bad) {
    assert.throws(() => customNetworkParams(opts as Parameters<typeof customNetworkParams>[0]), { code: 'ERR_ARGUMENT', message: re }, JSON.stringify(opts));
  }
});

test('network parameter objects are frozen', () => {
  assert.ok(Object.isFrozen(MAINNET) && Object.isFrozen(MAINNET.dnsSeeds) && Object.isFrozen(MAINNET.fixedSeeds));
});
