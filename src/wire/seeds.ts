/**
 * Fixed seeds: the hard-coded addresses a node falls back to when DNS seeding yields nothing.
 * Stored exactly like Core's `chainparamsseeds.h` — a concatenation of BIP155-serialized `CService`s
 * (network id, CompactSize length, address bytes, port big-endian) — and generated from readable
 * `data/seeds/nodes_<network>.txt` lists in Core's `contrib/seeds` text format by
 * `tools/generate-seeds.mjs`.
 */
import { Net } from '../address/network.js';
import { NetService } from '../address/service.js';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { DecodeError, ParseError } from '../util/errors.js';

/**
 * Core net.cpp `ConvertSeeds` input: reads BIP155 `CService`s until the bytes run out. A truncated
 * or malformed entry is a `DecodeError`; an unknown network id yields an invalid address, as in Core.
 */
export function decodeFixedSeeds(bytes: Uint8Array): NetService[] {
  const r = new ByteReader(bytes);
  const out: NetService[] = [];
  while (!r.done) {
    const at = r.offset;
    try {
      out.push(NetService.readV2(r));
    } catch (e) {
      if (e instanceof DecodeError) throw new DecodeError(`fixed seed entry at offset ${at}: ${e.message}`, { cause: e });
      throw e;
    }
  }
  return out;
}

/** Core `contrib/seeds/generate-seeds.py` output: the services BIP155-serialized back to back. */
export function encodeFixedSeeds(services: readonly NetService[]): Uint8Array {
  const w = new ByteWriter(services.length * 20);
  for (const s of services) s.writeV2(w);
  return w.toBytes();
}

/**
 * Parses a seed list in Core's `nodes_*.txt` format: one `host:port` per line (`1.2.3.4:8333`,
 * `[2001:db8::1]:8333`, `<56 chars>.onion:8333`, `<52 chars>.b32.i2p:0`, CJDNS as `[fcxx:…]:port`),
 * `#` starts a comment, blank lines are ignored, a missing port is 0 (as in Core's generator).
 * Like Core's generator it refuses what cannot be a working seed: invalid or unroutable addresses,
 * and I2P entries with a port other than 0. Errors are `ParseError`s naming the line.
 */
export function parseSeedList(text: string): NetService[] {
  const out: NetService[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    let service: NetService;
    try {
      service = NetService.parse(line, 0);
    } catch (e) {
      throw new ParseError(`seed list line ${i + 1} "${line}": ${(e as Error).message}`, { cause: e });
    }
    if (!service.addr.isValid() || !service.addr.isRoutable()) {
      throw new ParseError(`seed list line ${i + 1} "${line}": not a valid routable address`);
    }
    if (service.addr.net === Net.I2P && service.port !== 0) {
      throw new ParseError(`seed list line ${i + 1} "${line}": I2P seeds must use port 0`);
    }
    out.push(service);
  });
  return out;
}
