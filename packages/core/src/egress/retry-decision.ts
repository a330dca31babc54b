/**
 * Whether a failed attempt may be sent again (to the same upstream or the next candidate), by
 * what failed. Two failures are not retried by default, because the upstream may still be
 * generating, and billing, the first call: a headers or body timeout (retrying a hung call doubled
 * the client's wait to `attempts x headersMs`: 121 s with `headersMs: 60000`, 20 min with the
 * default) and a reset after the request body was fully written, unless the endpoint is
 * idempotent (GET, `/models`, `/embeddings`: sending it twice costs nothing but time). A connect
 * failure, a TLS failure, a reset before the body was written, and an HTTP/2 stream the server
 * refused (REFUSED_STREAM, or cut by its GOAWAY: RFC 9113 8.7 and 6.8 say it was not processed)
 * never reached the model: retried.
 */
import { DEFAULTS } from '../config/defaults.js'
import type { VeloxErrorCode } from '../errors.js'
import { boolean, fail, object } from '../validate.js'

/** When a reset after the request body was written is retried. */
export type ResetRetry = 'idempotent' | 'always' | 'never'

export interface RetryErrorOptions {
  /** Retry (and fall back) after a headers or body timeout (default false: the call may still be billing). */
  onTimeout?: boolean
  /** Retry a reset that came after the whole request body was written (default 'idempotent'). */
  onResetAfterWrite?: ResetRetry
}

export interface ResolvedRetryErrors {
  readonly onTimeout: boolean
  readonly onResetAfterWrite: ResetRetry
}

/** Checks the two fields inside `retry` (the rest of `retry` is checked by retry-policy.ts). */
export function resolveRetryErrors(input: unknown): ResolvedRetryErrors {
  const r = object('retry', input ?? {}) as RetryErrorOptions
  const reset = r.onResetAfterWrite ?? DEFAULTS.retry.onResetAfterWrite
  if (reset !== 'idempotent' && reset !== 'always' && reset !== 'never') {
    fail('retry.onResetAfterWrite', "one of 'idempotent', 'always', 'never'", reset)
  }
  return Object.freeze({
    onTimeout: boolean('retry.onTimeout', r.onTimeout, DEFAULTS.retry.onTimeout),
    onResetAfterWrite: reset,
  })
}

/** Endpoints that can be sent twice without a second bill: reads, model lists, embeddings. */
export function isIdempotent(method: string, pathAndQuery: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return true
  const end = pathAndQuery.indexOf('?')
  const path = end === -1 ? pathAndQuery : pathAndQuery.slice(0, end)
  return (
    path === '/embeddings' ||
    path.endsWith('/embeddings') ||
    path === '/models' ||
    path.startsWith('/models/')
  )
}

export interface FailedAttempt {
  /** The catalogue code the transport error maps to (upstream-errors.ts). */
  readonly code: VeloxErrorCode
  /** The whole request body reached the upstream's socket before the failure. */
  readonly bodyWritten: boolean
  readonly idempotent: boolean
  /** The upstream said it did not process the request (refusedByUpstream). */
  readonly refused: boolean
}

/**
 * True for an HTTP/2 stream the server refused (RST_STREAM REFUSED_STREAM, code 7) or dropped with
 * a GOAWAY: undici and node:http2 report both by message only. (undici fails the streams a GOAWAY cuts without
 * reading its last-stream-id, so a graceful GOAWAY is taken at its word: not processed.)
 */
export function refusedByUpstream(err: Error): boolean {
  const message = err.message
  return (
    message.includes('"GOAWAY" frame') ||
    message.endsWith('NGHTTP2_REFUSED_STREAM') || // node:http2's stream error
    message === 'HTTP/2: "stream error" received - code 7' // undici's
  )
}

/**
 * True when the failed attempt may be tried again.
 *
 * @example
 * mayRetryError(policy, { code: 'VELOX_ERR_UPSTREAM_HEADERS_TIMEOUT', bodyWritten: true, idempotent: false }) // false
 */
export function mayRetryError(policy: ResolvedRetryErrors, failed: FailedAttempt): boolean {
  switch (failed.code) {
    case 'VELOX_ERR_UPSTREAM_HEADERS_TIMEOUT':
    case 'VELOX_ERR_UPSTREAM_BODY_TIMEOUT':
      return policy.onTimeout || failed.idempotent
    case 'VELOX_ERR_UPSTREAM_RESET':
      if (!failed.bodyWritten || failed.refused) return true
      if (policy.onResetAfterWrite === 'always') return true
      return policy.onResetAfterWrite === 'idempotent' && failed.idempotent
    default:
      return true
  }
}
