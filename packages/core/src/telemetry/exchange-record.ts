/**
 * The record of one finished exchange, emitted as `gateway.on('exchange', record)`. Built only
 * when something listens (metrics, usage events, the limiter's reconciliation), so an unobserved
 * gateway pays nothing for it.
 */
import type { VeloxErrorCode } from '../errors.js'
import type { Reservation } from '../limit/reservation.js'

/** What the request path knows about a request before it goes upstream. */
export interface RequestInfo {
  readonly method: string
  /** The path after the prefix, without the query: `/chat/completions`. */
  readonly path: string
  /** `performance.now()` when the gateway took the request. */
  readonly startedAt: number
  model: string | undefined
  stream: boolean
  /** The rate-limit key of the caller, once the limiter has computed it. */
  key: string | undefined
  /** max_tokens, else max_completion_tokens, else max_output_tokens, from the body scan. */
  maxTokens: number | undefined
  /** Headers the gateway adds to its response (flat name, value list): the limiter's x-ratelimit-*. */
  responseHeaders: string[] | undefined
  /** The limiter's token reservation, settled with the response's usage when the exchange ends. */
  reservation: Reservation | undefined
}

export interface ExchangeRecord {
  method: string
  path: string
  model: string | undefined
  stream: boolean
  /** The status the client got; 0 when the client left before any. */
  status: number
  /** Set when the gateway answered with its own error. */
  errorCode: VeloxErrorCode | undefined
  /** The rate-limit key of the caller (undefined without a limiter). */
  key: string | undefined
  /** The name of the upstream that answered (the last one tried); '' when the request never went upstream. */
  upstream: string
  /** Upstream attempts made (0 when the request never went upstream; more than 1 after retries). */
  attempts: number
  /** Times the request moved on to the route's next candidate upstream. */
  fallbacks: number
  clientAborted: boolean
  /** From taking the request to the end of the response (ms). */
  latencyMs: number
  /** To the upstream's response headers (ms). */
  ttfbMs: number | undefined
  /** To the first response body bytes sent to the client (ms): the first token of a stream. */
  ttftMs: number | undefined
  inputTokens: number | undefined
  outputTokens: number | undefined
}

export function rejectedRecord(info: RequestInfo, status: number, errorCode: VeloxErrorCode): ExchangeRecord {
  return {
    method: info.method,
    path: info.path,
    model: info.model,
    stream: info.stream,
    status,
    errorCode,
    key: info.key,
    upstream: '',
    attempts: 0,
    fallbacks: 0,
    clientAborted: false,
    latencyMs: performance.now() - info.startedAt,
    ttfbMs: undefined,
    ttftMs: undefined,
    inputTokens: undefined,
    outputTokens: undefined,
  }
}
