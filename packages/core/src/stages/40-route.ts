/**
 * Stage 4, route: the model's ordered upstream candidates (route/router.ts: globs, tiers, weights,
 * aliases); 404 when routes are configured and none matches. A request without a model goes to
 * the default upstream.
 */
import { type Exchange, NEXT, type StageResult } from '../exchange/exchange.js'
import { modelNotFound } from '../route/model-not-found.js'
import type { Router } from '../route/router.js'

export interface RouteContext {
  readonly router: Router
}

export function route(ctx: RouteContext, ex: Exchange): StageResult {
  const candidates = ctx.router.resolve(ex.model)
  if (candidates === undefined) ex.fail(modelNotFound(ex.model!))
  else ex.candidates = candidates
  return NEXT
}
