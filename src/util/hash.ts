/**
 * Hashes: SHA-256, double SHA-256 (Core's `Hash`/`HashWriter`), SHA3-256 (Tor v3 checksums) and
 * Core's "cheap hash" used for addrman bucketing.
 *
 * Why a JavaScript SHA-256 next to `node:crypto`: addrman hashes a few dozen bytes three to six times
 * per insertion, and `createHash()` costs about a microsecond per call in object setup alone, which
 * would blow the ≤3 µs/address budget. Short inputs (≤ SHORT_INPUT_LIMIT bytes) go through an
 * allocation-free compression function; anything longer goes to OpenSSL. Property tests check both
 * paths against `node:crypto`.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';

/** Inputs up to this many bytes are hashed in JavaScript; longer ones by OpenSSL. */
export const SHORT_INPUT_LIMIT = 256;

/** SHA-256 round constants (FIPS 180-4 §4.2.2), as signed 32-bit words. */
export const SHA256_K: Int32Array = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
/** SHA-256 initial hash value (FIPS 180-4 §5.3.3), as signed 32-bit words. */
export const SHA256_IV: Int32Array = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

// Scratch state shared by the synchronous functions below (JavaScript is single-threaded per isolate).
const W = new Int32Array(64);
const S = new Int32Array(8);
const TAIL = new Uint8Array(128);

/** Runs the compression function over W[0..15] (already loaded), updating S. */
function compressW(): void {
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15];
    const w2 = W[t - 2];
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
  }
  let a = S[0], b = S[1], c = S[2], d = S[3], e = S[4], f = S[5], g = S[6], h = S[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + SHA256_K[t] + W[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  S[0] = (S[0] + a) | 0; S[1] = (S[1] + b) | 0; S[2] = (S[2] + c) | 0; S[3] = (S[3] + d) | 0;
  S[4] = (S[4] + e) | 0; S[5] = (S[5] + f) | 0; S[6] = (S[6] + g) | 0; S[7] = (S[7] + h) | 0;
}

function loadBlock(src: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] = (src[j] << 24) | (src[j + 1] << 16) | (src[j + 2] << 8) | src[j + 3];
  }
}

/** Hashes data[0..len) into S (JavaScript path, any length). */
function sha256Into(data: Uint8Array, len: number): void {
  S.set(SHA256_IV);
  const full = len - (len % 64);
  for (let off = 0; off < full; off += 64) {
    loadBlock(data, off);
    compressW();
  }
  const rest = len - full;
  TAIL.fill(0);
  for (let i = 0; i < rest; i++) TAIL[i] = data[full + i];
  TAIL[rest] = 0x80;
  const tailLen = rest < 56 ? 64 : 128;
  const bits = len * 8;
  // Message length in bits, big-endian, in the last 8 bytes (inputs here are far below 2^32 bits).
  TAIL[tailLen - 4] = (bits >>> 24) & 0xff;
  TAIL[tailLen - 3] = (bits >>> 16) & 0xff;
  TAIL[tailLen - 2] = (bits >>> 8) & 0xff;
  TAIL[tailLen - 1] = bits & 0xff;
  TAIL[tailLen - 5] = Math.floor(bits / 2 ** 32) & 0xff;
  loadBlock(TAIL, 0);
  compressW();
  if (tailLen === 128) {
    loadBlock(TAIL, 64);
    compressW();
  }
}

/** Hashes the 32-byte digest currently in S again (the second round of SHA256d), in place. */
function rehashState(): void {
  for (let i = 0; i < 8; i++) W[i] = S[i];
  W[8] = 0x80000000 | 0;
  W[9] = W[10] = W[11] = W[12] = W[13] = W[14] = 0;
  W[15] = 256;
  S.set(SHA256_IV);
  compressW();
}

function stateToBytes(): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = S[i];
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = (v >>> 16) & 0xff;
    out[i * 4 + 2] = (v >>> 8) & 0xff;
    out[i * 4 + 3] = v & 0xff;
  }
  return out;
}

/**
 * OpenSSL's SHA-256 of `data` as a Buffer: the one-shot `crypto.hash()` where Node has it (≥ 20.12;
 * no Hash object per call), else `createHash`.
 */
export const opensslSha256: (data: Uint8Array) => Buffer = typeof oneShotHash === 'function'
  ? (data) => oneShotHash('sha256', data, 'buffer')
  : (data) => createHash('sha256').update(data).digest();

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  if (data.length > SHORT_INPUT_LIMIT) return new Uint8Array(opensslSha256(data));
  sha256Into(data, data.length);
  return stateToBytes();
}

/** Double SHA-256 (Core's `Hash()` / `HashWriter::GetHash()`), as raw digest bytes. */
export function sha256d(data: Uint8Array): Uint8Array {
  if (data.length > SHORT_INPUT_LIMIT) return new Uint8Array(opensslSha256(opensslSha256(data)));
  sha256Into(data, data.length);
  rehashState();
  return stateToBytes();
}

/** SHA256d of no bytes begins 5d f6 e0 e2 (the checksum of every empty P2P message). */
const EMPTY_PAYLOAD_CHECKSUM = 0x5df6e0e2;

/**
 * The first 4 bytes of SHA256d(`data`) read big-endian as an unsigned 32-bit number — the P2P message
 * checksum (Core `CMessageHeader::pchChecksum`) without allocating a digest: inputs up to
 * SHORT_INPUT_LIMIT bytes are hashed in the shared JavaScript state.
 */
export function sha256dChecksum(data: Uint8Array): number {
  // verack, sendaddrv2, wtxidrelay, getaddr, sendheaders: a third of a handshake's messages are empty.
  if (data.length === 0) return EMPTY_PAYLOAD_CHECKSUM;
  if (data.length > SHORT_INPUT_LIMIT) return checksumOfFirstDigest(opensslSha256(data));
  sha256Into(data, data.length);
  rehashState();
  return S[0] >>> 0;
}

/** `sha256dChecksum` given the first SHA-256 digest (from an incremental hash of a large payload). */
export function checksumOfFirstDigest(firstDigest: Uint8Array): number {
  if (firstDigest.length !== 32) throw new RangeError(`a SHA-256 digest is 32 bytes, got ${firstDigest.length}`);
  sha256Into(firstDigest, 32);
  return S[0] >>> 0;
}

/**
 * The low 32 bits of Core's `HashWriter::GetCheapHash()` (LE64 of the first 8 digest bytes) over
 * data[0..len). Bucket maths only ever reduces the cheap hash modulo a power of two ≤ 2^10, so the
 * low word is all it needs. Allocation-free; `len` must be ≤ SHORT_INPUT_LIMIT.
 */
export function cheapHashLow32(data: Uint8Array, len: number): number {
  sha256Into(data, len);
  rehashState();
  const h0 = S[0];
  // First digest bytes are h0 big-endian; read little-endian that is the byte-swap of h0.
  return (((h0 & 0xff) << 24) | ((h0 >>> 8) & 0xff) << 16 | ((h0 >>> 16) & 0xff) << 8 | (h0 >>> 24)) >>> 0;
}

/** SHA3-256 (FIPS 202), used by Tor v3 address checksums. */
export function sha3_256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha3-256').update(data).digest());
}
