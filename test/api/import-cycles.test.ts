/**
 * No import cycles between source files: lower layers never import higher ones, and within a folder
 * the arrows run one way. `import type` counts too — a type cycle is still a design cycle. Checked with
 * dpdm over every file under src/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parseCircular, parseDependencyTree } from 'dpdm';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('no source file is part of an import cycle (type-only imports included)', async () => {
  const tree = await parseDependencyTree(['src/**/*.ts'], { context: ROOT, cwd: ROOT, transform: false, skipDynamicImports: false });
  const cycles = parseCircular(tree).map((c) => c.join(' -> '));
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join('\n')}`);
});
