/**
 * The memory layout of the in-process budget table, a SharedArrayBuffer that worker_threads share
 * (as limit/layout.ts does for the buckets). A 64-byte header of Int32s, then slots of two
 * BigUint64s (16 bytes): the level's 64-bit fingerprint, and its spend word.
 *
 *   header: [ SLOTS | MAX_KEYS | LIVE | UNTRACKED | pad... ]
 *   slot:   [ HASH (u64, 0: empty) | WORD (u64) ]
 *
 * WORD packs the period's id (low PERIOD_BITS of it) above the spend in millionths (SPEND_BITS),
 * so a reservation checks the period and adds the spend in one compare-and-exchange, and a new
 * period is a fresh budget without a separate reset step that could race with it. Slots are
 * never reused for another key (no tombstones); past MAX_KEYS, new keys are untracked (admitted,
 * counted in UNTRACKED): size maxKeys for the keys a process sees, or use the Redis store.
 */

export const H_SLOTS = 0
export const H_MAX_KEYS = 1
export const H_LIVE = 2
export const H_UNTRACKED = 3
export const HEADER_BYTES = 64

/** BigUint64s per slot, and offsets in a slot. */
export const SLOT_U64S = 2
export const S_HASH = 0
export const S_WORD = 1

export const SPEND_BITS = 44n
export const PERIOD_BITS = 20n
export const SPEND_MASK = (1n << SPEND_BITS) - 1n
export const PERIOD_MASK = (1n << PERIOD_BITS) - 1n

/** Probes before an insert gives up (the table is sized at twice maxKeys, so chains stay short). */
export const MAX_PROBES = 64

/** Slots for `maxKeys`: a power of two, at least twice as many. */
export function slotsFor(maxKeys: number): number {
  let slots = 16
  while (slots < maxKeys * 2) slots *= 2
  return slots
}

/** Bytes of a table for `maxKeys`. */
export function budgetBufferBytes(maxKeys: number): number {
  return HEADER_BYTES + slotsFor(maxKeys) * SLOT_U64S * 8
}
