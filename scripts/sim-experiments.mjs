#!/usr/bin/env node
// Runs the simulator's full-size experiments one after another (the figures in docs/security.md):
// `npm run sim:experiments [-- name …]`. Each writes result.json, nodes.json, perf.json (peer-set: neither nodes.json nor perf.json), tables.md and SVG plots
// into sim/results/<name>/. Same code + same seed = the same result.json.
import { spawnSync } from 'node:child_process';

// The runs docs/security.md quotes first; then the full-size eclipse matrix and the 10,000-node run (hours on one core).
const ALL = ['inbound-flood', 'addr-flood', 'peer-set', 'eclipse-small', 'eclipse-small-ablation', 'eclipse-small-ablation-botnet', 'eclipse-defences-on', 'network-small',
  'eclipse-heilman', 'eclipse-erebus', 'network-10k-short', 'network-10k'];
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
for (const name of names) {
  console.log(`== ${name}`);
  const r = spawnSync(process.execPath, ['bin/peerbook.js', 'sim', name, '--out', `sim/results/${name}`, '--log-progress', '60'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
