import { describe, expect, it } from 'vitest'
import { chatToMessagesRequest } from '../../src/translate/chat-to-messages.js'
import { TRANSLATE_DEFAULTS, type TranslateOptions } from '../../src/translate/translate-options.js'

const user = (content: unknown) => ({ role: 'user', content })
const base = { model: 'claude-x', messages: [user('hi')] }

function translate(body: object, options: TranslateOptions = TRANSLATE_DEFAULTS) {
  return chatToMessagesRequest(body as Record<string, unknown>, options)
}

function refusal(body: object, options: TranslateOptions = TRANSLATE_DEFAULTS) {
  try {
    translate(body, options)
  } catch (error) {
    return (error as { toJSON(): unknown }).toJSON()
  }
  throw new Error('expected a refusal')
}

describe('chat request -> Messages request', () => {
  it('maps every supported field', () => {
    const out = translate({
      model: 'claude-x',
      messages: [
        { role: 'system', content: 'Be brief.' },
        user([
          { type: 'text', text: 'What is in these?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
        ]),
        {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"at":"cat"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
        user('and?'),
      ],
      max_completion_tokens: 5000,
      temperature: 0.5,
      top_p: 0.9,
      stop: 'END',
      user: 'user-42',
      tools: [
        {
          type: 'function',
          function: { name: 'look', description: 'Looks', parameters: { type: 'object' } },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      reasoning_effort: 'medium',
      stream: true,
      stream_options: { include_usage: true },
      n: 1,
      logprobs: false,
    })
    expect(out).toEqual({
      stream: true,
      includeUsage: true,
      body: {
        model: 'claude-x',
        max_tokens: 5000,
        system: 'Be brief.',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in these?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Let me check.' },
              { type: 'tool_use', id: 'call_1', name: 'look', input: { at: 'cat' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_1', content: 'a cat' },
              { type: 'text', text: 'and?' },
            ],
          },
        ],
        temperature: 0.5,
        top_p: 0.9,
        stop_sequences: ['END'],
        metadata: { user_id: 'user-42' },
        tools: [{ name: 'look', description: 'Looks', input_schema: { type: 'object' } }],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        thinking: { type: 'enabled', budget_tokens: 2048 },
        stream: true,
      },
    })
  })

  it('sends the default max_tokens only when the client set none, and never overwrites one', () => {
    expect(translate(base).body.max_tokens).toBe(4096)
    expect(translate({ ...base, max_tokens: 7 }).body.max_tokens).toBe(7)
    expect(translate(base, { ...TRANSLATE_DEFAULTS, defaultMaxTokens: 100 }).body.max_tokens).toBe(100)
  })

  it('keeps tool_choice none as none, and maps a named tool', () => {
    expect(translate({ ...base, tool_choice: 'none' }).body.tool_choice).toEqual({ type: 'none' })
    const named = { type: 'function', function: { name: 'look' } }
    const tools = [{ type: 'function', function: { name: 'look' } }]
    expect(translate({ ...base, tools, tool_choice: named }).body.tool_choice).toEqual({
      type: 'tool',
      name: 'look',
    })
  })

  it('hoists developer messages and several system messages into system blocks', () => {
    const out = translate({
      model: 'm',
      messages: [
        { role: 'developer', content: 'A' },
        { role: 'system', content: [{ type: 'text', text: 'B' }] },
        user('hi'),
      ],
    })
    expect(out.body.system).toEqual([
      { type: 'text', text: 'A' },
      { type: 'text', text: 'B' },
    ])
  })

  it('merges consecutive same-role messages into one turn', () => {
    const out = translate({ model: 'm', messages: [user('a'), user('b')] })
    expect(out.body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
    ])
  })

  it.each([
    [{ ...base, n: 2 }, 'n', 'VELOX_ERR_UNSUPPORTED_FIELD'],
    [{ ...base, logprobs: true }, 'logprobs', 'VELOX_ERR_UNSUPPORTED_FIELD'],
    [{ ...base, seed: 7 }, 'seed', 'VELOX_ERR_UNSUPPORTED_FIELD'],
    [{ ...base, response_format: { type: 'json_object' } }, 'response_format', 'VELOX_ERR_UNSUPPORTED_FIELD'],
    [{ ...base, temperature: 1.5 }, 'temperature', 'VELOX_ERR_UNSUPPORTED_FIELD'],
    [{ ...base, messages: [] }, 'messages', 'VELOX_ERR_INVALID_FIELD'],
    [
      { ...base, messages: [user('a'), { role: 'system', content: 'late' }] },
      'messages[1].role',
      'VELOX_ERR_INVALID_FIELD',
    ],
    [
      { ...base, messages: [user('a'), { role: 'tool', tool_call_id: 'nope', content: 'x' }] },
      'messages[1].tool_call_id',
      'VELOX_ERR_INVALID_FIELD',
    ],
    [
      {
        ...base,
        messages: [
          user('a'),
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }],
          },
        ],
      },
      'messages[1].tool_calls[0].function.arguments',
      'VELOX_ERR_INVALID_FIELD',
    ],
    [
      { ...base, messages: [user([{ type: 'input_audio', input_audio: {} }])] },
      'messages[0].content[0].type',
      'VELOX_ERR_UNSUPPORTED_FIELD',
    ],
    [{ ...base, max_tokens: 1000, reasoning_effort: 'high' }, 'max_tokens', 'VELOX_ERR_INVALID_FIELD'],
  ])('refuses %j with a 400 naming %s', (body, param, code) => {
    expect(refusal(body)).toMatchObject({ error: { type: 'invalid_request_error', param, code } })
  })

  it('drops an unsupported field the ignoreFields option names', () => {
    const options = { ...TRANSLATE_DEFAULTS, ignoreFields: new Set(['seed', 'response_format']) }
    const out = translate({ ...base, seed: 7, response_format: { type: 'json_object' } }, options)
    expect(out.body).toEqual({ model: 'claude-x', max_tokens: 4096, messages: [user('hi')] })
  })

  it('maps response_format json_schema to output_config.format', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } }
    const out = translate({
      ...base,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
    })
    expect(out.body.output_config).toEqual({ format: { type: 'json_schema', schema } })
  })
})
