import { describe, expect, it } from 'vitest'
import { orderP2c } from '../../src/health/p2c.js'
import { PeakEwma } from '../../src/health/peak-ewma.js'

/** A random source that replays `values` in a loop. */
function sequence(...values: number[]) {
  let i = 0
  return () => values[i++ % values.length]!
}

describe('PeakEwma', () => {
  it('takes a slower sample at once and blends a faster one in by elapsed time', () => {
    const e = new PeakEwma(10_000)
    e.observe(100, 0)
    expect(e.latencyMs).toBe(100)
    e.observe(300, 10)
    expect(e.latencyMs).toBe(300)
    e.observe(100, 10_010) // one decay time later: weight e^-1 kept
    expect(e.latencyMs).toBeCloseTo(300 * Math.exp(-1) + 100 * (1 - Math.exp(-1)), 9)
    e.observe(50, 10_010) // no time elapsed: the old estimate stays
    expect(e.latencyMs).toBeCloseTo(300 * Math.exp(-1) + 100 * (1 - Math.exp(-1)), 9)
  })

  it('costs latency x (in flight + 1) / weight', () => {
    const e = new PeakEwma(10_000)
    e.observe(50, 0)
    expect(e.cost(0, 1, 0)).toBe(50)
    expect(e.cost(3, 1, 0)).toBe(200)
    expect(e.cost(3, 2, 0)).toBe(100)
  })

  it('decays toward zero while no sample comes, so a shunned upstream is tried again', () => {
    const e = new PeakEwma(1_000)
    e.observe(400, 0)
    expect(e.at(0)).toBe(400)
    expect(e.at(1_000)).toBeCloseTo(400 * Math.exp(-1), 9)
    expect(e.cost(0, 1, 3_000)).toBeCloseTo(400 * Math.exp(-3), 9)
  })
})

describe('orderP2c', () => {
  const cost: Record<string, number> = { fast: 1, slow: 10, mid: 5 }
  const weight: Record<string, number> = { fast: 1, slow: 1, mid: 1 }
  const input = (tier: string[], random: () => number) => ({
    tier,
    costOf: (c: string) => cost[c]!,
    weightOf: (c: string) => weight[c]!,
    random,
  })

  it('puts the cheaper of the two drawn first, the rest by cost', () => {
    // Draws: 0.9 -> 'slow' (index 2 of 3); then 0.1 among the other two -> 'fast'.
    expect(orderP2c(input(['fast', 'mid', 'slow'], sequence(0.9, 0.1)))).toEqual(['fast', 'mid', 'slow'])
    // Draws: 'slow', then 0.9 among fast/mid -> 'mid': mid wins, then fast, slow.
    expect(orderP2c(input(['fast', 'mid', 'slow'], sequence(0.9, 0.9)))).toEqual(['mid', 'fast', 'slow'])
  })

  it('with two candidates always picks the cheaper', () => {
    for (const r of [0, 0.3, 0.6, 0.99]) {
      expect(orderP2c(input(['slow', 'fast'], sequence(r, r)))).toEqual(['fast', 'slow'])
    }
  })

  it('draws by weight: a zero-weight candidate is never drawn while others exist', () => {
    const zero = {
      ...input(['fast', 'mid', 'slow'], sequence(0.5, 0.5)),
      weightOf: (c: string) => (c === 'fast' ? 0 : 1),
    }
    // 'fast' cannot be drawn: the draws are mid and slow, mid wins; fast then leads the rest by cost.
    expect(orderP2c(zero)).toEqual(['mid', 'fast', 'slow'])
  })

  it('returns a copy of a one-candidate tier', () => {
    const tier = ['fast']
    const out = orderP2c(input(tier, Math.random))
    expect(out).toEqual(['fast'])
    expect(out).not.toBe(tier)
  })
})
