/**
 * Budgets at admission and at the end of an exchange: the limit stage reserves a request's worst
 * case at the caller key's level and at its group's (when it has one), all or nothing; the account
 * stage settles the hold to the real cost. Each level is charged once per request, so a team's
 * spend is the sum of its keys' requests, never a key's spend counted twice.
 */
import { VeloxError } from '../errors.js'
import type { ResolvedBudget } from './budget-options.js'
import type { BudgetLevel, BudgetResult, BudgetStore } from './budget-store.js'
import { periodAt } from './period.js'

const MICROS = 1_000_000

/** Millionths of a unit, rounded up (a reservation never holds less than the cost). */
export function toMicrosUp(amount: number): number {
  return Math.ceil(amount * MICROS)
}

/** A granted reservation, settled once. */
export class BudgetHold {
  readonly levels: readonly BudgetLevel[]
  readonly reservedMicros: number
  readonly #store: BudgetStore
  #settled = false

  constructor(store: BudgetStore, levels: readonly BudgetLevel[], reservedMicros: number) {
    this.#store = store
    this.levels = levels
    this.reservedMicros = reservedMicros
  }

  /**
   * Charges the real cost instead of the reservation (undefined: the cost is unknown, the
   * reservation stands). Later calls do nothing.
   *
   * @example
   * hold.settle(0.0042)
   */
  settle(cost: number | undefined): void {
    if (this.#settled) return
    this.#settled = true
    if (cost === undefined) return
    this.#store.adjust(this.levels, Math.round(cost * MICROS) - this.reservedMicros)
  }
}

export interface BudgetDecision {
  readonly granted: boolean
  /** Which level refused: 'key' or 'group' (undefined when granted). */
  readonly level: 'key' | 'group' | undefined
  /** Left at the tightest level, in the unit of pricing. */
  readonly remaining: number
  readonly resetAtMs: number
  readonly hold: BudgetHold | undefined
}

export class Budgets {
  readonly config: ResolvedBudget
  readonly store: BudgetStore

  constructor(config: ResolvedBudget, store: BudgetStore) {
    this.config = config
    this.store = store
  }

  /** The levels `key` is charged at now: its own, then its group's. */
  levels(key: string, nowMs: number): BudgetLevel[] {
    const c = this.config
    const own = periodAt(c.period, nowMs)
    const levels: BudgetLevel[] = [
      { id: `k:${key}`, limitMicros: c.amountMicros, period: own.id, endsAtMs: own.endsAtMs },
    ]
    const group = c.groupOf?.(key)
    if (group !== undefined) {
      const limit = c.groupAmountMicros?.(group)
      if (limit !== undefined) {
        const p = periodAt(c.groupPeriod, nowMs)
        levels.push({ id: `g:${group}`, limitMicros: limit, period: p.id, endsAtMs: p.endsAtMs })
      }
    }
    return levels
  }

  /**
   * Reserves `worstCase` (a cost in the unit of pricing) for `key`. Synchronous for the in-process
   * store, a promise for Redis.
   *
   * @example
   * const d = budgets.reserve('team-a:alice', 0.02)
   */
  reserve(key: string, worstCase: number): BudgetDecision | Promise<BudgetDecision> {
    const now = this.config.now()
    const levels = this.levels(key, now)
    const micros = toMicrosUp(worstCase)
    const result = this.store.reserve(levels, micros, now)
    return result instanceof Promise
      ? result.then((r) => this.#decide(r, levels, micros))
      : this.#decide(result, levels, micros)
  }

  #decide(r: BudgetResult, levels: readonly BudgetLevel[], micros: number): BudgetDecision {
    return {
      granted: r.granted,
      level: r.granted ? undefined : r.refusedBy === 0 ? 'key' : 'group',
      remaining: Math.max(0, r.remainingMicros) / MICROS,
      resetAtMs: r.resetAtMs,
      hold: r.granted ? new BudgetHold(this.store, levels, micros) : undefined,
    }
  }
}

/**
 * The headers of a budget decision: what is left and when the period resets; on a refusal also
 * Retry-After (whole seconds to the reset), which the official SDKs honour.
 */
export function budgetHeaders(d: BudgetDecision, nowMs: number): Record<string, string> {
  const headers: Record<string, string> = {
    'x-velox-budget-remaining': String(Number(d.remaining.toFixed(6))),
    'x-velox-budget-reset': new Date(d.resetAtMs).toISOString(),
  }
  if (!d.granted) headers['retry-after'] = String(Math.max(1, Math.ceil((d.resetAtMs - nowMs) / 1000)))
  return headers
}

/** The 429 a refused request gets, naming the level that refused. */
export function budgetExceeded(d: BudgetDecision): VeloxError {
  return new VeloxError(
    'VELOX_ERR_BUDGET_EXCEEDED',
    `The ${d.level ?? 'key'} budget for this period is spent; it resets at ${new Date(d.resetAtMs).toISOString()}`,
  )
}
