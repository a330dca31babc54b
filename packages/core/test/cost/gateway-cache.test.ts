/**
 * The response cache in a real gateway: real HTTP servers on 127.0.0.1 port 0, the official
 * openai SDK as the client, @velox/mock-upstream as the upstream, and the shared Redis for the
 * fleet store.
 */
import type OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { deletePrefix, randomPrefix, SHARED_REDIS } from '../redis-helpers.js'
import { gatewayApps, sdk } from './gateway-app.js'

const { app, mock, afterFile } = gatewayApps()
const messages = (content: string) => [{ role: 'user' as const, content }]

async function streamText(client: OpenAI, content: string, extra: object = {}) {
  const { data, response } = await client.chat.completions
    .create({ model: 'gpt-4o-mini', messages: messages(content), stream: true, ...extra })
    .withResponse()
  const chunks: unknown[] = []
  for await (const chunk of data) chunks.push(chunk)
  return { chunks, cache: response.headers.get('x-velox-cache') }
}

describe('response cache through the gateway', () => {
  it('misses then hits a JSON answer with the same bytes, and tells which in x-velox-cache', async () => {
    const { gateway, url, events } = await app({ cache: { ttlMs: 60_000 } })
    const client = sdk(url, 'sk-tenant-a')
    const before = mock().received.length
    const first = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: messages('cache me') })
      .withResponse()
    const second = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: messages('cache me') })
      .withResponse()
    expect(first.response.headers.get('x-velox-cache')).toBe('miss')
    expect(second.response.headers.get('x-velox-cache')).toBe('hit')
    expect(second.data).toEqual(first.data)
    expect(mock().received.length).toBe(before + 1)
    expect(gateway.stats().cache).toMatchObject({ hits: 1, misses: 1, bypasses: 0, stored: 1, entries: 1 })
    expect(events.map((e) => [e.cached, e.status, e.cost])).toEqual([
      [false, 200, undefined],
      [true, 200, 0],
    ])
  })

  it('replays a stream as the same events, and never a stream to a JSON request', async () => {
    const { url } = await app({ cache: { ttlMs: 60_000 } })
    const client = sdk(url, 'sk-tenant-a')
    const before = mock().received.length
    const first = await streamText(client, 'stream me')
    const second = await streamText(client, 'stream me')
    expect([first.cache, second.cache]).toEqual(['miss', 'hit'])
    expect(second.chunks).toEqual(first.chunks)
    expect(first.chunks.length).toBeGreaterThan(2)
    expect(mock().received.length).toBe(before + 1)
    const json = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: messages('stream me') })
      .withResponse()
    expect(json.response.headers.get('x-velox-cache')).toBe('miss')
    expect(json.response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(mock().received.length).toBe(before + 2)
  })

  it('never gives one tenant the answer of another', async () => {
    const { url } = await app({ cache: { ttlMs: 60_000 } })
    const before = mock().received.length
    const a = await sdk(url, 'sk-tenant-a')
      .chat.completions.create({ model: 'gpt-4o-mini', messages: messages('same body') })
      .withResponse()
    const b = await sdk(url, 'sk-tenant-b')
      .chat.completions.create({ model: 'gpt-4o-mini', messages: messages('same body') })
      .withResponse()
    const a2 = await sdk(url, 'sk-tenant-a')
      .chat.completions.create({ model: 'gpt-4o-mini', messages: messages('same body') })
      .withResponse()
    expect([a, b, a2].map((r) => r.response.headers.get('x-velox-cache'))).toEqual(['miss', 'miss', 'hit'])
    expect(mock().received.length).toBe(before + 2)
  })

  it('bypasses on cache-control no-cache or no-store, and stores no truncated stream', async () => {
    const { gateway, url } = await app({ cache: { ttlMs: 60_000 } })
    const client = sdk(url, 'sk-tenant-c')
    const noCache = { headers: { 'cache-control': 'no-cache' } }
    const r1 = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: messages('fresh') }, noCache)
      .withResponse()
    const r2 = await client.chat.completions
      .create(
        { model: 'gpt-4o-mini', messages: messages('fresh') },
        { headers: { 'cache-control': 'no-store' } },
      )
      .withResponse()
    expect([r1, r2].map((r) => r.response.headers.get('x-velox-cache'))).toEqual(['bypass', 'bypass'])
    // max_tokens 1 cuts the answer: finish_reason "length", never stored.
    const cut1 = await streamText(client, 'a long answer please', { max_tokens: 1 })
    const cut2 = await streamText(client, 'a long answer please', { max_tokens: 1 })
    expect([cut1.cache, cut2.cache]).toEqual(['miss', 'miss'])
    expect(gateway.stats().cache).toMatchObject({ hits: 0, misses: 2, bypasses: 2, stored: 0 })
  })

  it("stores no stream the upstream cut, and says x-velox-cache on the gateway's own errors", async () => {
    const { url, gateway } = await app({
      cache: { ttlMs: 60_000 },
      limit: { rpm: 60, burst: 3, maxWaitMs: 0 },
    })
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'cut me' }],
    })
    const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-cut' }
    const cut = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'x-mock-fault': 'reset-mid-stream' },
      body,
    })
    expect(cut.headers.get('x-velox-cache')).toBe('miss')
    await expect(cut.text()).rejects.toThrow()
    const whole = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body })
    expect(whole.headers.get('x-velox-cache')).toBe('miss')
    expect(await whole.text()).toMatch(/data: \[DONE\]\n\n$/)
    const hit = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body })
    expect(hit.headers.get('x-velox-cache')).toBe('hit')
    await hit.text()
    // The burst of 3 is spent (a hit counts against the requests per minute); the 429 still says what the cache found.
    const limited = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('x-velox-cache')).toBe('hit')
    await limited.text()
    expect(gateway.stats().cache).toMatchObject({ stored: 1 })
  })

  it('shares answers between gateways through the Redis store', async () => {
    const prefix = randomPrefix()
    afterFile(() => deletePrefix(SHARED_REDIS, prefix))
    const cache = { ttlMs: 60_000, store: { redis: SHARED_REDIS, prefix, timeoutMs: 5_000 } }
    const one = await app({ cache })
    const two = await app({ cache })
    const before = mock().received.length
    const first = await streamText(sdk(one.url, 'sk-fleet'), 'fleet')
    // The store's SET is not awaited by the request: wait until it is there.
    for (let i = 0; i < 100; i++) {
      const { Redis } = await import('ioredis')
      const client = new Redis(SHARED_REDIS)
      const keys = await client.keys(`${prefix}*`)
      client.disconnect()
      if (keys.length === 1) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const second = await streamText(sdk(two.url, 'sk-fleet'), 'fleet')
    expect([first.cache, second.cache]).toEqual(['miss', 'hit'])
    expect(second.chunks).toEqual(first.chunks)
    expect(mock().received.length).toBe(before + 1)
  })
})
