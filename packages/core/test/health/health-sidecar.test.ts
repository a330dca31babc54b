/**
 * Health as the sidecar's /metrics shows it, end to end: a real gateway with its sidecar, the mock
 * upstream answering 429 with Retry-After and then 500s, and the three health metrics read back
 * from a scrape once the main thread's sample has reached the sidecar.
 */
import { postJson, send } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseExposition, sampleValue } from '../helpers/prometheus.js'
import { type SidecarFixture, startSidecarFixture } from '../helpers/sidecar-fixture.js'

describe('health metrics on /metrics', () => {
  let f: SidecarFixture
  beforeAll(async () => {
    f = await startSidecarFixture({
      retry: { attempts: 1 },
      health: { consecutive5xx: 2 },
      sidecar: { sampleIntervalMs: 20 },
    })
  })
  afterAll(() => f.close())

  it('exports velox_upstream_ejected, velox_upstream_ejections_total and velox_upstream_cooldowns_total', async () => {
    const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }
    f.mock.setFaults({ status: 429, retryAfter: '30' })
    expect((await postJson(`${f.app}/v1/chat/completions`, chat)).status).toBe(429)
    f.mock.setFaults({ status: 500 })
    for (let i = 0; i < 2; i++) {
      expect((await postJson(`${f.app}/v1/chat/completions`, { ...chat, model: 'gpt-4o' })).status).toBe(500)
    }
    expect(f.gateway.stats().upstreams[0]!.health).toMatchObject({
      state: 'ejected',
      ejections: 1,
      cooldowns: 1,
    })
    const labels = { upstream: 'default' }
    for (;;) {
      const m = parseExposition((await send(`${f.sidecar}/metrics`)).body.toString())
      if (sampleValue(m, 'velox_upstream_ejections_total', labels) === 1) {
        expect(sampleValue(m, 'velox_upstream_ejected', labels)).toBe(1)
        expect(sampleValue(m, 'velox_upstream_cooldowns_total', labels)).toBe(1)
        break
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  })
})
