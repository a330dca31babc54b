/**
 * A token bucket in three Int32s of a SharedArrayBuffer (see layout.ts), safe to share between
 * worker_threads, with integer-only refill and no lock.
 *
 * Refill is counted in whole steps: every `stepUs` microseconds adds `stepTokens` tokens. A thread
 * that finds one or more whole steps elapsed since STAMP moves STAMP forward by exactly those steps
 * with compare-and-exchange; only the thread whose exchange succeeds adds the tokens, capped at the
 * capacity. So each microsecond of elapsed time is turned into tokens once, by one thread, and the
 * leftover part of a step is kept for the next refill (no drift).
 *
 * Why not the Rust Velox gateway's single fetch_sub fast path: a bucket that refills on one path and subtracts on
 * another lets two threads each see the idle bucket, each refill it to the capacity, and each take
 * a capacity's worth: 2x the burst after idle. Here taking is a compare-and-exchange
 * that never lets TOKENS go below what is taken, and refill credits time exactly once.
 *
 * The microsecond clock is kept modulo 2^32 (it wraps every 71.6 min): differences are taken as
 * `(now - stamp) | 0`, right across the wrap as long as they are under 2^31 us (35.8 min). EPOCH, a
 * seconds clock written with each credit, tells a bucket idle for longer than that: it is then
 * credited from the seconds instead (rounded down, so never more than the time allows).
 */

import { nowMicros } from './clock.js'
import { B_EPOCH, B_STAMP, B_TOKENS, SINGLE_BUCKET_INT32S } from './layout.js'

/** How a bucket refills. Built by `bucketSpec()`; shared by every bucket of one policy. */
export interface BucketSpec {
  /** Tokens when full (the burst). */
  readonly capacity: number
  /** The rate it was built for, per minute. */
  readonly perMinute: number
  /** Tokens added per step. */
  readonly stepTokens: number
  /** Microseconds per step (at least MIN_STEP_US, unless one token per microsecond is finer). */
  readonly stepUs: number
}

const MICROS_PER_MINUTE = 60_000_000
/**
 * The shortest step for fast rates: 1 ms. Rounding a step to whole microseconds then changes the
 * rate by at most 0.05%, and a busy bucket writes STAMP at most once per millisecond.
 */
export const MIN_STEP_US = 1_000
/** Largest capacity or charge: keeps TOKENS and its debt inside an Int32 with room to add. */
export const MAX_TOKENS = 2 ** 30
/** An idle bucket whose EPOCH is this old is credited from the seconds clock (under 2^31 us). */
export const LONG_IDLE_S = 1_800

/**
 * The refill step for `perMinute` tokens a minute into a bucket of `capacity`.
 *
 * @example
 * bucketSpec(10_000, 500) // { capacity: 500, perMinute: 10000, stepTokens: 1, stepUs: 6000 }
 */
export function bucketSpec(perMinute: number, capacity: number): BucketSpec {
  if (!Number.isInteger(perMinute) || perMinute < 1 || perMinute > MAX_TOKENS) {
    throw new RangeError(`perMinute must be an integer from 1 to ${MAX_TOKENS}`)
  }
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_TOKENS) {
    throw new RangeError(`capacity must be an integer from 1 to ${MAX_TOKENS}`)
  }
  const stepTokens = Math.max(1, Math.ceil((perMinute * MIN_STEP_US) / MICROS_PER_MINUTE))
  const stepUs = Math.max(1, Math.round((stepTokens * MICROS_PER_MINUTE) / perMinute))
  return Object.freeze({ capacity, perMinute, stepTokens, stepUs })
}

/** Writes a full bucket at `base`, stamped `nowUs`. Not atomic as a whole: only for a bucket no one else sees yet. */
export function initBucket(a: Int32Array, base: number, spec: BucketSpec, nowUs: number): void {
  Atomics.store(a, base + B_TOKENS, spec.capacity)
  Atomics.store(a, base + B_EPOCH, Math.floor(nowUs / 1e6) | 0)
  Atomics.store(a, base + B_STAMP, nowUs | 0)
}

/** Credits the whole steps elapsed since STAMP (see the file header). */
export function refill(a: Int32Array, base: number, spec: BucketSpec, nowUs: number): void {
  const now32 = nowUs | 0 // ToInt32 is exact modulo 2^32 for integers below 2^53
  const nowS = Math.floor(nowUs / 1e6) | 0
  for (;;) {
    // STAMP before EPOCH: a thread that sees a new STAMP then also sees the EPOCH written before it.
    const last = Atomics.load(a, base + B_STAMP)
    const idleS = (nowS - Atomics.load(a, base + B_EPOCH)) | 0
    let credit: number
    let next: number
    if (idleS >= LONG_IDLE_S) {
      // Seconds are truncated at both ends: at least idleS - 1 whole seconds passed.
      credit = Math.floor(((idleS - 1) * 1e6) / spec.stepUs) * spec.stepTokens
      next = now32
    } else {
      const elapsed = (now32 - last) | 0
      // Less than a step, or negative: another thread credited up to a later clock read than ours.
      if (elapsed < spec.stepUs) return
      const steps = Math.floor(elapsed / spec.stepUs)
      credit = steps * spec.stepTokens
      next = (last + steps * spec.stepUs) | 0
    }
    Atomics.store(a, base + B_EPOCH, nowS)
    if (Atomics.compareExchange(a, base + B_STAMP, last, next) === last) {
      add(a, base, credit, spec.capacity)
      return
    }
    // Another thread credited this time first: look again.
  }
}

/** Adds `n` (may be negative), keeping TOKENS within [-MAX_TOKENS, capacity]. */
function add(a: Int32Array, base: number, n: number, capacity: number): void {
  const at = base + B_TOKENS
  for (;;) {
    const cur = Atomics.load(a, at)
    if (n > 0 && cur >= capacity) return
    const next = Math.max(-MAX_TOKENS, Math.min(capacity, cur + n))
    if (Atomics.compareExchange(a, at, cur, next) === cur) return
  }
}

/** Takes `n` tokens if there are `n`: all or nothing, in one compare-and-exchange. No refill. */
export function take(a: Int32Array, base: number, n: number): boolean {
  const at = base + B_TOKENS
  for (;;) {
    const cur = Atomics.load(a, at)
    if (cur < n) return false
    if (Atomics.compareExchange(a, at, cur, cur - n) === cur) return true
  }
}

/** Refills, then takes `n` tokens if there are `n`. */
export function acquire(a: Int32Array, base: number, spec: BucketSpec, n: number, nowUs: number): boolean {
  refill(a, base, spec, nowUs)
  return take(a, base, n)
}

/**
 * Refills, then gives back `delta` tokens (a refund, capped at the capacity) or, when negative,
 * charges them (TOKENS may go below zero: the debt delays the next grants).
 */
export function adjust(a: Int32Array, base: number, spec: BucketSpec, delta: number, nowUs: number): void {
  refill(a, base, spec, nowUs)
  if (delta !== 0) add(a, base, Math.max(-MAX_TOKENS, Math.min(MAX_TOKENS, delta)), spec.capacity)
}

/** Tokens available (after the last refill; negative while in debt). */
export function tokens(a: Int32Array, base: number): number {
  return Atomics.load(a, base + B_TOKENS)
}

/**
 * Microseconds until the bucket holds `n` tokens (0 when it does), for a bucket refilled at `nowUs`
 * (as `acquire` does). With `n` = capacity: until it is full again (the `x-ratelimit-reset-*`
 * headers). Exact for the whole-step refill above.
 */
export function waitUs(a: Int32Array, base: number, spec: BucketSpec, n: number, nowUs: number): number {
  const missing = n - Atomics.load(a, base + B_TOKENS)
  if (missing <= 0) return 0
  const sinceStamp = Math.min(spec.stepUs, Math.max(0, ((nowUs | 0) - Atomics.load(a, base + B_STAMP)) | 0))
  return Math.ceil(missing / spec.stepTokens) * spec.stepUs - sinceStamp
}

/** Tokens a refill at `nowUs` would credit (not capped). Reads only. */
function pendingCredit(a: Int32Array, base: number, spec: BucketSpec, nowUs: number): number {
  const idleS = ((Math.floor(nowUs / 1e6) | 0) - Atomics.load(a, base + B_EPOCH)) | 0
  if (idleS >= LONG_IDLE_S) return Math.floor(((idleS - 1) * 1e6) / spec.stepUs) * spec.stepTokens
  const elapsed = ((nowUs | 0) - Atomics.load(a, base + B_STAMP)) | 0
  return elapsed < spec.stepUs ? 0 : Math.floor(elapsed / spec.stepUs) * spec.stepTokens
}

/** How far from full the bucket would be if refilled now (0: full, and forgetting it changes nothing). Reads only. */
export function deficit(a: Int32Array, base: number, spec: BucketSpec, nowUs: number): number {
  return Math.max(0, spec.capacity - Atomics.load(a, base + B_TOKENS) - pendingCredit(a, base, spec, nowUs))
}

/**
 * One token bucket in its own SharedArrayBuffer. Hand `bucket.buffer` to a worker and
 * `TokenBucket.attach(buffer, spec)` there: both threads then draw from the same tokens.
 *
 * @example
 * const bucket = TokenBucket.create(bucketSpec(10_000, 500)) // 10,000 a minute, bursts of 500
 * if (bucket.acquire(1)) handle()
 * bucket.acquire(64) // a batch of 64 in one operation, all or nothing
 */
export class TokenBucket {
  readonly buffer: SharedArrayBuffer
  readonly spec: BucketSpec
  readonly #a: Int32Array

  private constructor(buffer: SharedArrayBuffer, spec: BucketSpec) {
    this.buffer = buffer
    this.spec = spec
    this.#a = new Int32Array(buffer, 0, SINGLE_BUCKET_INT32S)
  }

  /** A full bucket, stamped `nowUs`. */
  static create(spec: BucketSpec, nowUs: number = nowMicros()): TokenBucket {
    const bucket = new TokenBucket(new SharedArrayBuffer(SINGLE_BUCKET_INT32S * 4), spec)
    initBucket(bucket.#a, 0, spec, nowUs)
    return bucket
  }

  /** The same bucket, seen from another thread (pass the same spec). */
  static attach(buffer: SharedArrayBuffer, spec: BucketSpec): TokenBucket {
    return new TokenBucket(buffer, spec)
  }

  /** Takes `n` tokens if there are `n` now (refilling first); false leaves the bucket as it was. */
  acquire(n = 1, nowUs: number = nowMicros()): boolean {
    return acquire(this.#a, 0, this.spec, n, nowUs)
  }

  /** Gives back `delta` tokens (capped at the capacity), or charges them when negative. */
  adjust(delta: number, nowUs: number = nowMicros()): void {
    adjust(this.#a, 0, this.spec, delta, nowUs)
  }

  /** Tokens available as of the last refill. */
  available(): number {
    return tokens(this.#a, 0)
  }

  /** Microseconds until `n` tokens are there (0: now). */
  waitUs(n: number, nowUs: number = nowMicros()): number {
    refill(this.#a, 0, this.spec, nowUs)
    return waitUs(this.#a, 0, this.spec, n, nowUs)
  }
}
