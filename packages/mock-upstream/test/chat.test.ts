import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockUpstream, MOCK_HEADERS, type MockUpstream } from '../src/index.js'
import { postJson, splitEvents } from './helpers.js'

let mock: MockUpstream
let client: OpenAI

beforeAll(async () => {
  mock = await createMockUpstream()
  client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1`, maxRetries: 0 })
})
afterAll(() => mock.close())

const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'hello world' },
]

describe('POST /v1/chat/completions', () => {
  it('returns a chat.completion the SDK parses', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages })
    expect(completion.id).toMatch(/^chatcmpl-[0-9a-f]{29}$/)
    expect(completion.object).toBe('chat.completion')
    expect(completion.model).toBe('gpt-4o-mini')
    expect(completion.system_fingerprint).toMatch(/^fp_[0-9a-f]{10}$/)
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: 'Mock reply to: hello world', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ])
    // prompt: ceil(("Be brief." 9 bytes + "hello world" 11 bytes) / 4) = 5; completion: 5 word pieces
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 })
  })

  it('is deterministic: the same request gets the same bytes', async () => {
    const body = { model: 'gpt-4o', messages }
    const first = await postJson(mock.url, '/v1/chat/completions', body)
    const second = await postJson(mock.url, '/v1/chat/completions', body)
    expect(first.headers.get('x-request-id')).toBe(second.headers.get('x-request-id'))
    expect(await first.text()).toBe(await second.text())
  })

  it('sends the JSON headers of the real API', async () => {
    const res = await postJson(mock.url, '/v1/chat/completions', { model: 'gpt-4o', messages })
    const text = await res.text()
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)))
    expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    expect(res.headers.get('openai-processing-ms')).toMatch(/^\d+$/)
  })

  it('counts prompt bytes of array content parts and reads the last user message', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'an answer' },
        { role: 'user', content: [{ type: 'text', text: 'héllo' }] },
      ],
    })
    expect(completion.choices[0].message.content).toBe('Mock reply to: héllo')
    // 14 + 9 + 6 (é is 2 bytes) = 29 bytes -> 8 tokens
    expect(completion.usage?.prompt_tokens).toBe(8)
  })

  it('caps the reply at max_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 2 })
    expect(completion.choices[0].message.content).toBe('Mock reply')
    expect(completion.choices[0].finish_reason).toBe('length')
    expect(completion.usage?.completion_tokens).toBe(2)
    const capped = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      max_completion_tokens: 3,
    })
    expect(capped.choices[0].message.content).toBe('Mock reply to:')
  })

  it('streams with include_usage through the SDK', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    const chunks = []
    for await (const chunk of stream) {
      chunks.push(chunk)
      text += chunk.choices[0]?.delta.content ?? ''
    }
    expect(text).toBe('Mock reply to: hello world')
    expect(chunks).toHaveLength(8) // role, 5 pieces, finish, usage
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' })
    expect(chunks[6].choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' })
    expect(chunks.slice(0, 7).every((chunk) => chunk.usage === null)).toBe(true)
    expect(chunks[7].choices).toEqual([])
    expect(chunks[7].usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 })
  })

  it('frames the stream exactly as OpenAI does, ending with [DONE]', async () => {
    const res = await postJson(mock.url, '/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('no-cache')
    expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    const body = await res.text()
    const { id, created, system_fingerprint } = JSON.parse(body.slice('data: '.length, body.indexOf('\n')))
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model: 'gpt-4o-mini',
        service_tier: 'default',
        system_fingerprint,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      })}\n\n`
    expect(splitEvents(body)).toEqual([
      chunk({ role: 'assistant', content: '' }, null),
      chunk({ content: 'Mock' }, null),
      chunk({ content: ' reply' }, null),
      chunk({ content: ' to:' }, null),
      chunk({ content: ' hi' }, null),
      chunk({}, 'stop'),
      'data: [DONE]\n\n',
    ])
  })

  it('streams exactly x-mock-chunks pieces', async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { headers: { [MOCK_HEADERS.chunks]: '9' } },
    )
    const pieces: string[] = []
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content
      if (content) pieces.push(content)
    }
    expect(pieces).toEqual(['Mock', ' reply', ' to:', ' hi', ' Mock', ' reply', ' to:', ' hi', ' Mock'])
  })

  it('rejects a request without messages with param messages', async () => {
    const res = await postJson(mock.url, '/v1/chat/completions', { model: 'gpt-4o-mini' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: {
        message: "Missing required parameter: 'messages'.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'missing_required_parameter',
      },
    })
  })
})
