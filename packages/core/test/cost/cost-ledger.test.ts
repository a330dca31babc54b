import { describe, expect, it } from 'vitest'
import { CostLedger } from '../../src/cost/cost-ledger.js'
import { needsUsageSplice } from '../../src/usage/ensure-usage.js'
import { emptyUsage } from '../../src/usage/usage-detail.js'

describe('CostLedger', () => {
  it('adds known costs by model, counts unpriced and cached answers apart', () => {
    const ledger = new CostLedger()
    const usage = {
      ...emptyUsage(),
      inputTokens: 10,
      outputTokens: 5,
      cachedInputTokens: 4,
      reasoningTokens: 2,
    }
    ledger.add('gpt-4o', usage, 0.25)
    ledger.add('gpt-4o', usage, 0.5)
    ledger.add('llama', usage, undefined)
    ledger.add('llama', undefined, undefined) // usage unknown: not "unpriced"
    ledger.addCached()
    expect(ledger.stats()).toEqual({
      total: 0.75,
      byModel: { 'gpt-4o': { requests: 2, cost: 0.75 } },
      unpriced: 1,
      cached: 1,
      tokens: { input: 30, output: 15, cachedInput: 12, cacheWrite: 0, reasoning: 6 },
    })
  })

  it('splices include_usage only into chat and completions streams that did not ask', () => {
    expect(needsUsageSplice('/chat/completions', true, undefined)).toBe(true)
    expect(needsUsageSplice('/chat/completions', true, false)).toBe(true)
    expect(needsUsageSplice('/completions', true, undefined)).toBe(true)
    expect(needsUsageSplice('/chat/completions', true, true)).toBe(false)
    expect(needsUsageSplice('/chat/completions', false, undefined)).toBe(false)
    expect(needsUsageSplice('/responses', true, undefined)).toBe(false)
  })
})
