/**
 * `NetService`: an address and a TCP port (Core `CService`). Its `getKey()` bytes — address bytes
 * followed by the port big-endian — are what addrman hashes and indexes by, so two ports on one IP are
 * two distinct entries (Core's peers.dat format V4, "multiport").
 */
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { ParseError } from '../util/errors.js';
import { Net } from './network.js';
import { NetAddress, type ParseAddressOptions } from './netaddress.js';

/** An address with a port (Core `CService`). */
export class NetService {
  /** The address. */
  readonly addr: NetAddress;
  /** TCP port, 0..65535. */
  readonly port: number;
  private cachedKey: string | undefined;

  /** @param addr the address; @param port 0..65535. */
  constructor(addr: NetAddress, port: number) {
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new ParseError(`invalid port ${port}: must be 0-65535`);
    this.addr = addr;
    this.port = port;
  }

  /**
   * Parses `host`, `host:port`, `[ipv6]:port` or a bare IPv6 (Core `SplitHostPort` + numeric lookup).
   * A missing port becomes `defaultPort`. Throws `ParseError` naming the problem.
   */
  static parse(text: string, defaultPort = 0, options: ParseAddressOptions = {}): NetService {
    const s = text.trim();
    let host = s;
    let port = defaultPort;
    const colon = s.lastIndexOf(':');
    const bracketed = s.startsWith('[');
    const close = s.indexOf(']');
    // A colon separates a port only after "]" of a bracketed host, or when the host has no other colon.
    const hasPort = colon >= 0 && (bracketed ? colon === close + 1 : s.indexOf(':') === colon);
    if (hasPort) {
      const portText = s.slice(colon + 1);
      if (!/^\d{1,5}$/.test(portText) || Number(portText) > 0xffff) {
        throw new ParseError(`invalid port "${portText}" in "${s}": must be 0-65535`);
      }
      port = Number(portText);
      host = s.slice(0, colon);
    }
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    else if (host.startsWith('[') || host.endsWith(']')) throw new ParseError(`invalid address "${s}": unbalanced brackets`);
    return new NetService(NetAddress.parse(host, options), port);
  }

  /** Core `CService::GetKey`: address bytes then the port big-endian. */
  getKey(): Uint8Array {
    const a = this.addr.getAddrBytes();
    const out = new Uint8Array(a.length + 2);
    out.set(a);
    out[a.length] = this.port >> 8;
    out[a.length + 1] = this.port & 0xff;
    return out;
  }

  /** A compact Map key; equal services have equal keys. */
  get key(): string {
    if (this.cachedKey === undefined) this.cachedKey = this.addr.key + String.fromCharCode(this.port);
    return this.cachedKey;
  }

  /** Same address and port. */
  equals(other: NetService): boolean {
    return this.key === other.key;
  }

  /** Core `ToStringAddrPort`: `1.2.3.4:8333`, `[2001:db8::1]:8333`, `x.onion:8333`. */
  toString(): string {
    const host = this.addr.toString();
    return this.addr.net === Net.IPV6 || this.addr.net === Net.CJDNS ? `[${host}]:${this.port}` : `${host}:${this.port}`;
  }

  /** `JSON.stringify` writes a service as its text form (`toString()`), e.g. `"[2001:db8::1]:8333"`. */
  toJSON(): string {
    return this.toString();
  }

  /** Writes the v1 network form: 16 address bytes then port big-endian. */
  writeV1(w: ByteWriter): void {
    w.bytes(this.addr.toV1()).u16be(this.port);
  }

  /** Writes the BIP155 form: v2 address then port big-endian. */
  writeV2(w: ByteWriter): void {
    this.addr.writeV2(w);
    w.u16be(this.port);
  }

  /** Reads the v1 form. */
  static readV1(r: ByteReader): NetService {
    const addr = NetAddress.readV1(r);
    return new NetService(addr, r.u16be());
  }

  /** Reads the BIP155 form. */
  static readV2(r: ByteReader): NetService {
    const addr = NetAddress.readV2(r);
    return new NetService(addr, r.u16be());
  }
}
