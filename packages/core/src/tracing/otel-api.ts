/**
 * The slice of `@opentelemetry/api` Velox uses, typed structurally, and its lazy loader. The API is
 * an optional peer dependency: it is required only when `tracing` is set (so a default install and
 * a gateway without tracing never load it), and these interfaces keep it out of @velox/core's
 * published types (a user without the package still type-checks). An OTel `Tracer` and `Meter`
 * satisfy `TracerLike` and `MeterLike`.
 */
import { createRequire } from 'node:module'
import { VeloxOptionsError } from '../errors.js'

export type AttributeValue = string | number | boolean | string[] | number[]
export type Attributes = Record<string, AttributeValue | undefined>

/** What Velox calls on a span (an OTel `Span` has all of it). */
export interface SpanLike {
  setAttribute(key: string, value: AttributeValue): unknown
  setAttributes(attributes: Attributes): unknown
  addEvent(name: string, attributes?: Attributes): unknown
  setStatus(status: { code: number; message?: string }): unknown
  end(): void
  isRecording(): boolean
  spanContext(): { traceId: string; spanId: string; traceFlags: number; traceState?: { serialize(): string } }
}

/** An OTel `Tracer`, or anything with its `startSpan`. */
export interface TracerLike {
  startSpan(name: string, options?: any, context?: any): SpanLike
}

/** An OTel `Histogram`. */
export interface HistogramLike {
  record(value: number, attributes?: Attributes): void
}

/** An OTel `Meter`, or anything with its `createHistogram`. */
export interface MeterLike {
  createHistogram(
    name: string,
    options?: { description?: string; unit?: string; advice?: unknown },
  ): HistogramLike
}

/** The API module's functions Velox uses. */
export interface OtelApi {
  trace: { getTracer(name: string, version?: string): TracerLike }
  metrics: { getMeterProvider(): { getMeter(name: string): MeterLike } }
  context: { active(): unknown }
}

/** SpanKind.CLIENT and SpanStatusCode.ERROR in @opentelemetry/api (stable numbers). */
export const SPAN_KIND_CLIENT = 2
export const SPAN_STATUS_ERROR = 2

let api: OtelApi | undefined

/**
 * `@opentelemetry/api`, resolved from @velox/core's own location (so the app's copy, the one its
 * SDK registered the providers with, when the package manager hoists it). Throws a
 * VeloxOptionsError when it is not installed.
 */
export function loadOtelApi(packageName = '@opentelemetry/api'): OtelApi {
  if (api !== undefined && packageName === '@opentelemetry/api') return api
  try {
    const loaded = createRequire(import.meta.url)(packageName) as OtelApi
    if (packageName === '@opentelemetry/api') api = loaded
    return loaded
  } catch {
    throw new VeloxOptionsError(
      `tracing needs the optional peer dependency "${packageName}" (npm i ${packageName}), which is not installed`,
    )
  }
}
