/**
 * Batched `cheapHashLow32` (the low word of Core's `GetCheapHash()` = LE64 of sha256d(message)) on a
 * four-lane WebAssembly SIMD kernel.
 *
 * Why: addrman spends most of its time in SHA-256. One sha256d of a ≤ 55-byte message is two
 * compressions; in JavaScript that is ~1–2 µs, which alone exceeds the per-address budgets (Add ≤ 3 µs,
 * Good ≤ 1 µs, load of 81,920 entries ≤ 150 ms). The kernel below runs four independent messages in the
 * four 32-bit lanes of WebAssembly's 128-bit vectors, so a batch costs ~4–8× less per hash than
 * scalar code. Callers queue messages (`push`), `flush` once, and read results by ticket; single
 * hashes (`hash`) run in lane 0.
 *
 * The module is generated here from a small assembler (no binary blob): a loop over groups of four
 * messages, each one or two 64-byte blocks, 64 unrolled rounds per block, then the second SHA-256 over
 * the 32-byte digest; it stores the first digest word of each lane. Messages are padded and packed as
 * big-endian words in JavaScript, lane-interleaved. Where WebAssembly SIMD is unavailable everything
 * falls back to `cheapHashLow32` from util/hash.ts, which is also the reference the tests compare with.
 */
import { cheapHashLow32, SHA256_IV as IV, SHA256_K as K } from '../util/hash.js';

/** Messages staged per block count before the kernel runs (a multiple of 4). */
const STAGE_CAPACITY = 1024;
/** Longest message: two SHA-256 blocks minus padding (119 bytes); addrman's longest is 72. */
export const MAX_BATCH_MESSAGE_BYTES = 119;


// ---- a very small WebAssembly assembler ---------------------------------------------------------

function sleb(v: number): number[] {
  const out: number[] = [];
  v |= 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

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

/** Emits the body of `h(inPtr, groups, nblocks, outPtr)`. */
function kernelBody(): number[] {
  const code: number[] = [];
  const get = (i: number): void => { code.push(0x20, ...uleb(i)); };
  const set = (i: number): void => { code.push(0x21, ...uleb(i)); };
  const i32 = (v: number): void => { code.push(0x41, ...sleb(v)); };
  const simd = (op: number): void => { code.push(0xfd, ...uleb(op)); };
  const add = (): void => simd(174); // i32x4.add
  const xor = (): void => simd(81); // v128.xor
  const and = (): void => simd(78); // v128.and
  const or = (): void => simd(80); // v128.or
  const shl = (): void => simd(171); // i32x4.shl
  const shr = (): void => simd(173); // i32x4.shr_u
  const splat = (v: number): void => {
    const bytes: number[] = [];
    for (let lane = 0; lane < 4; lane++) bytes.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    code.push(0xfd, 0x0c, ...bytes); // v128.const
  };
  const rotr = (local: number, n: number): void => {
    get(local); i32(n); shr(); get(local); i32(32 - n); shl(); or();
  };
  // Locals: params 0..3 (i32), then v128 a..h (4..11), w0..w15 (12..27), t1 (28), t2 (29), H0..H7 (30..37),
  // then i32 group (38), block (39), pointer (40).
  const P_IN = 0, P_GROUPS = 1, P_NBLOCKS = 2, P_OUT = 3;
  const VA = 4, VW = 12, T1 = 28, T2 = 29, VH = 30, GROUP = 38, BLOCK = 39, PTR = 40;

  const compress = (loadW: (i: number) => void): void => {
    for (let i = 0; i < 16; i++) { loadW(i); set(VW + i); }
    for (let i = 0; i < 8; i++) { get(VH + i); set(VA + i); }
    let r = [0, 1, 2, 3, 4, 5, 6, 7].map((x) => VA + x);
    for (let t = 0; t < 64; t++) {
      const wi = VW + (t & 15);
      if (t >= 16) {
        const w15 = VW + ((t + 1) & 15), w7 = VW + ((t + 9) & 15), w2 = VW + ((t + 14) & 15);
        get(wi);
        rotr(w15, 7); rotr(w15, 18); xor(); get(w15); i32(3); shr(); xor(); add();
        get(w7); add();
        rotr(w2, 17); rotr(w2, 19); xor(); get(w2); i32(10); shr(); xor(); add();
        set(wi);
      }
      const [a, b, c, d, e, f, g, h] = r;
      get(h); rotr(e, 6); rotr(e, 11); xor(); rotr(e, 25); xor(); add();
      get(g); get(e); get(f); get(g); xor(); and(); xor(); add(); // Ch = g ^ (e & (f ^ g))
      splat(K[t]); add(); get(wi); add(); set(T1);
      rotr(a, 2); rotr(a, 13); xor(); rotr(a, 22); xor();
      get(a); get(b); and(); get(c); get(a); get(b); or(); and(); or(); add(); set(T2); // Maj
      get(d); get(T1); add(); set(d);
      get(T1); get(T2); add(); set(h);
      r = [h, a, b, c, d, e, f, g];
    }
    for (let i = 0; i < 8; i++) { get(VH + i); get(r[i]); add(); set(VH + i); }
  };

  i32(0); set(GROUP);
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop (over groups)
  get(GROUP); get(P_GROUPS); code.push(0x4e, 0x0d, 1); // br_if out when group >= groups
  for (let i = 0; i < 8; i++) { splat(IV[i]); set(VH + i); }
  i32(0); set(BLOCK);
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop (over blocks)
  get(BLOCK); get(P_NBLOCKS); code.push(0x4e, 0x0d, 1);
  // ptr = in + (group * nblocks + block) * 256
  get(GROUP); get(P_NBLOCKS); code.push(0x6c); get(BLOCK); code.push(0x6a); i32(256); code.push(0x6c); get(P_IN); code.push(0x6a); set(PTR);
  compress((i) => { get(PTR); code.push(0xfd, 0x00, 4, ...uleb(i * 16)); }); // v128.load
  get(BLOCK); i32(1); code.push(0x6a); set(BLOCK);
  code.push(0x0c, 0, 0x0b, 0x0b); // br loop; end; end
  // Second SHA-256 over the 32-byte digest: W0..7 = digest, W8 = 0x80000000, W15 = 256 bits.
  for (let i = 0; i < 8; i++) { get(VH + i); set(VA + i); }
  for (let i = 0; i < 8; i++) { splat(IV[i]); set(VH + i); }
  compress((i) => {
    if (i < 8) get(VA + i);
    else if (i === 8) splat(0x80000000);
    else if (i === 15) splat(256);
    else splat(0);
  });
  get(P_OUT); get(GROUP); i32(16); code.push(0x6c, 0x6a);
  get(VH); code.push(0xfd, 0x0b, 4, 0); // v128.store out[group] = H0 (four lanes)
  get(GROUP); i32(1); code.push(0x6a); set(GROUP);
  code.push(0x0c, 0, 0x0b, 0x0b, 0x0b); // br loop; end; end; end function
  return [2, 34, 0x7b, 3, 0x7f, ...code]; // locals: 34 × v128, 3 × i32
}

/** The whole module: one memory export `mem` (8 pages) and one function export `h`. */
function kernelModule(): Uint8Array {
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'ascii')];
  const body = kernelBody();
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 0]), // type (i32 × 4) → ()
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 8]), // memory: 8 pages (512 KiB)
    ...section(7, [2, ...name('mem'), 2, 0, ...name('h'), 0, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** The slice of the WebAssembly JS API used here (the project's lib settings do not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { mem: { buffer: ArrayBuffer }; h: Kernel['run'] } };
};

/** The instantiated kernel. */
interface Kernel {
  /** Its memory, as 32-bit words. */
  mem: Int32Array;
  /** `h(inPtr, groups, nblocks, outPtr)`: hashes `groups` × 4 messages of `nblocks` blocks each. */
  run: (inPtr: number, groups: number, nblocks: number, outPtr: number) => void;
}

let kernel: Kernel | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is unavailable. */
function getKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(kernelModule()));
    kernel = { mem: new Int32Array(exports.mem.buffer), run: exports.h };
  } catch {
    kernel = null;
  }
  return kernel;
}

// Memory layout (bytes): staging for 1-block messages, for 2-block messages, a single-message area,
// then the output words of each.
const STAGE1_IN = 0;
const STAGE2_IN = STAGE1_IN + STAGE_CAPACITY * 64;
const SINGLE_IN = STAGE2_IN + STAGE_CAPACITY * 128;
const STAGE1_OUT = SINGLE_IN + 4 * 128;
const STAGE2_OUT = STAGE1_OUT + STAGE_CAPACITY * 4;
const SINGLE_OUT = STAGE2_OUT + STAGE_CAPACITY * 4;

/** Queues messages, hashes them four at a time, and returns results by ticket. */
export class CheapHashBatch {
  private readonly k: Kernel | null;
  private results = new Uint32Array(256);
  private count = 0;
  private readonly staged = [0, 0];
  private readonly tickets = [new Int32Array(STAGE_CAPACITY), new Int32Array(STAGE_CAPACITY)];

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
    this.staged[0] = 0;
    this.staged[1] = 0;
  }

  /** Queues `msg[0..len)`; returns its ticket. `len` ≤ MAX_BATCH_MESSAGE_BYTES. */
  push(msg: Uint8Array, len: number): number {
    const ticket = this.count++;
    if (ticket >= this.results.length) {
      const next = new Uint32Array(this.results.length * 2);
      next.set(this.results);
      this.results = next;
    }
    if (this.k === null) {
      this.results[ticket] = cheapHashLow32(msg, len);
      return ticket;
    }
    const cls = len <= 55 ? 0 : 1;
    if (this.staged[cls] === STAGE_CAPACITY) this.runStage(cls);
    const k = this.staged[cls]++;
    this.tickets[cls][k] = ticket;
    const nblocks = cls + 1;
    const base = (cls === 0 ? STAGE1_IN : STAGE2_IN) >> 2;
    this.packInto(msg, len, nblocks, base + (k >> 2) * nblocks * 64, k & 3);
    return ticket;
  }

  /** Hashes everything queued; results are then readable with `result`. */
  flush(): void {
    if (this.k === null) return;
    if (this.staged[0] > 0) this.runStage(0);
    if (this.staged[1] > 0) this.runStage(1);
  }

  /** The cheap-hash low word of ticket `t` (after `flush`). */
  result(t: number): number {
    return this.results[t];
  }

  /** Hashes one message now (lane 0 of the kernel, or scalar). */
  hash(msg: Uint8Array, len: number): number {
    const k = this.k;
    if (k === null || len > MAX_BATCH_MESSAGE_BYTES) return cheapHashLow32(msg, len);
    const nblocks = len <= 55 ? 1 : 2;
    this.packInto(msg, len, nblocks, SINGLE_IN >> 2, 0);
    k.run(SINGLE_IN, 1, nblocks, SINGLE_OUT);
    return bswap(k.mem[SINGLE_OUT >> 2]);
  }

  /** Pads `msg` (SHA-256 padding, bit length big-endian) and writes its words into lane `lane` of a group. */
  private packInto(msg: Uint8Array, len: number, nblocks: number, wordBase: number, lane: number): void {
    const mem = (this.k as Kernel).mem;
    const words = nblocks * 16;
    const full = len >> 2; // words made only of message bytes
    let at = wordBase + lane;
    for (let w = 0; w < full; w++, at += 4) {
      const b = w * 4;
      mem[at] = (msg[b] << 24) | (msg[b + 1] << 16) | (msg[b + 2] << 8) | msg[b + 3];
    }
    // The word holding the end of the message and the 0x80 padding byte.
    let v = 0;
    const b = full * 4;
    for (let k = 0; k < 4; k++) v = (v << 8) | (b + k < len ? msg[b + k] : b + k === len ? 0x80 : 0);
    mem[at] = v;
    at += 4;
    for (let w = full + 1; w < words - 1; w++, at += 4) mem[at] = 0;
    mem[wordBase + (words - 1) * 4 + lane] = len * 8; // bit length (< 2^32), big-endian in the last word
  }

  private runStage(cls: number): void {
    const k = this.k as Kernel;
    const n = this.staged[cls];
    const groups = (n + 3) >> 2;
    const out = cls === 0 ? STAGE1_OUT : STAGE2_OUT;
    k.run(cls === 0 ? STAGE1_IN : STAGE2_IN, groups, cls + 1, out);
    const tickets = this.tickets[cls];
    const outWords = out >> 2;
    for (let i = 0; i < n; i++) this.results[tickets[i]] = bswap(k.mem[outWords + i]);
    this.staged[cls] = 0;
  }
}

/** Byte-swaps a 32-bit word: the first digest bytes read little-endian, as `GetCheapHash()`. */
function bswap(v: number): number {
  return (((v & 0xff) << 24) | (((v >>> 8) & 0xff) << 16) | (((v >>> 16) & 0xff) << 8) | (v >>> 24)) >>> 0;
}
