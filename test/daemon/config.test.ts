import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainFromSettings, ConfigFileError, parseConfigText, Settings } from '../../src/daemon/config.js';

const parse = (text: string) => parseConfigText(text, 'peerbook.conf');

test('key=value lines, comments, repeats and network sections are read like bitcoin.conf', () => {
  const file = parse(`# a comment
addnode=1.2.3.4
addnode=5.6.7.8   # trailing comment
maxconnections=40
[regtest]
bind=127.0.0.1:18555
connect=127.0.0.1:19444
listen=0
`);
  const top = Settings.merge(file.get(''));
  assert.deepEqual(top.list('addnode'), ['1.2.3.4', '5.6.7.8']);
  assert.equal(top.int('maxconnections'), 40);
  assert.equal(top.has('bind'), false, 'section keys do not leak to the top level');
  const regtest = Settings.merge(file.get(''), file.get('regtest'));
  assert.deepEqual(regtest.list('connect'), ['127.0.0.1:19444']);
  assert.equal(regtest.bool('listen'), false);
  assert.equal(regtest.string('bind'), '127.0.0.1:18555');
});

test('nokey=1 negates a boolean and regtest.key=value targets a section', () => {
  const file = parse('nolisten=1\nregtest.dnsseed=0\n');
  assert.equal(Settings.merge(file.get('')).bool('listen'), false);
  assert.equal(Settings.merge(file.get('regtest')).bool('dnsseed'), false);
});

test('unknown keys and sections are errors naming the key, file and line', () => {
  assert.throws(() => parse('listen=1\nlisten_port=9\n'), (e: unknown) => e instanceof ConfigFileError && e.message === 'peerbook.conf:2: unknown option "listen_port"');
  assert.throws(() => parse('[mainnet]\n'), /peerbook\.conf:1: unknown section \[mainnet\]/);
  assert.throws(() => parse('just words\n'), /peerbook\.conf:1: expected key=value/);
  assert.throws(() => parse('nomaxconnections=1\n'), /negates a non-boolean option/);
});

test('invalid values are errors naming the key and line when read', () => {
  const s = Settings.merge(parse('maxconnections=lots\nlisten=maybe\nmaxuploadtarget=5X\n').get(''));
  assert.throws(() => s.int('maxconnections'), /peerbook\.conf:1: maxconnections=lots is not a non-negative integer/);
  assert.throws(() => s.bool('listen'), /peerbook\.conf:2: listen=maybe is not a boolean/);
  assert.throws(() => s.size('maxuploadtarget'), /peerbook\.conf:3/);
  assert.throws(() => s.validate(), ConfigFileError);
});

test('sizes follow Core: a bare number is MiB; lowercase suffixes are 1000-based, uppercase 1024-based', () => {
  const s = (v: string): number | undefined => Settings.merge(parse(`maxuploadtarget=${v}\n`).get('')).size('maxuploadtarget');
  assert.equal(s('5000'), 5000 * 1024 * 1024);
  assert.equal(s('500M'), 500 * 1024 * 1024);
  assert.equal(s('500m'), 500 * 1000 * 1000);
  assert.equal(s('2G'), 2 * 1024 ** 3);
  assert.equal(s('0'), 0);
});

test('flags override the file, list values included', () => {
  const file = parse('addnode=1.1.1.1\nmaxconnections=10\n').get('');
  const flags = new Map([['maxconnections', [{ value: '20', origin: 'command line' }]]]);
  const s = Settings.merge(file, flags);
  assert.equal(s.int('maxconnections'), 20);
  assert.deepEqual(s.list('addnode'), ['1.1.1.1']);
});

test('the network comes from chain= or one of testnet/testnet4/signet/regtest, never two', () => {
  assert.equal(chainFromSettings(Settings.merge(parse('regtest=1\n').get(''))), 'regtest');
  assert.equal(chainFromSettings(Settings.merge(parse('testnet=1\n').get(''))), 'test');
  assert.equal(chainFromSettings(Settings.merge(parse('chain=signet\n').get(''))), 'signet');
  assert.equal(chainFromSettings(Settings.merge(parse('').get(''))), undefined);
  assert.throws(() => chainFromSettings(Settings.merge(parse('regtest=1\ntestnet=1\n').get(''))), /at most one/);
});

test('a number too large to be exact (a 400-digit maxuploadtarget or maxconnections) is refused, not read as Infinity', () => {
  const big = '9'.repeat(400);
  const s = Settings.merge(parse(`maxuploadtarget=${big}\nmaxconnections=${big}\n`).get(''));
  assert.throws(() => s.size('maxuploadtarget'), /peerbook\.conf:1: maxuploadtarget=9+ is out of range/);
  assert.throws(() => s.int('maxconnections'), /peerbook\.conf:2: maxconnections=9+ is out of range/);
  assert.throws(() => Settings.merge(parse('maxuploadtarget=9007199254740992T\n').get('')).size('maxuploadtarget'), /out of range/);
});

test('port= outside 1-65535 and rpcport= outside 0-65535 are refused at the key, not later as someone else\'s bind address', () => {
  const s = Settings.merge(parse('port=147483647\nrpcport=65536\n').get(''));
  assert.throws(() => s.int('port'), /peerbook\.conf:1: port=147483647 is out of range \(1 to 65535\)/);
  assert.throws(() => s.int('rpcport'), /peerbook\.conf:2: rpcport=65536 is out of range \(0 to 65535\)/);
  assert.throws(() => s.validate(), ConfigFileError);
});

test('rpcport=0 is accepted: the JSON-RPC server binds any free port', () => {
  assert.equal(Settings.merge(parse('rpcport=0\n').get('')).int('rpcport'), 0);
});
