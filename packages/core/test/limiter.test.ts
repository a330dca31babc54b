import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { send } from '@velox/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { createLimitBuffer, type ExchangeRecord } from '../src/index.js'
import { abandonableChat, chat, keyOf, limits, sleep, useLimitFixture } from './limit-fixture.js'

const f = useLimitFixture()

function errorOf(res: { body: Buffer }) {
  return JSON.parse(res.body.toString()).error
}

describe('the limiter on the request path', () => {
  it('is off unless asked for: no x-ratelimit-* of its own, no stats section', async () => {
    const { gateway, url } = await f.app(false)
    const res = await chat(url, 'sk-a')
    expect(res.status).toBe(200)
    expect(limits(res)).toEqual({})
    expect(gateway.stats().limit).toBeUndefined()
  })

  it('answers with the caller bucket in x-ratelimit-*, then 429 with Retry-After once it is empty', async () => {
    const { gateway, url } = await f.app({ rpm: 600, burst: 3, maxWaitMs: 0 }) // a request every 100 ms
    const first = await chat(url, 'sk-alice')
    expect(first.status).toBe(200)
    expect(limits(first)).toEqual({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '2',
      'x-ratelimit-reset-requests': '100ms', // the bucket was made at this request: one whole step
    })
    expect((await chat(url, 'sk-alice')).status).toBe(200)
    expect((await chat(url, 'sk-alice')).status).toBe(200)
    const limited = await chat(url, 'sk-alice')
    expect(limited.status).toBe(429)
    expect(limited.headers['retry-after']).toBe('1')
    expect(Number(limited.headers['retry-after-ms'])).toBeGreaterThanOrEqual(1)
    expect(Number(limited.headers['retry-after-ms'])).toBeLessThanOrEqual(100)
    expect(limits(limited)['x-ratelimit-remaining-requests']).toBe('0')
    expect(limits(limited)['x-ratelimit-limit-requests']).toBe('3')
    const error = errorOf(limited)
    expect(error).toEqual({
      message: expect.stringMatching(
        /^Rate limit reached for requests per min \(RPM\): Limit 600, burst 3\. Please try again in \d+ms\.$/,
      ),
      type: 'requests',
      param: null,
      code: 'VELOX_ERR_RATE_LIMITED',
    })
    // Another caller has its own bucket.
    expect(limits(await chat(url, 'sk-bob'))['x-ratelimit-remaining-requests']).toBe('2')
    expect(gateway.stats().limit).toEqual({
      store: 'memory',
      queueDepth: 0,
      admitted: 4,
      queued: 0,
      rejected: { rateLimited: 1, waitTimeout: 0, tooLarge: 0, queueFull: 0, unavailable: 0 },
      cancelled: 0,
      failedOpen: 0,
      storeErrors: 0,
      keys: 2,
      evictedActive: 0,
    })
  })

  it('counts GET and DELETE requests too', async () => {
    const { url } = await f.app({ rpm: 60, burst: 2, maxWaitMs: 0 })
    const headers = { authorization: 'Bearer sk-get' }
    expect((await send(`${url}/v1/models`, { headers })).status).toBe(200)
    expect((await send(`${url}/v1/models/gpt-4o`, { method: 'DELETE', headers })).status).toBe(404) // the mock's answer
    const third = await send(`${url}/v1/models`, { headers })
    expect(third.status).toBe(429)
    expect(errorOf(third).code).toBe('VELOX_ERR_RATE_LIMITED')
  })

  it('keys by a hash of the API key, never the key itself, else by the client IP', async () => {
    const { gateway, url } = await f.app({ rpm: 60, burst: 1, maxWaitMs: 0 })
    const records: ExchangeRecord[] = []
    gateway.on('exchange', (r) => records.push(r))
    const secret = 'sk-proj-very-secret-0123456789'
    const ok = await chat(url, secret)
    const limited = await chat(url, secret)
    const viaHeader = await send(`${url}/v1/models`, { headers: { 'x-api-key': 'sk-other' } })
    const anonymous = await send(`${url}/v1/models`)
    expect([ok.status, limited.status, viaHeader.status, anonymous.status]).toEqual([200, 429, 200, 200])
    await vi.waitFor(() => expect(records).toHaveLength(4))
    expect(records.map((r) => r.key)).toEqual([
      keyOf(secret),
      keyOf(secret),
      keyOf('sk-other'),
      'ip:127.0.0.1',
    ])
    for (const res of [ok, limited]) {
      expect(JSON.stringify(res.headers)).not.toContain(secret)
      expect(res.body.toString()).not.toContain(secret)
    }
    // The client's key is not the upstream's business either.
    expect(JSON.stringify(f.mock.received.map((r) => r.headers))).not.toContain(secret)
  })

  it('uses limit.key when it gives a key, the default when it gives none', async () => {
    const { gateway, url } = await f.app({
      rpm: 60,
      burst: 1,
      maxWaitMs: 0,
      key: (req) => req.headers['x-user'] as string | undefined,
    })
    const records: ExchangeRecord[] = []
    gateway.on('exchange', (r) => records.push(r))
    expect((await chat(url, 'sk-1', {}, { 'x-user': 'u1' })).status).toBe(200)
    expect((await chat(url, 'sk-2', {}, { 'x-user': 'u1' })).status).toBe(429) // same user, other key
    expect((await chat(url, 'sk-2')).status).toBe(200)
    await vi.waitFor(() => expect(records).toHaveLength(3))
    expect(records.map((r) => r.key)).toEqual(['u1', 'u1', keyOf('sk-2')])
  })

  it("replaces the upstream's x-ratelimit-* (the owner's account) with the caller's", async () => {
    const upstream = await f.serve(
      createServer((_req, res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-ratelimit-limit-requests': '10000',
          'x-ratelimit-remaining-requests': '9999',
          'x-ratelimit-reset-requests': '6ms',
          'x-ratelimit-limit-tokens': '30000000',
          'x-request-id': 'req_1',
        })
        res.end('{"object":"list","data":[]}')
      }),
    )
    const { url } = await f.app({ rpm: 600, burst: 5 }, { upstream: { origin: upstream } })
    const res = await send(`${url}/v1/models`, { headers: { authorization: 'Bearer sk-x' } })
    expect(res.status).toBe(200)
    expect(res.headers['x-request-id']).toBe('req_1')
    expect(limits(res)).toEqual({
      'x-ratelimit-limit-requests': '5',
      'x-ratelimit-remaining-requests': '4',
      'x-ratelimit-reset-requests': '100ms',
    })
    const { url: plain } = await f.app(false, { upstream: { origin: upstream } })
    expect(limits(await send(`${plain}/v1/models`))['x-ratelimit-limit-requests']).toBe('10000')
  })

  it('puts x-ratelimit-* on the errors the gateway makes after admission (upstream unreachable)', async () => {
    const probe = createServer().listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const { port } = probe.address() as AddressInfo
    await new Promise((resolve) => probe.close(resolve)) // nothing listens there now
    const { url } = await f.app({ rpm: 600, burst: 5 }, { upstream: { origin: `http://127.0.0.1:${port}` } })
    const res = await chat(url, 'sk-u')
    expect(res.status).toBe(502)
    expect(errorOf(res).code).toBe('VELOX_ERR_UPSTREAM_UNREACHABLE')
    expect(limits(res)).toEqual({
      'x-ratelimit-limit-requests': '5',
      'x-ratelimit-remaining-requests': '4',
      'x-ratelimit-reset-requests': '100ms',
    })
  })
})

describe('waiting for a refill', () => {
  it('serves waiting requests in arrival order as the bucket refills', async () => {
    const { gateway, url } = await f.app({ rpm: 600, burst: 1, maxWaitMs: 5_000 }) // one every 100 ms
    expect((await chat(url, 'sk-q', { user: 'r0' })).status).toBe(200)
    const pending: Array<Promise<{ status: number }>> = []
    for (let i = 1; i <= 4; i++) {
      pending.push(chat(url, 'sk-q', { user: `r${i}` }))
      await vi.waitFor(() => expect(gateway.stats().limit!.queued).toBe(i)) // arrived, in this order
    }
    const statuses = (await Promise.all(pending)).map((r) => r.status)
    expect(statuses).toEqual([200, 200, 200, 200])
    const order = f.mock.received
      .map((r) => (r.body.length > 0 ? JSON.parse(r.body.toString()).user : undefined))
      .filter((user) => /^r\d$/.test(user ?? ''))
    expect(order).toEqual(['r0', 'r1', 'r2', 'r3', 'r4'])
    expect(gateway.stats().limit).toMatchObject({ admitted: 5, queued: 4, queueDepth: 0 })
  })

  it('answers 429 at the deadline a request waited to, and at once when the refill comes too late', async () => {
    const { gateway, url } = await f.app({ rpm: 60, burst: 1, maxWaitMs: 1_500 }) // refills in 1 s
    expect((await chat(url, 'sk-w')).status).toBe(200)
    const second = chat(url, 'sk-w') // the refill comes in 1 s: it waits
    await vi.waitFor(() => expect(gateway.stats().limit!.queued).toBe(1))
    const third = chat(url, 'sk-w') // behind the second: its turn would come at 2 s, after 1.5 s
    await vi.waitFor(() => expect(gateway.stats().limit!.queued).toBe(2))
    const [s2, s3] = await Promise.all([second, third])
    expect(s2.status).toBe(200)
    expect(s3.status).toBe(429)
    expect(errorOf(s3).code).toBe('VELOX_ERR_RATE_LIMITED')
    expect(['1', '2']).toContain(s3.headers['retry-after'])
    expect(limits(s3)['x-ratelimit-limit-requests']).toBe('1')
    expect(gateway.stats().limit!.rejected).toMatchObject({ rateLimited: 0, waitTimeout: 1 })

    const fast = await f.app({ rpm: 60, burst: 1, maxWaitMs: 150 })
    expect((await chat(fast.url, 'sk-w')).status).toBe(200)
    const now = await chat(fast.url, 'sk-w') // the refill is 1 s away, more than 150 ms
    expect(now.status).toBe(429)
    expect(now.headers['retry-after']).toBe('1')
    expect(fast.gateway.stats().limit).toMatchObject({
      queued: 0,
      rejected: { rateLimited: 1, waitTimeout: 0 },
    })
  })

  it('answers 503 VELOX_ERR_QUEUE_FULL when queueDepth requests already wait', async () => {
    const { gateway, url } = await f.app({ rpm: 60, burst: 1, maxWaitMs: 5_000, queueDepth: 1 }) // 1 s refill
    expect((await chat(url, 'sk-f')).status).toBe(200)
    const waiting = chat(url, 'sk-f')
    await vi.waitFor(() => expect(gateway.stats().limit!.queueDepth).toBe(1))
    const full = await chat(url, 'sk-f')
    expect(full.status).toBe(503)
    expect(errorOf(full)).toEqual({
      message: 'Too many requests are waiting for their rate limit',
      type: 'server_error',
      param: null,
      code: 'VELOX_ERR_QUEUE_FULL',
    })
    expect(full.headers['retry-after']).toBe('1')
    expect(full.headers['retry-after-ms']).toBe('1000')
    // It never asked its bucket (it would have queued behind the waiter): the limiter looked.
    expect(limits(full)).toMatchObject({
      'x-ratelimit-limit-requests': '1',
      'x-ratelimit-remaining-requests': '0',
    })
    expect(limits(full)['x-ratelimit-reset-requests']).toMatch(/^\d+ms$|^1s$/)
    expect((await waiting).status).toBe(200)
    expect(gateway.stats().limit!.rejected.queueFull).toBe(1)
  })

  it('lets a client that leaves while waiting go at once, taking nothing', async () => {
    const { gateway, url } = await f.app({ rpm: 60, burst: 1, maxWaitMs: 5_000 }) // refills in 1 s
    expect((await chat(url, 'sk-gone')).status).toBe(200)
    const before = f.mock.received.length
    const leaving = abandonableChat(url, 'sk-gone')
    await vi.waitFor(() => expect(gateway.stats().limit!.queueDepth).toBe(1))
    leaving.abort()
    await vi.waitFor(() => expect(gateway.stats().limit!.cancelled).toBe(1))
    expect(gateway.stats().limit!.queueDepth).toBe(0)
    expect(gateway.stats().requests.active).toBe(0)
    expect(gateway.stats().requests.clientAborted).toBe(1)
    await sleep(1_100) // the refill: had the leaver taken it, the next request would have to wait
    const next = await chat(url, 'sk-gone')
    expect(next.status).toBe(200)
    expect(gateway.stats().limit).toMatchObject({ admitted: 2, queued: 1, cancelled: 1 })
    expect(f.mock.received.length).toBe(before + 1)
  })

  it('answers waiters 503 VELOX_ERR_SHUTTING_DOWN when the gateway closes', async () => {
    const { gateway, url } = await f.app({ rpm: 60, burst: 1, maxWaitMs: 5_000 })
    expect((await chat(url, 'sk-close')).status).toBe(200)
    const waiting = chat(url, 'sk-close')
    await vi.waitFor(() => expect(gateway.stats().limit!.queueDepth).toBe(1))
    await gateway.close()
    const res = await waiting
    expect(res.status).toBe(503)
    expect(errorOf(res).code).toBe('VELOX_ERR_SHUTTING_DOWN')
  })
})

describe('token limits', () => {
  // tpm 1 refills one token a minute: within a test the numbers are exact.
  const tokens = { rpm: 600, burst: 100, tpm: 1, tokenBurst: 1_000, maxWaitMs: 0 }
  const message = 'count these words' // 17 bytes: 5 prompt tokens at the mock

  function reserved(body: object): number {
    const json = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: message }],
      ...body,
    })
    return ((body as { max_tokens?: number }).max_tokens ?? 0) + Math.ceil(Buffer.byteLength(json) / 4)
  }

  it('reserves max tokens + body bytes / 4, then refunds down to the usage', async () => {
    const { url } = await f.app(tokens)
    const body = { max_tokens: 100, messages: [{ role: 'user', content: message }] }
    const first = await chat(url, 'sk-t', body)
    expect(first.status).toBe(200)
    expect(limits(first)).toMatchObject({
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': String(1_000 - reserved(body)),
    })
    expect(limits(first)['x-ratelimit-reset-tokens']).toMatch(/^\d+h\d+m[\d.]+s$|^\d+m[\d.]+s$/)
    const usage = JSON.parse(first.body.toString()).usage
    const second = await chat(url, 'sk-t', body)
    expect(limits(second)['x-ratelimit-remaining-tokens']).toBe(
      String(1_000 - usage.prompt_tokens - usage.completion_tokens - reserved(body)),
    )
  })

  it('settles a stream from its usage chunk, and keeps the reservation when the stream has none (usage.ensure off)', async () => {
    const { url } = await f.app(tokens, { usage: { ensure: false } })
    const withUsage = { stream: true, stream_options: { include_usage: true }, max_tokens: 50 }
    const first = await chat(url, 'sk-s', { ...withUsage, messages: [{ role: 'user', content: message }] })
    const events = first.body.toString().split('\n\n')
    const usage = JSON.parse(events.at(-3)!.slice(6)).usage
    const noUsage = { stream: true, max_tokens: 50 }
    const second = await chat(url, 'sk-s', { ...noUsage, messages: [{ role: 'user', content: message }] })
    expect(second.status).toBe(200)
    const third = await chat(url, 'sk-s', { max_tokens: 1, messages: [{ role: 'user', content: message }] })
    const used = usage.prompt_tokens + usage.completion_tokens
    expect(limits(third)['x-ratelimit-remaining-tokens']).toBe(
      String(1_000 - used - reserved(noUsage) - reserved({ max_tokens: 1 })),
    )
  })

  it('charges the difference when the usage is above the estimate (estimateTokens)', async () => {
    const { url } = await f.app({ ...tokens, estimateTokens: () => 1 })
    const first = await chat(url, 'sk-e', { messages: [{ role: 'user', content: message }] })
    expect(limits(first)['x-ratelimit-remaining-tokens']).toBe('999')
    const usage = JSON.parse(first.body.toString()).usage
    const second = await chat(url, 'sk-e')
    expect(limits(second)['x-ratelimit-remaining-tokens']).toBe(
      String(1_000 - usage.prompt_tokens - usage.completion_tokens - 1),
    )
  })

  it('answers 429 VELOX_ERR_TOKEN_RATE_LIMITED when the tokens run out, and refuses at once a request that can never fit', async () => {
    const { gateway, url } = await f.app({ ...tokens, tokenBurst: 300 }, { usage: { ensure: false } })
    // A stream without usage keeps its reservation of about 225 tokens.
    expect((await chat(url, 'sk-l', { max_tokens: 200, stream: true })).status).toBe(200)
    const limited = await chat(url, 'sk-l', { max_tokens: 200 })
    expect(limited.status).toBe(429)
    expect(errorOf(limited)).toMatchObject({ type: 'tokens', code: 'VELOX_ERR_TOKEN_RATE_LIMITED' })
    expect(errorOf(limited).message).toMatch(
      /^Rate limit reached for tokens per min \(TPM\): Limit 1, Requested \d+\./,
    )
    const before = f.mock.received.length
    const huge = await chat(url, 'sk-l', { max_tokens: 5_000 })
    expect(huge.status).toBe(429)
    expect(errorOf(huge)).toMatchObject({ type: 'tokens', code: 'VELOX_ERR_TOKENS_OVER_LIMIT' })
    expect(f.mock.received.length).toBe(before)
    expect(gateway.stats().limit!.rejected).toMatchObject({ rateLimited: 1, tooLarge: 1 })
  })

  it('settles a stream that did not ask for usage from the usage the gateway asked for (usage.ensure, on with tpm)', async () => {
    const { url } = await f.app(tokens)
    const first = await chat(url, 'sk-u', {
      stream: true,
      max_tokens: 50,
      messages: [{ role: 'user', content: message }],
    })
    // The client did not ask for usage, and gets no usage chunk and no "usage":null.
    expect(first.body.toString()).not.toContain('"usage"')
    expect(f.mock.received.at(-1)!.body.toString()).toContain('"stream_options":{"include_usage":true}')
    const asked = await chat(url, 'sk-u2', {
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 50,
      messages: [{ role: 'user', content: message }],
    })
    const usage = JSON.parse(asked.body.toString().split('\n\n').at(-3)!.slice(6)).usage
    const second = await chat(url, 'sk-u', { max_tokens: 1, messages: [{ role: 'user', content: message }] })
    expect(limits(second)['x-ratelimit-remaining-tokens']).toBe(
      String(1_000 - usage.prompt_tokens - usage.completion_tokens - reserved({ max_tokens: 1 })),
    )
  })
})

describe('overrides and sharing', () => {
  it('applies the first override that matches the model or the path, each with its own buckets', async () => {
    const { url } = await f.app({
      rpm: 60,
      burst: 5,
      maxWaitMs: 0,
      overrides: [
        { model: 'gpt-4o', burst: 1 },
        { path: '/embeddings', burst: 2 },
      ],
    })
    const first = await chat(url, 'sk-o', { model: 'gpt-4o' })
    expect(limits(first)['x-ratelimit-limit-requests']).toBe('1')
    expect((await chat(url, 'sk-o', { model: 'gpt-4o' })).status).toBe(429)
    expect(limits(await chat(url, 'sk-o'))).toMatchObject({
      'x-ratelimit-limit-requests': '5',
      'x-ratelimit-remaining-requests': '4',
    })
    const embed = await send(`${url}/v1/embeddings`, {
      body: JSON.stringify({ model: 'text-embedding-3-small', input: 'x' }),
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-o' },
    })
    expect(limits(embed)).toMatchObject({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '1',
    })
  })

  it('shares one set of limits between gateways given the same buffer (as worker_threads do)', async () => {
    const buffer = createLimitBuffer(1_024)
    const limit = { rpm: 60, burst: 3, maxWaitMs: 0, store: { buffer } }
    const a = await f.app(limit)
    const b = await f.app(limit)
    const statuses = []
    for (const url of [a.url, b.url, a.url, b.url]) statuses.push((await chat(url, 'sk-shared')).status)
    expect(statuses).toEqual([200, 200, 200, 429])
  })
})
