import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockUpstream, type MockUpstream } from '../src/index.js'

let mock: MockUpstream
let client: OpenAI

beforeAll(async () => {
  mock = await createMockUpstream()
  client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1`, maxRetries: 0 })
})
afterAll(() => mock.close())

const request = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content: 'find cats' }],
  tools: [{ type: 'function' as const, function: { name: 'search', parameters: { type: 'object' } } }],
}

describe('chat tool calls', () => {
  it('calls the first tool when tool_choice is required', async () => {
    const completion = await client.chat.completions.create({ ...request, tool_choice: 'required' })
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: null,
        tool_calls: [
          {
            id: expect.stringMatching(/^call_/),
            type: 'function',
            function: { name: 'search', arguments: '{"query":"find cats"}' },
          },
        ],
      },
    })
  })

  it('streams the call: index, id and name first, then the arguments in pieces', async () => {
    const stream = await client.chat.completions.create({
      ...request,
      tool_choice: { type: 'function', function: { name: 'search' } },
      stream: true,
    })
    const deltas: unknown[] = []
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) deltas.push(call)
    }
    expect(deltas[0]).toMatchObject({
      index: 0,
      id: expect.stringMatching(/^call_/),
      function: { name: 'search', arguments: '' },
    })
    const args = (deltas as Array<{ function: { arguments: string } }>)
      .map((d) => d.function.arguments)
      .join('')
    expect(args).toBe('{"query":"find cats"}')
    expect(deltas).toHaveLength(4)
  })

  it('answers text when the choice is auto', async () => {
    const completion = await client.chat.completions.create({ ...request, tool_choice: 'auto' })
    expect(completion.choices[0]!.message.content).toBe('Mock reply to: find cats')
  })
})
