import { describe, expect, it } from 'vitest'
import { backoffMs, resolveRetry, retryAfterMs } from '../../src/egress/retry-policy.js'

describe('retry policy', () => {
  const policy = resolveRetry({ baseDelayMs: 100, maxDelayMs: 1_000 })

  it('draws full-jitter backoff under a doubling, capped ceiling', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(policy, n, () => 0.999))).toEqual([99, 199, 399, 799, 999])
    expect(backoffMs(policy, 3, () => 0)).toBe(0)
  })

  it('reads Retry-After as seconds, as an HTTP date, and retry-after-ms first', () => {
    const now = Date.parse('2026-11-27T10:00:00Z')
    expect(retryAfterMs(undefined, '7', now)).toBe(7_000)
    expect(retryAfterMs(undefined, 'Fri, 27 Nov 2026 10:00:03 GMT', now)).toBe(3_000)
    expect(retryAfterMs(undefined, 'Fri, 27 Nov 2026 09:59:00 GMT', now)).toBe(0)
    expect(retryAfterMs('1500.2', '7', now)).toBe(1_501)
    expect(retryAfterMs(undefined, 'soon', now)).toBeUndefined()
    expect(retryAfterMs(undefined, undefined, now)).toBeUndefined()
  })
})
