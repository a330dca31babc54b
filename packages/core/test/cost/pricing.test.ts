import { describe, expect, it } from 'vitest'
import { resolvePricing } from '../../src/cost/cost-options.js'
import { costWith, PriceTable, worstCaseCost } from '../../src/cost/price-table.js'
import { VeloxOptionsError } from '../../src/errors.js'
import { emptyUsage } from '../../src/usage/usage-detail.js'

const usage = (fields: Partial<ReturnType<typeof emptyUsage>>) => ({ ...emptyUsage(), ...fields })

describe('pricing', () => {
  const table = new PriceTable(
    resolvePricing({
      'gpt-4o*': { input: 2.5, cachedInput: 1.25, output: 10 },
      'gpt-4o-mini': { input: 0.15, output: 0.6 },
      'claude-*': { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 },
    })!,
  )

  it('prefers an exact name to a glob, then the first glob that matches', () => {
    expect(table.priceOf('gpt-4o-mini')).toEqual({
      input: 0.15,
      cachedInput: 0.15,
      cacheWrite: 0.15,
      output: 0.6,
    })
    expect(table.priceOf('gpt-4o-2024-08-06')?.input).toBe(2.5)
    expect(table.priceOf('claude-sonnet-4')?.cacheWrite).toBe(3.75)
  })

  it('gives no cost, never zero, to a model without a price or a request without usage', () => {
    expect(table.priceOf('llama-3')).toBeUndefined()
    expect(table.costOf('llama-3', usage({ inputTokens: 10, outputTokens: 10 }))).toBeUndefined()
    expect(table.costOf(undefined, usage({ inputTokens: 10 }))).toBeUndefined()
    expect(table.costOf('gpt-4o', emptyUsage())).toBeUndefined()
  })

  it('bills cached input, cache writes and output at their own prices', () => {
    // 1,000,000 input of which 400,000 cached: 600,000 x 2.5 + 400,000 x 1.25 + 200,000 x 10, per million.
    expect(
      table.costOf(
        'gpt-4o',
        usage({ inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 200_000 }),
      ),
    ).toBe(1.5 + 0.5 + 2)
    const claude = table.priceOf('claude-3')!
    expect(
      costWith(
        claude,
        usage({
          inputTokens: 1_000_000,
          cachedInputTokens: 500_000,
          cacheWriteTokens: 500_000,
          outputTokens: 0,
        }),
      ),
    ).toBe(0.15 + 1.875)
  })

  it('reserves the worst case: all input at the highest input price plus max output', () => {
    expect(worstCaseCost(table.priceOf('claude-x')!, 1_000_000, 1_000_000)).toBe(3.75 + 15)
  })

  it('names the field of a bad price', () => {
    expect(() => resolvePricing({ 'gpt-4o': { input: -1, output: 1 } })).toThrow(
      new VeloxOptionsError(
        'pricing["gpt-4o"].input must be a finite number >= 0 (a price per million tokens) (got -1)',
      ),
    )
    expect(() => resolvePricing({ 'gpt-4o': { input: 1 } })).toThrow(/pricing\["gpt-4o"\]\.output must be/)
    expect(() => resolvePricing({ m: { input: 1, output: 1, ouput: 2 } })).toThrow(
      /pricing\["m"\]\.ouput must be one of/,
    )
    expect(() => resolvePricing([])).toThrow(/pricing must be an object/)
  })
})
