/** Parsing operator seeds and turning resolver answers into addresses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_IPS_PER_DNS_ANSWER, parseSeedSpec, servicesFromIps } from '../../src/crawl/seeds.js';
import { ParseError } from '../../src/util/errors.js';

const show = (text: string): string => {
  const s = parseSeedSpec(text, 8333);
  return s.kind === 'address' ? `address ${s.service}` : `host ${s.host} ${s.port}`;
};

test('numeric seeds become addresses, with the network\'s port unless one is given', () => {
  assert.equal(show('1.2.3.4'), 'address 1.2.3.4:8333');
  assert.equal(show('1.2.3.4:18444'), 'address 1.2.3.4:18444');
  assert.equal(show('[2001:db8::1]:9'), 'address [2001:db8::1]:9');
  assert.equal(show('2001:db8::1'), 'address [2001:db8::1]:8333');
  assert.equal(show('pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion'), 'address pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion:8333');
});

test('other seeds are host names to resolve', () => {
  assert.equal(show('seed.bitcoin.sipa.be'), 'host seed.bitcoin.sipa.be 8333');
  assert.equal(show('seed.example.org.:18333'), 'host seed.example.org. 18333');
  assert.equal(show('localhost'), 'host localhost 8333');
});

test('text that is neither an address nor a host name is a ParseError', () => {
  for (const bad of ['', 'bad host!', '1.2.3', 'a..b', 'host:99999', '[::1', 'http://x', '-x.example']) {
    assert.throws(() => parseSeedSpec(bad, 8333), ParseError, bad);
  }
});

test(`resolver answers are parsed, the unusable skipped, and at most ${MAX_IPS_PER_DNS_ANSWER} kept`, () => {
  assert.deepEqual(servicesFromIps(['1.2.3.4', 'junk', '2001:db8::2'], 8333).map(String), ['1.2.3.4:8333', '[2001:db8::2]:8333']);
  const many = Array.from({ length: MAX_IPS_PER_DNS_ANSWER + 10 }, (_, i) => `20.0.${i >> 8}.${i & 0xff}`);
  assert.equal(servicesFromIps(many, 1).length, MAX_IPS_PER_DNS_ANSWER);
});
