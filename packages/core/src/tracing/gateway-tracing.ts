/**
 * A gateway's tracing, when `tracing` is set: the resolved tracer and meter, the GenAI metrics
 * (instruments created once per gateway), the parent context captured when a request arrives, and
 * the `traceparent` / `tracestate` headers egress sends upstream. The request path holds it as
 * `tracing: GatewayTracing | null`, so a gateway without tracing pays one branch per step.
 */
import { ExchangeTrace, type TraceStart } from './exchange-trace.js'
import { GenAiMetrics } from './genai-metrics.js'
import type { ResolvedTracing } from './tracing-options.js'

export class GatewayTracing {
  readonly options: ResolvedTracing
  readonly #metrics: GenAiMetrics

  constructor(options: ResolvedTracing) {
    this.options = options
    this.#metrics = new GenAiMetrics(options.meter)
  }

  /** The OTel context active now (where the adapter handed the request over): the span's parent. */
  activeContext(): unknown {
    return this.options.api.context.active()
  }

  /** Starts the exchange's span. */
  begin(start: TraceStart): ExchangeTrace {
    return new ExchangeTrace(this.options, this.#metrics, start)
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
