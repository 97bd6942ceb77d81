import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatBytes, formatCompact, formatCount, formatDuration, formatPercent, plural } from '../../src/report/format.js';
import { decimalsForStep, defaultTickFormat, linearScale, MAX_TICKS, niceStep, niceTicks } from '../../src/report/scale.js';
import { element, escapeXml, estimateTextWidth, num, slugId, textElement, truncate } from '../../src/report/svg.js';
import { heatBin, heatColor, LIGHT_THEME } from '../../src/report/theme.js';
import { assertWellFormed, hostileUnit, textsOf, unescapeXml } from './xml.js';

test('escapeXml turns markup characters into entities and characters XML forbids into U+FFFD', () => {
  assert.equal(escapeXml(`<img src=x onerror="a('b')">&amp;`), '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;amp;');
  assert.equal(escapeXml('a\u0000b\u0007c\u001bd\ufffe'), 'a\ufffdb\ufffdc\ufffdd\ufffd');
  assert.equal(escapeXml('tab\tnl\ncr\r'), 'tab\tnl\ncr\r', 'the three allowed controls stay');
  assert.equal(escapeXml('\ud800x\udc00'), '\ufffdx\ufffd', 'lone surrogates');
  assert.equal(escapeXml('😀'), '😀', 'a surrogate pair is one valid character');
});

test('any text put into an element or attribute comes back unchanged after parsing, and the markup stays well-formed', () => {
  fc.assert(fc.property(fc.string({ unit: hostileUnit, maxLength: 60 }), (text) => {
    const clean = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
    const markup = element('g', { 'data-x': text }, textElement('title', {}, text));
    assertWellFormed(markup);
    assert.deepEqual(textsOf(markup, 'title'), [clean]);
    assert.equal(unescapeXml(/data-x="([^"]*)"/.exec(markup)![1]), clean);
  }), { numRuns: 200 });
});

test('element refuses names that are not XML names, leaves out absent attributes and writes numbers with two decimals at most', () => {
  assert.throws(() => element('a b'), { code: 'ERR_ARGUMENT' });
  assert.throws(() => element('g', { 'on"x': 1 }), { code: 'ERR_ARGUMENT' });
  assert.equal(element('rect', { x: 1.23456, y: -0.001, hidden: false, empty: null, open: true }), '<rect x="1.23" y="0" open=""/>');
  assert.equal(num(-0.004), '0');
  assert.throws(() => num(NaN), { code: 'ERR_ARGUMENT' });
});

test('truncate cuts by code points and marks the cut; slugId makes a safe id from any title', () => {
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('abc', 3), 'abc');
  assert.equal(truncate('😀😀😀', 2), '😀…');
  assert.equal(slugId('Traffic by <direction>!'), 'chart-traffic-by-direction');
  assert.equal(slugId('!!!'), 'chart-untitled');
  assert.ok(estimateTextWidth('NETWORK_LIMITED', 12) > estimateTextWidth('network_limited', 12));
  assert.ok(estimateTextWidth('NETWORK_LIMITED', 12) >= 15 * 12 * 0.7, 'capitals are estimated generously');
});

test('niceTicks covers the range with round steps, in at most the intervals asked for', () => {
  fc.assert(fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.integer({ min: 2, max: 12 }),
    (a, b, n) => {
      const ticks = niceTicks(a, b, n);
      assert.ok(ticks[0] <= Math.min(a, b) + 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)), `${ticks[0]} ≤ ${Math.min(a, b)}`);
      assert.ok(ticks[ticks.length - 1] >= Math.max(a, b) - 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)));
      assert.ok(ticks.length - 1 <= n && ticks.length >= 2, `${ticks.length - 1} intervals for ${n}`);
      const step = ticks[1] - ticks[0];
      const mantissa = step / 10 ** Math.floor(Math.log10(step));
      assert.ok([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6), `step ${step}`);
    }), { numRuns: 500 });
  assert.deepEqual(niceTicks(0, 64), [0, 20, 40, 60, 80]);
  assert.deepEqual(niceTicks(0, 3, 5, true), [0, 1, 2, 3]);
  assert.deepEqual(niceTicks(5, 5), [0, 1, 2, 3, 4, 5]);
  assert.ok(niceTicks(0, 1, 1_000).length <= MAX_TICKS + 1, 'never more than MAX_TICKS intervals');
  assert.throws(() => niceTicks(0, Infinity), { code: 'ERR_ARGUMENT' });
  assert.equal(niceStep(0.3), 0.5);
});

test('tick labels carry as many decimals as their step needs', () => {
  assert.equal(decimalsForStep(5), 0);
  assert.equal(decimalsForStep(0.5), 1);
  assert.equal(decimalsForStep(0.02), 2);
  assert.deepEqual(niceTicks(0, 0.07, 4).map((v) => defaultTickFormat(v, 0.02)), ['0', '0.02', '0.04', '0.06', '0.08']);
  assert.equal(defaultTickFormat(12_000, 2_000), '12k');
  assert.equal(defaultTickFormat(1_500, 500), '1,500');
});

test('linearScale maps the domain onto the range, backwards too', () => {
  const s = linearScale([0, 10], [100, 0]);
  assert.equal(s(0), 100);
  assert.equal(s(10), 0);
  assert.equal(s(2.5), 75);
  assert.equal(linearScale([3, 3], [0, 10])(3), 5, 'an empty domain maps to the middle');
});

test('counts, bytes, percentages and durations read the same on every machine; plurals are English', () => {
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(-1234.5), '-1,234.5');
  assert.equal(formatCompact(950), '950');
  assert.equal(formatCompact(1_500), '1.5k');
  assert.equal(formatCompact(25_000_000), '25M');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1_500), '1.5 kB');
  assert.equal(formatBytes(123_456_789), '123 MB');
  assert.equal(formatPercent(0.1234), '12.3%');
  assert.equal(formatPercent(1), '100%');
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(200), '3 min 20 s');
  assert.equal(formatDuration(7500), '2 h 5 min');
  assert.equal(formatDuration(90_000), '1 d 1 h');
  assert.equal(plural(1, 'entry', 'entries'), '1 entry');
  assert.equal(plural(0, 'entry', 'entries'), '0 entries');
  assert.equal(plural(1024, 'bucket'), '1,024 buckets');
});

test('heat bins split 0..max into equal shares with 0 alone as empty, and values past max in the top bin', () => {
  assert.equal(heatBin(0, 64, 8), 0);
  assert.equal(heatBin(1, 64, 8), 1);
  assert.equal(heatBin(8, 64, 8), 1);
  assert.equal(heatBin(9, 64, 8), 2);
  assert.equal(heatBin(64, 64, 8), 8);
  assert.equal(heatBin(1_000, 64, 8), 8);
  assert.equal(heatBin(-3, 64, 8), 0);
  assert.equal(heatColor(0, 64, LIGHT_THEME), LIGHT_THEME.heatEmpty);
  assert.equal(heatColor(64, 64, LIGHT_THEME), LIGHT_THEME.heat[7]);
  fc.assert(fc.property(fc.integer({ min: 0, max: 63 }), (v) => heatBin(v, 64, 8) <= heatBin(v + 1, 64, 8)), { numRuns: 64 });
});
