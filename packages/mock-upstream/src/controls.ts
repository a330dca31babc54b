/**
 * The test controls: request headers that bend one reply (latency, chunk count, forced status, faults).
 * Parsed once per request into a plain object; a malformed value is a 400 naming the header, because a
 * silently ignored control makes a test pass for the wrong reason.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { MAX_DELAY_MS } from './delay.js'
import { InvalidRequestError } from './errors.js'

/** Names of the control headers. */
export const MOCK_HEADERS = {
  /** Wait N ms before the response headers. */
  latencyMs: 'x-mock-latency-ms',
  /** Wait N ms between two SSE events. */
  chunkDelayMs: 'x-mock-chunk-delay-ms',
  /** Make the reply exactly N word pieces long (capped by max_tokens). */
  chunks: 'x-mock-chunks',
  /** Reply with this status (400-599) and an OpenAI-style error body. */
  status: 'x-mock-status',
  /** Add `Retry-After: <value>` to the forced error. */
  retryAfter: 'x-mock-retry-after',
  /** Apply the status or fault only to the first N requests carrying the same `x-mock-fail-id`. */
  failFirst: 'x-mock-fail-first',
  /** The counter `x-mock-fail-first` counts under. */
  failId: 'x-mock-fail-id',
  /** One of {@link MOCK_FAULTS}. */
  fault: 'x-mock-fault',
} as const

/** Values of `x-mock-fault`. */
export const MOCK_FAULTS = ['reset-before-headers', 'reset-mid-stream', 'hang'] as const

/** A transport fault a request can ask for. */
export type MockFault = (typeof MOCK_FAULTS)[number]

/**
 * The most word pieces `x-mock-chunks` may ask for. A stream is built whole before it is written (about
 * 250 bytes an event), so this bounds one request to some 25 MB.
 */
export const MAX_CHUNKS = 100_000

/** The controls of one request. */
export interface Controls {
  readonly latencyMs: number
  readonly chunkDelayMs: number
  readonly chunks: number | undefined
  readonly status: number | undefined
  readonly retryAfter: string | undefined
  readonly failFirst: number | undefined
  readonly failId: string
  readonly fault: MockFault | undefined
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

function integerHeader(headers: IncomingHttpHeaders, name: string, min: number, max: number) {
  const raw = header(headers, name)
  if (raw === undefined) return undefined
  const value = /^\d{1,16}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
  if (!(value >= min && value <= max)) {
    throw new InvalidRequestError(
      `Invalid ${name} header: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}.`,
      null,
      'invalid_mock_header',
    )
  }
  return value
}

function faultHeader(headers: IncomingHttpHeaders): MockFault | undefined {
  const raw = header(headers, MOCK_HEADERS.fault)
  if (raw === undefined) return undefined
  const fault = MOCK_FAULTS.find((name) => name === raw.trim())
  if (fault === undefined) {
    throw new InvalidRequestError(
      `Invalid ${MOCK_HEADERS.fault} header: expected one of ${MOCK_FAULTS.join(', ')}, got ${JSON.stringify(raw)}.`,
      null,
      'invalid_mock_header',
    )
  }
  return fault
}

/**
 * Reads the control headers of a request; the server-wide defaults fill in the two delays.
 * Throws {@link InvalidRequestError} on a malformed value.
 */
export function parseControls(
  headers: IncomingHttpHeaders,
  defaults: { readonly latencyMs: number; readonly chunkDelayMs: number },
): Controls {
  return {
    latencyMs: integerHeader(headers, MOCK_HEADERS.latencyMs, 0, MAX_DELAY_MS) ?? defaults.latencyMs,
    chunkDelayMs: integerHeader(headers, MOCK_HEADERS.chunkDelayMs, 0, MAX_DELAY_MS) ?? defaults.chunkDelayMs,
    chunks: integerHeader(headers, MOCK_HEADERS.chunks, 0, MAX_CHUNKS),
    status: integerHeader(headers, MOCK_HEADERS.status, 400, 599),
    retryAfter: header(headers, MOCK_HEADERS.retryAfter),
    failFirst: integerHeader(headers, MOCK_HEADERS.failFirst, 0, Number.MAX_SAFE_INTEGER),
    failId: header(headers, MOCK_HEADERS.failId) ?? '',
    fault: faultHeader(headers),
  }
}
