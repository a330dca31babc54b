import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { Pool } from 'undici'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ActiveChecker } from '../../src/health/active-check.js'
import { HealthMonitor } from '../../src/health/health-monitor.js'
import { resolveHealth } from '../../src/health/health-options.js'
import type { UpstreamEvent } from '../../src/health/health-types.js'
import { poolCheck } from '../../src/health/pool-check.js'

let mock: MockUpstream
let pool: Pool

beforeAll(async () => {
  mock = await createMockUpstream()
  pool = new Pool(mock.url)
})
beforeEach(() => mock.reset())
afterAll(async () => {
  await pool.close()
  await mock.close()
})

describe('active checks against a real upstream', () => {
  it('GETs the path with the credentials, ejects on failures and restores once the ejection is over', async () => {
    let now = 0
    const events: UpstreamEvent[] = []
    const monitor = new HealthMonitor({
      options: resolveHealth({ consecutive5xx: 2, baseEjectionMs: 1_000 })!,
      names: ['mock'],
      clock: () => now,
      onEvent: (e) => events.push(e),
    })
    const checker = new ActiveChecker({
      monitor,
      options: { intervalMs: 1_000, timeoutMs: 2_000, path: undefined },
      request: poolCheck((name) =>
        name === 'mock' ? { pool, path: '/v1/models', headers: ['authorization', 'Bearer k'] } : undefined,
      ),
    })
    await checker.tick()
    expect(mock.received.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ['GET', '/v1/models', 'Bearer k'],
    ])
    mock.setFaults({ status: 503 })
    await checker.tick()
    await checker.tick()
    expect(events).toEqual([
      { type: 'ejected', upstream: 'mock', reason: 'consecutive-5xx', durationMs: 1_000, timesEjected: 1 },
    ])
    await mock.down()
    now = 1_000
    await checker.tick() // refused while half-open: ejected again
    expect(events[1]).toMatchObject({ type: 'ejected', reason: 'active-check', durationMs: 2_000 })
    await mock.up()
    mock.setFaults(null)
    now = 3_000
    await checker.tick()
    expect(events[2]).toEqual({ type: 'restored', upstream: 'mock', by: 'active-check' })
  })

  it('fails a check for an unknown upstream without throwing', async () => {
    const request = poolCheck(() => undefined)
    await expect(request('nope', AbortSignal.timeout(1_000))).rejects.toThrow('no upstream named nope')
  })
})
