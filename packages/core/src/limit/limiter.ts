/**
 * The limit stage of the request path (stages/50-limit.ts): finds the caller's key and the policy
 * (base limits or the first matching override), reserves one request and the estimated tokens,
 * and then either sends the request on, lets it wait in the admission queue, or answers it (429
 * rate limited, 503 queue full or store unavailable), always with the x-ratelimit-* headers the
 * store reported. The reservation is settled with the real usage when the exchange ends.
 *
 * The fast path (in-process store, tokens available) allocates only the header strings: no
 * waiter, no promise, no closure. The limit stage (stages/50-limit.ts) calls `admit`; a request
 * that waits resumes its exchange through the host once the queue lets it in.
 */

import { VeloxError, type VeloxErrorCode } from '../errors.js'
import { type Exchange, NEXT, type StageResult, WAIT } from '../exchange/exchange.js'
import type { Logger } from '../options.js'
import { type AdmissionHandler, AdmissionQueue, PENDING } from './admission.js'
import { BucketTable } from './bucket-table.js'
import { callerKey } from './caller-key.js'
import type { LimitPolicy, ResolvedLimit } from './limit-options.js'
import { MemoryStore } from './memory-store.js'
import { formatDuration, headerRecord, rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers.js'
import { RedisStore } from './redis-store.js'
import { Reservation } from './reservation.js'
import type { AcquireResult, LimitStore } from './store.js'
import { bucketId, Waiter } from './waiter.js'

/** What the limiter needs of the gateway (implemented by GatewayCore). */
export interface LimitHost {
  readonly logger: Logger | undefined
  /** Logs (or emits a process warning) once per code for the gateway's life. */
  warnOnce(code: string, message: string): void
}

export interface LimitStats {
  store: 'memory' | 'redis'
  /** Requests waiting now. */
  queueDepth: number
  /** Requests admitted (at once or after waiting). */
  admitted: number
  /** Requests that had to wait. */
  queued: number
  /** Requests answered by the limiter, by reason. */
  rejected: {
    /** 429: the bucket was empty and waiting was not allowed or could not be long enough. */
    rateLimited: number
    /** 429: waited maxWaitMs without the bucket refilling. */
    waitTimeout: number
    /** 429: needs more tokens than the token bucket holds. */
    tooLarge: number
    /** 503: the queue held queueDepth waiters. */
    queueFull: number
    /** 503: the store was unreachable and failClosed is set. */
    unavailable: number
  }
  /** Clients that left while waiting (nothing was taken from their buckets). */
  cancelled: number
  /** Requests admitted unchecked because the store was unreachable (fail open). */
  failedOpen: number
  /** Store calls that failed. */
  storeErrors: number
  /** Keys in the in-process table (0 with Redis). */
  keys: number
  /** Keys that lost their slot before refilling because the table was full. */
  evictedActive: number
}

export class Limiter implements AdmissionHandler<Waiter> {
  readonly config: ResolvedLimit
  readonly store: LimitStore
  readonly queue: AdmissionQueue<Waiter>
  readonly #logger: Logger | undefined
  readonly #host: LimitHost
  /** Waiters per bucket: a request whose bucket has waiters queues behind them. */
  readonly #waiting = new Map<string, number>()
  #outage = false
  readonly #counts = {
    admitted: 0,
    queued: 0,
    rateLimited: 0,
    waitTimeout: 0,
    tooLarge: 0,
    queueFull: 0,
    unavailable: 0,
    cancelled: 0,
    failedOpen: 0,
    storeErrors: 0,
  }
  readonly #onClose = (waiter: Waiter): void => this.#cancel(waiter)

  constructor(config: ResolvedLimit, host: LimitHost) {
    this.config = config
    this.#host = host
    this.#logger = host.logger
    this.store =
      config.store.kind === 'redis'
        ? new RedisStore(config.store, config.policies)
        : new MemoryStore(config.policies, config.store.buffer ?? BucketTable.allocate(config.maxKeys))
    this.queue = new AdmissionQueue(config.queueDepth, this, !this.store.sync)
  }

  /**
   * Admits the exchange (returns NEXT), lets it wait (returns WAIT; the exchange resumes once
   * admitted or answered), or fails it (returns NEXT: the runner goes to respond). Sets `ex.key`,
   * and on admission `ex.responseHeaders` and `ex.reservation`.
   */
  admit(ex: Exchange): StageResult {
    const body = ex.body
    const config = this.config
    const key = callerKey(ex.req, config.key)
    ex.key = key
    const policy = this.#policyFor(ex)
    const p = config.policies[policy]!
    // A cache hit counts against the requests per minute, not the tokens (it costs none).
    const tokens =
      p.tokens === undefined || body === null || ex.cachedReply !== undefined ? 0 : this.#estimate(ex, body)
    if (p.tokens !== undefined && tokens > p.tokens.capacity) {
      this.#counts.tooLarge++
      const message =
        `Request too large: it needs about ${tokens} tokens, more than the ${p.tokens.capacity} tokens ` +
        `a key may use at once (TPM limit ${p.tpm}). Lower max_tokens or shorten the prompt.`
      ex.fail(new VeloxError('VELOX_ERR_TOKENS_OVER_LIMIT', message))
      return NEXT
    }
    const deadline = performance.now() + config.maxWaitMs
    // In-process, a request whose bucket has waiters queues behind them (each bucket in order).
    // With Redis, every request asks first: other processes take from the bucket anyway.
    const queued = this.store.sync && this.queue.size > 0 && this.#waiting.has(bucketId(policy, key))
    // In-process and not queued: one synchronous acquire, and no waiter is built when it grants.
    let refused: AcquireResult | undefined
    if (this.store.sync && !queued) {
      const r = this.store.acquire(policy, key, 1, tokens) as AcquireResult
      if (r.granted) {
        this.#grant(ex, policy, tokens, r)
        return NEXT
      }
      refused = r
    }
    const w = new Waiter(ex, policy, tokens, deadline, this.#onClose)
    if (refused !== undefined) {
      this.#refused(w, refused)
      this.#waitOrReject(w)
      return WAIT
    }
    if (queued) {
      this.#enqueue(w, Number.POSITIVE_INFINITY) // behind its bucket's waiters
      return WAIT
    }
    ;(this.store.acquire(policy, key, 1, tokens) as Promise<AcquireResult>).then(
      (r) => this.#firstAnswer(w, r),
      (err) => this.#storeFailed(w, err, false),
    )
    return WAIT
  }

  /** Refunds (positive) or charges (negative); a refund may let waiters in early. */
  adjust(policy: number, key: string, requests: number, tokens: number): void {
    this.store.adjust(policy, key, requests, tokens)
    if (requests > 0 || tokens > 0) this.queue.kick()
  }

  stats(): LimitStats {
    const c = this.#counts
    const store = this.store.stats()
    return {
      store: this.store.sync ? 'memory' : 'redis',
      queueDepth: this.queue.size,
      admitted: c.admitted,
      queued: c.queued,
      rejected: {
        rateLimited: c.rateLimited,
        waitTimeout: c.waitTimeout,
        tooLarge: c.tooLarge,
        queueFull: c.queueFull,
        unavailable: c.unavailable,
      },
      cancelled: c.cancelled,
      failedOpen: c.failedOpen,
      storeErrors: c.storeErrors,
      keys: store.keys,
      evictedActive: store.evictedActive,
    }
  }

  /** Answers every waiter 503 (shutting down) and closes the store. */
  async close(): Promise<void> {
    this.queue.drain((w) => {
      this.#leave(w)
      this.#answer(w, 'VELOX_ERR_SHUTTING_DOWN', undefined, false)
    })
    await this.store.close()
  }

  // --- AdmissionHandler: called by the queue ---

  attempt(w: Waiter): number {
    if (!this.store.sync) {
      ;(this.store.acquire(w.policy, w.key, 1, w.tokens) as Promise<AcquireResult>).then(
        (r) => this.#queuedAnswer(w, r),
        (err) => this.#storeFailed(w, err, true),
      )
      return PENDING
    }
    const r = this.store.acquire(w.policy, w.key, 1, w.tokens) as AcquireResult
    if (r.granted) {
      this.#grant(w.ex, w.policy, w.tokens, r)
      return 0
    }
    this.#refused(w, r)
    return Math.max(1, Math.ceil(r.retryAfterUs / 1000))
  }

  admitted(w: Waiter): void {
    this.#leave(w)
    this.#send(w)
  }

  expired(w: Waiter): void {
    this.#leave(w)
    this.#counts.waitTimeout++
    this.#lookIfUnknown(w)
    this.#answer(w, this.#limitedCode(w), w.retryAfterUs, true)
  }

  // --- the steps ---

  #policyFor(ex: Exchange): number {
    const policies = this.config.policies
    for (let i = 1; i < policies.length; i++) {
      const p = policies[i]!
      if (p.model !== undefined && (ex.model === undefined || !p.model.test(ex.model))) continue
      if (p.path !== undefined && !p.path.test(ex.path)) continue
      return i
    }
    return 0
  }

  #estimate(ex: Exchange, body: Buffer): number {
    const fallback = (ex.maxTokens ?? 0) + Math.ceil(body.length / 4)
    const estimate = this.config.estimateTokens
    if (estimate === undefined) return fallback
    const ctx = this.#host
    try {
      const n = estimate(ex.req, {
        method: ex.method,
        path: ex.path,
        model: ex.model,
        maxTokens: ex.maxTokens,
        body,
      })
      if (typeof n === 'number' && Number.isFinite(n) && n >= 0) return Math.ceil(n)
      ctx.warnOnce(
        'VELOX_WARN_BAD_ESTIMATE',
        'limit.estimateTokens returned something other than a number >= 0; using the default estimate',
      )
    } catch {
      ctx.warnOnce('VELOX_WARN_BAD_ESTIMATE', 'limit.estimateTokens threw; using the default estimate')
    }
    return fallback
  }

  #grant(ex: Exchange, policy: number, tokens: number, r: AcquireResult): void {
    const p: LimitPolicy = this.config.policies[policy]!
    this.#counts.admitted++
    ex.responseHeaders = rateLimitHeaders(p, r)
    if (p.tokens !== undefined && tokens > 0) ex.reservation = new Reservation(this, policy, ex.key!, tokens)
  }

  /**
   * A waiter queued behind its bucket's waiters never asked the store: look (in-process; taking
   * nothing) so its 429 or 503 carries the bucket's x-ratelimit-* too.
   */
  #lookIfUnknown(w: Waiter): void {
    if (w.headers === undefined && this.store instanceof MemoryStore) {
      this.#refused(w, this.store.peek(w.policy, w.key, 1, w.tokens))
    }
  }

  /** Keeps what a refused acquire said, for the 429 (the in-process result object is reused). */
  #refused(w: Waiter, r: AcquireResult): void {
    w.headers = rateLimitHeaders(this.config.policies[w.policy]!, r)
    w.retryAfterUs = r.retryAfterUs
    w.limitedBy = r.limitedBy
  }

  /** After a refused first acquire: wait if the refill can come within maxWaitMs, else 429 now. */
  #waitOrReject(w: Waiter): void {
    if (w.retryAfterUs > (w.deadline - performance.now()) * 1000) {
      this.#counts.rateLimited++
      return this.#answer(w, this.#limitedCode(w), w.retryAfterUs, true)
    }
    this.#enqueue(w, w.retryAfterUs / 1000)
  }

  #enqueue(w: Waiter, retryMs: number): void {
    if (!this.queue.push(w, retryMs)) {
      this.#counts.queueFull++
      this.#lookIfUnknown(w)
      return this.#answer(w, 'VELOX_ERR_QUEUE_FULL', Math.max(w.retryAfterUs, 1_000_000), true)
    }
    this.#counts.queued++
    this.#waiting.set(w.bucket, (this.#waiting.get(w.bucket) ?? 0) + 1)
  }

  /** The answer to the first acquire of a request, from an asynchronous store. */
  #firstAnswer(w: Waiter, r: AcquireResult): void {
    this.#recovered()
    if (w.gone) {
      if (r.granted) this.store.adjust(w.policy, w.key, 1, w.tokens) // its client left meanwhile: give it back
      return
    }
    if (r.granted) {
      this.#grant(w.ex, w.policy, w.tokens, r)
      return this.#send(w)
    }
    this.#refused(w, r)
    this.#waitOrReject(w)
  }

  /** The answer to a queued waiter's acquire, from an asynchronous store. */
  #queuedAnswer(w: Waiter, r: AcquireResult): void {
    this.#recovered()
    if (w.gone) {
      if (r.granted) this.store.adjust(w.policy, w.key, 1, w.tokens)
      return this.queue.settle(w, 0)
    }
    if (r.granted) {
      this.#grant(w.ex, w.policy, w.tokens, r)
      return this.queue.settle(w, 0)
    }
    this.#refused(w, r)
    this.queue.settle(w, Math.max(1, Math.ceil(r.retryAfterUs / 1000)))
  }

  /**
   * The store could not answer: admit unchecked (fail open) or answer 503 (failClosed).
   * `fromQueue`: the failed call was a queued waiter's attempt (the queue waits for `settle`).
   */
  #storeFailed(w: Waiter, err: unknown, fromQueue: boolean): void {
    this.#counts.storeErrors++
    if (!this.#outage) {
      this.#outage = true
      const e = err as { name?: string; code?: unknown; message?: string } | undefined
      const detail = { err: { name: e?.name, code: e?.code, message: e?.message } }
      const message = `velox: the rate-limit store is unreachable; ${this.config.failClosed ? 'answering 503' : 'admitting requests unchecked'} until it is back`
      if (this.#logger) this.#logger.error(detail, message)
      else process.emitWarning(message, { code: 'VELOX_WARN_LIMITER_UNAVAILABLE' })
    }
    if (w.gone) return fromQueue ? this.queue.settle(w, 0) : undefined
    if (this.config.failClosed) {
      if (w.slot >= 0) {
        this.queue.remove(w)
        this.#leave(w)
      }
      if (fromQueue) this.queue.settle(w, 0)
      this.#counts.unavailable++
      return this.#answer(w, 'VELOX_ERR_LIMITER_UNAVAILABLE', 1_000_000, false)
    }
    this.#counts.failedOpen++
    this.#counts.admitted++
    if (fromQueue) return this.queue.settle(w, 0) // the queue hands it to `admitted`
    this.#send(w)
  }

  #recovered(): void {
    if (!this.#outage) return
    this.#outage = false
    const message = 'velox: the rate-limit store is reachable again; limits apply'
    if (this.#logger) this.#logger.info({}, message)
    else process.emitWarning(message, { code: 'VELOX_WARN_LIMITER_AVAILABLE' })
  }

  /** A client left while its request waited: it leaves the queue now and takes nothing. */
  #cancel(w: Waiter): void {
    if (w.done) return
    w.finish()
    w.gone = true
    if (w.slot >= 0) {
      this.queue.remove(w)
      this.#leave(w)
    }
    this.#counts.cancelled++
    w.ex.left()
    w.ex.resume()
  }

  /** Bookkeeping for a waiter that left the queue. */
  #leave(w: Waiter): void {
    const n = (this.#waiting.get(w.bucket) ?? 1) - 1
    if (n === 0) this.#waiting.delete(w.bucket)
    else this.#waiting.set(w.bucket, n)
  }

  #send(w: Waiter): void {
    w.finish()
    w.ex.resume()
  }

  #limitedCode(w: Waiter): VeloxErrorCode {
    return w.limitedBy === 'tokens' ? 'VELOX_ERR_TOKEN_RATE_LIMITED' : 'VELOX_ERR_RATE_LIMITED'
  }

  /** Answers a waiter with a gateway error, the x-ratelimit-* it knows, and Retry-After. */
  #answer(w: Waiter, code: VeloxErrorCode, retryAfterUs: number | undefined, withLimits: boolean): void {
    w.finish()
    const p = this.config.policies[w.policy]!
    let message: string | undefined
    if (code === 'VELOX_ERR_RATE_LIMITED') {
      message = `Rate limit reached for requests per min (RPM): Limit ${p.rpm}, burst ${p.burst}. Please try again in ${formatDuration(retryAfterUs ?? 0)}.`
    } else if (code === 'VELOX_ERR_TOKEN_RATE_LIMITED') {
      message = `Rate limit reached for tokens per min (TPM): Limit ${p.tpm}, Requested ${w.tokens}. Please try again in ${formatDuration(retryAfterUs ?? 0)}.`
    }
    const headers = (withLimits && headerRecord(w.headers)) || {}
    if (retryAfterUs !== undefined) {
      headers['retry-after'] = String(retryAfterSeconds(retryAfterUs))
      headers['retry-after-ms'] = String(Math.max(1, Math.ceil(retryAfterUs / 1000)))
    }
    w.ex.fail(new VeloxError(code, message), headers)
    w.ex.resume()
  }
}
