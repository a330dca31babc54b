/**
 * Cooldowns after a 429 or 503 with Retry-After: until when an upstream, or one model on it, is
 * skipped by the route. A later answer extends a deadline and never shortens it (LiteLLM's users
 * report re-cooling that kept the shorter deadline). The per-model table is bounded, because model
 * names come from clients: past `MAX_MODELS` entries the expired ones are swept, then the oldest goes.
 */

/** Model cooldowns kept per upstream; a provider rarely limits more models than this at once. */
export const MAX_MODELS = 256

export class Cooldowns {
  /** Monotonic ms until which the whole upstream cools; 0 when it does not. */
  upstreamUntil = 0
  readonly #byModel = new Map<string, number>()

  /**
   * Cools until `until` (monotonic ms), the whole upstream when `model` is undefined. Returns true
   * when that set a new deadline or extended one, false when an existing one already reaches it.
   */
  extend(model: string | undefined, until: number, now: number): boolean {
    if (model === undefined) {
      if (until <= this.upstreamUntil) return false
      this.upstreamUntil = until
      return true
    }
    const current = this.#byModel.get(model) ?? 0
    if (until <= current) return false
    this.#byModel.delete(model) // re-inserted last: the Map's order is the eviction order
    if (this.#byModel.size >= MAX_MODELS) this.#evict(now)
    this.#byModel.set(model, until)
    return true
  }

  /** The deadline that applies to `model` now (the later of the upstream's and the model's); 0 when none. */
  until(model: string | undefined, now: number): number {
    let until = this.upstreamUntil > now ? this.upstreamUntil : 0
    if (model !== undefined && this.#byModel.size > 0) {
      const m = this.#byModel.get(model)
      if (m !== undefined) {
        if (m <= now) this.#byModel.delete(model)
        else if (m > until) until = m
      }
    }
    return until
  }

  /** Models cooling now. */
  models(now: number): number {
    let n = 0
    for (const until of this.#byModel.values()) if (until > now) n++
    return n
  }

  #evict(now: number): void {
    for (const [model, until] of this.#byModel) if (until <= now) this.#byModel.delete(model)
    if (this.#byModel.size >= MAX_MODELS) this.#byModel.delete(this.#byModel.keys().next().value as string)
  }
}
