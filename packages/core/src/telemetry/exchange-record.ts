/**
 * The record of one finished exchange, emitted as `gateway.on('exchange', record)`. Built only
 * when something listens (metrics, usage events), so an unobserved gateway pays nothing for it; the
 * account stage (stages/80-account.ts) builds it from the exchange.
 */
import type { VeloxErrorCode } from '../errors.js'

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
  /** Every input token, cached and cache-written ones included (usage/usage-detail.ts). */
  inputTokens: number | undefined
  /** Output tokens, reasoning included. */
  outputTokens: number | undefined
  cachedInputTokens: number | undefined
  /** Input tokens written to a prompt cache (Anthropic). */
  cacheWriteTokens: number | undefined
  reasoningTokens: number | undefined
  /** In the unit of `pricing`; undefined without a price or without usage (never a silent 0). */
  cost: number | undefined
  /** The answer was replayed from the response cache (no upstream, no tokens, cost 0). */
  cached: boolean
}
