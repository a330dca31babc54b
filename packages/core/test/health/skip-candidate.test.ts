import { describe, expect, it } from 'vitest'
import { RetryCursor } from '../../src/egress/retry-cursor.js'
import { resolveRetry } from '../../src/egress/retry-policy.js'

describe('RetryCursor.skipCandidate (a candidate its health refused)', () => {
  it('moves to the next candidate as a first attempt there, and says false on the last', () => {
    const cursor = new RetryCursor(resolveRetry({ attempts: 2 }), 3, 0)
    expect(cursor.skipCandidate()).toBe(true)
    expect([cursor.candidateIndex, cursor.attemptOnCandidate]).toEqual([1, 1])
    expect(cursor.next(undefined)).toBeGreaterThanOrEqual(0) // a retry on candidate 1
    expect([cursor.candidateIndex, cursor.attemptOnCandidate]).toEqual([1, 2])
    expect(cursor.skipCandidate()).toBe(true)
    expect([cursor.candidateIndex, cursor.attemptOnCandidate]).toEqual([2, 1])
    expect(cursor.skipCandidate()).toBe(false)
    expect(cursor.candidateIndex).toBe(2)
  })
})
