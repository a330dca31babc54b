import { describe, expect, it } from 'vitest'
import { operationName, providerName, requestAttributes } from '../../src/tracing/genai-request.js'
import { GenAiResponse } from '../../src/tracing/genai-response.js'

const sse = (...events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('')

function read(body: string, stream: boolean, captureContent = false, split = 7): GenAiResponse {
  const r = new GenAiResponse(stream, captureContent)
  const bytes = Buffer.from(body)
  for (let i = 0; i < bytes.length; i += split) r.onChunk(bytes.subarray(i, i + split)) // lines split across chunks
  r.onEnd()
  return r
}

describe('GenAI request attributes', () => {
  it('names the operation from the API path', () => {
    expect(operationName('/chat/completions')).toBe('chat')
    expect(operationName('/responses')).toBe('chat')
    expect(operationName('/messages')).toBe('chat')
    expect(operationName('/completions')).toBe('text_completion')
    expect(operationName('/embeddings?x=1')).toBe('embeddings')
    expect(operationName('/models/gpt-4o')).toBe('models')
  })

  it('names the provider from the auth style', () => {
    expect(providerName('bearer')).toBe('openai')
    expect(providerName('api-key')).toBe('azure.ai.openai')
    expect(providerName('anthropic')).toBe('anthropic')
    expect(providerName('bearer', 'anthropic')).toBe('anthropic') // an upstream whose format is Anthropic's API
  })

  it('records the sampling parameters present in the body, with their types, and no content by default', () => {
    const body = Buffer.from(
      JSON.stringify({
        model: 'm',
        messages: [{ role: 'user', content: 'secret' }],
        temperature: 0.2,
        top_p: 0.9,
        max_completion_tokens: 64,
        frequency_penalty: 0.5,
        presence_penalty: '1', // wrong type: left out
        seed: 7,
        n: 2,
        stop: 'END',
      }),
    )
    expect(requestAttributes(body, false)).toEqual({
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.frequency_penalty': 0.5,
      'gen_ai.request.seed': 7,
      'gen_ai.request.choice.count': 2,
      'gen_ai.request.stop_sequences': ['END'],
    })
    expect(requestAttributes(body, true)['gen_ai.input.messages']).toBe(
      '[{"role":"user","content":"secret"}]',
    )
    expect(requestAttributes(Buffer.from('not json'), true)).toEqual({})
    expect(requestAttributes(Buffer.from('{"__proto__":{"temperature":1}}'), false)).toEqual({})
  })
})

describe('GenAiResponse', () => {
  it('reads an OpenAI chat completion (JSON)', () => {
    const body = JSON.stringify({
      id: 'chatcmpl-1',
      model: 'gpt-4o-mini-2024',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hi there' } }],
      usage: { prompt_tokens: 12, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 8 } },
    })
    expect(read(body, false).attributes()).toEqual({
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.response.model': 'gpt-4o-mini-2024',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.usage.cache_read.input_tokens': 8,
    })
    expect(read(body, false, true).attributes()['gen_ai.output.messages']).toBe(
      '[{"role":"assistant","parts":[{"type":"text","content":"Hi there"}],"finish_reason":"stop"}]',
    )
  })

  it('reads an OpenAI chat stream, usage in the last chunk', () => {
    const body = `${sse(
      { id: 'c2', model: 'm-1', choices: [{ index: 0, delta: { content: 'Hel' } }] },
      { id: 'c2', model: 'm-1', choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'length' }] },
      { id: 'c2', model: 'm-1', choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } },
    )}data: [DONE]\n\n`
    const r = read(body, true, true)
    expect(r.attributes()).toMatchObject({
      'gen_ai.response.id': 'c2',
      'gen_ai.response.model': 'm-1',
      'gen_ai.response.finish_reasons': ['length'],
      'gen_ai.usage.input_tokens': 5,
      'gen_ai.usage.output_tokens': 2,
    })
    expect(r.text).toBe('Hello')
  })

  it('reads an Anthropic message stream (input and cache tokens at the start, output at the end)', () => {
    const body = sse(
      {
        type: 'message_start',
        message: {
          id: 'msg_1',
          model: 'claude-x',
          usage: {
            input_tokens: 20,
            cache_read_input_tokens: 4,
            cache_creation_input_tokens: 6,
            output_tokens: 1,
          },
        },
      },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Yo' } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    ).replaceAll('data: ', 'event: x\ndata: ')
    const r = read(body, true, true)
    expect(r.attributes()).toMatchObject({
      'gen_ai.response.id': 'msg_1',
      'gen_ai.response.model': 'claude-x',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 20,
      'gen_ai.usage.output_tokens': 9,
      'gen_ai.usage.cache_read.input_tokens': 4,
      'gen_ai.usage.cache_creation.input_tokens': 6,
    })
    expect(r.text).toBe('Yo')
  })

  it('reads a Responses API body and its completed event', () => {
    const response = {
      id: 'resp_1',
      model: 'gpt-5',
      status: 'completed',
      output: [{ type: 'message', content: [{ type: 'output_text', text: 'Done' }] }],
      usage: { input_tokens: 3, output_tokens: 1, input_tokens_details: { cached_tokens: 0 } },
    }
    expect(read(JSON.stringify(response), false, true).attributes()).toMatchObject({
      'gen_ai.response.id': 'resp_1',
      'gen_ai.response.finish_reasons': ['completed'],
      'gen_ai.usage.output_tokens': 1,
      'gen_ai.usage.cache_read.input_tokens': 0,
    })
    const events = sse(
      { type: 'response.created', response: { ...response, status: 'in_progress', usage: null } },
      { type: 'response.output_text.delta', delta: 'Done' },
      { type: 'response.completed', response },
    )
    const r = read(events, true, true)
    expect(r.attributes()).toMatchObject({ 'gen_ai.response.id': 'resp_1', 'gen_ai.usage.input_tokens': 3 })
    expect(r.text).toBe('Done')
  })

  it('records nothing from a body that is not JSON, and no content unless asked', () => {
    expect(read('<html>502</html>', false, true).attributes()).toEqual({})
    expect(read(JSON.stringify({ choices: [{ message: { content: 'x' } }] }), false).attributes()).toEqual({})
  })
})
