/**
 * Sums a V8 heap snapshot (`.heapsnapshot`, e.g. from the scale bench's server) by constructor name:
 * count and self size of each kind of object, largest first — the memory-per-peer breakdown the
 * performance report quotes. Divide by the peer count to get bytes per peer.
 *
 * With `--base other.heapsnapshot` (taken before the peers connected) it prints the difference: what the
 * peers added.
 *
 *   node dist/bench/scale/heap-summary.js <file.heapsnapshot> [--base before.heapsnapshot] [--top 40] [--per 5000]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** One row: objects of one constructor (or V8 type when unnamed). */
export interface HeapRow {
  name: string;
  count: number;
  selfBytes: number;
}

/** Aggregates a parsed snapshot by `type:name`. */
export function summariseHeap(snap: Snapshot): { totalBytes: number; rows: HeapRow[] } {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const fType = fields.indexOf('type');
  const fName = fields.indexOf('name');
  const fSize = fields.indexOf('self_size');
  const rows = new Map<string, HeapRow>();
  let totalBytes = 0;
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = types[snap.nodes[i + fType]];
    const size = snap.nodes[i + fSize];
    totalBytes += size;
    const raw = type === 'object' || type === 'native' || type === 'closure' ? snap.strings[snap.nodes[i + fName]] : `(${type})`;
    const name = type === 'closure' ? `closure ${raw}` : raw.length > 60 ? `${raw.slice(0, 57)}…` : raw;
    const row = rows.get(name) ?? { name, count: 0, selfBytes: 0 };
    row.count++;
    row.selfBytes += size;
    rows.set(name, row);
  }
  return { totalBytes, rows: [...rows.values()].sort((a, b) => b.selfBytes - a.selfBytes) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, ...rest] = process.argv.slice(2);
  const opt = (k: string, d: number): number => (rest.includes(k) ? Number(rest[rest.indexOf(k) + 1]) : d);
  const load = (f: string) => summariseHeap(JSON.parse(readFileSync(f, 'utf8')) as Snapshot);
  const after = load(file);
  let { totalBytes, rows } = after;
  const baseIndex = rest.indexOf('--base');
  if (baseIndex >= 0) {
    const before = load(rest[baseIndex + 1]);
    const old = new Map(before.rows.map((r) => [r.name, r]));
    totalBytes -= before.totalBytes;
    rows = rows.map((r) => ({ name: r.name, count: r.count - (old.get(r.name)?.count ?? 0), selfBytes: r.selfBytes - (old.get(r.name)?.selfBytes ?? 0) }))
      .sort((a, b) => b.selfBytes - a.selfBytes);
  }
  const per = opt('--per', 1);
  console.log(`total ${(totalBytes / 1e6).toFixed(1)} MB${per > 1 ? `, ${(totalBytes / per).toFixed(0)} B per peer` : ''}`);
  for (const r of rows.slice(0, opt('--top', 40))) {
    console.log(`${String(r.count).padStart(9)} ${(r.selfBytes / 1e6).toFixed(2).padStart(9)} MB ${per > 1 ? `${(r.selfBytes / per).toFixed(0).padStart(7)} B/peer ` : ''} ${r.name}`);
  }
}
