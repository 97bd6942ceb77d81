/**
 * A tracked peer's address: where we dial it and which source IP its inbound connections must come
 * from (commonware `Address::Symmetric` when they are the same host, `Asymmetric { ingress, egress }`
 * otherwise, e.g. behind a NAT with a separate egress address). DNS ingress is not supported: the
 * pure tracker resolves nothing.
 */
import { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import { PeerbookError } from '../util/errors.js';
import { PeerSetError } from './errors.js';

/** Where to dial a peer and the IP it connects from. */
export interface PeerAddress {
  /** The address we dial. */
  readonly dial: NetService;
  /** The only source IP its inbound connections are accepted from. */
  readonly sourceIp: NetAddress;
}

/** What callers may pass for an address: `"1.2.3.4:9000"`, a `NetService`, or both parts explicitly. */
export type PeerAddressInput = string | NetService | { dial: string | NetService; sourceIp?: string | NetAddress };

function toService(value: string | NetService): NetService {
  return typeof value === 'string' ? NetService.parse(value) : value;
}

/** Normalises an address input; a bad one is `PeerSetError('ERR_PEERSET_INVALID_PEER')` naming the key. */
export function toPeerAddress(input: PeerAddressInput, key: string): PeerAddress {
  try {
    let dial: NetService;
    let sourceIp: NetAddress;
    if (typeof input === 'string' || input instanceof NetService) {
      dial = toService(input);
      sourceIp = dial.addr;
    } else {
      dial = toService(input.dial);
      sourceIp = input.sourceIp === undefined ? dial.addr
        : typeof input.sourceIp === 'string' ? NetAddress.parse(input.sourceIp) : input.sourceIp;
    }
    if (!dial.addr.isIPv4() && !dial.addr.isIPv6()) throw new PeerSetError('ERR_PEERSET_INVALID_PEER', `dial address ${dial} is not IPv4 or IPv6`);
    if (dial.port === 0) throw new PeerSetError('ERR_PEERSET_INVALID_PEER', `dial address ${dial} has port 0`);
    if (!sourceIp.isIPv4() && !sourceIp.isIPv6()) throw new PeerSetError('ERR_PEERSET_INVALID_PEER', `source IP ${sourceIp} is not IPv4 or IPv6`);
    return { dial, sourceIp };
  } catch (err) {
    if (err instanceof PeerSetError) throw new PeerSetError(err.code, `peer ${key}: ${err.message}`);
    const detail = err instanceof PeerbookError || err instanceof Error ? err.message : String(err);
    throw new PeerSetError('ERR_PEERSET_INVALID_PEER', `peer ${key}: invalid address: ${detail}`, { cause: err });
  }
}

/** Same dial address and same source IP. */
export function samePeerAddress(a: PeerAddress, b: PeerAddress): boolean {
  return a.dial.equals(b.dial) && a.sourceIp.equals(b.sourceIp);
}
