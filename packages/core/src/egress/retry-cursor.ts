/**
 * Where an exchange is in its route's candidates and their attempts: the retry and fallback
 * cursor, kept apart from the undici handler (upstream-attempt.ts) and the client-side writer
 * (http/client-writer.ts), the way undici keeps its retry handler apart from the dispatcher. It
 * decides whether another attempt fits (attempts per candidate, Retry-After cap, candidates left,
 * the total deadline) and how long to wait before it (retry-policy.ts); it sends nothing itself.
 */
import { backoffMs, type ResolvedRetry } from './retry-policy.js'

/** What kind of attempt `begin` started. */
export const FIRST = 0
export const RETRY = 1
export const FALLBACK = 2

export class RetryCursor {
  readonly #policy: ResolvedRetry
  readonly #candidates: number
  /** `performance.now()` past which no attempt starts; 0 without a total timeout. */
  readonly #deadlineAt: number
  #candidateIndex = 0
  /** Attempts on the current candidate, the one in flight included. */
  #attemptOnCandidate = 0
  #total = 0

  /**
   * @param candidates how many candidates the route gave
   * @param totalMs the total timeout (0: none)
   */
  constructor(policy: ResolvedRetry, candidates: number, totalMs: number) {
    this.#policy = policy
    this.#candidates = candidates
    this.#deadlineAt = totalMs > 0 ? performance.now() + totalMs : 0
  }

  /** The candidate of the current (or next) attempt: an index into the route's candidates. */
  get candidateIndex(): number {
    return this.#candidateIndex
  }

  /** Attempts on the current candidate so far. */
  get attemptOnCandidate(): number {
    return this.#attemptOnCandidate
  }

  /** Attempts started, over every candidate. */
  get total(): number {
    return this.#total
  }

  /** Counts the attempt about to start and says what it is (FIRST, RETRY or FALLBACK). */
  begin(): number {
    this.#total++
    if (this.#attemptOnCandidate === 0) this.#attemptOnCandidate = 1
    if (this.#attemptOnCandidate > 1) return RETRY
    return this.#candidateIndex > 0 ? FALLBACK : FIRST
  }

  /**
   * Moves to the next attempt (the same candidate, or the next one) and returns the wait before
   * it, or undefined when none is left within the limits.
   *
   * @param upstreamAsked the wait the upstream asked for (Retry-After), if any
   */
  next(upstreamAsked: number | undefined): number | undefined {
    const policy = this.#policy
    let wait: number | undefined
    let sameCandidate = this.#attemptOnCandidate < policy.attempts
    if (sameCandidate) {
      const backoff = backoffMs(policy, this.#attemptOnCandidate)
      if (upstreamAsked !== undefined && upstreamAsked > policy.maxRetryAfterMs) sameCandidate = false
      else wait = Math.max(backoff, upstreamAsked ?? 0)
    }
    if (!sameCandidate) {
      if (this.#candidateIndex + 1 >= this.#candidates) return undefined
      wait = 0 // another upstream: no reason to wait
    }
    if (this.#deadlineAt > 0 && performance.now() + wait! >= this.#deadlineAt) return undefined
    if (sameCandidate) this.#attemptOnCandidate++
    else {
      this.#candidateIndex++
      this.#attemptOnCandidate = 1
    }
    return wait
  }
}
