import { describe, expect, it } from 'vitest'
import { completionToMessage } from '../../src/translate/completion-to-message.js'
import { messageToCompletion } from '../../src/translate/message-to-completion.js'

describe('Messages response -> chat completion', () => {
  it('maps text, thinking and tool_use blocks, the stop reason and cache usage', () => {
    const out = messageToCompletion(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-x',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'text', text: 'Sure.' },
          { type: 'tool_use', id: 'toolu_1', name: 'look', input: { at: 'cat' } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: {
          input_tokens: 10,
          cache_read_input_tokens: 80,
          cache_creation_input_tokens: 10,
          output_tokens: 7,
        },
      },
      1700000000,
    )
    expect(out.body).toEqual({
      id: 'msg_1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-x',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Sure.',
            reasoning_content: 'hmm',
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'look', arguments: '{"at":"cat"}' } },
            ],
            refusal: null,
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 100,
        completion_tokens: 7,
        total_tokens: 107,
        prompt_tokens_details: { cached_tokens: 80, cache_creation_tokens: 10 },
      },
    })
    expect(out.counts).toEqual({ input: 10, output: 7, cacheRead: 80, cacheWrite: 10 })
  })

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['pause_turn', 'stop'],
    ['refusal', 'content_filter'],
  ])('maps stop_reason %s to finish_reason %s', (stop, finish) => {
    const message = { id: 'm', model: 'c', content: [], stop_reason: stop, usage: {} }
    expect((messageToCompletion(message, 0).body.choices as any)[0].finish_reason).toBe(finish)
  })

  it('refuses a body that is not a message with a 502', () => {
    expect(() => messageToCompletion({ error: 'x' }, 0)).toThrow(
      expect.objectContaining({ code: 'VELOX_ERR_UPSTREAM_INVALID_RESPONSE', status: 502 }),
    )
  })
})

describe('chat completion -> Messages response', () => {
  it('maps text and tool calls to blocks, finish_reason and usage', () => {
    const out = completionToMessage({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'On it.',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"at":"cat"}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 50,
        completion_tokens: 9,
        total_tokens: 59,
        prompt_tokens_details: { cached_tokens: 40 },
      },
    })
    expect(out.body).toEqual({
      id: 'chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o',
      content: [
        { type: 'text', text: 'On it.' },
        { type: 'tool_use', id: 'call_1', name: 'look', input: { at: 'cat' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 10,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 40,
        output_tokens: 9,
      },
    })
  })

  it('refuses tool arguments that are not a JSON object with a 502', () => {
    const completion = {
      choices: [{ message: { tool_calls: [{ id: 'c', function: { name: 'f', arguments: 'Paris' } }] } }],
    }
    expect(() => completionToMessage(completion)).toThrow(
      expect.objectContaining({ code: 'VELOX_ERR_UPSTREAM_INVALID_RESPONSE' }),
    )
  })
})
