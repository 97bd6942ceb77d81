/**
 * bip324/: the cryptography of BIP324, the v2 encrypted P2P transport — pure functions and small
 * stateful ciphers, no sockets, no timers.
 *
 * Two nodes exchange 64-byte ElligatorSwift public keys (indistinguishable from random bytes), derive
 * a shared secret by x-only ECDH hashed with the tag `bip324_ellswift_xonly_ecdh`, and expand it with
 * HKDF-SHA256 (salt `bitcoin_v2_shared_secret` ‖ network magic) into a length key and a packet key per
 * direction, two 16-byte garbage terminators and a 32-byte session id. Every packet then costs 20
 * bytes: a 3-byte length under FSChaCha20, a header byte (bit 7 = decoy) and the contents under
 * FSChaCha20Poly1305, and a 16-byte tag; both ciphers replace their keys every 224 packets, so a key
 * stolen later does not open earlier traffic. The connection state machine that uses these (key,
 * garbage, version packet, application packets, v1 detection) is `V2MessageTransport` in peer/.
 *
 * ElligatorSwift and ECDH run on `@scure/btc-signer` / `@noble/curves` (they pass every published
 * vector), HKDF on `@noble/hashes`, ChaCha20 and ChaCha20-Poly1305 on OpenSSL via `node:crypto`
 * (as fast as `@noble/ciphers` on tiny packets, several times faster on large ones). None of it is constant-time; the keys are
 * ephemeral, one per connection — docs/bip324.md explains why that is acceptable.
 */
export * from './chacha20.js';
export * from './fschacha20.js';
export * from './ellswift.js';
export * from './keys.js';
export * from './cipher.js';
export * from './message-ids.js';
