/**
 * One exchange's OpenTelemetry GenAI span: a CLIENT span named `{operation} {model}` that covers
 * every attempt (retries and fallbacks are span events), with the conventions' request, response,
 * usage, server and error attributes, and the two GenAI client metrics when it ends. Created by
 * the gateway only when `tracing` is set; a span that does not record (no tracer provider
 * registered) costs one `startSpan` and no attribute work. `traceparent()` is what egress sends
 * upstream (W3C Trace Context), so the upstream's spans join the trace.
 */
import type { GenAiMetrics } from './genai-metrics.js'
import { providerName, requestAttributes } from './genai-request.js'
import { GenAiResponse } from './genai-response.js'
import { type Attributes, SPAN_STATUS_ERROR, type SpanLike } from './otel-api.js'
import type { ResolvedTracing } from './tracing-options.js'

/** What the exchange knows when its upstream work starts (after extract, route and limit). */
export interface TraceStart {
  /** The API path after the prefix, e.g. `/chat/completions`. */
  apiPath: string
  model: string | undefined
  /** The request body (read only when the span records). */
  body: Buffer | undefined
  /** The OTel context active when the gateway took the request (the span's parent); else the active one. */
  parent?: unknown
}

/** One attempt sent upstream. */
export interface TraceAttempt {
  upstream: { name: string; origin: string; auth: string; format?: string }
  /** 0 for the first attempt of the exchange. */
  index: number
  /** This attempt moved to another candidate (else: a retry on the same one, or the first). */
  fallback: boolean
  /** Why the previous attempt failed: its status, or its error code. */
  reason?: string
}

/** How the exchange ended. */
export interface TraceEnd {
  /** The status the client got (the upstream's, or the gateway's own error status). */
  status: number | undefined
  /** The gateway's error code, or a transport error's name, when it failed. */
  errorType?: string
  /** Tokens the gateway read from the response (the usage the account stage reads). */
  inputTokens?: number
  outputTokens?: number
}

/** What GatewayTracing.begin hands over: the span it started and what it knows. */
export interface TraceParts {
  tracing: ResolvedTracing
  /** Undefined while no meter provider is registered. */
  metrics: GenAiMetrics | undefined
  span: SpanLike
  operation: string
  start: TraceStart
}

const nowSeconds = () => performance.now() / 1000

/** Attributes without the undefined ones (the SDK warns about each). */
function defined(attributes: Attributes): Attributes {
  const out: Attributes = {}
  for (const key in attributes) if (attributes[key] !== undefined) out[key] = attributes[key]
  return out
}

type ServerAttributes = { 'gen_ai.provider.name': string; 'server.address': string; 'server.port': number }
const servers = new Map<string, ServerAttributes>() // one entry per upstream origin and auth style

function serverAttributes(upstream: TraceAttempt['upstream']): ServerAttributes {
  const key = `${upstream.format} ${upstream.auth} ${upstream.origin}`
  let found = servers.get(key)
  if (found === undefined) {
    const url = new URL(upstream.origin)
    found = {
      'gen_ai.provider.name': providerName(upstream.auth, upstream.format),
      'server.address': url.hostname,
      'server.port': url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
    }
    servers.set(key, found)
  }
  return found
}

export class ExchangeTrace {
  readonly recording: boolean
  readonly #span: SpanLike
  readonly #metrics: GenAiMetrics | undefined
  readonly #started: number
  readonly #metricAttributes: Attributes
  readonly #captureContent: boolean
  #response: GenAiResponse | undefined = undefined

  constructor({ tracing, metrics, span, operation, start }: TraceParts) {
    this.#started = nowSeconds()
    this.#metrics = metrics
    this.#metricAttributes = { 'gen_ai.operation.name': operation, 'gen_ai.request.model': start.model }
    this.#span = span
    this.recording = span.isRecording()
    this.#captureContent = tracing.captureContent
    if (!this.recording) return
    this.#span.setAttributes(
      defined({
        'gen_ai.operation.name': operation,
        'gen_ai.request.model': start.model,
        ...requestAttributes(start.body, tracing.captureContent),
      }),
    )
  }

  /** An attempt is about to be sent: the first names the server; later ones are span events. */
  attempt(a: TraceAttempt): void {
    const server = serverAttributes(a.upstream)
    Object.assign(this.#metricAttributes, server)
    if (!this.recording) return
    this.#span.setAttributes(server)
    if (a.index === 0) return
    this.#span.addEvent(
      a.fallback ? 'velox.fallback' : 'velox.retry',
      defined({
        'velox.attempt': a.index + 1,
        'velox.upstream': a.upstream.name,
        'velox.retry.reason': a.reason,
      }),
    )
  }

  /** `traceparent` for the upstream request (W3C Trace Context), or undefined when not recording. */
  traceparent(): string | undefined {
    if (!this.recording) return undefined
    const c = this.#span.spanContext()
    return `00-${c.traceId}-${c.spanId}-${c.traceFlags.toString(16).padStart(2, '0')}`
  }

  /** `tracestate` to send with `traceparent`, when the trace has one. */
  tracestate(): string | undefined {
    if (!this.recording) return undefined
    const state = this.#span.spanContext().traceState?.serialize()
    return state === '' ? undefined : state
  }

  /** The chosen response's head arrived (an event stream or not): its body is read from now on. */
  onResponseHead(eventStream: boolean): void {
    if (this.recording) this.#response = new GenAiResponse(eventStream, this.#captureContent)
  }

  /** Response chunks as they go to the client (for id, model, finish reasons, usage). */
  onResponseChunk(chunk: Buffer): void {
    this.#response?.onChunk(chunk)
  }

  /** The exchange is over: attributes, status, metrics, and the span ends. Call once. */
  end(e: TraceEnd): void {
    const failed = e.errorType !== undefined || (e.status !== undefined && e.status >= 400)
    const errorType = e.errorType ?? (failed ? String(e.status) : undefined)
    const response = this.#response
    response?.onEnd()
    if (response?.model !== undefined) this.#metricAttributes['gen_ai.response.model'] = response.model
    if (errorType !== undefined) this.#metricAttributes['error.type'] = errorType
    this.#metrics?.record(
      nowSeconds() - this.#started,
      {
        inputTokens: e.inputTokens ?? response?.inputTokens,
        outputTokens: e.outputTokens ?? response?.outputTokens,
      },
      defined(this.#metricAttributes),
    )
    if (!this.recording) return
    if (response !== undefined) this.#span.setAttributes(response.attributes())
    if (e.status !== undefined) this.#span.setAttribute('http.response.status_code', e.status)
    if (errorType !== undefined) {
      this.#span.setAttribute('error.type', errorType)
      this.#span.setStatus({ code: SPAN_STATUS_ERROR, message: errorType })
    }
    this.#span.end()
  }
}
