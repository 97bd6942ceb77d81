/**
 * Mutations for the fuzzer, from a valid encoding to a hostile one. Three families:
 *
 * - bytes: AFL-style havoc — bit flips, random and "interesting" bytes and integers (limits of the
 *   protocol: 1000/1001 addresses, 50,000/50,001 inventory entries, 512/513-byte addresses, 4,000,000
 *   bytes, MAX_SIZE 0x02000000, sign boundaries), CompactSize prefixes with those values, inserted,
 *   deleted, duplicated and truncated ranges, and splices with other corpus entries;
 * - text: the byte mutations plus tokens from the target's dictionary (`::`, `.onion`, `/33`, …);
 * - JSON: the document is parsed and one node replaced — by a value of another type, a huge or
 *   fractional number, a string from the dictionary, deep nesting — or a key added or removed, then
 *   serialised again (with a chance of byte mutations on top).
 *
 * Several mutations are stacked per input (1 to 8, fewer more often), so most inputs stay close to
 * the valid ones and get past the first checks of the decoder.
 */
import type { FuzzRng } from './rng.js';

/** Byte values at edges: zero, one, sign bits, CompactSize markers, all ones. */
const INTERESTING_8 = [0x00, 0x01, 0x02, 0x04, 0x10, 0x20, 0x3f, 0x40, 0x7e, 0x7f, 0x80, 0x81, 0xc0, 0xfc, 0xfd, 0xfe, 0xff];
/** Multi-byte values at the protocol's limits and at integer edges. */
const INTERESTING_INTS = [
  0, 1, 0x7f, 0x80, 0xff, 0x100, 252, 253, 254, 255, 256, 257, 511, 512, 513, 999, 1000, 1001, 0x7fff, 0x8000, 0xffff, 0x10000,
  49_999, 50_000, 50_001, 4_000_000, 4_000_001, 0x01ffffff, 0x02000000, 0x02000001, 0x3fffffff, 0x40000000, 0x7fffffff,
  0x80000000, 0xfffffffe, 0xffffffff,
];
const INTERESTING_64 = [0n, 1n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0x100000000n, BigInt(Number.MAX_SAFE_INTEGER) + 1n];

/** Replaces bytes [at, at + n) of a copy of `input` with `patch` (growing it when needed). */
function overwrite(input: Uint8Array, at: number, patch: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(input.length, at + patch.length));
  out.set(input);
  out.set(patch, at);
  return out;
}

function insert(input: Uint8Array, at: number, patch: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length + patch.length);
  out.set(input.subarray(0, at));
  out.set(patch, at);
  out.set(input.subarray(at), at + patch.length);
  return out;
}

function le(value: number | bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let v = BigInt.asUintN(width * 8, BigInt(value));
  for (let i = 0; i < width; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** A CompactSize for `n` in a random (possibly non-canonical) width. */
function compactSize(rng: FuzzRng, n: number | bigint): Uint8Array {
  const width = rng.pick([1, 3, 5, 9]);
  if (width === 1) return Uint8Array.of(Number(BigInt.asUintN(8, BigInt(n))));
  const marker = width === 3 ? 0xfd : width === 5 ? 0xfe : 0xff;
  return Uint8Array.of(marker, ...le(n, width - 1));
}

/** One byte-level mutation of `input`; `other` is another corpus entry for splicing. */
export function mutateBytesOnce(rng: FuzzRng, input: Uint8Array, other: Uint8Array): Uint8Array {
  const len = input.length;
  const pos = (): number => rng.below(len + 1);
  const at = (): number => (len === 0 ? 0 : rng.below(len));
  switch (rng.below(16)) {
    case 0: { // flip a bit
      if (len === 0) return rng.bytes(1);
      const out = input.slice();
      const i = at();
      out[i] ^= 1 << rng.below(8);
      return out;
    }
    case 1: { // random byte
      if (len === 0) return rng.bytes(1);
      const out = input.slice();
      out[at()] = rng.below(256);
      return out;
    }
    case 2: { // interesting byte
      if (len === 0) return Uint8Array.of(rng.pick(INTERESTING_8));
      const out = input.slice();
      out[at()] = rng.pick(INTERESTING_8);
      return out;
    }
    case 3: // interesting 16/32-bit integer, little-endian
      return overwrite(input, at(), le(rng.pick(INTERESTING_INTS), rng.pick([2, 4])));
    case 4: // interesting 64-bit integer
      return overwrite(input, at(), le(rng.pick(INTERESTING_64), 8));
    case 5: // CompactSize with an interesting value
      return rng.chance(0.5) ? overwrite(input, at(), compactSize(rng, rng.pick(INTERESTING_INTS)))
        : insert(input, pos(), compactSize(rng, rng.pick(INTERESTING_INTS)));
    case 6: // insert random bytes
      return insert(input, pos(), rng.bytes(rng.between(1, 16)));
    case 7: { // delete a range
      if (len === 0) return input;
      const start = at();
      const n = rng.between(1, Math.min(len - start, rng.chance(0.8) ? 8 : 512));
      const out = new Uint8Array(len - n);
      out.set(input.subarray(0, start));
      out.set(input.subarray(start + n), start);
      return out;
    }
    case 8: { // duplicate a range elsewhere
      if (len === 0) return input;
      const start = at();
      const n = rng.between(1, Math.min(len - start, 64));
      return insert(input, pos(), input.slice(start, start + n));
    }
    case 9: // truncate
      return input.slice(0, pos());
    case 10: // append random bytes
      return insert(input, len, rng.bytes(rng.between(1, 32)));
    case 11: { // splice: our prefix, their suffix
      const cut = pos();
      const theirs = rng.below(other.length + 1);
      const out = new Uint8Array(cut + other.length - theirs);
      out.set(input.subarray(0, cut));
      out.set(other.subarray(theirs), cut);
      return out;
    }
    case 12: { // copy a chunk of another entry over ours
      if (other.length === 0) return input;
      const start = rng.below(other.length);
      const n = rng.between(1, Math.min(other.length - start, 64));
      return overwrite(input, at(), other.subarray(start, start + n));
    }
    case 13: { // small arithmetic on a byte
      if (len === 0) return input;
      const out = input.slice();
      const i = at();
      out[i] = (out[i] + rng.between(-16, 16)) & 0xff;
      return out;
    }
    case 14: { // run of one byte (long strings, zero padding)
      const n = rng.chance(0.9) ? rng.between(1, 64) : rng.between(65, 2048);
      return insert(input, pos(), new Uint8Array(n).fill(rng.pick(INTERESTING_8)));
    }
    default: { // swap two bytes
      if (len < 2) return input;
      const out = input.slice();
      const i = at();
      const j = at();
      [out[i], out[j]] = [out[j], out[i]];
      return out;
    }
  }
}

/** Stacks 1–8 byte mutations (fewer more often). */
export function mutateBytes(rng: FuzzRng, input: Uint8Array, other: Uint8Array): Uint8Array {
  let out = input;
  const rounds = 1 << rng.below(4);
  for (let i = 0; i < rounds; i++) out = mutateBytesOnce(rng, out, other);
  return out;
}

const encoder = new TextEncoder();

/** Byte mutations, or a dictionary token inserted, replacing a span, or repeated. */
export function mutateText(rng: FuzzRng, input: Uint8Array, other: Uint8Array, dictionary: readonly string[]): Uint8Array {
  if (dictionary.length === 0 || rng.chance(0.4)) return mutateBytes(rng, input, other);
  const token = encoder.encode(rng.pick(dictionary));
  const at = rng.below(input.length + 1);
  switch (rng.below(3)) {
    case 0:
      return insert(input, at, token);
    case 1: {
      const end = Math.min(input.length, at + rng.between(0, 8));
      const out = new Uint8Array(input.length - (end - at) + token.length);
      out.set(input.subarray(0, at));
      out.set(token, at);
      out.set(input.subarray(end), at + token.length);
      return out;
    }
    default: {
      const times = rng.chance(0.9) ? rng.between(2, 8) : rng.between(100, 2000);
      const rep = new Uint8Array(token.length * times);
      for (let i = 0; i < times; i++) rep.set(token, i * token.length);
      return insert(input, at, rep);
    }
  }
}

/** Numbers JSON can carry that decoders get wrong: fractions, negatives, beyond 2^53, extremes. */
const JSON_NUMBERS = [0, -0, 1, -1, 0.5, -1.5, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, 5e-324];
/** Number texts JSON.stringify cannot produce (they are spliced in as text). */
const JSON_NUMBER_TEXTS = ['1e400', '-1e400', '1' + '0'.repeat(400), '0.' + '0'.repeat(30) + '1', '123456789012345678901234567890', '-0.0', '1E+2'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function randomJson(rng: FuzzRng, dictionary: readonly string[], depth = 0): Json {
  switch (rng.below(depth > 2 ? 5 : 8)) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick(JSON_NUMBERS);
    case 3: return dictionary.length > 0 ? rng.pick(dictionary) : '';
    case 4: return String.fromCharCode(...rng.bytes(rng.below(12)));
    case 5: return Array.from({ length: rng.below(4) }, () => randomJson(rng, dictionary, depth + 1));
    case 6: {
      const o: Record<string, Json> = {};
      for (let i = rng.below(4); i > 0; i--) o[dictionary.length > 0 && rng.chance(0.7) ? rng.pick(dictionary) : `k${i}`] = randomJson(rng, dictionary, depth + 1);
      return o;
    }
    default: {
      let v: Json = [];
      for (let i = rng.between(2, rng.chance(0.9) ? 40 : 700); i > 0; i--) v = [v];
      return v;
    }
  }
}

/** Every container node of a document (arrays and objects), with the document itself first. */
function containers(root: Json): Array<Json[] | Record<string, Json>> {
  const out: Array<Json[] | Record<string, Json>> = [];
  const stack: Json[] = [root];
  while (stack.length > 0 && out.length < 10_000) {
    const v = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    out.push(v);
    for (const c of Array.isArray(v) ? v : Object.values(v)) stack.push(c);
  }
  return out;
}

/** One structural change to a parsed document; returns the new document. */
function mutateJsonTree(rng: FuzzRng, doc: Json, dictionary: readonly string[]): Json {
  const nodes = containers(doc);
  if (nodes.length === 0 || rng.chance(0.05)) return randomJson(rng, dictionary);
  const node = rng.pick(nodes);
  if (Array.isArray(node)) {
    const i = rng.below(node.length + 1);
    switch (rng.below(4)) {
      case 0: if (node.length > 0) node.splice(rng.below(node.length), 1); break;
      case 1: if (node.length > 0) node.splice(i, 0, structuredClone(node[rng.below(node.length)])); break;
      case 2: node.splice(i, 0, randomJson(rng, dictionary)); break;
      default: if (node.length > 0) node[rng.below(node.length)] = randomJson(rng, dictionary);
    }
  } else {
    const keys = Object.keys(node);
    switch (rng.below(3)) {
      case 0: if (keys.length > 0) delete node[rng.pick(keys)]; break;
      case 1: node[dictionary.length > 0 && rng.chance(0.8) ? rng.pick(dictionary) : `x${rng.below(10)}`] = randomJson(rng, dictionary); break;
      default: if (keys.length > 0) node[rng.pick(keys)] = randomJson(rng, dictionary);
    }
  }
  return doc;
}

const decoder = new TextDecoder();

/**
 * A JSON-aware mutation: parse, change 1–4 nodes, serialise (sometimes splicing in a number text
 * JSON.stringify cannot write); inputs that do not parse get text mutations instead.
 */
export function mutateJson(rng: FuzzRng, input: Uint8Array, other: Uint8Array, dictionary: readonly string[]): Uint8Array {
  if (rng.chance(0.15)) return mutateText(rng, input, other, dictionary);
  let doc: Json;
  try {
    doc = JSON.parse(decoder.decode(input)) as Json;
  } catch {
    return mutateText(rng, input, other, dictionary);
  }
  for (let i = 1 << rng.below(3); i > 0; i--) doc = mutateJsonTree(rng, doc, dictionary);
  let text = JSON.stringify(doc) ?? 'null';
  if (rng.chance(0.1)) {
    const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
    if (numbers.length > 0) {
      const m = rng.pick(numbers);
      text = text.slice(0, m.index) + rng.pick(JSON_NUMBER_TEXTS) + text.slice(m.index! + m[0].length);
    }
  }
  const out = encoder.encode(text);
  return rng.chance(0.1) ? mutateText(rng, out, other, dictionary) : out;
}
