/**
 * The message transport seam between a connection's bytes and its messages (Core net.h `Transport`,
 * implemented by `V1Transport` and `V2Transport`).
 *
 * `Peer` no longer frames bytes itself: it feeds what the socket delivers to `receive()` and gets whole
 * messages back; it hands each outgoing message to `send()` and writes whatever `takeOutgoing()`
 * returns. A transport may produce bytes of its own — BIP324's key, garbage, terminator and version
 * packet — and may hold application messages back until its handshake allows them out, exactly as
 * Core's `V2Transport::SetMessageToSend` refuses messages before it is READY and `CNode::vSendMsg`
 * keeps them meanwhile. Every outgoing chunk says which message it carries (none for handshake bytes),
 * so per-message byte counters match Core's: v1 counts header + payload, v2 the whole packet, and v2
 * handshake bytes count only in the totals ("don't report v2 handshake bytes for now", net.cpp).
 *
 * Two implementations: `V1MessageTransport` (v1-transport.ts) wraps wire/'s `FrameDecoder` and
 * `encodeFrame`; `V2MessageTransport` (v2-transport.ts) is BIP324 with Core's v1 detection on inbound
 * connections.
 */
import type { CompletedFrame } from '../wire/errors.js';

/** Core `TransportProtocolType` as getpeerinfo's `transport_protocol_type` shows it. */
export type TransportProtocolType = 'v1' | 'v2' | 'detecting';

/** Which transport a `Peer` starts with. */
export type TransportChoice = 'v1' | 'v2';

/** What a transport says about itself (Core `Transport::Info`). */
export interface TransportInfo {
  /** `detecting` until a v2 connection's version packet arrived, or until an inbound one turned out to be v1. */
  type: TransportProtocolType;
  /** The 32-byte BIP324 session id, once `type` is `v2`. */
  sessionId?: Uint8Array;
}

/** A chunk of bytes to write, and the message it belongs to. */
export interface OutgoingBytes {
  /** The bytes, to be written in order. */
  bytes: Uint8Array;
  /** The message type they carry; absent for the transport's own (handshake) bytes. */
  command?: string;
}

/** One connection's framing, encryption and handshake below the message layer. */
export interface MessageTransport {
  /**
   * Feeds bytes received from the socket; returns the messages they completed, in order. A broken
   * stream throws a typed error with the messages completed before it on `completed` (`FrameError` for
   * v1 framing, `V2TransportError` for BIP324); the transport then refuses further input.
   */
  receive(chunk: Uint8Array): CompletedFrame[];
  /** Queues one message (its command must be ≤ 12 printable ASCII characters; ArgumentError otherwise). */
  send(command: string, payload: Uint8Array): void;
  /** The bytes to write now, in order (handshake bytes and the messages the handshake allows out). */
  takeOutgoing(): OutgoingBytes[];
  /** Bytes of messages held back (waiting for the handshake) or not yet taken. */
  readonly queuedBytes: number;
  /** Bytes received but not yet part of a completed message (partial packets, key, garbage). */
  readonly bufferedBytes: number;
  /** Messages dropped for a bad message type (v2) or, with `dropCorrupt`, a bad command or checksum (v1). */
  readonly droppedMessages: number;
  /** Wire bytes of the dropped messages (Core counts them under `*other*`). */
  readonly droppedBytes: number;
  /** Tells the transport how many of the bytes taken so far actually left through the socket (Core `MarkBytesSent`). */
  markBytesSent(bytes: number): void;
  /** Protocol and session id (Core `GetInfo`). */
  info(): TransportInfo;
  /**
   * True when this failed connection should be retried once with v1 (Core `ShouldReconnectV1`):
   * an outbound v2 attempt that received nothing at all after sending at least a v1 header's worth
   * (24 bytes) — what a v1-only node does when our key arrives instead of its version.
   */
  shouldReconnectV1(): boolean;
}
