import { type ClientHttp2Session, connect } from 'node:http2'
import { request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockUpstream, createTestCertificate, MOCK_HEADERS, type MockUpstream } from '../src/index.js'
import { settledWithin, splitEvents, until } from './helpers.js'

let cert: { key: string; cert: string }
let mock: MockUpstream
let session: ClientHttp2Session

interface H2Reply {
  status: number
  headers: Record<string, unknown>
  body: string
  error?: Error & { code?: string }
}

/** One request on the shared session; resolves with what arrived, including a stream error. */
function h2Request(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  return new Promise<H2Reply>((resolve) => {
    const stream = session.request({ ':method': options.method ?? 'GET', ':path': path, ...options.headers })
    const reply: H2Reply = { status: 0, headers: {}, body: '' }
    stream.setEncoding('utf8')
    stream.on('response', (headers) => {
      reply.status = Number(headers[':status'])
      reply.headers = headers
    })
    stream.on('data', (chunk: string) => {
      reply.body += chunk
    })
    stream.on('end', () => resolve(reply))
    stream.on('error', (error) => resolve({ ...reply, error }))
    stream.end(options.body)
  })
}

/** A fetch over node:http2, so the OpenAI SDK can be pointed at the h2 server with our test CA. */
function h2Fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input)
  const headers: Record<string, string> = {}
  new Headers(init?.headers).forEach((value, name) => {
    headers[name] = value
  })
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': init?.method ?? 'GET',
      ':path': url.pathname + url.search,
      ...headers,
    })
    stream.on('error', reject)
    stream.on('response', (responseHeaders) => {
      const body = Readable.toWeb(stream) as ReadableStream<Uint8Array>
      const out = new Headers()
      for (const [name, value] of Object.entries(responseHeaders)) {
        if (!name.startsWith(':') && value !== undefined) out.set(name, String(value))
      }
      resolve(new Response(body, { status: Number(responseHeaders[':status']), headers: out }))
    })
    stream.end(typeof init?.body === 'string' ? init.body : undefined)
  })
}

beforeAll(async () => {
  cert = createTestCertificate()
  mock = await createMockUpstream({ tls: cert })
  session = connect(mock.url, { ca: cert.cert })
})
afterAll(async () => {
  session.destroy()
  await mock.close()
})

const chatBody = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  stream: true,
})
const post = (headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: chatBody,
})

describe('HTTP/2 over TLS', () => {
  it('generates a usable certificate', () => {
    expect(cert.key).toContain('PRIVATE KEY')
    expect(cert.cert).toContain('BEGIN CERTIFICATE')
    expect(mock.url).toBe(`https://127.0.0.1:${mock.port}`)
  })

  it('streams a chat completion over h2 and records httpVersion 2.0', async () => {
    mock.reset()
    const reply = await h2Request('/v1/chat/completions', post())
    expect(reply.error).toBeUndefined()
    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    const events = splitEvents(reply.body)
    expect(
      events.map((event) =>
        event === 'data: [DONE]\n\n' ? '[DONE]' : JSON.parse(event.slice(6)).choices[0].delta,
      ),
    ).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Mock' },
      { content: ' reply' },
      { content: ' to:' },
      { content: ' hi' },
      {},
      '[DONE]',
    ])
    expect(mock.received).toHaveLength(1)
    expect(mock.received[0].httpVersion).toBe('2.0')
    expect(mock.received[0].path).toBe('/v1/chat/completions')
    expect(mock.received[0].body.toString()).toBe(chatBody)
  })

  it('serves the OpenAI SDK over h2', async () => {
    const client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1`, maxRetries: 0, fetch: h2Fetch })
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'over h2' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let usage = null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      usage = chunk.usage ?? usage
    }
    expect(text).toBe('Mock reply to: over h2')
    expect(usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 })
  })

  it('reset-before-headers resets only the stream; the session lives on', async () => {
    const reply = await h2Request(
      '/v1/chat/completions',
      post({ [MOCK_HEADERS.fault]: 'reset-before-headers' }),
    )
    expect(reply.status).toBe(0)
    expect(reply.error?.code).toBe('ERR_HTTP2_STREAM_ERROR')
    expect(reply.error?.message).toBe('Stream closed with error code NGHTTP2_INTERNAL_ERROR')
    const next = await h2Request('/v1/models')
    expect(next.status).toBe(200)
  })

  it('reset-mid-stream delivers the first events, then RST_STREAM', async () => {
    const reply = await h2Request('/v1/chat/completions', post({ [MOCK_HEADERS.fault]: 'reset-mid-stream' }))
    expect(reply.status).toBe(200)
    expect(reply.error?.code).toBe('ERR_HTTP2_STREAM_ERROR')
    expect(splitEvents(reply.body)).toHaveLength(3)
  })

  it('a client resetting its stream mid-stream leaves the session serving', async () => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/v1/chat/completions',
      'content-type': 'application/json',
      [MOCK_HEADERS.chunkDelayMs]: '20',
      [MOCK_HEADERS.chunks]: '1000',
    })
    stream.on('error', () => {})
    stream.end(chatBody)
    await new Promise((resolve) => stream.once('data', resolve))
    stream.close()
    const next = await h2Request('/v1/models')
    expect(next.status).toBe(200)
  })

  it('hang stays pending until close() ends the session', async () => {
    const other = await createMockUpstream({ tls: cert })
    const client = connect(other.url, { ca: cert.cert })
    client.on('error', () => {})
    const stream = client.request({ ':method': 'GET', ':path': '/v1/models', [MOCK_HEADERS.fault]: 'hang' })
    stream.on('error', () => {})
    const closed = new Promise((resolve) => stream.once('close', resolve))
    stream.end()
    await until(() => other.received.length === 1)
    expect(other.openConnections()).toBe(1)
    expect(await settledWithin(closed, 200)).toBe('pending')
    await other.close()
    await closed
    expect(other.openConnections()).toBe(0)
    client.destroy()
  })

  it('still speaks HTTP/1.1 over TLS', async () => {
    mock.reset()
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(`${mock.url}/v1/models`, { ca: cert.cert, agent: false }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.on('error', reject)
      req.end()
    })
    expect(reply.status).toBe(200)
    expect(JSON.parse(reply.body).object).toBe('list')
    expect(mock.received[0].httpVersion).toBe('1.1')
  })
})
