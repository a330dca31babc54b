import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { postJson } from '@velox/test-utils'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ExchangeRecord } from '../../src/index.js'
import { chat, gatewayApp, upstreamStats } from './helpers.js'

/** Mock controls that make the first `n` requests of `id` fail with `status`. */
const failFirst = (n: number, status: number, id: string, extra: Record<string, string> = {}) => ({
  'x-mock-fail-first': String(n),
  'x-mock-fail-id': id,
  'x-mock-status': String(status),
  ...extra,
})

describe('retries and fallbacks', () => {
  let primary: MockUpstream
  let backup: MockUpstream
  const apps: Array<{ close(): Promise<void> }> = []
  const app = async (options: Parameters<typeof gatewayApp>[0]) => {
    const made = await gatewayApp(options)
    apps.push(made)
    return made
  }
  const fast = { baseDelayMs: 5, maxDelayMs: 20 }

  beforeAll(async () => {
    primary = await createMockUpstream()
    backup = await createMockUpstream()
  })
  afterAll(async () => {
    for (const a of apps) await a.close()
    await primary.close()
    await backup.close()
  })
  beforeEach(() => {
    primary.reset()
    backup.reset()
  })

  it('retries a 503 on the same upstream, replays the same body bytes, and logs each attempt', async () => {
    const logged: Array<[unknown, string | undefined]> = []
    const log = (obj: unknown, msg?: string) => logged.push([obj, msg])
    const logger = { debug: log, info: log, warn: log, error: log }
    const { url, gateway } = await app({ upstream: { origin: primary.url }, retry: fast, logger })
    const res = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o', 'again'), failFirst(1, 503, 'r1'))
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body.toString()).choices[0].message.content).toBe('Mock reply to: again')
    expect(primary.received).toHaveLength(2)
    expect(primary.received[1]!.body.equals(primary.received[0]!.body)).toBe(true)
    expect(upstreamStats(gateway, 'default')).toMatchObject({ attempts: 2, retries: 1, failures: 1 })
    expect(gateway.stats().buffers.inUse).toBe(0)
    expect(logged.map(([obj, msg]) => [msg, (obj as { upstream: string }).upstream])).toEqual([
      ['velox: retrying', 'default'],
      ['velox: upstream attempt', 'default'],
    ])
    expect(JSON.stringify(logged)).not.toContain('Bearer')
  })

  it('passes the last failure through when every attempt failed', async () => {
    const { url, gateway } = await app({ upstream: { origin: primary.url }, retry: fast })
    const res = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'), {
      'x-mock-status': '500',
    })
    expect(res.status).toBe(500)
    expect(JSON.parse(res.body.toString()).error.type).toBe('server_error')
    expect(primary.received).toHaveLength(2)
    expect(upstreamStats(gateway, 'default')).toMatchObject({ attempts: 2, retries: 1 })
  })

  it('does not retry a status outside retry.statuses (400)', async () => {
    const { url } = await app({ upstream: { origin: primary.url }, retry: fast })
    const res = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'), { 'x-mock-status': '400' })
    expect(res.status).toBe(400)
    expect(primary.received).toHaveLength(1)
  })

  it('falls back to the next candidate when an upstream keeps failing', async () => {
    const { url, gateway } = await app({
      upstreams: [
        // Every request to `primary` carries a control that makes the mock answer 503.
        { name: 'primary', origin: primary.url, headers: { 'x-mock-status': '503' } },
        { name: 'backup', origin: backup.url },
      ],
      routes: [{ model: '*', upstreams: ['primary', 'backup'] }],
      retry: { ...fast, attempts: 3 },
    })
    const records: ExchangeRecord[] = []
    gateway.on('exchange', (r) => records.push(r))
    const res = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o', 'fallback'))
    expect(res.status).toBe(200)
    expect(records.map((r) => [r.upstream, r.attempts, r.fallbacks])).toEqual([['backup', 4, 1]])
    expect(primary.received).toHaveLength(3)
    expect(backup.received).toHaveLength(1)
    expect(upstreamStats(gateway, 'primary')).toMatchObject({
      attempts: 3,
      retries: 2,
      failures: 3,
      fallbacks: 0,
    })
    expect(upstreamStats(gateway, 'backup')).toMatchObject({ attempts: 1, retries: 0, fallbacks: 1 })
  })

  it('falls back at once when Retry-After asks for longer than maxRetryAfterMs', async () => {
    const { url } = await app({
      upstreams: [
        {
          name: 'primary',
          origin: primary.url,
          headers: { 'x-mock-status': '429', 'x-mock-retry-after': '3600' },
        },
        { name: 'backup', origin: backup.url },
      ],
      routes: [{ model: '*', upstreams: ['primary', 'backup'] }],
      retry: { ...fast, attempts: 5, maxRetryAfterMs: 1_000 },
    })
    const res = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'))
    expect(res.status).toBe(200)
    expect(primary.received).toHaveLength(1)
    expect(backup.received).toHaveLength(1)
  })

  it('falls back when the first upstream refuses connections', async () => {
    const { url, gateway } = await app({
      upstreams: [
        { name: 'gone', origin: 'http://127.0.0.1:9' },
        { name: 'backup', origin: backup.url },
      ],
      routes: [{ model: '*', upstreams: ['gone', 'backup'] }],
      retry: fast,
    })
    const res = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'))
    expect(res.status).toBe(200)
    expect(upstreamStats(gateway, 'gone')).toMatchObject({ attempts: 2, failures: 2 })
    expect(upstreamStats(gateway, 'backup')).toMatchObject({ attempts: 1, fallbacks: 1 })
  })

  it('never retries once response bytes reached the client', async () => {
    const { url, gateway } = await app({ upstream: { origin: primary.url }, retry: fast })
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-mock-fault': 'reset-mid-stream',
        'x-mock-chunks': '8',
      },
      body: JSON.stringify({ ...chat('gpt-4o'), stream: true }),
    })
    expect(res.status).toBe(200)
    await expect(res.text()).rejects.toThrow()
    expect(primary.received).toHaveLength(1)
    expect(gateway.stats().requests.upstreamFailedMidResponse).toBe(1)
  })

  it('stops waiting to retry when the client leaves, and never sends the retry', async () => {
    const { url, gateway } = await app({
      upstream: { origin: primary.url },
      retry: { ...fast, maxRetryAfterMs: 60_000 },
    })
    const controller = new AbortController()
    const request = fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', 'x-mock-status': '503', 'x-mock-retry-after': '30' },
      body: JSON.stringify(chat('gpt-4o')),
    }).catch((e: Error) => e)
    while (primary.received.length === 0) await new Promise((r) => setTimeout(r, 5))
    while (upstreamStats(gateway, 'default').failures === 0) await new Promise((r) => setTimeout(r, 5))
    controller.abort()
    expect(await request).toBeInstanceOf(Error)
    while (gateway.stats().requests.active > 0) await new Promise((r) => setTimeout(r, 5))
    expect(gateway.stats().requests.clientAborted).toBe(1)
    expect(upstreamStats(gateway, 'default').attempts).toBe(1)
    expect(primary.received).toHaveLength(1)
  })
})
