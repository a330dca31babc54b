/**
 * The `health` options: when an upstream counts as failing (Envoy's outlier detection: consecutive
 * gateway failures and consecutive 5xx), how long it is ejected, how a 429/503 with Retry-After
 * cools it down, how equal candidates are balanced, and the opt-in active checks. On by default
 * (routing around a dead upstream costs nothing while every upstream is healthy); `false` turns all
 * of it off. Every field is checked with a message that names it; unknown keys are refused by
 * config/known-keys.ts (from config/schema.ts), and the defaults are config/defaults.ts's.
 */
import { DEFAULTS } from '../config/defaults.js'
import { fail, integer, object, path } from '../validate.js'

/** How the candidates of one tier (equal upstreams) are ordered. */
export type BalanceMode = 'weighted' | 'p2c-ewma'

/** Where a 429's cooldown applies: the whole upstream, or only the model the request named. */
export type CooldownScope = 'model' | 'upstream'

export interface ActiveCheckOptions {
  /** Time between two checks of one upstream (default 10,000 ms). */
  intervalMs?: number
  /** A check without a response within this is a failure (default 5,000 ms). */
  timeoutMs?: number
  /** Path to GET; default: each upstream's `warmupPath`. */
  path?: string
}

export interface HealthOptions {
  /** Connect errors, resets, TLS errors and timeouts in a row that eject an upstream (default 5; 0: never). */
  consecutiveGatewayFailures?: number
  /** 5xx responses (transport failures included) in a row that eject an upstream (default 5; 0: never). */
  consecutive5xx?: number
  /** First ejection time; the n-th ejection lasts n times this (default 30,000 ms). */
  baseEjectionMs?: number
  /** Longest ejection (default 300,000 ms; never less than baseEjectionMs, as in Envoy). */
  maxEjectionMs?: number
  /** Share of a route's candidates that may be skipped as ejected (default 100; one is always tried). */
  maxEjectionPercent?: number
  /** Cool an upstream down on a 429 or 503 that carries Retry-After (default true). */
  cooldown?: boolean
  /** Where a 429's cooldown applies (default 'model': providers limit per model); a 503 cools the upstream. */
  cooldownScope?: CooldownScope
  /** Longest cooldown, whatever Retry-After says (default 300,000 ms). */
  maxCooldownMs?: number
  /** Order of equal candidates (default 'weighted': a weighted random draw). */
  balance?: BalanceMode
  /** Decay time of the peak-EWMA latency used by 'p2c-ewma' (default 10,000 ms, as Finagle). */
  ewmaDecayMs?: number
  /** GET each upstream every `intervalMs` and eject or restore on the result (`true`: the defaults). Default: off. */
  activeCheck?: ActiveCheckOptions | boolean
}

export interface ResolvedActiveCheck {
  readonly intervalMs: number
  readonly timeoutMs: number
  /** Undefined: each upstream's warm-up path. */
  readonly path: string | undefined
}

export interface ResolvedHealth {
  readonly consecutiveGatewayFailures: number
  readonly consecutive5xx: number
  readonly baseEjectionMs: number
  readonly maxEjectionMs: number
  readonly maxEjectionPercent: number
  readonly cooldown: boolean
  readonly cooldownScope: CooldownScope
  readonly maxCooldownMs: number
  readonly balance: BalanceMode
  readonly ewmaDecayMs: number
  readonly activeCheck: ResolvedActiveCheck | undefined
}

/** The defaults, from the one defaults literal (config/defaults.ts). */
export const HEALTH_DEFAULTS = DEFAULTS.health

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!allowed.includes(value as T)) fail(field, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value)
  return value as T
}

function resolveActiveCheck(input: unknown): ResolvedActiveCheck | undefined {
  if (input === undefined || input === false) return undefined
  const a = object('health.activeCheck', input === true ? {} : input) as ActiveCheckOptions
  const d = HEALTH_DEFAULTS.activeCheck
  return Object.freeze({
    intervalMs: integer('health.activeCheck.intervalMs', a.intervalMs, 1, d.intervalMs),
    timeoutMs: integer('health.activeCheck.timeoutMs', a.timeoutMs, 1, d.timeoutMs),
    path: a.path === undefined ? undefined : path('health.activeCheck.path', a.path, '/'),
  })
}

/**
 * Checks `health` and fills in the defaults; undefined when it is `false` (off).
 *
 * @example
 * resolveHealth({ baseEjectionMs: 10_000 }).maxEjectionMs // 300000
 * resolveHealth(false) // undefined
 */
export function resolveHealth(input: unknown): ResolvedHealth | undefined {
  if (input === false) return undefined
  const h = object('health', input === undefined || input === true ? {} : input) as HealthOptions
  const d = HEALTH_DEFAULTS
  const baseEjectionMs = integer('health.baseEjectionMs', h.baseEjectionMs, 1, d.baseEjectionMs)
  // As Envoy: the cap is at least the base (a cap below it would make every ejection shorter than asked).
  const maxEjectionMs = Math.max(
    integer('health.maxEjectionMs', h.maxEjectionMs, 1, d.maxEjectionMs),
    baseEjectionMs,
  )
  const maxEjectionPercent = integer(
    'health.maxEjectionPercent',
    h.maxEjectionPercent,
    0,
    d.maxEjectionPercent,
  )
  if (maxEjectionPercent > 100)
    fail('health.maxEjectionPercent', 'an integer from 0 to 100', maxEjectionPercent)
  if (h.cooldown !== undefined && typeof h.cooldown !== 'boolean')
    fail('health.cooldown', 'a boolean', h.cooldown)
  return Object.freeze({
    consecutiveGatewayFailures: integer(
      'health.consecutiveGatewayFailures',
      h.consecutiveGatewayFailures,
      0,
      d.consecutiveGatewayFailures,
    ),
    consecutive5xx: integer('health.consecutive5xx', h.consecutive5xx, 0, d.consecutive5xx),
    baseEjectionMs,
    maxEjectionMs,
    maxEjectionPercent,
    cooldown: h.cooldown ?? d.cooldown,
    cooldownScope: oneOf<CooldownScope>(
      'health.cooldownScope',
      h.cooldownScope,
      ['model', 'upstream'],
      d.cooldownScope,
    ),
    maxCooldownMs: integer('health.maxCooldownMs', h.maxCooldownMs, 0, d.maxCooldownMs),
    balance: oneOf<BalanceMode>('health.balance', h.balance, ['weighted', 'p2c-ewma'], d.balance),
    ewmaDecayMs: integer('health.ewmaDecayMs', h.ewmaDecayMs, 1, d.ewmaDecayMs),
    activeCheck: resolveActiveCheck(h.activeCheck),
  })
}
