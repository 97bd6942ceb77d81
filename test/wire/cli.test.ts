import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, hexToBytes } from '../../src/util/hex.js';
import { encodeFrame } from '../../src/wire/frame.js';
import { runCli } from '../cli/run-cli.js';

const VERACK = 'f9beb4d976657261636b000000000000000000005df6e0e2';
const WIKI_VERSION = 'f9beb4d976657273696f6e000000000064000000358d493262ea0000010000000000000011b2d05000000000'
  + '010000000000000000000000000000000000ffff000000000000000000000000000000000000000000000000ffff00000000'
  + '00003b2eb35d8ce617650f2f5361746f7368693a302e372e322fc03e0300';

test('wire decode prints a verack frame as JSON', async () => {
  const r = await runCli(['wire', 'decode', VERACK]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    network: 'main', magic: 'f9beb4d9', command: 'verack', payloadSize: 0, rawSize: 24, message: { type: 'verack' },
  });
  assert.equal(r.stderr, '');
});

test('wire decode shows version fields with bigints as decimal strings', async () => {
  const r = await runCli(['wire', 'decode', WIKI_VERSION]);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout).message;
  assert.equal(m.version, 60002);
  assert.equal(m.services, '1');
  assert.deepEqual(m.servicesnames, ['NETWORK']);
  assert.equal(m.nonce, '7284544412836900411');
  assert.equal(m.userAgent, '/Satoshi:0.7.2/');
  assert.equal(m.startHeight, 212672);
  assert.deepEqual(m.addrRecv, { services: '1', address: '0.0.0.0:0' });
  assert.equal('relay' in m, false);
});

test('wire decode prints addrv2 records with addresses as strings', async () => {
  const payload = hexToBytes('02' + '61bc6649' + '09' + '0104' + '01020304' + '208d'
    + '79627683' + 'fd4804' + '0420' + '79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f' + '208d');
  const frame = bytesToHex(encodeFrame(hexToBytes('1c163f28'), 'addrv2', payload));
  const r = await runCli(['wire', 'decode', '--network', 'testnet4', frame]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.network, 'testnet4');
  assert.deepEqual(out.message.addresses, [
    { time: 0x4966bc61, services: '9', servicesnames: ['NETWORK', 'WITNESS'], address: '1.2.3.4:8333', network: 'ipv4' },
    {
      time: 0x83766279, services: '1096', servicesnames: ['WITNESS', 'COMPACT_FILTERS', 'NETWORK_LIMITED'],
      address: 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion:8333', network: 'onion',
    },
  ]);
});

test('wire decode --magic decodes a custom network\'s frame', async () => {
  const frame = bytesToHex(encodeFrame(hexToBytes('fabfb5da'), 'ping', hexToBytes('0100000000000000')));
  const r = await runCli(['wire', 'decode', '--magic', 'fabfb5da', frame]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).message, { type: 'ping', nonce: '1' });
});

test('wire decode passes unknown commands through as hex', async () => {
  const frame = bytesToHex(encodeFrame(hexToBytes('f9beb4d9'), 'mempool2', hexToBytes('abcd')));
  const r = await runCli(['wire', 'decode', frame]);
  assert.deepEqual(JSON.parse(r.stdout).message, { type: 'unknown', command: 'mempool2', payload: 'abcd' });
});

test('bad input prints one line on stderr, nothing on stdout, and exits 2', async () => {
  const badChecksum = VERACK.slice(0, -2) + 'e3';
  const cases: [string[], RegExp][] = [
    [['wire', 'decode', 'zz'], /invalid hex/],
    [['wire', 'decode', VERACK.slice(0, 40)], /incomplete frame/],
    [['wire', 'decode', badChecksum], /bad checksum for command 'verack'/],
    [['wire', 'decode', '--network', 'regtest', VERACK], /wrong network magic f9beb4d9, expected fabfb5da/],
    [['wire', 'decode', '--network', 'nonet', VERACK], /unknown network "nonet"/],
    [['wire', 'decode', '--magic', 'f9be', VERACK], /--magic "f9be" must be exactly 8 hex digits/],
    [['wire', 'decode', '--magic', 'f9beb4d9', '--network', 'main', VERACK], /either --network NAME or --magic HEX/],
    [['wire', 'decode', bytesToHex(encodeFrame(hexToBytes('f9beb4d9'), 'pong', hexToBytes('01')))], /pong message: end of data/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
});
