/**
 * The address set of Bitcoin Core's addrman benchmarks (src/bench/addrman.cpp `CreateAddresses`), as raw
 * bytes so that any implementation can be fed the same input: 64 sources, each followed by its 256
 * addresses, every one a random 16-byte address and a random non-zero port drawn from a
 * FastRandomContext seeded with 32 × 0x7b. bench/addrman.ts draws the same byte stream in the same order.
 */
import { createHash } from 'node:crypto';
import { ChaChaRandom } from '../src/util/random.js';

/** Core bench NUM_SOURCES. */
export const NUM_SOURCES = 64;
/** Core bench NUM_ADDRESSES_PER_SOURCE. */
export const NUM_ADDRESSES_PER_SOURCE = 256;
/** Core NODE_NETWORK service bit, the services of every bench address. */
export const NODE_NETWORK = 1;
/** Size of one v1 `addr` entry: time u32, services u64, 16-byte address, port u16 BE (Core protocol.h). */
export const V1_RECORD_BYTES = 30;

/** One address as the bench draws it: 16 address bytes (IPv6 / IPv4-mapped form) and a port. */
export interface RawAddress {
  /** The 16 bytes Core memcpy's into an in6_addr. */
  ip: Uint8Array;
  /** Non-zero TCP port. */
  port: number;
}

/** Core's bench input: `sources[s]` announced `addresses[s]`. */
export interface CoreBenchAddresses {
  /** The 64 source addresses. */
  sources: RawAddress[];
  /** 64 lists of 256 addresses, in Core's order. */
  addresses: RawAddress[][];
}

/** Draws Core's 64 × 256 bench addresses (and their sources) from Core's seed. */
export function coreBenchAddresses(): CoreBenchAddresses {
  const rng = new ChaChaRandom(new Uint8Array(32).fill(0x7b));
  const draw = (): RawAddress => {
    const ip = rng.randbytes(16);
    const p = rng.randbytes(2);
    return { ip, port: (p[0] | (p[1] << 8)) || 1 }; // memcpy into a little-endian uint16_t; 0 becomes 1
  };
  const sources: RawAddress[] = [];
  const addresses: RawAddress[][] = [];
  for (let s = 0; s < NUM_SOURCES; s++) {
    sources.push(draw());
    const list: RawAddress[] = [];
    for (let a = 0; a < NUM_ADDRESSES_PER_SOURCE; a++) list.push(draw());
    addresses.push(list);
  }
  return { sources, addresses };
}

/** Encodes `addr` as one v1 `addr` message entry (what a node parses before it can add the address). */
export function encodeV1Record(addr: RawAddress, timeSeconds: number, services = NODE_NETWORK): Buffer {
  const out = Buffer.alloc(V1_RECORD_BYTES);
  out.writeUInt32LE(timeSeconds >>> 0, 0);
  out.writeUInt32LE(services >>> 0, 4); // services u64 LE: low word, high word stays zero
  out.set(addr.ip, 12);
  out.writeUInt16BE(addr.port, 28);
  return out;
}

/** SHA-256 over every source and address (ip ‖ port BE) in order: proof that two runs used the same input. */
export function addressSetDigest(set: CoreBenchAddresses): string {
  const h = createHash('sha256');
  const port = Buffer.alloc(2);
  const feed = (a: RawAddress): void => {
    port.writeUInt16BE(a.port, 0);
    h.update(a.ip).update(port);
  };
  for (let s = 0; s < set.sources.length; s++) {
    feed(set.sources[s]);
    for (const a of set.addresses[s]) feed(a);
  }
  return h.digest('hex');
}
