/**
 * Running totals for `gateway.stats().cost`: spend by model, tokens by type, requests that had no
 * price (counted, never added as zero), and answers replayed from the cache (which cost nothing).
 * Per-model entries are bounded: model names come from clients, and past MAX_MODELS the rest are
 * added under `other`.
 */
import type { UsageLike } from '../usage/usage-detail.js'

const MAX_MODELS = 256

export interface CostStats {
  /** Sum of the known costs, in the unit of pricing. */
  total: number
  byModel: Record<string, { requests: number; cost: number }>
  /** Requests whose usage was known but whose model had no price. */
  unpriced: number
  /** Answers replayed from the response cache (no tokens, no cost). */
  cached: number
  tokens: { input: number; output: number; cachedInput: number; cacheWrite: number; reasoning: number }
}

export class CostLedger {
  #total = 0
  readonly #byModel = new Map<string, { requests: number; cost: number }>()
  #unpriced = 0
  #cached = 0
  readonly #tokens = { input: 0, output: 0, cachedInput: 0, cacheWrite: 0, reasoning: 0 }

  /**
   * Adds one finished exchange.
   *
   * @example
   * ledger.add('gpt-4o', usage, 0.0042)
   */
  add(model: string | undefined, usage: UsageLike | undefined, cost: number | undefined): void {
    if (usage !== undefined) {
      const t = this.#tokens
      t.input += usage.inputTokens ?? 0
      t.output += usage.outputTokens ?? 0
      t.cachedInput += usage.cachedInputTokens ?? 0
      t.cacheWrite += usage.cacheWriteTokens ?? 0
      t.reasoning += usage.reasoningTokens ?? 0
    }
    if (cost === undefined) {
      if (usage !== undefined && (usage.inputTokens !== undefined || usage.outputTokens !== undefined))
        this.#unpriced++
      return
    }
    this.#total += cost
    let name = model ?? ''
    let entry = this.#byModel.get(name)
    if (entry === undefined) {
      if (this.#byModel.size >= MAX_MODELS) name = 'other'
      entry = this.#byModel.get(name) ?? { requests: 0, cost: 0 }
      this.#byModel.set(name, entry)
    }
    entry.requests++
    entry.cost += cost
  }

  /** One answer replayed from the cache. */
  addCached(): void {
    this.#cached++
  }

  stats(): CostStats {
    const byModel: CostStats['byModel'] = {}
    for (const [name, e] of this.#byModel) byModel[name] = { requests: e.requests, cost: e.cost }
    return {
      total: this.#total,
      byModel,
      unpriced: this.#unpriced,
      cached: this.#cached,
      tokens: { ...this.#tokens },
    }
  }
}
