import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockUpstream, MOCK_HEADERS, type MockUpstream } from '../src/index.js'
import { postJson, splitEvents } from './helpers.js'

let mock: MockUpstream
let client: Anthropic

const ANTHROPIC = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }

beforeAll(async () => {
  mock = await createMockUpstream()
  client = new Anthropic({ apiKey: 'k', baseURL: mock.url, maxRetries: 0 })
})
afterAll(() => mock.close())

const request = {
  model: 'claude-x',
  max_tokens: 64,
  system: 'Be brief.',
  messages: [{ role: 'user' as const, content: 'hello world' }],
}

describe('POST /v1/messages', () => {
  it('answers a Messages JSON reply the SDK parses, with usage', async () => {
    const message = await client.messages.create(request)
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [{ type: 'text', text: 'Mock reply to: hello world', citations: null }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      // input: ceil(("Be brief." 9 + "hello world" 11) / 4) = 5; output: 5 word pieces
      usage: {
        input_tokens: 5,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 5,
      },
    })
    expect(message.id).toMatch(/^msg_[0-9a-f]{24}$/)
  })

  it('counts text of blocks marked cache_control as cache reads', async () => {
    const message = await client.messages.create({
      ...request,
      system: [{ type: 'text', text: 'A long cached prefix.', cache_control: { type: 'ephemeral' } }],
    })
    // cached: ceil(21 / 4) = 6; input: ceil(11 / 4) = 3
    expect(message.usage).toMatchObject({ input_tokens: 3, cache_read_input_tokens: 6 })
  })

  it('streams the full event sequence, ping after the first block start, in the real order', async () => {
    const res = await postJson(mock.url, '/v1/messages', { ...request, stream: true }, ANTHROPIC)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const names = splitEvents(await res.text()).map((e) => e.split('\n')[0])
    expect(names).toEqual([
      'event: message_start',
      'event: content_block_start',
      'event: ping',
      ...Array(5).fill('event: content_block_delta'),
      'event: content_block_stop',
      'event: message_delta',
      'event: message_stop',
    ])
  })

  it('streams a forced tool_use with input_json_delta that the SDK reassembles', async () => {
    const stream = client.messages.stream({
      ...request,
      tools: [{ name: 'search', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any' },
    })
    const deltas: string[] = []
    stream.on('inputJson', (partial) => deltas.push(partial))
    const message = await stream.finalMessage()
    expect(message.stop_reason).toBe('tool_use')
    expect(message.content).toEqual([
      {
        type: 'tool_use',
        id: expect.stringMatching(/^toolu_/),
        name: 'search',
        input: { query: 'hello world' },
      },
    ])
    expect(deltas.join('')).toBe('{"query":"hello world"}')
  })

  it('answers a thinking block first when thinking is enabled, with a signature', async () => {
    const message = await client.messages.create({
      ...request,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    })
    expect(message.content[0]).toEqual({
      type: 'thinking',
      thinking: 'Thinking about: hello world',
      signature: expect.any(String),
    })
    expect(message.content[1]).toMatchObject({ type: 'text', text: 'Mock reply to: hello world' })
    const streamed = await client.messages
      .stream({ ...request, thinking: { type: 'enabled', budget_tokens: 1024 } })
      .finalMessage()
    expect(streamed.content).toEqual(message.content)
  })

  it('stops at a stop sequence and at max_tokens', async () => {
    const stopped = await client.messages.create({ ...request, stop_sequences: [' to:'] })
    expect(stopped).toMatchObject({
      stop_reason: 'stop_sequence',
      stop_sequence: ' to:',
      content: [{ text: 'Mock reply' }],
    })
    const cut = await client.messages.create({ ...request, max_tokens: 2 })
    expect(cut).toMatchObject({ stop_reason: 'max_tokens', content: [{ text: 'Mock reply' }] })
  })

  it('answers 529 overloaded_error in the Anthropic shape when x-mock-status asks', async () => {
    const res = await postJson(mock.url, '/v1/messages', request, {
      ...ANTHROPIC,
      [MOCK_HEADERS.status]: '529',
    })
    expect(res.status).toBe(529)
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      request_id: expect.stringMatching(/^req_/),
    })
  })

  it('sends an in-stream error event when x-mock-stream-error asks, with status 200', async () => {
    const headers = { ...ANTHROPIC, 'x-mock-stream-error': 'overloaded_error' }
    const res = await postJson(mock.url, '/v1/messages', { ...request, stream: true }, headers)
    expect(res.status).toBe(200)
    const events = splitEvents(await res.text())
    expect(events.at(-1)).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    )
    const failing = client.messages.stream(request, {
      headers: { 'x-mock-stream-error': 'overloaded_error' },
    })
    await expect(failing.finalMessage()).rejects.toThrow(/Overloaded/)
  })

  it('requires a key and anthropic-version, in the real wording', async () => {
    const noKey = await postJson(mock.url, '/v1/messages', request, { 'anthropic-version': '2023-06-01' })
    expect(noKey.status).toBe(401)
    expect(((await noKey.json()) as any).error).toEqual({
      type: 'authentication_error',
      message: 'x-api-key header is required',
    })
    const noVersion = await postJson(mock.url, '/v1/messages', request, { 'x-api-key': 'k' })
    expect(noVersion.status).toBe(400)
    expect(((await noVersion.json()) as any).error).toEqual({
      type: 'invalid_request_error',
      message: 'anthropic-version: header is required',
    })
  })

  it('checks the key against the apiKey option (x-api-key or Bearer)', async () => {
    const keyed = await createMockUpstream({ apiKey: 'secret' })
    try {
      const wrong = await postJson(keyed.url, '/v1/messages', request, ANTHROPIC)
      expect(wrong.status).toBe(401)
      const right = await postJson(keyed.url, '/v1/messages', request, {
        ...ANTHROPIC,
        'x-api-key': 'secret',
      })
      expect(right.status).toBe(200)
      const sdk = new Anthropic({ apiKey: 'secret', baseURL: keyed.url, maxRetries: 0 })
      expect((await sdk.messages.create(request)).type).toBe('message')
    } finally {
      await keyed.close()
    }
  })

  it('answers a missing max_tokens with an Anthropic-shaped 400', async () => {
    const res = await postJson(
      mock.url,
      '/v1/messages',
      { model: 'claude-x', messages: request.messages },
      ANTHROPIC,
    )
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
  })
})

describe('POST /v1/messages/count_tokens', () => {
  it('answers the input tokens', async () => {
    const { model, system, messages } = request
    expect(await client.messages.countTokens({ model, system, messages })).toEqual({ input_tokens: 5 })
  })
})
