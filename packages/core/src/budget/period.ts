/**
 * Budget periods: a calendar day or month in UTC (midnight to midnight, the 1st to the 1st), or a
 * fixed length in milliseconds counted from the Unix epoch. Each period has an integer id (days
 * or months since 1970, or whole lengths since the epoch), so every process that reads the same
 * clock agrees on which period a moment belongs to, and a new id is a fresh budget.
 */

export type BudgetPeriod = 'day' | 'month' | { ms: number }

export interface PeriodAt {
  /** Days, months or lengths since the epoch. */
  id: number
  /** When the next period starts (Unix ms): the reset time. */
  endsAtMs: number
}

const DAY_MS = 86_400_000

/**
 * The period `nowMs` falls in.
 *
 * @example
 * periodAt('day', Date.UTC(2026, 11, 5, 13)) // { id: 20792, endsAtMs: Date.UTC(2026, 11, 6) }
 */
export function periodAt(period: BudgetPeriod, nowMs: number): PeriodAt {
  if (period === 'day') {
    const id = Math.floor(nowMs / DAY_MS)
    return { id, endsAtMs: (id + 1) * DAY_MS }
  }
  if (period === 'month') {
    const d = new Date(nowMs)
    const year = d.getUTCFullYear()
    const month = d.getUTCMonth()
    return { id: (year - 1970) * 12 + month, endsAtMs: Date.UTC(year, month + 1, 1) }
  }
  const id = Math.floor(nowMs / period.ms)
  return { id, endsAtMs: (id + 1) * period.ms }
}
