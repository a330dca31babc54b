/**
 * Runs an exchange through the stages, in STAGE order (exchange/exchange.ts), from wherever it
 * stands: a stage returns NEXT to go on, or WAIT when it (or what it started: the body reader, the
 * offload worker, the limiter's queue, the upstream) resumes the exchange later by calling
 * `resume`, which comes back here. A stage that fails the exchange moves it to respond. This is
 * the one module that imports every stage; no stage imports another.
 */
import { type Exchange, NEXT, STAGE, type StageResult } from '../exchange/exchange.js'
import { type AdmitContext, admit } from './10-admit.js'
import { type ReadContext, read } from './20-read.js'
import { type ExtractContext, extract } from './30-extract.js'
import { type RouteContext, route } from './40-route.js'
import { type CacheContext, cache } from './45-cache.js'
import { type LimitContext, limit } from './50-limit.js'
import { type BudgetContext, budget } from './52-budget.js'
import { type TranslateContext, translate } from './55-translate.js'
import { type EgressContext, egress } from './60-egress.js'
import { respond } from './70-respond.js'
import { type AccountContext, account } from './80-account.js'
import { type ReleaseContext, release } from './90-release.js'

/** Everything the stages need of the gateway: the union of their own narrow contexts. */
export type StageContext = AdmitContext &
  ReadContext &
  ExtractContext &
  RouteContext &
  CacheContext &
  LimitContext &
  BudgetContext &
  TranslateContext &
  EgressContext &
  AccountContext &
  ReleaseContext

export function runStages(ctx: StageContext, ex: Exchange): void {
  let result: StageResult = NEXT
  while (result === NEXT) {
    switch (ex.stage++) {
      case STAGE.admit:
        result = admit(ctx, ex)
        break
      case STAGE.read:
        result = read(ctx, ex)
        break
      case STAGE.extract:
        result = extract(ctx, ex)
        break
      case STAGE.route:
        result = route(ctx, ex)
        break
      case STAGE.cache:
        result = cache(ctx, ex)
        break
      case STAGE.limit:
        result = limit(ctx, ex)
        break
      case STAGE.budget:
        result = budget(ctx, ex)
        break
      case STAGE.translate:
        result = translate(ctx, ex)
        break
      case STAGE.egress:
        result = egress(ctx, ex)
        break
      case STAGE.respond:
        result = respond(ex)
        break
      case STAGE.account:
        result = account(ctx, ex)
        break
      case STAGE.release:
        release(ctx, ex)
        return
      default:
        return // past the end: an exchange resumed twice has nothing left to do
    }
  }
}
