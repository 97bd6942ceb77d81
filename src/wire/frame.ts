/**
 * The v1 message frame (Core `CMessageHeader`, `V1Transport` in net.cpp): a 24-byte header —
 * 4 bytes network magic, 12-byte NUL-padded ASCII command, payload length (LE32), checksum
 * (first 4 bytes of SHA256d(payload)) — followed by the payload.
 *
 * `FrameDecoder` turns arbitrary chunks from a socket into whole messages. The header goes into a
 * fixed 24-byte buffer; the payload is gathered in blocks of PAYLOAD_BLOCK_BYTES (256 KiB, Core's
 * allocate-ahead step in `readData`), each allocated only when bytes for it arrive, and joined once
 * when the message is complete. So memory held for a message in progress is never more than 256 KiB
 * ahead of what the peer has actually sent — a 24-byte header that claims 4 MB costs nothing, and a
 * peer trickling 2 MB of a declared 4 MB message costs 2 MB, not 4 — and every byte is copied at most
 * twice, so a 4 MB payload arriving one byte at a time still costs linear time.
 *
 * A message whose checksum or command is bad has intact framing: Core drops it and keeps the peer
 * (`V1Transport::GetReceivedMessage` sets `reject_message`; `CNode::ReceiveMsgBytes` books its bytes
 * under "*other*"). `dropCorrupt` does that here; without it such a message stops the decoder, which
 * is what one-shot decoding of a hex dump wants. A wrong magic or an oversized length always stops it.
 */
import { MAX_SIZE } from '../util/bytes.js';
import { ArgumentError } from '../util/errors.js';
import { sha256d } from '../util/hash.js';
import { bytesEqual, bytesToHex } from '../util/hex.js';
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
/**
 * Core V1Transport::readData allocates at most 256 KiB beyond the bytes received. Here the payload is
 * gathered in blocks of this size, so allocation runs at most this far ahead of received bytes.
 */
export const PAYLOAD_BLOCK_BYTES = 256 * 1024;
/** Former name of PAYLOAD_BLOCK_BYTES: how far (bytes) payload allocation may run ahead of received bytes. */
export const PAYLOAD_ALLOCATE_AHEAD = PAYLOAD_BLOCK_BYTES;

const MESSAGE_SIZE_OFFSET = MAGIC_SIZE + COMMAND_SIZE;
const CHECKSUM_OFFSET = MESSAGE_SIZE_OFFSET + 4;

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

/**
 * Why a 12-byte command field is invalid, or undefined when it is valid: Core
 * `CMessageHeader::IsMessageTypeValid` (formerly `IsCommandValid`) — printable ASCII 0x20..0x7e,
 * then only NULs after the first NUL.
 */
export function commandProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length !== COMMAND_SIZE) return `command field must be ${COMMAND_SIZE} bytes, got ${bytes.length}`;
  for (let i = 0; i < COMMAND_SIZE; i++) {
    const b = bytes[i];
    if (b === 0) {
      for (let j = i + 1; j < COMMAND_SIZE; j++) {
        if (bytes[j] !== 0) return `non-NUL byte 0x${bytes[j].toString(16).padStart(2, '0')} at position ${j} after NUL padding`;
      }
      return undefined;
    }
    if (b < 0x20 || b > 0x7e) return `non-printable byte 0x${b.toString(16).padStart(2, '0')} at position ${i}`;
  }
  return undefined;
}

/** Core `IsMessageTypeValid` on a 12-byte command field. */
export function isCommandValid(bytes: Uint8Array): boolean {
  return commandProblem(bytes) === undefined;
}

/** The 12-byte NUL-padded field for `command`; throws ArgumentError unless it is ≤ 12 printable ASCII chars. */
export function encodeCommand(command: string): Uint8Array {
  if (typeof command !== 'string' || command.length > COMMAND_SIZE) {
    throw new ArgumentError(`command "${String(command)}" must be a string of at most ${COMMAND_SIZE} characters`);
  }
  const out = new Uint8Array(COMMAND_SIZE);
  for (let i = 0; i < command.length; i++) {
    const c = command.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      throw new ArgumentError(`command "${command}" has non-printable character 0x${c.toString(16)} at position ${i}`);
    }
    out[i] = c;
  }
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

/** Encodes the 24-byte header for `payload`. */
export function encodeHeader(magic: Uint8Array, command: string, payload: Uint8Array): Uint8Array {
  checkMagic(magic);
  if (payload.length > MAX_SIZE) throw new ArgumentError(`payload of ${payload.length} bytes exceeds MAX_SIZE ${MAX_SIZE}`);
  const header = new Uint8Array(HEADER_SIZE);
  header.set(magic, 0);
  header.set(encodeCommand(command), MAGIC_SIZE);
  new DataView(header.buffer).setUint32(MESSAGE_SIZE_OFFSET, payload.length, true);
  header.set(payloadChecksum(payload), CHECKSUM_OFFSET);
  return header;
}

/**
 * One framed message: header then payload (Core `V1Transport::SetMessageToSend`). The command must be
 * at most 12 printable ASCII characters; throws ArgumentError otherwise.
 */
export function encodeFrame(magic: Uint8Array, command: string, payload: Uint8Array): Uint8Array {
  const header = encodeHeader(magic, command, payload);
  const out = new Uint8Array(HEADER_SIZE + payload.length);
  out.set(header, 0);
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
 * these), then — once the payload is complete — the checksum, then the command. Any failure throws a
 * `FrameError` (messages completed earlier in the same chunk are on `err.completed`) and every later
 * `push` throws `ERR_FRAME_FAILED`. With `dropCorrupt`, a bad checksum or command only drops that
 * message, as Core does; without it a bad command is refused as soon as the header arrives.
 */
export class FrameDecoder {
  /** Largest payload accepted, bytes. */
  readonly maxPayload: number;
  private readonly magic: Uint8Array;
  private readonly dropCorrupt: boolean;
  private readonly onDrop: ((dropped: DroppedFrame) => void) | undefined;
  private readonly header = new Uint8Array(HEADER_SIZE);
  private headerPos = 0;
  private current: FrameHeader | undefined;
  private commandError: string | undefined;
  /** Payload blocks of the message in progress: all PAYLOAD_BLOCK_BYTES long except possibly the last. */
  private blocks: Uint8Array[] = [];
  private payloadPos = 0;
  private error: FrameError | undefined;
  private blocksAllocated = 0;
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

  /** Bytes currently allocated for the payload in progress: never more than PAYLOAD_BLOCK_BYTES ahead of what arrived. */
  get payloadCapacity(): number {
    let n = 0;
    for (const b of this.blocks) n += b.length;
    return n;
  }

  /** Payload blocks allocated so far (each PAYLOAD_BLOCK_BYTES, or a message's remainder); none is ever reallocated. */
  get payloadGrowths(): number {
    return this.blocksAllocated;
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
      if (this.current === undefined) {
        const n = Math.min(HEADER_SIZE - this.headerPos, end - pos);
        copyInto(this.header, this.headerPos, chunk, pos, n);
        this.headerPos += n;
        pos += n;
        if (this.headerPos < HEADER_SIZE) break;
        this.current = this.startPayload(out);
      }
      const cur = this.current;
      if (this.payloadPos === 0 && end - pos >= cur.length && cur.length > 0) {
        // The whole payload is in this chunk: one exact buffer, one copy.
        const whole = new Uint8Array(cur.length);
        copyInto(whole, 0, chunk, pos, cur.length);
        this.blocks = [whole];
        this.blocksAllocated++;
        this.payloadPos = cur.length;
        pos += cur.length;
      }
      while (pos < end && this.payloadPos < cur.length) {
        const blockIndex = Math.floor(this.payloadPos / PAYLOAD_BLOCK_BYTES);
        const offset = this.payloadPos - blockIndex * PAYLOAD_BLOCK_BYTES;
        if (blockIndex === this.blocks.length) {
          // Allocate a block only once bytes for it have arrived (not chunk.slice: on a Buffer that is a view).
          this.blocks.push(new Uint8Array(Math.min(PAYLOAD_BLOCK_BYTES, cur.length - this.payloadPos)));
          this.blocksAllocated++;
        }
        const block = this.blocks[blockIndex];
        const n = Math.min(block.length - offset, end - pos);
        copyInto(block, offset, chunk, pos, n);
        this.payloadPos += n;
        pos += n;
      }
      if (this.payloadPos === cur.length) this.finishMessage(out);
    }
    return out;
  }

  private fail(code: FrameErrorCode, message: string, completed: DecodedFrame[]): never {
    this.error = new FrameError(code, message, completed);
    throw this.error;
  }

  /** Validates the complete header in `this.header`; returns it, or throws (stopping the decoder). */
  private startPayload(out: DecodedFrame[]): FrameHeader {
    const hdr = decodeHeader(this.header);
    if (!bytesEqual(hdr.magic, this.magic)) {
      this.fail('ERR_FRAME_MAGIC',
        `wrong network magic ${bytesToHex(hdr.magic)}, expected ${bytesToHex(this.magic)}`, out);
    }
    if (hdr.length > this.maxPayload) {
      this.fail('ERR_FRAME_OVERSIZE',
        `oversized message: length ${hdr.length} > ${this.maxPayload} for command '${showCommand(hdr.commandBytes)}'`, out);
    }
    const problem = commandProblem(hdr.commandBytes);
    if (problem !== undefined && !this.dropCorrupt) {
      this.fail('ERR_FRAME_COMMAND',
        `invalid command '${showCommand(hdr.commandBytes)}' (bytes ${bytesToHex(hdr.commandBytes)}): ${problem}`, out);
    }
    this.commandError = problem;
    this.blocks = [];
    this.payloadPos = 0;
    return hdr;
  }

  /** The complete payload: the single block as it is, or the blocks joined (one copy). */
  private takePayload(length: number): Uint8Array {
    const blocks = this.blocks;
    this.blocks = [];
    if (blocks.length === 0) return new Uint8Array(0);
    if (blocks.length === 1) return blocks[0];
    const out = new Uint8Array(length);
    let at = 0;
    for (const b of blocks) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }

  private drop(code: DroppedFrame['code'], hdr: FrameHeader, rawSize: number, reason: string): void {
    this.dropped++;
    this.droppedRaw += rawSize;
    this.onDrop?.({ code, command: showCommand(hdr.commandBytes), rawSize, reason });
  }

  private finishMessage(out: DecodedFrame[]): void {
    const hdr = this.current!;
    const payload = this.takePayload(hdr.length);
    const rawSize = HEADER_SIZE + hdr.length;
    this.current = undefined;
    this.headerPos = 0;
    this.payloadPos = 0;
    const problem = this.commandError;
    this.commandError = undefined;

    const actual = payloadChecksum(payload);
    if (!bytesEqual(actual, hdr.checksum)) {
      const what = `Wrong checksum (${showCommand(hdr.commandBytes)}, ${hdr.length} bytes), expected ${bytesToHex(actual)} was ${bytesToHex(hdr.checksum)}`;
      if (this.dropCorrupt) {
        this.drop('ERR_FRAME_CHECKSUM', hdr, rawSize, `Header error: ${what}`);
        return;
      }
      this.fail('ERR_FRAME_CHECKSUM',
        `bad checksum for command '${showCommand(hdr.commandBytes)}' (${hdr.length} bytes): header has ${bytesToHex(hdr.checksum)}, payload hashes to ${bytesToHex(actual)}`,
        out);
    }
    if (problem !== undefined) {
      // Only reachable with dropCorrupt (otherwise rejected when the header arrived).
      this.drop('ERR_FRAME_COMMAND', hdr, rawSize, `Header error: Invalid message type (${showCommand(hdr.commandBytes)}, ${hdr.length} bytes): ${problem}`);
      return;
    }
    out.push({ command: hdr.command, payload, rawSize });
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
