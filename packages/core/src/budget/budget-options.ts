/**
 * The `budget` option: a spending limit per caller key per period, and optionally one per group
 * (a team) that the app maps keys to. Amounts are in the unit of `pricing` (a budget needs prices:
 * a request to a model without a price costs nothing it can count, so it is not held back).
 * Spend is kept in millionths of the unit, as integers, so every store adds exactly.
 */
import type { IncomingMessage } from 'node:http'
import { DEFAULTS } from '../config/defaults.js'
import { fail, integer, object } from '../validate.js'
import type { BudgetPeriod } from './period.js'

export interface BudgetGroupOptions {
  /** The group (team) of a caller key; undefined: the key is in no group. */
  of: (key: string) => string | undefined
  /** The group's amount per period: one for all, or per group (undefined: no group budget). */
  amount: number | ((group: string) => number | undefined)
  /** Default: the key budget's period. */
  period?: BudgetPeriod
}

/** A Redis shared by every process that enforces the same budgets. */
export interface BudgetRedisOptions {
  redis: string | Record<string, unknown>
  prefix?: string
  timeoutMs?: number
}

export interface BudgetOptions {
  /** Amount per key per period, in the unit of `pricing`. */
  amount: number
  /** 'day' and 'month' reset at midnight UTC; `{ ms }` every ms from the epoch. */
  period: BudgetPeriod
  /** The caller key budgets are kept by. Default: the limit key (hash of the API key, else the IP). */
  key?: (req: IncomingMessage) => string | undefined
  /** A second level: the key's group (team), with its own amount; spend counts once at each level. */
  groups?: BudgetGroupOptions
  /** Output tokens assumed for the worst case of a request that sets no max tokens. */
  defaultMaxTokens?: number
  /** Keys (key and group levels together) the in-process table holds. */
  maxKeys?: number
  /** In this process (default, shareable with worker_threads), or in Redis. */
  store?: { buffer: SharedArrayBuffer } | BudgetRedisOptions
  /** When Redis is unreachable: false admits (default), true refuses with 503. */
  failClosed?: boolean
  /** The clock (Unix ms), for tests. */
  now?: () => number
}

export interface ResolvedBudget {
  readonly amountMicros: number
  readonly period: BudgetPeriod
  readonly key: ((req: IncomingMessage) => string | undefined) | undefined
  readonly groupOf: ((key: string) => string | undefined) | undefined
  readonly groupAmountMicros: ((group: string) => number | undefined) | undefined
  readonly groupPeriod: BudgetPeriod
  readonly defaultMaxTokens: number
  readonly maxKeys: number
  readonly store:
    | { kind: 'memory'; buffer: SharedArrayBuffer | undefined }
    | { kind: 'redis'; redis: string | Record<string, unknown>; prefix: string; timeoutMs: number }
  readonly failClosed: boolean
  readonly now: () => number
}

const D = DEFAULTS.budget

const KNOWN = [
  'amount',
  'period',
  'key',
  'groups',
  'defaultMaxTokens',
  'maxKeys',
  'store',
  'failClosed',
  'now',
]

/** Largest amount: spend is kept in 44 bits of millionths (layout.ts). */
export const MAX_AMOUNT = 2 ** 44 / 1_000_000 - 1

function amount(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_AMOUNT) {
    fail(field, `a number > 0 and <= ${Math.floor(MAX_AMOUNT)}`, value)
  }
  return Math.round(value * 1_000_000)
}

function period(field: string, value: unknown): BudgetPeriod {
  if (value === 'day' || value === 'month') return value
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const ms = (value as { ms?: unknown }).ms
    integer(`${field}.ms`, ms, 1, 0)
    if (ms === undefined) fail(`${field}.ms`, 'an integer >= 1', ms)
    return Object.freeze({ ms: ms as number })
  }
  return fail(field, "'day', 'month' or { ms }", value)
}

function fn<T>(field: string, value: unknown): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') fail(field, 'a function', value)
  return value as T
}

/**
 * Checks `budget` (errors name the field) and fills in the defaults.
 *
 * @example
 * resolveBudget({ amount: 5, period: 'day', groups: { of: (key) => teams[key], amount: 50 } })
 */
export function resolveBudget(input: unknown): ResolvedBudget | undefined {
  if (input === undefined) return undefined
  const b = object('budget', input)
  for (const k of Object.keys(b)) if (!KNOWN.includes(k)) fail(`budget.${k}`, `one of ${KNOWN.join(', ')}`, k)
  const keyPeriod = period('budget.period', b.period)
  let groupOf: ResolvedBudget['groupOf']
  let groupAmountMicros: ResolvedBudget['groupAmountMicros']
  let groupPeriod = keyPeriod
  if (b.groups !== undefined) {
    const g = object('budget.groups', b.groups)
    for (const k of Object.keys(g)) {
      if (k !== 'of' && k !== 'amount' && k !== 'period')
        fail(`budget.groups.${k}`, 'one of of, amount, period', k)
    }
    groupOf = fn('budget.groups.of', g.of)
    if (groupOf === undefined) fail('budget.groups.of', 'a function (key) => group', g.of)
    if (typeof g.amount === 'function') {
      const per = g.amount as (group: string) => number | undefined
      groupAmountMicros = (group) => {
        const a = per(group)
        return a === undefined ? undefined : amount(`budget.groups.amount(${JSON.stringify(group)})`, a)
      }
    } else {
      const micros = amount('budget.groups.amount', g.amount)
      groupAmountMicros = () => micros
    }
    if (g.period !== undefined) groupPeriod = period('budget.groups.period', g.period)
  }
  return Object.freeze({
    amountMicros: amount('budget.amount', b.amount),
    period: keyPeriod,
    key: fn<ResolvedBudget['key']>('budget.key', b.key),
    groupOf,
    groupAmountMicros,
    groupPeriod,
    defaultMaxTokens: integer('budget.defaultMaxTokens', b.defaultMaxTokens, 1, D.defaultMaxTokens),
    maxKeys: integer('budget.maxKeys', b.maxKeys, 1, D.maxKeys),
    store: resolveStore(b.store),
    failClosed: b.failClosed === undefined ? D.failClosed : boolFailClosed(b.failClosed),
    now: fn<() => number>('budget.now', b.now) ?? Date.now,
  })
}

function boolFailClosed(value: unknown): boolean {
  if (typeof value !== 'boolean') fail('budget.failClosed', 'a boolean', value)
  return value
}

function resolveStore(value: unknown): ResolvedBudget['store'] {
  if (value === undefined) return { kind: 'memory', buffer: undefined }
  const s = object('budget.store', value)
  if (s.buffer !== undefined) {
    if (!(s.buffer instanceof SharedArrayBuffer)) fail('budget.store.buffer', 'a SharedArrayBuffer', s.buffer)
    return { kind: 'memory', buffer: s.buffer }
  }
  if (typeof s.redis !== 'string' && (typeof s.redis !== 'object' || s.redis === null)) {
    fail('budget.store', '{ buffer } or { redis }', value)
  }
  if (s.prefix !== undefined && typeof s.prefix !== 'string')
    fail('budget.store.prefix', 'a string', s.prefix)
  return {
    kind: 'redis',
    redis: s.redis as string | Record<string, unknown>,
    prefix: (s.prefix as string | undefined) ?? D.store.prefix,
    timeoutMs: integer('budget.store.timeoutMs', s.timeoutMs, 1, D.store.timeoutMs),
  }
}
