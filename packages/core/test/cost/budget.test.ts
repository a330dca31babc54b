import { describe, expect, it } from 'vitest'
import { resolveBudget } from '../../src/budget/budget-options.js'
import { type BudgetDecision, Budgets, budgetExceeded, budgetHeaders } from '../../src/budget/budgets.js'
import { createBudgetBuffer, MemoryBudgetStore } from '../../src/budget/memory-budget-store.js'
import { periodAt } from '../../src/budget/period.js'
import { VeloxOptionsError } from '../../src/errors.js'

/** The in-process store answers synchronously. */
function reserve(budgets: Budgets, key: string, worstCase: number): BudgetDecision {
  return budgets.reserve(key, worstCase) as BudgetDecision
}

function setup(options: object, clock: { now: number }) {
  const config = resolveBudget({ ...options, now: () => clock.now })!
  const buffer = createBudgetBuffer(config.maxKeys)
  const store = new MemoryBudgetStore(buffer)
  return { budgets: new Budgets(config, store), store, buffer, config }
}

describe('budget periods', () => {
  it('resets on calendar boundaries in UTC', () => {
    expect(periodAt('day', Date.UTC(2026, 11, 5, 23, 59))).toEqual({
      id: 20_792,
      endsAtMs: Date.UTC(2026, 11, 6),
    })
    expect(periodAt('day', Date.UTC(2026, 11, 6)).id).toBe(20_793)
    expect(periodAt('month', Date.UTC(2026, 11, 31, 23)).endsAtMs).toBe(Date.UTC(2027, 0, 1))
    expect(periodAt('month', Date.UTC(2027, 0, 1)).id).toBe(periodAt('month', Date.UTC(2026, 11, 1)).id + 1)
    expect(periodAt({ ms: 1000 }, 2500)).toEqual({ id: 2, endsAtMs: 3000 })
  })
})

describe('Budgets in memory', () => {
  it('reserves the worst case, settles to the real cost, and refuses when it does not fit', () => {
    const clock = { now: Date.UTC(2026, 11, 5, 12) }
    const { budgets, store } = setup({ amount: 1, period: 'day' }, clock)
    const first = reserve(budgets, 'alice', 0.6)
    expect(first).toMatchObject({
      granted: true,
      level: undefined,
      remaining: 0.4,
      resetAtMs: Date.UTC(2026, 11, 6),
    })
    expect(reserve(budgets, 'alice', 0.6).granted).toBe(false)
    first.hold!.settle(0.1)
    first.hold!.settle(0.5) // once only
    expect(store.spentMicros(budgets.levels('alice', clock.now)[0]!)).toBe(100_000)
    const second = reserve(budgets, 'alice', 0.6)
    expect(second).toMatchObject({ granted: true, remaining: 0.3 })
    // Another key has its own budget.
    expect(reserve(budgets, 'bob', 1).granted).toBe(true)
  })

  it('keeps the reservation when the cost is unknown', () => {
    const clock = { now: Date.UTC(2026, 11, 5, 12) }
    const { budgets, store } = setup({ amount: 1, period: 'day' }, clock)
    const d = reserve(budgets, 'k', 0.25)
    d.hold!.settle(undefined)
    expect(store.spentMicros(budgets.levels('k', clock.now)[0]!)).toBe(250_000)
  })

  it('is exhausted mid-day with 429 headers, and recovers at the next UTC day', () => {
    const clock = { now: Date.UTC(2026, 11, 5, 13, 30) }
    const { budgets } = setup({ amount: 0.5, period: 'day' }, clock)
    const a = reserve(budgets, 'k', 0.5)
    expect(a.granted).toBe(true)
    a.hold!.settle(0.5)
    const refused = reserve(budgets, 'k', 0.01)
    expect(refused).toMatchObject({ granted: false, level: 'key', remaining: 0 })
    expect(budgetHeaders(refused, clock.now)).toEqual({
      'x-velox-budget-remaining': '0',
      'x-velox-budget-reset': '2026-12-06T00:00:00.000Z',
      'retry-after': String(10.5 * 3600),
    })
    expect(budgetExceeded(refused).toJSON()).toEqual({
      error: {
        message: 'The key budget for this period is spent; it resets at 2026-12-06T00:00:00.000Z',
        type: 'insufficient_quota',
        param: null,
        code: 'VELOX_ERR_BUDGET_EXCEEDED',
      },
    })
    expect(budgetExceeded(refused).status).toBe(429)
    clock.now = Date.UTC(2026, 11, 6, 0, 0, 0, 1)
    expect(budgets.reserve('k', 0.5)).toMatchObject({ granted: true, remaining: 0 })
    // A settlement from the old period does not touch the new one.
    a.hold!.settle(0)
  })

  it('charges a key and its group once each; the group refuses when the team has spent it', () => {
    const clock = { now: Date.UTC(2026, 11, 5, 12) }
    const teams: Record<string, string> = { alice: 'red', bob: 'red', carol: 'blue' }
    const { budgets, store } = setup(
      {
        amount: 1,
        period: 'day',
        groups: { of: (k: string) => teams[k], amount: (g: string) => (g === 'red' ? 1.5 : undefined) },
      },
      clock,
    )
    const a = reserve(budgets, 'alice', 1)
    expect(a.granted).toBe(true)
    a.hold!.settle(0.9)
    const [aliceKey, red] = budgets.levels('alice', clock.now)
    expect(store.spentMicros(aliceKey!)).toBe(900_000)
    expect(store.spentMicros(red!)).toBe(900_000)
    // Bob has 1 of his own, but the team has 0.6 left.
    const b = reserve(budgets, 'bob', 0.7)
    expect(b).toMatchObject({ granted: false, level: 'group' })
    expect(b.remaining).toBeCloseTo(0.6, 6)
    // The refused reservation took nothing from Bob's own level.
    expect(store.spentMicros(budgets.levels('bob', clock.now)[0]!)).toBe(0)
    expect(budgets.reserve('bob', 0.6)).toMatchObject({ granted: true })
    // Carol's group has no amount: only her key budget applies.
    expect(budgets.levels('carol', clock.now)).toHaveLength(1)
  })

  it('shares one budget between stores attached to the same buffer (as worker_threads do)', () => {
    const clock = { now: Date.UTC(2026, 11, 5, 12) }
    const { config, buffer } = setup({ amount: 1, period: 'day' }, clock)
    const one = new Budgets(config, new MemoryBudgetStore(buffer))
    const two = new Budgets(config, new MemoryBudgetStore(buffer))
    let granted = 0
    for (let i = 0; i < 10; i++) {
      if (reserve(one, 'k', 0.3).granted) granted++
      if (reserve(two, 'k', 0.3).granted) granted++
    }
    expect(granted).toBe(3)
  })

  it('admits and counts keys beyond maxKeys', () => {
    const clock = { now: Date.UTC(2026, 11, 5, 12) }
    const { budgets, store } = setup({ amount: 1, period: 'day', maxKeys: 2 }, clock)
    for (const k of ['a', 'b', 'c']) expect(budgets.reserve(k, 1)).toMatchObject({ granted: true })
    expect(store.stats()).toEqual({ keys: 2, untracked: 1 })
  })

  it('names the field of a bad option', () => {
    expect(() => resolveBudget({ amount: 0, period: 'day' })).toThrow(VeloxOptionsError)
    expect(() => resolveBudget({ amount: 1, period: 'week' })).toThrow(
      `budget.period must be 'day', 'month' or { ms } (got "week")`,
    )
    expect(() => resolveBudget({ amount: 1, period: { ms: 0 } })).toThrow(
      /budget\.period\.ms must be an integer >= 1/,
    )
    expect(() => resolveBudget({ amount: 1, period: 'day', groups: { amount: 1 } })).toThrow(
      /budget\.groups\.of must be/,
    )
    expect(() => resolveBudget({ amount: 1, period: 'day', amout: 2 })).toThrow(
      /budget\.amout must be one of/,
    )
    expect(() => resolveBudget({ amount: 1, period: 'day', store: {} })).toThrow(/budget\.store must be/)
  })
})
