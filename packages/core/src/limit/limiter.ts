/**
 * The limit step of the request path (DESIGN.md step 5): finds the caller's key and the policy
 * (base limits or the first matching override), reserves one request and the estimated tokens,
 * and then either sends the request on, lets it wait in the admission queue, or answers it (429
 * rate limited, 503 queue full or store unavailable), always with the x-ratelimit-* headers the
 * store reported. The reservation is settled with the real usage when the exchange ends.
 *
 * The fast path (in-process store, tokens available) allocates only the header strings: no
 * waiter, no promise, no closure.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Outgoing } from '../egress/proxy-exchange.js'
import { VeloxError, type VeloxErrorCode } from '../errors.js'
import type { GatewayContext } from '../node/context.js'
import type { Logger } from '../options.js'
import { type AdmissionHandler, AdmissionQueue, PENDING } from '../queue/admission.js'
import type { Candidate } from '../route/router.js'
import type { RequestInfo } from '../telemetry/exchange-record.js'
import { BucketTable } from './bucket-table.js'
import { callerKey } from './caller-key.js'
import type { LimitPolicy, ResolvedLimit } from './limit-options.js'
import { MemoryStore } from './memory-store.js'
import { formatDuration, headerRecord, rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers.js'
import { RedisStore } from './redis-store.js'
import { Reservation } from './reservation.js'
import type { AcquireResult, LimitStore } from './store.js'
import { bucketId, type Proceed, type Reject, Waiter } from './waiter.js'

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

  constructor(config: ResolvedLimit, logger: Logger | undefined) {
    this.config = config
    this.#logger = logger
    this.store =
      config.store.kind === 'redis'
        ? new RedisStore(config.store, config.policies)
        : new MemoryStore(config.policies, config.store.buffer ?? BucketTable.allocate(config.maxKeys))
    this.queue = new AdmissionQueue(config.queueDepth, this, !this.store.sync)
  }

  /**
   * Admits the request (calls `proceed`), lets it wait, or answers it (calls `reject`). Sets
   * `info.key`, and on admission `info.responseHeaders` and `info.reservation`.
   */
  admit(
    ctx: GatewayContext,
    info: RequestInfo,
    req: IncomingMessage,
    res: ServerResponse,
    outgoing: Outgoing,
    candidates: readonly Candidate[],
    slab: Buffer | null,
    proceed: Proceed,
    reject: Reject,
  ): void {
    const body = outgoing.body
    const config = this.config
    const key = callerKey(req, config.key)
    info.key = key
    const policy = this.#policyFor(info)
    const p = config.policies[policy]!
    const tokens = p.tokens === undefined || body === null ? 0 : this.#estimate(ctx, req, info, body)
    if (p.tokens !== undefined && tokens > p.tokens.capacity) {
      if (slab !== null) ctx.bufferPool.release(slab)
      this.#counts.tooLarge++
      const message =
        `Request too large: it needs about ${tokens} tokens, more than the ${p.tokens.capacity} tokens ` +
        `a key may use at once (TPM limit ${p.tpm}). Lower max_tokens or shorten the prompt.`
      return reject(ctx, info, res, new VeloxError('VELOX_ERR_TOKENS_OVER_LIMIT', message))
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
        this.#grant(info, p, policy, key, tokens, r)
        return proceed(ctx, info, req, res, outgoing, candidates, slab)
      }
      refused = r
    }
    const w = new Waiter(
      ctx,
      info,
      req,
      res,
      outgoing,
      candidates,
      slab,
      proceed,
      reject,
      policy,
      key,
      tokens,
      deadline,
      this.#onClose,
    )
    if (refused !== undefined) {
      this.#refused(w, refused)
      return this.#waitOrReject(w)
    }
    if (queued)
      return this.#enqueue(w, Number.POSITIVE_INFINITY) // behind its bucket's waiters
    ;(this.store.acquire(policy, key, 1, tokens) as Promise<AcquireResult>).then(
      (r) => this.#firstAnswer(w, r),
      (err) => this.#storeFailed(w, err, false),
    )
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
      this.#grant(w.info, this.config.policies[w.policy]!, w.policy, w.key, w.tokens, r)
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

  #policyFor(info: RequestInfo): number {
    const policies = this.config.policies
    for (let i = 1; i < policies.length; i++) {
      const p = policies[i]!
      if (p.model !== undefined && (info.model === undefined || !p.model.test(info.model))) continue
      if (p.path !== undefined && !p.path.test(info.path)) continue
      return i
    }
    return 0
  }

  #estimate(ctx: GatewayContext, req: IncomingMessage, info: RequestInfo, body: Buffer): number {
    const fallback = (info.maxTokens ?? 0) + Math.ceil(body.length / 4)
    const estimate = this.config.estimateTokens
    if (estimate === undefined) return fallback
    try {
      const n = estimate(req, {
        method: info.method,
        path: info.path,
        model: info.model,
        maxTokens: info.maxTokens,
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

  #grant(
    info: RequestInfo,
    p: LimitPolicy,
    policy: number,
    key: string,
    tokens: number,
    r: AcquireResult,
  ): void {
    this.#counts.admitted++
    info.responseHeaders = rateLimitHeaders(p, r)
    if (p.tokens !== undefined && tokens > 0) info.reservation = new Reservation(this, policy, key, tokens)
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
      this.#grant(w.info, this.config.policies[w.policy]!, w.policy, w.key, w.tokens, r)
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
      this.#grant(w.info, this.config.policies[w.policy]!, w.policy, w.key, w.tokens, r)
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
    w.releaseSlab()
    w.ctx.counters.active--
    w.ctx.counters.clientAborted++
  }

  /** Bookkeeping for a waiter that left the queue. */
  #leave(w: Waiter): void {
    const n = (this.#waiting.get(w.bucket) ?? 1) - 1
    if (n === 0) this.#waiting.delete(w.bucket)
    else this.#waiting.set(w.bucket, n)
  }

  #send(w: Waiter): void {
    w.finish()
    w.proceed(w.ctx, w.info, w.req, w.res, w.outgoing, w.candidates, w.slab)
  }

  #limitedCode(w: Waiter): VeloxErrorCode {
    return w.limitedBy === 'tokens' ? 'VELOX_ERR_TOKEN_RATE_LIMITED' : 'VELOX_ERR_RATE_LIMITED'
  }

  /** Answers a waiter with a gateway error, the x-ratelimit-* it knows, and Retry-After. */
  #answer(w: Waiter, code: VeloxErrorCode, retryAfterUs: number | undefined, withLimits: boolean): void {
    w.finish()
    w.releaseSlab()
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
    w.reject(w.ctx, w.info, w.res, new VeloxError(code, message), { headers })
  }
}
