import { describe, expect, it } from 'vitest'
import { ChatToAnthropicStream } from '../../src/translate/chat-stream-to-anthropic.js'
import { chatSse, namedEvents, OPENAI_CHUNKS } from './fixtures.js'

function run(sse: string) {
  const stream = new ChatToAnthropicStream()
  const out = stream.push(Buffer.from(sse)) + stream.end()
  return { stream, events: namedEvents(out) }
}

describe('chat chunks -> Anthropic stream', () => {
  it("emits Anthropic's events in Anthropic's order, with block indices for text and each tool call", () => {
    const { stream, events } = run(chatSse(OPENAI_CHUNKS))
    expect(events).toEqual([
      [
        'message_start',
        {
          type: 'message_start',
          message: {
            id: 'chatcmpl-1',
            type: 'message',
            role: 'assistant',
            model: 'gpt-4o',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        },
      ],
      [
        'content_block_start',
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      ],
      ['ping', { type: 'ping' }],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' both.' } },
      ],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      [
        'content_block_start',
        {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} },
        },
      ],
      [
        'content_block_delta',
        {
          type: 'content_block_delta',
          index: 1,
          delta: { type: 'input_json_delta', partial_json: '{"city":' },
        },
      ],
      [
        'content_block_delta',
        {
          type: 'content_block_delta',
          index: 1,
          delta: { type: 'input_json_delta', partial_json: '"Paris"}' },
        },
      ],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
      [
        'content_block_start',
        {
          type: 'content_block_start',
          index: 2,
          content_block: { type: 'tool_use', id: 'call_b', name: 'get_time', input: {} },
        },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } },
      ],
      ['content_block_stop', { type: 'content_block_stop', index: 2 }],
      [
        'message_delta',
        {
          type: 'message_delta',
          delta: { stop_reason: 'tool_use', stop_sequence: null },
          usage: {
            input_tokens: 20,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 100,
            output_tokens: 30,
          },
        },
      ],
      ['message_stop', { type: 'message_stop' }],
    ])
    expect(stream.counts).toEqual({ input: 20, output: 30, cacheRead: 100, cacheWrite: 0 })
    expect(stream.failed).toBe(false)
  })

  it('translates the same when chunks are spelled otherwise (the parse path)', () => {
    const pretty = `${OPENAI_CHUNKS.map((c) => `data: ${JSON.stringify(c, null, 1).replaceAll('\n', ' ')}\n\n`).join('')}data: [DONE]\n\n`
    expect(run(pretty).events).toEqual(run(chatSse(OPENAI_CHUNKS)).events)
  })

  it('ends with an error event when the stream is cut before [DONE]', () => {
    const { stream, events } = run(chatSse(OPENAI_CHUNKS.slice(0, 3), false))
    expect(events.at(-1)).toEqual([
      'error',
      { type: 'error', error: { type: 'api_error', message: 'The upstream stream ended before [DONE]' } },
    ])
    expect(events.map(([name]) => name)).not.toContain('message_stop')
    expect(stream.failed).toBe(true)
  })

  it('ends with an error event when streamed tool arguments are not JSON', () => {
    const bad = structuredClone(OPENAI_CHUNKS)
    ;(bad[5] as any).choices[0].delta.tool_calls[0].function.arguments = 'Paris'
    const { events } = run(chatSse(bad))
    expect(events.at(-1)).toEqual([
      'error',
      {
        type: 'error',
        error: {
          type: 'api_error',
          message: 'The upstream streamed tool call arguments that are not a JSON object',
        },
      },
    ])
    expect(events.filter(([name]) => name === 'error')).toHaveLength(1)
    expect(events.map(([name]) => name)).not.toContain('message_delta')
  })

  it('maps an error chunk from the upstream to an error event', () => {
    const sse = `${chatSse(OPENAI_CHUNKS.slice(0, 2), false)}data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}\n\n`
    const { events } = run(sse)
    expect(events.at(-1)).toEqual(['error', { type: 'error', error: { type: 'api_error', message: 'boom' } }])
  })
})
