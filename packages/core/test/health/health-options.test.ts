import { describe, expect, it } from 'vitest'
import { VeloxOptionsError } from '../../src/errors.js'
import { HEALTH_DEFAULTS, resolveHealth } from '../../src/health/health-options.js'
import { resolveOptions } from '../../src/options.js'

describe('health options', () => {
  it('are on with the defaults when absent or true, and off when false', () => {
    const on = resolveHealth(undefined)!
    expect(on).toEqual({
      consecutiveGatewayFailures: 5,
      consecutive5xx: 5,
      baseEjectionMs: 30_000,
      maxEjectionMs: 300_000,
      maxEjectionPercent: 100,
      cooldown: true,
      cooldownScope: 'model',
      maxCooldownMs: 300_000,
      balance: 'weighted',
      ewmaDecayMs: 10_000,
      activeCheck: undefined,
    })
    expect(Object.isFrozen(on)).toBe(true)
    expect(resolveHealth(true)).toEqual(on)
    expect(resolveHealth(false)).toBeUndefined()
  })

  it('are part of the gateway options', () => {
    expect(resolveOptions({}).health).toEqual(resolveHealth(undefined))
    expect(resolveOptions({ health: false }).health).toBeUndefined()
    expect(() => resolveOptions({ health: { consecutive5xx: -1 } })).toThrow('health.consecutive5xx')
  })

  it('refuses unknown keys with the nearest known one (config/known-keys.ts)', () => {
    expect(() => resolveOptions({ health: { baseEjection: 5 } } as never)).toThrow(
      'health.baseEjection is not a known option; did you mean health.baseEjectionMs?',
    )
    expect(() => resolveOptions({ health: { activeCheck: { interval: 5 } } } as never)).toThrow(
      'health.activeCheck.interval is not a known option',
    )
    expect(() => resolveOptions({ retry: { onTimeouts: true } } as never)).toThrow(
      'retry.onTimeouts is not a known option; did you mean retry.onTimeout?',
    )
  })

  it('turns active checks on with their defaults or the given fields', () => {
    expect(resolveHealth({ activeCheck: true })!.activeCheck).toEqual({
      intervalMs: HEALTH_DEFAULTS.activeCheck.intervalMs,
      timeoutMs: HEALTH_DEFAULTS.activeCheck.timeoutMs,
      path: undefined,
    })
    expect(resolveHealth({ activeCheck: { intervalMs: 500, path: '/health/' } })!.activeCheck).toEqual({
      intervalMs: 500,
      timeoutMs: 5_000,
      path: '/health',
    })
    expect(resolveHealth({ activeCheck: false })!.activeCheck).toBeUndefined()
  })

  it('keeps the ejection cap at least the base when only the base is given', () => {
    expect(resolveHealth({ baseEjectionMs: 600_000 })!.maxEjectionMs).toBe(600_000)
    expect(resolveHealth({ baseEjectionMs: 10, maxEjectionMs: 5 })!.maxEjectionMs).toBe(10) // as Envoy
  })

  it.each([
    [{ consecutive5xx: -1 }, 'health.consecutive5xx must be a non-negative integer (got -1)'],
    [
      { consecutiveGatewayFailures: 1.5 },
      'health.consecutiveGatewayFailures must be a non-negative integer (got 1.5)',
    ],
    [{ baseEjectionMs: 0 }, 'health.baseEjectionMs must be an integer >= 1 (got 0)'],
    [{ maxEjectionMs: 0 }, 'health.maxEjectionMs must be an integer >= 1 (got 0)'],
    [{ maxEjectionPercent: 101 }, 'health.maxEjectionPercent must be an integer from 0 to 100 (got 101)'],
    [{ cooldown: 'yes' }, 'health.cooldown must be a boolean (got "yes")'],
    [{ cooldownScope: 'key' }, "health.cooldownScope must be one of 'model', 'upstream' (got \"key\")"],
    [{ balance: 'p2c' }, "health.balance must be one of 'weighted', 'p2c-ewma' (got \"p2c\")"],
    [{ activeCheck: { intervalMs: 0 } }, 'health.activeCheck.intervalMs must be an integer >= 1 (got 0)'],
    [
      { activeCheck: { path: 'models' } },
      'health.activeCheck.path must be a path starting with "/" (no query, no spaces) (got "models")',
    ],
    ['on', 'health must be an object (got "on")'],
  ])('rejects %j naming the field', (input, message) => {
    expect(() => resolveHealth(input)).toThrow(VeloxOptionsError)
    expect(() => resolveHealth(input)).toThrow(message)
  })
})
