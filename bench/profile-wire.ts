/**
 * Where the time of the wire checksum-ratio miss goes: a 1 MB payload framed and decoded by
 * `FrameDecoder` in 64 KiB chunks (as a socket delivers it), against raw `node:crypto` SHA-256d of the
 * same megabyte (target: ratio ≥ 0.8). The same set-up as bench/wire.ts.
 *
 * In one process: raw and framed measured as bench/wire.ts measures them (median of 7 batches of 30),
 * then alternately over a longer window (so both see the same load), the framed decode over a
 * steady-state window with V8's sampling profiler on (profile-window.ts), and the parts of a framed
 * decode timed on their own: streamed SHA-256 (`update` per chunk), copying the megabyte out of the
 * chunks into a fresh buffer and into a reused one (the difference is the first touch of fresh memory:
 * page faults, counted per frame with `process.resourceUsage()`), and the decoder's allocation steps.
 *
 *   nice node --expose-gc dist/bench/profile-wire.js [--seconds 4] [--out /tmp/peerbook-prof] [--save-json]
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ChaChaRandom } from '../src/util/random.js';
import { encodeFrame, FrameDecoder, HEADER_SIZE } from '../src/wire/frame.js';
import { allocationPerCall, stopAllocationWatch } from './alloc.js';
import { formatTop, machineLoad, profileWindow, topFunctions } from './profile-window.js';
import { perOpNs } from './timing.js';
import { LARGE_PAYLOAD_BYTES, SOCKET_CHUNK_BYTES } from './wire.js';

const MAINNET_MAGIC = Uint8Array.of(0xf9, 0xbe, 0xb4, 0xd9);
/** Repetitions and batch of the bench-style medians (bench/wire.ts full mode). */
const RUNS = 7;
const BATCH = 30;

const round = (x: number): number => Number(x.toPrecision(4));

function sha256dOneShot(data: Uint8Array): Buffer {
  return oneShotHash('sha256', oneShotHash('sha256', data, 'buffer'), 'buffer');
}

function sha256dCreateHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

/** Runs the wire profile and returns its figures. */
export async function runWireProfile(opts: { seconds: number; out: string }): Promise<Record<string, unknown>> {
  const loadStart = machineLoad();
  const payload = ChaChaRandom.fromSeed(7).randbytes(LARGE_PAYLOAD_BYTES);
  const frame = encodeFrame(MAINNET_MAGIC, 'block', payload);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < frame.length; i += SOCKET_CHUNK_BYTES) chunks.push(frame.subarray(i, Math.min(frame.length, i + SOCKET_CHUNK_BYTES)));
  const decoder = new FrameDecoder(MAINNET_MAGIC);
  const decodeChunked = (): void => {
    let got = 0;
    for (const c of chunks) got += decoder.push(c).length;
    if (got !== 1) throw new Error('framed decode: no message');
  };

  // As bench/wire.ts.
  const createHashNs = perOpNs(RUNS, BATCH, () => { sha256dCreateHash(payload); });
  const oneShotNs = perOpNs(RUNS, BATCH, () => { sha256dOneShot(payload); });
  const framedNs = perOpNs(RUNS, BATCH, decodeChunked);
  const rawNs = Math.min(createHashNs, oneShotNs);

  // Alternating batches over a longer window: each raw batch is followed by a framed one, so a change
  // of load hits both; the ratio of the two medians.
  const rawTimes: number[] = [];
  const framedTimes: number[] = [];
  const until = process.hrtime.bigint() + BigInt(Math.round(opts.seconds * 1e9));
  while (process.hrtime.bigint() < until) {
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) sha256dOneShot(payload);
    rawTimes.push(Number(process.hrtime.bigint() - t0) / 10);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) decodeChunked();
    framedTimes.push(Number(process.hrtime.bigint() - t0) / 10);
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const minOf = (xs: number[]): number => Math.min(...xs);

  // The parts of one framed decode, each on its own.
  const payloadChunks = chunks.map((c, i) => (i === 0 ? c.subarray(HEADER_SIZE) : c));
  const streamedHashNs = perOpNs(RUNS, BATCH, () => {
    const h = createHash('sha256');
    for (const c of payloadChunks) h.update(c);
    oneShotHash('sha256', h.digest(), 'buffer');
  });
  // Copying the megabyte out of the chunks into a fresh buffer (as the decoder allocates it: not
  // zero-filled), and into one reused buffer: the difference is the first touch of fresh memory.
  const copyFreshNs = perOpNs(RUNS, BATCH, () => {
    const b = Buffer.allocUnsafeSlow(LARGE_PAYLOAD_BYTES);
    const dst = new Uint8Array(b.buffer, b.byteOffset, LARGE_PAYLOAD_BYTES);
    let at = 0;
    for (const c of payloadChunks) {
      dst.set(c, at);
      at += c.length;
    }
  });
  const reused = new Uint8Array(LARGE_PAYLOAD_BYTES);
  const copyReusedNs = perOpNs(RUNS, BATCH, () => {
    let at = 0;
    for (const c of payloadChunks) {
      reused.set(c, at);
      at += c.length;
    }
  });
  // Minor page faults per call (the kernel mapping fresh pages on first touch).
  const faultsPer = (fn: () => void, calls: number): number => {
    const before = process.resourceUsage().minorPageFault;
    for (let i = 0; i < calls; i++) fn();
    return round((process.resourceUsage().minorPageFault - before) / calls);
  };
  const pageFaults = {
    framedDecodePerFrame: faultsPer(decodeChunked, 200),
    rawSha256dPerHash: faultsPer(() => { sha256dOneShot(payload); }, 200),
    pagesPerMB: Math.ceil(LARGE_PAYLOAD_BYTES / 4096),
  };
  // The decoder's growth steps for a 1 MB payload in 64 KiB chunks (Core readData: received + 256 KiB).
  const growthSizes: number[] = [];
  {
    const probe = new FrameDecoder(MAINNET_MAGIC);
    let last = 0;
    for (const c of chunks) {
      probe.push(c);
      if (probe.payloadCapacity !== last && probe.payloadCapacity !== 0) {
        last = probe.payloadCapacity;
        growthSizes.push(last);
      }
    }
  }
  const decodeAlloc = await allocationPerCall(decodeChunked, 4);
  stopAllocationWatch();

  const window = await profileWindow('wire-decode', opts.out, () => {
    let frames = 0;
    const t0 = process.hrtime.bigint();
    const end = t0 + BigInt(Math.round(opts.seconds * 1e9));
    let now = t0;
    while (now < end) {
      for (let i = 0; i < 10; i++) decodeChunked();
      frames += 10;
      now = process.hrtime.bigint();
    }
    return Number(now - t0) / frames;
  });
  const rawWindow = await profileWindow('wire-raw-sha256d', opts.out, () => {
    let n = 0;
    const t0 = process.hrtime.bigint();
    const end = t0 + BigInt(Math.round((opts.seconds / 2) * 1e9));
    let now = t0;
    while (now < end) {
      for (let i = 0; i < 10; i++) sha256dOneShot(payload);
      n += 10;
      now = process.hrtime.bigint();
    }
    return Number(now - t0) / n;
  });

  return {
    startedAt: new Date().toISOString(),
    node: process.version,
    loadStart,
    benchStyle: {
      createHashSha256dMs: round(createHashNs / 1e6), oneShotSha256dMs: round(oneShotNs / 1e6),
      rawSha256dMs: round(rawNs / 1e6), framedChunkedMs: round(framedNs / 1e6), ratioChunked: round(rawNs / framedNs),
    },
    alternating: {
      pairs: rawTimes.length,
      rawMedianMs: round(med(rawTimes) / 1e6), framedMedianMs: round(med(framedTimes) / 1e6),
      ratioOfMedians: round(med(rawTimes) / med(framedTimes)),
      rawMinMs: round(minOf(rawTimes) / 1e6), framedMinMs: round(minOf(framedTimes) / 1e6),
      ratioOfMinima: round(minOf(rawTimes) / minOf(framedTimes)),
    },
    target: 0.8,
    partsMs: {
      streamedSha256dIn64KiBUpdates: round(streamedHashNs / 1e6),
      copyPayloadIntoFreshBuffer: round(copyFreshNs / 1e6),
      copyPayloadIntoReusedBuffer: round(copyReusedNs / 1e6),
    },
    pageFaults,
    payloadGrowthBytes: growthSizes,
    bytesAllocatedPerFrame: decodeAlloc.totalBytes,
    profile: {
      decode: { file: window.file, steadyStateMs: round(window.result / 1e6), wallMs: window.summary.wallMs, busyMs: window.summary.busyMs, top: topFunctions(window.summary, 15) },
      raw: { file: rawWindow.file, steadyStateMs: round(rawWindow.result / 1e6), top: topFunctions(rawWindow.summary, 8) },
    },
    text: `${formatTop(window.summary, 15)}\n--- raw sha256d\n${formatTop(rawWindow.summary, 8)}`,
    loadEnd: machineLoad(),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const opt = (k: string, d: string): string => {
    const i = args.indexOf(k);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : d;
  };
  runWireProfile({ seconds: Number(opt('--seconds', '4')), out: opt('--out', '/tmp/peerbook-prof') }).then((r) => {
    console.error(`--- framed decode\n${String(r.text)}`);
    const json = JSON.stringify(r, null, 2);
    console.log(json);
    if (args.includes('--save-json')) {
      const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\..*/, 'Z');
      writeFileSync(new URL(`../../bench/results/profile-wire-${stamp}.json`, import.meta.url), `${json}\n`);
    }
  }, (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
