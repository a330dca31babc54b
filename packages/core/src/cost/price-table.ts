/**
 * Model -> price, and the cost of one request from its usage. Lookups are memoised per model name
 * (a bounded Map: model names are few, but they come from clients), so the glob list is walked
 * once per name, not once per request.
 */
import type { UsageLike } from '../usage/usage-detail.js'
import type { ResolvedPrice, ResolvedPriceRule } from './cost-options.js'

const PER_MILLION = 1_000_000
/** Distinct model names remembered; past it the memo is cleared (clients choose model names). */
const MEMO_LIMIT = 1_024

export class PriceTable {
  readonly #rules: readonly ResolvedPriceRule[]
  readonly #memo = new Map<string, ResolvedPrice | null>()

  constructor(rules: readonly ResolvedPriceRule[]) {
    this.#rules = rules
  }

  /** The price of `model`, or undefined when no rule names or matches it. */
  priceOf(model: string | undefined): ResolvedPrice | undefined {
    if (model === undefined) return undefined
    let found = this.#memo.get(model)
    if (found === undefined) {
      found =
        this.#rules.find((r) => r.model === model)?.price ??
        this.#rules.find((r) => r.pattern.test(model))?.price ??
        null
      if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear()
      this.#memo.set(model, found)
    }
    return found ?? undefined
  }

  /**
   * The cost of a request to `model` with `usage`, or undefined when the model has no price or the
   * usage is unknown (no input and no output count).
   *
   * @example
   * table.costOf('gpt-4o', { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 0, ... })
   */
  costOf(model: string | undefined, usage: UsageLike): number | undefined {
    const price = this.priceOf(model)
    if (price === undefined) return undefined
    return costWith(price, usage)
  }
}

/** Cost of `usage` at `price`; undefined when neither input nor output was reported. */
export function costWith(price: ResolvedPrice, usage: UsageLike): number | undefined {
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return undefined
  const cached = usage.cachedInputTokens ?? 0
  const written = usage.cacheWriteTokens ?? 0
  const plain = Math.max(0, (usage.inputTokens ?? 0) - cached - written)
  return (
    (plain * price.input +
      cached * price.cachedInput +
      written * price.cacheWrite +
      (usage.outputTokens ?? 0) * price.output) /
    PER_MILLION
  )
}

/**
 * The most a request can cost: every input token at the highest input price (a cache write may
 * cost more than plain input) and `maxOutputTokens` at the output price. What a budget reserves.
 */
export function worstCaseCost(price: ResolvedPrice, inputTokens: number, maxOutputTokens: number): number {
  const inputPrice = Math.max(price.input, price.cacheWrite, price.cachedInput)
  return (inputTokens * inputPrice + maxOutputTokens * price.output) / PER_MILLION
}
