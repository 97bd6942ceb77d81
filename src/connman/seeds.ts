/**
 * Bootstrapping the address table (Core net.cpp `ThreadDNSAddressSeed`, `ConvertSeeds`): DNS seeds are
 * asked only when the need is acute — immediately when the table is empty, otherwise after a delay
 * (11 s with < 1000 addresses, 5 min with more) and only while fewer than 2 full-relay peers connected,
 * three seeds at a time — so seeds get little influence over whom we connect to. Results are aged 3–7
 * days and attributed to an internal "x9.<seed>" source so they share few new-table buckets. Fixed
 * seeds compiled into the network parameters are the last resort.
 */
import { NetAddress } from '../address/netaddress.js';
import type { AddressRecord } from '../address/record.js';
import { NetService } from '../address/service.js';
import type { AddrMan } from '../addrman/addrman.js';
import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';
import { SEEDS_SERVICE_FLAGS } from '../wire/services.js';
import type { Logger } from '../util/logger.js';
import type { Resolver } from '../util/resolver.js';

/** Core DNSSEEDS_TO_QUERY_AT_ONCE. */
export const DNSSEEDS_TO_QUERY_AT_ONCE = 3;
/** Core DNSSEEDS_DELAY_FEW_PEERS, ms. */
export const DNSSEEDS_DELAY_FEW_PEERS_MS = 11_000;
/** Core DNSSEEDS_DELAY_MANY_PEERS, ms. */
export const DNSSEEDS_DELAY_MANY_PEERS_MS = 5 * 60_000;
/** Core DNSSEEDS_DELAY_PEER_THRESHOLD: table size above which we wait longer. */
export const DNSSEEDS_DELAY_PEER_THRESHOLD = 1000;
/** Core SEED_OUTBOUND_CONNECTION_THRESHOLD: with this many full-relay peers, seeding stops. */
export const SEED_OUTBOUND_CONNECTION_THRESHOLD = 2;
/** Core SEEDNODE_TIMEOUT: with -seednode, DNS seeds wait this long for the seed nodes to give us peers, ms. */
export const SEEDNODE_TIMEOUT_MS = 30_000;
/** Core: at most this many addresses are taken from one seed. */
export const MAX_IPS_PER_DNS_SEED = 32;
/** Core: DNS seed results are aged between 3 and 7 days, s. */
const DNS_SEED_MIN_AGE_S = 3 * 24 * 3600;
const DNS_SEED_AGE_SPREAD_S = 4 * 24 * 3600;
/** Core ConvertSeeds: fixed seeds are aged between 1 and 2 weeks, s. */
const ONE_WEEK_S = 7 * 24 * 3600;

/** Core `ConvertSeeds`: fixed seeds as address records aged 1–2 weeks, with NODE_NETWORK|NODE_WITNESS. */
export function convertFixedSeeds(seeds: readonly NetService[], nowSeconds: number, random: Random): AddressRecord[] {
  return seeds.map((service) => ({
    service,
    services: SEEDS_SERVICE_FLAGS,
    time: nowSeconds - ONE_WEEK_S - random.randrange(ONE_WEEK_S),
  }));
}

/** The source attributed to DNS results: Core `SetInternal("x9.<seed>")`. */
export function dnsSeedSource(seed: string): NetAddress {
  return NetAddress.internal(dnsSeedQueryName(seed));
}

/** The name queried for a seed: `x<hex service bits>.<seed>` (Core uses x9). */
export function dnsSeedQueryName(seed: string): string {
  return `x${SEEDS_SERVICE_FLAGS.toString(16)}.${seed}`;
}

/** What DNS seeding needs from the connection manager. */
export interface DnsSeedingContext {
  seeds: readonly string[];
  defaultPort: number;
  resolver: Resolver;
  clock: Clock;
  random: Random;
  addrman: AddrMan;
  log: Logger;
  signal: AbortSignal;
  /** Core -forcednsseed. */
  force: boolean;
  /** Full-relay outbound peers that completed the handshake (Core GetFullOutboundConnCount). */
  fullOutboundCount(): number;
  /** -seednode is configured: give the seed nodes SEEDNODE_TIMEOUT_MS first (Core ≥ 28). */
  useSeedNodes?: boolean;
  /** Network activity (seeding waits while inactive). */
  networkActive(): boolean;
  /** True when a name proxy is in use: seeds are contacted through addr-fetch instead of resolved. */
  useNameProxy: boolean;
  /** Queues an addr-fetch connection to a host name. */
  addAddrFetch(host: string): void;
}

/** Core `ThreadDNSAddressSeed`. Resolves with the number of addresses found; stops early on abort. */
export async function runDnsSeeding(ctx: DnsSeedingContext): Promise<number> {
  let outbound = 0;
  if (ctx.useSeedNodes) {
    ctx.log.info(`-seednode enabled. Trying the provided seeds for ${SEEDNODE_TIMEOUT_MS / 1000} seconds before defaulting to the dnsseeds.`);
    const start = ctx.clock.now();
    for (;;) {
      await ctx.clock.sleep(500, ctx.signal);
      if (ctx.clock.now() > start + SEEDNODE_TIMEOUT_MS) {
        ctx.log.info("Couldn't connect to enough peers via seed nodes. Handing fetch logic to the DNS seeds.");
        break;
      }
      outbound = ctx.fullOutboundCount();
      if (outbound >= SEED_OUTBOUND_CONNECTION_THRESHOLD) {
        ctx.log.info('P2P peers available. Finished fetching data from seed nodes.');
        break;
      }
    }
  }
  const seeds = ctx.random.shuffle([...ctx.seeds]);
  let found = 0;
  let seedsRightNow = ctx.force || ctx.addrman.size() === 0 ? seeds.length : 0;
  if (outbound >= SEED_OUTBOUND_CONNECTION_THRESHOLD && seedsRightNow === 0) {
    ctx.log.info('Skipping DNS seeds. Enough peers have been found');
    return 0;
  }
  const waitMs = ctx.addrman.size() >= DNSSEEDS_DELAY_PEER_THRESHOLD ? DNSSEEDS_DELAY_MANY_PEERS_MS : DNSSEEDS_DELAY_FEW_PEERS_MS;
  let waitLogged = false;
  for (const seed of seeds) {
    if (seedsRightNow === 0) {
      seedsRightNow += DNSSEEDS_TO_QUERY_AT_ONCE;
      if (ctx.addrman.size() > 0) {
        // Core logs this before every batch of three seeds; the operator needs it once (later batches: debug).
        const line = `Waiting ${waitMs / 1000} seconds before querying DNS seeds.`;
        if (waitLogged) ctx.log.debug(line);
        else ctx.log.info(line);
        waitLogged = true;
        for (let left = waitMs; left > 0;) {
          const step = Math.min(DNSSEEDS_DELAY_FEW_PEERS_MS, left);
          await ctx.clock.sleep(step, ctx.signal);
          left -= step;
          if (ctx.fullOutboundCount() >= SEED_OUTBOUND_CONNECTION_THRESHOLD) {
            ctx.log.info(found > 0 ? `${found} addresses found from DNS seeds. P2P peers available. Finished DNS seeding.`
              : 'P2P peers available. Skipped DNS seeding.');
            return found;
          }
        }
      }
    }
    while (!ctx.networkActive()) await ctx.clock.sleep(1_000, ctx.signal);
    ctx.log.info(`Loading addresses from DNS seed ${seed}`);
    if (ctx.useNameProxy) {
      ctx.addAddrFetch(seed);
    } else {
      const host = dnsSeedQueryName(seed);
      let ips: string[] = [];
      try {
        ips = (await ctx.resolver(host, ctx.signal)).slice(0, MAX_IPS_PER_DNS_SEED);
      } catch (e) {
        ctx.log.debug(`DNS seed ${host} did not resolve: ${(e as Error).message}`);
      }
      const records: AddressRecord[] = [];
      const now = ctx.clock.nowSeconds();
      for (const ip of ips) {
        let addr: NetAddress;
        try {
          addr = NetAddress.parse(ip, { cjdns: false });
        } catch {
          continue;
        }
        records.push({ service: new NetService(addr, ctx.defaultPort), services: SEEDS_SERVICE_FLAGS,
          time: now - DNS_SEED_MIN_AGE_S - ctx.random.randrange(DNS_SEED_AGE_SPREAD_S) });
      }
      if (records.length > 0) {
        found += records.length;
        ctx.addrman.add(records, dnsSeedSource(seed));
      } else {
        // The seed has no service-bit subdomain (or did not answer): connect to it and ask instead.
        ctx.addAddrFetch(seed);
      }
    }
    seedsRightNow--;
  }
  ctx.log.info(`${found} addresses found from DNS seeds`);
  return found;
}
