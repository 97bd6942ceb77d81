/**
 * Shared by abandon-scenario.ts and abandoned-connection.test.ts (the scenario module runs when
 * imported, so the test takes its constants from here).
 */

/** `hold-silent` with `stalled`: how long the daemon is stopped while the connections wait in its listen queue, ms. */
export const HOLD_STALL_MS = 2_000;
