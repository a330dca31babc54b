/**
 * Stage 7, budget: the second half of the limit stage (requests and tokens first, then spend). The
 * worst case of the request (every input token at the highest input price, its max tokens at the
 * output price: cost/price-table.ts) is reserved at the caller key's level and its group's
 * (budget/budgets.ts); a request that does not fit gets 429 VELOX_ERR_BUDGET_EXCEEDED with the
 * remaining amount and the reset time. The account stage settles the hold to the real cost. A
 * cache hit costs nothing and skips it. Off (no `budget` option): one branch.
 */
import type { IncomingMessage } from 'node:http'
import { type Budgets, budgetExceeded, budgetHeaders } from '../budget/budgets.js'
import type { PriceTable } from '../cost/price-table.js'
import { worstCaseCost } from '../cost/price-table.js'
import { VeloxError } from '../errors.js'
import { type Exchange, NEXT, type StageResult, WAIT } from '../exchange/exchange.js'
import { callerKey } from '../limit/caller-key.js'
import { headerRecord } from '../limit/rate-limit-headers.js'
import type { Logger } from '../options.js'

export interface BudgetContext {
  /** Budgets; undefined when `budget` is off. */
  readonly budgets: Budgets | undefined
  /** Prices; undefined without `pricing` (then every reservation is 0: only a spent budget refuses). */
  readonly prices: PriceTable | undefined
  /** The limit's key function (`limit.key`), the default budget key. */
  readonly callerKeyOf: ((req: IncomingMessage) => string | undefined) | undefined
  readonly logger: Logger | undefined
}

export function budget(ctx: BudgetContext, ex: Exchange): StageResult {
  const budgets = ctx.budgets
  if (budgets === undefined || ex.cachedReply !== undefined) return NEXT
  const config = budgets.config
  let decision: ReturnType<Budgets['reserve']>
  try {
    const key =
      ex.key !== undefined && config.key === undefined
        ? ex.key
        : callerKey(ex.req, config.key ?? ctx.callerKeyOf)
    const price = ctx.prices?.priceOf(ex.model)
    const inputTokens = ex.body === null ? 0 : Math.ceil(ex.body.length / 4) // the limiter's default estimate
    const worst =
      price === undefined ? 0 : worstCaseCost(price, inputTokens, ex.maxTokens ?? config.defaultMaxTokens)
    decision = budgets.reserve(key, worst)
  } catch (err) {
    // The app's key or group function threw: as a store outage (fail open, or 503 with failClosed).
    unavailable(ctx, ex, err as Error)
    return NEXT
  }
  if (!(decision instanceof Promise)) {
    decide(budgets, ex, decision)
    return NEXT
  }
  decision.then(
    (d) => {
      decide(budgets, ex, d)
      ex.resume()
    },
    (err: Error) => {
      unavailable(ctx, ex, err)
      ex.resume()
    },
  )
  return WAIT
}

function unavailable(ctx: BudgetContext, ex: Exchange, err: Error): void {
  ctx.logger?.warn({ err: err?.message }, 'velox: the budget check failed')
  if (ctx.budgets!.config.failClosed) {
    ex.fail(new VeloxError('VELOX_ERR_LIMITER_UNAVAILABLE', 'The budget store is unavailable'))
  }
}

function decide(budgets: Budgets, ex: Exchange, d: Awaited<ReturnType<Budgets['reserve']>>): void {
  if (ex.clientGone) {
    d.hold?.settle(0)
    return
  }
  if (d.granted) {
    ex.budgetHold = d.hold
    return
  }
  const headers = { ...headerRecord(ex.responseHeaders), ...budgetHeaders(d, budgets.config.now()) }
  ex.fail(budgetExceeded(d), headers)
}
