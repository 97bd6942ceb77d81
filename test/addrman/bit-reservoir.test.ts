/** BitReservoir hands out exactly the values of individual randbits calls when its look-ahead is honest. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BitReservoir } from '../../src/addrman/bit-reservoir.js';
import { ChaChaRandom } from '../../src/util/random.js';

test('take(n, ahead) equals randbits(n) call by call, and nothing is left over (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e6 }), fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 60 }), (seed, widths) => {
      const a = ChaChaRandom.fromSeed(seed);
      const b = ChaChaRandom.fromSeed(seed);
      const r = new BitReservoir(a);
      widths.forEach((w, i) => {
        const ahead = widths.slice(i + 1).reduce((x, y) => x + y, 0);
        assert.equal(r.take(w, ahead), b.randbits(w));
      });
      assert.equal(r.pending, 0);
      assert.equal(a.randbits(37), b.randbits(37));
    }),
  );
});

test('range(r, ahead) equals Core randrange(r), rejections included (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e6 }), fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 40 }), (seed, ranges) => {
      const a = ChaChaRandom.fromSeed(seed);
      const b = ChaChaRandom.fromSeed(seed);
      const r = new BitReservoir(a);
      ranges.forEach((range, i) => {
        const ahead = ranges.slice(i + 1).reduce((x, y) => x + (y === 1 ? 0 : 32 - Math.clz32(y - 1)), 0);
        assert.equal(r.range(range, ahead), b.randrange(range));
      });
      assert.equal(r.pending, 0);
    }),
  );
});
