/**
 * The hashing floor of the address manager: what one bucket hash (Core's `GetCheapHash()` =
 * sha256d(nKey || …)) costs on each path Peerbook has, and on `node:crypto`'s one-shot `hash()` for
 * comparison. Every addrman operation is a known number of these hashes plus bookkeeping, so these
 * figures bound what Add, Good and a peers.dat load can cost in JavaScript on this machine:
 *
 * - Add (a new address): 2 batched hashes (the new bucket's first hash, the position; the second hash
 *   of the new bucket is cached per source group) — the 44- and 56-byte messages below.
 * - Good (first promotion): 3 single hashes (tried bucket, 2 rounds, and its position).
 * - Load of a full peers.dat: one 56-byte position per new-table reference, three hashes per tried entry.
 *
 * Run directly (`node dist/bench/hash-floor.js`) or through `runHashFloorBench()`.
 */
import { hash as cryptoHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { CheapHashBatch, keyConstants } from '../src/addrman/cheap-hash-batch.js';
import { cheapHashLow32 } from '../src/util/hash.js';

/** Nanoseconds per sha256d on each path. */
export interface HashFloorFigures {
  /** Batched on the SIMD kernel, a 44-byte keyed message (Add's first new-bucket hash): 2 compressions, the first from the key's midstate. */
  batchedKeyed44Ns: number;
  /** Batched, a 56-byte keyed message (every IPv4/IPv6 bucket position): 3 compressions, one of them constant padding. */
  batchedKeyed56Ns: number;
  /** One 44-byte keyed message on the scalar kernel (Good's tried-bucket hashes). */
  singleKeyed44Ns: number;
  /** One 56-byte keyed message on the scalar kernel (Good's tried position). */
  singleKeyed56Ns: number;
  /** The JavaScript reference (`cheapHashLow32`), 44 bytes. */
  javascript44Ns: number;
  /** `node:crypto` one-shot `hash('sha256', …)` twice (sha256d), 44 bytes: OpenSSL, with SHA-NI where the CPU has it. */
  nodeCryptoHash44Ns: number;
  /** Whether the SIMD kernel ran (false: scalar fallback everywhere). */
  accelerated: boolean;
}

function timeNs(n: number, runs: number, fn: (n: number) => void): number {
  fn(Math.min(n, 10_000)); // warm-up
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn(n);
    times.push(Number(process.hrtime.bigint() - t0) / n);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Measures every hashing path (medians of `runs` runs). */
export function runHashFloorBench(opts: { quick?: boolean } = {}): HashFloorFigures {
  const runs = opts.quick ? 3 : 7;
  const h = new CheapHashBatch();
  const msg = new Uint8Array(128);
  for (let i = 0; i < msg.length; i++) msg[i] = (i * 37 + 11) & 0xff;
  h.useKey(keyConstants(msg.subarray(0, 32)));
  const batched = (len: number) => (n: number): void => {
    h.reset();
    for (let i = 0; i < n; i++) {
      msg[40] = i;
      if ((i & 1023) === 1023) {
        h.flush();
        h.reset();
      }
      h.pushKeyed(msg, len);
    }
    h.flush();
  };
  let sink = 0;
  const single = (len: number) => (n: number): void => {
    for (let i = 0; i < n; i++) {
      msg[40] = i;
      sink ^= h.hashKeyed(msg, len);
    }
  };
  const buf = Buffer.from(msg.buffer, 0, 44);
  const figures: HashFloorFigures = {
    batchedKeyed44Ns: timeNs(200_000, runs, batched(44)),
    batchedKeyed56Ns: timeNs(200_000, runs, batched(56)),
    singleKeyed44Ns: timeNs(100_000, runs, single(44)),
    singleKeyed56Ns: timeNs(100_000, runs, single(56)),
    javascript44Ns: timeNs(50_000, runs, (n) => {
      for (let i = 0; i < n; i++) {
        msg[40] = i;
        sink ^= cheapHashLow32(msg, 44);
      }
    }),
    nodeCryptoHash44Ns: timeNs(50_000, runs, (n) => {
      for (let i = 0; i < n; i++) {
        buf[8] = i;
        sink ^= cryptoHash('sha256', cryptoHash('sha256', buf, 'buffer'), 'buffer')[0];
      }
    }),
    accelerated: h.accelerated,
  };
  if (sink === 0.5) console.log(''); // keep the results alive
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(runHashFloorBench({ quick: process.argv.includes('--quick') }), null, 2));
}
