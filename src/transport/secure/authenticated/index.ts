/**
 * transport/secure/authenticated/: the authenticated, encrypted byte-stream layer for peer-set networks
 * (networks whose members are known public keys: validators, a federation, one company's nodes).
 *
 * Design. Every node has a static Ed25519 identity; a peer *is* its public key. A three-message
 * handshake (Hello, Reply, Finish) over any `Connection` gives mutual authentication, forward secrecy
 * (ephemeral X25519) and key confirmation before any application byte is accepted. The initiator's key
 * comes first on the wire, so a responder refuses an unknown key or a wrong source IP after 33 bytes,
 * before any signature check or Diffie-Hellman — the expensive work an attacker would like to trigger.
 * Each side signs a transcript binding the application namespace, both static keys, both ephemeral keys
 * and both timestamps; a timestamp outside [−10 s, +5 s] of our clock and an ephemeral key seen before
 * in that window are refused, so a recorded Hello cannot be replayed. Session keys come from
 * HKDF-SHA256, one per direction; frames are ChaCha20-Poly1305 with a counter nonce, at most 64 KiB of
 * plaintext each. Above the layer the connection has the same `Connection` shape as a socket.
 *
 * The shape follows commonware's `cryptography/src/handshake.rs` and `stream/src/encrypted.rs`
 * (dialer-key-first Hello, a listener "bouncer", counter nonces); the transcript, key schedule and
 * framing are our own and specified byte for byte in docs/peerset.md, with vectors in
 * docs/peerset-vectors.json. Every refusal is an `AuthError` with a stable code, counted per reason.
 */
export * from './constants.js';
export * from './errors.js';
export * from './identity.js';
export * from './messages.js';
export * from './key-schedule.js';
export * from './handshake.js';
export * from './replay-cache.js';
export * from './frames.js';
export * from './counters.js';
export * from './secure-connection.js';
export * from './upgrade.js';
export * from './transport.js';
