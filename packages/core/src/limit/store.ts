/**
 * What the limiter asks of a store: take a request and its token reservation from a key's buckets,
 * all or nothing, and adjust them later (a refund or a charge). The in-process store answers at
 * once; the Redis store answers with a promise.
 */

/** The outcome of one acquire, and what the x-ratelimit-* headers report. */
export interface AcquireResult {
  granted: boolean
  /** Which bucket said no (undefined when granted). */
  limitedBy: 'requests' | 'tokens' | undefined
  /** Microseconds until the acquire could succeed (0 when granted). */
  retryAfterUs: number
  requestsRemaining: number
  /** Microseconds until the requests bucket is full again. */
  requestsResetUs: number
  tokensRemaining: number
  tokensResetUs: number
}

export function emptyResult(): AcquireResult {
  return {
    granted: false,
    limitedBy: undefined,
    retryAfterUs: 0,
    requestsRemaining: 0,
    requestsResetUs: 0,
    tokensRemaining: 0,
    tokensResetUs: 0,
  }
}

export interface StoreStats {
  /** Keys held (in-process table). */
  keys: number
  /** Keys whose slot went to another key before they had refilled (the table was full). */
  evictedActive: number
}

export interface LimitStore {
  /** True when `acquire` answers synchronously. */
  readonly sync: boolean
  /**
   * Takes `requests` from the key's requests bucket and `tokens` from its tokens bucket, both or
   * neither. A synchronous store may return the same object each time: read it before the next call.
   */
  acquire(
    policy: number,
    key: string,
    requests: number,
    tokens: number,
  ): AcquireResult | Promise<AcquireResult>
  /** Gives back (positive) or charges (negative) requests and tokens. Never throws. */
  adjust(policy: number, key: string, requests: number, tokens: number): void
  stats(): StoreStats
  close(): Promise<void>
}
