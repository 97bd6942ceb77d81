/**
 * Batched `cheapHashLow32` (the low word of Core's `GetCheapHash()` = LE64 of sha256d(message)) on a
 * four-lane WebAssembly SIMD kernel.
 *
 * Why: addrman spends most of its time in SHA-256. One sha256d of a ≤ 55-byte message is two
 * compressions; in JavaScript that is ~1 µs, which alone nearly fills the per-address budgets (Add ≤
 * 1.7 µs, load of 81,920 entries ≤ 100 ms). The kernel runs four independent messages in the four
 * 32-bit lanes of WebAssembly's 128-bit vectors. Callers queue messages (`push`), `flush` once, and
 * read results by ticket; single hashes (`hash`) run in lane 0.
 *
 * Keyed messages. Every bucket hash is `sha256d(nKey || …)`: the first 32 bytes are the secret key,
 * the same for every message of a table. The first compression's rounds 0–7 read only those bytes, so
 * their result (the "midstate") is computed once per key (`keyConstants`) and the kernel starts at
 * round 8, reading only the message words after the key: 12.5 % less work on the first block and a
 * third of the packing. A message of exactly 56 bytes (every IPv4/IPv6 bucket position) has a second
 * block holding nothing but padding; its message schedule is a constant, folded into the code. So are
 * the padding words of the second SHA-256 (over the 32-byte digest). All of this is ordinary constant
 * folding done by the small code generator below, which emits straight-line SIMD code.
 *
 * The module is generated here from a small assembler (no binary blob). Messages are padded and packed
 * as big-endian words in JavaScript, lane-interleaved. Where WebAssembly SIMD is unavailable everything
 * falls back to `cheapHashLow32` from util/hash.ts, which is also the reference the tests compare with.
 */
import { cheapHashLow32, SHA256_IV as IV, SHA256_K as K } from '../util/hash.js';

/** Messages staged per class before the kernel runs (a multiple of 4). */
const STAGE_CAPACITY = 1024;
/** Longest message: two SHA-256 blocks minus padding (119 bytes); addrman's longest is 72. */
export const MAX_BATCH_MESSAGE_BYTES = 119;
/** Length of the common prefix of keyed messages (Core's nKey). */
export const KEY_PREFIX_BYTES = 32;

// ---- a very small WebAssembly assembler -----------------------------------------------------------

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/**
 * An expression over 32-bit lanes: a constant (the same in every lane), a local variable, or an
 * operation. Constructors fold constants, so code is only emitted for what varies.
 */
type Expr =
  | { kind: 'const'; v: number }
  | { kind: 'local'; i: number }
  | { kind: 'bin'; op: number; a: Expr; b: Expr }
  | { kind: 'shift'; right: boolean; a: Expr; n: number }
  | { kind: 'rotr'; a: Expr; n: number };

const OP_ADD = 174; // i32x4.add
const OP_XOR = 81; // v128.xor
const OP_AND = 78; // v128.and
const OP_OR = 80; // v128.or

const cst = (v: number): Expr => ({ kind: 'const', v: v | 0 });
const loc = (i: number): Expr => ({ kind: 'local', i });
const isConst = (e: Expr, v?: number): boolean => e.kind === 'const' && (v === undefined || e.v === (v | 0));
const valueOf = (e: Expr): number => (e as { v: number }).v;

function add(a: Expr, b: Expr): Expr {
  if (isConst(a) && isConst(b)) return cst(valueOf(a) + valueOf(b));
  if (isConst(a, 0)) return b;
  if (isConst(b, 0)) return a;
  return { kind: 'bin', op: OP_ADD, a, b };
}
function xor(a: Expr, b: Expr): Expr {
  if (isConst(a) && isConst(b)) return cst(valueOf(a) ^ valueOf(b));
  if (isConst(a, 0)) return b;
  if (isConst(b, 0)) return a;
  return { kind: 'bin', op: OP_XOR, a, b };
}
function and(a: Expr, b: Expr): Expr {
  if (isConst(a) && isConst(b)) return cst(valueOf(a) & valueOf(b));
  if (isConst(a, 0) || isConst(b, 0)) return cst(0);
  return { kind: 'bin', op: OP_AND, a, b };
}
function rotr(a: Expr, n: number): Expr {
  if (isConst(a)) return cst((valueOf(a) >>> n) | (valueOf(a) << (32 - n)));
  return { kind: 'rotr', a, n };
}
function shr(a: Expr, n: number): Expr {
  if (isConst(a)) return cst(valueOf(a) >>> n);
  return { kind: 'shift', right: true, a, n };
}

/** A growable byte buffer for generated code (no intermediate arrays: generation runs at startup). */
class CodeBuffer {
  private buf = new Uint8Array(1 << 16);
  /** Bytes written. */
  length = 0;

  /** Appends bytes. */
  push(...bytes: number[]): void {
    for (const b of bytes) this.byte(b);
  }

  /** Appends one byte. */
  byte(b: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
  }

  /** Appends an unsigned LEB128 number. */
  uleb(v: number): void {
    do {
      let byte = v & 0x7f;
      v >>>= 7;
      if (v !== 0) byte |= 0x80;
      this.byte(byte);
    } while (v !== 0);
  }

  /** Appends a signed LEB128 number. */
  sleb(v: number): void {
    v |= 0;
    for (;;) {
      const byte = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
        this.byte(byte);
        return;
      }
      this.byte(byte | 0x80);
    }
  }

  /** The bytes written. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** The body of one kernel function being generated. */
class Body {
  readonly code = new CodeBuffer();
  private nextV128: number;
  private readonly firstV128: number;

  /**
   * @param params number of i32 parameters; the i32 locals follow them, then the value locals.
   * @param scalar values are plain i32 words (one message) instead of v128 vectors (four).
   */
  constructor(readonly params: number, readonly i32Locals: number, readonly scalar = false) {
    this.firstV128 = params + i32Locals;
    this.nextV128 = this.firstV128;
  }

  /** A new value local (v128, or i32 when scalar). */
  v128(): number {
    return this.nextV128++;
  }

  /** Emits a lane-wise operation (one of OP_ADD, OP_XOR, OP_AND, OP_OR) in this body's value type. */
  op(simdOp: number): void {
    if (!this.scalar) {
      this.simd(simdOp);
      return;
    }
    // i32.add, i32.xor, i32.and, i32.or
    this.code.byte(simdOp === OP_ADD ? 0x6a : simdOp === OP_XOR ? 0x73 : simdOp === OP_AND ? 0x71 : 0x72);
  }

  get(i: number): void { this.code.byte(0x20); this.code.uleb(i); }
  set(i: number): void { this.code.byte(0x21); this.code.uleb(i); }
  i32(v: number): void { this.code.byte(0x41); this.code.sleb(v); }
  simd(op: number): void { this.code.byte(0xfd); this.code.uleb(op); }
  splat(v: number): void {
    if (this.scalar) {
      this.i32(v);
      return;
    }
    this.code.byte(0xfd);
    this.code.byte(0x0c); // v128.const
    for (let lane = 0; lane < 4; lane++) {
      this.code.byte(v & 0xff);
      this.code.byte((v >>> 8) & 0xff);
      this.code.byte((v >>> 16) & 0xff);
      this.code.byte((v >>> 24) & 0xff);
    }
  }
  /** v128.load (scalar: i32.load) from the address on the stack plus `offset`. */
  load(offset: number): void {
    if (this.scalar) { this.code.byte(0x28); this.code.byte(2); this.code.uleb(offset); return; }
    this.simd(0x00); this.code.byte(4); this.code.uleb(offset);
  }
  /** v128.load32_splat (scalar: i32.load) from the address on the stack plus `offset`. */
  loadSplat(offset: number): void {
    if (this.scalar) { this.code.byte(0x28); this.code.byte(2); this.code.uleb(offset); return; }
    this.simd(0x09); this.code.byte(2); this.code.uleb(offset);
  }
  /** v128.store of the value on the stack to the address below it plus `offset`. */
  store(offset: number): void { this.simd(0x0b); this.code.byte(4); this.code.uleb(offset); }

  /** Pushes the value of `e`. */
  emit(e: Expr): void {
    switch (e.kind) {
      case 'const': this.splat(e.v); return;
      case 'local': this.get(e.i); return;
      case 'bin': this.emit(e.a); this.emit(e.b); this.op(e.op); return;
      case 'shift':
        this.emit(e.a); this.i32(e.n);
        if (this.scalar) this.code.byte(e.right ? 0x76 : 0x74); // i32.shr_u / i32.shl
        else this.simd(e.right ? 173 : 171); // i32x4.shr_u / shl
        return;
      case 'rotr': {
        if (this.scalar) {
          this.emit(e.a); this.i32(e.n); this.code.byte(0x78); // i32.rotr
          return;
        }
        const x = this.operand(e.a);
        this.get(x); this.i32(e.n); this.simd(173);
        this.get(x); this.i32(32 - e.n); this.simd(171);
        this.simd(OP_OR);
      }
    }
  }

  /** Evaluates `e` into local `i`. */
  assign(i: number, e: Expr): void {
    this.emit(e);
    this.set(i);
  }

  /** A local holding `e` (itself when it already is one). */
  operand(e: Expr): number {
    if (e.kind === 'local') return e.i;
    const t = this.v128();
    this.assign(t, e);
    return t;
  }

  /** The function body with its local declarations, size-prefixed (a code-section entry). */
  bytes(): Uint8Array {
    const decls = [2, ...uleb(this.i32Locals), 0x7f, ...uleb(this.nextV128 - this.firstV128), this.scalar ? 0x7f : 0x7b];
    const size = decls.length + this.code.length + 1;
    return concat([Uint8Array.from(uleb(size)), Uint8Array.from(decls), this.code.bytes(), Uint8Array.of(0x0b)]);
  }
}

/** State words a..h: each a constant or a local, with the local reserved for each position. */
interface State {
  vals: Expr[];
  slots: number[];
}

/**
 * Emits SHA-256 rounds `from`..63 over message words `w` (constants or locals; the window is updated
 * in place as the schedule is computed) starting from `st`. Returns the state after round 63.
 */
function rounds(f: Body, st: State, w: Expr[], from: number): State {
  const window = w.slice();
  // Schedule words go to locals of their own: the inputs may be shared (the key words, reused by
  // every group) and must not be overwritten.
  const windowSlots = new Array<number>(16).fill(-1);
  const t1 = f.v128();
  const t2 = f.v128();
  const ab = [f.v128(), f.v128()];
  let vals = st.vals.slice();
  let slots = st.slots.slice();
  let prevAB: Expr | undefined;
  for (let t = from; t < 64; t++) {
    let wt: Expr;
    if (t < 16) {
      wt = window[t];
    } else {
      const w15 = window[(t + 1) & 15];
      const w2 = window[(t + 14) & 15];
      const s0 = xor(xor(rotr(w15, 7), rotr(w15, 18)), shr(w15, 3));
      const s1 = xor(xor(rotr(w2, 17), rotr(w2, 19)), shr(w2, 10));
      wt = add(add(add(window[t & 15], s0), window[(t + 9) & 15]), s1);
      if (wt.kind !== 'const') {
        let slot = windowSlots[t & 15];
        if (slot < 0) slot = windowSlots[t & 15] = f.v128();
        f.assign(slot, wt);
        wt = loc(slot);
      }
      window[t & 15] = wt;
    }
    const [a, b, c, d, e, ff, g, h] = vals;
    const sigma1 = xor(xor(rotr(e, 6), rotr(e, 11)), rotr(e, 25));
    const ch = xor(g, and(e, xor(ff, g)));
    const t1e = add(add(add(h, sigma1), ch), add(cst(K[t]), wt));
    // Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)); b ^ c is the previous round's a ^ b.
    const abNow = xor(a, b);
    let abExpr: Expr = abNow;
    if (abNow.kind !== 'const') {
      const slot = ab[t & 1];
      f.assign(slot, abNow);
      abExpr = loc(slot);
    }
    const bc = prevAB ?? xor(b, c);
    prevAB = abExpr;
    const maj = xor(b, and(abExpr, bc));
    const sigma0 = xor(xor(rotr(a, 2), rotr(a, 13)), rotr(a, 22));
    let t1v: Expr = t1e;
    if (t1e.kind !== 'const') {
      f.assign(t1, t1e);
      t1v = loc(t1);
    }
    let t2v = add(sigma0, maj);
    if (t2v.kind !== 'const') {
      f.assign(t2, t2v);
      t2v = loc(t2);
    }
    const newE = add(d, t1v);
    const newA = add(t1v, t2v);
    const slotD = slots[3];
    const slotH = slots[7];
    f.assign(slotD, newE);
    f.assign(slotH, newA);
    vals = [loc(slotH), a, b, c, loc(slotD), e, ff, g];
    slots = [slotH, slots[0], slots[1], slots[2], slotD, slots[4], slots[5], slots[6]];
  }
  return { vals, slots };
}

/** Allocates a state whose every word is a fresh local, initialised from `init`. */
function stateFrom(f: Body, init: Expr[]): State {
  const slots = init.map(() => f.v128());
  init.forEach((e, i) => f.assign(slots[i], e));
  return { vals: slots.map(loc), slots };
}

/** A state of constants (the IV), with locals reserved for the words the rounds write. */
function constState(f: Body, words: ArrayLike<number>): State {
  const vals: Expr[] = [];
  const slots: number[] = [];
  for (let i = 0; i < 8; i++) {
    vals.push(cst(words[i]));
    slots.push(f.v128());
  }
  return { vals, slots };
}

/** Chaining: H[i] = init[i] + state[i], into fresh locals (returned as expressions). */
function chain(f: Body, init: Expr[], st: State): Expr[] {
  return init.map((e, i) => {
    const sum = add(e, st.vals[i]);
    if (sum.kind === 'const') return sum;
    const slot = f.v128();
    f.assign(slot, sum);
    return loc(slot);
  });
}

/** The second SHA-256 over the digest `h` (8 locals); returns the expression of its first word. */
function secondHash(f: Body, h: Expr[]): Expr {
  const w: Expr[] = [...h, cst(0x80000000), cst(0), cst(0), cst(0), cst(0), cst(0), cst(0), cst(256)];
  const st = rounds(f, constState(f, IV), w, 0);
  return add(cst(IV[0]), st.vals[0]);
}

/** Stores the byte-swapped first digest words of the four lanes at `out + group * 16`. */
function storeResult(f: Body, outPtr: number, group: number, h0: Expr): void {
  f.get(outPtr); f.get(group); f.i32(16); f.code.push(0x6c, 0x6a); // out + group * 16
  f.emit(h0);
  // i8x16.shuffle (v, v): byte-swap each lane, so that the words read little-endian are Core's cheap hash.
  f.splat(0);
  f.code.push(0xfd, 0x0d, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  f.store(0);
}

/**
 * A loop over `groups` groups of four messages: `perGroup(f, ptr)` emits the hashing of one group whose
 * packed words start at `ptr` (the group index is local GROUP); `stride` is the packed bytes per group.
 */
function groupLoop(f: Body, stride: number, perGroup: (ptr: number) => Expr, P: { IN: number; GROUPS: number; OUT: number; GROUP: number; PTR: number }): void {
  f.i32(0); f.set(P.GROUP);
  f.code.push(0x02, 0x40, 0x03, 0x40); // block, loop
  f.get(P.GROUP); f.get(P.GROUPS); f.code.push(0x4e, 0x0d, 1); // br_if out when group >= groups
  f.get(P.GROUP); f.i32(stride); f.code.push(0x6c); f.get(P.IN); f.code.push(0x6a); f.set(P.PTR);
  const h0 = perGroup(P.PTR);
  storeResult(f, P.OUT, P.GROUP, h0);
  f.get(P.GROUP); f.i32(1); f.code.push(0x6a); f.set(P.GROUP);
  f.code.push(0x0c, 0, 0x0b, 0x0b); // br loop; end; end
}

/** Loads 16-byte lane-interleaved words `first..first+n-1` of a group at `ptr + base` into fresh locals. */
function loadWords(f: Body, ptr: number, base: number, n: number): Expr[] {
  const out: Expr[] = [];
  for (let i = 0; i < n; i++) {
    const slot = f.v128();
    f.get(ptr); f.load(base + i * 16); f.set(slot);
    out.push(loc(slot));
  }
  return out;
}

/** Message classes and their packed sizes. */
const Cls = {
  /** Any message of one block (≤ 55 bytes): 16 words. */
  PLAIN1: 0,
  /** Any message of two blocks (56–119 bytes): 32 words. */
  PLAIN2: 1,
  /** Keyed, one block: words 8–15. */
  KEYED1: 2,
  /** Keyed, exactly 56 bytes: words 8–15 (the second block is constant padding). */
  KEYED56: 3,
  /** Keyed, two blocks: words 8–15, then 16–31. */
  KEYED2: 4,
} as const;
const CLASS_COUNT = 5;
/** 32-bit words packed per message of each class. */
const CLASS_WORDS = [16, 32, 8, 8, 24];

/** Emits the function for one message class: (in, groups, out, consts) → (). */
function kernelFor(cls: number): Uint8Array {
  // Params: in, groups, out, consts; i32 locals: group, ptr.
  const f = new Body(4, 2);
  const P = { IN: 0, GROUPS: 1, OUT: 2, CONSTS: 3, GROUP: 4, PTR: 5 };
  const stride = CLASS_WORDS[cls] * 16;
  const ivExprs = Array.from(IV, (v) => cst(v));
  if (cls === Cls.PLAIN1 || cls === Cls.PLAIN2) {
    groupLoop(f, stride, (ptr) => {
      let h = chain(f, ivExprs, rounds(f, constState(f, IV), loadWords(f, ptr, 0, 16), 0));
      if (cls === Cls.PLAIN2) h = chain(f, h, rounds(f, stateFrom(f, h), loadWords(f, ptr, 256, 16), 0));
      return secondHash(f, h);
    }, P);
  } else {
    // Keyed: the midstate after round 7 and the key words W0..7 come from `consts` (splatted).
    const mid: Expr[] = [];
    const keyWords: Expr[] = [];
    for (let i = 0; i < 8; i++) {
      const m = f.v128();
      f.get(P.CONSTS); f.loadSplat(i * 4); f.set(m);
      mid.push(loc(m));
    }
    for (let i = 0; i < 8; i++) {
      const k = f.v128();
      f.get(P.CONSTS); f.loadSplat(32 + i * 4); f.set(k);
      keyWords.push(loc(k));
    }
    groupLoop(f, stride, (ptr) => {
      const w = [...keyWords, ...loadWords(f, ptr, 0, 8)];
      let h = chain(f, ivExprs, rounds(f, stateFrom(f, mid), w, 8));
      if (cls === Cls.KEYED56) {
        const pad: Expr[] = Array.from({ length: 16 }, (_, i) => cst(i === 15 ? 56 * 8 : 0));
        h = chain(f, h, rounds(f, stateFrom(f, h), pad, 0));
      } else if (cls === Cls.KEYED2) {
        h = chain(f, h, rounds(f, stateFrom(f, h), loadWords(f, ptr, 128, 16), 0));
      }
      return secondHash(f, h);
    }, P);
  }
  return f.bytes();
}

/**
 * Emits the scalar function for one keyed message class: (in, consts) → the cheap hash (i32). One
 * message, its words (after the key) at `in` as consecutive i32 values; i32.rotr makes a round about
 * a third cheaper than the SIMD kernel's, for the single hashes (`Good`'s tried cell) where three of
 * four lanes would idle.
 */
function scalarKernelFor(cls: number): Uint8Array {
  const f = new Body(2, 0, true);
  const IN = 0;
  const CONSTS = 1;
  const ivExprs = Array.from(IV, (v) => cst(v));
  const loadAt = (base: number, ptr: number, offset: number): Expr => {
    const slot = f.v128();
    f.get(base); f.load(ptr + offset); f.set(slot);
    return loc(slot);
  };
  const mid: Expr[] = [];
  const keyWords: Expr[] = [];
  for (let i = 0; i < 8; i++) mid.push(loadAt(CONSTS, 0, i * 4));
  for (let i = 0; i < 8; i++) keyWords.push(loadAt(CONSTS, 0, 32 + i * 4));
  const msgWords = Array.from({ length: 8 }, (_, i) => loadAt(IN, 0, i * 4));
  let h = chain(f, ivExprs, rounds(f, stateFrom(f, mid), [...keyWords, ...msgWords], 8));
  if (cls === Cls.KEYED56) {
    const pad: Expr[] = Array.from({ length: 16 }, (_, i) => cst(i === 15 ? 56 * 8 : 0));
    h = chain(f, h, rounds(f, stateFrom(f, h), pad, 0));
  } else if (cls === Cls.KEYED2) {
    h = chain(f, h, rounds(f, stateFrom(f, h), Array.from({ length: 16 }, (_, i) => loadAt(IN, 32, i * 4)), 0));
  }
  f.emit(secondHash(f, h));
  return f.bytes();
}

/** The whole module: one memory export `mem` (8 pages) and one function per message class. */
function kernelModule(): Uint8Array {
  const section = (id: number, content: Uint8Array): Uint8Array => concat([Uint8Array.of(id, ...uleb(content.length)), content]);
  const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'ascii')];
  const scalarClasses = [Cls.KEYED1, Cls.KEYED56, Cls.KEYED2];
  const functions = CLASS_COUNT + scalarClasses.length;
  const bodies: Uint8Array[] = [Uint8Array.of(functions)];
  const exports: number[] = [1 + functions, ...name('mem'), 2, 0];
  for (let cls = 0; cls < CLASS_COUNT; cls++) {
    bodies.push(kernelFor(cls));
    exports.push(...name(`k${cls}`), 0, cls);
  }
  scalarClasses.forEach((cls, i) => {
    bodies.push(scalarKernelFor(cls));
    exports.push(...name(`s${cls}`), 0, CLASS_COUNT + i);
  });
  return concat([
    Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0),
    // types: 0 = (i32 × 4) → (); 1 = (i32, i32) → i32
    section(1, Uint8Array.of(2, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 0, 0x60, 2, 0x7f, 0x7f, 1, 0x7f)),
    section(3, Uint8Array.of(functions, ...new Array<number>(CLASS_COUNT).fill(0), ...new Array<number>(scalarClasses.length).fill(1))),
    section(5, Uint8Array.of(1, 0, 8)), // memory: 8 pages (512 KiB)
    section(7, Uint8Array.from(exports)),
    section(10, concat(bodies)),
  ]);
}

/** The bytes of `parts`, one after the other. */
function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The slice of the WebAssembly JS API used here (the project's lib settings do not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> & { mem: { buffer: ArrayBuffer } } };
};

/** A kernel function: hashes `groups` × 4 messages packed at `inPtr`, writes words at `outPtr`. */
type KernelFn = (inPtr: number, groups: number, outPtr: number, constsPtr: number) => void;

/** A scalar keyed function: hashes the one message packed at `inPtr`; returns its cheap hash (big-endian word). */
type ScalarFn = (inPtr: number, constsPtr: number) => number;

/** The instantiated kernel. */
interface Kernel {
  /** Its memory, as 32-bit words. */
  mem: Int32Array;
  /** One function per message class. */
  fns: KernelFn[];
  /** Scalar functions, indexed by keyed class (KEYED1, KEYED56, KEYED2). */
  scalar: ScalarFn[];
}

let kernel: Kernel | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is unavailable. */
function getKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(kernelModule()));
    const fns: KernelFn[] = [];
    for (let cls = 0; cls < CLASS_COUNT; cls++) fns.push(exports[`k${cls}`] as KernelFn);
    const scalar: ScalarFn[] = [];
    for (const cls of [Cls.KEYED1, Cls.KEYED56, Cls.KEYED2]) scalar[cls] = exports[`s${cls}`] as ScalarFn;
    kernel = { mem: new Int32Array(exports.mem.buffer), fns, scalar };
  } catch {
    kernel = null;
  }
  return kernel;
}

// Memory layout (bytes): the keyed constants, then per class a staging area and its output words, then
// a single-message area and its output.
const CONSTS = 0;
const CONSTS_BYTES = 64;
const STAGE_IN: number[] = [];
const STAGE_OUT: number[] = [];
let layoutEnd = CONSTS + CONSTS_BYTES;
for (let cls = 0; cls < CLASS_COUNT; cls++) {
  STAGE_IN.push(layoutEnd);
  layoutEnd += STAGE_CAPACITY * CLASS_WORDS[cls] * 4;
  STAGE_OUT.push(layoutEnd);
  layoutEnd += STAGE_CAPACITY * 4;
}
const SINGLE_IN = layoutEnd;
const SINGLE_OUT = SINGLE_IN + 4 * 32 * 4;

/**
 * The per-key constants of keyed messages: the SHA-256 state after rounds 0–7 over the key, then the
 * key's eight big-endian words (the message schedule still reads them).
 */
export function keyConstants(key: Uint8Array): Int32Array {
  if (key.length !== KEY_PREFIX_BYTES) throw new RangeError(`a keyed prefix is ${KEY_PREFIX_BYTES} bytes, got ${key.length}`);
  const out = new Int32Array(16);
  const w = new Int32Array(8);
  for (let i = 0; i < 8; i++) w[i] = (key[i * 4] << 24) | (key[i * 4 + 1] << 16) | (key[i * 4 + 2] << 8) | key[i * 4 + 3];
  let [a, b, c, d, e, f, g, h] = IV;
  for (let t = 0; t < 8; t++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + s1 + ch + K[t] + w[t]) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + s0 + maj) | 0;
  }
  out.set([a, b, c, d, e, f, g, h], 0);
  out.set(w, 8);
  return out;
}

/** Queues messages, hashes them four at a time, and returns results by ticket. */
export class CheapHashBatch {
  private readonly k: Kernel | null;
  private results = new Uint32Array(256);
  private count = 0;
  private readonly staged = new Int32Array(CLASS_COUNT);
  private readonly tickets: Int32Array[] = Array.from({ length: CLASS_COUNT }, () => new Int32Array(STAGE_CAPACITY));
  private keyConsts: Int32Array | undefined;

  /** @param opts `scalar: true` forces the scalar fallback (as where WebAssembly SIMD is missing). */
  constructor(opts: { scalar?: boolean } = {}) {
    this.k = opts.scalar ? null : getKernel();
  }

  /** True when the SIMD kernel is in use (false: scalar `cheapHashLow32`). */
  get accelerated(): boolean {
    return this.k !== null;
  }

  /** Forgets all tickets (call before a new batch). */
  reset(): void {
    this.count = 0;
    this.staged.fill(0);
  }

  /**
   * Selects the key of keyed messages (`keyConstants(key)`); call before pushing or hashing keyed
   * messages. Everything staged is hashed first (staged keyed messages used the previous key).
   */
  useKey(consts: Int32Array): void {
    if (this.keyConsts === consts) return;
    if (this.k !== null) {
      for (let cls = Cls.KEYED1; cls <= Cls.KEYED2; cls++) if (this.staged[cls] > 0) this.runStage(cls);
      this.k.mem.set(consts, CONSTS >> 2);
    }
    this.keyConsts = consts;
  }

  /** Queues `msg[0..len)`; returns its ticket. `len` ≤ MAX_BATCH_MESSAGE_BYTES. */
  push(msg: Uint8Array, len: number): number {
    const ticket = this.nextTicket();
    if (this.k === null) {
      this.results[ticket] = cheapHashLow32(msg, len);
      return ticket;
    }
    this.stage(len <= 55 ? Cls.PLAIN1 : Cls.PLAIN2, msg, len, 0, ticket);
    return ticket;
  }

  /**
   * Queues a keyed message: `msg[0..len)` whose first 32 bytes are the key selected with `useKey`
   * (they are not read: the midstate stands for them). Returns its ticket.
   */
  pushKeyed(msg: Uint8Array, len: number): number {
    const ticket = this.nextTicket();
    if (this.k === null) {
      this.results[ticket] = cheapHashLow32(msg, len);
      return ticket;
    }
    this.stage(keyedClass(len), msg, len, 8, ticket);
    return ticket;
  }

  /** Hashes everything queued; results are then readable with `result`. */
  flush(): void {
    if (this.k === null) return;
    for (let cls = 0; cls < CLASS_COUNT; cls++) if (this.staged[cls] > 0) this.runStage(cls);
  }

  /** The cheap-hash low word of ticket `t` (after `flush`). */
  result(t: number): number {
    return this.results[t];
  }

  /** Hashes one message now (lane 0 of the kernel, or scalar). */
  hash(msg: Uint8Array, len: number): number {
    const k = this.k;
    if (k === null || len > MAX_BATCH_MESSAGE_BYTES) return cheapHashLow32(msg, len);
    return this.single(len <= 55 ? Cls.PLAIN1 : Cls.PLAIN2, msg, len, 0);
  }

  /** Hashes one keyed message now (see `pushKeyed`), on the scalar kernel. */
  hashKeyed(msg: Uint8Array, len: number): number {
    const k = this.k;
    if (k === null || len > MAX_BATCH_MESSAGE_BYTES) return cheapHashLow32(msg, len);
    const cls = keyedClass(len);
    // Words 8.. of the padded message, one after the other (lane stride 1).
    this.packWords(msg, len, 8, CLASS_WORDS[cls], SINGLE_IN >> 2, 1);
    return bswap(k.scalar[cls](SINGLE_IN, CONSTS));
  }

  private nextTicket(): number {
    const ticket = this.count++;
    if (ticket >= this.results.length) {
      const next = new Uint32Array(this.results.length * 2);
      next.set(this.results);
      this.results = next;
    }
    return ticket;
  }

  private stage(cls: number, msg: Uint8Array, len: number, firstWord: number, ticket: number): void {
    if (this.staged[cls] === STAGE_CAPACITY) this.runStage(cls);
    const i = this.staged[cls]++;
    this.tickets[cls][i] = ticket;
    const words = CLASS_WORDS[cls];
    this.packInto(msg, len, firstWord, words, (STAGE_IN[cls] >> 2) + (i >> 2) * words * 4, i & 3);
  }

  private single(cls: number, msg: Uint8Array, len: number, firstWord: number): number {
    const k = this.k as Kernel;
    this.packInto(msg, len, firstWord, CLASS_WORDS[cls], SINGLE_IN >> 2, 0);
    k.fns[cls](SINGLE_IN, 1, SINGLE_OUT, CONSTS);
    return k.mem[SINGLE_OUT >> 2] >>> 0;
  }

  /**
   * Pads `msg` (SHA-256 padding, bit length big-endian at the end of its last block) and writes words
   * `firstWord .. firstWord + words - 1` of it into lane `lane` of the group at word `wordBase`.
   */
  private packInto(msg: Uint8Array, len: number, firstWord: number, words: number, wordBase: number, lane: number): void {
    this.packWords(msg, len, firstWord, words, wordBase + lane, 4);
  }

  /** Writes words `firstWord ..` of the padded message at word `at`, `stride` words apart. */
  private packWords(msg: Uint8Array, len: number, firstWord: number, words: number, at: number, stride: number): void {
    const mem = (this.k as Kernel).mem;
    const start = at;
    const full = len >> 2; // words made only of message bytes
    let w = firstWord;
    for (; w < full; w++, at += stride) {
      const b = w * 4;
      mem[at] = (msg[b] << 24) | (msg[b + 1] << 16) | (msg[b + 2] << 8) | msg[b + 3];
    }
    // The word holding the end of the message and the 0x80 padding byte.
    let v = 0;
    const b = full * 4;
    for (let k = 0; k < 4; k++) v = (v << 8) | (b + k < len ? msg[b + k] : b + k === len ? 0x80 : 0);
    mem[at] = v;
    at += stride;
    const end = firstWord + words;
    for (w++; w < end; w++, at += stride) mem[at] = 0;
    // The bit length (< 2^32), in the last word of the message's last block (for a 56-byte keyed
    // message that block is the constant second block, not packed).
    const lastWord = len <= 55 ? 15 : 31;
    if (lastWord < end) mem[start + (lastWord - firstWord) * stride] = len * 8;
  }

  private runStage(cls: number): void {
    const k = this.k as Kernel;
    const n = this.staged[cls];
    k.fns[cls](STAGE_IN[cls], (n + 3) >> 2, STAGE_OUT[cls], CONSTS);
    const tickets = this.tickets[cls];
    const outWords = STAGE_OUT[cls] >> 2;
    const mem = k.mem;
    for (let i = 0; i < n; i++) this.results[tickets[i]] = mem[outWords + i] >>> 0;
    this.staged[cls] = 0;
  }
}

/** Byte-swaps a 32-bit word (the first digest bytes, read little-endian as `GetCheapHash()` does). */
function bswap(v: number): number {
  return (((v & 0xff) << 24) | (((v >>> 8) & 0xff) << 16) | (((v >>> 16) & 0xff) << 8) | (v >>> 24)) >>> 0;
}

/** The kernel class of a keyed message of `len` bytes. */
function keyedClass(len: number): number {
  if (len <= 55) return Cls.KEYED1;
  return len === 56 ? Cls.KEYED56 : Cls.KEYED2;
}
