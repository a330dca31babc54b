/**
 * What the budget check asks of a store: reserve an amount at every level of a request (the
 * caller key, and its group when it has one), all or nothing, and adjust the levels later by the
 * difference between the reservation and the real cost. The in-process store answers at once;
 * the Redis store with a promise.
 */

/** One level a request is charged at, in one period. */
export interface BudgetLevel {
  /** `k:<key>` or `g:<group>`. */
  readonly id: string
  readonly limitMicros: number
  /** The period's id (period.ts). */
  readonly period: number
  readonly endsAtMs: number
}

export interface BudgetResult {
  granted: boolean
  /** Index of the level that refused (-1 when granted). */
  refusedBy: number
  /** What is left at the tightest level after this reservation (before it, when refused), in millionths. */
  remainingMicros: number
  /** When the tightest level's period ends (Unix ms). */
  resetAtMs: number
}

export interface BudgetStoreStats {
  /** Levels held in the in-process table. */
  keys: number
  /** Levels admitted without being counted because the table was full. */
  untracked: number
}

export interface BudgetStore {
  readonly sync: boolean
  /** `nowMs` is the budget's clock (injected in tests): the Redis store counts expiries from it. */
  reserve(levels: readonly BudgetLevel[], micros: number, nowMs: number): BudgetResult | Promise<BudgetResult>
  /** Adds `micros` (negative: gives back) at every level, in the period each was reserved in. Never throws. */
  adjust(levels: readonly BudgetLevel[], micros: number): void
  stats(): BudgetStoreStats
  close(): Promise<void>
}
