/**
 * ElligatorSwift keys and BIP324's x-only ECDH.
 *
 * BIP324 sends public keys as 64-byte ElligatorSwift encodings (u ‖ t, two field elements) that are
 * indistinguishable from random bytes, so the handshake has no fingerprint. Decoding maps any 64 bytes
 * to the x coordinate of a curve point (XSwiftEC); encoding picks a random u and case and solves for t
 * (XSwiftECInv), retrying when that case has no solution (about 4 tries on average).
 *
 * The field arithmetic is `@scure/btc-signer`'s `elligatorSwift` on `@noble/curves`, which passes every
 * published BIP324 vector (`ellswift_decode_test_vectors.csv`, `xswiftec_inv_test_vectors.csv`; see
 * test/bip324/vectors.test.ts). Its own `encode` draws from the OS RNG; we run the same loop (BIP324's
 * `ellswift_create`) on its exported inverse `_inv` with u and the case drawn from the injected `Random`,
 * so keys are reproducible under a seeded generator in tests and come from an OS-seeded ChaCha20 stream
 * in production.
 *
 * Not constant-time: `@noble/curves` scalar multiplication is designed to resist timing attacks but
 * JavaScript BigInt arithmetic gives no guarantee, and XSwiftECInv branches on its inputs. BIP324 keys
 * are ephemeral (one per connection, never reused, never written anywhere), which is why this is
 * acceptable here; docs/bip324.md says so.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { ArgumentError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import type { Random } from '../util/random.js';

/** Core EllSwiftPubKey::size(): bytes of an ElligatorSwift-encoded public key. */
export const ELLSWIFT_PUBKEY_BYTES = 64;
/** Bytes of a secp256k1 private key and of an x coordinate. */
export const SECP256K1_SCALAR_BYTES = 32;
/** BIP324: the tag of the tagged hash that turns the ECDH x coordinate into the shared secret. */
export const BIP324_ECDH_TAG = 'bip324_ellswift_xonly_ecdh';
/** Encoding attempts before giving up; each succeeds with probability about 1/4, so 256 failures mean a broken `Random`. */
const MAX_ENCODE_ATTEMPTS = 256;

const Fp = secp256k1.Point.Fp;
const textEncoder = new TextEncoder();
const ECDH_TAG_HASH = sha256(textEncoder.encode(BIP324_ECDH_TAG));

/** An ephemeral BIP324 key pair. */
export interface EllSwiftKeyPair {
  /** 32-byte secp256k1 private key. */
  privateKey: Uint8Array;
  /** Its 64-byte ElligatorSwift encoding (what goes on the wire). */
  publicKey: Uint8Array;
}

function checkLength(name: string, bytes: Uint8Array, length: number): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new ArgumentError(`${name} must be ${length} bytes, got ${bytes?.length}`);
  }
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** XSwiftEC: the 32-byte x coordinate an ElligatorSwift encoding stands for (every 64-byte input decodes). */
export function ellswiftDecode(encoding: Uint8Array): Uint8Array {
  checkLength('ElligatorSwift encoding', encoding, ELLSWIFT_PUBKEY_BYTES);
  return elligatorSwift.decode(encoding);
}

/**
 * XSwiftECInv(x, u, case): the t with XSwiftEC(u, t) = x for branch `ellCase` (0–7), or undefined when
 * that branch has no solution. `x` and `u` are field elements (reduced mod p).
 */
export function ellswiftInverse(x: bigint, u: bigint, ellCase: number): bigint | undefined {
  const t = elligatorSwift._inv(Fp.create(x), Fp.create(u), ellCase);
  return t === undefined ? undefined : (t as bigint);
}

/** The x coordinate (32 bytes) of `privateKey`·G; throws ArgumentError for an invalid private key. */
export function xOnlyPublicKey(privateKey: Uint8Array): Uint8Array {
  checkLength('private key', privateKey, SECP256K1_SCALAR_BYTES);
  if (!secp256k1.utils.isValidSecretKey(privateKey)) throw new ArgumentError('private key is not in [1, n-1]');
  return secp256k1.getPublicKey(privateKey, true).subarray(1);
}

/**
 * A fresh ElligatorSwift encoding of the point with x coordinate `x` (BIP324 `ellswift_create`): random
 * u ≠ 0 and case, t = XSwiftECInv(x, u, case), retried until a solution exists.
 */
export function ellswiftEncode(x: Uint8Array, random: Random): Uint8Array {
  checkLength('x coordinate', x, SECP256K1_SCALAR_BYTES);
  const xv = bytesToBigInt(x);
  for (let attempt = 0; attempt < MAX_ENCODE_ATTEMPTS; attempt++) {
    // 32 random bytes reduced mod p: p is 2^256 − 2^32 − 977, so the bias is below 2^-220.
    const u = Fp.create(bytesToBigInt(random.randbytes(32)));
    if (u === 0n) continue; // decode maps u = 0 to 1, so 0 cannot round-trip
    const t = ellswiftInverse(xv, u, random.randbits(3));
    if (t === undefined) continue;
    const out = new Uint8Array(ELLSWIFT_PUBKEY_BYTES);
    out.set(Fp.toBytes(u), 0);
    out.set(Fp.toBytes(t), 32);
    return out;
  }
  throw new ArgumentError(`no ElligatorSwift encoding found in ${MAX_ENCODE_ATTEMPTS} attempts: the random source is broken`);
}

/** A new ephemeral key pair: a private key drawn from `random` (rejection-sampled into [1, n-1]) and its encoding. */
export function generateEllSwiftKey(random: Random): EllSwiftKeyPair {
  for (;;) {
    const privateKey = random.randbytes(SECP256K1_SCALAR_BYTES);
    if (!secp256k1.utils.isValidSecretKey(privateKey)) continue;
    return { privateKey, publicKey: ellswiftEncode(xOnlyPublicKey(privateKey), random) };
  }
}

/** x(privateKey · lift_x(decode(theirs))): the raw x-only ECDH result (BIP324's `mid_x_shared`). */
export function ellswiftEcdhX(privateKey: Uint8Array, theirs: Uint8Array): Uint8Array {
  checkLength('private key', privateKey, SECP256K1_SCALAR_BYTES);
  checkLength('their ElligatorSwift key', theirs, ELLSWIFT_PUBKEY_BYTES);
  if (!secp256k1.utils.isValidSecretKey(privateKey)) throw new ArgumentError('private key is not in [1, n-1]');
  return elligatorSwift.getSharedSecret(privateKey, theirs);
}

/**
 * BIP324's shared secret (Core `CKey::ComputeBIP324ECDHSecret`): the tagged hash
 * `bip324_ellswift_xonly_ecdh` of initiator key ‖ responder key ‖ x-only ECDH result, the keys being
 * the 64-byte encodings as sent on the wire.
 */
export function bip324SharedSecret(privateKey: Uint8Array, ours: Uint8Array, theirs: Uint8Array, initiating: boolean): Uint8Array {
  checkLength('our ElligatorSwift key', ours, ELLSWIFT_PUBKEY_BYTES);
  const x = ellswiftEcdhX(privateKey, theirs);
  const [first, second] = initiating ? [ours, theirs] : [theirs, ours];
  const data = new Uint8Array(64 + 2 * ELLSWIFT_PUBKEY_BYTES + SECP256K1_SCALAR_BYTES);
  data.set(ECDH_TAG_HASH, 0);
  data.set(ECDH_TAG_HASH, 32);
  data.set(first, 64);
  data.set(second, 64 + ELLSWIFT_PUBKEY_BYTES);
  data.set(x, 64 + 2 * ELLSWIFT_PUBKEY_BYTES);
  return sha256(data);
}
