import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkArgs, helpText, namedToPositional, toInteger, usageLine, type MethodSpec } from '../../src/rpc/args.js';
import { Credentials } from '../../src/rpc/auth.js';
import { RpcError } from '../../src/rpc/errors.js';
import { lookupHost, parseInetAton, sanitizeString } from '../../src/rpc/host.js';
import { Amount, MAX_JSON_DEPTH, writeJson } from '../../src/rpc/json.js';
import { METHOD_SPECS } from '../../src/rpc/methods.js';

const setban = METHOD_SPECS.find((s) => s.name === 'setban')!;
const getnodeaddresses = METHOD_SPECS.find((s) => s.name === 'getnodeaddresses')!;
const disconnectnode = METHOD_SPECS.find((s) => s.name === 'disconnectnode')!;

function thrown(fn: () => unknown): RpcError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

test('usage lines put optional arguments in parentheses and quote strings, as Core does', () => {
  assert.equal(usageLine(setban), 'setban "subnet" "command" ( bantime absolute )');
  assert.equal(usageLine(disconnectnode), 'disconnectnode ( "address" nodeid )');
  assert.equal(usageLine(METHOD_SPECS.find((s) => s.name === 'stop')!), 'stop', 'hidden arguments are not shown');
  assert.equal(usageLine(METHOD_SPECS.find((s) => s.name === 'getpeerinfo')!), 'getpeerinfo');
});

test('help text has the usage line, the description and numbered arguments with type and default', () => {
  const text = helpText(setban);
  assert.ok(text.startsWith('setban "subnet" "command" ( bantime absolute )\n\nAttempts to add or remove an IP/Subnet from the banned list.\n'));
  assert.match(text, /\nArguments:\n1\. subnet +\(string, required\) /);
  assert.match(text, /\n3\. bantime +\(numeric, optional, default=0\) /);
  assert.match(text, /\n4\. absolute +\(boolean, optional, default=false\) /);
});

test('named parameters are placed by name with null in the holes', () => {
  assert.deepEqual(namedToPositional(getnodeaddresses, { network: 'ipv4' }), [null, 'ipv4']);
  assert.deepEqual(namedToPositional(getnodeaddresses, { count: 0 }), [0]);
  assert.deepEqual(namedToPositional(setban, { command: 'add', subnet: '1.2.3.4', absolute: true }), ['1.2.3.4', 'add', null, true]);
  assert.deepEqual(namedToPositional(disconnectnode, { nodeid: 3 }), [null, 3]);
});

test('an unknown named parameter is RPC_INVALID_PARAMETER naming it', () => {
  const e = thrown(() => namedToPositional(getnodeaddresses, { count: 1, colour: 'red' }));
  assert.equal(e.rpcCode, -8);
  assert.equal(e.message, 'Unknown named parameter colour');
});

test('the "args" key supplies leading positions, and clashes with a named one are refused', () => {
  assert.deepEqual(namedToPositional(setban, { args: ['1.2.3.4', 'add'], bantime: 60 }), ['1.2.3.4', 'add', 60]);
  const e = thrown(() => namedToPositional(setban, { args: ['1.2.3.4'], subnet: '5.6.7.8' }));
  assert.equal(e.message, 'Parameter subnet specified twice both as positional and named argument');
});

test('a wrong number of arguments is RPC_MISC_ERROR carrying the method help', () => {
  const e = thrown(() => checkArgs(setban, ['1.2.3.4']));
  assert.equal(e.rpcCode, -1);
  assert.equal(e.message, helpText(setban));
  assert.equal(thrown(() => checkArgs(getnodeaddresses, [1, 'ipv4', 3])).rpcCode, -1);
});

test('a wrong JSON type is RPC_TYPE_ERROR listing every position as Core formats it', () => {
  const e = thrown(() => checkArgs(setban, [1, 'add', '60', 'yes']));
  assert.equal(e.rpcCode, -3);
  assert.equal(e.message, 'Wrong type passed:\n{\n' +
    '    "Position 1 (subnet)": "JSON value of type number is not of expected type string",\n' +
    '    "Position 3 (bantime)": "JSON value of type string is not of expected type number",\n' +
    '    "Position 4 (absolute)": "JSON value of type string is not of expected type bool"\n}');
});

test('null is accepted for optional arguments but not for required ones', () => {
  checkArgs(getnodeaddresses, [null, null]);
  const e = thrown(() => checkArgs(setban, [null, 'add']));
  assert.match(e.message, /"Position 1 \(subnet\)": "JSON value of type null is not of expected type string"/);
});

test('integers out of range or fractional are "JSON integer out of range"', () => {
  assert.equal(toInteger(5, 0, 10), 5);
  for (const bad of [1.5, -1, 11]) {
    const e = thrown(() => toInteger(bad, 0, 10));
    assert.equal(e.rpcCode, -1);
    assert.equal(e.message, 'JSON integer out of range');
  }
});

test('inet_aton shorthand IPv4 forms are read as getaddrinfo reads them', () => {
  const text = (s: string) => [...(parseInetAton(s) ?? [])].join('.');
  assert.equal(text('127.1'), '127.0.0.1');
  assert.equal(text('10.1.2'), '10.1.0.2');
  assert.equal(text('0x7f.1'), '127.0.0.1');
  assert.equal(text('017.0.0.1'), '15.0.0.1');
  assert.equal(text('2130706433'), '127.0.0.1');
  for (const bad of ['256.1.1.1', '1.2.3.4.5', '08.1.1.1', '1..2', '', '1.2.3.256', '1.16777216']) assert.equal(parseInetAton(bad), undefined, bad);
});

test('lookupHost reads IPv4, bracketed IPv6, onion names, refuses host names and text with spaces', () => {
  assert.equal(lookupHost('127.1', { cjdns: false })?.toString(), '127.0.0.1');
  assert.equal(lookupHost('[::1]', { cjdns: false })?.toString(), '::1');
  assert.equal(lookupHost('fc00::1', { cjdns: true })?.net, 5);
  assert.equal(lookupHost('fc00::1', { cjdns: false })?.net, 2);
  const onion = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
  assert.equal(lookupHost(onion, { cjdns: false })?.toString(), onion);
  for (const bad of ['example.com', ' 1.2.3.4', '', 'x.internal', '1.2.3.4:80']) assert.equal(lookupHost(bad, { cjdns: false }), undefined, bad);
});

test('sanitizeString keeps only Core\'s safe characters', () => {
  assert.equal(sanitizeString('/Satoshi:27.0.0/'), '/Satoshi:27.0.0/');
  assert.equal(sanitizeString('/evil"\n\u0000<script>/'), '/evilscript/');
});

test('writeJson writes bigints exactly and amounts with 8 decimals, skipping undefined fields', () => {
  assert.equal(writeJson({ a: 2n ** 63n, b: new Amount(1000n), c: undefined, d: [1, 'x', null, true] }),
    '{"a":9223372036854775808,"b":0.00001000,"d":[1,"x",null,true]}');
  assert.equal(new Amount(-150000000n).toString(), '-1.50000000');
  assert.equal(writeJson(Number.NaN), 'null');
});

test('writeJson agrees with JSON.stringify on plain JSON values', () => {
  fc.assert(fc.property(fc.jsonValue(), (v) => {
    assert.deepEqual(JSON.parse(writeJson(v)), JSON.parse(JSON.stringify(v)));
  }));
});

test('writeJson refuses nesting deeper than MAX_JSON_DEPTH', () => {
  let deep: unknown = 1;
  for (let i = 0; i <= MAX_JSON_DEPTH + 1; i++) deep = [deep];
  assert.throws(() => writeJson(deep), RangeError);
});

test('credentials accept exactly the configured pair in a Basic header', () => {
  const c = new Credentials('alice:pw:with:colons');
  const b = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  assert.deepEqual(c.check(b('alice:pw:with:colons')), { ok: true, user: 'alice' });
  assert.equal(c.check(b('alice:pw')).ok, false);
  assert.equal(c.check(b('alicepw')).ok, false);
  assert.equal(c.check(`basic ${Buffer.from('alice:pw:with:colons').toString('base64')}`).ok, false, 'the scheme is case-sensitive, as in Core');
  assert.equal(c.check('Basic !!!').ok, false);
  assert.equal(c.check(undefined).ok, false);
  assert.equal(c.check(`Basic ${'A'.repeat(5000)}`).ok, false);
});

test('every method spec declares required arguments before optional ones', () => {
  for (const s of METHOD_SPECS as MethodSpec[]) {
    const firstOptional = s.args.findIndex((a) => !a.required);
    if (firstOptional >= 0) assert.ok(s.args.slice(firstOptional).every((a) => !a.required), s.name);
  }
});
