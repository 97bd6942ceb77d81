/**
 * `V1MessageTransport` (Core `V1Transport`): v1 framing — magic, command, length, checksum — through
 * wire/'s `FrameDecoder` and `encodeFrame`. It never holds messages back and never sends bytes of its
 * own, so a `Peer` on it behaves exactly as before the transport seam existed.
 */
import { encodeFrame, FrameDecoder, MAX_PROTOCOL_MESSAGE_LENGTH, type FrameDecoderOptions } from '../wire/frame.js';
import type { CompletedFrame } from '../wire/errors.js';
import type { MessageTransport, OutgoingBytes, TransportInfo } from './message-transport.js';

/** v1 framing behind the `MessageTransport` seam. */
export class V1MessageTransport implements MessageTransport {
  private readonly magic: Uint8Array;
  private readonly decoder: FrameDecoder;
  private out: OutgoingBytes[] = [];
  private outBytes = 0;

  /** @param magic network magic; @param options `FrameDecoder` options (e.g. Core's drop-corrupt behaviour). */
  constructor(magic: Uint8Array, options: FrameDecoderOptions = {}) {
    this.magic = magic;
    this.decoder = new FrameDecoder(magic, MAX_PROTOCOL_MESSAGE_LENGTH, options);
  }

  /** @inheritdoc */
  receive(chunk: Uint8Array): CompletedFrame[] {
    return this.decoder.push(chunk);
  }

  /** @inheritdoc */
  send(command: string, payload: Uint8Array): void {
    const bytes = encodeFrame(this.magic, command, payload);
    this.out.push({ bytes, command });
    this.outBytes += bytes.length;
  }

  /** @inheritdoc */
  takeOutgoing(): OutgoingBytes[] {
    const out = this.out;
    this.out = [];
    this.outBytes = 0;
    return out;
  }

  /** @inheritdoc */
  get queuedBytes(): number {
    return this.outBytes;
  }

  /** @inheritdoc */
  get bufferedBytes(): number {
    return this.decoder.bufferedBytes;
  }

  /** @inheritdoc */
  get droppedMessages(): number {
    return this.decoder.droppedMessages;
  }

  /** @inheritdoc */
  get droppedBytes(): number {
    return this.decoder.droppedBytes;
  }

  /** @inheritdoc */
  markBytesSent(): void {
    // v1 keeps no handshake state that depends on what was sent.
  }

  /** @inheritdoc */
  info(): TransportInfo {
    return { type: 'v1' };
  }

  /** @inheritdoc */
  shouldReconnectV1(): boolean {
    return false;
  }
}
