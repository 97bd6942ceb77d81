/**
 * The v1 message frame (Core `CMessageHeader`, `V1Transport` in net.cpp): a 24-byte header —
 * 4 bytes network magic, 12-byte NUL-padded ASCII command, payload length (LE32), checksum
 * (first 4 bytes of SHA256d(payload)) — followed by the payload.
 *
 * `FrameDecoder` turns arbitrary chunks from a socket into whole messages. The header goes into a
 * fixed 24-byte buffer. Payload memory follows Core's `readData` bound — never more than
 * PAYLOAD_BLOCK_BYTES (256 KiB) beyond the bytes received — so a 24-byte header that claims 4 MB costs
 * nothing, and a peer trickling 2 MB of a declared 4 MB message costs 2.25 MB, not 4. Within that bound
 * the bytes are copied as few times as possible: a payload that arrives in one chunk is copied once; a
 * longer one fills fixed 256 KiB blocks that are never reallocated, and as soon as the rest of the
 * message fits in the bound, the whole payload buffer is allocated once, the blocks are copied into it
 * and the remaining bytes go straight in. A 4 MB payload costs 16 allocations and under 8 MB copied,
 * whatever the chunking (growing one buffer to "received + 256 KiB" at each step copied about 34 MB;
 * the 1 MB frame bench's profile showed that copying as a third of the decode).
 *
 * A message whose checksum or command is bad has intact framing: Core drops it and keeps the peer
 * (`V1Transport::GetReceivedMessage` sets `reject_message`; `CNode::ReceiveMsgBytes` books its bytes
 * under "*other*"). `dropCorrupt` does that here; without it such a message stops the decoder, which
 * is what one-shot decoding of a hex dump wants. A wrong magic or an oversized length always stops it.
 */
import { createHash, type Hash } from 'node:crypto';
import { MAX_SIZE } from '../util/bytes.js';
import { ArgumentError } from '../util/errors.js';
import { checksumOfFirstDigest, sha256d, sha256dChecksum } from '../util/hash.js';
import { bytesToHex } from '../util/hex.js';
import { FrameError, type CompletedFrame, type FrameErrorCode } from './errors.js';

/** Core net.h MAX_PROTOCOL_MESSAGE_LENGTH: the largest payload we accept (4,000,000 bytes). */
export const MAX_PROTOCOL_MESSAGE_LENGTH = 4_000_000;
/** Core CMessageHeader::HEADER_SIZE: 4 magic + 12 command + 4 length + 4 checksum. */
export const HEADER_SIZE = 24;
/** Core CMessageHeader::MESSAGE_TYPE_SIZE (formerly COMMAND_SIZE): bytes of the command field. */
export const COMMAND_SIZE = 12;
/** Bytes of network magic (Core MessageStartChars). */
export const MAGIC_SIZE = 4;
/** Core CMessageHeader::CHECKSUM_SIZE. */
export const CHECKSUM_SIZE = 4;
/** Core V1Transport::readData: payload buffer grows at most this far (256 KiB) beyond the bytes received. */
export const PAYLOAD_BLOCK_BYTES = 256 * 1024;
/** Former name of PAYLOAD_BLOCK_BYTES: how far (bytes) payload allocation may run ahead of received bytes. */
export const PAYLOAD_ALLOCATE_AHEAD = PAYLOAD_BLOCK_BYTES;

/**
 * Payloads of at least this many bytes are hashed while their bytes arrive (so the checksum reads them
 * while they are still in cache, not again at the end) and get buffers that are not zero-filled first
 * (every byte is written before the payload is handed out); smaller ones are hashed in one call.
 */
export const STREAMED_PAYLOAD_MIN_BYTES = 64 * 1024;
/** Most command strings the decoders' shared cache holds (see `commandAt`); others are decoded each time. */
export const MAX_CACHED_COMMANDS = 64;

const MESSAGE_SIZE_OFFSET = MAGIC_SIZE + COMMAND_SIZE;
const CHECKSUM_OFFSET = MESSAGE_SIZE_OFFSET + 4;
const EMPTY_PAYLOAD = new Uint8Array(0);

/** A decoded 24-byte header. */
export interface FrameHeader {
  /** The 4 network-magic bytes as received. */
  magic: Uint8Array;
  /** Command text up to the first NUL (Core `GetMessageType`). */
  command: string;
  /** The raw 12 command bytes (for validity checks and error messages). */
  commandBytes: Uint8Array;
  /** Announced payload length in bytes. */
  length: number;
  /** The 4 checksum bytes. */
  checksum: Uint8Array;
}

/** One complete message cut from the stream. */
export type DecodedFrame = CompletedFrame;

/** A message `FrameDecoder` dropped (with `dropCorrupt`) because its checksum or command was bad. */
export interface DroppedFrame {
  /** Which check failed: `ERR_FRAME_CHECKSUM` (checked first, as Core does) or `ERR_FRAME_COMMAND`. */
  code: 'ERR_FRAME_CHECKSUM' | 'ERR_FRAME_COMMAND';
  /** The command as text, non-printable bytes escaped as \\xNN (for logs). */
  command: string;
  /** Bytes the message took on the wire (header + payload): Core books them under "*other*". */
  rawSize: number;
  /** What was wrong, in Core's log wording ("Header error: Wrong checksum (…)"). */
  reason: string;
}

/** Options of `FrameDecoder`. */
export interface FrameDecoderOptions {
  /**
   * Core behaviour for a message whose checksum or command is bad: drop that one message (counted in
   * `droppedMessages` / `droppedBytes`, reported to `onDrop`) and keep decoding, because the framing
   * itself is intact. Default false: such a message is a `FrameError` that stops the decoder.
   */
  dropCorrupt?: boolean;
  /** Called for every message dropped under `dropCorrupt`, during the `push` that completed it. */
  onDrop?: (dropped: DroppedFrame) => void;
}

/** Below this many bytes a plain loop beats creating a subarray view for `set` (one-byte socket reads). */
const SMALL_COPY = 64;

/** Copies src[srcPos, srcPos+n) to dst at dstPos. */
function copyInto(dst: Uint8Array, dstPos: number, src: Uint8Array, srcPos: number, n: number): void {
  if (n < SMALL_COPY) {
    for (let i = 0; i < n; i++) dst[dstPos + i] = src[srcPos + i];
  } else {
    dst.set(src.subarray(srcPos, srcPos + n), dstPos);
  }
}

/** Text of the first NUL-terminated run of `bytes` (Latin-1, so every byte maps to one char). */
function commandText(bytes: Uint8Array): string {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
}

/** Printable rendering of a command for error messages (non-printable bytes as \xNN). */
function showCommand(bytes: Uint8Array): string {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  let out = '';
  for (let i = 0; i < end; i++) {
    const b = bytes[i];
    out += b >= 0x20 && b <= 0x7e && b !== 0x27 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** `commandProblem` on the 12 bytes at `buf[off..off+12)` (no copy). */
function commandProblemAt(buf: Uint8Array, off: number): string | undefined {
  for (let i = 0; i < COMMAND_SIZE; i++) {
    const b = buf[off + i];
    if (b === 0) {
      for (let j = i + 1; j < COMMAND_SIZE; j++) {
        if (buf[off + j] !== 0) return `non-NUL byte 0x${buf[off + j].toString(16).padStart(2, '0')} at position ${j} after NUL padding`;
      }
      return undefined;
    }
    if (b < 0x20 || b > 0x7e) return `non-printable byte 0x${b.toString(16).padStart(2, '0')} at position ${i}`;
  }
  return undefined;
}

/**
 * Why a 12-byte command field is invalid, or undefined when it is valid: Core
 * `CMessageHeader::IsMessageTypeValid` (formerly `IsCommandValid`) — printable ASCII 0x20..0x7e,
 * then only NULs after the first NUL.
 */
export function commandProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length !== COMMAND_SIZE) return `command field must be ${COMMAND_SIZE} bytes, got ${bytes.length}`;
  return commandProblemAt(bytes, 0);
}

/** Command strings seen so far, by a hash of their 12-byte field (bounded by MAX_CACHED_COMMANDS). */
const commandCache = new Map<number, string>();

/** True when the valid 12-byte field at `buf[off..)` spells `text` (then NULs). */
function sameCommand(text: string, buf: Uint8Array, off: number): boolean {
  if (text.length < COMMAND_SIZE && buf[off + text.length] !== 0) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== buf[off + i]) return false;
  return true;
}

/**
 * The command text of the valid 12-byte field at `buf[off..)`: from the shared cache when this field
 * was seen before (no allocation — a peer sends the same few commands over and over), else decoded and
 * cached while the cache has room. A hash collision only means a cache miss: the bytes are compared.
 */
function commandAt(buf: Uint8Array, off: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < COMMAND_SIZE; i++) h = Math.imul(h ^ buf[off + i], 0x01000193);
  const cached = commandCache.get(h);
  if (cached !== undefined && sameCommand(cached, buf, off)) return cached;
  const text = commandText(buf.subarray(off, off + COMMAND_SIZE));
  if (cached === undefined && commandCache.size < MAX_CACHED_COMMANDS) commandCache.set(h, text);
  return text;
}

/** Core `IsMessageTypeValid` on a 12-byte command field. */
export function isCommandValid(bytes: Uint8Array): boolean {
  return commandProblem(bytes) === undefined;
}

/** Writes the 12-byte NUL-padded field for `command` at `out[off..)`; throws ArgumentError unless it is ≤ 12 printable ASCII chars. */
function writeCommand(out: Uint8Array, off: number, command: string): void {
  if (typeof command !== 'string' || command.length > COMMAND_SIZE) {
    throw new ArgumentError(`command "${String(command)}" must be a string of at most ${COMMAND_SIZE} characters`);
  }
  for (let i = 0; i < command.length; i++) {
    const c = command.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      throw new ArgumentError(`command "${command}" has non-printable character 0x${c.toString(16)} at position ${i}`);
    }
    out[off + i] = c;
  }
  for (let i = command.length; i < COMMAND_SIZE; i++) out[off + i] = 0;
}

/** The 12-byte NUL-padded field for `command`; throws ArgumentError unless it is ≤ 12 printable ASCII chars. */
export function encodeCommand(command: string): Uint8Array {
  const out = new Uint8Array(COMMAND_SIZE);
  writeCommand(out, 0, command);
  return out;
}

function checkMagic(magic: Uint8Array): void {
  if (!(magic instanceof Uint8Array) || magic.length !== MAGIC_SIZE) {
    throw new ArgumentError(`network magic must be ${MAGIC_SIZE} bytes`);
  }
}

/** The 4-byte checksum of a payload: SHA256d(payload)[0:4]. */
export function payloadChecksum(payload: Uint8Array): Uint8Array {
  return sha256d(payload).subarray(0, CHECKSUM_SIZE);
}

/** Writes the 24-byte header for `payload` at `out[0..24)`. */
function writeHeader(out: Uint8Array, magic: Uint8Array, command: string, payload: Uint8Array): void {
  checkMagic(magic);
  if (payload.length > MAX_SIZE) throw new ArgumentError(`payload of ${payload.length} bytes exceeds MAX_SIZE ${MAX_SIZE}`);
  out.set(magic, 0);
  writeCommand(out, MAGIC_SIZE, command);
  const n = payload.length;
  out[MESSAGE_SIZE_OFFSET] = n & 0xff;
  out[MESSAGE_SIZE_OFFSET + 1] = (n >>> 8) & 0xff;
  out[MESSAGE_SIZE_OFFSET + 2] = (n >>> 16) & 0xff;
  out[MESSAGE_SIZE_OFFSET + 3] = n >>> 24;
  const checksum = sha256dChecksum(payload);
  out[CHECKSUM_OFFSET] = checksum >>> 24;
  out[CHECKSUM_OFFSET + 1] = (checksum >>> 16) & 0xff;
  out[CHECKSUM_OFFSET + 2] = (checksum >>> 8) & 0xff;
  out[CHECKSUM_OFFSET + 3] = checksum & 0xff;
}

/** A buffer of `n` bytes for data that will be written in full: not zero-filled when large. */
function allocForOverwrite(n: number): Uint8Array {
  if (n < STREAMED_PAYLOAD_MIN_BYTES) return new Uint8Array(n);
  const b = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

/** Encodes the 24-byte header for `payload`. */
export function encodeHeader(magic: Uint8Array, command: string, payload: Uint8Array): Uint8Array {
  const header = new Uint8Array(HEADER_SIZE);
  writeHeader(header, magic, command, payload);
  return header;
}

/**
 * One framed message: header then payload (Core `V1Transport::SetMessageToSend`), in one buffer. The
 * command must be at most 12 printable ASCII characters; throws ArgumentError otherwise.
 */
export function encodeFrame(magic: Uint8Array, command: string, payload: Uint8Array): Uint8Array {
  const out = allocForOverwrite(HEADER_SIZE + payload.length);
  writeHeader(out, magic, command, payload);
  out.set(payload, HEADER_SIZE);
  return out;
}

/** Splits a 24-byte header into its fields (no validation). */
export function decodeHeader(header: Uint8Array): FrameHeader {
  if (header.length !== HEADER_SIZE) throw new ArgumentError(`header must be ${HEADER_SIZE} bytes, got ${header.length}`);
  const commandBytes = header.slice(MAGIC_SIZE, MAGIC_SIZE + COMMAND_SIZE);
  return {
    magic: header.slice(0, MAGIC_SIZE),
    command: commandText(commandBytes),
    commandBytes,
    length: new DataView(header.buffer, header.byteOffset, HEADER_SIZE).getUint32(MESSAGE_SIZE_OFFSET, true),
    checksum: header.slice(CHECKSUM_OFFSET, HEADER_SIZE),
  };
}

function checkMaxPayload(maxPayload: number): void {
  if (!Number.isInteger(maxPayload) || maxPayload < 0 || maxPayload > MAX_SIZE) {
    throw new ArgumentError(`maxPayload must be an integer in [0, ${MAX_SIZE}], got ${maxPayload}`);
  }
}

/**
 * Incremental v1 frame decoder for one connection. `push(chunk)` returns the messages the chunk
 * completed; partial input stays buffered (`bufferedBytes` says how much, for receive-flood limits).
 *
 * Checks, in Core's order: magic and length as soon as the header is complete (Core disconnects on
 * these), then the command, then the checksum once the payload is complete. Any failure throws a
 * `FrameError` (messages completed earlier in the same chunk are on `err.completed`) and every later
 * `push` throws `ERR_FRAME_FAILED`. With `dropCorrupt`, a bad command or checksum only drops that
 * message, as Core does.
 */
export class FrameDecoder {
  /** Largest payload accepted, bytes. */
  readonly maxPayload: number;
  private readonly magic: Uint8Array;
  private readonly dropCorrupt: boolean;
  private readonly onDrop: ((dropped: DroppedFrame) => void) | undefined;
  private readonly header = new Uint8Array(HEADER_SIZE);
  private headerPos = 0;
  /** A header has been accepted and its payload is being read. */
  private inMessage = false;
  /** The message in progress: command text, payload length, checksum from the header (big-endian u32). */
  private command = '';
  private length = 0;
  private checksum = 0;
  private commandError: string | undefined;
  /** Incremental SHA-256 of a large payload, fed as its bytes arrive. */
  private hasher: Hash | undefined;
  /** The whole payload buffer (length bytes) once allocated; EMPTY_PAYLOAD while the bytes are in `blocks`. */
  private payload: Uint8Array = EMPTY_PAYLOAD;
  /** The payload's first bytes while the rest does not yet fit in the bound: full PAYLOAD_BLOCK_BYTES blocks, the last partly written. */
  private blocks: Uint8Array[] = [];
  /** Bytes allocated in `blocks`. */
  private blockBytes = 0;
  private payloadPos = 0;
  private error: FrameError | undefined;
  private growths = 0;
  private dropped = 0;
  private droppedRaw = 0;

  /**
   * @param magic the 4 network-magic bytes every message must start with;
   * @param maxPayload largest payload accepted (default MAX_PROTOCOL_MESSAGE_LENGTH, at most MAX_SIZE);
   * @param options see `FrameDecoderOptions`.
   */
  constructor(magic: Uint8Array, maxPayload = MAX_PROTOCOL_MESSAGE_LENGTH, options: FrameDecoderOptions = {}) {
    checkMagic(magic);
    checkMaxPayload(maxPayload);
    this.magic = Uint8Array.from(magic);
    this.maxPayload = maxPayload;
    this.dropCorrupt = options.dropCorrupt ?? false;
    this.onDrop = options.onDrop;
  }

  /** Bytes received but not yet returned as a message (header and payload so far). */
  get bufferedBytes(): number {
    return this.headerPos + this.payloadPos;
  }

  /** Bytes currently allocated for the payload in progress (never far ahead of what arrived). */
  get payloadCapacity(): number {
    return this.payload.length > 0 ? this.payload.length : this.blockBytes;
  }

  /** How many payload allocations (blocks and whole-payload buffers) were made for chunked payloads. */
  get payloadGrowths(): number {
    return this.growths;
  }

  /** The error that stopped this decoder, if any. */
  get failure(): FrameError | undefined {
    return this.error;
  }

  /** Messages dropped for a bad command or checksum (only with `dropCorrupt`). */
  get droppedMessages(): number {
    return this.dropped;
  }

  /** Wire bytes (header + payload) of the dropped messages. */
  get droppedBytes(): number {
    return this.droppedRaw;
  }

  /** Feeds bytes; returns the messages they completed, in order. */
  push(chunk: Uint8Array): DecodedFrame[] {
    if (this.error) {
      throw new FrameError('ERR_FRAME_FAILED', `frame decoder already failed: ${this.error.message}`);
    }
    const out: DecodedFrame[] = [];
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      if (!this.inMessage) {
        const n = Math.min(HEADER_SIZE - this.headerPos, end - pos);
        copyInto(this.header, this.headerPos, chunk, pos, n);
        this.headerPos += n;
        pos += n;
        if (this.headerPos < HEADER_SIZE) break;
        this.startPayload(out);
      }
      const want = this.length - this.payloadPos;
      const n = Math.min(want, end - pos);
      if (this.payloadPos === 0 && n === this.length) {
        // Whole payload inside this chunk: one copy, no growth. (Not chunk.slice: on a Buffer that is a view.)
        if (n > 0) {
          this.payload = allocForOverwrite(n);
          copyInto(this.payload, 0, chunk, pos, n);
        }
      } else if (n > 0) {
        this.reservePayload(this.payloadPos + n);
        if (this.payload.length > 0) copyInto(this.payload, this.payloadPos, chunk, pos, n);
        else this.copyIntoBlocks(chunk, pos, n);
      }
      if (this.hasher && n > 0) this.hasher.update(chunk.subarray(pos, pos + n));
      this.payloadPos += n;
      pos += n;
      if (this.payloadPos === this.length) this.finishMessage(out);
    }
    return out;
  }

  private fail(code: FrameErrorCode, message: string, completed: DecodedFrame[]): never {
    this.error = new FrameError(code, message, completed);
    throw this.error;
  }

  /** The command field of the header in `this.header` (a view). */
  private commandBytes(): Uint8Array {
    return this.header.subarray(MAGIC_SIZE, MAGIC_SIZE + COMMAND_SIZE);
  }

  /** Validates the complete header in `this.header` in place and starts its payload, or throws (stopping the decoder). */
  private startPayload(out: DecodedFrame[]): void {
    const h = this.header;
    const m = this.magic;
    if (h[0] !== m[0] || h[1] !== m[1] || h[2] !== m[2] || h[3] !== m[3]) {
      this.fail('ERR_FRAME_MAGIC',
        `wrong network magic ${bytesToHex(h.subarray(0, MAGIC_SIZE))}, expected ${bytesToHex(this.magic)}`, out);
    }
    const length = (h[MESSAGE_SIZE_OFFSET] | (h[MESSAGE_SIZE_OFFSET + 1] << 8) | (h[MESSAGE_SIZE_OFFSET + 2] << 16) | (h[MESSAGE_SIZE_OFFSET + 3] << 24)) >>> 0;
    if (length > this.maxPayload) {
      this.fail('ERR_FRAME_OVERSIZE',
        `oversized message: length ${length} > ${this.maxPayload} for command '${showCommand(this.commandBytes())}'`, out);
    }
    const problem = commandProblemAt(h, MAGIC_SIZE);
    if (problem !== undefined && !this.dropCorrupt) {
      const bytes = this.commandBytes();
      this.fail('ERR_FRAME_COMMAND',
        `invalid command '${showCommand(bytes)}' (bytes ${bytesToHex(bytes)}): ${problem}`, out);
    }
    this.commandError = problem;
    this.command = problem === undefined ? commandAt(h, MAGIC_SIZE) : '';
    this.length = length;
    this.checksum = ((h[CHECKSUM_OFFSET] << 24) | (h[CHECKSUM_OFFSET + 1] << 16) | (h[CHECKSUM_OFFSET + 2] << 8) | h[CHECKSUM_OFFSET + 3]) >>> 0;
    this.hasher = length >= STREAMED_PAYLOAD_MIN_BYTES ? createHash('sha256') : undefined;
    this.inMessage = true;
    this.payload = EMPTY_PAYLOAD;
    this.blocks = [];
    this.blockBytes = 0;
    this.payloadPos = 0;
  }

  /**
   * Makes room for the payload's first `needed` bytes without allocating more than PAYLOAD_BLOCK_BYTES
   * beyond them (Core readData resizes to what arrived plus 256 KiB, never further; doubling ran 1.9 MB
   * ahead of the bytes a slow peer had sent for a declared 4 MB message).
   */
  private reservePayload(needed: number): void {
    if (this.payload.length > 0 || needed <= this.blockBytes) return;
    if (this.length <= needed + PAYLOAD_BLOCK_BYTES) {
      // The rest fits in the bound: the final buffer, the bytes so far copied into it once.
      const whole = allocForOverwrite(this.length);
      let at = 0;
      for (const block of this.blocks) {
        const k = Math.min(block.length, this.payloadPos - at);
        if (k <= 0) break;
        copyInto(whole, at, block, 0, k);
        at += k;
      }
      this.payload = whole;
      this.blocks = [];
      this.blockBytes = 0;
      this.growths++;
      return;
    }
    while (this.blockBytes < needed) {
      this.blocks.push(allocForOverwrite(PAYLOAD_BLOCK_BYTES));
      this.blockBytes += PAYLOAD_BLOCK_BYTES;
      this.growths++;
    }
  }

  /** Copies `n` bytes of `chunk` from `pos` to the payload's position `payloadPos` in the blocks. */
  private copyIntoBlocks(chunk: Uint8Array, pos: number, n: number): void {
    let at = this.payloadPos;
    while (n > 0) {
      const block = this.blocks[Math.floor(at / PAYLOAD_BLOCK_BYTES)];
      const offset = at % PAYLOAD_BLOCK_BYTES;
      const k = Math.min(n, PAYLOAD_BLOCK_BYTES - offset);
      copyInto(block, offset, chunk, pos, k);
      at += k;
      pos += k;
      n -= k;
    }
  }

  private finishMessage(out: DecodedFrame[]): void {
    const length = this.length;
    const payload = this.payload.length === length ? this.payload : this.payload.slice(0, length);
    const rawSize = HEADER_SIZE + length;
    const actual = this.hasher ? checksumOfFirstDigest(this.hasher.digest()) : sha256dChecksum(payload);
    this.hasher = undefined;
    this.inMessage = false;
    this.headerPos = 0;
    this.payload = EMPTY_PAYLOAD;
    this.payloadPos = 0;
    const problem = this.commandError;
    this.commandError = undefined;

    if (actual !== this.checksum) {
      if (this.dropCorrupt) {
        const expected = this.header.subarray(CHECKSUM_OFFSET, HEADER_SIZE);
        this.drop('ERR_FRAME_CHECKSUM', rawSize,
          `Header error: Wrong checksum (${showCommand(this.commandBytes())}, ${length} bytes), expected ${actual.toString(16).padStart(8, '0')} was ${bytesToHex(expected)}`);
        return;
      }
      this.fail('ERR_FRAME_CHECKSUM',
        `bad checksum for command '${showCommand(this.commandBytes())}' (${length} bytes): header has ` +
        `${bytesToHex(this.header.subarray(CHECKSUM_OFFSET, HEADER_SIZE))}, payload hashes to ${actual.toString(16).padStart(8, '0')}`,
        out);
    }
    if (problem !== undefined) {
      // Only reachable with dropCorrupt (otherwise rejected when the header arrived).
      this.drop('ERR_FRAME_COMMAND', rawSize, `Header error: Invalid message type (${showCommand(this.commandBytes())}, ${length} bytes): ${problem}`);
      return;
    }
    out.push({ command: this.command, payload, rawSize });
  }

  private drop(code: DroppedFrame['code'], rawSize: number, reason: string): void {
    this.dropped++;
    this.droppedRaw += rawSize;
    this.onDrop?.({ code, command: showCommand(this.commandBytes()), rawSize, reason });
  }
}

/**
 * Decodes exactly one frame from `bytes` (e.g. a hex dump): FrameError `ERR_FRAME_INCOMPLETE` if the
 * bytes end early, `ERR_FRAME_TRAILING` if bytes follow the frame, and the decoder's errors otherwise.
 */
export function decodeSingleFrame(magic: Uint8Array, bytes: Uint8Array, maxPayload = MAX_PROTOCOL_MESSAGE_LENGTH): DecodedFrame {
  const decoder = new FrameDecoder(magic, maxPayload);
  if (bytes.length >= HEADER_SIZE) {
    // Feed the header first so that trailing bytes are not mistaken for a second message.
    const header = decodeHeader(bytes.subarray(0, HEADER_SIZE));
    const total = HEADER_SIZE + header.length;
    const frames = decoder.push(bytes.subarray(0, Math.min(bytes.length, total)));
    if (frames.length === 1) {
      if (bytes.length > total) {
        throw new FrameError('ERR_FRAME_TRAILING', `${bytes.length - total} trailing bytes after the ${total}-byte '${frames[0].command}' frame`);
      }
      return frames[0];
    }
    throw new FrameError('ERR_FRAME_INCOMPLETE',
      `incomplete frame: have ${bytes.length} bytes, the header announces ${total} (command '${showCommand(header.commandBytes)}')`);
  }
  throw new FrameError('ERR_FRAME_INCOMPLETE', `incomplete frame: have ${bytes.length} bytes, a header needs ${HEADER_SIZE}`);
}
