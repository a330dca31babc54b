/**
 * The telemetry records the main thread hands to the sidecar worker through a RingQueue, as named
 * Int32 slots (one module, so both threads read the same layout). A record is 16 Int32s (64 bytes,
 * one cache line); slot KIND says which of the layouts below the other slots follow. Strings never
 * cross in a record: labels are ids, and each id's string is posted to the worker once, before the
 * first record that uses it (label-interner.ts).
 *
 *   exchange:        [ KIND | method | route | model | upstream | status | errorCode | attempts |
 *                      fallbacks | latency us | ttft us | input tokens | output tokens | flags ]
 *   limit decision:  [ KIND | decision | count ]
 *   queue depth:     [ KIND | depth ]
 *   event loop:      [ KIND | min | max | mean | p50 | p90 | p99 ]        (microseconds)
 *   memory:          [ KIND | rss | heap total | heap used | external ]   (KiB)
 *   pool:            [ KIND | upstream | connected | free | pending | running | ejected |
 *                      ejections | cooldowns ]          (the last three -1 when health is off)
 *   usage detail:    [ KIND | model | cached input | cache write | reasoning | cost (float64: 2 slots) | flags ]
 *                    (after an exchange record, when the usage had detail or a cost)
 *
 * Numbers are clamped to Int32: durations in microseconds up to 35.8 minutes, memory in KiB up to
 * 2 TiB. Unknown numbers (no first token, no usage) are -1.
 */

/** Int32 slots per record: 64 bytes, so a record never shares a cache line with the next one. */
export const TELEMETRY_RECORD_INT32S = 16
/** Records in the ring (a power of two): 16,384 as the Rust Velox gateway's channel, 1 MiB of shared memory. */
export const TELEMETRY_RING_RECORDS = 16_384

/** Slot 0 of every record. */
export const KIND = 0
export const KIND_EXCHANGE = 1
export const KIND_LIMIT_DECISION = 2
export const KIND_QUEUE_DEPTH = 3
export const KIND_EVENT_LOOP = 4
export const KIND_MEMORY = 5
export const KIND_POOL = 6
export const KIND_USAGE_DETAIL = 7

// KIND_EXCHANGE
/** Index in METHODS. */
export const EX_METHOD = 1
/** Label id of the normalised route (route-label.ts). */
export const EX_ROUTE = 2
export const EX_MODEL = 3
export const EX_UPSTREAM = 4
export const EX_STATUS = 5
/** Label id of the gateway's error code; NO_LABEL when the upstream answered. */
export const EX_ERROR_CODE = 6
export const EX_ATTEMPTS = 7
export const EX_FALLBACKS = 8
export const EX_LATENCY_US = 9
export const EX_TTFT_US = 10
export const EX_INPUT_TOKENS = 11
export const EX_OUTPUT_TOKENS = 12
/** Bit flags: FLAG_STREAM, FLAG_CLIENT_ABORTED. */
export const EX_FLAGS = 13
export const FLAG_STREAM = 1
export const FLAG_CLIENT_ABORTED = 2

// KIND_LIMIT_DECISION
/** Index in LIMIT_DECISIONS. */
export const LD_DECISION = 1
/** How many decisions of that kind (1 from the request path, more from a sample of the limiter's counts). */
export const LD_COUNT = 2

// KIND_QUEUE_DEPTH
export const QD_DEPTH = 1

// KIND_EVENT_LOOP (microseconds)
export const EL_MIN = 1
export const EL_MAX = 2
export const EL_MEAN = 3
export const EL_P50 = 4
export const EL_P90 = 5
export const EL_P99 = 6

// KIND_MEMORY (KiB)
export const MEM_RSS = 1
export const MEM_HEAP_TOTAL = 2
export const MEM_HEAP_USED = 3
export const MEM_EXTERNAL = 4

// KIND_POOL
export const POOL_UPSTREAM = 1
export const POOL_CONNECTED = 2
export const POOL_FREE = 3
export const POOL_PENDING = 4
export const POOL_RUNNING = 5
/** 1 while the upstream is ejected or half-open, 0 when healthy; -1 when health is off. */
export const POOL_EJECTED = 6
/** Running totals since start (the reader turns them into counter increments). */
export const POOL_EJECTIONS = 7
export const POOL_COOLDOWNS = 8

// KIND_USAGE_DETAIL
export const UD_MODEL = 1
export const UD_CACHED_INPUT = 2
export const UD_CACHE_WRITE = 3
export const UD_REASONING = 4
/** The cost as a float64 in two Int32 slots (little-endian halves, costSlots()); NaN when unknown. */
export const UD_COST = 5
export const UD_FLAGS = 7
/** The answer was replayed from the response cache. */
export const UD_FLAG_CACHED = 1

const costF64 = new Float64Array(1)
const costI32 = new Int32Array(costF64.buffer)

/** Writes `cost` (undefined: NaN) into slots `at` and `at + 1` of `d`. */
export function writeCost(d: Int32Array, at: number, cost: number | undefined): void {
  costF64[0] = cost ?? Number.NaN
  d[at] = costI32[0]!
  d[at + 1] = costI32[1]!
}

/** The cost in slots `at` and `at + 1` of `d` (NaN when unknown). */
export function readCost(d: Int32Array, at: number): number {
  costI32[0] = d[at]!
  costI32[1] = d[at + 1]!
  return costF64[0]!
}

/** Label id 0: no value (the label is empty). */
export const NO_LABEL = 0
/** Label id 1: every value past a label's cap, so that cardinality stays bounded. */
export const OTHER_LABEL = 1
export const FIRST_LABEL_ID = 2

/** Methods get fixed indexes (no interning); anything else is "other". */
export const METHODS = ['other', 'GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS'] as const

export const LIMIT_DECISIONS = ['admitted', 'queued', 'rejected_429', 'rejected_503'] as const
export type LimitDecision = (typeof LIMIT_DECISIONS)[number]

const INT32_MAX = 2 ** 31 - 1

/** A non-negative number as an Int32 slot value (rounded, clamped); -1 for undefined, negative or NaN. */
export function toSlot(value: number | undefined): number {
  if (value === undefined || !(value >= 0)) return -1
  return value >= INT32_MAX ? INT32_MAX : Math.round(value)
}
