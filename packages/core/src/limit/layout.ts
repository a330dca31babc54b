/**
 * The memory layout of the limiter's SharedArrayBuffers, as named Int32 offsets in one module, so
 * every thread that attaches a buffer reads it the same way.
 *
 * A bucket is three Int32s:
 *
 *   [ TOKENS | STAMP | EPOCH ]
 *
 * A table (bucket-table.ts) is a 64-byte header, then slots of 64 bytes (one cache line, so two
 * threads hammering two keys never write the same line):
 *
 *   header: [ SLOTS | MAX_KEYS | LOCK | LIVE | EVICTED | EVICTED_ACTIVE | pad... ]
 *   slot:   [ VERSION | STATE | HASH_LO | HASH_HI | POLICY | requests bucket (3) | tokens bucket (3) | pad... ]
 */

// --- one bucket (offsets from the bucket's base) ---

/** Tokens available now. Negative after a charge larger than what was left (a debt refill pays back). */
export const B_TOKENS = 0
/** Microsecond clock, modulo 2^32, up to which refill has been credited. Moves only by compare-and-exchange. */
export const B_STAMP = 1
/**
 * Seconds clock (modulo 2^32) of the last credit: tells a bucket idle for longer than the microsecond
 * clock can measure (2^31 us, 35.8 min) from one idle for a moment. Written before STAMP.
 */
export const B_EPOCH = 2
export const BUCKET_INT32S = 3

// --- a standalone TokenBucket's buffer ---

/** One bucket, padded to a cache line. */
export const SINGLE_BUCKET_INT32S = 16

// --- a table's header ---

/** Number of slots: a power of two, so `hash & (SLOTS - 1)` is the home slot. */
export const T_SLOTS = 0
/** Keys the table holds before an insert must evict one. */
export const T_MAX_KEYS = 1
/** 0 or 1: held while a slot changes key (insert, evict). Lookups never take it. */
export const T_LOCK = 2
/** Slots holding a key. */
export const T_LIVE = 3
/** Keys evicted because their buckets had refilled (nothing lost). */
export const T_EVICTED = 4
/** Keys evicted while their buckets were not full, because the table was full (they may burst again). */
export const T_EVICTED_ACTIVE = 5
/** Int32s before the first slot (64 bytes). */
export const TABLE_HEADER_INT32S = 16

// --- a table's slot (offsets from the slot's base) ---

/** Even when stable, odd while the slot changes key: a lookup that saw it change retries (a seqlock). */
export const S_VERSION = 0
/** EMPTY or LIVE (a slot that held a key only ever holds another: no tombstones). */
export const S_STATE = 1
/** 64-bit fingerprint of the key. */
export const S_HASH_LO = 2
export const S_HASH_HI = 3
/** Index of the policy (limits) the buckets follow: one key has one slot per policy. */
export const S_POLICY = 4
/** The requests bucket. */
export const S_REQUESTS = 5
/** The tokens bucket (unused when the policy has no token limit). */
export const S_TOKENS = S_REQUESTS + BUCKET_INT32S
/** Int32s per slot (64 bytes: one cache line). */
export const SLOT_INT32S = 16

/** Slot states. */
export const EMPTY = 0
export const LIVE = 1
