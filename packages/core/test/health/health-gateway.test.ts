/**
 * Upstream health through a real gateway: two @velox/mock-upstream servers behind one route, the
 * mock's server-wide faults making one of them fail, and the mocks' request logs proving where
 * each attempt went. Time is the health monitor's injected clock, moved by hand, so nothing here
 * waits for an ejection or a cooldown to run out.
 */
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { postJson } from '@velox/test-utils'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { UpstreamEvent, VeloxOptions } from '../../src/index.js'
import { gatewayCore } from '../../src/internal.js'
import { chat, gatewayApp } from '../egress/helpers.js'
import { captureLogger } from '../helpers/capture-logger.js'

let primary: MockUpstream
let fallback: MockUpstream
const closers: Array<() => Promise<void>> = []

beforeAll(async () => {
  primary = await createMockUpstream()
  fallback = await createMockUpstream()
})
beforeEach(() => {
  primary.reset()
  fallback.reset()
})
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
  await primary.up()
})
afterAll(async () => {
  await primary.close()
  await fallback.close()
})

/** A gateway routing every model to [primary, fallback], with a hand-moved health clock. */
async function twoUpstreams(extra: Partial<VeloxOptions> = {}) {
  const log = captureLogger()
  const made = await gatewayApp({
    upstreams: [
      { name: 'primary', origin: primary.url },
      { name: 'fallback', origin: fallback.url },
    ],
    routes: [{ model: '*', upstreams: ['primary', 'fallback'] }],
    retry: { attempts: 1, baseDelayMs: 0 },
    logger: log.logger,
    ...extra,
  })
  closers.push(made.close)
  const clock = { now: 0 }
  const monitor = gatewayCore(made.gateway).health
  if (monitor !== undefined) monitor.clock = () => clock.now
  const events: UpstreamEvent[] = []
  made.gateway.on('upstream', (e) => events.push(e))
  const send = async (model = 'gpt-4o') => {
    const res = await postJson(`${made.url}/v1/chat/completions`, chat(model))
    return res.status
  }
  return { ...made, clock, events, send, log }
}

const health = (
  gateway: { stats(): { upstreams: Array<{ name: string; health?: unknown }> } },
  name: string,
) => gateway.stats().upstreams.find((u) => u.name === name)!.health as Record<string, unknown>

describe('outlier ejection', () => {
  it('ejects after 5 consecutive failures: the 6th request goes to the fallback with no attempt on the ejected upstream', async () => {
    const { send, events, gateway, log } = await twoUpstreams()
    await primary.down()
    for (let i = 0; i < 5; i++) expect(await send()).toBe(200)
    expect(fallback.received).toHaveLength(5)
    expect(events).toEqual([
      {
        type: 'ejected',
        upstream: 'primary',
        reason: 'consecutive-gateway-failures',
        durationMs: 30_000,
        timesEjected: 1,
      },
    ])
    await primary.up()
    expect(await send()).toBe(200)
    expect(primary.received).toHaveLength(0) // up again, but ejected: never tried
    expect(fallback.received).toHaveLength(6)
    expect(health(gateway, 'primary')).toMatchObject({ state: 'ejected', timesEjected: 1, ejections: 1 })
    expect(log.lines.filter((l) => l.msg === 'velox: upstream primary ejected')).toHaveLength(1)
  })

  it('ejects after 5 consecutive 5xx, and the half-open probe restores the upstream', async () => {
    const { send, events, clock } = await twoUpstreams()
    primary.setFaults({ status: 500 })
    for (let i = 0; i < 5; i++) expect(await send()).toBe(200)
    expect(primary.received).toHaveLength(5)
    expect(events.at(-1)).toMatchObject({ type: 'ejected', reason: 'consecutive-5xx', durationMs: 30_000 })
    primary.setFaults(null)
    clock.now = 29_999
    await send()
    expect(primary.received).toHaveLength(5)
    clock.now = 30_000
    expect(await send()).toBe(200) // the probe
    expect(primary.received).toHaveLength(6)
    expect(events.at(-1)).toEqual({ type: 'restored', upstream: 'primary', by: 'probe' })
    await send()
    expect(primary.received).toHaveLength(7)
  })

  it('re-ejects for twice as long when the probe fails', async () => {
    const { send, events, clock } = await twoUpstreams()
    primary.setFaults({ status: 502 })
    for (let i = 0; i < 5; i++) await send()
    clock.now = 30_000
    expect(await send()).toBe(200) // probe fails on primary, the fallback answers
    expect(primary.received).toHaveLength(6)
    expect(events.at(-1)).toEqual({
      type: 'ejected',
      upstream: 'primary',
      reason: 'probe-failed',
      durationMs: 60_000,
      timesEjected: 2,
    })
    clock.now = 89_999
    await send()
    expect(primary.received).toHaveLength(6)
    clock.now = 90_000
    await send()
    expect(primary.received).toHaveLength(7)
  })

  it('tries every candidate anyway when all are ejected (panic), never a 503 without trying', async () => {
    const { send, gateway } = await twoUpstreams()
    primary.setFaults({ status: 500 })
    fallback.setFaults({ status: 500 })
    for (let i = 0; i < 5; i++) expect(await send()).toBe(500)
    expect(health(gateway, 'primary')).toMatchObject({ state: 'ejected' })
    expect(health(gateway, 'fallback')).toMatchObject({ state: 'ejected' })
    primary.setFaults(null)
    expect(await send()).toBe(200)
    expect(primary.received).toHaveLength(6)
  })

  it('is off with health: false (every request pays its own failed attempt)', async () => {
    const { send, events } = await twoUpstreams({ health: false })
    await primary.down()
    for (let i = 0; i < 7; i++) expect(await send()).toBe(200)
    expect(events).toEqual([])
    expect(fallback.received).toHaveLength(7)
  })
})

describe('cooldown on 429', () => {
  it('skips the upstream for exactly the Retry-After, per model; a later 429 extends it', async () => {
    const { send, events, clock, gateway } = await twoUpstreams()
    primary.setFaults({ status: 429, retryAfter: '2' })
    expect(await send('gpt-4o')).toBe(200) // 429 on primary, the fallback at once
    expect(primary.received).toHaveLength(1)
    expect(fallback.received).toHaveLength(1)
    expect(events).toEqual([
      { type: 'cooldown', upstream: 'primary', model: 'gpt-4o', status: 429, durationMs: 2_000 },
    ])
    primary.setFaults(null)
    clock.now = 1_999
    await send('gpt-4o')
    expect(primary.received).toHaveLength(1) // still cooling
    await send('gpt-4o-mini')
    expect(primary.received).toHaveLength(2) // another model is not
    clock.now = 2_000
    primary.setFaults({ status: 429, retryAfter: '3' })
    await send('gpt-4o')
    expect(primary.received).toHaveLength(3) // cooled down: tried, and 429 again
    primary.setFaults(null)
    clock.now = 4_999
    await send('gpt-4o')
    expect(primary.received).toHaveLength(3)
    clock.now = 5_000
    await send('gpt-4o')
    expect(primary.received).toHaveLength(4)
    expect(health(gateway, 'primary')).toMatchObject({ cooldowns: 2, modelsCooling: 0 })
  })
})

describe('p2c-ewma', () => {
  it('sends most traffic to the faster of two equal upstreams', async () => {
    const log = captureLogger()
    const made = await gatewayApp({
      upstreams: [
        { name: 'slow', origin: primary.url },
        { name: 'fast', origin: fallback.url },
      ],
      routes: [{ model: '*', upstreams: [['slow', 'fast']] }],
      // A short decay: a load spike on the fast mock is forgotten within a few requests.
      health: { balance: 'p2c-ewma', ewmaDecayMs: 200 },
      logger: log.logger,
    })
    closers.push(made.close)
    primary.setFaults({ latencyMs: 50 })
    for (let i = 0; i < 40; i++) {
      const res = await postJson(`${made.url}/v1/chat/completions`, chat('gpt-4o'))
      expect(res.status).toBe(200)
    }
    expect(primary.received.length + fallback.received.length).toBe(40)
    expect(fallback.received.length).toBeGreaterThan(primary.received.length * 2)
  })
})

describe('retries that never double a hung or billed call', () => {
  it('answers a hung upstream 504 in one attempt', async () => {
    const { url } = await gatewayApp({
      upstream: { origin: primary.url },
      timeouts: { headersMs: 2_000 },
    }).then((made) => {
      closers.push(made.close)
      return made
    })
    primary.setFaults({ fault: 'hang' })
    const res = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'))
    expect(res.status).toBe(504)
    expect(JSON.parse(res.body.toString()).error.code).toBe('VELOX_ERR_UPSTREAM_HEADERS_TIMEOUT')
    expect(primary.received).toHaveLength(1)
  })

  it('retries a reset after the body was written only for idempotent endpoints', async () => {
    const made = await gatewayApp({ upstream: { origin: primary.url }, health: false })
    closers.push(made.close)
    primary.setFaults({ fault: 'reset-before-headers' })
    const chatRes = await postJson(`${made.url}/v1/chat/completions`, chat('gpt-4o'))
    expect(chatRes.status).toBe(502)
    expect(primary.received).toHaveLength(1)
    const embed = await postJson(`${made.url}/v1/embeddings`, {
      model: 'text-embedding-3-small',
      input: 'hi',
    })
    expect(embed.status).toBe(502)
    expect(primary.received).toHaveLength(3) // two attempts
  })
})
