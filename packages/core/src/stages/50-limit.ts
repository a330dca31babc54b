/**
 * Stage 6, limit: requests and tokens per caller key (limit/limiter.ts). The limiter admits the
 * exchange at once (the common case: the runner goes on), lets it wait in the admission queue (it
 * resumes the exchange once admitted), or fails it (429, 503) with the x-ratelimit-* headers. Off
 * (no `limit` option): one branch.
 */
import { type Exchange, NEXT, type StageResult } from '../exchange/exchange.js'
import type { Limiter } from '../limit/limiter.js'

export interface LimitContext {
  /** The rate limiter; undefined when `limit` is off. */
  readonly limiter: Limiter | undefined
}

export function limit(ctx: LimitContext, ex: Exchange): StageResult {
  const limiter = ctx.limiter
  if (limiter === undefined) return NEXT
  return limiter.admit(ex)
}
