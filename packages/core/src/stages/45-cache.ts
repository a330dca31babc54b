/**
 * Stage 5, cache (opt-in, `cache` option): looks the request up in the response cache
 * (cache/response-cache.ts). A hit is not answered here: it still goes through limit, where it
 * counts against the requests per minute but reserves no tokens and no budget, and egress then
 * replays it instead of going upstream. A miss carries its key on, so account can store the
 * answer if it completes. The key's scope is the caller's limit key unless `cache.scope` says
 * otherwise, so one tenant's answer never reaches another. Off: one branch.
 */
import type { IncomingMessage } from 'node:http'
import type { CacheLookup, ResponseCache } from '../cache/response-cache.js'
import { type Exchange, NEXT, type StageResult, WAIT } from '../exchange/exchange.js'
import { callerKey } from '../limit/caller-key.js'

export interface CacheContext {
  /** The response cache; undefined when `cache` is off. */
  readonly cache: ResponseCache | undefined
  /** The limit's key function (`limit.key`), the default cache scope. */
  readonly callerKeyOf: ((req: IncomingMessage) => string | undefined) | undefined
}

export function cache(ctx: CacheContext, ex: Exchange): StageResult {
  const c = ctx.cache
  if (c === undefined) return NEXT
  const body = ex.body
  if (ex.method !== 'POST' || body === null || !c.applies(ex.model)) return NEXT
  const req = ex.req
  let scope: string
  try {
    scope = c.config.scope?.(req) ?? callerKey(req, ctx.callerKeyOf)
  } catch {
    // The app's scope function threw: no scope, no cache for this request.
    ex.cacheOutcome = 'bypass'
    return NEXT
  }
  const found = c.lookup({
    headers: req.headers,
    model: ex.model,
    upstream: upstreamsOf(ex),
    path: ex.pathAndQuery,
    stream: ex.stream,
    scope,
    body,
  })
  if (!(found instanceof Promise)) {
    take(ex, found)
    return NEXT
  }
  found.then((r) => {
    take(ex, r)
    ex.resume()
  })
  return WAIT
}

/**
 * The route's upstreams, in a fixed order: a weighted tier shuffles its candidates per request, and
 * the same request must find the same entry whichever of them goes first.
 */
function upstreamsOf(ex: Exchange): string {
  const candidates = ex.candidates
  if (candidates.length === 1) return candidates[0]!.upstream.config.name
  return candidates
    .map((c) => c.upstream.config.name)
    .sort()
    .join(',')
}

function take(ex: Exchange, found: CacheLookup): void {
  ex.cacheOutcome = found.outcome
  if (found.outcome === 'hit') ex.cachedReply = found.reply
  else if (found.outcome === 'miss') ex.cacheKey = found.key
}
