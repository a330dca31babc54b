/**
 * The limiter's clock: microseconds from the monotonic clock (CLOCK_MONOTONIC via process.hrtime),
 * which every worker_thread of the process reads alike. `performance.now()` would be as cheap, but
 * each thread counts it from its own start, so two threads sharing a bucket would disagree.
 */

/**
 * Monotonic microseconds, an integer (a double, exact: about 2^53 us is 285 years of uptime).
 *
 * @example
 * const start = nowMicros()
 * bucket.acquire(1, start)
 */
export function nowMicros(): number {
  const t = process.hrtime()
  return t[0] * 1_000_000 + Math.floor(t[1] / 1_000)
}
