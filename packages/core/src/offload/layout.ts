/**
 * The records of the scan offload, as named Int32 offsets (one module, so the main thread and the
 * worker can never disagree). Requests go main -> worker on one RingQueue, results come back on a
 * second one of the same capacity; the main thread never has more scans in flight than that
 * capacity, so the worker always finds room for a result.
 *
 *   request: [ SEQ | SLAB | OFFSET | LENGTH ]
 *   result:  [ SEQ | STATUS | IS_OBJECT | MODEL_START | MODEL_END | MODEL_ESCAPED | USER_START |
 *              USER_END | USER_ESCAPED | STREAM | INCLUDE_USAGE | MAX_TOKENS (hi, lo) |
 *              MAX_COMPLETION_TOKENS (hi, lo) | MAX_OUTPUT_TOKENS (hi, lo) | INVALID |
 *              REASON | ERROR_OFFSET | SIMD ]
 */

/** Scans in flight at most (a power of two). */
export const OFFLOAD_CAPACITY = 256

/** Request: a sequence number the result echoes. */
export const REQ_SEQ = 0
/**
 * Request: the id of the shared slab holding the body (sent to the worker once, by MessagePort), or
 * ARENA_SLAB for a body in the arena's WebAssembly memory, which the worker was given at start.
 */
export const REQ_SLAB = 1
/** Request: the body's byte offset and length in that slab. */
export const REQ_OFFSET = 2
export const REQ_LENGTH = 3
export const REQUEST_INT32S = 4

/** REQ_SLAB of an arena body; REQ_OFFSET is then its offset in the memory (read as unsigned: up to 4 GiB). */
export const ARENA_SLAB = 0

export const RES_SEQ = 0
/** STATUS_OK, STATUS_SYNTAX (REASON and ERROR_OFFSET say what), or STATUS_FAILED (scan it inline). */
export const RES_STATUS = 1
export const RES_IS_OBJECT = 2
export const RES_MODEL_START = 3
export const RES_MODEL_END = 4
export const RES_MODEL_ESCAPED = 5
export const RES_USER_START = 6
export const RES_USER_END = 7
export const RES_USER_ESCAPED = 8
export const RES_STREAM = 9
export const RES_INCLUDE_USAGE = 10
/** Token counts are safe integers (up to 2^53): two Int32 slots each, high then low 32 bits. */
export const RES_MAX_TOKENS = 11
export const RES_MAX_COMPLETION_TOKENS = 13
export const RES_MAX_OUTPUT_TOKENS = 15
export const RES_INVALID = 17
/** Index in SYNTAX_REASONS. */
export const RES_REASON = 18
export const RES_ERROR_OFFSET = 19
/** 1 when the worker scanned the body with the SIMD scanner, 0 for the JS scanner. */
export const RES_SIMD = 20
export const RESULT_INT32S = 21

export const STATUS_OK = 0
export const STATUS_SYNTAX = 1
export const STATUS_FAILED = 2
