/**
 * Usage events: one per finished request that reached an upstream (attempts > 0), for billing and
 * logs in the host process (`onUsage` option, `gateway.on('usage', ...)`). Requests the gateway
 * refused itself (bad JSON, unknown model, shutting down) cost no tokens and have no event. A
 * request whose upstream failed, or whose client left, does have one: it may have cost tokens.
 */
import type { ExchangeRecord } from './exchange-record.js'

export interface UsageEvent {
  /** The rate-limit key of the caller (undefined without a limiter). */
  key: string | undefined
  model: string | undefined
  /** The name of the upstream that answered (the last one tried). */
  upstream: string
  /** The status the client got; 0 when the client left before any. */
  status: number
  /** Tokens the upstream reported; undefined when it reported none (e.g. a stream without include_usage). */
  inputTokens: number | undefined
  outputTokens: number | undefined
  /** From taking the request to the end of the response (ms). */
  latencyMs: number
  /** To the first response body bytes sent to the client (ms). */
  ttftMs: number | undefined
}

/** The usage event of a record, or undefined when the request never reached an upstream. */
export function usageEvent(record: ExchangeRecord): UsageEvent | undefined {
  if (record.attempts === 0) return undefined
  return {
    key: record.key,
    model: record.model,
    upstream: record.upstream,
    status: record.status,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    latencyMs: record.latencyMs,
    ttftMs: record.ttftMs,
  }
}
