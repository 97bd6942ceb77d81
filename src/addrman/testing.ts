/**
 * Test-only entry points into the address manager (never exported from index.ts). A test that must
 * corrupt a table on purpose — to see `checkConsistency` report Core's code — or check one of Core's
 * per-entry rules (`isTerrible`, `chance`) on a real entry goes through `tableOf` instead of casting
 * its way into private fields, so a rename breaks the build, not silently the test.
 */
export { internalTableOf as tableOf } from './addrman.js';
