/**
 * Peerbook figures that Core's bench does not have but the bcoin comparison needs, on Core's bench
 * addresses: Add including the decoding of each address from its v1 `addr` bytes (bcoin's add is
 * usually quoted with its parsing), and Connected (Core `Connected`, the counterpart of bcoin's
 * `markSuccess`: both refresh an entry's time when it is older than 20 minutes).
 */
import { NetAddress } from '../src/address/netaddress.js';
import { readRecordV1, type AddressRecord } from '../src/address/record.js';
import { NetService } from '../src/address/service.js';
import { AddrMan } from '../src/addrman/index.js';
import { ByteReader } from '../src/util/bytes.js';
import { VirtualClock } from '../src/util/clock.js';
import { ChaChaRandom } from '../src/util/random.js';
import { coreBenchAddresses, encodeV1Record, NUM_ADDRESSES_PER_SOURCE, NUM_SOURCES } from './core-addresses.js';
import { medianNs, perOpNs } from './timing.js';

/** Peerbook's extra figures (nanoseconds unless the name says otherwise). */
export interface AddrmanExtraFigures {
  /** Decode 64 × 256 v1 `addr` entries and Add them (one Add per source), per address, ns. */
  addWithV1DecodeNsPerAddress: number;
  /** Entries in the table after that Add (all 16,384 unless some collide). */
  addWithV1DecodeEntries: number;
  /** Connected() on an entry of the filled table, ns per call. */
  connectedNs: number;
}

/** Runs the extra Peerbook measurements. */
export function runAddrmanExtraBench(opts: { quick?: boolean } = {}): AddrmanExtraFigures {
  const runs = opts.quick ? 3 : 7;
  const clock = new VirtualClock();
  const now = clock.nowSeconds();
  const set = coreBenchAddresses();
  const sources = set.sources.map((s) => NetAddress.fromV1(s.ip));
  // One buffer per source, as an `addr` message body of 256 entries would arrive.
  const messages = set.addresses.map((list) => Buffer.concat(list.map((a) => encodeV1Record(a, now))));
  let seq = 0;

  const decodeAndAdd = (): AddrMan => {
    const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed(`extra-add${seq++}`) });
    for (let s = 0; s < NUM_SOURCES; s++) {
      const r = new ByteReader(messages[s]);
      const records: AddressRecord[] = new Array(NUM_ADDRESSES_PER_SOURCE);
      for (let a = 0; a < NUM_ADDRESSES_PER_SOURCE; a++) records[a] = readRecordV1(r);
      man.add(records, sources[s]);
    }
    return man;
  };
  const entries = decodeAndAdd().size(); // also the warm-up
  const addNs = medianNs(runs, decodeAndAdd);

  const filled = decodeAndAdd();
  const services: NetService[] = [];
  for (const list of set.addresses) for (const a of list) services.push(new NetService(NetAddress.fromV1(a.ip), a.port));
  let i = 0;
  const connectedNs = perOpNs(runs, services.length, () => {
    filled.connected(services[i]);
    i = (i + 1) % services.length;
  });

  return {
    addWithV1DecodeNsPerAddress: addNs / (NUM_SOURCES * NUM_ADDRESSES_PER_SOURCE),
    addWithV1DecodeEntries: entries,
    connectedNs,
  };
}
