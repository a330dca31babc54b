/**
 * The `pricing` option: prices per million tokens for model names or globs, in any currency the
 * user picks (the numbers are currency-neutral; budgets use the same unit). No price list ships
 * with the gateway: prices change, and a stale built-in price would be a silent wrong number. A
 * model no entry matches has no price, and its requests have no cost (undefined, never 0).
 */
import { fail, globToRegExp, object } from '../validate.js'

/** Prices per million tokens. */
export interface ModelPrice {
  /** Input tokens not read from or written to a prompt cache. */
  input: number
  /** Input tokens read from a prompt cache. Default: `input`. */
  cachedInput?: number
  /** Input tokens written to a prompt cache (Anthropic). Default: `input`. */
  cacheWrite?: number
  /** Output tokens (reasoning tokens included, as every provider bills them). */
  output: number
}

/** `{ 'gpt-4o-mini': { input: 0.15, output: 0.6 }, 'claude-*': {...} }` */
export type PricingOptions = Record<string, ModelPrice>

export interface ResolvedPrice {
  readonly input: number
  readonly cachedInput: number
  readonly cacheWrite: number
  readonly output: number
}

export interface ResolvedPriceRule {
  /** The name or glob as given. */
  readonly model: string
  readonly pattern: RegExp
  readonly price: ResolvedPrice
}

function price(field: string, value: unknown, fallback: number | undefined): number {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(field, 'a finite number >= 0 (a price per million tokens)', value)
  }
  return value
}

const PRICE_KEYS = new Set(['input', 'cachedInput', 'cacheWrite', 'output'])

/**
 * Checks `pricing` (errors name the field) and returns its rules in the order given: an exact
 * name wins over any glob, then the first glob that matches.
 *
 * @example
 * resolvePricing({ 'gpt-4o*': { input: 2.5, cachedInput: 1.25, output: 10 } })
 */
export function resolvePricing(input: unknown): readonly ResolvedPriceRule[] | undefined {
  if (input === undefined) return undefined
  const table = object('pricing', input)
  return Object.freeze(
    Object.entries(table).map(([model, raw]) => {
      const field = `pricing[${JSON.stringify(model)}]`
      if (model === '') fail('pricing', 'keyed by non-empty model names or globs', model)
      const p = object(field, raw)
      for (const key of Object.keys(p)) {
        if (!PRICE_KEYS.has(key))
          fail(`${field}.${key}`, 'one of input, cachedInput, cacheWrite, output', key)
      }
      const inputPrice = price(`${field}.input`, p.input, undefined)
      return Object.freeze({
        model,
        pattern: globToRegExp(model),
        price: Object.freeze({
          input: inputPrice,
          cachedInput: price(`${field}.cachedInput`, p.cachedInput, inputPrice),
          cacheWrite: price(`${field}.cacheWrite`, p.cacheWrite, inputPrice),
          output: price(`${field}.output`, p.output, undefined),
        }),
      })
    }),
  )
}
