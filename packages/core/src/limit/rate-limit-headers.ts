/**
 * The `x-ratelimit-*` headers, as OpenAI sends them: limit, remaining, and reset (the time until
 * the bucket is full again, as a Go duration: `1s`, `6m0s`, `120ms`), for requests and, when a
 * token limit applies, for tokens. They describe the caller's limits at this gateway, so an
 * upstream's own `x-ratelimit-*` (the gateway owner's account) are dropped in their favour.
 */
import type { LimitPolicy } from './limit-options.js'
import type { AcquireResult } from './store.js'

/**
 * A duration as Go's `time.Duration` prints it, rounded up to the millisecond (OpenAI's format).
 *
 * @example
 * formatDuration(120_000) // '120ms'
 * formatDuration(360_000_000) // '6m0s'
 * formatDuration(86_400_000) // '1m26.4s'
 */
export function formatDuration(us: number): string {
  const ms = Math.ceil(Math.max(0, us) / 1000)
  if (ms === 0) return '0s'
  if (ms < 1000) return `${ms}ms`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const secondsMs = ms % 60_000
  const seconds =
    secondsMs % 1000 === 0 ? String(secondsMs / 1000) : (secondsMs / 1000).toFixed(3).replace(/0+$/, '')
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`
  if (minutes > 0) return `${minutes}m${seconds}s`
  return `${seconds}s`
}

/** Flat `[name, value, ...]` list of the x-ratelimit-* headers for one acquire. */
export function rateLimitHeaders(policy: LimitPolicy, r: AcquireResult): string[] {
  const headers = [
    'x-ratelimit-limit-requests',
    String(policy.burst),
    'x-ratelimit-remaining-requests',
    String(Math.max(0, r.requestsRemaining)),
    'x-ratelimit-reset-requests',
    formatDuration(r.requestsResetUs),
  ]
  if (policy.tokenBurst !== undefined) {
    headers.push(
      'x-ratelimit-limit-tokens',
      String(policy.tokenBurst),
      'x-ratelimit-remaining-tokens',
      String(Math.max(0, r.tokensRemaining)),
      'x-ratelimit-reset-tokens',
      formatDuration(r.tokensResetUs),
    )
  }
  return headers
}

/** Seconds for `Retry-After` (an integer, RFC 9110 10.2.3), at least 1. */
export function retryAfterSeconds(us: number): number {
  return Math.max(1, Math.ceil(us / 1_000_000))
}

/**
 * The upstream's response headers with its x-ratelimit-* dropped and `ours` appended.
 *
 * @example
 * replaceRateLimitHeaders(['x-ratelimit-limit-requests', '10000'], ['x-ratelimit-limit-requests', '20'])
 * // ['x-ratelimit-limit-requests', '20']
 */
export function replaceRateLimitHeaders(upstream: string[], ours: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < upstream.length; i += 2) {
    if (upstream[i]!.startsWith('x-ratelimit-')) continue
    out.push(upstream[i]!, upstream[i + 1]!)
  }
  for (let i = 0; i < ours.length; i++) out.push(ours[i]!)
  return out
}

/** A flat header list as the record `writeError` takes. */
export function headerRecord(list: readonly string[] | undefined): Record<string, string> | undefined {
  if (list === undefined) return undefined
  const record: Record<string, string> = {}
  for (let i = 0; i < list.length; i += 2) record[list[i]!] = list[i + 1]!
  return record
}
