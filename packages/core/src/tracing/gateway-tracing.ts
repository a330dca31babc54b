/**
 * A gateway's tracing, when `tracing` is set: the resolved tracer and meter, the GenAI metrics
 * (instruments created once per gateway), the parent context captured when a request arrives, and
 * the `traceparent` / `tracestate` headers egress sends upstream. The request path holds it as
 * `tracing: GatewayTracing | null`, so a gateway without tracing pays one branch per step.
 *
 * With `tracing` on but neither a tracer provider nor a meter provider registered (the OTel API's
 * no-ops), `begin` returns undefined after one non-recording `startSpan`: the exchange then does
 * no tracing work at all (no response reading, no attributes, no metric calls).
 * bench/node/proxy-tracing.ts measures that against tracing unset.
 */
import { ExchangeTrace, type TraceStart } from './exchange-trace.js'
import { GenAiMetrics } from './genai-metrics.js'
import { operationName } from './genai-request.js'
import { SPAN_KIND_CLIENT } from './otel-api.js'
import type { ResolvedTracing } from './tracing-options.js'

const SPAN_OPTIONS = { kind: SPAN_KIND_CLIENT }

export class GatewayTracing {
  readonly options: ResolvedTracing
  /** Undefined until a meter exists: the one passed in, or the global provider's once registered. */
  #metrics: GenAiMetrics | undefined

  constructor(options: ResolvedTracing) {
    this.options = options
    this.#metrics = options.meter === undefined ? undefined : new GenAiMetrics(options.meter)
  }

  /**
   * The GenAI metrics, or undefined while no meter provider is registered. The metrics API has no
   * proxy provider (a meter taken before registration stays a no-op), so the global provider is
   * looked up until it is a real one.
   */
  #liveMetrics(): GenAiMetrics | undefined {
    if (this.#metrics !== undefined) return this.#metrics
    const provider = this.options.api.metrics.getMeterProvider()
    if (provider.constructor?.name === 'NoopMeterProvider') return undefined
    this.#metrics = new GenAiMetrics(provider.getMeter('@velox/core'))
    return this.#metrics
  }

  /** The OTel context active now (where the adapter handed the request over): the span's parent. */
  activeContext(): unknown {
    return this.options.api.context.active()
  }

  /** Starts the exchange's span; undefined when neither spans nor metrics would be recorded. */
  begin(start: TraceStart): ExchangeTrace | undefined {
    const operation = operationName(start.apiPath)
    const name = start.model === undefined ? operation : `${operation} ${start.model}`
    const parent = start.parent ?? this.options.api.context.active()
    const span = this.options.tracer.startSpan(name, SPAN_OPTIONS, parent)
    const metrics = this.#liveMetrics()
    if (!span.isRecording() && metrics === undefined) return undefined
    return new ExchangeTrace({ tracing: this.options, metrics, span, operation, start })
  }

  /**
   * Adds the span's `traceparent` (and `tracestate`) to a flat `[name, value, ...]` header list,
   * replacing any the client sent (the upstream's parent is this span); no-op when `propagate` is
   * off or the span does not record.
   */
  propagate(headers: string[], trace: ExchangeTrace): void {
    if (!this.options.propagate) return
    const traceparent = trace.traceparent()
    if (traceparent === undefined) return
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      const name = headers[i]
      if (name === 'traceparent' || name === 'tracestate') headers.splice(i, 2)
    }
    headers.push('traceparent', traceparent)
    const tracestate = trace.tracestate()
    if (tracestate !== undefined) headers.push('tracestate', tracestate)
  }
}
