/**
 * Active health checks through a real gateway (opt-in): with no client traffic at all, the checks
 * eject an upstream that went down and restore it once it is back and its ejection has run out.
 */
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UpstreamEvent } from '../../src/index.js'
import { gatewayApp } from '../egress/helpers.js'

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('active health checks', () => {
  let mock: MockUpstream
  beforeAll(async () => {
    mock = await createMockUpstream()
  })
  afterAll(() => mock.close())

  it('eject a dead upstream and restore it when it answers again, without a request', async () => {
    const made = await gatewayApp({
      upstream: { origin: mock.url, warmupPath: '/v1/models' },
      health: { consecutiveGatewayFailures: 2, baseEjectionMs: 50, activeCheck: { intervalMs: 20 } },
    })
    const events: UpstreamEvent[] = []
    made.gateway.on('upstream', (e) => events.push(e))
    try {
      await until(() => mock.received.length > 0)
      expect(mock.received[0]).toMatchObject({ method: 'GET', path: '/v1/models' })
      await mock.down()
      await until(() => events.length > 0)
      expect(events[0]).toMatchObject({
        type: 'ejected',
        upstream: 'default',
        reason: 'consecutive-gateway-failures',
      })
      await mock.up()
      await until(() => events.some((e) => e.type === 'restored'))
      expect(events.at(-1)).toEqual({ type: 'restored', upstream: 'default', by: 'active-check' })
      expect(made.gateway.stats().upstreams[0]!.health).toMatchObject({ state: 'healthy' })
    } finally {
      await made.close()
    }
  })
})
