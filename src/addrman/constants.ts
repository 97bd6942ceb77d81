/**
 * Addrman constants, with Bitcoin Core's names (src/addrman_impl.h, src/addrman.cpp, src/addrman.h).
 * Times are in seconds because Core's addrman works in `NodeSeconds`; Peerbook-only constants say so.
 */

/** Core ADDRMAN_TRIED_BUCKET_COUNT_LOG2. */
export const ADDRMAN_TRIED_BUCKET_COUNT_LOG2 = 8;
/** Core ADDRMAN_TRIED_BUCKET_COUNT: buckets in the tried table (256). */
export const ADDRMAN_TRIED_BUCKET_COUNT = 1 << ADDRMAN_TRIED_BUCKET_COUNT_LOG2;
/** Core ADDRMAN_NEW_BUCKET_COUNT_LOG2. */
export const ADDRMAN_NEW_BUCKET_COUNT_LOG2 = 10;
/** Core ADDRMAN_NEW_BUCKET_COUNT: buckets in the new table (1024). */
export const ADDRMAN_NEW_BUCKET_COUNT = 1 << ADDRMAN_NEW_BUCKET_COUNT_LOG2;
/** Core ADDRMAN_BUCKET_SIZE_LOG2. */
export const ADDRMAN_BUCKET_SIZE_LOG2 = 6;
/** Core ADDRMAN_BUCKET_SIZE: slots per bucket (64). */
export const ADDRMAN_BUCKET_SIZE = 1 << ADDRMAN_BUCKET_SIZE_LOG2;
/** Slots in the new table: 1024 × 64 = 65,536. */
export const ADDRMAN_NEW_SLOTS = ADDRMAN_NEW_BUCKET_COUNT * ADDRMAN_BUCKET_SIZE;
/** Slots in the tried table: 256 × 64 = 16,384. */
export const ADDRMAN_TRIED_SLOTS = ADDRMAN_TRIED_BUCKET_COUNT * ADDRMAN_BUCKET_SIZE;
/**
 * Most entries the table can hold at rest: every new entry occupies ≥ 1 new slot and every tried entry
 * exactly one tried slot, so 65,536 + 16,384 = 81,920. `AddSingle` creates an entry before placing it,
 * so one more can exist for an instant.
 */
export const ADDRMAN_MAX_ENTRIES = ADDRMAN_NEW_SLOTS + ADDRMAN_TRIED_SLOTS;

/** Core ADDRMAN_TRIED_BUCKETS_PER_GROUP: tried buckets one address group can reach. */
export const ADDRMAN_TRIED_BUCKETS_PER_GROUP = 8;
/** Core ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP: new buckets one source group can reach. */
export const ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP = 64;
/** Core ADDRMAN_NEW_BUCKETS_PER_ADDRESS: most new-table references one entry may hold. */
export const ADDRMAN_NEW_BUCKETS_PER_ADDRESS = 8;
/** Core ADDRMAN_HORIZON (30 days), seconds: older addresses are terrible. */
export const ADDRMAN_HORIZON_S = 30 * 24 * 3600;
/** Core ADDRMAN_RETRIES: failed attempts after which a never-successful address is terrible. */
export const ADDRMAN_RETRIES = 3;
/** Core ADDRMAN_MAX_FAILURES: successive failures … */
export const ADDRMAN_MAX_FAILURES = 10;
/** Core ADDRMAN_MIN_FAIL (7 days), seconds: … within this long make an address terrible. */
export const ADDRMAN_MIN_FAIL_S = 7 * 24 * 3600;
/** Core ADDRMAN_REPLACEMENT (4 h), seconds: a tried entry that succeeded this recently is not evicted. */
export const ADDRMAN_REPLACEMENT_S = 4 * 3600;
/** Core ADDRMAN_SET_TRIED_COLLISION_SIZE: most pending tried-table collisions. */
export const ADDRMAN_SET_TRIED_COLLISION_SIZE = 10;
/** Core ADDRMAN_TEST_WINDOW (40 min), seconds: how long a collision may wait for a test. */
export const ADDRMAN_TEST_WINDOW_S = 40 * 60;
/** Core ResolveCollisions_: the old entry gets this long (60 s) to answer before it is replaced. */
export const ADDRMAN_COLLISION_TEST_GRACE_S = 60;
/** Core IsTerrible: entries tried within this long (1 min) are never terrible. */
export const ADDRMAN_TERRIBLE_RECENT_TRY_S = 60;
/** Core IsTerrible: a time this far (10 min) in the future is terrible ("flying DeLorean"). */
export const ADDRMAN_FUTURE_TIME_S = 10 * 60;
/** Core GetChance: attempts within this long (10 min) cut the chance to 1 %. */
export const ADDRMAN_RECENT_TRY_S = 10 * 60;
/** Core AddSingle: an address announced within this long (24 h) counts as currently online. */
export const ADDRMAN_ONLINE_WINDOW_S = 24 * 3600;
/** Core AddSingle: nTime update interval for an online address (1 h) … */
export const ADDRMAN_ONLINE_UPDATE_INTERVAL_S = 3600;
/** … and for an offline one (24 h). */
export const ADDRMAN_OFFLINE_UPDATE_INTERVAL_S = 24 * 3600;
/** Core Connected_: nTime is refreshed when older than this (20 min). */
export const ADDRMAN_CONNECTED_UPDATE_INTERVAL_S = 20 * 60;

/** Core DEFAULT_ADDRMAN_CONSISTENCY_CHECKS (-checkaddrman): 0 = off. */
export const DEFAULT_ADDRMAN_CONSISTENCY_CHECKS = 0;
/** Core LoadAddrman clamps -checkaddrman to [0, 1,000,000]. */
export const MAX_ADDRMAN_CONSISTENCY_CHECKS = 1_000_000;

/**
 * Peerbook: most iterations one `select()` may spend looking for an entry before it gives up and returns
 * undefined. Core's loop is unbounded (`while (1)`); with one entry in 1,024 buckets it needs ~1,024
 * iterations on average, and a just-failed entry (chance 0.01·0.66⁸ ≈ 3.6e-5) about 57 hits more, so
 * 2^20 iterations only cut off cases that are already broken — a sparse or inconsistent table can no
 * longer pin a CPU (the bug Core ≤ 0.11, btcd and Zcash had).
 */
export const ADDRMAN_SELECT_MAX_ITERATIONS = 1 << 20;

/** Peerbook: `selectForConnection` tries this many candidates before it returns undefined. */
export const MAX_CONNECTION_SELECT_TRIES = 64;
/**
 * Peerbook: when fewer than 1/RARE_SERVICE_FRACTION of the entries advertise the required services,
 * `selectForConnection` samples from the service index instead of hoping Core's `select()` hits one.
 */
export const RARE_SERVICE_FRACTION = 8;
/** Peerbook (Floresta RETRY_TIME): a failed address becomes eligible again after this long, ms. */
export const DEFAULT_FAILED_RETRY_MS = 10 * 60_000;
