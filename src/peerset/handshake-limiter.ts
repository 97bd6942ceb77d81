/**
 * Inbound handshake limits, checked on the raw connection after the source-IP allow-list and before any
 * cryptography (the order of commonware's lookup listener, p2p/src/authenticated/lookup/actors/listener.rs):
 * one handshake per IP per 5 s, 64 per second per /24 (IPv4) or /48 (IPv6), and at most 512 in flight.
 * Both rate limiters are charged before the decision, as commonware does, so a flood from one IP also
 * spends its subnet's allowance. Pure: the caller passes the time and releases each started handshake.
 */
import type { NetAddress } from '../address/netaddress.js';
import {
  HANDSHAKE_INTERVAL_PER_IP_MS, HANDSHAKES_PER_SUBNET_PER_SECOND, MAX_CONCURRENT_HANDSHAKES, MAX_RATE_LIMITED_IPS,
  MAX_RATE_LIMITED_SUBNETS, SUBNET_PREFIX_BITS_IPV4, SUBNET_PREFIX_BITS_IPV6,
} from './constants.js';
import { KeyedRateLimiter } from './rate-limiter.js';

/** Why a handshake was not started. */
export type HandshakeLimitReason = 'ip-rate' | 'subnet-rate' | 'in-flight' | 'table-full';

/** Settings (defaults: commonware's recommended values). */
export interface HandshakeLimiterOptions {
  /** Least time between two handshakes from one IP (default HANDSHAKE_INTERVAL_PER_IP_MS). */
  perIpIntervalMs?: number;
  /** Handshakes per second per subnet (default HANDSHAKES_PER_SUBNET_PER_SECOND, also the burst). */
  perSubnetPerSecond?: number;
  /** Handshakes in progress at once (default MAX_CONCURRENT_HANDSHAKES). */
  maxInFlight?: number;
  /** IPs remembered (default MAX_RATE_LIMITED_IPS). */
  maxTrackedIps?: number;
  /** Subnets remembered (default MAX_RATE_LIMITED_SUBNETS). */
  maxTrackedSubnets?: number;
}

/** The /24 (IPv4) or /48 (IPv6) an address belongs to, as a map key. */
export function subnetKey(ip: NetAddress): string {
  const bytes = ip.bytes;
  if (ip.isIPv4()) return `4:${Buffer.from(bytes.subarray(0, SUBNET_PREFIX_BITS_IPV4 / 8)).toString('hex')}`;
  if (ip.isIPv6()) return `6:${Buffer.from(bytes.subarray(0, SUBNET_PREFIX_BITS_IPV6 / 8)).toString('hex')}`;
  return `x:${ip.key}`;
}

/** Counts of the limiter's decisions. */
export interface HandshakeLimiterCounters {
  /** Handshakes allowed to start. */
  started: number;
  /** Refusals per reason. */
  refused: Record<HandshakeLimitReason, number>;
}

/** Rate and concurrency limits on inbound handshakes. */
export class HandshakeLimiter {
  private readonly perIp: KeyedRateLimiter;
  private readonly perSubnet: KeyedRateLimiter;
  private readonly maxInFlight: number;
  private inFlightCount = 0;
  private readonly counts: HandshakeLimiterCounters = { started: 0, refused: { 'ip-rate': 0, 'subnet-rate': 0, 'in-flight': 0, 'table-full': 0 } };

  /** @param options limits; each defaults to commonware's recommended value. */
  constructor(options: HandshakeLimiterOptions = {}) {
    const perSecond = options.perSubnetPerSecond ?? HANDSHAKES_PER_SUBNET_PER_SECOND;
    this.perIp = new KeyedRateLimiter(options.perIpIntervalMs ?? HANDSHAKE_INTERVAL_PER_IP_MS, 1, options.maxTrackedIps ?? MAX_RATE_LIMITED_IPS);
    this.perSubnet = new KeyedRateLimiter(1000 / perSecond, perSecond, options.maxTrackedSubnets ?? MAX_RATE_LIMITED_SUBNETS);
    this.maxInFlight = options.maxInFlight ?? MAX_CONCURRENT_HANDSHAKES;
  }

  /** Handshakes started and not yet released. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** A copy of the counters. */
  counters(): HandshakeLimiterCounters {
    return { started: this.counts.started, refused: { ...this.counts.refused } };
  }

  /**
   * Asks to start a handshake from `ip` at `nowMs`. On success, call `release()` exactly once when the
   * handshake ends (completed or failed); later calls are ignored.
   */
  tryStart(ip: NetAddress, nowMs: number): { ok: true; release: () => void } | { ok: false; reason: HandshakeLimitReason } {
    const ipDecision = this.perIp.check(ip.key, nowMs);
    const subnetDecision = this.perSubnet.check(subnetKey(ip), nowMs);
    const reason: HandshakeLimitReason | undefined =
      ipDecision === 'table-full' || subnetDecision === 'table-full' ? 'table-full'
        : ipDecision === 'limited' ? 'ip-rate'
          : subnetDecision === 'limited' ? 'subnet-rate'
            : this.inFlightCount >= this.maxInFlight ? 'in-flight' : undefined;
    if (reason) {
      this.counts.refused[reason]++;
      return { ok: false, reason };
    }
    this.inFlightCount++;
    this.counts.started++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlightCount--;
      },
    };
  }
}
