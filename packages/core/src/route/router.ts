/**
 * Model -> ordered upstream candidates. Routes are tried in order and the first whose glob matches
 * wins; its tiers give the fallback order, and the candidates inside a tier are ordered by a
 * weighted random draw (each upstream's `weight`). A route whose tiers all hold one candidate has
 * a fixed order, computed once and shared by every request (no allocation on the hot path). With
 * `health.balance: 'p2c-ewma'` the gateway passes its own tier order (health/p2c.ts) instead of the draw.
 */
import type { Candidate, Upstream } from '../egress/upstream.js'
import type { ResolvedRoute } from './route-options.js'

export type { Candidate } from '../egress/upstream.js'

interface CompiledRoute {
  readonly route: ResolvedRoute
  readonly tiers: ReadonlyArray<readonly Candidate[]>
  /** The candidates when no tier needs a draw. */
  readonly fixed: readonly Candidate[] | undefined
}

export class Router {
  readonly #routes: readonly CompiledRoute[] | undefined
  readonly #defaultCandidates: readonly Candidate[]
  readonly #random: () => number
  readonly #orderTier: (tier: readonly Candidate[]) => Candidate[]

  /** @param orderTier orders a tier of equal candidates (default: a weighted random draw) */
  constructor(
    routes: readonly ResolvedRoute[] | undefined,
    upstreams: ReadonlyMap<string, Upstream>,
    defaultUpstream: Upstream,
    random: () => number = Math.random,
    orderTier?: (tier: readonly Candidate[]) => Candidate[],
  ) {
    this.#random = random
    this.#orderTier = orderTier ?? ((tier) => this.#draw(tier))
    this.#defaultCandidates = Object.freeze([{ upstream: defaultUpstream, model: undefined }])
    this.#routes = routes?.map((route) => {
      const tiers = route.tiers.map((tier) =>
        tier.map((c) => ({ upstream: upstreams.get(c.upstream)!, model: c.model })),
      )
      const fixed = tiers.every((tier) => tier.length === 1) ? Object.freeze(tiers.flat()) : undefined
      return { route, tiers, fixed }
    })
  }

  /** True when routes are configured (so an unmatched model is unknown). */
  get hasRoutes(): boolean {
    return this.#routes !== undefined
  }

  /**
   * The candidates for `model`, in the order to try them; undefined when routes are configured and
   * none matches. Requests without a model go to the default upstream.
   */
  resolve(model: string | undefined): readonly Candidate[] | undefined {
    if (this.#routes === undefined || model === undefined) return this.#defaultCandidates
    for (const compiled of this.#routes) {
      if (!compiled.route.pattern.test(model)) continue
      return (
        compiled.fixed ?? compiled.tiers.flatMap((tier) => (tier.length === 1 ? tier : this.#orderTier(tier)))
      )
    }
    return undefined
  }

  /** The names a route lists explicitly (globs cannot be listed), for GET /models. */
  listedModels(): string[] {
    return (this.#routes ?? []).map((c) => c.route.model).filter((m) => !m.includes('*'))
  }

  /** The tier's candidates in a weighted random order (without replacement). */
  #draw(tier: readonly Candidate[]): Candidate[] {
    const left = [...tier]
    const out: Candidate[] = []
    while (left.length > 0) {
      let total = 0
      for (const c of left) total += c.upstream.config.weight
      let pick = this.#random() * total
      let index = 0
      while (index < left.length - 1 && pick >= left[index]!.upstream.config.weight) {
        pick -= left[index]!.upstream.config.weight
        index++
      }
      out.push(left.splice(index, 1)[0]!)
    }
    return out
  }
}
