import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockUpstream, type MockUpstream } from '../src/index.js'
import { postJson, splitEvents } from './helpers.js'

let mock: MockUpstream
let client: OpenAI

beforeAll(async () => {
  mock = await createMockUpstream()
  client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1`, maxRetries: 0 })
})
afterAll(() => mock.close())

const usage = (input: number, output: number) => ({
  input_tokens: input,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: output,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: input + output,
})

describe('POST /v1/responses', () => {
  it('returns a response object for a string input', async () => {
    const response = await client.responses.create({ model: 'gpt-4o-mini', input: 'hello there' })
    expect(response.output_text).toBe('Mock reply to: hello there')
    expect(response.id).toMatch(/^resp_[0-9a-f]{48}$/)
    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'gpt-4o-mini',
      error: null,
      incomplete_details: null,
      instructions: null,
      max_output_tokens: null,
      // "hello there": 11 bytes -> 3 tokens; 5 word pieces
      usage: usage(3, 5),
    })
    expect(response.output).toHaveLength(1)
    expect(response.output[0]).toEqual({
      id: expect.stringMatching(/^msg_[0-9a-f]{48}$/),
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'Mock reply to: hello there' }],
    })
  })

  it('reads the last user message of an array input and counts instructions', async () => {
    const response = await client.responses.create({
      model: 'gpt-4o',
      instructions: 'Be kind.',
      input: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'two' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'three' }] },
      ],
    })
    expect(response.output_text).toBe('Mock reply to: three')
    expect(response.instructions).toBe('Be kind.')
    // 8 + 3 + 3 + 5 = 19 bytes -> 5 tokens
    expect(response.usage).toEqual(usage(5, 4))
  })

  it('stops at max_output_tokens with status incomplete', async () => {
    const response = await client.responses.create({ model: 'gpt-4o', input: 'hi', max_output_tokens: 2 })
    expect(response.status).toBe('incomplete')
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' })
    expect(response.output_text).toBe('Mock reply')
    expect(response.usage?.output_tokens).toBe(2)
  })

  it('streams typed events in order through the SDK', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'hi' })
    const events: string[] = []
    const deltas: string[] = []
    for await (const event of stream) {
      events.push(`${event.sequence_number}:${event.type}`)
      if (event.type === 'response.output_text.delta') deltas.push(event.delta)
    }
    expect(events).toEqual([
      '0:response.created',
      '1:response.in_progress',
      '2:response.output_item.added',
      '3:response.content_part.added',
      '4:response.output_text.delta',
      '5:response.output_text.delta',
      '6:response.output_text.delta',
      '7:response.output_text.delta',
      '8:response.output_text.done',
      '9:response.content_part.done',
      '10:response.output_item.done',
      '11:response.completed',
    ])
    expect(deltas).toEqual(['Mock', ' reply', ' to:', ' hi'])
    const final = await stream.finalResponse()
    expect(final.output_text).toBe('Mock reply to: hi')
    expect(final.usage).toEqual(usage(1, 4))
  })

  it('frames each event as event + data, with no [DONE]', async () => {
    const res = await postJson(mock.url, '/v1/responses', { model: 'gpt-4o-mini', input: 'yo', stream: true })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const events = splitEvents(await res.text())
    expect(events).toHaveLength(12) // 4 opening events, 4 deltas, 4 closing events
    for (const [index, event] of events.entries()) {
      const match = /^event: ([a-z_.]+)\ndata: (\{.*\})\n\n$/.exec(event)
      expect(match).not.toBeNull()
      const data = JSON.parse(match![2])
      expect(Object.keys(data).slice(0, 2)).toEqual(['type', 'sequence_number'])
      expect(data.type).toBe(match![1])
      expect(data.sequence_number).toBe(index)
    }
    const completed = JSON.parse(events[11].split('data: ')[1])
    expect(completed.type).toBe('response.completed')
    expect(completed.response.status).toBe('completed')
    expect(completed.response.usage).toEqual(usage(1, 4))
    const delta = JSON.parse(events[4].split('data: ')[1])
    expect(delta).toEqual({
      type: 'response.output_text.delta',
      sequence_number: 4,
      item_id: completed.response.output[0].id,
      output_index: 0,
      content_index: 0,
      delta: 'Mock',
      logprobs: [],
    })
    expect(events.some((event) => event.includes('[DONE]'))).toBe(false)
  })

  it('ends a capped stream with response.incomplete', async () => {
    const res = await postJson(mock.url, '/v1/responses', {
      model: 'gpt-4o-mini',
      input: 'yo',
      stream: true,
      max_output_tokens: 1,
    })
    const events = splitEvents(await res.text())
    expect(events.at(-1)).toMatch(/^event: response\.incomplete\n/)
    expect(JSON.parse(events.at(-1)!.split('data: ')[1]).response.incomplete_details).toEqual({
      reason: 'max_output_tokens',
    })
  })
})
