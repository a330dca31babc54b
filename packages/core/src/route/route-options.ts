/**
 * Options for routing by model: `routes` maps model globs to ordered candidate upstreams. A tier
 * is one candidate or several equal ones (chosen by weight); later tiers are the fallbacks. A
 * candidate may send another model name upstream (an alias, spliced into the body).
 */
import { fail, globToRegExp, object } from '../validate.js'

/** An upstream name, or a name with the model to send it instead of the client's. */
export type CandidateOption = string | { upstream: string; model?: string }

export interface RouteOptions {
  /** A model name or glob (`gpt-4o*`, `*`). */
  model: string
  /** Tiers in fallback order; a tier that is an array is a weighted choice among equals. */
  upstreams: Array<CandidateOption | CandidateOption[]>
}

export interface ResolvedCandidate {
  readonly upstream: string
  /** The model name sent upstream; undefined keeps the client's. */
  readonly model: string | undefined
}

export interface ResolvedRoute {
  readonly model: string
  readonly pattern: RegExp
  readonly tiers: ReadonlyArray<ReadonlyArray<ResolvedCandidate>>
}

/** How GET /v1/models is answered: proxied to the default upstream, listed from the routes, or merged from every upstream. */
export type ModelsEndpoint = 'proxy' | 'routes' | 'merge'

function candidate(field: string, value: unknown, upstreams: ReadonlySet<string>): ResolvedCandidate {
  const c =
    typeof value === 'string'
      ? { upstream: value }
      : (object(field, value) as { upstream?: unknown; model?: unknown })
  if (typeof c.upstream !== 'string' || !upstreams.has(c.upstream)) {
    fail(
      typeof value === 'string' ? field : `${field}.upstream`,
      `the name of an upstream (${[...upstreams].join(', ')})`,
      c.upstream,
    )
  }
  if (c.model !== undefined && (typeof c.model !== 'string' || c.model === ''))
    fail(`${field}.model`, 'a non-empty string', c.model)
  return Object.freeze({ upstream: c.upstream, model: c.model as string | undefined })
}

export function resolveRoutes(
  input: unknown,
  upstreams: ReadonlySet<string>,
): readonly ResolvedRoute[] | undefined {
  if (input === undefined) return undefined
  if (!Array.isArray(input)) fail('routes', 'an array', input)
  return Object.freeze(
    input.map((raw, i) => {
      const route = object(`routes[${i}]`, raw)
      if (typeof route.model !== 'string' || route.model === '')
        fail(`routes[${i}].model`, 'a non-empty string', route.model)
      if (!Array.isArray(route.upstreams) || route.upstreams.length === 0) {
        fail(`routes[${i}].upstreams`, 'a non-empty array', route.upstreams)
      }
      const tiers = route.upstreams.map((tier: unknown, t: number) => {
        const field = `routes[${i}].upstreams[${t}]`
        if (!Array.isArray(tier)) return Object.freeze([candidate(field, tier, upstreams)])
        if (tier.length === 0) fail(field, 'a non-empty array', tier)
        return Object.freeze(tier.map((c, k) => candidate(`${field}[${k}]`, c, upstreams)))
      })
      return Object.freeze({
        model: route.model,
        pattern: globToRegExp(route.model),
        tiers: Object.freeze(tiers),
      })
    }),
  )
}
