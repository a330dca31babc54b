/**
 * Stage 11, account: counts the exchange out (`gateway.stats()`), settles the limiter's token
 * reservation with the usage the response reported (usage.ts read it as it passed), and emits the
 * exchange record (metrics, `exchange` and `usage` events) when something listens. A client that
 * left before the exchange reached an upstream leaves no record.
 */
import type { ResponseCache } from '../cache/response-cache.js'
import type { CostLedger } from '../cost/cost-ledger.js'
import type { PriceTable } from '../cost/price-table.js'
import type { RequestCounters } from '../exchange/counters.js'
import { type Exchange, NEXT, type StageResult, type UsageCounts } from '../exchange/exchange.js'
import type { ExchangeRecord } from '../telemetry/exchange-record.js'

export interface AccountContext {
  readonly counters: RequestCounters
  /** True when something listens for exchange records (so they are worth building). */
  readonly recordsWanted: boolean
  /** Prices (cost per request); undefined without `pricing`. */
  readonly prices: PriceTable | undefined
  /** Spend and tokens for `gateway.stats().cost`; undefined without `pricing`. */
  readonly ledger: CostLedger | undefined
  readonly cache: ResponseCache | undefined
  recordExchange(record: ExchangeRecord): void
}

const NO_USAGE: UsageCounts = Object.freeze({
  inputTokens: undefined,
  outputTokens: undefined,
  cachedInputTokens: undefined,
  cacheWriteTokens: undefined,
  reasoningTokens: undefined,
})

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
  const cost = costOf(ctx, ex)
  settleBudget(ex, cost)
  if (ex.cacheRecorder !== null && ex.ended && !ex.clientGone) {
    ctx.cache!.finish(ex.cacheKey!, ex.cacheRecorder, true)
  }
  if (ctx.ledger !== undefined) {
    if (ex.cachedReply !== undefined) ctx.ledger.addCached()
    else if (upstream) ctx.ledger.add(ex.model, ex.usage?.finish(), cost)
  }
  if (ctx.recordsWanted && (upstream || !ex.clientGone)) ctx.recordExchange(recordOf(ex, cost))
  if (ex.trace !== undefined) endTrace(ex)
  return NEXT
}

/** The request's cost: undefined without a price or without usage, 0 for a cache hit. */
function costOf(ctx: AccountContext, ex: Exchange): number | undefined {
  if (ex.cachedReply !== undefined) return 0
  const prices = ctx.prices
  if (prices === undefined || ex.usage === null) return undefined
  return prices.costOf(ex.model, ex.usage.finish())
}

/**
 * The budget hold meets the real cost. A request that never reached an upstream, or got an error
 * status without usage, cost nothing; one whose usage is unknown otherwise (a cut stream) keeps
 * its worst-case reservation.
 */
function settleBudget(ex: Exchange, cost: number | undefined): void {
  const hold = ex.budgetHold
  if (hold === undefined) return
  if (cost !== undefined) hold.settle(cost)
  else if (ex.attempts === 0 || (ex.status >= 400 && ex.usage?.finish().inputTokens === undefined))
    hold.settle(0)
  else hold.settle(undefined)
}

/** Ends the exchange's span (tracing/exchange-trace.ts): its outcome and the usage read on the way. */
function endTrace(ex: Exchange): void {
  const usage = ex.usage?.finish()
  const cut = ex.committed && !ex.ended && !ex.clientGone
  const errorType = ex.errorCode ?? (ex.clientGone ? 'client_aborted' : cut ? 'response_cut' : undefined)
  ex.trace!.end({
    status: ex.clientGone && !ex.committed ? undefined : ex.status,
    errorType,
    inputTokens: usage?.inputTokens,
    outputTokens: usage?.outputTokens,
  })
}

/** The record of a finished exchange (telemetry/exchange-record.ts says what each field means). */
export function recordOf(ex: Exchange, cost?: number): ExchangeRecord {
  const usage = ex.usage?.finish() ?? NO_USAGE
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
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedInputTokens: usage.cachedInputTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    reasoningTokens: usage.reasoningTokens,
    cost,
    cached: ex.cachedReply !== undefined,
  }
}
