/**
 * Asmap: Bitcoin Core's compact IP-prefix → AS-number map (`-asmap`), decoded, validated and looked up
 * without expanding it (Core src/util/asmap.cpp, src/netgroup.cpp; encoder contrib/asmap/asmap.py).
 *
 * Why: bucketing and outbound diversity by /16 let one autonomous system that owns many /16s look like
 * many independent operators. With an asmap, IPv4/IPv6 peers are grouped by the AS that announces them,
 * so an attacker must control many ASes, not merely many prefixes, to fill our tables.
 *
 * Format: the file is a bit stream (bit i = byte ⌊i/8⌋ bit i mod 8, least significant bit first) holding
 * a tiny program that walks the 128 bits of an IPv6-form address, most significant bit first (IPv4 is
 * looked up as ::ffff:a.b.c.d). Four instructions, each a type code followed by one argument:
 *
 * | type   | code  | argument | effect                                                                |
 * |--------|-------|----------|-----------------------------------------------------------------------|
 * | RETURN | `0`   | ASN      | the answer is ASN                                                     |
 * | JUMP   | `10`  | offset   | consume one input bit; if 1, skip `offset` bits (the 0-branch)        |
 * | MATCH  | `110` | pattern  | consume n bits; if they differ from the pattern, answer the default   |
 * | DEFAULT| `111` | ASN      | the answer for a failed MATCH from here on (initially 0 = unmapped)   |
 *
 * Arguments use one variable-length scheme (`VarLenCode`, asmap.py `_VarLenCoder`): a value falls in class k of a table of class
 * sizes; it is written as k one-bits, a zero-bit unless k is the last class, then its offset inside the
 * class in big-endian bits. ASNs therefore cost 16 bits for ASN ≤ 32768, and at most 2^25 − 2^15 is
 * encodable. A MATCH pattern is a number whose highest set bit is a sentinel: `0b1xyz` matches the three
 * input bits x, y, z. Real maps are ~1–2 MB (≈10^7 bits); a lookup follows a single path through them.
 *
 * Validation (Core `SanityCheckASMap`) proves, before any lookup, that every path ends in a RETURN
 * without reading more than 128 input bits, that jumps land exactly on instruction boundaries, and that
 * at most 7 zero padding bits follow the program; after it `lookup` cannot fail. The peers.dat checksum
 * (Core `GetAsmapChecksum`, v0.21–v28 era) hashes the loaded `std::vector<bool>`, so it covers padding too.
 */
import { ArgumentError, PeerbookError } from '../util/errors.js';
import { sha256d } from '../util/hash.js';

/** Input bits of a lookup key: an IPv6 address, IPv4 as ::ffff:a.b.c.d (Core DecodeAsmap passes 128). */
export const ASMAP_KEY_BITS = 128;

/** Bytes in a lookup key. */
export const ASMAP_KEY_BYTES = ASMAP_KEY_BITS / 8;

/** Zero bits allowed after the final RETURN: at most the rest of the last byte (Core: `endpos - pos > 7`). */
export const MAX_ASMAP_PADDING_BITS = 7;

/** Thrown for a malformed asmap (code `ERR_ASMAP`); the message names the problem and its bit offset. */
export class AsmapError extends PeerbookError {
  /** @param message what is wrong and at which bit, e.g. "asmap: jump target beyond end at bit 123". */
  constructor(message: string) {
    super('ERR_ASMAP', message);
  }
}

// ---------------------------------------------------------------------------------------------------
// Instruction set and argument codes (Core util/asmap.cpp Instruction, *_BIT_SIZES; asmap.py _CODER_*)

const Op = { RETURN: 0, JUMP: 1, MATCH: 2, DEFAULT: 3 } as const;
type OpCode = (typeof Op)[keyof typeof Op];

/** One variable-length integer code: values from `min`, in classes of 2^classBits[k] values each. */
interface VarLenCode {
  readonly min: number;
  /** Bits of the offset within each class (every width here is ≤ 30, so int32 shifts are safe). */
  readonly classBits: readonly number[];
  /** 2^classBits[k]: the number of values in class k. */
  readonly classSizes: readonly number[];
  /** Largest encodable value: min + Σ 2^classBits[k] − 1. */
  readonly max: number;
}

function varLenCode(min: number, classBits: readonly number[]): VarLenCode {
  const classSizes = classBits.map((b) => 2 ** b);
  return { min, classBits, classSizes, max: min + classSizes.reduce((sum, n) => sum + n, 0) - 1 };
}

const bitRange = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Instruction type: RETURN `0`, JUMP `10`, MATCH `110`, DEFAULT `111` (Core TYPE_BIT_SIZES {0,0,1}). */
const TYPE_CODE = varLenCode(0, [0, 0, 1]);
/** ASNs from 1: 16 bits up to 32768, then classes of 2^16 … 2^24 (Core ASN_BIT_SIZES 15..24). */
const ASN_CODE = varLenCode(1, bitRange(15, 24));
/** MATCH patterns from 2 (one input bit) to 511 (eight input bits) (Core MATCH_BIT_SIZES 1..8). */
const MATCH_CODE = varLenCode(2, bitRange(1, 8));
/** JUMP offsets from 17, the smallest subprogram (RETURN of a 16-bit ASN) (Core JUMP_BIT_SIZES 5..30). */
const JUMP_CODE = varLenCode(17, bitRange(5, 30));

/** Largest ASN the format can hold: 2^25 − 2^15 = 33 521 664. */
export const ASMAP_MAX_ASN = ASN_CODE.max;

/** Longest MATCH: the sentinel plus eight pattern bits. A shorter one is "incomplete". */
const MATCH_MAX_BITS = 8;

/** Marks a value whose bits ran past the end of the map (Core `INVALID`). */
const TRUNCATED = -1;

/** Reads the map's bits in file order (LSB first within each byte, as Core DecodeAsmap loads them). */
class BitCursor {
  pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    readonly end: number,
  ) {}

  bit(): number {
    const i = this.pos++;
    return (this.bytes[i >>> 3] >>> (i & 7)) & 1;
  }

  /** Core `DecodeBits`: the next value in `code`, or TRUNCATED if the map ends first. */
  decode(code: VarLenCode): number {
    let value = code.min;
    const last = code.classBits.length - 1;
    let k = 0;
    // Class prefix: a one-bit per class skipped; the last class needs no terminating zero.
    for (; k < last; k++) {
      if (this.pos >= this.end) return TRUNCATED;
      if (!this.bit()) break;
      value += code.classSizes[k];
    }
    const width = code.classBits[k];
    if (this.end - this.pos < width) return TRUNCATED;
    let offset = 0;
    for (let b = 0; b < width; b++) offset = (offset << 1) | this.bit(); // big-endian
    return value + offset;
  }

  /** `decode(TYPE_CODE)` unrolled, as lookups decode one type per instruction: 0, 10, 110, 111. */
  decodeType(): number {
    const left = this.end - this.pos;
    if (left < 1) return TRUNCATED;
    if (!this.bit()) return Op.RETURN;
    if (left < 2) return TRUNCATED;
    if (!this.bit()) return Op.JUMP;
    if (left < 3) return TRUNCATED;
    return this.bit() ? Op.DEFAULT : Op.MATCH;
  }
}

/** Number of pattern bits in a MATCH argument: the bits below its highest set bit (bit_width − 1). */
function matchLength(pattern: number): number {
  return 31 - Math.clz32(pattern);
}

/** Bit `i` (0 = most significant) of a 16-byte key, the order Core GetMappedAS builds `ip_bits` in. */
function keyBit(key: Uint8Array, i: number): number {
  return (key[i >>> 3] >>> (7 - (i & 7))) & 1;
}

// ---------------------------------------------------------------------------------------------------
// Validation (Core util/asmap.cpp SanityCheckASMap)

/**
 * Walks every path of the program once, in file order: a JUMP pushes its target (and the input bits
 * left there); a RETURN pops to the innermost pending target, which must start exactly where the RETURN
 * ended. Also rejects the redundant forms Core's encoder never emits (DEFAULT then RETURN, two DEFAULTs,
 * two incomplete MATCHes in a row), so a map has one canonical encoding per program shape.
 */
function sanityCheck(bytes: Uint8Array, inputBits: number): void {
  const end = bytes.length * 8;
  if (end === 0) throw new AsmapError('asmap: empty map (0 bytes)');
  const at = new BitCursor(bytes, end);
  const targets: number[] = []; // pending jump targets, innermost last (strictly decreasing)
  const bitsAtTarget: number[] = []; // input bits left when execution resumes at each target
  let bits = inputBits;
  let prev: OpCode = Op.JUMP;
  let hadIncompleteMatch = false;
  while (at.pos < end) {
    const start = at.pos;
    const pendingTarget = targets.length > 0 ? targets[targets.length - 1] : undefined;
    if (pendingTarget !== undefined && start >= pendingTarget) {
      throw new AsmapError(`asmap: instruction at bit ${start} runs into jump target at bit ${pendingTarget}`);
    }
    const op = at.decodeType();
    if (op === TRUNCATED) throw new AsmapError(`asmap: truncated instruction at bit ${start}`);
    switch (op as OpCode) {
      case Op.RETURN: {
        if (prev === Op.DEFAULT) throw new AsmapError(`asmap: RETURN directly after DEFAULT at bit ${start}`);
        if (at.decode(ASN_CODE) === TRUNCATED) throw new AsmapError(`asmap: truncated RETURN ASN at bit ${start}`);
        if (pendingTarget === undefined) {
          const padding = end - at.pos;
          if (padding > MAX_ASMAP_PADDING_BITS) {
            throw new AsmapError(`asmap: ${padding} bits after the final RETURN at bit ${start} (at most ${MAX_ASMAP_PADDING_BITS} padding bits)`);
          }
          while (at.pos < end) {
            const i = at.pos;
            if (at.bit()) throw new AsmapError(`asmap: non-zero padding bit at bit ${i}`);
          }
          return;
        }
        if (at.pos !== pendingTarget) {
          throw new AsmapError(`asmap: unreachable code at bit ${at.pos} before jump target at bit ${pendingTarget}`);
        }
        targets.pop();
        bits = bitsAtTarget.pop()!;
        prev = Op.JUMP; // continue as if the JUMP had just been taken
        break;
      }
      case Op.JUMP: {
        const offset = at.decode(JUMP_CODE);
        if (offset === TRUNCATED) throw new AsmapError(`asmap: truncated JUMP offset at bit ${start}`);
        if (offset > end - at.pos) throw new AsmapError(`asmap: jump target beyond end at bit ${start}`);
        if (bits === 0) throw new AsmapError(`asmap: JUMP at bit ${start} reads past the ${inputBits} input bits`);
        bits--;
        const target = at.pos + offset;
        if (pendingTarget !== undefined && target >= pendingTarget) {
          throw new AsmapError(`asmap: JUMP at bit ${start} targets bit ${target}, past the enclosing jump target at bit ${pendingTarget}`);
        }
        targets.push(target);
        bitsAtTarget.push(bits);
        prev = Op.JUMP;
        break;
      }
      case Op.MATCH: {
        const pattern = at.decode(MATCH_CODE);
        if (pattern === TRUNCATED) throw new AsmapError(`asmap: truncated MATCH pattern at bit ${start}`);
        const len = matchLength(pattern);
        if (prev !== Op.MATCH) hadIncompleteMatch = false;
        if (len < MATCH_MAX_BITS && hadIncompleteMatch) {
          throw new AsmapError(`asmap: second incomplete MATCH in a row at bit ${start} (should be merged)`);
        }
        hadIncompleteMatch = len < MATCH_MAX_BITS;
        if (bits < len) throw new AsmapError(`asmap: MATCH at bit ${start} reads past the ${inputBits} input bits`);
        bits -= len;
        prev = Op.MATCH;
        break;
      }
      case Op.DEFAULT: {
        if (prev === Op.DEFAULT) throw new AsmapError(`asmap: two DEFAULTs in a row at bit ${start}`);
        if (at.decode(ASN_CODE) === TRUNCATED) throw new AsmapError(`asmap: truncated DEFAULT ASN at bit ${start}`);
        prev = Op.DEFAULT;
        break;
      }
    }
  }
  throw new AsmapError(`asmap: program ends without RETURN at bit ${end}`);
}

// ---------------------------------------------------------------------------------------------------
// The map

/** A validated asmap. Immutable; lookups allocate nothing but a cursor. */
export class Asmap {
  /** Number of bits in the map: file bytes × 8, padding included (Core loads whole bytes). */
  readonly bitLength: number;
  private readonly bytes: Uint8Array;
  private cachedChecksum: Uint8Array | undefined;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.bitLength = bytes.length * 8;
  }

  /**
   * Loads raw asmap file bytes, validating like Core's `SanityCheckASMap(bits, 128)` (which Core runs in
   * `DecodeAsmap`). The bytes are copied.
   * @throws AsmapError naming the first problem and its bit offset.
   */
  static fromBytes(bytes: Uint8Array): Asmap {
    const copy = Uint8Array.from(bytes);
    sanityCheck(copy, ASMAP_KEY_BITS);
    return new Asmap(copy);
  }

  /**
   * Core `Interpret()`: the ASN announcing a 16-byte IPv6-form address (IPv4 as ::ffff:a.b.c.d; see
   * `NetAddress.asmapKey()`), or 0 when the map leaves it unmapped.
   * @throws ArgumentError unless `ip16` has 16 bytes.
   */
  lookup(ip16: Uint8Array): number {
    if (ip16.length !== ASMAP_KEY_BYTES) {
      throw new ArgumentError(`asmap lookup key must be ${ASMAP_KEY_BYTES} bytes, got ${ip16.length}`);
    }
    const at = new BitCursor(this.bytes, this.bitLength);
    let consumed = 0; // input bits used so far
    let defaultAsn = 0;
    while (at.pos < at.end) {
      const op = at.decodeType();
      if (op === Op.RETURN) {
        const asn = at.decode(ASN_CODE);
        if (asn !== TRUNCATED) return asn;
      } else if (op === Op.JUMP) {
        const offset = at.decode(JUMP_CODE);
        if (offset !== TRUNCATED && consumed < ASMAP_KEY_BITS && offset < at.end - at.pos) {
          if (keyBit(ip16, consumed++)) at.pos += offset;
          continue;
        }
      } else if (op === Op.MATCH) {
        const pattern = at.decode(MATCH_CODE);
        const len = pattern === TRUNCATED ? 0 : matchLength(pattern);
        if (pattern !== TRUNCATED && consumed + len <= ASMAP_KEY_BITS) {
          for (let b = len - 1; b >= 0; b--) {
            if (keyBit(ip16, consumed++) !== ((pattern >>> b) & 1)) return defaultAsn;
          }
          continue;
        }
      } else if (op === Op.DEFAULT) {
        defaultAsn = at.decode(ASN_CODE);
        if (defaultAsn !== TRUNCATED) continue;
      }
      break;
    }
    // Core asserts here; fromBytes's validation makes it unreachable.
    throw new AsmapError(`asmap: lookup ran off the program at bit ${at.pos} (map failed to validate?)`);
  }

  /**
   * The 32 bytes Core writes after the buckets in peers.dat (format ≥ 2) to notice an asmap change:
   * `SerializeHash(m_asmap)` in v0.21 addrman.h, later `NetGroupManager::GetAsmapChecksum()` =
   * `(HashWriter{} << m_asmap).GetHash()`, both over the `std::vector<bool>`. serialize.h writes a
   * vector<bool> as CompactSize(bit count) then one byte 0x00/0x01 per bit, so:
   *
   *   checksum = SHA256(SHA256(CompactSize(bitLength) ‖ b₀ ‖ b₁ ‖ … ‖ b_{bitLength−1}))
   *
   * with bᵢ = bit i in load order (LSB first within each file byte), as raw digest bytes (uint256 memory
   * order). Core writes 32 zero bytes when no asmap is loaded; that case has no `Asmap` object.
   * (Newest Core master keeps the raw bytes and hashes them instead — `AsmapVersion()` = SHA256d(file
   * bytes) — a different value; this is the vector<bool> form.)
   * Computed on first use (a 1.5 MB map hashes ~12 MB); returns a fresh copy.
   */
  get checksum(): Uint8Array {
    if (!this.cachedChecksum) this.cachedChecksum = sha256d(serializeBitVector(this.bytes));
    return Uint8Array.from(this.cachedChecksum);
  }
}

/** Core serialize.h `Serialize(std::vector<bool>)` of the map's bits: CompactSize(n), then n bool bytes. */
function serializeBitVector(bytes: Uint8Array): Uint8Array {
  const n = bytes.length * 8;
  const header = compactSize(n);
  const out = new Uint8Array(header.length + n);
  out.set(header);
  for (let i = 0; i < n; i++) out[header.length + i] = (bytes[i >>> 3] >>> (i & 7)) & 1;
  return out;
}

/** Core WriteCompactSize for n < 2^53. */
function compactSize(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >>> 8);
  if (n <= 0xffffffff) return Uint8Array.of(0xfe, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  const out = new Uint8Array(9);
  out[0] = 0xff;
  new DataView(out.buffer).setBigUint64(1, BigInt(n), true);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Encoder (re-implementation of the algorithm of Core contrib/asmap/asmap.py: ASMap.update, _to_binnode,
// _BinNode.make_branch/make_default, to_binary with fill=False). Same input → same bytes.

/** Prefix-trie node: a leaf maps its whole range to `asn` (0 = unmapped); a branch splits on one bit. */
interface TrieNode {
  asn: number;
  children: [TrieNode, TrieNode] | null;
}

/** Encoded subprogram. END is the empty program ("no answer here": the caller's default applies). */
type BinNode =
  | { readonly op: 'END'; readonly size: 0 }
  | { readonly op: 'RETURN'; readonly asn: number; readonly size: number }
  | { readonly op: 'JUMP'; readonly zero: BinNode; readonly one: BinNode; readonly size: number }
  | { readonly op: 'MATCH'; readonly pattern: number; readonly sub: BinNode; readonly size: number }
  | { readonly op: 'DEFAULT'; readonly asn: number; readonly sub: BinNode; readonly size: number };

/** Bits `encode(code, value)` writes. */
function encodedSize(code: VarLenCode, value: number): number {
  let v = value - code.min;
  let bits = 0;
  for (let k = 0; k < code.classBits.length; k++) {
    const width = code.classBits[k];
    const last = k + 1 === code.classBits.length;
    if (v >= code.classSizes[k] && !last) {
      v -= code.classSizes[k];
      bits++;
    } else {
      return bits + (last ? 0 : 1) + width;
    }
  }
  return bits; // unreachable for values within [min, max]
}

const END: BinNode = { op: 'END', size: 0 };

function makeReturn(asn: number): BinNode {
  return { op: 'RETURN', asn, size: encodedSize(TYPE_CODE, Op.RETURN) + encodedSize(ASN_CODE, asn) };
}

function makeJump(zero: BinNode, one: BinNode): BinNode {
  const size = encodedSize(TYPE_CODE, Op.JUMP) + encodedSize(JUMP_CODE, zero.size) + zero.size + one.size;
  return { op: 'JUMP', zero, one, size };
}

function makeMatch(pattern: number, sub: BinNode): BinNode {
  return { op: 'MATCH', pattern, sub, size: encodedSize(TYPE_CODE, Op.MATCH) + encodedSize(MATCH_CODE, pattern) + sub.size };
}

/** A pattern that can take one more leading bit and still fit MATCH_CODE (≤ 7 pattern bits). */
const MATCH_EXTENDABLE_MAX = 0xff;

/**
 * Program for "next input bit 0 → `zero`, 1 → `one`". An END side becomes a MATCH on the other bit
 * (a failed MATCH yields the default, which is what END means); a MATCH below is extended by one bit.
 */
function makeBranch(zero: BinNode, one: BinNode): BinNode {
  if (zero.op === 'END' && one.op === 'END') return zero;
  if (zero.op === 'END') {
    if (one.op === 'MATCH' && one.pattern <= MATCH_EXTENDABLE_MAX) {
      return makeMatch(one.pattern + 2 ** (matchLength(one.pattern) + 1), one.sub); // prepend a 1 bit
    }
    return makeMatch(0b11, one);
  }
  if (one.op === 'END') {
    if (zero.op === 'MATCH' && zero.pattern <= MATCH_EXTENDABLE_MAX) {
      return makeMatch(zero.pattern + 2 ** matchLength(zero.pattern), zero.sub); // prepend a 0 bit
    }
    return makeMatch(0b10, zero);
  }
  return makeJump(zero, one);
}

/** Program `sub` run with default `asn` in force, without the redundant forms SanityCheck rejects. */
function makeDefault(asn: number, sub: BinNode): BinNode {
  if (sub.op === 'END') return makeReturn(asn);
  if (sub.op === 'RETURN' || sub.op === 'DEFAULT') return sub;
  return {
    op: 'DEFAULT',
    asn,
    sub,
    size: encodedSize(TYPE_CODE, Op.DEFAULT) + encodedSize(ASN_CODE, asn) + sub.size,
  };
}

/**
 * Context of an encoding: the default ASN it relies on being in force (0 = none, i.e. unmapped), or
 * ANY_CONTEXT when it is correct whatever the default is.
 */
type Context = number | typeof ANY_CONTEXT;
const ANY_CONTEXT = null;

interface Encodings {
  /** Smallest known program for each context worth keeping. */
  byContext: Map<Context, BinNode>;
  /** Whether the subtree contains unmapped space (then only context 0 and ANY are usable). */
  hole: boolean;
}

/** Orders contexts like asmap.py's `sorted(key=lambda x: (x is None, x))`: numbers ascending, ANY last. */
function contextOrder(a: Context, b: Context): number {
  if (a === ANY_CONTEXT) return b === ANY_CONTEXT ? 0 : 1;
  if (b === ANY_CONTEXT) return -1;
  return a - b;
}

/**
 * Dynamic programming over the trie: for each subtree, the smallest program per assumed default. A
 * leaf with ASN a is RETURN a in any context, or nothing at all (END) where the default already is a;
 * unmapped space is END where no default is in force. Ties keep the first candidate, in asmap.py's order.
 */
function encodeTrie(node: TrieNode): Encodings {
  if (!node.children) {
    if (node.asn === 0) return { byContext: new Map<Context, BinNode>([[0, END]]), hole: true };
    return {
      byContext: new Map<Context, BinNode>([
        [ANY_CONTEXT, makeReturn(node.asn)],
        [node.asn, END],
      ]),
      hole: false,
    };
  }
  const left = encodeTrie(node.children[0]);
  const right = encodeTrie(node.children[1]);
  const hole = left.hole || right.hole;
  let best = new Map<Context, BinNode>();
  const offer = (ctx: Context, candidate: BinNode): void => {
    const current = best.get(ctx);
    if (!current || candidate.size < current.size) best.set(ctx, candidate);
  };
  const contexts = [...new Set<Context>([...left.byContext.keys(), ...right.byContext.keys()])].sort(contextOrder);
  for (const ctx of contexts) {
    const l = left.byContext.get(ctx);
    const r = right.byContext.get(ctx);
    const lAny = left.byContext.get(ANY_CONTEXT);
    const rAny = right.byContext.get(ANY_CONTEXT);
    if (l && r) offer(ctx, makeBranch(l, r));
    if (lAny && r) offer(ctx, makeBranch(lAny, r));
    if (l && rAny) offer(ctx, makeBranch(l, rAny));
  }
  if (!hole) {
    // Any context-specific program becomes context-free by setting its default first.
    const specific = [...best.keys()].filter((c): c is number => c !== ANY_CONTEXT).sort((a, b) => a - b);
    for (const ctx of specific) offer(ANY_CONTEXT, makeDefault(ctx, best.get(ctx)!));
  }
  const anySize = best.get(ANY_CONTEXT)?.size;
  if (anySize !== undefined) {
    best = new Map([...best].filter(([ctx, enc]) => ctx === ANY_CONTEXT || enc.size < anySize));
  }
  if (hole) best = new Map([...best].filter(([ctx]) => ctx === ANY_CONTEXT || ctx === 0));
  return { byContext: best, hole };
}

/** Growable bit buffer packing bits LSB first, the file order Core reads. */
class BitWriter {
  private out = new Uint8Array(64);
  length = 0;

  push(bit: number): void {
    const byte = this.length >>> 3;
    if (byte >= this.out.length) {
      const next = new Uint8Array(this.out.length * 2);
      next.set(this.out);
      this.out = next;
    }
    if (bit) this.out[byte] |= 1 << (this.length & 7);
    this.length++;
  }

  /** asmap.py `_VarLenCoder.encode`: class prefix of ones, a zero unless last class, big-endian offset. */
  encode(code: VarLenCode, value: number): void {
    let v = value - code.min;
    const classes = code.classBits;
    for (let k = 0; k < classes.length; k++) {
      const width = classes[k];
      const last = k + 1 === classes.length;
      if (v >= code.classSizes[k] && !last) {
        v -= code.classSizes[k];
        this.push(1);
        continue;
      }
      if (!last) this.push(0);
      for (let b = width - 1; b >= 0; b--) this.push((v >>> b) & 1); // big-endian
      return;
    }
  }

  toBytes(): Uint8Array {
    return this.out.slice(0, (this.length + 7) >>> 3);
  }
}

function writeProgram(w: BitWriter, node: BinNode): void {
  switch (node.op) {
    case 'END':
      return;
    case 'RETURN':
      w.encode(TYPE_CODE, Op.RETURN);
      w.encode(ASN_CODE, node.asn);
      return;
    case 'JUMP':
      w.encode(TYPE_CODE, Op.JUMP);
      w.encode(JUMP_CODE, node.zero.size);
      writeProgram(w, node.zero);
      writeProgram(w, node.one);
      return;
    case 'MATCH':
      w.encode(TYPE_CODE, Op.MATCH);
      w.encode(MATCH_CODE, node.pattern);
      writeProgram(w, node.sub);
      return;
    case 'DEFAULT':
      w.encode(TYPE_CODE, Op.DEFAULT);
      w.encode(ASN_CODE, node.asn);
      writeProgram(w, node.sub);
      return;
  }
}

/** asmap.py `ASMap.update`: map `prefix` (bits, MSB first) to `asn`, re-merging equal sibling leaves. */
function trieUpdate(node: TrieNode, prefix: readonly number[], depth: number, asn: number): void {
  if (depth === prefix.length) {
    node.asn = asn;
    node.children = null;
    return;
  }
  if (!node.children) {
    node.children = [{ asn: node.asn, children: null }, { asn: node.asn, children: null }];
  }
  trieUpdate(node.children[prefix[depth]], prefix, depth + 1, asn);
  const [zero, one] = node.children;
  if (!zero.children && !one.children && zero.asn === one.asn) {
    node.asn = zero.asn;
    node.children = null;
  }
}

/** One asmap entry: every address under `prefix/prefixLength` is announced by `asn`. */
export interface AsmapEntry {
  /** The network, 16-byte IPv6 form (IPv4 as ::ffff:a.b.c.d); bits past `prefixLength` must be 0. */
  prefix: Uint8Array;
  /** Prefix length in bits, 0..128 (an IPv4 /n is 96 + n). */
  prefixLength: number;
  /** Autonomous system number, 1..ASMAP_MAX_ASN. */
  asn: number;
}

/**
 * Encodes a prefix → ASN table into asmap file bytes, producing the same bytes as Core's
 * contrib/asmap/asmap.py (`ASMap(entries).to_binary(fill=False)`). Longest prefix wins; addresses no
 * entry covers look up as 0. The result passes `Asmap.fromBytes` and looks up identically.
 * @throws ArgumentError for a malformed entry, two entries giving one prefix different ASNs, or an empty
 *   table (a valid asmap must map something).
 */
export function encodeAsmap(entries: ReadonlyArray<AsmapEntry>): Uint8Array {
  const seen = new Map<string, number>();
  const prefixes: Array<{ bits: number[]; asn: number }> = [];
  for (const [i, e] of entries.entries()) {
    if (!(e.prefix instanceof Uint8Array) || e.prefix.length !== ASMAP_KEY_BYTES) {
      throw new ArgumentError(`asmap entry ${i}: prefix must be ${ASMAP_KEY_BYTES} bytes`);
    }
    if (!Number.isInteger(e.prefixLength) || e.prefixLength < 0 || e.prefixLength > ASMAP_KEY_BITS) {
      throw new ArgumentError(`asmap entry ${i}: prefix length ${e.prefixLength} is not in 0..${ASMAP_KEY_BITS}`);
    }
    if (!Number.isInteger(e.asn) || e.asn < 1 || e.asn > ASMAP_MAX_ASN) {
      throw new ArgumentError(`asmap entry ${i}: ASN ${e.asn} is not in 1..${ASMAP_MAX_ASN}`);
    }
    for (let b = e.prefixLength; b < ASMAP_KEY_BITS; b++) {
      if (keyBit(e.prefix, b)) throw new ArgumentError(`asmap entry ${i}: bit ${b} set past prefix length ${e.prefixLength}`);
    }
    const bits = Array.from({ length: e.prefixLength }, (_, b) => keyBit(e.prefix, b));
    const key = bits.join('');
    const previous = seen.get(key);
    if (previous !== undefined && previous !== e.asn) {
      throw new ArgumentError(`asmap entry ${i}: prefix /${e.prefixLength} already mapped to AS${previous}, not AS${e.asn}`);
    }
    seen.set(key, e.asn);
    prefixes.push({ bits, asn: e.asn });
  }
  if (prefixes.length === 0) throw new ArgumentError('asmap: cannot encode an empty table');
  prefixes.sort((a, b) => a.bits.length - b.bits.length); // shorter first, so longer prefixes override
  const root: TrieNode = { asn: 0, children: null };
  for (const p of prefixes) trieUpdate(root, p.bits, 0, p.asn);
  const { byContext } = encodeTrie(root);
  const program = byContext.get(0) ?? byContext.get(ANY_CONTEXT)!;
  const w = new BitWriter();
  writeProgram(w, program);
  return w.toBytes();
}

