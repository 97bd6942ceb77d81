#!/usr/bin/env node
// The `peerbook` command. The code lives in dist/: built by `npm run build` in a clone (`npm start`,
// `npm test` and `npm run demo` build first), shipped ready-built in the npm package.
let cli;
try {
  cli = await import('../dist/src/cli/main.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/src/cli/main.js')) throw e;
  process.stderr.write('peerbook: dist/ is missing; build it first with `npm run build` (in a clone of the repository)\n');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv);
