/**
 * The `tracing` option: off by default; `true` traces with the globally registered OpenTelemetry
 * tracer and meter providers (none registered: the API's no-op, whose spans do not record, so the
 * gateway skips all span work); an object picks a tracer or meter, turns on message content
 * capture, or turns off `traceparent` propagation to the upstream. Checked at creation; the
 * `@opentelemetry/api` package is loaded then, and its absence is an options error.
 */
import { DEFAULTS } from '../config/defaults.js'
import { boolean, fail, object } from '../validate.js'
import { loadOtelApi, type MeterLike, type OtelApi, type TracerLike } from './otel-api.js'

export interface TracingOptions {
  /** A tracer to use instead of `trace.getTracer('@velox/core')` from the global provider. */
  tracer?: TracerLike
  /** A meter to use instead of `metrics.getMeter('@velox/core')` from the global provider. */
  meter?: MeterLike
  /** Record request messages and response text on the span (off: content never leaves the app). */
  captureContent?: boolean
  /** Send the span's `traceparent` (and `tracestate`) to the upstream. Default true. */
  propagate?: boolean
}

export interface ResolvedTracing {
  readonly api: OtelApi
  readonly tracer: TracerLike
  /** The meter passed in; undefined: the global provider's, looked up until one is registered. */
  readonly meter: MeterLike | undefined
  readonly captureContent: boolean
  readonly propagate: boolean
}

/**
 * `tracing` checked and resolved; null when off (the default). Unknown keys were refused before
 * (config/known-keys.ts), with the nearest name.
 */
export function resolveTracing(input: unknown): ResolvedTracing | null {
  if (input === undefined || input === false) return null
  if (input !== true && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    fail('tracing', 'a boolean or an object { tracer, meter, captureContent, propagate }', input)
  }
  const o = input === true ? {} : object('tracing', input)
  if (o.tracer !== undefined && typeof (o.tracer as TracerLike).startSpan !== 'function') {
    fail('tracing.tracer', 'an OpenTelemetry Tracer (with startSpan)', typeof o.tracer)
  }
  if (o.meter !== undefined && typeof (o.meter as MeterLike).createHistogram !== 'function') {
    fail('tracing.meter', 'an OpenTelemetry Meter (with createHistogram)', typeof o.meter)
  }
  const captureContent = boolean('tracing.captureContent', o.captureContent, DEFAULTS.tracing.captureContent)
  const propagate = boolean('tracing.propagate', o.propagate, DEFAULTS.tracing.propagate)
  const api = loadOtelApi()
  return Object.freeze({
    api,
    tracer: (o.tracer as TracerLike | undefined) ?? api.trace.getTracer('@velox/core'),
    meter: o.meter as MeterLike | undefined,
    captureContent,
    propagate,
  })
}
