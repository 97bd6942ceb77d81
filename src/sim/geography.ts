/**
 * Where simulated hosts are and how far apart: each host sits in one region, and the one-way latency
 * of a link is half the round-trip time between the two regions, varied by ±`jitter` with a hash of
 * the two addresses (so a link's latency is fixed for its lifetime and the same in both directions,
 * and a run is reproducible). The default round-trip times are coarse public figures between
 * continents (same region ~20-40 ms, Europe–North America ~90 ms, Europe–Asia ~180-250 ms); they
 * matter for ping-based eviction protection and for how long handshakes take, not for any headline
 * figure, so a constant latency can be chosen instead.
 */
import type { NetAddress } from '../address/netaddress.js';
import type { Random } from '../util/random.js';
import type { LinkLatency } from './latency-transport.js';

/** Regions hosts are placed in. */
export const REGIONS = ['north-america', 'europe', 'asia', 'south-america', 'oceania', 'africa'] as const;
/** A region name. */
export type Region = (typeof REGIONS)[number];

/** Share of hosts per region (reachable Bitcoin nodes are mostly in Europe and North America). */
export const DEFAULT_REGION_WEIGHTS: Readonly<Record<Region, number>> = {
  'north-america': 0.33, europe: 0.45, asia: 0.14, 'south-america': 0.03, oceania: 0.03, africa: 0.02,
};

/** Round-trip time between regions, ms (symmetric; row/column order of REGIONS). */
export const DEFAULT_RTT_MS: readonly (readonly number[])[] = [
  //  NA   EU   AS   SA   OC   AF
  [40, 90, 170, 130, 160, 200],
  [90, 25, 200, 200, 260, 150],
  [170, 200, 60, 300, 120, 280],
  [130, 200, 300, 50, 300, 330],
  [160, 260, 120, 300, 30, 350],
  [200, 150, 280, 330, 350, 60],
];

/** How latency is modelled. */
export type LatencyConfig =
  | { model: 'constant'; oneWayMs: number }
  | { model: 'regions'; jitter: number; weights?: Partial<Record<Region, number>> };

/** The default latency model: regions with ±20 % per-link jitter. */
export const DEFAULT_LATENCY: LatencyConfig = { model: 'regions', jitter: 0.2 };

/** Assigns regions to hosts and answers link latencies. */
export class Geography implements LinkLatency {
  private readonly regionOf = new Map<string, number>();
  private readonly cumulative: number[];

  /** @param config the model; @param random draws each host's region. */
  constructor(readonly config: LatencyConfig, private readonly random: Random) {
    const weights = REGIONS.map((r) => (config.model === 'regions' ? config.weights?.[r] ?? DEFAULT_REGION_WEIGHTS[r] : 1));
    const total = weights.reduce((a, b) => a + b, 0);
    let acc = 0;
    this.cumulative = weights.map((w) => (acc += w / total));
  }

  /** Places a host: in `region` if given, else in a region drawn by weight. Returns the region. */
  place(addr: NetAddress, region?: Region): Region {
    let index = region === undefined ? -1 : REGIONS.indexOf(region);
    if (index < 0) {
      const u = this.random.randfloat();
      index = this.cumulative.findIndex((c) => u < c);
      if (index < 0) index = REGIONS.length - 1;
    }
    this.regionOf.set(addr.key, index);
    return REGIONS[index];
  }

  /** The region of a placed host (hosts never placed count as the first region). */
  region(addr: NetAddress): Region {
    return REGIONS[this.regionOf.get(addr.key) ?? 0];
  }

  /** @inheritdoc */
  oneWayMs(from: NetAddress, to: NetAddress): number {
    if (this.config.model === 'constant') return this.config.oneWayMs;
    const a = this.regionOf.get(from.key) ?? 0;
    const b = this.regionOf.get(to.key) ?? 0;
    const base = DEFAULT_RTT_MS[a][b] / 2;
    const u = pairHash(from.key, to.key) / 0x1_0000_0000; // [0, 1), the same in both directions
    return Math.round(base * (1 + this.config.jitter * (2 * u - 1)));
  }
}

/** An order-independent 32-bit FNV-1a hash of two host keys. */
function pairHash(a: string, b: string): number {
  const [x, y] = a < b ? [a, b] : [b, a];
  let h = 0x811c9dc5;
  const s = `${x}|${y}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
