/**
 * Reads BIP324's published test-vector files (bitcoin/bips `bip-0324/*.csv`, copied byte for byte
 * into test/data/bip324/ with their CRLF line endings). Fields are hex; an empty field means absent.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/data/bip324 in the source tree (this file runs from dist/test/bip324/). */
export const VECTOR_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/data/bip324');

/** The rows of one CSV file as objects keyed by the header line's column names. */
export function readVectorFile(name: string): Array<Record<string, string>> {
  const lines = readFileSync(path.join(VECTOR_DIR, name), 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(',');
  return lines.slice(1).map((line, i) => {
    const fields = line.split(',');
    if (fields.length !== header.length) throw new Error(`${name} row ${i + 1}: ${fields.length} fields, header has ${header.length}`);
    return Object.fromEntries(header.map((h, j) => [h, fields[j]]));
  });
}

/** Bytes of a hex field ('' → empty). */
export function hex(field: string): Uint8Array {
  return new Uint8Array(Buffer.from(field, 'hex'));
}
