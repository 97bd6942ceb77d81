/** The crawl's pure bookkeeping: queue order, de-duplication, the gossip rules, the caps, the records. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetAddress } from '../../src/address/netaddress.js';
import { Net, type NetId } from '../../src/address/network.js';
import { NetService } from '../../src/address/service.js';
import { CrawlBook, MAX_CRAWL_NODES, MAX_PORTS_PER_ADDRESS } from '../../src/crawl/book.js';
import type { RemoteVersion } from '../../src/peer/peer.js';
import { ArgumentError } from '../../src/util/errors.js';

const ipOnly = (net: NetId): boolean => net === Net.IPV4 || net === Net.IPV6;
const svc = (text: string, port = 18444): NetService => NetService.parse(text, port);
const T0 = Date.UTC(2024, 0, 1);

function remote(over: Partial<RemoteVersion> = {}): RemoteVersion {
  return {
    version: 70016, services: 9n, userAgent: '/Peerbook:0.1.0/', startHeight: 100, relay: true, nonce: 1n,
    timeOffset: 0, addrLocal: undefined, ...over,
  };
}

test('offered addresses come out of next() in the order they were offered (breadth-first)', () => {
  const book = new CrawlBook({ canReach: ipOnly });
  for (const ip of ['20.0.0.1', '20.0.0.2', '20.0.0.3']) assert.equal(book.offer(svc(ip), 'seed'), 'queued');
  assert.deepEqual([book.next(), book.next(), book.next()].map((t) => t?.service.toString()),
    ['20.0.0.1:18444', '20.0.0.2:18444', '20.0.0.3:18444']);
  assert.equal(book.next(), undefined);
  assert.equal(book.inFlightCount, 3);
});

test('an address offered again is a duplicate, whether queued, in flight or already tried', () => {
  const book = new CrawlBook({ canReach: ipOnly });
  book.offer(svc('20.0.0.1'), 'seed');
  assert.equal(book.offer(svc('20.0.0.1'), 'x'), 'duplicate');
  const t = book.next()!;
  assert.equal(book.offer(svc('20.0.0.1'), 'x'), 'duplicate');
  book.complete(t, { kind: 'unreachable', code: 'ERR_CONNECT_REFUSED', error: 'refused' }, T0);
  assert.equal(book.offer(svc('20.0.0.1'), 'x'), 'duplicate');
  assert.equal(book.stats().skipped.duplicate, 3);
  assert.equal(book.stats().known, 1);
});

test('the same IP on another port is a different node', () => {
  const book = new CrawlBook({ canReach: ipOnly });
  assert.equal(book.offer(svc('20.0.0.1', 8333), 'x'), 'queued');
  assert.equal(book.offer(svc('20.0.0.1', 8334), 'x'), 'queued');
});

test('gossiped private, local and reserved addresses are refused; the operator\'s seeds are not', () => {
  const book = new CrawlBook({ canReach: ipOnly });
  for (const ip of ['10.0.0.1', '127.0.0.1', '192.168.1.1', '[fd00::1]']) assert.equal(book.offer(svc(ip), '20.0.0.1:18444'), 'unroutable');
  assert.equal(book.offer(svc('127.0.0.1'), 'seed', true), 'queued');
  assert.equal(book.stats().skipped.unroutable, 4);
});

test('gossiped addresses on port 0 or one of Core\'s bad ports are refused', () => {
  const book = new CrawlBook({ canReach: ipOnly });
  assert.equal(book.offer(svc('20.0.0.1', 22), 'x'), 'badPort');
  assert.equal(book.offer(svc('20.0.0.1', 25), 'x'), 'badPort');
  assert.equal(book.offer(svc('20.0.0.1', 0), 'x'), 'badPort');
  assert.equal(book.offer(svc('20.0.0.1', 8333), 'x'), 'queued');
  assert.equal(book.offer(svc('20.0.0.2', 22), 'seed', true), 'queued');
});

test('addresses on networks the transport cannot reach are not queued', () => {
  const book = new CrawlBook({ canReach: ipOnly });
  const onion = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
  assert.equal(book.offer(svc(onion, 8333), 'x'), 'unreachableNetwork');
  const withTor = new CrawlBook({ canReach: (n) => ipOnly(n) || n === Net.ONION });
  assert.equal(withTor.offer(svc(onion, 8333), 'x'), 'queued');
});

test(`one IP gets at most ${MAX_PORTS_PER_ADDRESS} ports, so a node cannot make the crawl scan a host`, () => {
  const book = new CrawlBook({ canReach: ipOnly });
  for (let i = 0; i < MAX_PORTS_PER_ADDRESS; i++) assert.equal(book.offer(svc('20.0.0.1', 8333 + i), 'x'), 'queued');
  assert.equal(book.offer(svc('20.0.0.1', 9000), 'x'), 'portsPerAddress');
  assert.equal(book.offer(svc('20.0.0.2', 9000), 'x'), 'queued');
});

test('maxNodes caps the addresses known; the rest are counted as skipped', () => {
  const book = new CrawlBook({ canReach: ipOnly, maxNodes: 3 });
  for (let i = 1; i <= 5; i++) book.offer(svc(`20.0.0.${i}`), 'x');
  const s = book.stats();
  assert.equal(s.known, 3);
  assert.equal(s.queued, 3);
  assert.equal(s.skipped.cap, 2);
});

test(`the default cap is MAX_CRAWL_NODES (${MAX_CRAWL_NODES}): one more address is refused`, () => {
  const book = new CrawlBook({ canReach: ipOnly });
  const at = (i: number): NetService => new NetService(NetAddress.ipv4(Uint8Array.of(11, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff)), 8333);
  for (let i = 0; i < MAX_CRAWL_NODES; i++) book.offer(at(i), 'x');
  assert.equal(book.stats().known, MAX_CRAWL_NODES);
  assert.equal(book.offer(at(MAX_CRAWL_NODES), 'x'), 'cap');
});

test('maxNodes outside [1, MAX_CRAWL_NODES] is an ArgumentError', () => {
  assert.throws(() => new CrawlBook({ canReach: ipOnly, maxNodes: 0 }), ArgumentError);
  assert.throws(() => new CrawlBook({ canReach: ipOnly, maxNodes: MAX_CRAWL_NODES + 1 }), ArgumentError);
  assert.throws(() => new CrawlBook({ canReach: ipOnly, maxNodes: 1.5 }), ArgumentError);
});

test('a reachable node\'s record carries its version details and it queues the new addresses it sent', () => {
  const book = new CrawlBook({ canReach: ipOnly });
  book.offer(svc('20.0.0.1'), 'seed');
  book.offer(svc('20.0.0.2'), 'seed');
  const t = book.next()!;
  const rec = book.complete(t, {
    kind: 'reachable', remote: remote({ services: 0x409n, startHeight: 7, relay: false }), latencyMs: 12.4,
    addresses: [
      { service: svc('20.0.0.2'), services: 9n, time: 0 }, // already known
      { service: svc('20.0.0.3'), services: 9n, time: 0 },
      { service: svc('10.1.1.1'), services: 9n, time: 0 }, // unroutable
    ],
  }, T0)!;
  assert.deepEqual(rec, {
    address: '20.0.0.1:18444', network: 'ipv4', reachable: true, source: 'seed', triedAt: '2024-01-01T00:00:00.000Z',
    latencyMs: 12, protocolVersion: 70016, userAgent: '/Peerbook:0.1.0/', services: '0000000000000409',
    servicesNames: ['NETWORK', 'WITNESS', 'NETWORK_LIMITED'], startHeight: 7, relay: false,
    addressesReceived: 3, newAddresses: 1, error: null, errorCode: null,
  });
  book.next(); // 20.0.0.2
  const learned = book.next()!;
  assert.equal(learned.service.toString(), '20.0.0.3:18444');
  assert.equal(learned.source, '20.0.0.1:18444', 'the source of a gossiped address is the node that sent it');
});

test('an unreachable node\'s record has the error and no version fields', () => {
  const book = new CrawlBook({ canReach: ipOnly });
  book.offer(svc('[2001:470::1]', 8333), '20.0.0.1:18444');
  const rec = book.complete(book.next()!, { kind: 'unreachable', code: 'ERR_CONNECT_TIMEOUT', error: 'timed out' }, T0)!;
  assert.equal(rec.reachable, false);
  assert.equal(rec.network, 'ipv6');
  assert.equal(rec.address, '[2001:470::1]:8333');
  assert.equal(rec.errorCode, 'ERR_CONNECT_TIMEOUT');
  assert.equal(rec.error, 'timed out');
  for (const k of ['latencyMs', 'protocolVersion', 'userAgent', 'services', 'servicesNames', 'startHeight', 'relay'] as const) {
    assert.equal(rec[k], null, k);
  }
  assert.deepEqual(book.stats(), {
    tried: 1, reachable: 0, unreachable: 1, inFlight: 0, queued: 0, known: 1,
    skipped: { duplicate: 0, unreachableNetwork: 0, unroutable: 0, badPort: 0, portsPerAddress: 0, cap: 0 },
  });
});

test('an abandoned attempt is not recorded and counts as not tried', () => {
  const book = new CrawlBook({ canReach: ipOnly });
  book.offer(svc('20.0.0.1'), 'seed');
  book.offer(svc('20.0.0.2'), 'seed');
  assert.equal(book.complete(book.next()!, { kind: 'abandoned' }, T0), undefined);
  assert.equal(book.records().length, 0);
  assert.equal(book.notTried, 2);
  assert.equal(book.stats().tried, 0);
});

test('completing an address that is not in flight is an ArgumentError', () => {
  const book = new CrawlBook({ canReach: ipOnly });
  book.offer(svc('20.0.0.1'), 'seed');
  assert.throws(() => book.complete({ service: svc('20.0.0.1'), source: 'seed' }, { kind: 'abandoned' }, T0), ArgumentError);
});

test('property: every known address is handed out at most once, and the counters always add up', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('offer' as const), n: fc.integer({ min: 0, max: 40 }), port: fc.constantFrom(8333, 8334, 22, 0) }),
    fc.record({ kind: fc.constant('next' as const) }),
    fc.record({ kind: fc.constant('done' as const), how: fc.constantFrom('reachable', 'unreachable', 'abandoned') }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 30 }), (ops, maxNodes) => {
    const book = new CrawlBook({ canReach: ipOnly, maxNodes });
    const handedOut = new Set<string>();
    const inFlight: ReturnType<CrawlBook['next']>[] = [];
    for (const o of ops) {
      if (o.kind === 'offer') book.offer(new NetService(NetAddress.ipv4(Uint8Array.of(20, 0, o.n >> 3, o.n & 7)), o.port), 'x');
      else if (o.kind === 'next') {
        const t = book.next();
        if (t) {
          assert.ok(!handedOut.has(t.service.key), `${t.service} handed out twice`);
          handedOut.add(t.service.key);
          inFlight.push(t);
        }
      } else if (inFlight.length > 0) {
        const t = inFlight.shift()!;
        const outcome = o.how === 'reachable'
          ? { kind: 'reachable' as const, remote: remote(), latencyMs: 1, addresses: [{ service: svc('20.0.9.9'), services: 9n, time: 0 }] }
          : o.how === 'unreachable' ? { kind: 'unreachable' as const, code: 'E', error: 'e' } : { kind: 'abandoned' as const };
        book.complete(t, outcome, T0);
      }
      const s = book.stats();
      assert.ok(s.known <= maxNodes);
      assert.equal(s.tried, s.reachable + s.unreachable);
      assert.equal(s.known, s.tried + book.notTried);
      assert.equal(s.inFlight, inFlight.length);
    }
  }), { numRuns: 300 });
});
