import { request } from 'node:http'
import OpenAI, { InternalServerError, RateLimitError } from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createMockUpstream, MOCK_HEADERS, type MockUpstream } from '../src/index.js'
import { postJson, rawRequest, settledWithin, splitEvents, until } from './helpers.js'

let mock: MockUpstream

beforeAll(async () => {
  mock = await createMockUpstream()
})
beforeEach(() => mock.reset())
afterAll(() => mock.close())

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }
const streamChat = { ...chat, stream: true }

describe('x-mock-status', () => {
  it('replies 429 rate_limit_exceeded with the exact Retry-After', async () => {
    const reply = await rawRequest(mock.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'x-mock-status': '429', 'x-mock-retry-after': '7' },
      body: JSON.stringify(chat),
    })
    expect(reply.status).toBe(429)
    expect(reply.headers['retry-after']).toBe('7')
    expect(reply.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/)
    expect(reply.body.toString()).toBe(
      '{"error":{"message":"Rate limit reached for requests. Please try again later.","type":"requests","param":null,"code":"rate_limit_exceeded"}}',
    )
  })

  it.each([
    [401, 'invalid_request_error', 'invalid_api_key'],
    [500, 'server_error', 'server_error'],
    [503, 'server_error', 'service_unavailable'],
    [502, 'server_error', null],
    [418, 'invalid_request_error', null],
  ])('replies %i with type %s and code %s', async (status, type, code) => {
    const res = await postJson(mock.url, '/v1/chat/completions', chat, {
      [MOCK_HEADERS.status]: String(status),
    })
    expect(res.status).toBe(status)
    expect(res.headers.get('retry-after')).toBeNull()
    const body = (await res.json()) as { error: object }
    expect(body.error).toMatchObject({ type, code, param: null })
  })

  it('surfaces as the SDK error class', async () => {
    const client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1`, maxRetries: 0 })
    await expect(
      client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { [MOCK_HEADERS.status]: '429' } },
      ),
    ).rejects.toBeInstanceOf(RateLimitError)
  })
})

describe('x-mock-fail-first', () => {
  const send = (id: string, extra: Record<string, string> = {}) =>
    postJson(mock.url, '/v1/chat/completions', chat, {
      [MOCK_HEADERS.failFirst]: '2',
      [MOCK_HEADERS.failId]: id,
      ...extra,
    }).then((res) => res.status)

  it('fails the first N requests of an id, then succeeds', async () => {
    expect(await send('a', { [MOCK_HEADERS.status]: '503' })).toBe(503)
    expect(await send('a', { [MOCK_HEADERS.status]: '503' })).toBe(503)
    expect(await send('a', { [MOCK_HEADERS.status]: '503' })).toBe(200)
    expect(await send('a', { [MOCK_HEADERS.status]: '503' })).toBe(200)
  })

  it('counts per id and defaults to 500', async () => {
    expect(await send('b')).toBe(500)
    expect(await send('c')).toBe(500)
    expect(await send('b')).toBe(500)
    expect(await send('b')).toBe(200)
    expect(await send('c')).toBe(500)
    expect(await send('c')).toBe(200)
  })

  it('starts over after reset()', async () => {
    expect(await send('d')).toBe(500)
    expect(await send('d')).toBe(500)
    expect(await send('d')).toBe(200)
    mock.reset()
    expect(await send('d')).toBe(500)
  })

  it('lets the SDK retry to success', async () => {
    const client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1`, maxRetries: 2 })
    const completion = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      {
        headers: {
          [MOCK_HEADERS.failFirst]: '2',
          [MOCK_HEADERS.failId]: 'sdk',
          [MOCK_HEADERS.status]: '503',
          [MOCK_HEADERS.retryAfter]: '0',
        },
      },
    )
    expect(completion.choices[0].message.content).toBe('Mock reply to: hi')
    expect(mock.received).toHaveLength(3)
  })

  it('gives up with the SDK error when the failures outlast the retries', async () => {
    const client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1`, maxRetries: 1 })
    await expect(
      client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        {
          headers: {
            [MOCK_HEADERS.failFirst]: '5',
            [MOCK_HEADERS.failId]: 'sdk-2',
            [MOCK_HEADERS.retryAfter]: '0',
          },
        },
      ),
    ).rejects.toBeInstanceOf(InternalServerError)
    expect(mock.received).toHaveLength(2)
  })

  it('gates faults too', async () => {
    const headers = {
      'content-type': 'application/json',
      [MOCK_HEADERS.failFirst]: '1',
      [MOCK_HEADERS.failId]: 'fault',
      [MOCK_HEADERS.fault]: 'reset-before-headers',
    }
    const options = { method: 'POST', path: '/v1/chat/completions', headers, body: JSON.stringify(chat) }
    await expect(rawRequest(mock.url, options)).rejects.toMatchObject({ code: 'ECONNRESET' })
    expect((await rawRequest(mock.url, options)).status).toBe(200)
  })
})

describe('x-mock-latency-ms', () => {
  it('holds the response back: a slower request started first finishes last', async () => {
    const order: string[] = []
    const slow = postJson(mock.url, '/v1/chat/completions', chat, { [MOCK_HEADERS.latencyMs]: '300' }).then(
      () => order.push('slow'),
    )
    await until(() => mock.received.length === 1)
    const fast = postJson(mock.url, '/v1/chat/completions', chat).then(() => order.push('fast'))
    await Promise.all([slow, fast])
    expect(order).toEqual(['fast', 'slow'])
  })

  it('applies the server-wide latencyMs, which the header overrides', async () => {
    const slowServer = await createMockUpstream({ latencyMs: 300 })
    try {
      const order: string[] = []
      const slow = postJson(slowServer.url, '/v1/chat/completions', chat).then(() => order.push('default'))
      await until(() => slowServer.received.length === 1)
      const fast = postJson(slowServer.url, '/v1/chat/completions', chat, {
        [MOCK_HEADERS.latencyMs]: '0',
      }).then(() => order.push('override'))
      await Promise.all([slow, fast])
      expect(order).toEqual(['override', 'default'])
    } finally {
      await slowServer.close()
    }
  })
})

describe('x-mock-chunk-delay-ms', () => {
  it('delivers spaced events one read at a time', async () => {
    const res = await postJson(mock.url, '/v1/chat/completions', streamChat, {
      [MOCK_HEADERS.chunkDelayMs]: '150',
      [MOCK_HEADERS.chunks]: '2',
    })
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    const reads: string[] = []
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      reads.push(decoder.decode(value))
    }
    // role, 2 pieces, finish, [DONE]: each its own write, and spaced enough to arrive alone
    expect(reads).toHaveLength(5)
    expect(reads.every((read) => splitEvents(read).length === 1)).toBe(true)
    expect(reads[4]).toBe('data: [DONE]\n\n')
  })
})

describe('x-mock-fault', () => {
  it('reset-before-headers rejects the request without any response', async () => {
    const options = {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', [MOCK_HEADERS.fault]: 'reset-before-headers' },
      body: JSON.stringify(chat),
    }
    await expect(rawRequest(mock.url, options)).rejects.toMatchObject({ code: 'ECONNRESET' })
    await expect(
      postJson(mock.url, '/v1/chat/completions', chat, { [MOCK_HEADERS.fault]: 'reset-before-headers' }),
    ).rejects.toThrow('fetch failed')
    expect(mock.received).toHaveLength(2)
  })

  it('reset-mid-stream sends half the events, then breaks the stream', async () => {
    const res = await postJson(mock.url, '/v1/chat/completions', streamChat, {
      [MOCK_HEADERS.fault]: 'reset-mid-stream',
    })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    const error = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) return undefined
          text += decoder.decode(value)
        }
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(TypeError)
    expect((error as TypeError).message).toBe('terminated')
    // 7 events in all (role, 4 pieces, finish, [DONE]): the first 3 arrive whole
    const events = splitEvents(text)
    expect(events).toHaveLength(3)
    expect(events.map((event) => JSON.parse(event.slice(6)).choices[0].delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Mock' },
      { content: ' reply' },
    ])
  })

  it('reset-mid-stream cuts a JSON body in half', async () => {
    const full = await (await postJson(mock.url, '/v1/chat/completions', chat)).text()
    const res = await postJson(mock.url, '/v1/chat/completions', chat, {
      [MOCK_HEADERS.fault]: 'reset-mid-stream',
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe(String(full.length))
    await expect(res.text()).rejects.toThrow('terminated')
  })

  it('reset-mid-stream breaks the SDK stream with an error after partial data', async () => {
    const client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1`, maxRetries: 0 })
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { headers: { [MOCK_HEADERS.fault]: 'reset-mid-stream', [MOCK_HEADERS.chunks]: '10' } },
    )
    let text = ''
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
      })(),
    ).rejects.toThrow()
    // 13 events (role, 10 pieces, finish, [DONE]); the first 6 are sent: role + 5 pieces
    expect(text).toBe('Mock reply to: hi Mock')
  })

  it('hang keeps the request open until close()', async () => {
    const hanging = await createMockUpstream()
    const pending = postJson(hanging.url, '/v1/chat/completions', chat, { [MOCK_HEADERS.fault]: 'hang' })
    pending.catch(() => {})
    await until(() => hanging.received.length === 1)
    expect(await settledWithin(pending, 200)).toBe('pending')
    await hanging.close()
    await expect(pending).rejects.toThrow('fetch failed')
  })
})

describe('client disconnects', () => {
  it('a client leaving mid-stream stops the stream and the mock keeps serving', async () => {
    const res = await postJson(mock.url, '/v1/chat/completions', streamChat, {
      [MOCK_HEADERS.chunkDelayMs]: '20',
      [MOCK_HEADERS.chunks]: '1000',
    })
    const reader = res.body!.getReader()
    await reader.read()
    await reader.cancel()
    const next = await postJson(mock.url, '/v1/chat/completions', chat)
    expect(next.status).toBe(200)
  })

  it('a client leaving during the latency wait is harmless', async () => {
    const aborter = new AbortController()
    const leaving = fetch(`${mock.url}/v1/models`, {
      headers: { [MOCK_HEADERS.latencyMs]: '60000' },
      signal: aborter.signal,
    })
    await until(() => mock.received.length === 1)
    aborter.abort()
    await expect(leaving).rejects.toThrow('This operation was aborted')
    expect((await postJson(mock.url, '/v1/chat/completions', chat)).status).toBe(200)
  })
})

describe('openConnections()', () => {
  it('counts sockets open to the server', async () => {
    const counted = await createMockUpstream()
    try {
      expect(counted.openConnections()).toBe(0)
      const req = request(`${counted.url}/v1/models`)
      const res = await new Promise<import('node:http').IncomingMessage>((resolve) => {
        req.on('response', resolve)
        req.end()
      })
      res.resume()
      expect(counted.openConnections()).toBe(1)
      req.destroy()
      res.destroy()
      await until(() => counted.openConnections() === 0)
      expect(counted.openConnections()).toBe(0)
    } finally {
      await counted.close()
    }
  })
})
