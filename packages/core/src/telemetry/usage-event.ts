/**
 * Usage events: one per finished request that reached an upstream (attempts > 0), for billing and
 * logs in the host process (`onUsage` option, `gateway.on('usage', ...)`). Requests the gateway
 * refused itself (bad JSON, unknown model, shutting down) cost no tokens and have no event. A
 * request whose upstream failed, or whose client left, does have one: it may have cost tokens.
 * An answer replayed from the response cache has one too, with `cached: true` and cost 0.
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
  /** Every input token, cached and cache-written ones included. */
  inputTokens: number | undefined
  /** Output tokens, reasoning included. */
  outputTokens: number | undefined
  /** Input tokens read from a prompt cache (OpenAI cached_tokens, Anthropic cache reads). */
  cachedInputTokens: number | undefined
  /** Input tokens written to a prompt cache (Anthropic). */
  cacheWriteTokens: number | undefined
  reasoningTokens: number | undefined
  /** In the unit of `pricing`; undefined when the model has no price or the usage is unknown (never a silent 0). */
  cost: number | undefined
  /** Replayed from the response cache: no upstream, no tokens, cost 0. */
  cached: boolean
  /** From taking the request to the end of the response (ms). */
  latencyMs: number
  /** To the first response body bytes sent to the client (ms). */
  ttftMs: number | undefined
}

/** The usage event of a record, or undefined when the request never reached an upstream (nor the cache). */
export function usageEvent(record: ExchangeRecord): UsageEvent | undefined {
  if (record.attempts === 0 && !record.cached) return undefined
  return {
    key: record.key,
    model: record.model,
    upstream: record.upstream,
    status: record.status,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    cachedInputTokens: record.cachedInputTokens,
    cacheWriteTokens: record.cacheWriteTokens,
    reasoningTokens: record.reasoningTokens,
    cost: record.cost,
    cached: record.cached,
    latencyMs: record.latencyMs,
    ttftMs: record.ttftMs,
  }
}
