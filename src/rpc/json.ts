/**
 * JSON as Core's UniValue writes it. `JSON.stringify` cannot write a `bigint` (service flags are
 * 64-bit: `UNKNOWN[2^63]` does not fit a double) and writes amounts as `0` where Core writes
 * `0.00000000`; this writer does both, and is otherwise compact JSON like `UniValue::write()`.
 */

/** Satoshis per coin (Core COIN). */
export const COIN = 100_000_000n;

/** A coin amount written with 8 decimals like Core's `ValueFromAmount` (e.g. `0.00001000`). */
export class Amount {
  /** @param sats the amount in satoshis. */
  constructor(readonly sats: bigint) {}

  /** Core `ValueFromAmount` text: sign, whole coins, `.`, 8 digits. */
  toString(): string {
    const neg = this.sats < 0n;
    const abs = neg ? -this.sats : this.sats;
    return `${neg ? '-' : ''}${abs / COIN}.${(abs % COIN).toString().padStart(8, '0')}`;
  }
}

/**
 * Deepest nesting of arrays and objects, counting the outermost (Core univalue_read.cpp MAX_JSON_DEPTH):
 * a request body nested deeper is a parse error, and `writeJson` writes at most this deep — so every id
 * a request may carry can be echoed in its reply.
 */
export const MAX_JSON_DEPTH = 512;

/**
 * Container nesting of a parsed JSON value (0 for a scalar, 1 for `[]`), found without recursion
 * (`JSON.parse` itself is iterative and accepts any depth); counting stops once it passes `limit`.
 */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

/**
 * Compact JSON text of `value`: like `JSON.stringify`, plus `bigint` as exact integers and `Amount`
 * with 8 decimals. Object properties that are `undefined` are left out; non-finite numbers are null.
 */
export function writeJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, 0);
  return out.join('');
}

function write(value: unknown, out: string[], depth: number): void {
  if (depth > MAX_JSON_DEPTH) throw new RangeError(`JSON nesting deeper than ${MAX_JSON_DEPTH}`);
  if (value === null || value === undefined) {
    out.push('null');
  } else if (typeof value === 'string') {
    out.push(JSON.stringify(value));
  } else if (typeof value === 'number') {
    out.push(Number.isFinite(value) ? String(value) : 'null');
  } else if (typeof value === 'bigint') {
    out.push(value.toString());
  } else if (typeof value === 'boolean') {
    out.push(value ? 'true' : 'false');
  } else if (value instanceof Amount) {
    out.push(value.toString());
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((v, i) => {
      if (i > 0) out.push(',');
      write(v, out, depth + 1);
    });
    out.push(']');
  } else if (typeof value === 'object') {
    out.push('{');
    let first = true;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(k), ':');
      write(v, out, depth + 1);
    }
    out.push('}');
  } else {
    out.push('null');
  }
}

/** Core `uvTypeName`: the JSON type name used in "Wrong type passed" messages. */
export function jsonTypeName(value: unknown): 'null' | 'bool' | 'object' | 'array' | 'string' | 'number' {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number' || typeof value === 'bigint') return 'number';
  if (Array.isArray(value)) return 'array';
  return 'object';
}
