/**
 * The memory layout of a RingQueue's SharedArrayBuffer, as named Int32 offsets (one module, so the
 * producer and consumer threads can never disagree). The header is padded to 64 bytes so the
 * records start on their own cache line.
 *
 *   [ HEAD | TAIL | CAPACITY | RECORD_INT32S | CLOSED | DROPPED | pad... ][ records ... ]
 */

/** Index of the next record to read. Written by the consumer only. */
export const HEAD = 0
/** Index of the next record to write. Written by the producer only. */
export const TAIL = 1
/** Number of records (a power of two, so `index & (capacity - 1)` is the slot). */
export const CAPACITY = 2
/** Int32 slots per record. */
export const RECORD_INT32S = 3
/** 1 once either side closed the queue; waiters wake and see it. */
export const CLOSED = 4
/** Records the producer could not write because the queue was full. */
export const DROPPED = 5
/** Int32 slots before the first record (64 bytes). */
export const HEADER_INT32S = 16
