/**
 * wire/: the bytes between two peers, as pure functions — no sockets, no timers.
 *
 * A v1 P2P stream is a sequence of frames: 4 bytes of network magic, a 12-byte command, the payload
 * length and a 4-byte SHA256d checksum, then the payload. The network magic is how a node notices it
 * dialled a node of another network; `NetworkParams` holds it together with the ports and seeds of
 * each chain. The framing decoder is the first code that touches attacker-controlled bytes, so it
 * bounds everything before allocating: payloads above MAX_PROTOCOL_MESSAGE_LENGTH (4,000,000 bytes)
 * are refused from the header alone, payload buffers grow with the bytes that actually arrive (never
 * more than 256 KiB ahead), buffered input is exposed as `bufferedBytes` for the peer's receive-flood
 * limit, and a decoder that saw a broken stream refuses further input. Message codecs then enforce
 * Core's vector limits — 1,000 addresses per addr/addrv2 (MAX_ADDR_TO_SEND), 50,000 inventory entries
 * (MAX_INV_SZ), 256-byte user agents (MAX_SUBVERSION_LENGTH) — before reading entries, and fail only
 * with typed errors (`FrameError`, `MessageDecodeError`), whatever the input.
 */
export * from './errors.js';
export * from './services.js';
export * from './frame.js';
export * from './inventory.js';
export * from './version.js';
export * from './messages.js';
export * from './seeds.js';
export * from './params.js';
