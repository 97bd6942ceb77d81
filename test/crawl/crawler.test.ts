/** The crawler's I/O shell on the in-memory network in virtual time: whole crawls, waits, failures, limits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { NetAddress } from '../../src/address/netaddress.js';
import { Net, type NetId } from '../../src/address/network.js';
import { NetService } from '../../src/address/service.js';
import { DEFAULT_USER_AGENT } from '../../src/wire/user-agent.js';
import type { Resolver } from '../../src/util/resolver.js';
import { CRAWLER_USER_AGENT, Crawler, MAX_CRAWL_SEEDS, type CrawlerOptions } from '../../src/crawl/crawler.js';
import { DNS_SEED_TIMEOUT_MS } from '../../src/crawl/seeds.js';
import { MAX_ADDRESSES_PER_NODE } from '../../src/crawl/visit.js';
import type { CrawlNodeRecord, CrawlReport } from '../../src/crawl/record.js';
import { MemoryNetwork } from '../../src/transport/memory.js';
import type { ConnectOptions, Transport } from '../../src/transport/transport.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ArgumentError, PeerbookError } from '../../src/util/errors.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { customNetworkParams, MAINNET, REGTEST } from '../../src/wire/params.js';
import { Sim } from '../../src/sim/network.js';
import { answerGetAddrWithWholeTable, drive, FakeNode, rec } from './helpers.js';

const ipOnly = (net: NetId): boolean => net === Net.IPV4 || net === Net.IPV6;
const noDns: Resolver = async (host) => { throw new Error(`unexpected DNS lookup of ${host}`); };
const CRAWLER_IP = '20.0.0.250';

function crawler(clock: VirtualClock, net: MemoryNetwork, over: Partial<CrawlerOptions> = {}): Crawler {
  return new Crawler({
    network: REGTEST, transport: net.transport(NetAddress.parse(CRAWLER_IP)), canReach: ipOnly, clock,
    random: ChaChaRandom.fromSeed('crawler'), resolver: noDns, seeds: ['20.0.0.1'], concurrency: 4,
    getaddrWaitMs: 5_000, timeoutMs: 2_000, durationMs: 600_000, ...over,
  });
}

function byAddress(report: CrawlReport): Map<string, CrawlNodeRecord> {
  return new Map(report.nodes.map((n) => [n.address, n]));
}

function setup(): { clock: VirtualClock; net: MemoryNetwork } {
  const clock = new VirtualClock();
  return { clock, net: new MemoryNetwork(clock) };
}

test('a crawl over a chain of PeerManagers finds every node, reachable with Peerbook\'s user agent and version 70016', async () => {
  const sim = new Sim();
  const ips = ['20.0.0.1', '20.0.0.2', '20.0.0.3', '20.0.0.4', '20.0.0.5'];
  const nodes = ips.map((ip) => sim.node(ip));
  const now = sim.clock.nowSeconds();
  nodes.forEach((n, i) => {
    answerGetAddrWithWholeTable(n);
    const knows = i + 1 < ips.length ? [ips[i + 1]] : [ips[0]]; // a chain, closed into a ring
    if (i === 2) knows.push('20.0.0.99'); // nothing listens there
    n.addrman.add(knows.map((ip) => rec(ip, now - 600)), NetAddress.parse('9.9.9.9'));
  });
  await sim.startAll();
  const c = crawler(sim.clock, sim.net);
  const report = await drive(sim.clock, c.run());
  await sim.stopAll();
  const found = byAddress(report);
  for (const ip of ips) {
    const n = found.get(`${ip}:18444`);
    assert.ok(n, `${ip} was not tried`);
    assert.equal(n.reachable, true, `${ip}: ${n.error}`);
    assert.equal(n.userAgent, DEFAULT_USER_AGENT);
    assert.equal(n.protocolVersion, 70016);
    assert.deepEqual(n.servicesNames, ['NETWORK', 'WITNESS', 'P2P_V2'], 'Peerbook nodes advertise BIP324 by default');
  }
  assert.equal(found.get('20.0.0.99:18444')?.reachable, false);
  assert.equal(found.get('20.0.0.99:18444')?.errorCode, 'ERR_CONNECT_REFUSED');
  assert.equal(found.get('20.0.0.99:18444')?.source, '20.0.0.3:18444');
  assert.equal(report.nodes.length, 6);
  assert.equal(report.stoppedBy, 'queue-empty');
  assert.equal(report.network, 'regtest');
  assert.equal(report.magic, 'fabfb5da');
  assert.deepEqual(report.stats, {
    tried: 6, reachable: 5, unreachable: 1, known: 6, notTried: 0,
    skipped: report.stats.skipped,
  });
  assert.ok(report.stats.skipped.duplicate > 0, 'nodes announce themselves and each other: duplicates are skipped');
});

test('a node that announces itself first is waited for until its real answer arrives', async () => {
  const { clock, net } = setup();
  const now = clock.nowSeconds();
  const a = await new FakeNode(net, clock, {
    ip: '20.0.0.1', selfAnnounce: true, answerDelayMs: 20_000, answer: [rec('20.0.0.2', now), rec('20.0.0.3', now), rec('20.0.0.4', now)],
  }).start();
  const report = await drive(clock, crawler(clock, net, { getaddrWaitMs: 30_000 }).run());
  const n = byAddress(report).get('20.0.0.1:18444')!;
  assert.equal(n.addressesReceived, 4, 'the self-announcement and the answer');
  assert.equal(n.newAddresses, 3);
  assert.equal(report.nodes.length, 4);
  const elapsed = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  assert.ok(elapsed >= 20_000 && elapsed < 30_000, `${elapsed} ms`);
  assert.equal(a.getaddrs, 1, 'getaddr is sent once');
  assert.equal(a.closes, 1, 'the crawler disconnects after the answer');
});

test('a node that never answers getaddr is recorded reachable once --getaddr-wait has passed', async () => {
  const { clock, net } = setup();
  const a = await new FakeNode(net, clock, { ip: '20.0.0.1', userAgent: '/Satoshi:27.0.0/', startHeight: 840_000 }).start();
  const report = await drive(clock, crawler(clock, net, { getaddrWaitMs: 5_000 }).run());
  const n = report.nodes[0];
  assert.equal(n.reachable, true);
  assert.equal(n.userAgent, '/Satoshi:27.0.0/');
  assert.equal(n.startHeight, 840_000);
  assert.equal(n.addressesReceived, 0);
  const elapsed = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  assert.ok(elapsed >= 5_000 && elapsed < 6_000, `${elapsed} ms`);
  assert.equal(a.closes, 1);
});

test('an answer later than --getaddr-wait is not waited for', async () => {
  const { clock, net } = setup();
  await new FakeNode(net, clock, { ip: '20.0.0.1', answerDelayMs: 10_000, answer: [rec('20.0.0.2', 0), rec('20.0.0.3', 0)] }).start();
  const report = await drive(clock, crawler(clock, net, { getaddrWaitMs: 5_000 }).run());
  assert.equal(report.nodes.length, 1);
  assert.equal(report.nodes[0].addressesReceived, 0);
});

test('a one-entry addr alone does not end the wait (Core\'s addr-fetch rule: more than one address)', async () => {
  const { clock, net } = setup();
  await new FakeNode(net, clock, { ip: '20.0.0.1', selfAnnounce: true }).start();
  const report = await drive(clock, crawler(clock, net, { getaddrWaitMs: 8_000 }).run());
  assert.equal(report.nodes[0].addressesReceived, 1);
  const elapsed = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  assert.ok(elapsed >= 8_000, `${elapsed} ms`);
});

test('unreachable nodes are recorded with the reason: refused, dial timeout, silence, wrong magic, obsolete version', async () => {
  const { clock, net } = setup();
  net.setUnreachable(NetAddress.parse('20.0.0.51'), true);
  await new FakeNode(net, clock, { ip: '20.0.0.52', silent: true }).start();
  await new FakeNode(net, clock, { ip: '20.0.0.53', magic: MAINNET.magic }).start();
  await new FakeNode(net, clock, { ip: '20.0.0.54', version: 209 }).start();
  const seeds = ['20.0.0.50', '20.0.0.51', '20.0.0.52', '20.0.0.53', '20.0.0.54'];
  const report = await drive(clock, crawler(clock, net, { seeds, concurrency: 5, timeoutMs: 2_000 }).run());
  const found = byAddress(report);
  const reason = (ip: string): [string | null | undefined, boolean | undefined] => [found.get(`${ip}:18444`)?.errorCode, found.get(`${ip}:18444`)?.reachable];
  assert.deepEqual(reason('20.0.0.50'), ['ERR_CONNECT_REFUSED', false]);
  assert.deepEqual(reason('20.0.0.51'), ['ERR_CONNECT_TIMEOUT', false]);
  assert.deepEqual(reason('20.0.0.52'), ['ERR_HANDSHAKE_TIMEOUT', false]);
  assert.deepEqual(reason('20.0.0.53'), ['ERR_HANDSHAKE_FAILED', false]);
  assert.deepEqual(reason('20.0.0.54'), ['ERR_HANDSHAKE_FAILED', false]);
  assert.match(found.get('20.0.0.54:18444')!.error!, /obsolete version 209/);
  assert.equal(report.stats.unreachable, 5);
});

test('no more than --concurrency attempts run at once', async () => {
  const { clock, net } = setup();
  const seeds = Array.from({ length: 12 }, (_, i) => `20.0.1.${i + 1}`);
  for (const ip of seeds) net.setUnreachable(NetAddress.parse(ip), true);
  const inner = net.transport(NetAddress.parse(CRAWLER_IP));
  let open = 0;
  let most = 0;
  const counting: Transport = {
    async connect(target: NetService, options?: ConnectOptions) {
      most = Math.max(most, ++open);
      try {
        return await inner.connect(target, options);
      } finally {
        open--;
      }
    },
    listen: (bind, cb) => inner.listen(bind, cb),
  };
  const report = await drive(clock, crawler(clock, net, { seeds, concurrency: 3, timeoutMs: 1_000, transport: counting }).run());
  assert.equal(most, 3);
  assert.equal(report.stats.tried, 12);
  const elapsed = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  assert.ok(elapsed >= 4_000 && elapsed < 5_000, `12 dials of 1 s, 3 at a time: ${elapsed} ms`);
});

test('the duration ends the crawl; addresses never tried are counted, not recorded', async () => {
  const { clock, net } = setup();
  const seeds = Array.from({ length: 10 }, (_, i) => `20.0.1.${i + 1}`);
  for (const ip of seeds) net.setUnreachable(NetAddress.parse(ip), true);
  const report = await drive(clock, crawler(clock, net, { seeds, concurrency: 1, timeoutMs: 5_000, durationMs: 12_000 }).run());
  assert.equal(report.stoppedBy, 'duration');
  assert.equal(report.stats.tried, 2);
  assert.equal(report.stats.notTried, 8);
  assert.equal(Date.parse(report.finishedAt) - Date.parse(report.startedAt), 12_000);
});

test('stop() keeps a node that completed the handshake and abandons dials still under way', async () => {
  const { clock, net } = setup();
  await new FakeNode(net, clock, { ip: '20.0.0.1', selfAnnounce: true }).start();
  net.setUnreachable(NetAddress.parse('20.0.0.2'), true);
  const c = crawler(clock, net, { seeds: ['20.0.0.1', '20.0.0.2'], concurrency: 2, getaddrWaitMs: 30_000, timeoutMs: 30_000 });
  const running = c.run();
  await clock.tick(3_000);
  assert.equal(c.progress().inFlight, 2);
  c.stop();
  const report = await drive(clock, running);
  assert.equal(report.stoppedBy, 'interrupted');
  assert.deepEqual(report.nodes.map((n) => [n.address, n.reachable, n.addressesReceived]), [['20.0.0.1:18444', true, 1]]);
  assert.equal(report.stats.notTried, 1);
  assert.equal(Date.parse(report.finishedAt) - Date.parse(report.startedAt), 3_000, 'nothing waits for timeouts');
});

test('aborting the signal stops the crawl like stop()', async () => {
  const { clock, net } = setup();
  net.setUnreachable(NetAddress.parse('20.0.0.1'), true);
  const ac = new AbortController();
  const running = crawler(clock, net, { timeoutMs: 60_000, signal: ac.signal }).run();
  await clock.tick(1_000);
  ac.abort();
  const report = await drive(clock, running);
  assert.equal(report.stoppedBy, 'interrupted');
  assert.equal(report.nodes.length, 0);
});

test('without --seed the crawl asks x9.<seed> of each DNS seed, falls back to the seed name, and adds the fixed seeds', async () => {
  const { clock, net } = setup();
  const params = customNetworkParams({
    name: 'testnet-x', magic: 'fabfb5da', defaultPort: 18444,
    dnsSeeds: ['seed-a.example.', 'seed-b.example.', 'seed-c.example.'], fixedSeeds: ['20.0.0.77:18444'],
  });
  const asked: string[] = [];
  const answers: Record<string, string[]> = { 'x9.seed-a.example.': ['20.0.0.71'], 'seed-b.example.': ['20.0.0.72', 'not-an-ip'] };
  const resolver: Resolver = async (host) => {
    asked.push(host);
    const a = answers[host];
    if (!a) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
    return a;
  };
  const report = await drive(clock, crawler(clock, net, { network: params, seeds: undefined, resolver }).run());
  assert.deepEqual([...asked].sort(), ['seed-b.example.', 'seed-c.example.', 'x9.seed-a.example.', 'x9.seed-b.example.', 'x9.seed-c.example.']);
  const sources = Object.fromEntries(report.nodes.map((n) => [n.address, n.source]));
  assert.deepEqual(sources, { '20.0.0.71:18444': 'dns:seed-a.example', '20.0.0.72:18444': 'dns:seed-b.example', '20.0.0.77:18444': 'fixed' });
  assert.deepEqual(report.seedErrors, ['seed-c.example: DNS lookup failed: getaddrinfo ENOTFOUND seed-c.example.'], 'a failed lookup is not "no addresses"');
});

test('a DNS seed that answers without a usable address is reported as "no addresses", not as a DNS failure', async () => {
  const { clock, net } = setup();
  const params = customNetworkParams({ name: 'x', magic: 'fabfb5da', defaultPort: 18444, dnsSeeds: ['empty.example.', 'junk.example.'] });
  const answers: Record<string, string[]> = { 'x9.empty.example.': [], 'empty.example.': [], 'x9.junk.example.': ['not-an-ip'] };
  const resolver: Resolver = async (host) => {
    const a = answers[host];
    if (!a) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
    return a;
  };
  const report = await drive(clock, crawler(clock, net, { network: params, seeds: undefined, resolver }).run());
  assert.deepEqual([...report.seedErrors].sort(), ['empty.example: no addresses', 'junk.example: no addresses']);
});

test('--seed replaces the DNS and fixed seeds; host names among them are resolved', async () => {
  const { clock, net } = setup();
  const params = customNetworkParams({ name: 'x', magic: 'fabfb5da', defaultPort: 18444, dnsSeeds: ['seed-a.example.'], fixedSeeds: ['20.0.0.77'] });
  const asked: string[] = [];
  const resolver: Resolver = async (host) => { asked.push(host); return ['20.0.0.8']; };
  const report = await drive(clock, crawler(clock, net, { network: params, seeds: ['node.example:18445', '20.0.0.5'], resolver }).run());
  assert.deepEqual(asked, ['node.example']);
  assert.deepEqual(report.nodes.map((n) => n.address).sort(), ['20.0.0.5:18444', '20.0.0.8:18445']);
});

test('the crawler announces itself with its own user agent, no services and no transaction relay', async () => {
  const { clock, net } = setup();
  const a = await new FakeNode(net, clock, { ip: '20.0.0.1', answer: [rec('20.0.0.2', 0), rec('20.0.0.3', 0)] }).start();
  await drive(clock, crawler(clock, net).run());
  assert.equal(a.versions.length, 1);
  assert.equal(a.versions[0].userAgent, CRAWLER_USER_AGENT);
  assert.equal(CRAWLER_USER_AGENT, '/Peerbook:0.1.0(crawler)/');
  assert.equal(a.versions[0].services, 0n);
  assert.equal(a.versions[0].relay, false);
});

test('gossiped addresses the transport cannot reach are counted and not dialed', async () => {
  const { clock, net } = setup();
  const onion = new NetService(NetAddress.parse('pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion'), 8333);
  await new FakeNode(net, clock, { ip: '20.0.0.1', answer: [{ service: onion, services: 9n, time: 0 }, rec('20.0.0.2', 0)] }).start();
  const report = await drive(clock, crawler(clock, net).run());
  assert.equal(report.stats.skipped.unreachableNetwork, 1);
  assert.deepEqual(report.nodes.map((n) => n.address), ['20.0.0.1:18444', '20.0.0.2:18444']);
});

test('--max-nodes stops the crawl from learning more addresses', async () => {
  const { clock, net } = setup();
  const answer = Array.from({ length: 20 }, (_, i) => rec(`20.0.2.${i + 1}`, 0));
  await new FakeNode(net, clock, { ip: '20.0.0.1', answer }).start();
  const report = await drive(clock, crawler(clock, net, { maxNodes: 5 }).run());
  assert.equal(report.nodes.length, 5);
  assert.equal(report.stats.skipped.cap, 16);
  assert.equal(report.nodes[0].newAddresses, 4);
});

test('bad options are ArgumentErrors and a crawler runs only once', async () => {
  const { clock, net } = setup();
  assert.throws(() => crawler(clock, net, { concurrency: 0 }), ArgumentError);
  assert.throws(() => crawler(clock, net, { durationMs: 0 }), ArgumentError);
  assert.throws(() => crawler(clock, net, { timeoutMs: -1 }), ArgumentError);
  assert.throws(() => crawler(clock, net, { getaddrWaitMs: 1.5 }), ArgumentError);
  assert.throws(() => crawler(clock, net, { maxNodes: 0 }), ArgumentError);
  assert.throws(() => crawler(clock, net, { seeds: ['not a host'] }), PeerbookError);
  assert.throws(() => crawler(clock, net, { seeds: Array.from({ length: MAX_CRAWL_SEEDS + 1 }, () => '20.0.0.1') }), ArgumentError);
  const c = crawler(clock, net, { seeds: ['20.0.0.1'] });
  await drive(clock, c.run());
  await assert.rejects(c.run(), PeerbookError);
});

test(`at most MAX_ADDRESSES_PER_NODE (${MAX_ADDRESSES_PER_NODE}) gossiped addresses are kept from one node`, async () => {
  const { clock, net } = setup();
  const singles = Array.from({ length: MAX_ADDRESSES_PER_NODE + 500 }, (_, i) => rec(`21.0.${i >> 8}.${i & 0xff}`, 0));
  await new FakeNode(net, clock, { ip: '20.0.0.1', singles }).start();
  const report = await drive(clock, crawler(clock, net, { getaddrWaitMs: 2_000, concurrency: 64 }).run());
  const first = report.nodes.find((n) => n.address === '20.0.0.1:18444')!;
  assert.equal(first.addressesReceived, MAX_ADDRESSES_PER_NODE);
  assert.equal(first.newAddresses, MAX_ADDRESSES_PER_NODE);
  assert.equal(report.stats.tried, MAX_ADDRESSES_PER_NODE + 1);
});

test(`a DNS seed that never answers is given up after ${DNS_SEED_TIMEOUT_MS / 1000} s per name`, async () => {
  const { clock, net } = setup();
  const params = customNetworkParams({ name: 'x', magic: 'fabfb5da', defaultPort: 18444, dnsSeeds: ['slow.example.'] });
  const asked: string[] = [];
  const resolver: Resolver = (host) => { asked.push(host); return new Promise(() => undefined); };
  const report = await drive(clock, crawler(clock, net, { network: params, seeds: undefined, resolver }).run());
  assert.deepEqual(asked, ['x9.slow.example.', 'slow.example.']);
  assert.equal(Date.parse(report.finishedAt) - Date.parse(report.startedAt), 2 * DNS_SEED_TIMEOUT_MS);
  assert.deepEqual(report.seedErrors, [`slow.example: DNS lookup failed: lookup of slow.example. timed out after ${DNS_SEED_TIMEOUT_MS} ms`]);
  assert.equal(report.nodes.length, 0);
});

test('attempts under way do not pile listeners onto one abort signal (the cause of MaxListenersExceededWarning)', async () => {
  const { clock, net } = setup();
  const answer = Array.from({ length: 40 }, (_, i) => rec(`20.0.3.${i + 1}`, 0));
  await new FakeNode(net, clock, { ip: '20.0.0.1', answer }).start();
  const inner = net.transport(NetAddress.parse(CRAWLER_IP));
  let most = 0;
  let dials = 0;
  const counting: Transport = {
    connect: (target, options) => {
      const p = inner.connect(target, options);
      dials++;
      most = Math.max(most, getEventListeners(options!.signal!, 'abort').length);
      return p;
    },
    listen: (bind, onConnection) => inner.listen(bind, onConnection),
  };
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(w.name); };
  process.on('warning', onWarning);
  try {
    await drive(clock, crawler(clock, net, { transport: counting, concurrency: 32 }).run());
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.equal(dials, 41);
  assert.ok(most <= 2, `${most} abort listeners on one signal while ${dials} dials ran, up to 32 at once`);
  assert.deepEqual(warnings.filter((w) => w === 'MaxListenersExceededWarning'), []);
});
