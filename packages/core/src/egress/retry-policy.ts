/**
 * When and how long to wait before another upstream attempt: exponential backoff with full jitter
 * (a random wait in [0, min(max, base * 2^n)]: AWS's measurements show it spreads a thundering
 * herd best), and the upstream's own Retry-After honoured when it gives one (seconds, an HTTP date,
 * or OpenAI's `retry-after-ms`), capped so a client is never held for minutes.
 */
import { DEFAULTS } from '../config/defaults.js'
import { fail, integer, object } from '../validate.js'
import { type ResetRetry, type RetryErrorOptions, resolveRetryErrors } from './retry-decision.js'

export interface RetryOptions extends RetryErrorOptions {
  /** Attempts on one upstream, the first included (default 2); then the route's next candidate. */
  attempts?: number
  /** Upstream statuses worth another attempt (default 408, 409, 429, 500, 502, 503, 504, 529). */
  statuses?: number[]
  /** First backoff step (default 200 ms). */
  baseDelayMs?: number
  /** Longest backoff (default 5,000 ms). */
  maxDelayMs?: number
  /** A Retry-After longer than this is not waited for: the next candidate is tried instead (default 10,000 ms). */
  maxRetryAfterMs?: number
}

export interface ResolvedRetry {
  readonly attempts: number
  readonly statuses: ReadonlySet<number>
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly maxRetryAfterMs: number
  /** Retry after a headers or body timeout (retry-decision.ts). */
  readonly onTimeout: boolean
  /** When a reset after the request body was written is retried (retry-decision.ts). */
  readonly onResetAfterWrite: ResetRetry
}

export function resolveRetry(input: unknown): ResolvedRetry {
  const r = object('retry', input ?? {}) as RetryOptions
  let statuses: readonly number[] = DEFAULTS.retry.statuses
  if (r.statuses !== undefined) {
    if (!Array.isArray(r.statuses) || r.statuses.some((s) => !Number.isInteger(s) || s < 400 || s > 599)) {
      fail('retry.statuses', 'an array of HTTP statuses from 400 to 599', r.statuses)
    }
    statuses = r.statuses
  }
  return Object.freeze({
    attempts: integer('retry.attempts', r.attempts, 1, DEFAULTS.retry.attempts),
    statuses: new Set(statuses),
    baseDelayMs: integer('retry.baseDelayMs', r.baseDelayMs, 0, DEFAULTS.retry.baseDelayMs),
    maxDelayMs: integer('retry.maxDelayMs', r.maxDelayMs, 0, DEFAULTS.retry.maxDelayMs),
    maxRetryAfterMs: integer('retry.maxRetryAfterMs', r.maxRetryAfterMs, 0, DEFAULTS.retry.maxRetryAfterMs),
    ...resolveRetryErrors(r),
  })
}

/** Full-jitter backoff before retry number `retry` (1 for the first retry). */
export function backoffMs(policy: ResolvedRetry, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1))
  return Math.floor(random() * ceiling)
}

/**
 * The wait an upstream asked for, in ms, from `retry-after-ms` (OpenAI), or `retry-after` as
 * seconds or an HTTP date (RFC 9110 10.2.3); undefined when absent or unreadable.
 */
export function retryAfterMs(
  retryAfterMsHeader: string | undefined,
  retryAfter: string | undefined,
  now = Date.now(),
): number | undefined {
  if (retryAfterMsHeader !== undefined) {
    const ms = Number(retryAfterMsHeader)
    if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms)
  }
  if (retryAfter === undefined) return undefined
  const trimmed = retryAfter.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
