/**
 * Wire benchmarks: what framing and message codecs cost per message.
 *
 * - **Checksum throughput**: a 1 MB payload framed (24-byte header, SHA256d checksum) and decoded by
 *   `FrameDecoder`, against the floor — `node:crypto`'s SHA-256 run twice over the same megabyte
 *   (SHA256d is what the checksum needs; the faster of `createHash` and the one-shot `hash()` is the
 *   floor). The ratio floor ÷ framed says how close framing comes to the bare hash (target ≥ 0.8).
 *   Measured with the frame in one chunk and in 64 KiB chunks, as a socket delivers it.
 * - **Encode / decode rates** for `ping` (8-byte payload) and a 1000-entry `addrv2` (the largest
 *   address message; a mix of IPv4, IPv6 and Tor v3 entries): encode = `encodeMessage` + `encodeFrame`;
 *   decode = `FrameDecoder.push` (header checks, checksum) + `decodeMessage`.
 * - **Allocations per message**: bytes of V8 heap and ArrayBuffer memory each of those allocates
 *   (alloc.ts).
 *
 *   node --expose-gc dist/bench/wire.js [--quick] [--json]    prints the figures (--json: one JSON line only)
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { NetAddress } from '../src/address/netaddress.js';
import type { AddressRecord } from '../src/address/record.js';
import { NetService } from '../src/address/service.js';
import { ChaChaRandom } from '../src/util/random.js';
import { encodeFrame, FrameDecoder } from '../src/wire/frame.js';
import { decodeMessage, encodeMessage, type Message } from '../src/wire/messages.js';
import { allocationPerCall, stopAllocationWatch, type AllocationFigures } from './alloc.js';
import { perOpNs } from './timing.js';

/** Targets of issue 13 ("Wire"). */
export const WIRE_TARGETS = {
  /** Raw SHA256d time ÷ framed decode+checksum time on a 1 MB payload, in 64 KiB chunks. */
  checksumRatio: 0.8,
};

/** Payload of the checksum bench, bytes (1 MB, decimal, under MAX_PROTOCOL_MESSAGE_LENGTH). */
export const LARGE_PAYLOAD_BYTES = 1_000_000;
/** Read size the chunked decode uses (Node's net.Socket reads up to 64 KiB at a time). */
export const SOCKET_CHUNK_BYTES = 64 * 1024;
/** Entries of the addrv2 bench message (Core MAX_ADDR_TO_SEND). */
export const ADDRV2_ENTRIES = 1_000;
const MAINNET_MAGIC = Uint8Array.of(0xf9, 0xbe, 0xb4, 0xd9);

/** Per-message figures of one codec bench. */
export interface CodecFigures {
  /** Wire size of the framed message, bytes. */
  frameBytes: number;
  encodeNs: number;
  decodeNs: number;
  encodePerS: number;
  decodePerS: number;
  encodeAlloc: AllocationFigures;
  decodeAlloc: AllocationFigures;
}

/** All wire figures. */
export interface WireFigures {
  checksum: {
    payloadBytes: number;
    /** node:crypto SHA256d with createHash (two Hash objects), ns. */
    createHashSha256dNs: number;
    /** node:crypto SHA256d with the one-shot crypto.hash(), ns. */
    oneShotSha256dNs: number;
    /** The faster of the two: the floor. */
    rawSha256dNs: number;
    /** FrameDecoder.push of the whole frame in one chunk, ns. */
    framedWholeNs: number;
    /** FrameDecoder.push of the frame in 64 KiB chunks, ns. */
    framedChunkedNs: number;
    /** rawSha256dNs ÷ framedWholeNs. */
    ratioWhole: number;
    /** rawSha256dNs ÷ framedChunkedNs (the target's figure). */
    ratioChunked: number;
    /** Framed decode throughput in chunks, MB/s. */
    framedChunkedMBps: number;
    rawMBps: number;
    decodeChunkedAlloc: AllocationFigures;
  };
  ping: CodecFigures;
  addrv2: CodecFigures;
  targets: typeof WIRE_TARGETS;
  met: { checksumRatio: boolean };
}

function sha256dCreateHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

function sha256dOneShot(data: Uint8Array): Buffer {
  return oneShotHash('sha256', oneShotHash('sha256', data, 'buffer'), 'buffer');
}

/** 1000 address records: 60 % IPv4, 25 % IPv6, 15 % Tor v3, fixed by a seed. */
export function benchAddresses(count = ADDRV2_ENTRIES): AddressRecord[] {
  const rng = ChaChaRandom.fromSeed(13);
  const out: AddressRecord[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 20;
    const addr = kind < 12 ? NetAddress.ipv4(Uint8Array.of(1 + (rng.randrange(223) | 0), ...rng.randbytes(3)))
      : kind < 17 ? NetAddress.ipv6(Uint8Array.of(0x20, 0x01, ...rng.randbytes(14)))
        : NetAddress.torV3(rng.randbytes(32));
    out.push({ service: new NetService(addr, 8333), services: 0x409n, time: 1_700_000_000 + i });
  }
  return out;
}

function encodeFramed(message: Message): Uint8Array {
  const { command, payload } = encodeMessage(message);
  return encodeFrame(MAINNET_MAGIC, command, payload);
}

function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, Math.min(bytes.length, i + size)));
  return out;
}

const round = (x: number): number => Number(x.toPrecision(4));

async function codecBench(message: Message, runs: number, batch: number): Promise<CodecFigures> {
  const frame = encodeFramed(message);
  const decoder = new FrameDecoder(MAINNET_MAGIC);
  const encode = (): void => { encodeFramed(message); };
  const decode = (): void => {
    const [f] = decoder.push(frame);
    decodeMessage(f.command, f.payload);
  };
  const encodeNs = perOpNs(runs, batch, encode);
  const decodeNs = perOpNs(runs, batch, decode);
  return {
    frameBytes: frame.length, encodeNs: round(encodeNs), decodeNs: round(decodeNs),
    encodePerS: round(1e9 / encodeNs), decodePerS: round(1e9 / decodeNs),
    encodeAlloc: await allocationPerCall(encode, batch), decodeAlloc: await allocationPerCall(decode, batch),
  };
}

/** Runs the wire benches (`quick`: fewer repetitions). */
export async function runWireBench(options: { quick?: boolean } = {}): Promise<WireFigures> {
  const runs = options.quick ? 3 : 7;
  const payload = ChaChaRandom.fromSeed(7).randbytes(LARGE_PAYLOAD_BYTES);
  const frame = encodeFrame(MAINNET_MAGIC, 'block', payload);
  const chunks = chunksOf(frame, SOCKET_CHUNK_BYTES);
  const decoder = new FrameDecoder(MAINNET_MAGIC);
  const bigBatch = options.quick ? 10 : 30;
  const createHashSha256dNs = perOpNs(runs, bigBatch, () => { sha256dCreateHash(payload); });
  const oneShotSha256dNs = perOpNs(runs, bigBatch, () => { sha256dOneShot(payload); });
  const framedWholeNs = perOpNs(runs, bigBatch, () => { decoder.push(frame); });
  const decodeChunked = (): void => {
    for (const c of chunks) decoder.push(c);
  };
  const framedChunkedNs = perOpNs(runs, bigBatch, decodeChunked);
  const rawSha256dNs = Math.min(createHashSha256dNs, oneShotSha256dNs);
  const ratioChunked = round(rawSha256dNs / framedChunkedNs);
  const small = options.quick ? 20_000 : 100_000;
  const ping = await codecBench({ type: 'ping', nonce: 0x1122334455667788n }, runs, small);
  const addrv2 = await codecBench({ type: 'addrv2', addresses: benchAddresses() }, runs, options.quick ? 100 : 300);
  const figures: WireFigures = {
    checksum: {
      payloadBytes: LARGE_PAYLOAD_BYTES, createHashSha256dNs: round(createHashSha256dNs), oneShotSha256dNs: round(oneShotSha256dNs),
      rawSha256dNs: round(rawSha256dNs), framedWholeNs: round(framedWholeNs), framedChunkedNs: round(framedChunkedNs),
      ratioWhole: round(rawSha256dNs / framedWholeNs), ratioChunked,
      framedChunkedMBps: round(LARGE_PAYLOAD_BYTES / framedChunkedNs * 1000), rawMBps: round(LARGE_PAYLOAD_BYTES / rawSha256dNs * 1000),
      decodeChunkedAlloc: await allocationPerCall(decodeChunked, 4),
    },
    ping, addrv2, targets: WIRE_TARGETS, met: { checksumRatio: ratioChunked >= WIRE_TARGETS.checksumRatio },
  };
  stopAllocationWatch();
  return figures;
}

/** The figures as printable lines. */
export function formatWire(w: WireFigures): string {
  const c = w.checksum;
  const codec = (name: string, f: CodecFigures): string =>
    `  ${name.padEnd(14)} ${String(f.frameBytes).padStart(6)} B   encode ${String(Math.round(f.encodePerS)).padStart(9)}/s (${f.encodeAlloc.totalBytes} B alloc)   ` +
    `decode ${String(Math.round(f.decodePerS)).padStart(9)}/s (${f.decodeAlloc.totalBytes} B alloc)`;
  return [
    'Wire:',
    `  1 MB frame decode+checksum: ${(c.framedChunkedNs / 1e6).toFixed(3)} ms in 64 KiB chunks, ${(c.framedWholeNs / 1e6).toFixed(3)} ms whole; ` +
      `raw SHA256d ${(c.rawSha256dNs / 1e6).toFixed(3)} ms → ratio ${c.ratioChunked} chunked, ${c.ratioWhole} whole ` +
      `(target ≥ ${w.targets.checksumRatio}: ${w.met.checksumRatio ? 'met' : 'MISSED'}); ${c.decodeChunkedAlloc.totalBytes} B allocated per frame`,
    codec('ping', w.ping),
    codec('addrv2 ×1000', w.addrv2),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runWireBench({ quick: process.argv.includes('--quick') }).then((w) => {
    if (process.argv.includes('--json')) {
      console.log(JSON.stringify(w));
      return;
    }
    console.log(formatWire(w));
    console.log(JSON.stringify(w, null, 2));
  }, (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
