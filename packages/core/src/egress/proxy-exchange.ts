/**
 * One proxied request, over as many upstream attempts as it takes: the state machine that tries
 * the route's candidates in order, retries with backoff and honours Retry-After, and writes the
 * chosen response straight into the client's ServerResponse as it arrives (DESIGN.md measured
 * undici `dispatch` with a handler at 0.4-0.6x the CPU of request() + pipeline()).
 *
 * Retries and fallbacks happen only while nothing has reached the client: a JSON response's
 * headers are held until its first body bytes (so a failure before them can still be retried);
 * an event stream's headers go out at once (the client should see its 200 while a model thinks),
 * and from then on the exchange is committed to that upstream.
 *
 * The undici traps this is written around (DESIGN.md): callbacks run in the async context of
 * whichever request opened the socket, so all state lives on this object; 1xx responses are not
 * the response; the client may leave before undici connects (the attempt aborts on connect);
 * onError must never throw (UpstreamAttempt guards it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { errors as undiciErrors } from 'undici'
import { VeloxError, type VeloxErrorCode } from '../errors.js'
import { spliceModel } from '../json/splice-model.js'
import { headerRecord, replaceRateLimitHeaders } from '../limit/rate-limit-headers.js'
import type { GatewayContext } from '../node/context.js'
import { writeError } from '../node/write-error.js'
import type { Candidate } from '../route/router.js'
import { UsageCapture } from '../stream/usage.js'
import type { ExchangeRecord, RequestInfo } from '../telemetry/exchange-record.js'
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js'
import { backoffMs, retryAfterMs } from './retry-policy.js'
import { type AttemptOwner, UpstreamAttempt } from './upstream-attempt.js'
import { upstreamErrorCode } from './upstream-errors.js'

/** The request as the exchange forwards it. */
export interface Outgoing {
  /** The path after the prefix, with its query (`/chat/completions?x=1`); '' for the bare prefix. */
  readonly pathAndQuery: string
  readonly body: Buffer | null
  /** The model token's byte range in `body`, for aliases ([-1, -1] when there is none). */
  readonly modelStart: number
  readonly modelEnd: number
  /** A framework's parser already decoded the body: the client's Content-Encoding no longer applies. */
  readonly decoded: boolean
}

const CLIENT_LEFT = new undiciErrors.RequestAbortedError('client closed the connection')
const DEADLINE = new undiciErrors.RequestAbortedError('total timeout')

export class ProxyExchange implements AttemptOwner {
  readonly ctx: GatewayContext
  readonly info: RequestInfo
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly outgoing: Outgoing
  readonly candidates: readonly Candidate[]
  /** The pooled slab behind the body, returned when no attempt can need it any more. */
  slab: Buffer | null
  candidateIndex = 0
  /** Attempts on the current candidate, the one in flight included. */
  attemptOnCandidate = 0
  totalAttempts = 0
  attempt: UpstreamAttempt | null = null
  retryTimer: NodeJS.Timeout | undefined = undefined
  /** The wait before the next attempt, chosen when a retryable response's headers came. */
  pendingWait = 0
  deadlineTimer: NodeJS.Timeout | undefined = undefined
  deadlineAt = 0
  deadlineHit = false
  /** Headers of a JSON response, held until its first body bytes. */
  heldHeaders: string[] | null = null
  heldStatus = 0
  heldStatusText = ''
  resumeUpstream: (() => void) | null = null
  /** Response bytes (or headers) went to the client: no retry from here on. */
  committed = false
  clientGone = false
  finished = false
  status = 0
  errorCode: VeloxErrorCode | undefined = undefined
  headersAt = 0
  firstByteAt = 0
  /** Reads token usage as the body passes; only when exchange records are wanted. */
  usage: UsageCapture | null = null

  constructor(
    ctx: GatewayContext,
    info: RequestInfo,
    req: IncomingMessage,
    res: ServerResponse,
    outgoing: Outgoing,
    candidates: readonly Candidate[],
    slab: Buffer | null,
  ) {
    this.ctx = ctx
    this.info = info
    this.req = req
    this.res = res
    this.outgoing = outgoing
    this.candidates = candidates
    this.slab = slab
    this.onClientClose = this.onClientClose.bind(this)
    this.onDrain = this.onDrain.bind(this)
    this.launch = this.launch.bind(this)
    res.on('close', this.onClientClose)
  }

  start(): void {
    const totalMs = this.ctx.options.timeouts.totalMs
    if (totalMs > 0) {
      this.deadlineAt = performance.now() + totalMs
      this.deadlineTimer = setTimeout(() => this.onDeadline(), totalMs)
    }
    this.attemptOnCandidate = 1
    this.launch()
  }

  /** Sends the current attempt to the current candidate. */
  launch(): void {
    this.retryTimer = undefined
    if (this.finished || this.clientGone) return
    const candidate = this.candidates[this.candidateIndex]!
    const upstream = candidate.upstream
    upstream.attempts++
    if (this.attemptOnCandidate > 1) upstream.retries++
    else if (this.candidateIndex > 0) upstream.fallbacks++
    this.totalAttempts++
    const { pathAndQuery, modelStart } = this.outgoing
    const config = upstream.config
    const path =
      pathAndQuery === '' || pathAndQuery.startsWith('?')
        ? config.requestPath
        : config.basePath + pathAndQuery
    let body = this.outgoing.body
    if (candidate.model !== undefined && body !== null && modelStart >= 0) {
      body = spliceModel(body, modelStart, this.outgoing.modelEnd, candidate.model)
    }
    const headers = upstreamRequestHeaders(
      this.req.headers,
      upstream.injectedHeaders,
      upstream.injectedNames,
      this.outgoing.decoded,
    )
    const attempt = new UpstreamAttempt(this, upstream)
    this.attempt = attempt
    if (this.totalAttempts > 1) {
      this.ctx.logger?.info(
        { upstream: config.name, attempt: this.attemptOnCandidate, total: this.totalAttempts },
        'velox: upstream attempt',
      )
    }
    try {
      upstream.pool.dispatch({ method: this.info.method, path, headers, body }, attempt)
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
    if (attempt !== this.attempt) return false
    if (status < 200) return true // 100 Continue, 103 Early Hints: not the response
    if (this.clientGone) return false
    const parsed = clientResponseHeaders(raw)
    const { eventStream, retryAfter, retryAfterMs: retryAfterMsHeader } = parsed
    if (this.ctx.options.retry.statuses.has(status)) {
      const wait = this.nextWait(retryAfterMs(retryAfterMsHeader, retryAfter))
      if (wait !== undefined) {
        attempt.upstream.failures++
        attempt.discard = true // read its body to keep the connection, then retry
        this.ctx.logger?.warn(
          { upstream: attempt.upstream.config.name, status, waitMs: wait },
          'velox: retrying',
        )
        this.pendingWait = wait
        return true
      }
    }
    this.resumeUpstream = resume
    this.status = status
    // The limiter's x-ratelimit-* (the caller's limits) replace the upstream's (the owner's account).
    const added = this.info.responseHeaders
    const headers = added === undefined ? parsed.headers : replaceRateLimitHeaders(parsed.headers, added)
    if (this.ctx.recordsWanted || this.info.reservation !== undefined) {
      this.headersAt = performance.now()
      this.usage = new UsageCapture(eventStream)
    }
    if (eventStream) {
      this.writeHead(status, text, headers)
      // A stream's first event may be seconds away (a model thinking): let the client see the status now.
      this.res.flushHeaders()
    } else {
      this.heldHeaders = headers
      this.heldStatus = status
      this.heldStatusText = text
    }
    return true
  }

  onAttemptData(attempt: UpstreamAttempt, chunk: Buffer): boolean {
    if (attempt !== this.attempt || this.clientGone) return false
    if (attempt.discard) return true
    if (this.heldHeaders !== null) this.releaseHeldHeaders()
    if (this.usage !== null) {
      if (this.firstByteAt === 0) this.firstByteAt = performance.now()
      this.usage.onChunk(chunk)
    }
    const ok = this.res.write(chunk)
    // A compression middleware mounted before Velox buffers unless told to flush (the `compression` package's API).
    ;(this.res as { flush?: () => void }).flush?.()
    if (!ok) {
      this.res.once('drain', this.onDrain)
      return false
    }
    return true
  }

  onDrain(): void {
    this.resumeUpstream?.()
  }

  onAttemptComplete(attempt: UpstreamAttempt): void {
    if (attempt !== this.attempt) return
    if (attempt.discard) return this.retryAfter(this.pendingWait)
    if (this.clientGone) return this.finish()
    if (this.heldHeaders !== null) this.releaseHeldHeaders()
    this.res.end()
    // The limiter's token reservation meets the real usage; a cut response keeps it (usage unknown).
    if (this.info.reservation !== undefined) {
      const usage = this.usage?.finish()
      this.info.reservation.settle(usage?.inputTokens, usage?.outputTokens)
    }
    this.finish()
  }

  onAttemptError(attempt: UpstreamAttempt, err: Error): void {
    if (attempt !== this.attempt || this.finished) return
    this.attempt = null
    if (this.clientGone) return this.finish()
    if (attempt.discard && !this.deadlineHit) return this.retryAfter(this.pendingWait) // its body failed: retry all the same
    const counters = this.ctx.counters
    if (this.committed) {
      // Bytes already reached the client: cutting the response is the only truthful signal.
      counters.upstreamFailedMidResponse++
      this.ctx.logger?.warn(
        { upstream: attempt.upstream.config.name, err: describe(err) },
        'velox: upstream failed mid-response',
      )
      this.res.destroy()
      return this.finish()
    }
    this.heldHeaders = null
    attempt.upstream.failures++
    const code: VeloxErrorCode = this.deadlineHit
      ? 'VELOX_ERR_UPSTREAM_TOTAL_TIMEOUT'
      : upstreamErrorCode(err)
    const wait = this.deadlineHit ? undefined : this.nextWait(undefined)
    this.ctx.logger?.warn(
      { upstream: attempt.upstream.config.name, code, err: describe(err), retry: wait !== undefined },
      'velox: upstream attempt failed',
    )
    if (wait !== undefined) return this.retryAfter(wait)
    this.fail(code)
  }

  /**
   * Moves to the next attempt (the same candidate, or the next one) and returns the wait before it,
   * or undefined when there is none left within the limits.
   */
  nextWait(upstreamAsked: number | undefined): number | undefined {
    const policy = this.ctx.options.retry
    let wait: number | undefined
    let sameCandidate = this.attemptOnCandidate < policy.attempts
    if (sameCandidate) {
      const backoff = backoffMs(policy, this.attemptOnCandidate)
      if (upstreamAsked !== undefined && upstreamAsked > policy.maxRetryAfterMs) sameCandidate = false
      else wait = Math.max(backoff, upstreamAsked ?? 0)
    }
    if (!sameCandidate) {
      if (this.candidateIndex + 1 >= this.candidates.length) return undefined
      wait = 0 // another upstream: no reason to wait
    }
    if (this.deadlineAt > 0 && performance.now() + wait! >= this.deadlineAt) return undefined
    if (sameCandidate) this.attemptOnCandidate++
    else {
      this.candidateIndex++
      this.attemptOnCandidate = 1
    }
    return wait
  }

  retryAfter(wait: number): void {
    this.attempt = null
    this.retryTimer = setTimeout(this.launch, wait)
  }

  onDeadline(): void {
    this.deadlineTimer = undefined
    if (this.finished) return
    this.deadlineHit = true
    // In flight: the error path answers 504, or cuts a response already under way.
    if (this.attempt !== null) return this.attempt.abort(DEADLINE)
    this.clearRetry()
    this.fail('VELOX_ERR_UPSTREAM_TOTAL_TIMEOUT')
  }

  onClientClose(): void {
    if (this.finished || this.res.writableFinished) return
    this.clientGone = true
    this.ctx.counters.clientAborted++
    this.clearRetry()
    if (this.attempt !== null) this.attempt.abort(CLIENT_LEFT)
    else this.finish() // between attempts: nothing in flight
  }

  releaseHeldHeaders(): void {
    this.writeHead(this.heldStatus, this.heldStatusText, this.heldHeaders!)
    this.heldHeaders = null
  }

  writeHead(status: number, text: string, headers: string[]): void {
    this.committed = true
    if (text && !('stream' in this.res)) this.res.writeHead(status, text, headers)
    else this.res.writeHead(status, headers)
  }

  fail(code: VeloxErrorCode): void {
    const error = new VeloxError(code)
    const counters = this.ctx.counters
    this.status = error.status
    this.errorCode = code
    counters.rejected++
    counters.errors[code] = (counters.errors[code] ?? 0) + 1
    writeError(this.res, error, { headers: headerRecord(this.info.responseHeaders) })
    this.finish()
  }

  clearRetry(): void {
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer)
      this.retryTimer = undefined
    }
  }

  finish(): void {
    if (this.finished) return
    this.finished = true
    this.attempt = null
    this.clearRetry()
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer)
    this.res.off('close', this.onClientClose)
    this.res.off('drain', this.onDrain)
    const counters = this.ctx.counters
    counters.active--
    if (!this.clientGone) counters.completed++
    if (this.slab !== null) {
      // undici counts a Buffer body as sent once it is handed to the socket; the kernel may still be
      // taking its tail when an upstream answers early (a 401 before reading a large body), and
      // the socket stays open for the next request. Only a 2xx proves the upstream read it all.
      if (this.status >= 200 && this.status < 300 && this.errorCode === undefined && !this.clientGone) {
        this.ctx.bufferPool.release(this.slab)
      } else {
        this.ctx.bufferPool.releaseWithoutReuse(this.slab)
      }
      this.slab = null
    }
    if (this.ctx.recordsWanted) this.ctx.recordExchange(this.record())
  }

  record(): ExchangeRecord {
    const { info } = this
    const usage = this.usage?.finish()
    return {
      method: info.method,
      path: info.path,
      model: info.model,
      stream: info.stream,
      status: this.clientGone && !this.committed ? 0 : this.status,
      errorCode: this.errorCode,
      key: info.key,
      upstream: this.candidates[this.candidateIndex]!.upstream.config.name,
      attempts: this.totalAttempts,
      fallbacks: this.candidateIndex,
      clientAborted: this.clientGone,
      latencyMs: performance.now() - info.startedAt,
      ttfbMs: this.headersAt === 0 ? undefined : this.headersAt - info.startedAt,
      ttftMs: this.firstByteAt === 0 ? undefined : this.firstByteAt - info.startedAt,
      inputTokens: usage?.inputTokens,
      outputTokens: usage?.outputTokens,
    }
  }
}

/** The parts of an error worth logging: never headers, never a body. */
function describe(err: Error): { name: string; code: unknown; message: string } {
  return { name: err.name, code: (err as { code?: unknown }).code, message: err.message }
}
