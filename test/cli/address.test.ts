import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeAsmap } from '../../src/address/asmap.js';
import { NetAddress } from '../../src/address/netaddress.js';
import { tempDirFor } from '../support/tmp.js';
import { runCli } from './run-cli.js';

test('address inspect prints Core\'s view of an IPv4 address', async () => {
  const r = await runCli(['address', 'inspect', '1.2.3.4']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    address: '1.2.3.4', network: 'ipv4', valid: true, routable: true,
    group: '010102', v1: '00000000000000000000ffff01020304', v2: '010401020304',
  });
  assert.equal(r.stderr, '');
});

test('address inspect keeps the port of host:port input and handles onion names', async () => {
  const onion = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
  const r = await runCli(['address', 'inspect', `${onion}:8333`]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.address, onion);
  assert.equal(j.port, 8333);
  assert.equal(j.network, 'onion');
  assert.equal(j.v1, null, 'a Tor v3 address has no 16-byte form');
  assert.equal(j.v2, '042079bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f');
});

test('an address Core deems invalid prints with valid:false and exit 0', async () => {
  const r = await runCli(['address', 'inspect', '2001:db8::1']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.valid, false);
  assert.equal(j.routable, false);
  assert.equal(j.network, 'ipv6');
});

test('unparsable input prints an error on stderr, nothing on stdout, exit 2', async () => {
  for (const args of [['address', 'inspect', '1.2.3.256'], ['address', 'decode', '--v2', '010501020304'], ['address', 'decode', '--v1', 'zz'], ['address', 'decode']]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /\S/);
  }
  const r = await runCli(['address', 'decode', '--v2', '010501020304']);
  assert.match(r.stderr, /BIP155 IPv4 address with length 5 \(should be 4\)/);
});

test('address decode reads v1 and v2 forms, including an embedded IPv4 in v2 as invalid', async () => {
  let r = await runCli(['address', 'decode', '--v1', '00000000000000000000ffff01020304']);
  assert.equal(JSON.parse(r.stdout).address, '1.2.3.4');
  r = await runCli(['address', 'decode', '--v2', '021000000000000000000000ffff01020304']);
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.stdout).valid, false);
  r = await runCli(['address', 'decode', '--v2', '0520a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87']);
  assert.equal(JSON.parse(r.stdout).address, 'ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p');
});

test('--asmap adds the ASN and switches to AS-based groups', async (t) => {
  const dir = await tempDirFor(t, 'asmap');
  const file = path.join(dir, 'asmap.dat');
  const prefix = NetAddress.parse('::ffff:250.0.0.0').toV1();
  writeFileSync(file, encodeAsmap([{ prefix, prefixLength: 104, asn: 1000 }]));
  const r = await runCli(['address', 'inspect', '250.1.1.1', '--asmap', file]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.asn, 1000);
  assert.equal(j.group, '02e8030000');
  const missing = await runCli(['address', 'inspect', '250.1.1.1', '--asmap', path.join(dir, 'nope')]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stdout, '');
});
