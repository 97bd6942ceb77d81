import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_NODES, runDemo } from '../../src/demo/demo.js';
import { requireLitecoind } from '../support/litecoind.js';

test('the offline demo network finds itself through its seed node, with litecoind joining', async (t) => {
  if (!(await requireLitecoind(t))) return;
  const lines: string[] = [];
  const result = await runDemo({ durationS: 30, print: (l) => lines.push(l) });
  assert.equal(result.nodes.length, DEMO_NODES);
  assert.ok(result.litecoind, 'litecoind took part');
  assert.ok(result.litecoindConnected, `the seed node was connected to litecoind:\n${lines.join('\n')}`);
  const wellConnected = result.nodes.filter((n) => n.outbound >= 2 && n.known >= 3).length;
  assert.ok(wellConnected >= DEMO_NODES - 1, `${wellConnected} nodes with ≥ 2 outbound peers:\n${lines.join('\n')}`);
  assert.match(lines[1], /dashboard: http:\/\/127\.0\.0\.1:\d+\//);
});
