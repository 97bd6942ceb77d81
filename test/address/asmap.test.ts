import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Asmap, AsmapError, ASMAP_MAX_ASN, encodeAsmap, type AsmapEntry } from '../../src/address/asmap.js';
import { ArgumentError } from '../../src/util/errors.js';
import { bytesToHex, hexToBytes } from '../../src/util/hex.js';
import { ASMAP_VECTORS } from './asmap-vectors.js';

// ---------------------------------------------------------------------------------------------------
// Helpers

/** Packs bit strings ('0'/'1', spaces ignored) into bytes, bit i → byte i>>3 bit i&7 (Core's load order). */
function assemble(...fields: string[]): Uint8Array {
  const bits = fields.join('').replace(/\s+/g, '');
  assert.match(bits, /^[01]*$/);
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i] === '1') out[i >> 3] |= 1 << (i & 7);
  return out;
}

/** 16-byte lookup key for an IPv4 (as ::ffff:a.b.c.d) or IPv6 address. */
function ip(text: string): Uint8Array {
  const out = new Uint8Array(16);
  if (!text.includes(':')) {
    out[10] = 0xff;
    out[11] = 0xff;
    text.split('.').forEach((octet, i) => (out[12 + i] = Number(octet)));
    return out;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined): number[] => {
    if (!s) return [];
    return s.split(':').flatMap((g) => {
      if (!g.includes('.')) return [parseInt(g, 16)];
      const v4 = ip(g); // embedded IPv4 suffix
      return [(v4[12] << 8) | v4[13], (v4[14] << 8) | v4[15]];
    });
  };
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** An encoder entry from CIDR text; an IPv4 /n becomes ::ffff:a.b.c.d/(96 + n). */
function entry(cidr: string, asn: number): AsmapEntry {
  const [addr, len] = cidr.split('/');
  return { prefix: ip(addr), prefixLength: Number(len) + (addr.includes(':') ? 0 : 96), asn };
}

const bitOf = (key: Uint8Array, i: number): number => (key[i >> 3] >> (7 - (i & 7))) & 1;

/** The specification: the ASN of the longest entry whose prefix covers `key`, 0 when none does. */
function naiveLookup(entries: readonly AsmapEntry[], key: Uint8Array): number {
  let best: AsmapEntry | undefined;
  for (const e of entries) {
    let covers = true;
    for (let b = 0; b < e.prefixLength && covers; b++) covers = bitOf(key, b) === bitOf(e.prefix, b);
    if (covers && (!best || e.prefixLength > best.prefixLength)) best = e;
  }
  return best ? best.asn : 0;
}

/** The checksum formula, computed independently of the module. */
function expectedChecksum(map: Uint8Array): string {
  const n = map.length * 8;
  const size = n < 0xfd ? [n] : [0xfd, n & 0xff, n >> 8]; // CompactSize (maps here are < 65536 bits)
  const bools = Array.from({ length: n }, (_, i) => (map[i >> 3] >> (i & 7)) & 1);
  const once = createHash('sha256').update(Uint8Array.from([...size, ...bools])).digest();
  return createHash('sha256').update(once).digest('hex');
}

function rejects(bytes: Uint8Array, message: RegExp): void {
  assert.throws(
    () => Asmap.fromBytes(bytes),
    (err: unknown) => {
      assert.ok(err instanceof AsmapError, `expected AsmapError, got ${String(err)}`);
      assert.equal(err.code, 'ERR_ASMAP');
      assert.match(err.message, message);
      return true;
    },
  );
}

// Hand-assembled instructions. Type codes: RETURN 0, JUMP 10, MATCH 110, DEFAULT 111. ASN code: class 0
// is '0' + 15 bits of (ASN − 1). MATCH code: class 0 is '0' + 1 bit of (pattern − 2). JUMP code: class 0
// is '0' + 5 bits of (offset − 17); class 1 is '1 0' + 6 bits of (offset − 49).
const RETURN_1 = '0 0 000000000000000'; // 17 bits
const RETURN_2 = '0 0 000000000000001';
const RETURN_3 = '0 0 000000000000010';
const RETURN_5 = '0 0 000000000000100';
const RETURN_9 = '0 0 000000000001000';
const RETURN_1000 = '0 0 000001111100111'; // 999 = 0b1111100111
const DEFAULT_1 = '111 0 000000000000000'; // 19 bits
const DEFAULT_5 = '111 0 000000000000100';
const DEFAULT_7 = '111 0 000000000000110';
const MATCH_BIT1 = '110 0 1'; // pattern 0b11: next input bit must be 1 (5 bits)
const MATCH_BIT0 = '110 0 0'; // pattern 0b10: next input bit must be 0
const MATCH_BYTE_0x20 = '110 1111111 00100000'; // pattern 0x120: last class, no terminating 0 (18 bits)
const JUMP_17 = '10 0 00000'; // 8 bits
const JUMP_18 = '10 0 00001';
const JUMP_100 = '10 1 0 110011'; // 100 − 17 − 32 = 51

// ---------------------------------------------------------------------------------------------------
// Instruction encoding, pinned with hand-assembled bit streams

test('a map that is a single RETURN answers its ASN for every address (bytes 80 cf 01)', () => {
  const bytes = assemble(RETURN_1000);
  assert.equal(bytesToHex(bytes), '80cf01'); // pins LSB-first packing within each byte
  const map = Asmap.fromBytes(bytes);
  assert.equal(map.bitLength, 24);
  for (const a of ['::', '1.2.3.4', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']) assert.equal(map.lookup(ip(a)), 1000);
  assert.deepEqual(encodeAsmap([entry('::/0', 1000)]), bytes);
});

test('MATCH compares the next input bits, most significant first, and misses to 0', () => {
  const map = Asmap.fromBytes(assemble(MATCH_BIT1, RETURN_5));
  assert.equal(map.lookup(ip('8000::')), 5);
  assert.equal(map.lookup(ip('ffff::1')), 5);
  assert.equal(map.lookup(ip('7fff:ffff::')), 0);
  assert.equal(map.lookup(ip('1.2.3.4')), 0);
});

test('an 8-bit MATCH pattern uses the last class, which has no terminating zero bit', () => {
  const map = Asmap.fromBytes(assemble(MATCH_BYTE_0x20, RETURN_3));
  assert.equal(map.lookup(ip('2001:db8::1')), 3);
  assert.equal(map.lookup(ip('20ff::')), 3);
  assert.equal(map.lookup(ip('2100::')), 0);
  assert.equal(map.lookup(ip('a000::')), 0);
});

test('JUMP consumes one input bit and skips its offset when the bit is 1', () => {
  const map = Asmap.fromBytes(assemble(JUMP_17, RETURN_1, RETURN_2));
  assert.equal(map.bitLength, 48); // 42 bits + 6 padding
  assert.equal(map.lookup(ip('::1')), 1);
  assert.equal(map.lookup(ip('7fff::')), 1);
  assert.equal(map.lookup(ip('8000::')), 2);
});

test('DEFAULT sets the answer for a failed MATCH; the encoder picks this form for a default plus a half', () => {
  const bytes = assemble(DEFAULT_7, MATCH_BIT1, RETURN_9);
  const map = Asmap.fromBytes(bytes);
  assert.equal(map.lookup(ip('::')), 7);
  assert.equal(map.lookup(ip('8000::')), 9);
  assert.deepEqual(encodeAsmap([entry('::/0', 7), entry('8000::/1', 9)]), bytes);
});

test('ASN code: 32768 is the last 16-bit ASN, 32769 opens the next class, 2^25 − 2^15 is the largest', () => {
  assert.equal(Asmap.fromBytes(assemble('0 0 111111111111111')).lookup(ip('::')), 32768);
  assert.equal(Asmap.fromBytes(assemble('0 1 0 0000000000000000')).lookup(ip('::')), 32769);
  const max = assemble('0 111111111', '1'.repeat(24)); // nine class bits, then the 24-bit last class
  assert.equal(ASMAP_MAX_ASN, 33_521_664);
  assert.equal(Asmap.fromBytes(max).lookup(ip('::')), ASMAP_MAX_ASN);
  assert.deepEqual(encodeAsmap([entry('::/0', ASMAP_MAX_ASN)]), max);
});

// ---------------------------------------------------------------------------------------------------
// Validation (SanityCheckASMap), one malformed map per test

const SIXTEEN_BYTE_MATCHES = MATCH_BYTE_0x20.repeat(16); // consumes all 128 input bits; 288 bits long

const REJECTIONS: Array<{ name: string; bytes: Uint8Array; message: RegExp }> = [
  { name: 'an empty map', bytes: new Uint8Array(0), message: /^asmap: empty map \(0 bytes\)$/ },
  { name: 'a RETURN whose ASN is cut off', bytes: hexToBytes('80cf'), message: /^asmap: truncated RETURN ASN at bit 0$/ },
  {
    name: 'a map cut off before the second branch',
    bytes: assemble(JUMP_17, RETURN_1),
    message: /^asmap: truncated RETURN ASN at bit 25$/,
  },
  { name: 'a set padding bit', bytes: hexToBytes('80cf03'), message: /^asmap: non-zero padding bit at bit 17$/ },
  {
    name: 'more than 7 padding bits',
    bytes: hexToBytes('80cf0100'),
    message: /^asmap: 15 bits after the final RETURN at bit 0 \(at most 7 padding bits\)$/,
  },
  {
    name: 'a jump past the end',
    bytes: assemble(JUMP_100, RETURN_1, RETURN_2),
    message: /^asmap: jump target beyond end at bit 0$/,
  },
  { name: 'RETURN right after DEFAULT', bytes: assemble(DEFAULT_7, RETURN_9), message: /^asmap: RETURN directly after DEFAULT at bit 19$/ },
  {
    name: 'two DEFAULTs in a row',
    bytes: assemble(DEFAULT_7, DEFAULT_5, MATCH_BIT1, RETURN_9),
    message: /^asmap: two DEFAULTs in a row at bit 19$/,
  },
  {
    name: 'two incomplete MATCHes in a row',
    bytes: assemble(MATCH_BIT1, MATCH_BIT0, RETURN_1),
    message: /^asmap: second incomplete MATCH in a row at bit 5/,
  },
  { name: 'an instruction type cut off by the end', bytes: assemble('110 1 0 00', '1'), message: /^asmap: truncated instruction at bit 7$/ },
  { name: 'a program without a final RETURN', bytes: assemble(DEFAULT_5, MATCH_BIT0), message: /^asmap: program ends without RETURN at bit 24$/ },
  {
    name: 'dead bits between a branch and its jump target',
    bytes: assemble(JUMP_18, RETURN_1, '0', RETURN_2),
    message: /^asmap: unreachable code at bit 25 before jump target at bit 26$/,
  },
  {
    name: 'a jump into the middle of an instruction',
    bytes: assemble(JUMP_17, DEFAULT_1, MATCH_BIT1, RETURN_1, RETURN_2),
    message: /^asmap: instruction at bit 27 runs into jump target at bit 25$/,
  },
  {
    name: 'a nested jump past its enclosing jump target',
    bytes: assemble(JUMP_17, JUMP_17, RETURN_1, RETURN_2, RETURN_3),
    message: /^asmap: JUMP at bit 8 targets bit 33, past the enclosing jump target at bit 25$/,
  },
  {
    name: 'a MATCH reading past the 128 input bits',
    bytes: assemble(SIXTEEN_BYTE_MATCHES, MATCH_BYTE_0x20, RETURN_1),
    message: /^asmap: MATCH at bit 288 reads past the 128 input bits$/,
  },
  {
    name: 'a JUMP reading past the 128 input bits',
    bytes: assemble(SIXTEEN_BYTE_MATCHES, JUMP_17, RETURN_1, RETURN_2),
    message: /^asmap: JUMP at bit 288 reads past the 128 input bits$/,
  },
];

for (const { name, bytes, message } of REJECTIONS) {
  test(`fromBytes rejects ${name}`, () => rejects(bytes, message));
}

test('fromBytes accepts a map that consumes exactly all 128 input bits', () => {
  const map = Asmap.fromBytes(assemble(SIXTEEN_BYTE_MATCHES, RETURN_1));
  assert.equal(map.lookup(ip('2020:2020:2020:2020:2020:2020:2020:2020')), 1);
  assert.equal(map.lookup(ip('2020:2020:2020:2020:2020:2020:2020:2021')), 0);
});

// ---------------------------------------------------------------------------------------------------
// Lookups on encoded maps

test('250.0.0.0/8 → AS1000 maps ::ffff:250.1.1.1 to 1000 (the asmap of Core addrman bucket vectors)', () => {
  const map = Asmap.fromBytes(encodeAsmap([entry('250.0.0.0/8', 1000)]));
  assert.equal(map.lookup(ip('250.1.1.1')), 1000);
  assert.equal(map.lookup(ip('::ffff:250.1.1.1')), 1000);
  assert.equal(map.lookup(ip('250.255.255.255')), 1000);
  assert.equal(map.lookup(ip('249.255.255.255')), 0);
  assert.equal(map.lookup(ip('251.0.0.0')), 0);
  assert.equal(map.lookup(ip('fa01:101::')), 0); // same leading bits, but not IPv4-mapped
});

test('Core addrman_tests mock table looks up 101.n.0.0/16 as ASn', () => {
  const v = ASMAP_VECTORS.find((x) => x.name === 'Core addrman_tests mock table')!;
  const map = Asmap.fromBytes(encodeAsmap(v.entries.map(([c, a]) => entry(c, a))));
  for (let n = 1; n <= 8; n++) assert.equal(map.lookup(ip(`101.${n}.${n * 17}.3`)), n);
  assert.equal(map.lookup(ip('101.9.0.1')), 0);
  assert.equal(map.lookup(ip('101.0.255.255')), 0);
  assert.equal(map.lookup(ip('250.8.8.8')), 1000);
});

for (const v of ASMAP_VECTORS) {
  test(`encoder output is byte-identical to Core's asmap.py: ${v.name}`, () => {
    const entries = v.entries.map(([c, a]) => entry(c, a));
    const bytes = encodeAsmap(entries);
    assert.equal(bytesToHex(bytes), v.hex);
    assert.deepEqual(encodeAsmap([...entries].reverse()), bytes); // entry order does not matter
    const map = Asmap.fromBytes(bytes);
    fc.assert(
      fc.property(fc.nat(entries.length - 1), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (i, noise, inside) => {
        const key = Uint8Array.from(noise);
        if (inside) {
          const e = entries[i];
          for (let b = 0; b < e.prefixLength; b++) {
            key[b >> 3] = (key[b >> 3] & ~(0x80 >> (b & 7))) | (bitOf(e.prefix, b) << (7 - (b & 7)));
          }
        }
        assert.equal(map.lookup(key), naiveLookup(entries, key));
      }),
      { numRuns: 300 },
    );
  });
}

/** Random tables whose prefixes share leading bits often, so nesting and siblings are common. */
const tableArb = fc
  .array(
    fc.record({
      seed: fc.constantFrom(ip('::ffff:0.0.0.0'), ip('2001:db8::'), ip('::'), ip('8000::')),
      noise: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      noiseFrom: fc.integer({ min: 0, max: 128 }),
      prefixLength: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 90, max: 128 }), fc.integer({ min: 0, max: 128 })),
      asn: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: ASMAP_MAX_ASN })),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((raw) => {
    const seen = new Set<string>();
    const entries: AsmapEntry[] = [];
    for (const r of raw) {
      const prefix = new Uint8Array(16);
      for (let b = 0; b < r.prefixLength; b++) {
        const bit = b < r.noiseFrom ? bitOf(r.seed, b) : bitOf(r.noise, b);
        prefix[b >> 3] |= bit << (7 - (b & 7));
      }
      const key = `${bytesToHex(prefix)}/${r.prefixLength}`;
      if (seen.has(key)) continue; // one ASN per prefix
      seen.add(key);
      entries.push({ prefix, prefixLength: r.prefixLength, asn: r.asn });
    }
    return entries;
  });

test('property: encoded random tables validate and look up like a naive longest-prefix match', () => {
  fc.assert(
    fc.property(tableArb, fc.array(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean()), { maxLength: 30 }), (entries, probes) => {
      const map = Asmap.fromBytes(encodeAsmap(entries));
      for (const [pick, noise, inside] of probes) {
        const key = Uint8Array.from(noise);
        if (inside) {
          const e = entries[pick % entries.length];
          for (let b = 0; b < e.prefixLength; b++) {
            key[b >> 3] = (key[b >> 3] & ~(0x80 >> (b & 7))) | (bitOf(e.prefix, b) << (7 - (b & 7)));
          }
        }
        assert.equal(map.lookup(key), naiveLookup(entries, key));
      }
    }),
    { numRuns: 300 },
  );
});

test('lookup rejects a key that is not 16 bytes', () => {
  const map = Asmap.fromBytes(hexToBytes('80cf01'));
  assert.throws(() => map.lookup(new Uint8Array(4)), ArgumentError);
});

test('fromBytes copies its input', () => {
  const bytes = hexToBytes('80cf01');
  const map = Asmap.fromBytes(bytes);
  bytes[1] = 0;
  assert.equal(map.lookup(ip('::')), 1000);
});

// ---------------------------------------------------------------------------------------------------
// Checksum

// checksum = SHA256(SHA256(CompactSize(bitLength) ‖ b₀ ‖ … ‖ b_{n−1})), bᵢ ∈ {0x00, 0x01} the i-th loaded bit
// (byte i>>3, bit i&7): Core serialize.h writes a std::vector<bool> as its size then one byte per element,
// and GetAsmapChecksum hashes that with HashWriter (double SHA-256).

test('checksum hashes the serialized vector<bool>: CompactSize bit count, then one byte per bit', () => {
  const bytes = hexToBytes('80cf01');
  const map = Asmap.fromBytes(bytes);
  assert.equal(bytesToHex(map.checksum), expectedChecksum(bytes));
  assert.equal(bytesToHex(map.checksum), '922d5a019f6933b5b139b293945bda9d184628fa9014b980475c03192eee3f24');
});

test('checksum uses the 3-byte CompactSize once the map has 253 bits or more', () => {
  const v = ASMAP_VECTORS.find((x) => x.name === 'Core addrman_tests mock table')!;
  const bytes = hexToBytes(v.hex);
  assert.ok(bytes.length * 8 >= 0xfd);
  assert.equal(bytesToHex(Asmap.fromBytes(bytes).checksum), expectedChecksum(bytes));
});

for (const v of ASMAP_VECTORS) {
  test(`checksum matches the independently computed value: ${v.name}`, () => {
    assert.equal(bytesToHex(Asmap.fromBytes(hexToBytes(v.hex)).checksum), v.checksum);
  });
}

test('checksum covers padding bits and differs between maps', () => {
  const a = Asmap.fromBytes(assemble(RETURN_1));
  const b = Asmap.fromBytes(assemble(RETURN_2));
  assert.notDeepEqual(a.checksum, b.checksum);
  assert.equal(a.checksum.length, 32);
});

test('checksum returns a copy the caller may modify', () => {
  const map = Asmap.fromBytes(hexToBytes('80cf01'));
  const first = map.checksum;
  first.fill(0);
  assert.equal(bytesToHex(map.checksum), '922d5a019f6933b5b139b293945bda9d184628fa9014b980475c03192eee3f24');
});

// ---------------------------------------------------------------------------------------------------
// Encoder input checks

test('encodeAsmap rejects an empty table (no valid asmap maps nothing)', () => {
  assert.throws(() => encodeAsmap([]), ArgumentError);
});

test('encodeAsmap rejects one prefix given two different ASNs but accepts an exact duplicate', () => {
  assert.throws(() => encodeAsmap([entry('10.0.0.0/8', 1), entry('10.0.0.0/8', 2)]), /already mapped to AS1/);
  assert.deepEqual(encodeAsmap([entry('10.0.0.0/8', 1), entry('10.0.0.0/8', 1)]), encodeAsmap([entry('10.0.0.0/8', 1)]));
});

test('encodeAsmap rejects bits set past the prefix length', () => {
  assert.throws(() => encodeAsmap([entry('10.0.0.1/8', 1)]), /bit 127 set past prefix length 104/);
});

test('encodeAsmap rejects ASNs and prefix lengths outside the format', () => {
  assert.throws(() => encodeAsmap([entry('::/0', 0)]), ArgumentError);
  assert.throws(() => encodeAsmap([entry('::/0', ASMAP_MAX_ASN + 1)]), ArgumentError);
  assert.throws(() => encodeAsmap([{ prefix: ip('::'), prefixLength: 129, asn: 1 }]), ArgumentError);
  assert.throws(() => encodeAsmap([{ prefix: new Uint8Array(4), prefixLength: 0, asn: 1 }]), ArgumentError);
});
