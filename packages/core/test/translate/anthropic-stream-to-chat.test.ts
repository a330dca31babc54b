import { describe, expect, it } from 'vitest'
import { AnthropicToChatStream } from '../../src/translate/anthropic-stream-to-chat.js'
import { anthropicSse, CLAUDE_EVENTS, chatEvents } from './fixtures.js'

const created = 1700000000
const head = { id: 'msg_01', object: 'chat.completion.chunk', created, model: 'claude-sonnet-4-5' }
const chunk = (delta: object, finish: string | null = null, extra: object = {}) => ({
  ...head,
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  ...extra,
})

function run(sse: string, includeUsage: boolean) {
  const stream = new AnthropicToChatStream({ created, includeUsage })
  const out = stream.push(Buffer.from(sse)) + stream.end()
  return { stream, events: chatEvents(out) }
}

describe('Anthropic stream -> chat chunks', () => {
  it('maps thinking, text and a streamed tool call, then finish, usage and [DONE]', () => {
    const { stream, events } = run(anthropicSse(CLAUDE_EVENTS), true)
    const u = { usage: null }
    expect(events).toEqual([
      chunk({ role: 'assistant', content: '' }, null, u),
      chunk({ reasoning_content: 'Let me look.' }, null, u),
      chunk({ content: 'Checking ' }, null, u),
      chunk({ content: 'the weather.' }, null, u),
      chunk(
        {
          tool_calls: [
            { index: 0, id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        null,
        u,
      ),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, null, u),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ' "Paris"}' } }] }, null, u),
      chunk({}, 'tool_calls', u),
      {
        ...head,
        choices: [],
        usage: {
          prompt_tokens: 130,
          completion_tokens: 42,
          total_tokens: 172,
          prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 5 },
        },
      },
      '[DONE]',
    ])
    expect(stream.counts).toEqual({ input: 25, output: 42, cacheRead: 100, cacheWrite: 5 })
    expect(stream.failed).toBe(false)
  })

  it('translates the same when events are spelled otherwise (the parse path: spaces, data over several lines)', () => {
    const pretty = CLAUDE_EVENTS.map((e) => {
      const lines = JSON.stringify(e, null, 1).split('\n')
      return `event: ${(e as { type: string }).type}\n${lines.map((l) => `data: ${l}`).join('\n')}\n\n`
    }).join('')
    expect(run(pretty, true).events).toEqual(run(anthropicSse(CLAUDE_EVENTS), true).events)
  })

  it('sends no usage chunk and no usage fields unless the client asked', () => {
    const { events } = run(anthropicSse(CLAUDE_EVENTS), false)
    expect(events.at(-2)).toEqual(chunk({}, 'tool_calls'))
    expect(events.at(-1)).toBe('[DONE]')
  })

  it('turns an in-stream overloaded_error into an error chunk and no [DONE]', () => {
    const events = [
      ...CLAUDE_EVENTS.slice(0, 8),
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    ]
    const { stream, events: out } = run(anthropicSse(events), false)
    expect(out.at(-1)).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' },
    })
    expect(out).not.toContain('[DONE]')
    expect(stream.failed).toBe(true)
  })

  it('turns a stream cut before message_stop into an error chunk', () => {
    const { stream, events } = run(anthropicSse(CLAUDE_EVENTS.slice(0, 9)), false)
    expect(events.at(-1)).toEqual({
      error: {
        message: 'The upstream stream ended before message_stop',
        type: 'server_error',
        param: null,
        code: 'api_error',
      },
    })
    expect(stream.failed).toBe(true)
  })

  it('emits each event as soon as its bytes are complete (no buffering of the stream)', () => {
    const stream = new AnthropicToChatStream({ created, includeUsage: false })
    const sse = anthropicSse(CLAUDE_EVENTS.slice(0, 1))
    expect(stream.push(Buffer.from(sse.slice(0, 20)))).toBe('')
    expect(chatEvents(stream.push(Buffer.from(sse.slice(20))))).toEqual([
      chunk({ role: 'assistant', content: '' }),
    ])
  })
})
