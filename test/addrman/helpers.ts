/** Shared helpers for the addrman tests: Core's test fixtures (ResolveService, DETERMINISTIC, …). */
import { NetAddress } from '../../src/address/netaddress.js';
import { Asmap, encodeAsmap } from '../../src/address/asmap.js';
import { NetGroupManager } from '../../src/address/netgroup.js';
import { TIME_INIT, type AddressRecord } from '../../src/address/record.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan, type AddrManOptions } from '../../src/addrman/index.js';
import { VirtualClock } from '../../src/util/clock.js';
import { sha256d } from '../../src/util/hash.js';
import { ChaChaRandom } from '../../src/util/random.js';

/** Core's ResolveIP. */
export function ip(text: string): NetAddress {
  return NetAddress.parse(text);
}

/** Core's ResolveService(ip, port = 0). */
export function svc(text: string, port = 0): NetService {
  return NetService.parse(text, port);
}

/** Core's `CAddress(service, services)` with the default nTime TIME_INIT, or an explicit time. */
export function rec(service: NetService | string, services = 0n, time = TIME_INIT): AddressRecord {
  return { service: typeof service === 'string' ? svc(service) : service, services, time };
}

/** `(HashWriter{} << n).GetHash()`: sha256d of a little-endian int32, Core's nKey1/nKey2. */
export function hashInt(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return sha256d(b);
}

/** Core's test addrman: EMPTY_NETGROUPMAN, DETERMINISTIC, -checkaddrman=100. Returns the clock too. */
export function coreAddrman(overrides: Partial<AddrManOptions> = {}): { man: AddrMan; clock: VirtualClock } {
  const clock = (overrides.clock as VirtualClock | undefined) ?? new VirtualClock();
  const man = new AddrMan({
    clock,
    random: ChaChaRandom.deterministic(),
    netgroups: new NetGroupManager(),
    deterministic: true,
    consistencyCheckRatio: 100,
    ...overrides,
  });
  return { man, clock };
}

/** Core's `ToStringAddrPort()` of a select result, "[::]:0" when there is none (Core's default CAddress). */
export function addrPort(r: { record: AddressRecord } | undefined): string {
  return r ? r.record.service.toString() : '[::]:0';
}

/** Regtest network magic (Core MessageStart for regtest). */
export const REGTEST_MAGIC = Uint8Array.of(0xfa, 0xbf, 0xb5, 0xda);
/** Signet (default challenge) network magic. */
export const SIGNET_MAGIC = Uint8Array.of(0x0a, 0x03, 0xcf, 0x40);

/** Core's src/test/data/asmap.raw as groups: 250.0.0.0/8 → AS1000 and 101.N.0.0/16 → AS N for N = 1..8. */
export function testAsmapGroups(): NetGroupManager {
  const v4 = (a: number, b = 0): Uint8Array => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, 0, 0);
  const entries = [{ prefix: v4(250), prefixLength: 96 + 8, asn: 1000 }];
  for (let n = 1; n <= 8; n++) entries.push({ prefix: v4(101, n), prefixLength: 96 + 16, asn: n });
  return new NetGroupManager(Asmap.fromBytes(encodeAsmap(entries)));
}
