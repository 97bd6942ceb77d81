/**
 * A strict well-formedness check for the markup report/ produces (elements, quoted attributes, text,
 * the five entities and numeric references; no comments, CDATA or processing instructions — report/
 * never writes any). Enough to prove that no input text can break out of its element or attribute.
 */
import fc from 'fast-check';

/** Any UTF-16 code unit, with markup characters, forbidden controls and lone surrogates made likely (fast to generate). */
export const hostileUnit = fc.oneof(
  fc.constantFrom('<', '>', '&', '"', "'", '\u0000', '\u0007', '\u001b', '\t', '\ud800', '\udc00', '\ufffe', '😀'),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function checkText(text: string, where: string): void {
  if (FORBIDDEN.test(text)) throw new Error(`character XML forbids in ${where}`);
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '<') throw new Error(`raw < in ${where}`);
    if (text[i] === '&') {
      ENTITY.lastIndex = i;
      if (!ENTITY.test(text)) throw new Error(`bare & in ${where}: ${text.slice(i, i + 12)}`);
    }
  }
}

/** Throws unless `markup` is one well-formed element tree; returns the root element's name. */
export function assertWellFormed(markup: string): string {
  const token = /<\/([A-Za-z_][-\w:.]*)\s*>|<([A-Za-z_][-\w:.]*)((?:\s+[A-Za-z_:][-\w:.]*="[^"]*")*)\s*(\/?)>|([^<]+)/y;
  const stack: string[] = [];
  let root: string | undefined;
  let pos = 0;
  while (pos < markup.length) {
    token.lastIndex = pos;
    const m = token.exec(markup);
    if (!m) throw new Error(`malformed markup at ${pos}: ${JSON.stringify(markup.slice(pos, pos + 40))}`);
    pos = token.lastIndex;
    const [, close, open, attrs, selfClose, text] = m;
    if (close) {
      const top = stack.pop();
      if (top !== close) throw new Error(`</${close}> closes <${top}>`);
    } else if (open) {
      if (stack.length === 0) {
        if (root !== undefined) throw new Error('more than one root element');
        root = open;
      }
      const names = new Set<string>();
      for (const a of attrs.matchAll(/([A-Za-z_:][-\w:.]*)="([^"]*)"/g)) {
        if (names.has(a[1])) throw new Error(`attribute ${a[1]} twice on <${open}>`);
        names.add(a[1]);
        checkText(a[2], `attribute ${a[1]} of <${open}>`);
      }
      if (!selfClose) stack.push(open);
    } else if (text !== undefined) {
      if (stack.length === 0 && text.trim() !== '') throw new Error('text outside the root element');
      checkText(text, stack.length > 0 ? `<${stack[stack.length - 1]}>` : 'the prolog');
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (root === undefined) throw new Error('no element');
  return root;
}

/** Decodes the entities `escapeXml` writes. */
export function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

/** The text content of every element `name` in `markup`, unescaped (for elements without children). */
export function textsOf(markup: string, name: string): string[] {
  return [...markup.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`, 'g'))].map((m) => unescapeXml(m[1]));
}

/** Attribute values of every element `name` carrying attribute `attr`. */
export function attrsOf(markup: string, name: string, attr: string): string[] {
  return [...markup.matchAll(new RegExp(`<${name}\\s[^>]*?\\b${attr}="([^"]*)"`, 'g'))].map((m) => unescapeXml(m[1]));
}
