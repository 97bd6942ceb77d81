/**
 * SVG markup primitives: text escaping, element building and coordinate formatting. Every string that
 * ends up in a chart passes `escapeXml`, which also replaces the characters XML 1.0 forbids (C0
 * controls, lone surrogates, U+FFFE/U+FFFF) — a peer's user agent may hold any of them, and one such
 * character would make a whole SVG or HTML report unparseable.
 */
import { ArgumentError } from '../util/errors.js';

/** Element and attribute names accepted by `element` (no user data ever becomes a name). */
const NAME_RE = /^[A-Za-z_][-A-Za-z0-9_.:]*$/;

/** Characters XML 1.0 does not allow, and lone surrogates. */
// eslint-disable-next-line no-control-regex
const INVALID_XML_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes `text` for XML/HTML text and attribute values: `& < > " '` become entities and characters
 * XML forbids become U+FFFD. Safe in SVG, XHTML and HTML.
 */
export function escapeXml(text: string): string {
  return text.replace(INVALID_XML_RE, '\ufffd').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** Attribute values; `undefined`, `null` and `false` leave the attribute out, `true` writes it empty. */
export type Attrs = Readonly<Record<string, string | number | boolean | undefined | null>>;

/** A number as an SVG coordinate: at most two decimals, no `-0`, no exponent. */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new ArgumentError(`SVG coordinate must be finite, got ${value}`);
  const r = Math.round(value * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

function attrText(attrs: Attrs): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (!NAME_RE.test(name)) throw new ArgumentError(`invalid attribute name ${JSON.stringify(name)}`);
    const text = value === true ? '' : typeof value === 'number' ? num(value) : escapeXml(value);
    out += ` ${name}="${text}"`;
  }
  return out;
}

/**
 * `<name attrs>children</name>`, or `<name attrs/>` without children. Children are markup (from
 * other `element`/`textElement` calls), not text: use `textElement` for text.
 */
export function element(name: string, attrs: Attrs = {}, ...children: string[]): string {
  if (!NAME_RE.test(name)) throw new ArgumentError(`invalid element name ${JSON.stringify(name)}`);
  const body = children.join('');
  return body === '' ? `<${name}${attrText(attrs)}/>` : `<${name}${attrText(attrs)}>${body}</${name}>`;
}

/** `<name attrs>escaped text</name>`. */
export function textElement(name: string, attrs: Attrs, text: string): string {
  if (!NAME_RE.test(name)) throw new ArgumentError(`invalid element name ${JSON.stringify(name)}`);
  return `<${name}${attrText(attrs)}>${escapeXml(text)}</${name}>`;
}

/** Advance of an average character as a share of the font size (wide sans-serif fonts such as DejaVu Sans). */
export const CHAR_WIDTH_EM = 0.62;

/** Estimated advance of one character, em: narrow punctuation, digits, lower and upper case, wide letters and CJK. */
function charWidthEm(ch: string): number {
  if (/[il.,:;|!'`\s]/.test(ch)) return 0.34;
  if (/[fjrt()[\]/-]/.test(ch)) return 0.42;
  if (/[mwMW@%]/.test(ch)) return 0.95;
  if (/[A-Z]/.test(ch)) return 0.74;
  if (/[0-9]/.test(ch)) return 0.64;
  if (/[a-z]/.test(ch)) return 0.62;
  return ch.codePointAt(0)! >= 0x2e80 ? 1.0 : 0.7;
}

/** A generous estimate of `text`'s rendered width in px (no DOM here; layout leaves room for the estimate). */
export function estimateTextWidth(text: string, fontSizePx: number): number {
  let em = 0;
  for (const ch of text) em += charWidthEm(ch);
  return em * fontSizePx;
}

/** `text` cut to at most `maxChars` characters (code points), ending in `…` when cut. */
export function truncate(text: string, maxChars: number): string {
  const chars = [...text];
  if (chars.length <= maxChars) return text;
  return chars.slice(0, Math.max(0, maxChars - 1)).join('') + '…';
}

/** An id usable in SVG/HTML from free text: lowercase letters, digits and dashes, starting with a letter. */
export function slugId(text: string): string {
  const slug = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return `chart-${slug || 'untitled'}`;
}
