/**
 * Stage 9, egress: sends the exchange to its candidates over undici, as many attempts as it takes,
 * and streams the chosen response to the client as it arrives (undici `dispatch` with a handler, at
 * 0.4-0.6x the CPU of request() + pipeline(): bench/node/proxy-load.ts, bench/RESULTS.md). One
 * `Dispatch` per exchange ties three small pieces together: the undici handler of each attempt
 * (egress/upstream-attempt.ts), the retry and fallback cursor (egress/retry-cursor.ts) and the
 * client-side writer (http/client-writer.ts). When the exchange is over (answered, failed, or its
 * client gone) it resumes the runner at respond.
 *
 * Retries and fallbacks happen only while nothing has reached the client (the writer holds a JSON
 * response's headers until its first body bytes), and never for a timeout or a reset after the body
 * was written unless the retry policy allows it (egress/retry-decision.ts: the call may be billing).
 * With `health` on, each attempt asks its upstream's health first (a half-open upstream lets one
 * probe through), reports how it ended and how long it took, and a 429/503 with Retry-After cools
 * the upstream; an upstream that is now ejected or cooling is left for the next candidate at once.
 *
 * The undici traps this is written around: callbacks run in the async context of whichever request opened the socket, so all state lives
 * on this object; 1xx responses are not the response; the client may leave before undici connects
 * (the attempt aborts on connect); onError must never throw (UpstreamAttempt guards it).
 */
import type { Readable } from 'node:stream'
import { errors as undiciErrors } from 'undici'
import { replay } from '../cache/replay.js'
import type { ResponseCache } from '../cache/response-cache.js'
import { addDefaultHeaders, clientResponseHeaders, upstreamRequestHeaders } from '../egress/headers.js'
import { RetryCursor } from '../egress/retry-cursor.js'
import { isIdempotent, mayRetryError, refusedByUpstream } from '../egress/retry-decision.js'
import { type ResolvedRetry, retryAfterMs } from '../egress/retry-policy.js'
import { STREAM_BODY_FROM_BYTES, streamedBody } from '../egress/streamed-body.js'
import { type AttemptOwner, UpstreamAttempt } from '../egress/upstream-attempt.js'
import { upstreamErrorCode } from '../egress/upstream-errors.js'
import { VeloxError, type VeloxErrorCode } from '../errors.js'
import type { RequestCounters } from '../exchange/counters.js'
import { type Exchange, NEXT, type StageResult, WAIT } from '../exchange/exchange.js'
import type { HealthMonitor } from '../health/health-monitor.js'
import type { AttemptAdmission } from '../health/health-types.js'
import { coolsDown, outcomeOfStatus } from '../health/outcome.js'
import { ClientWriter } from '../http/client-writer.js'
import { spliceModel } from '../json/splice-model.js'
import { headerRecord, replaceRateLimitHeaders } from '../limit/rate-limit-headers.js'
import type { Logger } from '../options.js'
import type { GatewayTracing } from '../tracing/gateway-tracing.js'
import { needsUsageSplice } from '../usage/ensure-usage.js'
import { spliceIncludeUsage } from '../usage/include-usage-splice.js'
import { UsageChunkFilter } from '../usage/usage-chunk-filter.js'
import { type TranslatedResponse, translatedAttempt } from './translation.js'
import { UsageCapture } from './usage.js'

export interface EgressContext {
  readonly options: { readonly retry: ResolvedRetry; readonly timeouts: { readonly totalMs: number } }
  readonly counters: RequestCounters
  readonly logger: Logger | undefined
  /** True when something listens for exchange records (so timings and usage are worth reading). */
  readonly recordsWanted: boolean
  /** OpenTelemetry GenAI tracing; null when off (one branch per step then). */
  readonly tracing: GatewayTracing | null
  /** Undefined when `health` is off. */
  readonly health: HealthMonitor | undefined
  /** True when usage is worth reading (records, a token limit, budgets, pricing). */
  readonly usageWanted: boolean
  /** True when streamed chats get the include_usage splice (`usage.ensure`, by default `usageWanted`). */
  readonly spliceUsage: boolean
  /** The response cache (a miss's answer is recorded as it passes); undefined when off. */
  readonly cache: ResponseCache | undefined
}

const CLIENT_LEFT = new undiciErrors.RequestAbortedError('client closed the connection')
const DEADLINE = new undiciErrors.RequestAbortedError('total timeout')

export function egress(ctx: EgressContext, ex: Exchange): StageResult {
  const reply = ex.cachedReply
  if (reply !== undefined) {
    // A cache hit (stages/45-cache.ts): the stored answer, with the caller's x-ratelimit-*.
    replay(ex.res, reply, headerRecord(ex.responseHeaders))
    ex.status = 200
    ex.committed = true
    ex.ended = true
    return NEXT
  }
  if (ex.stream && ex.body !== null && needsUsageSplice(ex.path, true, ex.includeUsage) && ctx.spliceUsage) {
    ex.usageSpliced = true
  }
  const tracing = ctx.tracing
  if (tracing !== null) {
    // The span covers the upstream work: every attempt, retries and fallbacks included.
    const body = ex.body ?? undefined
    ex.trace = tracing.begin({ apiPath: ex.path, model: ex.model, body, parent: ex.traceContext })
  }
  new Dispatch(ctx, ex).start()
  return WAIT
}

class Dispatch implements AttemptOwner {
  readonly #ctx: EgressContext
  readonly #ex: Exchange
  /** Made when the first attempt fails or answers a retryable status (most exchanges never need one). */
  #cursor: RetryCursor | null = null
  readonly #writer: ClientWriter
  #attempt: UpstreamAttempt | null = null
  /** The response mapping of the attempt in flight when it is translated (stages/translation.ts). */
  #translated: TranslatedResponse | undefined = undefined
  #retryTimer: NodeJS.Timeout | undefined = undefined
  /** The wait before the next attempt, chosen when a retryable response's headers came. */
  #pendingWait = 0
  #deadlineTimer: NodeJS.Timeout | undefined = undefined
  #deadlineAt = 0
  #deadlineHit = false
  #finished = false
  /** Why the last attempt failed (its status or error code): the reason on the next attempt's span event. */
  #lastFailure: string | undefined = undefined
  /** The health admission of the attempt in flight; null once reported (or with health off). */
  #admission: AttemptAdmission | null = null
  #attemptStartedAt = 0
  /** The one function made per exchange: the client's `close` listener. */
  readonly #onClientClose: () => void

  constructor(ctx: EgressContext, ex: Exchange) {
    this.#ctx = ctx
    this.#ex = ex
    this.#writer = new ClientWriter(ex.res)
    this.#onClientClose = this.#clientClosed.bind(this)
    ex.res.on('close', this.#onClientClose)
  }

  start(): void {
    const totalMs = this.#ctx.options.timeouts.totalMs
    if (totalMs > 0) {
      this.#deadlineAt = performance.now() + totalMs
      this.#deadlineTimer = setTimeout(() => this.#onDeadline(), totalMs)
    }
    this.#launch()
  }

  /** The cursor over candidates and attempts, made the first time another attempt is considered. */
  #next(upstreamAsked: number | undefined): number | undefined {
    return this.#newCursor().next(upstreamAsked)
  }

  #newCursor(): RetryCursor {
    this.#cursor ??= new RetryCursor(this.#ctx.options.retry, this.#ex.candidates.length, this.#deadlineAt)
    return this.#cursor
  }

  /** True when the route has a candidate after the current one. */
  #hasNextCandidate(): boolean {
    return (this.#cursor?.candidateIndex ?? 0) + 1 < this.#ex.candidates.length
  }

  /**
   * Asks the candidate's health to let the attempt out. A half-open upstream whose one probe is
   * out (or one ejected since the route ran) is skipped for the next candidate; the last one is
   * tried anyway. Returns the candidate's index.
   */
  #admit(health: HealthMonitor): number {
    const ex = this.#ex
    const now = health.clock()
    let index = this.#cursor?.candidateIndex ?? 0
    let admission = ex.candidates[index]!.upstream.health?.begin(now, ex.panic) ?? 'normal'
    while (admission === 'refused') {
      if (this.#newCursor().skipCandidate()) index++
      const force = !this.#hasNextCandidate()
      admission = ex.candidates[index]!.upstream.health?.begin(now, force) ?? 'normal'
    }
    this.#admission = admission
    this.#attemptStartedAt = now
    return index
  }

  /** Sends the current attempt to the current candidate. */
  #launch(): void {
    this.#retryTimer = undefined
    const ex = this.#ex
    if (this.#finished || ex.clientGone) return
    const health = this.#ctx.health
    const index = health === undefined ? (this.#cursor?.candidateIndex ?? 0) : this.#admit(health)
    const cursor = this.#cursor
    const candidate = ex.candidates[index]!
    const upstream = candidate.upstream
    upstream.attempts++
    if (cursor !== null) {
      if (cursor.attemptOnCandidate > 1) upstream.retries++
      else if (index > 0) upstream.fallbacks++
    }
    ex.candidate = candidate
    ex.attempts++
    ex.fallbacks = index
    const { pathAndQuery, modelStart } = ex
    const config = upstream.config
    let path =
      pathAndQuery === '' || pathAndQuery.startsWith('?')
        ? config.requestPath
        : config.basePath + pathAndQuery
    let body = ex.body
    if (candidate.model !== undefined && body !== null && modelStart >= 0) {
      body = spliceModel(body, modelStart, ex.modelEnd, candidate.model)
    }
    if (ex.usageSpliced && body !== null) body = withUsage(ex, body)
    let headers = upstreamRequestHeaders(
      ex.req.headers,
      upstream.injectedHeaders,
      upstream.injectedNames,
      ex.decoded,
    )
    // A candidate in the other format gets the request the translate stage mapped (its own path, no query).
    const translated = ex.translated === undefined ? undefined : translatedAttempt(ex, candidate)
    this.#translated = translated?.response
    if (translated !== undefined) {
      path = translated.path
      body = translated.body
      headers = translated.response.requestHeaders(headers)
    }
    addDefaultHeaders(headers, upstream.defaultHeaders)
    const trace = ex.trace
    if (trace !== undefined) {
      const fallback = cursor !== null && cursor.attemptOnCandidate === 1 && index > 0
      trace.attempt({ upstream: config, index: ex.attempts - 1, fallback, reason: this.#lastFailure })
      this.#ctx.tracing!.propagate(headers, trace)
    }
    const attempt = new UpstreamAttempt(this, upstream)
    this.#attempt = attempt
    ex.attempt = attempt
    if (cursor !== null) {
      this.#ctx.logger?.info(
        { upstream: config.name, attempt: cursor.attemptOnCandidate, total: ex.attempts },
        'velox: upstream attempt',
      )
    }
    let sent: Buffer | Readable | null = body
    if (body !== null && config.http2 && body.length >= STREAM_BODY_FROM_BYTES) {
      // A large body to an upstream that may speak HTTP/2 goes as a stream (egress/streamed-body.ts).
      sent = streamedBody(body)
      headers.push('content-length', String(body.length))
    }
    try {
      upstream.pool.dispatch({ method: ex.method, path, headers, body: sent }, attempt)
    } catch (err) {
      attempt.onError(err as Error)
    }
  }

  onAttemptHeaders(
    attempt: UpstreamAttempt,
    status: number,
    raw: Buffer[],
    resume: () => void,
    text: string,
  ): boolean {
    if (attempt !== this.#attempt) return false
    if (status < 200) return true // 100 Continue, 103 Early Hints: not the response
    const ex = this.#ex
    if (ex.clientGone) return false
    const ctx = this.#ctx
    const parsed = clientResponseHeaders(raw)
    const { eventStream, retryAfter, retryAfterMs: retryAfterMsHeader } = parsed
    const asked = retryAfterMs(retryAfterMsHeader, retryAfter)
    const out = this.#reportResponse(attempt, status, asked)
    if (ctx.options.retry.statuses.has(status)) {
      // An upstream now ejected or cooling is not waited for when another candidate can answer.
      const wait = this.#next(out && this.#hasNextCandidate() ? Number.POSITIVE_INFINITY : asked)
      if (wait !== undefined) {
        attempt.upstream.failures++
        attempt.discardBody() // read its body to keep the connection, then retry
        ctx.logger?.warn({ upstream: attempt.upstream.config.name, status, waitMs: wait }, 'velox: retrying')
        this.#pendingWait = wait
        this.#lastFailure = String(status)
        return true
      }
    }
    ex.status = status
    // The limiter's x-ratelimit-* (the caller's limits) replace the upstream's (the owner's account).
    const added = ex.responseHeaders
    const headers = added === undefined ? parsed.headers : replaceRateLimitHeaders(parsed.headers, added)
    const trace = ex.trace
    if (trace !== undefined) trace.onResponseHead(eventStream)
    // A translated answer is not recorded (the cache keeps only answers passed through as they came).
    const translated = this.#translated
    if (ex.cacheOutcome !== undefined && translated !== undefined)
      headers.push('x-velox-cache', ex.cacheOutcome)
    if (translated !== undefined) {
      ex.headersAt = performance.now()
      ex.usage = translated.translation // reads the translated usage as it maps each event
      ex.status = translated.head(this.#writer, status, headers, eventStream, resume)
      return true
    }
    if (ctx.usageWanted || ex.reservation !== undefined || trace !== undefined) {
      ex.headersAt = performance.now()
      ex.usage = new UsageCapture(eventStream)
    }
    if (ex.usageSpliced && eventStream) ex.usageFilter = new UsageChunkFilter()
    if (ex.cacheOutcome !== undefined) {
      headers.push('x-velox-cache', ex.cacheOutcome)
      if (ex.cacheKey !== undefined)
        ex.cacheRecorder = ctx.cache!.recorder(status, headerValue(headers, 'content-type'))
    }
    this.#writer.head(status, text, headers, eventStream, resume)
    return true
  }

  onAttemptData(attempt: UpstreamAttempt, chunk: Buffer): boolean {
    const ex = this.#ex
    if (attempt !== this.#attempt || ex.clientGone) return false
    if (attempt.discarding) return true
    const usage = ex.usage
    if (usage !== null) {
      if (ex.firstByteAt === 0) ex.firstByteAt = performance.now()
      usage.onChunk(chunk)
    }
    const trace = ex.trace
    if (trace !== undefined) trace.onResponseChunk(chunk) // the upstream's bytes, before any translation
    const translated = this.#translated
    if (translated !== undefined) return translated.write(this.#writer, chunk)
    const filter = ex.usageFilter
    if (filter === null) {
      ex.cacheRecorder?.onChunk(chunk)
      return this.#writer.write(chunk)
    }
    // What the include_usage splice added is taken out: the client gets the stream it asked for.
    const out = filter.push(chunk)
    if (out === undefined) return true
    ex.cacheRecorder?.onChunk(out)
    return this.#writer.write(out)
  }

  onAttemptComplete(attempt: UpstreamAttempt): void {
    if (attempt !== this.#attempt) return
    if (attempt.discarding) return this.#retryAfter(this.#pendingWait)
    if (this.#ex.clientGone) return this.#finish()
    const translated = this.#translated
    if (translated !== undefined) this.#ex.status = translated.end(this.#writer, this.#ex.status)
    const rest = this.#ex.usageFilter?.end()
    if (rest !== undefined) {
      this.#ex.cacheRecorder?.onChunk(rest)
      this.#writer.write(rest)
    }
    this.#writer.end()
    this.#ex.ended = true
    this.#finish()
  }

  onAttemptError(attempt: UpstreamAttempt, err: Error): void {
    if (attempt !== this.#attempt || this.#finished) return
    this.#setAttempt(null)
    const ex = this.#ex
    if (ex.clientGone || this.#deadlineHit) this.#abandon(attempt)
    if (ex.clientGone) return this.#finish()
    if (attempt.discarding && !this.#deadlineHit) return this.#retryAfter(this.#pendingWait) // its body failed: retry all the same
    const ctx = this.#ctx
    const name = attempt.upstream.config.name
    if (this.#writer.committed) {
      // Bytes already reached the client: cutting the response is the only truthful signal.
      ctx.counters.upstreamFailedMidResponse++
      ctx.logger?.warn({ upstream: name, err: describe(err) }, 'velox: upstream failed mid-response')
      this.#writer.cut()
      return this.#finish()
    }
    this.#writer.dropHeld()
    attempt.upstream.failures++
    const code: VeloxErrorCode = this.#deadlineHit
      ? 'VELOX_ERR_UPSTREAM_TOTAL_TIMEOUT'
      : upstreamErrorCode(err)
    const out = this.#deadlineHit ? false : this.#reportFailure(attempt)
    const retryable =
      !this.#deadlineHit &&
      mayRetryError(ctx.options.retry, {
        code,
        bodyWritten: attempt.bodySent,
        idempotent: isIdempotent(ex.method, ex.path),
        refused: refusedByUpstream(err),
      })
    const wait = retryable
      ? this.#next(out && this.#hasNextCandidate() ? Number.POSITIVE_INFINITY : undefined)
      : undefined
    this.#lastFailure = code
    ctx.logger?.warn(
      { upstream: name, code, err: describe(err), retry: wait !== undefined },
      'velox: upstream attempt failed',
    )
    if (wait !== undefined) return this.#retryAfter(wait)
    this.#fail(code)
  }

  /**
   * Tells the upstream's health how the attempt ended (a response) and cools it on a 429/503 with
   * Retry-After. True when the upstream is now out (ejected or cooling for this model).
   */
  #reportResponse(attempt: UpstreamAttempt, status: number, asked: number | undefined): boolean {
    const monitor = this.#ctx.health
    const health = attempt.upstream.health
    const admission = this.#admission
    if (monitor === undefined || health === undefined || admission === null) return false
    this.#admission = null
    const now = monitor.clock()
    const latencyMs = now - this.#attemptStartedAt
    monitor.publish(health.end(admission, outcomeOfStatus(status), latencyMs, now))
    const model = this.#ex.model
    if (asked !== undefined && coolsDown(status)) monitor.publish(health.cool(status, asked, model, now))
    return !health.isAvailable(model, now)
  }

  /** Tells the upstream's health the attempt failed on the transport; true when it is now out. */
  #reportFailure(attempt: UpstreamAttempt): boolean {
    const monitor = this.#ctx.health
    const health = attempt.upstream.health
    const admission = this.#admission
    if (monitor === undefined || health === undefined || admission === null) return false
    this.#admission = null
    const now = monitor.clock()
    const latencyMs = now - this.#attemptStartedAt
    monitor.publish(health.end(admission, 'gateway-failure', latencyMs, now))
    return !health.isAvailable(this.#ex.model, now)
  }

  /** The attempt ended without telling anything about its upstream (client gone, deadline). */
  #abandon(attempt: UpstreamAttempt): void {
    if (this.#admission === null) return
    attempt.upstream.health?.abandon(this.#admission)
    this.#admission = null
  }

  #setAttempt(attempt: UpstreamAttempt | null): void {
    this.#attempt = attempt
    this.#ex.attempt = attempt
  }

  #retryAfter(wait: number): void {
    this.#setAttempt(null)
    this.#retryTimer = setTimeout(() => this.#launch(), wait)
  }

  #onDeadline(): void {
    this.#deadlineTimer = undefined
    if (this.#finished) return
    this.#deadlineHit = true
    // In flight: the error path answers 504, or cuts a response already under way.
    if (this.#attempt !== null) return this.#attempt.abort(DEADLINE)
    this.#clearRetry()
    this.#fail('VELOX_ERR_UPSTREAM_TOTAL_TIMEOUT')
  }

  #clientClosed(): void {
    const ex = this.#ex
    if (this.#finished || ex.res.writableFinished) return
    ex.clientGone = true
    this.#clearRetry()
    if (this.#attempt !== null) this.#attempt.abort(CLIENT_LEFT)
    else this.#finish() // between attempts: nothing in flight
  }

  /** The gateway answers with its own error (the respond stage writes it, with the limiter's headers). */
  #fail(code: VeloxErrorCode): void {
    const ex = this.#ex
    ex.fail(new VeloxError(code), headerRecord(ex.responseHeaders))
    this.#finish()
  }

  #clearRetry(): void {
    if (this.#retryTimer !== undefined) {
      clearTimeout(this.#retryTimer)
      this.#retryTimer = undefined
    }
  }

  #finish(): void {
    if (this.#finished) return
    this.#finished = true
    const inFlight = this.#attempt
    if (inFlight !== null) this.#abandon(inFlight)
    this.#setAttempt(null)
    this.#clearRetry()
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer)
    const ex = this.#ex
    ex.res.off('close', this.#onClientClose)
    this.#writer.close()
    ex.committed = this.#writer.committed
    ex.resume()
  }
}

/** The body with include_usage spliced in; the body as it is if it cannot be (checked by extract). */
function withUsage(ex: Exchange, body: Buffer): Buffer {
  try {
    return spliceIncludeUsage(body)
  } catch {
    ex.usageSpliced = false
    return body
  }
}

/** The value of `name` in a flat [name, value, ...] header list (names lower case). */
function headerValue(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1]
  return undefined
}

/** The parts of an error worth logging: never headers, never a body. */
function describe(err: Error): { name: string; code: unknown; message: string } {
  return { name: err.name, code: (err as { code?: unknown }).code, message: err.message }
}
