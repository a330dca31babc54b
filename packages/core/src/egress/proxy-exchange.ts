/**
 * One proxied request on the wire: the undici dispatch handler that writes the upstream's status,
 * headers and body straight into the client's ServerResponse as they arrive (DESIGN.md measured
 * this at 0.4-0.6x the CPU of request() + pipeline()). No Readable, no promise per request.
 *
 * The traps this handler is written around (DESIGN.md):
 * - undici calls it in the async context of whichever request opened the pooled socket, so all
 *   per-request state lives on this object, never in AsyncLocalStorage;
 * - 1xx responses are not the response;
 * - the client may leave before undici calls onConnect (we abort as soon as it does);
 * - onError must never throw.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { errors as undiciErrors } from 'undici'
import { VeloxError } from '../errors.js'
import { headerRecord, replaceRateLimitHeaders } from '../limit/rate-limit-headers.js'
import type { GatewayContext } from '../node/context.js'
import { writeError } from '../node/write-error.js'
import { UsageCapture } from '../stream/usage.js'
import type { ExchangeRecord, RequestInfo } from '../telemetry/exchange-record.js'
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js'
import { upstreamErrorCode } from './upstream-errors.js'

export class ProxyExchange {
  readonly ctx: GatewayContext
  readonly info: RequestInfo
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** The pooled slab behind the body, returned when undici is done with the request. */
  slab: Buffer | null
  abortUpstream: ((err: Error) => void) | null = null
  resumeUpstream: (() => void) | null = null
  responseStarted = false
  clientGone = false
  finished = false
  /** For the exchange record: what the client got, and when. */
  status = 0
  errorCode: VeloxError['code'] | undefined = undefined
  headersAt = 0
  firstByteAt = 0
  /** Reads token usage as the body passes; only when exchange records are wanted. */
  usage: UsageCapture | null = null

  constructor(
    ctx: GatewayContext,
    info: RequestInfo,
    req: IncomingMessage,
    res: ServerResponse,
    slab: Buffer | null,
  ) {
    this.ctx = ctx
    this.info = info
    this.req = req
    this.res = res
    this.slab = slab
    this.onClientClose = this.onClientClose.bind(this)
    this.onDrain = this.onDrain.bind(this)
    res.on('close', this.onClientClose)
  }

  /** Sends the request upstream. `body` is forwarded byte for byte. */
  dispatch(path: string, body: Buffer | null): void {
    const upstream = this.ctx.upstream
    const headers = upstreamRequestHeaders(this.req.headers, upstream.injectedHeaders, upstream.injectedNames)
    try {
      upstream.pool.dispatch({ method: this.info.method, path, headers, body }, this)
    } catch (err) {
      this.onError(err as Error)
    }
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.clientGone) abort(new undiciErrors.RequestAbortedError())
    else this.abortUpstream = abort
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true // 100 Continue, 103 Early Hints: not the response
    if (this.clientGone) return false
    this.resumeUpstream = resume
    const { headers: upstreamHeaders, eventStream } = clientResponseHeaders(rawHeaders)
    const added = this.info.responseHeaders
    const headers = added === undefined ? upstreamHeaders : replaceRateLimitHeaders(upstreamHeaders, added)
    this.responseStarted = true
    this.status = statusCode
    if (this.ctx.recordsWanted || this.info.reservation !== undefined) {
      this.headersAt = performance.now()
      this.usage = new UsageCapture(eventStream)
    }
    if (statusText && !('stream' in this.res)) this.res.writeHead(statusCode, statusText, headers)
    else this.res.writeHead(statusCode, headers)
    // A stream's first event may be seconds away (a model thinking): let the client see the status now.
    if (eventStream) this.res.flushHeaders()
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.clientGone) return false
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

  onComplete(): void {
    if (!this.clientGone) this.res.end()
    // The limiter's token reservation meets the real usage; a cut response keeps it (usage unknown).
    if (this.info.reservation !== undefined && !this.clientGone) {
      const usage = this.usage?.finish()
      this.info.reservation.settle(usage?.inputTokens, usage?.outputTokens)
    }
    this.finish()
  }

  onError(err: Error): void {
    try {
      if (this.finished) return
      if (this.clientGone) return this.finish()
      const counters = this.ctx.counters
      if (this.responseStarted) {
        // Bytes already reached the client: cutting the response is the only truthful signal.
        counters.upstreamFailedMidResponse++
        this.ctx.logger?.warn({ err: describe(err) }, 'velox: upstream failed mid-response')
        this.res.destroy()
      } else {
        const velox = new VeloxError(upstreamErrorCode(err))
        this.status = velox.status
        this.errorCode = velox.code
        counters.rejected++
        counters.errors[velox.code] = (counters.errors[velox.code] ?? 0) + 1
        this.ctx.logger?.warn({ err: describe(err), code: velox.code }, 'velox: upstream request failed')
        writeError(this.res, velox, { headers: headerRecord(this.info.responseHeaders) })
      }
      this.finish()
    } catch {
      // onError must never throw into undici.
    }
  }

  onClientClose(): void {
    if (this.finished || this.res.writableFinished) return
    this.clientGone = true
    this.ctx.counters.clientAborted++
    this.abortUpstream?.(new undiciErrors.RequestAbortedError())
  }

  finish(): void {
    if (this.finished) return
    this.finished = true
    this.res.off('close', this.onClientClose)
    this.res.off('drain', this.onDrain)
    const counters = this.ctx.counters
    counters.active--
    if (!this.clientGone) counters.completed++
    if (this.slab !== null) {
      this.ctx.bufferPool.release(this.slab)
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
      status: this.clientGone && !this.responseStarted ? 0 : this.status,
      errorCode: this.errorCode,
      key: info.key,
      upstream: this.ctx.upstream.config.origin,
      attempts: 1,
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
