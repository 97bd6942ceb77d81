/**
 * Self-contained HTML report pages: one file with inline CSS and inline SVG charts, no scripts and
 * nothing fetched from anywhere (a Content-Security-Policy in the page says so, so a report opened
 * from disk cannot be made to phone home even if some text in it were hostile). All text goes
 * through `escapeXml`.
 */
import { formatCount } from './format.js';
import { escapeXml } from './svg.js';

/** The page's Content-Security-Policy: inline styles and `data:` images only; no script, no fetch, no frames. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The default stylesheet: light, readable, prints well. */
export const REPORT_CSS = `
  body { margin: 0 auto; max-width: 1100px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff; }
  h1 { font-size: 22px; margin: 0 0 6px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #e4e7eb; padding-bottom: 4px; }
  p.lead { color: #57606a; margin: 0 0 16px; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 8px 0; }
  th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
  th { color: #57606a; font-weight: 600; } td.num, th.num { text-align: right; }
  .cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
  .card { border: 1px solid #e4e7eb; border-radius: 6px; padding: 8px 12px; min-width: 110px; }
  .card b { display: block; font-size: 20px; }
  figure { margin: 12px 0; } figcaption { color: #57606a; font-size: 13px; margin-top: 4px; }
  svg { max-width: 100%; height: auto; display: block; }
  details { margin: 6px 0 14px; } summary { cursor: pointer; color: #0969da; }
  .note { color: #57606a; font-size: 13px; }
  @media print { h2 { break-after: avoid; } figure { break-inside: avoid; } }
`;

/** Options of `htmlPage`. */
export interface HtmlPageOptions {
  /** The document title (escaped). */
  title: string;
  /** Body markup (already escaped / built with the functions here). */
  body: string;
  /** Extra CSS appended to REPORT_CSS. */
  css?: string;
  /** Document language (default `en`). */
  lang?: string;
}

/** A complete HTML document with REPORT_CSP and REPORT_CSS. */
export function htmlPage(o: HtmlPageOptions): string {
  return `<!doctype html>
<html lang="${escapeXml(o.lang ?? 'en')}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeXml(REPORT_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(o.title)}</title>
<style>${REPORT_CSS}${o.css ?? ''}</style>
</head>
<body>
${o.body}
</body>
</html>
`;
}

/** A table cell: text (escaped), or `{ text, numeric }` for a right-aligned number column. */
export type HtmlCell = string | number | { text: string; numeric?: boolean; title?: string };

/**
 * An HTML table from plain values (all escaped). Numbers are right-aligned. `caption` becomes the
 * table's `<caption>` (its accessible name).
 */
export function htmlTable(header: readonly string[], rows: ReadonlyArray<readonly HtmlCell[]>, caption?: string): string {
  const numericCol = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || (typeof r[i] === 'object' && (r[i] as { numeric?: boolean }).numeric === true)));
  const cell = (tag: 'td' | 'th', c: HtmlCell, i: number): string => {
    const text = typeof c === 'object' ? c.text : typeof c === 'number' ? formatCount(c) : c;
    const title = typeof c === 'object' && c.title ? ` title="${escapeXml(c.title)}"` : '';
    return `<${tag}${numericCol[i] ? ' class="num"' : ''}${title}>${escapeXml(text)}</${tag}>`;
  };
  return `<table>${caption ? `<caption>${escapeXml(caption)}</caption>` : ''}` +
    `<thead><tr>${header.map((h, i) => cell('th', h, i)).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A `<figure>` around a chart's SVG with an optional caption (escaped). */
export function figure(svg: string, caption?: string): string {
  return `<figure>${svg}${caption ? `<figcaption>${escapeXml(caption)}</figcaption>` : ''}</figure>`;
}
