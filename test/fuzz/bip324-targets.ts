/**
 * Fuzz targets for the BIP324 receive path (`V2MessageTransport`, src/peer/v2-transport.ts, on the
 * primitives of src/bip324/): what an inbound connection does with the bytes a remote sends.
 *
 * - `bip324:handshake` feeds every input to a fresh inbound transport with a fixed key: the input is the
 *   remote's whole stream — its 64-byte ElligatorSwift key (or a v1 `version` header: v1 detection),
 *   garbage, garbage terminator, version packet, application packets. Mutations hit the v1/v2 detection,
 *   the key, the garbage scan and its 4095-byte bound, length fields (the 4,000,013-byte bound) and
 *   authentication. Every input that reaches a key costs an x-only ECDH on ElligatorSwift (milliseconds
 *   in JavaScript), which is why this target runs far fewer inputs per second than the others.
 * - `bip324:packets` keeps one established session and feeds it packets whose *plaintext* is the input
 *   (records of flags, length, contents), encrypted by the remote's real cipher, so mutations reach what
 *   lies behind authentication: the message-type decoder (short ids, 12-byte types, invalid types that
 *   must be dropped and counted), decoys, empty and large contents, rekeying every 224 packets, and
 *   chunking. Its oracle: every non-decoy packet comes out as exactly one frame whose type and payload
 *   re-encode to the contents, or is dropped with its bytes counted; decoys are discarded and counted.
 *   The session runs on across inputs (a key exchange per input would cost milliseconds); only the
 *   rekey position depends on earlier inputs, so `--replay` on a fresh session reproduces a finding.
 */
import { NetService } from '../../src/address/service.js';
import { generateEllSwiftKey, type EllSwiftKeyPair } from '../../src/bip324/ellswift.js';
import { PACKET_EXPANSION_BYTES } from '../../src/bip324/cipher.js';
import { LONG_MESSAGE_TYPE_BYTES, V2_MESSAGE_IDS } from '../../src/bip324/message-ids.js';
import type { MessageTransport } from '../../src/peer/message-transport.js';
import { V2TransportError } from '../../src/peer/transport-errors.js';
import { V2MessageTransport } from '../../src/peer/v2-transport.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { FrameError, type CompletedFrame } from '../../src/wire/errors.js';
import { encodeFrame } from '../../src/wire/frame.js';
import { encodeMessage, encodeMessageFrame } from '../../src/wire/messages.js';
import { REGTEST } from '../../src/wire/params.js';
import { concat, contentsFor, drain, RawV2Remote } from '../peer/v2-remote.js';
import { OracleError, type FuzzTarget } from './engine.js';
import type { FuzzRng } from './rng.js';

const MAGIC = REGTEST.magic;
const EMPTY = new Uint8Array(0);
/** Chunk sizes the stream is cut into when an input asks for chunked delivery (uneven, to hit every boundary). */
const CHUNK_SIZES = [1, 3, 20, 7, 64, 2, 500];
/** Garbage our fixed-key transport sends (its content does not matter to what it receives). */
const LOCAL_GARBAGE = Uint8Array.of(1, 2, 3);

function oracle(condition: boolean, what: string): void {
  if (!condition) throw new OracleError(what);
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

let localKeyPair: EllSwiftKeyPair | undefined;

/** Our inbound transport's fixed key (made once: key generation is an EC multiplication). */
function localKey(): EllSwiftKeyPair {
  localKeyPair ??= generateEllSwiftKey(ChaChaRandom.fromSeed('fuzz-bip324-local'));
  return localKeyPair;
}

/** A fresh inbound transport with the fixed key, as `Peer` builds it (corrupt v1 messages dropped). */
function inboundTransport(): V2MessageTransport {
  return new V2MessageTransport({
    magic: MAGIC, initiating: false, random: ChaChaRandom.fromSeed('fuzz-bip324'), key: localKey(), garbage: LOCAL_GARBAGE,
    v1Decoder: { dropCorrupt: true },
  });
}

/** Feeds `bytes` whole (chunked = false) or cut by CHUNK_SIZES; returns the frames and the error, if any. */
function feedAll(transport: MessageTransport, bytes: Uint8Array, chunked: boolean): { frames: CompletedFrame[]; error: unknown } {
  const frames: CompletedFrame[] = [];
  try {
    if (!chunked) {
      frames.push(...transport.receive(bytes));
    } else {
      for (let pos = 0, i = 0; pos < bytes.length; i++) {
        const n = CHUNK_SIZES[i % CHUNK_SIZES.length];
        frames.push(...transport.receive(bytes.subarray(pos, pos + n)));
        pos += n;
      }
    }
  } catch (e) {
    if (e instanceof V2TransportError || e instanceof FrameError) frames.push(...e.completed);
    return { frames, error: e };
  }
  return { frames, error: undefined };
}

/** A message type in the 12-byte form: 0, then the type NUL-padded to 12 bytes. */
function longForm(type: string): Uint8Array {
  const out = new Uint8Array(1 + LONG_MESSAGE_TYPE_BYTES);
  for (let i = 0; i < type.length; i++) out[1 + i] = type.charCodeAt(i);
  return out;
}

const describeFrames = (frames: readonly CompletedFrame[]): string => frames.map((f) => `${f.command}:${f.rawSize}:${hex(f.payload)}`).join('|');

// ---- bip324:handshake ------------------------------------------------------------------------------

/** What the remote end sends on a well-behaved connection, with `packets` after the version packet. */
function remoteStream(seed: string, garbage: Uint8Array, build: (remote: RawV2Remote) => Uint8Array[], versionContents = EMPTY): Uint8Array {
  const remote = new RawV2Remote(MAGIC, true, seed);
  remote.keyFrom(localKey().publicKey);
  const version = remote.packet(versionContents, garbage);
  return concat(remote.hello(garbage), remote.terminator(), version, ...build(remote));
}

function handshakeSeeds(): Uint8Array[] {
  const ping = encodeMessage({ type: 'ping', nonce: 7n }).payload;
  const nowhere = { services: 0n, service: NetService.parse('0.0.0.0:0') };
  const v1Version = encodeMessageFrame(MAGIC, {
    type: 'version', version: 70016, services: 1n, timestamp: 1_700_000_000n, addrRecv: nowhere, addrFrom: nowhere,
    nonce: 1n, userAgent: '/fuzz/', startHeight: 0, relay: true,
  });
  return [
    // a v2 key alone, and key + garbage + terminator + version packet
    remoteStream('fuzz-remote-a', EMPTY, () => []).subarray(0, 64),
    remoteStream('fuzz-remote-a', EMPTY, () => []),
    // garbage authenticated by the version packet, then messages: short id, 12-byte type, decoy, invalid type
    remoteStream('fuzz-remote-b', new Uint8Array(40).fill(0x5a), (r) => [
      r.message('ping', ping), r.message('sendaddrv2'), r.packet(Uint8Array.of(0xaa, 0xbb), EMPTY, true),
      r.packet(Uint8Array.of(0xff)), r.message('verack'), r.packet(EMPTY),
    ]),
    // version packet with contents (reserved for extensions, ignored) and a decoy before it
    remoteStream('fuzz-remote-c', Uint8Array.of(9), (r) => [r.message('pong', ping)], Uint8Array.of(1, 2, 3)),
    // a v1 node: detected by its first 16 bytes and decoded as v1 from then on
    new Uint8Array(concat(v1Version, encodeFrame(MAGIC, 'verack', EMPTY))),
  ];
}

/** The outcome of one handshake input, as the corpus label and for the chunking oracle. */
interface HandshakeOutcome {
  label: string;
  frames: string;
  state: string;
  dropped: number;
  decoys: number;
  buffered: number;
}

function runHandshake(input: Uint8Array, chunked: boolean): HandshakeOutcome {
  const transport = inboundTransport();
  const { frames, error } = feedAll(transport, input, chunked);
  if (error !== undefined) throw error;
  drain(transport); // what it would send back (its key, terminator, version packet) must be producible
  const state = transport.receiveState;
  return {
    label: `${state}:${Math.min(frames.length, 3)}:${Math.min(transport.droppedMessages, 2)}:${Math.min(transport.decoysReceived, 2)}`,
    frames: describeFrames(frames),
    state,
    dropped: transport.droppedBytes,
    decoys: transport.decoysReceived,
    buffered: transport.bufferedBytes,
  };
}

const handshakeTarget: FuzzTarget = {
  name: 'bip324:handshake',
  kind: 'bytes',
  errors: [V2TransportError, FrameError],
  ciInputs: 150,
  seeds: handshakeSeeds,
  run: (input) => runHandshake(input, (input.length & 1) === 1),
  check: (decoded, input) => {
    // The same stream delivered the other way (whole vs. chunked) must end in the same place.
    const a = decoded as HandshakeOutcome;
    let b: HandshakeOutcome;
    try {
      b = runHandshake(input, (input.length & 1) === 0);
    } catch (e) {
      throw new OracleError(`chunking made an accepted stream fail: ${(e as Error).message}`);
    }
    oracle(a.frames === b.frames, 'chunking changed the messages');
    oracle(a.state === b.state && a.dropped === b.dropped && a.decoys === b.decoys && a.buffered === b.buffered, 'chunking changed the transport state');
    return a.label;
  },
};

// ---- bip324:packets --------------------------------------------------------------------------------

/** One packet of a `bip324:packets` input: flags bit 0 = decoy; contents as sent. */
interface PlainPacket {
  decoy: boolean;
  contents: Uint8Array;
}

/** Input layout: [flags u8][length u16 LE][contents]… ; a short last record takes what is left. Flags bit 1 of the first record: chunked delivery. */
function parsePackets(input: Uint8Array): { packets: PlainPacket[]; chunked: boolean } {
  const packets: PlainPacket[] = [];
  let pos = 0;
  while (pos < input.length) {
    const flags = input[pos];
    const len = (input[pos + 1] ?? 0) | ((input[pos + 2] ?? 0) << 8);
    const start = Math.min(pos + 3, input.length);
    const end = Math.min(start + len, input.length);
    packets.push({ decoy: (flags & 1) === 1, contents: input.subarray(start, end) });
    pos = end; // > pos: the 3-byte record head always advances
  }
  return { packets, chunked: input.length > 0 && (input[0] & 2) === 2 };
}

function encodePackets(packets: readonly PlainPacket[], chunked = false): Uint8Array {
  return concat(...packets.map((p, i) => concat(
    Uint8Array.of((p.decoy ? 1 : 0) | (i === 0 && chunked ? 2 : 0), p.contents.length & 0xff, p.contents.length >> 8), p.contents,
  )));
}

interface Session {
  transport: V2MessageTransport;
  remote: RawV2Remote;
}

let session: Session | undefined;

/** An established session: our inbound transport in the `app` state and the remote's cipher. */
function establish(): Session {
  const transport = inboundTransport();
  const remote = new RawV2Remote(MAGIC, true, 'fuzz-remote-session');
  remote.keyFrom(localKey().publicKey);
  transport.receive(concat(remote.hello(), remote.terminator(), remote.packet(EMPTY)));
  drain(transport);
  if (transport.receiveState !== 'app') throw new Error(`fuzz session did not establish (state ${transport.receiveState})`);
  return { transport, remote };
}

/** Outcome of one packets input, checked by the oracle. */
interface PacketsOutcome {
  packets: PlainPacket[];
  frames: CompletedFrame[];
  droppedMessages: number;
  droppedBytes: number;
  decoys: number;
}

function generatePackets(rng: FuzzRng): Uint8Array {
  const packets: PlainPacket[] = [];
  for (let i = rng.between(1, 8); i > 0; i--) {
    const kind = rng.below(5);
    const payload = rng.bytes(rng.chance(0.1) ? rng.between(0, 5000) : rng.between(0, 40));
    const contents = kind === 0 ? concat(Uint8Array.of(rng.between(1, V2_MESSAGE_IDS.length - 1)), payload)
      : kind === 1 ? contentsFor(rng.pick(['version', 'verack', 'sendaddrv2', 'wtxidrelay', 'getaddr', 'sendheaders']), payload)
        : kind === 2 ? concat(Uint8Array.of(0), rng.bytes(LONG_MESSAGE_TYPE_BYTES), payload)
          : kind === 3 ? concat(Uint8Array.of(rng.between(V2_MESSAGE_IDS.length, 255)), payload)
            : payload;
    packets.push({ decoy: rng.chance(0.15), contents });
  }
  return encodePackets(packets, rng.chance(0.3));
}

const packetsTarget: FuzzTarget = {
  name: 'bip324:packets',
  kind: 'bytes',
  errors: [], // authenticated packets of any contents must never break the session
  open: async () => {
    session = establish();
  },
  close: async () => {
    session = undefined;
  },
  seeds: () => {
    const ping = encodeMessage({ type: 'ping', nonce: 7n }).payload;
    return [
      encodePackets([{ decoy: false, contents: contentsFor('ping', ping) }]),
      encodePackets([{ decoy: false, contents: contentsFor('sendaddrv2') }, { decoy: true, contents: Uint8Array.of(1, 2) }, { decoy: false, contents: contentsFor('addrv2', Uint8Array.of(0)) }], true),
      encodePackets([{ decoy: false, contents: Uint8Array.of(0xff) }, { decoy: false, contents: EMPTY }, { decoy: false, contents: Uint8Array.of(29) }]),
      encodePackets([{ decoy: false, contents: concat(Uint8Array.of(0), new TextEncoder().encode('abc\x7f'), new Uint8Array(8)) }]),
    ];
  },
  generate: generatePackets,
  run: (input) => {
    session ??= establish();
    const { transport, remote } = session;
    const { packets, chunked } = parsePackets(input);
    const before = { dropped: transport.droppedMessages, droppedBytes: transport.droppedBytes, decoys: transport.decoysReceived };
    const stream = concat(...packets.map((p) => remote.packet(p.contents, EMPTY, p.decoy)));
    const { frames, error } = feedAll(transport, stream, chunked);
    if (error !== undefined) {
      session = undefined; // a broken session cannot take the next input
      throw error;
    }
    return {
      packets, frames,
      droppedMessages: transport.droppedMessages - before.dropped,
      droppedBytes: transport.droppedBytes - before.droppedBytes,
      decoys: transport.decoysReceived - before.decoys,
    } satisfies PacketsOutcome;
  },
  check: (decoded) => {
    const o = decoded as PacketsOutcome;
    const real = o.packets.filter((p) => !p.decoy);
    oracle(o.decoys === o.packets.length - real.length, `${o.decoys} decoys counted for ${o.packets.length - real.length} sent`);
    oracle(o.frames.length + o.droppedMessages === real.length, `${o.frames.length} messages + ${o.droppedMessages} dropped for ${real.length} packets`);
    // Frames come out in order; each matches the next packet that was not dropped.
    let expectedDroppedBytes = 0;
    let f = 0;
    for (const p of real) {
      const frame = o.frames[f];
      const matches = frame !== undefined && frame.rawSize === p.contents.length + PACKET_EXPANSION_BYTES &&
        hex(p.contents).endsWith(hex(frame.payload)) &&
        (hex(concat(contentsFor(frame.command), frame.payload)) === hex(p.contents) ||
          // a type with a short id may also come in the 12-byte form (Core accepts both)
          hex(concat(longForm(frame.command), frame.payload)) === hex(p.contents) ||
          // ids 29-32 decode as the empty type, as an all-NUL 12-byte type does
          (frame.command === '' && p.contents[0] >= 29 && p.contents.length - 1 === frame.payload.length));
      if (matches) f++;
      else expectedDroppedBytes += p.contents.length + PACKET_EXPANSION_BYTES;
    }
    oracle(f === o.frames.length, 'a message came out that was not sent');
    oracle(expectedDroppedBytes === o.droppedBytes, `dropped bytes ${o.droppedBytes}, expected ${expectedDroppedBytes}`);
    // A packet starting with a short id (1-32) is never dropped: every id decodes (29-32 as the empty type).
    const shortIds = real.filter((p) => p.contents.length > 0 && p.contents[0] >= 1 && p.contents[0] < V2_MESSAGE_IDS.length).length;
    oracle(o.droppedMessages <= real.length - shortIds, `${o.droppedMessages} dropped, but ${shortIds} of ${real.length} packets had a short id`);
    return `${Math.min(o.frames.length, 3)}:${Math.min(o.droppedMessages, 2)}:${Math.min(o.decoys, 2)}`;
  },
};

/** The BIP324 receive-path targets, in the order `npm run fuzz` runs them. */
export const BIP324_TARGETS: FuzzTarget[] = [handshakeTarget, packetsTarget];
