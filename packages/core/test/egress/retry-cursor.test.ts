import { describe, expect, it } from 'vitest'
import { RetryCursor } from '../../src/egress/retry-cursor.js'
import { resolveRetry } from '../../src/egress/retry-policy.js'

describe('RetryCursor', () => {
  const policy = resolveRetry({ attempts: 2, baseDelayMs: 100, maxDelayMs: 100, maxRetryAfterMs: 5_000 })

  it('retries the same candidate up to `attempts`, then falls back to the next, then gives up', () => {
    const cursor = new RetryCursor(policy, 2, 0)
    expect([cursor.candidateIndex, cursor.attemptOnCandidate]).toEqual([0, 1])
    expect(cursor.next(1_000)).toBe(1_000) // the upstream's Retry-After, longer than the backoff
    expect([cursor.candidateIndex, cursor.attemptOnCandidate]).toEqual([0, 2])
    expect(cursor.next(undefined)).toBe(0) // another upstream: no wait
    expect([cursor.candidateIndex, cursor.attemptOnCandidate]).toEqual([1, 1])
    expect(cursor.next(1_000)).toBe(1_000)
    expect(cursor.next(undefined)).toBeUndefined() // no candidate left
    expect([cursor.candidateIndex, cursor.attemptOnCandidate]).toEqual([1, 2])
  })

  it('moves to the next candidate when the upstream asks for a wait above maxRetryAfterMs', () => {
    const cursor = new RetryCursor(policy, 2, 0)
    expect(cursor.next(60_000)).toBe(0)
    expect([cursor.candidateIndex, cursor.attemptOnCandidate]).toEqual([1, 1])
  })

  it('starts no attempt that would begin after the total deadline, and stays where it was', () => {
    const patient = resolveRetry({ attempts: 2, baseDelayMs: 100, maxDelayMs: 100, maxRetryAfterMs: 600_000 })
    const cursor = new RetryCursor(patient, 2, performance.now() + 60_000)
    expect(cursor.next(120_000)).toBeUndefined() // the wait would end after the deadline
    expect([cursor.candidateIndex, cursor.attemptOnCandidate]).toEqual([0, 1])
    expect(cursor.next(1_000)).toBe(1_000)
  })
})
