/**
 * The npm package as a user gets it: `npm pack`, then `npm ci` of the tarball into a fresh project,
 * then `import` from ES modules, `require`/`import()` from CommonJS and the `peerbook` command. Offline
 * and fast: the project's dependencies are packed from this checkout's node_modules and pinned by a
 * lockfile, so npm never asks a registry; npm's cache, logs and home are temporary directories.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../cli/run-cli.js';
import { tempDirFor } from '../support/tmp.js';

const run = promisify(execFile);
/** Longest an npm step may take here, ms (packing and installing ~45 small packages from local files). */
const NPM_TIMEOUT_MS = 120_000;

interface LockEntry { dev?: boolean; devOptional?: boolean; integrity?: string; resolved?: string; [key: string]: unknown }

/** Environment of every npm child: a throw-away home and cache, no update check, no log files. */
function npmEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, npm_config_cache: path.join(home, 'cache'), npm_config_update_notifier: 'false', npm_config_logs_max: '0', npm_config_audit: 'false', npm_config_fund: 'false' };
}

/** A project with the packed tarball installed by `npm ci`; returns its directory and the tarball's file list. */
async function installedProject(t: TestContext): Promise<{ app: string; files: string[]; installLog: string }> {
  const root = await tempDirFor(t, 'pack');
  const home = path.join(root, 'home');
  const deps = path.join(root, 'deps');
  const app = path.join(root, 'app');
  for (const dir of [home, deps, app]) await mkdir(dir);
  const env = npmEnv(home);
  // dist/ is built already (npm test builds first); --ignore-scripts skips the prepack build.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: REPO_ROOT, env, timeout: NPM_TIMEOUT_MS });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = path.join(root, info.filename);
  const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, any>;
  const lock = JSON.parse(await readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = {
    '': { name: 'app', version: '1.0.0', dependencies: { peerbook: `file:../${info.filename}` } },
    'node_modules/peerbook': {
      version: pkg.version, resolved: `file:../${info.filename}`, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  // Every runtime package of the lockfile, packed from node_modules and pinned to that local tarball.
  await Promise.all(Object.entries(lock.packages).filter(([key, e]) => key.startsWith('node_modules/') && !e.dev && !e.devOptional).map(async ([key, entry]) => {
    const file = `${key.replace(/[/@]/g, '_')}.tgz`;
    await run('tar', ['-czf', path.join(deps, file), '-C', path.join(REPO_ROOT, key), '--exclude=./node_modules', '--transform', 's,^\\.,package,', '.']);
    const { integrity: _ignored, ...rest } = entry;
    packages[key] = { ...rest, resolved: `file:../deps/${file}` };
  }));
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { peerbook: `file:../${info.filename}` } }));
  await writeFile(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
  const ci = await run('npm', ['ci', '--offline'], { cwd: app, env, timeout: NPM_TIMEOUT_MS });
  assert.ok((await stat(tarball)).size > 0);
  return { app, files: info.files.map((f) => f.path), installLog: ci.stdout + ci.stderr };
}

test('the packed tarball installs offline and works from ESM, from CommonJS and as the peerbook command', { timeout: NPM_TIMEOUT_MS * 2 }, async (t) => {
  const { app, files, installLog } = await installedProject(t);

  // Content: the library, its sources (for the source maps), docs and licence; no tests, tools or test scripts.
  for (const f of ['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md', 'bin/peerbook.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'src/index.ts', 'docs/operating.md']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  const stray = files.filter((f) => /^(test|dist\/test|dist\/bench|bench|scripts|tools|data|\.ci|node_modules)\//.test(f));
  assert.deepEqual(stray, [], 'no tests, benchmarks, tools or test scripts');
  // Every source map points at sources the tarball ships.
  const installed = path.join(app, 'node_modules', 'peerbook');
  const maps = files.filter((f) => f.endsWith('.js.map'));
  assert.ok(maps.length > 50);
  for (const map of maps) {
    const { sources } = JSON.parse(await readFile(path.join(installed, map), 'utf8')) as { sources: string[] };
    for (const s of sources) {
      const target = path.relative(installed, path.resolve(installed, path.dirname(map), s));
      assert.ok(files.includes(target), `${map} points at ${target}, which the tarball must ship too`);
    }
  }
  // Installing runs nothing of peerbook's and warns about nothing.
  const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as { scripts?: Record<string, string>; exports: Record<string, Record<string, string>> };
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(manifest.scripts?.[hook], undefined, `no ${hook} script`);
  assert.doesNotMatch(installLog, /warn/i, installLog);
  assert.equal(manifest.exports['.'].default, './dist/src/index.js', 'a default export condition');

  // ESM consumer.
  await writeFile(path.join(app, 'esm.mjs'), `import { PeerManager, NetService } from 'peerbook';
console.log(JSON.stringify({ pm: typeof PeerManager, svc: JSON.stringify(NetService.parse('1.2.3.4:8333')) }));`);
  const esm = await run(process.execPath, ['esm.mjs'], { cwd: app });
  assert.deepEqual(JSON.parse(esm.stdout), { pm: 'function', svc: '"1.2.3.4:8333"' });

  // CommonJS consumer: import() always works; require() works where Node can require ES modules
  // (process.features.require_module: Node 20.19+, 22.12+), and elsewhere fails with Node's error that
  // points at import().
  await writeFile(path.join(app, 'cjs.cjs'), `let required;
try { required = typeof require('peerbook').PeerManager; } catch (e) { required = e.code + ': ' + e.message; }
import('peerbook').then((m) => console.log(JSON.stringify({ imported: typeof m.PeerManager, required })));`);
  const cjs = JSON.parse((await run(process.execPath, ['cjs.cjs'], { cwd: app })).stdout) as { imported: string; required: string };
  assert.equal(cjs.imported, 'function');
  if ((process.features as { require_module?: boolean }).require_module) assert.equal(cjs.required, 'function');
  else assert.match(cjs.required, /^ERR_REQUIRE_ESM: [\s\S]*dynamic import\(\)/);

  // The command.
  const cli = await run(path.join(app, 'node_modules', '.bin', 'peerbook'), ['address', 'inspect', '1.2.3.4'], { cwd: app });
  assert.equal(JSON.parse(cli.stdout).network, 'ipv4');
  assert.ok((await readdir(path.join(app, 'node_modules'))).includes('pino'));
});
