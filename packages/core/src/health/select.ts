/**
 * Which of a route's candidates to offer, given their health: ejected and cooling upstreams are
 * skipped, but never more than `maxEjectionPercent` of the candidates and never all of them. When
 * every candidate is out the route is in panic and tries them all in their order (Envoy's panic
 * threshold idea: a 503 without trying is worse than trying an upstream that may have recovered).
 * Generic over the candidate type so this module imports nothing from the route.
 */

/** What the selection reads of one candidate's upstream health. */
export interface HealthView {
  isAvailable(model: string | undefined, now: number): boolean
  isEjected(now: number): boolean
  coolingUntil(model: string | undefined, now: number): number
  readonly ejectedUntil: number
}

export interface Selection<T> {
  /** The candidates to try, in order. */
  readonly candidates: readonly T[]
  /** Some offered candidates are ejected or cooling (all were out, or the percent cap kept some). */
  readonly panic: boolean
  /** Candidates left out. */
  readonly skipped: number
}

export interface SelectInput<T> {
  readonly candidates: readonly T[]
  /** The health of a candidate's upstream; undefined when health is off for it. */
  readonly healthOf: (candidate: T) => HealthView | undefined
  readonly model: string | undefined
  readonly now: number
  readonly maxEjectionPercent: number
}

function returnsAt(view: HealthView, model: string | undefined, now: number): number {
  const ejected = view.isEjected(now) ? view.ejectedUntil : 0
  return Math.max(ejected, view.coolingUntil(model, now))
}

/**
 * The candidates to try. Allocates nothing when every candidate is available (the common case).
 *
 * @example
 * const { candidates, panic } = selectCandidates({ candidates: route, healthOf: (c) => c.upstream.health, model, now, maxEjectionPercent: 100 })
 */
export function selectCandidates<T>(input: SelectInput<T>): Selection<T> {
  const { candidates, healthOf, model, now } = input
  let out = 0
  for (const c of candidates) if (!(healthOf(c)?.isAvailable(model, now) ?? true)) out++
  if (out === 0) return { candidates, panic: false, skipped: 0 }
  const n = candidates.length
  if (out === n) return { candidates, panic: true, skipped: 0 }
  const maxSkip = Math.min(n - 1, Math.floor((n * input.maxEjectionPercent) / 100))
  const available: T[] = []
  const unavailable: T[] = []
  for (const c of candidates) {
    if (healthOf(c)?.isAvailable(model, now) ?? true) available.push(c)
    else unavailable.push(c)
  }
  if (out <= maxSkip) return { candidates: available, panic: false, skipped: out }
  // Over the cap: keep the ones that come back soonest, after the healthy ones.
  const soonest = unavailable
    .map((c, i) => ({ c, i, at: returnsAt(healthOf(c)!, model, now) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .slice(0, out - maxSkip)
    .sort((a, b) => a.i - b.i)
  return { candidates: [...available, ...soonest.map((s) => s.c)], panic: true, skipped: maxSkip }
}
