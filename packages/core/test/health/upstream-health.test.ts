import { describe, expect, it } from 'vitest'
import { resolveHealth } from '../../src/health/health-options.js'
import { UpstreamHealth } from '../../src/health/upstream-health.js'

const options = resolveHealth({ baseEjectionMs: 1_000, maxEjectionMs: 3_000 })!

/** Runs one admitted attempt to its end. */
function attempt(h: UpstreamHealth, outcome: 'success' | 'gateway-failure' | 'server-error', now: number) {
  const admission = h.begin(now, false)
  return { admission, event: h.end(admission, outcome, 10, now) }
}

describe('UpstreamHealth', () => {
  it('ejects after 5 consecutive gateway failures, for baseEjectionMs', () => {
    const h = new UpstreamHealth('a', options)
    for (let i = 0; i < 4; i++) expect(attempt(h, 'gateway-failure', 0).event).toBeUndefined()
    expect(h.isAvailable(undefined, 0)).toBe(true)
    expect(attempt(h, 'gateway-failure', 0).event).toEqual({
      type: 'ejected',
      upstream: 'a',
      reason: 'consecutive-gateway-failures',
      durationMs: 1_000,
      timesEjected: 1,
    })
    expect(h.isAvailable(undefined, 999)).toBe(false)
    expect(h.begin(999, false)).toBe('refused')
    expect(h.isAvailable(undefined, 1_000)).toBe(true)
    expect(h.state).toBe('half-open')
  })

  it('ejects after 5 consecutive 5xx; a response in between starts the count again', () => {
    const h = new UpstreamHealth('a', options)
    for (let i = 0; i < 4; i++) attempt(h, 'server-error', 0)
    attempt(h, 'success', 0)
    for (let i = 0; i < 4; i++) expect(attempt(h, 'server-error', 0).event).toBeUndefined()
    expect(attempt(h, 'server-error', 0).event).toMatchObject({ type: 'ejected', reason: 'consecutive-5xx' })
  })

  it('counts transport failures toward the 5xx count too (mixed failures still eject)', () => {
    const h = new UpstreamHealth('a', options)
    for (const o of ['server-error', 'gateway-failure', 'server-error', 'gateway-failure'] as const)
      attempt(h, o, 0)
    expect(h.consecutiveGateway).toBe(1)
    expect(attempt(h, 'server-error', 0).event).toMatchObject({ type: 'ejected', reason: 'consecutive-5xx' })
  })

  it('lets exactly one probe through when half-open; its success restores', () => {
    const h = new UpstreamHealth('a', options)
    for (let i = 0; i < 5; i++) attempt(h, 'gateway-failure', 0)
    expect(h.begin(1_000, false)).toBe('probe')
    expect(h.isAvailable(undefined, 1_000)).toBe(false)
    expect(h.begin(1_000, false)).toBe('refused')
    expect(h.begin(1_000, true)).toBe('normal')
    h.abandon('normal')
    expect(h.end('probe', 'success', 10, 1_001)).toEqual({ type: 'restored', upstream: 'a', by: 'probe' })
    expect(h.state).toBe('healthy')
    expect(h.inFlight).toBe(0)
  })

  it('re-ejects for longer when the probe fails: base x times, capped by maxEjectionMs', () => {
    const h = new UpstreamHealth('a', options)
    for (let i = 0; i < 5; i++) attempt(h, 'gateway-failure', 0)
    const second = attempt(h, 'gateway-failure', 1_000)
    expect(second).toEqual({
      admission: 'probe',
      event: { type: 'ejected', upstream: 'a', reason: 'probe-failed', durationMs: 2_000, timesEjected: 2 },
    })
    expect(h.isAvailable(undefined, 2_999)).toBe(false)
    expect(h.isAvailable(undefined, 3_000)).toBe(true)
    expect(attempt(h, 'server-error', 3_000).event).toMatchObject({ durationMs: 3_000, timesEjected: 3 })
    expect(attempt(h, 'server-error', 6_000).event).toMatchObject({ durationMs: 3_000, timesEjected: 4 })
  })

  it('frees the probe slot when the probe is abandoned', () => {
    const h = new UpstreamHealth('a', options)
    for (let i = 0; i < 5; i++) attempt(h, 'gateway-failure', 0)
    h.abandon(h.begin(1_000, false))
    expect(h.begin(1_000, false)).toBe('probe')
  })

  it('earns the multiplier back while healthy, one step per baseEjectionMs', () => {
    const h = new UpstreamHealth('a', options)
    for (let i = 0; i < 5; i++) attempt(h, 'gateway-failure', 0)
    attempt(h, 'gateway-failure', 1_000) // probe fails: times 2
    attempt(h, 'success', 3_000) // restored at 3 s
    for (let i = 0; i < 4; i++) attempt(h, 'gateway-failure', 4_500)
    // 1.5 s healthy: one step earned back (2 -> 1), then this ejection makes it 2 again.
    expect(attempt(h, 'gateway-failure', 4_500).event).toMatchObject({ durationMs: 2_000, timesEjected: 2 })
  })

  it('ignores failures of panic traffic while ejected, and restores on its success', () => {
    const h = new UpstreamHealth('a', options)
    for (let i = 0; i < 5; i++) attempt(h, 'gateway-failure', 0)
    expect(h.begin(10, true)).toBe('normal')
    expect(h.end('normal', 'gateway-failure', 10, 10)).toBeUndefined()
    expect(h.ejectedUntil).toBe(1_000)
    expect(h.end(h.begin(20, true), 'success', 10, 20)).toEqual({
      type: 'restored',
      upstream: 'a',
      by: 'traffic',
    })
  })

  it('never ejects when both thresholds are 0', () => {
    const h = new UpstreamHealth('a', resolveHealth({ consecutive5xx: 0, consecutiveGatewayFailures: 0 })!)
    for (let i = 0; i < 50; i++) expect(attempt(h, 'gateway-failure', 0).event).toBeUndefined()
  })

  it('cools a model on 429 and the whole upstream on 503, capped by maxCooldownMs', () => {
    const h = new UpstreamHealth('a', resolveHealth({ maxCooldownMs: 60_000 })!)
    expect(h.cool(429, 2_000, 'gpt-4o', 0)).toEqual({
      type: 'cooldown',
      upstream: 'a',
      model: 'gpt-4o',
      status: 429,
      durationMs: 2_000,
    })
    expect(h.isAvailable('gpt-4o', 1_999)).toBe(false)
    expect(h.isAvailable('gpt-4o', 2_000)).toBe(true)
    expect(h.isAvailable('gpt-4o-mini', 0)).toBe(true)
    expect(h.cool(503, 3_600_000, 'gpt-4o', 0)).toMatchObject({ model: undefined, durationMs: 60_000 })
    expect(h.isAvailable('gpt-4o-mini', 59_999)).toBe(false)
    expect(h.cooldownCount).toBe(2)
  })

  it('extends a cooldown on a later 429 and never shortens it', () => {
    const h = new UpstreamHealth('a', options)
    h.cool(429, 2_000, 'm', 0)
    expect(h.cool(429, 1_000, 'm', 500)).toBeUndefined()
    expect(h.coolingUntil('m', 500)).toBe(2_000)
    expect(h.cool(429, 2_000, 'm', 1_000)).toMatchObject({ durationMs: 2_000 })
    expect(h.coolingUntil('m', 2_999)).toBe(3_000)
  })

  it('cools per upstream with the upstream scope, and not at all when cooldown is off or Retry-After is 0', () => {
    const scoped = new UpstreamHealth('a', resolveHealth({ cooldownScope: 'upstream' })!)
    expect(scoped.cool(429, 1_000, 'm', 0)).toMatchObject({ model: undefined })
    expect(scoped.isAvailable('other', 0)).toBe(false)
    const off = new UpstreamHealth('a', resolveHealth({ cooldown: false })!)
    expect(off.cool(429, 1_000, 'm', 0)).toBeUndefined()
    expect(new UpstreamHealth('a', options).cool(429, 0, 'm', 0)).toBeUndefined()
  })

  it('shows its state in a snapshot with wall-clock dates', () => {
    const h = new UpstreamHealth('a', options)
    for (let i = 0; i < 5; i++) attempt(h, 'gateway-failure', 0)
    h.cool(503, 4_000, undefined, 0)
    expect(h.snapshot(250, 1_700_000_000_000)).toEqual({
      state: 'ejected',
      consecutiveGatewayFailures: 0,
      consecutive5xx: 0,
      ejectedUntil: 1_700_000_000_750,
      timesEjected: 1,
      cooldownUntil: 1_700_000_003_750,
      modelsCooling: 0,
      ewmaLatencyMs: 10,
      inFlight: 0,
      ejections: 1,
      cooldowns: 1,
    })
  })
})
