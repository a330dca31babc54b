/**
 * Where an exchange is in its route's candidates and their attempts: the retry and fallback
 * cursor, kept apart from the undici handler (upstream-attempt.ts) and the client-side writer
 * (http/client-writer.ts), the way undici keeps its retry handler apart from the dispatcher. It
 * decides whether another attempt fits (attempts per candidate, Retry-After cap, candidates left,
 * the total deadline) and how long to wait before it (retry-policy.ts); it sends nothing itself.
 */
import { backoffMs, type ResolvedRetry } from './retry-policy.js'

/**
 * Made only when an exchange may try again (its first attempt failed or answered a retryable
 * status), so the common exchange, one attempt that succeeds, allocates no cursor. It starts on
 * that first attempt: candidate 0, attempt 1.
 */
export class RetryCursor {
  readonly #policy: ResolvedRetry
  readonly #candidates: number
  /** `performance.now()` past which no attempt starts; 0 without a total timeout. */
  readonly #deadlineAt: number
  #candidateIndex = 0
  /** Attempts on the current candidate, the one in flight included. */
  #attemptOnCandidate = 1

  /**
   * @param candidates how many candidates the route gave
   * @param deadlineAt `performance.now()` of the total timeout (0: none)
   */
  constructor(policy: ResolvedRetry, candidates: number, deadlineAt: number) {
    this.#policy = policy
    this.#candidates = candidates
    this.#deadlineAt = deadlineAt
  }

  /** The candidate of the current (or next) attempt: an index into the route's candidates. */
  get candidateIndex(): number {
    return this.#candidateIndex
  }

  /** Attempts on the current candidate so far (a retry when above 1). */
  get attemptOnCandidate(): number {
    return this.#attemptOnCandidate
  }

  /**
   * Moves to the next candidate without an attempt on the current one (its health refused it);
   * false when there is none.
   */
  skipCandidate(): boolean {
    if (this.#candidateIndex + 1 >= this.#candidates) return false
    this.#candidateIndex++
    this.#attemptOnCandidate = 1
    return true
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
