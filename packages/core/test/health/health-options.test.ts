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
  })

  it.each([
    [{ consecutive5xx: -1 }, 'health.consecutive5xx must be a non-negative integer (got -1)'],
    [
      { consecutiveGatewayFailures: 1.5 },
      'health.consecutiveGatewayFailures must be a non-negative integer (got 1.5)',
    ],
    [{ baseEjectionMs: 0 }, 'health.baseEjectionMs must be an integer >= 1 (got 0)'],
    [
      { baseEjectionMs: 10, maxEjectionMs: 5 },
      'health.maxEjectionMs must be at least health.baseEjectionMs (10) (got 5)',
    ],
    [{ maxEjectionPercent: 101 }, 'health.maxEjectionPercent must be an integer from 0 to 100 (got 101)'],
    [{ cooldown: 'yes' }, 'health.cooldown must be a boolean (got "yes")'],
    [{ cooldownScope: 'key' }, "health.cooldownScope must be one of 'model', 'upstream' (got \"key\")"],
    [{ balance: 'p2c' }, "health.balance must be one of 'weighted', 'p2c-ewma' (got \"p2c\")"],
    [{ activeCheck: { intervalMs: 0 } }, 'health.activeCheck.intervalMs must be an integer >= 1 (got 0)'],
    [
      { activeCheck: { path: 'models' } },
      'health.activeCheck.path must be a path starting with "/" (no query, no spaces) (got "models")',
    ],
    [
      { activeCheck: { interval: 5 } },
      'health.activeCheck.interval must be one of intervalMs, timeoutMs, path (got "interval")',
    ],
    [{ baseEjection: 5 }, 'health.baseEjection must be one of'],
    ['on', 'health must be an object (got "on")'],
  ])('rejects %j naming the field', (input, message) => {
    expect(() => resolveHealth(input)).toThrow(VeloxOptionsError)
    expect(() => resolveHealth(input)).toThrow(message)
  })
})
