/**
 * Wire sizes, labels and limits of the authenticated peer-set handshake (docs/peerset.md is the
 * specification; every number here is quoted there). Timing defaults follow commonware's
 * `Config::recommended` (p2p/src/authenticated/lookup/config.rs).
 */

/** Version byte opening the initiator's first message; anything else is refused as malformed. */
export const AUTH_PROTOCOL_VERSION = 1;

/** Ed25519 public key, X25519 public key: 32 bytes each. */
export const PUBLIC_KEY_BYTES = 32;
/** Ed25519 signature (RFC 8032). */
export const SIGNATURE_BYTES = 64;
/** Key-confirmation value (HKDF-SHA256 output). */
export const CONFIRMATION_BYTES = 32;
/** Timestamp field: unsigned 64-bit big-endian milliseconds since the Unix epoch. */
export const TIMESTAMP_BYTES = 8;

/** Hello (initiator → responder): version ‖ initiator key ‖ responder key ‖ timestamp ‖ initiator ephemeral. */
export const HELLO_BYTES = 1 + PUBLIC_KEY_BYTES + PUBLIC_KEY_BYTES + TIMESTAMP_BYTES + PUBLIC_KEY_BYTES; // 105
/** Bytes of Hello the responder needs to see the initiator's key (and run its gate). */
export const HELLO_KEY_PREFIX_BYTES = 1 + PUBLIC_KEY_BYTES; // 33
/** Reply (responder → initiator): responder key ‖ timestamp ‖ responder ephemeral ‖ signature ‖ confirmation. */
export const REPLY_BYTES = PUBLIC_KEY_BYTES + TIMESTAMP_BYTES + PUBLIC_KEY_BYTES + SIGNATURE_BYTES + CONFIRMATION_BYTES; // 168
/** The part of Reply that enters the transcript (everything before the signature). */
export const REPLY_TRANSCRIPT_BYTES = PUBLIC_KEY_BYTES + TIMESTAMP_BYTES + PUBLIC_KEY_BYTES; // 72
/** Finish (initiator → responder): signature ‖ confirmation. */
export const FINISH_BYTES = SIGNATURE_BYTES + CONFIRMATION_BYTES; // 96

/** Accepted age of a peer's handshake timestamp (commonware `max_handshake_age`, 10 s). */
export const MAX_HANDSHAKE_AGE_MS = 10_000;
/** Accepted lead of a peer's handshake timestamp over our clock (commonware `synchrony_bound`, 5 s). */
export const MAX_CLOCK_SKEW_MS = 5_000;
/** Whole handshake deadline, from the first byte we send or accept (commonware `handshake_timeout`, 5 s). */
export const HANDSHAKE_TIMEOUT_MS = 5_000;

/** Frame header: plaintext length, unsigned 32-bit big-endian (also the frame's associated data). */
export const FRAME_HEADER_BYTES = 4;
/** Poly1305 tag appended to every frame. */
export const FRAME_TAG_BYTES = 16;
/**
 * Largest plaintext in one frame (64 KiB). Fixed by the specification so that two implementations agree:
 * the receiver refuses a longer header before reading the body; a writer splits larger writes.
 */
export const MAX_FRAME_PLAINTEXT_BYTES = 65_536;
/**
 * Frames per direction after which the connection is closed (2^48). The nonce holds a 64-bit counter,
 * so closing here means it can never wrap (and a JavaScript number counts this far exactly).
 */
export const MAX_FRAMES_PER_DIRECTION = 2 ** 48;

/**
 * Bytes held while a handshake is in progress (the three messages plus two pipelined maximal frames).
 * A peer that sends more before the handshake completes is refused as malformed.
 */
export const MAX_HANDSHAKE_BUFFER_BYTES = HELLO_BYTES + FINISH_BYTES + 2 * (FRAME_HEADER_BYTES + MAX_FRAME_PLAINTEXT_BYTES + FRAME_TAG_BYTES);

/** Initiator ephemeral keys remembered to refuse a replayed Hello inside the timestamp window. */
export const MAX_REPLAY_CACHE_ENTRIES = 16_384;
/** How long a Hello's ephemeral key is remembered: the whole window in which its timestamp is valid. */
export const REPLAY_WINDOW_MS = MAX_HANDSHAKE_AGE_MS + MAX_CLOCK_SKEW_MS;

/** Longest accepted application namespace (it is hashed into the transcript, never sent). */
export const MAX_NAMESPACE_BYTES = 1024;

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'ascii'));

/** Domain separator that opens the transcript hash. */
export const LABEL_TRANSCRIPT = ascii('peerbook-auth-v1 transcript');
/** Prefix of the message the responder signs (then the 32-byte transcript hash). */
export const LABEL_SIGN_RESPONDER = ascii('peerbook-auth-v1 responder signature');
/** Prefix of the message the initiator signs (then the 32-byte transcript hash). */
export const LABEL_SIGN_INITIATOR = ascii('peerbook-auth-v1 initiator signature');
/** HKDF info of the initiator→responder frame key. */
export const LABEL_KEY_I2R = ascii('peerbook-auth-v1 key initiator to responder');
/** HKDF info of the responder→initiator frame key. */
export const LABEL_KEY_R2I = ascii('peerbook-auth-v1 key responder to initiator');
/** HKDF info of the responder's key confirmation (sent in Reply). */
export const LABEL_CONFIRM_RESPONDER = ascii('peerbook-auth-v1 confirm responder');
/** HKDF info of the initiator's key confirmation (sent in Finish). */
export const LABEL_CONFIRM_INITIATOR = ascii('peerbook-auth-v1 confirm initiator');
