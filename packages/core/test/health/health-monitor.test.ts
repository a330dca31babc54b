import { describe, expect, it } from 'vitest'
import { ActiveChecker } from '../../src/health/active-check.js'
import { HealthMonitor } from '../../src/health/health-monitor.js'
import { resolveHealth } from '../../src/health/health-options.js'
import type { UpstreamEvent } from '../../src/health/health-types.js'

function setup(health: Parameters<typeof resolveHealth>[0] = { baseEjectionMs: 1_000 }) {
  let now = 0
  const events: UpstreamEvent[] = []
  const lines: Array<[string, unknown, string | undefined]> = []
  const logger = {
    info: (obj: unknown, msg?: string) => lines.push(['info', obj, msg]),
    warn: (obj: unknown, msg?: string) => lines.push(['warn', obj, msg]),
  }
  const monitor = new HealthMonitor({
    options: resolveHealth(health)!,
    names: ['a', 'b'],
    clock: () => now,
    wallClock: () => 1_000_000 + now,
    logger,
    onEvent: (e) => events.push(e),
  })
  const fail = (name: string) =>
    monitor.attemptEnded({
      upstream: name,
      admission: monitor.begin(name, false),
      outcome: 'gateway-failure',
      latencyMs: 5,
    })
  return { monitor, events, lines, fail, at: (t: number) => (now = t) }
}

describe('HealthMonitor', () => {
  it('publishes each change once: one log line and one event', () => {
    const { monitor, events, lines, fail, at } = setup()
    for (let i = 0; i < 5; i++) fail('a')
    monitor.cooled('b', 429, 2_000, 'gpt-4o')
    monitor.cooled('b', 429, 1_000, 'gpt-4o') // shorter: no change, no line
    at(1_000)
    monitor.attemptEnded({
      upstream: 'a',
      admission: monitor.begin('a', false),
      outcome: 'success',
      latencyMs: 5,
    })
    expect(events.map((e) => e.type)).toEqual(['ejected', 'cooldown', 'restored'])
    expect(lines).toEqual([
      ['warn', events[0], 'velox: upstream a ejected'],
      ['info', events[1], 'velox: upstream b cooling down'],
      ['info', events[2], 'velox: upstream a restored'],
    ])
  })

  it('counts ejected upstreams, ejections and cooldowns for the metrics', () => {
    const { monitor, fail, at } = setup()
    expect(monitor.totals()).toEqual({ ejected: 0, ejections: 0, cooldowns: 0 })
    for (let i = 0; i < 5; i++) fail('a')
    monitor.cooled('b', 503, 2_000, undefined)
    expect(monitor.totals()).toEqual({ ejected: 1, ejections: 1, cooldowns: 1 })
    at(1_000)
    fail('a') // the probe fails: ejected again
    expect(monitor.totals()).toEqual({ ejected: 1, ejections: 2, cooldowns: 1 })
    expect(monitor.snapshot('a')).toMatchObject({
      state: 'ejected',
      ejectedUntil: 1_000_000 + 3_000,
      timesEjected: 2,
    })
    expect(monitor.snapshot('b')).toMatchObject({ state: 'healthy', cooldownUntil: 1_000_000 + 2_000 })
    expect(monitor.snapshot('nope')).toBeUndefined()
  })

  it('ignores upstreams it does not know', () => {
    const { monitor, events } = setup()
    expect(monitor.begin('x', false)).toBe('normal')
    monitor.attemptEnded({ upstream: 'x', admission: 'normal', outcome: 'server-error', latencyMs: 1 })
    monitor.cooled('x', 429, 1_000, undefined)
    monitor.attemptAbandoned('x', 'normal')
    expect(events).toEqual([])
  })
})

describe('ActiveChecker', () => {
  it('ejects on failed checks, keeps an ejection to its end, and restores on a passing check after it', async () => {
    const { monitor, events, at } = setup()
    const statuses: Record<string, number | Error> = { a: 500, b: 200 }
    const checker = new ActiveChecker({
      monitor,
      options: { intervalMs: 1_000, timeoutMs: 100, path: undefined },
      request: async (name) => {
        const s = statuses[name]!
        if (s instanceof Error) throw s
        return s
      },
    })
    for (let i = 0; i < 5; i++) await checker.tick()
    expect(events).toEqual([
      { type: 'ejected', upstream: 'a', reason: 'consecutive-5xx', durationMs: 1_000, timesEjected: 1 },
    ])
    statuses.a = 200
    await checker.tick() // still inside the ejection: a pass does not cut it short
    expect(monitor.get('a')!.state).toBe('ejected')
    at(1_000)
    statuses.a = new Error('ECONNREFUSED')
    await checker.tick() // half-open and the check fails: ejected again, for longer
    expect(events[1]).toEqual({
      type: 'ejected',
      upstream: 'a',
      reason: 'active-check',
      durationMs: 2_000,
      timesEjected: 2,
    })
    at(3_000)
    statuses.a = 204
    await checker.tick()
    expect(events[2]).toEqual({ type: 'restored', upstream: 'a', by: 'active-check' })
    expect(monitor.get('b')!.state).toBe('healthy')
    await checker.stop()
  })

  it('runs on its timer once started, and stops', async () => {
    const { monitor } = setup()
    let calls = 0
    const checker = new ActiveChecker({
      monitor,
      options: { intervalMs: 5, timeoutMs: 100, path: undefined },
      request: async () => {
        calls++
        return 200
      },
    })
    checker.start()
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (calls >= 4) {
          clearInterval(poll)
          resolve()
        }
      }, 1)
    })
    await checker.stop()
    const after = calls
    await new Promise((r) => setTimeout(r, 30))
    expect(calls).toBe(after)
  })
})
