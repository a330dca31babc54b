/**
 * Stage 4, route: the model's ordered upstream candidates (route/router.ts: globs, tiers, weights,
 * aliases); 404 when routes are configured and none matches. A request without a model goes to
 * the default upstream. With `health` on, ejected and cooling upstreams are left out
 * (health/select.ts); when every candidate is out, all are offered anyway (panic).
 */
import type { Candidate } from '../egress/upstream.js'
import { type Exchange, NEXT, type StageResult } from '../exchange/exchange.js'
import type { HealthView } from '../health/select.js'
import { selectCandidates } from '../health/select.js'
import { modelNotFound } from '../route/model-not-found.js'
import type { Router } from '../route/router.js'

export interface RouteContext {
  readonly router: Router
  /** Undefined when `health` is off. */
  readonly health:
    | { readonly clock: () => number; readonly options: { readonly maxEjectionPercent: number } }
    | undefined
}

const healthOf = (c: Candidate): HealthView | undefined => c.upstream.health

export function route(ctx: RouteContext, ex: Exchange): StageResult {
  const candidates = ctx.router.resolve(ex.model)
  if (candidates === undefined) {
    ex.fail(modelNotFound(ex.model!))
    return NEXT
  }
  ex.candidates = candidates
  const health = ctx.health
  if (health === undefined) return NEXT
  const now = health.clock()
  const model = ex.model
  // The common case (every upstream healthy) reads each candidate's state once and allocates nothing.
  let out = 0
  for (const c of candidates) if (c.upstream.health?.isAvailable(model, now) === false) out++
  if (out === 0) return NEXT
  if (out === candidates.length) {
    ex.panic = true // every candidate is out: try them all anyway, never a 503 without trying
    return NEXT
  }
  const selection = selectCandidates({
    candidates,
    healthOf,
    model,
    now,
    maxEjectionPercent: health.options.maxEjectionPercent,
  })
  ex.candidates = selection.candidates
  ex.panic = selection.panic
  return NEXT
}
