import { describe, expect, it } from 'vitest'
import { messagesToChatRequest } from '../../src/translate/messages-to-chat.js'
import { TRANSLATE_DEFAULTS } from '../../src/translate/translate-options.js'

function translate(body: object, options = TRANSLATE_DEFAULTS) {
  return messagesToChatRequest(body as Record<string, unknown>, options)
}

function refusal(body: object) {
  try {
    translate(body)
  } catch (error) {
    return (error as { toJSON(): unknown }).toJSON()
  }
  throw new Error('expected a refusal')
}

const base = { model: 'gpt-4o', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }

describe('Messages request -> chat request', () => {
  it('maps a Claude Code style request (system blocks with cache_control, tools, thinking, stream)', () => {
    const out = translate({
      model: 'gpt-4o',
      max_tokens: 8192,
      system: [
        { type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Be careful.' },
      ],
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'list files', cache_control: { type: 'ephemeral' } }],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'I should run ls', signature: 'sig' },
            { type: 'text', text: 'Running ls.' },
            { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a.ts' }] },
            { type: 'text', text: 'thanks' },
          ],
        },
      ],
      tools: [{ name: 'Bash', description: 'Runs a command', input_schema: { type: 'object' } }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 4096 },
      metadata: { user_id: 'u1' },
      stop_sequences: ['STOP'],
      temperature: 1,
      stream: true,
    })
    expect(out).toEqual({
      stream: true,
      includeUsage: true,
      body: {
        model: 'gpt-4o',
        max_tokens: 8192,
        messages: [
          { role: 'system', content: 'You are a coding agent.\n\nBe careful.' },
          { role: 'user', content: [{ type: 'text', text: 'list files' }] },
          {
            role: 'assistant',
            content: 'Running ls.',
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: [{ type: 'text', text: 'a.ts' }] },
          { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
        ],
        temperature: 1,
        stop: ['STOP'],
        user: 'u1',
        tools: [
          {
            type: 'function',
            function: { name: 'Bash', description: 'Runs a command', parameters: { type: 'object' } },
          },
        ],
        tool_choice: 'auto',
        parallel_tool_calls: false,
        reasoning_effort: 'high',
        stream: true,
        stream_options: { include_usage: true },
      },
    })
  })

  it.each([
    [{ ...base, messages: [] }, 'messages', 'VELOX_ERR_INVALID_FIELD'],
    [{ model: 'gpt-4o', messages: base.messages }, 'max_tokens', 'VELOX_ERR_INVALID_FIELD'],
    [{ ...base, top_k: 5 }, 'top_k', 'VELOX_ERR_UNSUPPORTED_FIELD'],
    [
      { ...base, tools: [{ type: 'web_search_20250305', name: 'web_search' }] },
      'tools[0].type',
      'VELOX_ERR_UNSUPPORTED_FIELD',
    ],
    [
      {
        ...base,
        messages: [
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] },
        ],
      },
      'messages[0].content[0].tool_use_id',
      'VELOX_ERR_INVALID_FIELD',
    ],
    [
      { ...base, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] },
      'messages[0].content[0].type',
      'VELOX_ERR_UNSUPPORTED_FIELD',
    ],
  ])('refuses %j with a 400 naming %s', (body, param, code) => {
    expect(refusal(body)).toMatchObject({ error: { type: 'invalid_request_error', param, code } })
  })

  it('drops a field the ignoreFields option names', () => {
    const out = translate({ ...base, top_k: 5 }, { ...TRANSLATE_DEFAULTS, ignoreFields: new Set(['top_k']) })
    expect(out.body).toEqual(base)
  })
})
