/**
 * Stage 8, account: counts the exchange out (`gateway.stats()`), settles the limiter's token
 * reservation with the usage the response reported (usage.ts read it as it passed), and emits the
 * exchange record (metrics, `exchange` and `usage` events) when something listens. A client that
 * left before the exchange reached an upstream leaves no record.
 */
import type { RequestCounters } from '../exchange/counters.js'
import { type Exchange, NEXT, type StageResult } from '../exchange/exchange.js'
import type { ExchangeRecord } from '../telemetry/exchange-record.js'

export interface AccountContext {
  readonly counters: RequestCounters
  /** True when something listens for exchange records (so they are worth building). */
  readonly recordsWanted: boolean
  recordExchange(record: ExchangeRecord): void
}

export function account(ctx: AccountContext, ex: Exchange): StageResult {
  const counters = ctx.counters
  const upstream = ex.attempts > 0
  counters.active--
  if (ex.clientGone) counters.clientAborted++
  else if (upstream || ex.error === undefined) counters.completed++
  const code = ex.errorCode
  if (code !== undefined) {
    counters.rejected++
    counters.errors[code] = (counters.errors[code] ?? 0) + 1
  }
  // The reservation meets the real usage; a cut response keeps it (usage unknown).
  if (ex.reservation !== undefined && ex.ended) {
    const usage = ex.usage?.finish()
    ex.reservation.settle(usage?.inputTokens, usage?.outputTokens)
  }
  if (ctx.recordsWanted && (upstream || !ex.clientGone)) ctx.recordExchange(recordOf(ex))
  return NEXT
}

/** The record of a finished exchange (telemetry/exchange-record.ts says what each field means). */
export function recordOf(ex: Exchange): ExchangeRecord {
  const usage = ex.usage?.finish()
  return {
    method: ex.method,
    path: ex.path,
    model: ex.model,
    stream: ex.stream,
    status: ex.clientGone && !ex.committed ? 0 : ex.status,
    errorCode: ex.errorCode,
    key: ex.key,
    upstream: ex.candidate?.upstream.config.name ?? '',
    attempts: ex.attempts,
    fallbacks: ex.fallbacks,
    clientAborted: ex.clientGone,
    latencyMs: performance.now() - ex.startedAt,
    ttfbMs: ex.headersAt === 0 ? undefined : ex.headersAt - ex.startedAt,
    ttftMs: ex.firstByteAt === 0 ? undefined : ex.firstByteAt - ex.startedAt,
    inputTokens: usage?.inputTokens,
    outputTokens: usage?.outputTokens,
  }
}
