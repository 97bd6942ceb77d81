/**
 * Our own addresses (Core net.cpp `mapLocalHost`, `AddLocal`, `SeenLocal`, `GetLocal`): where peers can
 * reach us, each with a score. Configured addresses (-externalip, routable -bind) start high; every
 * peer that tells us it sees us at an address bumps that address's score. The best-scoring address
 * reachable from a given peer is what we advertise to it.
 */
import type { NetAddress } from '../address/netaddress.js';
import type { NetId } from '../address/network.js';
import { NetService } from '../address/service.js';
import type { Peer } from '../peer/peer.js';

/** Core LOCAL_* scores: how an address became known. */
export const LocalScore = { NONE: 0, IF: 1, BIND: 2, MAPPED: 3, MANUAL: 4 } as const;
/** Most local addresses remembered (peers can report anything; keep the set small). */
export const MAX_LOCAL_ADDRESSES = 64;

/** Our known addresses and their scores. */
export class LocalAddresses {
  private readonly map = new Map<string, { service: NetService; score: number }>();

  /** Core `AddLocal`: adds (or raises the score of) a routable address. Returns false if not routable. */
  add(service: NetService, score: number): boolean {
    if (!service.addr.isRoutable()) return false;
    const existing = this.map.get(service.key);
    if (existing) {
      existing.score = Math.max(existing.score, score);
      return true;
    }
    if (this.map.size >= MAX_LOCAL_ADDRESSES) return false;
    this.map.set(service.key, { service, score });
    return true;
  }

  /** Core `SeenLocal`: a peer saw us at this address; bump its score if we know it. */
  seen(service: NetService): void {
    const e = this.map.get(service.key);
    if (e) e.score++;
  }

  /** Core net.cpp `IsLocal(CService)`: is this one of our own advertised addresses? */
  has(service: NetService): boolean {
    return this.map.has(service.key);
  }

  /** True if any of our addresses has this IP (any port). */
  hasAddress(addr: NetAddress): boolean {
    for (const e of this.map.values()) if (e.service.addr.equals(addr)) return true;
    return false;
  }

  /** Core `GetLocal`: the address best reachable from `partner` (highest reachability, then score). */
  best(partner?: NetAddress): NetService | undefined {
    let best: { service: NetService; score: number; reach: number } | undefined;
    for (const e of this.map.values()) {
      const reach = e.service.addr.getReachabilityFrom(partner);
      if (!best || reach > best.reach || (reach === best.reach && e.score > best.score)) best = { ...e, reach };
    }
    return best?.service;
  }

  /**
   * Core `GetLocalAddrForPeer`: our best address for `peer`, else how the peer sees us if that is
   * routable and reachable (an outbound peer sees our IP with our listening port).
   */
  forPeer(peer: Pick<Peer, 'addr' | 'inbound' | 'remote'>, listenPort: number, reachable: ReadonlySet<NetId>): NetService | undefined {
    const best = this.best(peer.addr.addr);
    if (best) return best;
    const seen = peer.remote?.addrLocal;
    if (seen && seen.addr.isRoutable() && reachable.has(seen.addr.getNetwork())) {
      return peer.inbound ? seen : LocalAddresses.withPort(seen, listenPort);
    }
    return undefined;
  }

  /** All addresses with scores (getnetworkinfo "localaddresses"). */
  list(): Array<{ service: NetService; score: number }> {
    return [...this.map.values()].map((e) => ({ ...e }));
  }

  /** Our address with a port replaced (Core: outbound peers see our IP with our listening port). */
  static withPort(service: NetService, port: number): NetService {
    return new NetService(service.addr, port);
  }
}
